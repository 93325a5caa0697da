import Foundation
import Testing
@testable import Reports

@Suite("LR sensitivity and time to target, on the hand-written store")
struct SensitivityTests {
    @Test("best and worst LR, the gap and the median gap per optimizer")
    func sensitivity() throws {
        let s = try StoreFixture.report().sensitivity
        #expect(s.map(\.optimizer) == ["sgd", "adam", "sgd-hd"])
        // sgd: best 0.52 at 0.1; 0.01 → gap 0.09; 1.0 all diverged → gap ∞ (worst); median of [0, 0.09, ∞] = 0.09.
        #expect(s[0].bestLR == 0.1 && abs(s[0].best - 0.52) < 1e-12)
        #expect(s[0].worstLR == 1.0 && s[0].worst.isNaN && s[0].gap == .infinity)
        #expect(abs(s[0].robustness - 0.09) < 1e-12)
        #expect(s[0].lrs == 3)
        // adam: best 0.46 at 0.01, worst 0.75 at 0.1 (its diverged seed is counted, not averaged): gap 0.29;
        // median of [0, 0.29] = 0.145.
        #expect(s[1].bestLR == 0.01 && s[1].worstLR == 0.1)
        #expect(abs(s[1].gap - 0.29) < 1e-12 && abs(s[1].robustness - 0.145) < 1e-12)
        // sgd-hd: 0.47 at 0.1, 0.50 at 0.01: gap 0.03, median 0.015.
        #expect(abs(s[2].gap - 0.03) < 1e-12 && abs(s[2].robustness - 0.015) < 1e-12)
    }

    @Test("the gap runs in the goal's direction")
    func maximize() {
        let a = [0.9, 0.7].enumerated().map { i, m in
            Aggregate(dataset: "d", model: "m", optimizer: "o", lr: i == 0 ? 0.1 : 0.01, variant: "", seeds: 2,
                      n: 2, mean: m, std: 0, ciLow: nil, ciHigh: nil, diverged: 0, failed: 0, pending: 0,
                      accuracy: nil)
        }
        let s = Sensitivity.analyse(a, goal: .maximize)
        #expect(s.first?.bestLR == 0.1 && s.first?.worstLR == 0.01)
        #expect(abs((s.first?.gap ?? 0) - 0.2) < 1e-12)
    }

    @Test("target = the worst ranked optimizer's best mean; steps and seconds from the mean curves")
    func timeToTarget() throws {
        let report = try StoreFixture.report()
        let r = try #require(report.timeToTarget.first)
        // Ranked best means: adam 0.46, sgd-hd 0.47, sgd 0.52 → target 0.52.
        #expect(abs(r.target - 0.52) < 1e-12)
        #expect(r.entries.map(\.optimizer) == ["adam", "sgd-hd", "sgd"])
        // Mean curves: adam [0.76, 0.51, 0.46] → step 20; sgd-hd at 0.1 [0.51, 0.49, 0.47] → step 10;
        // sgd at 0.1 [0.82, 0.62, 0.52] → step 30 (reaches the target exactly at its last point).
        #expect(r.entries.map(\.steps) == [20, 10, 30])
        // seconds = step / 10 in the fixture's `seconds` curve.
        #expect(r.entries.map(\.seconds) == [2.0, 1.0, 3.0])
    }

    @Test("seed bands average only steps every seed has")
    func seedBand() throws {
        let report = try StoreFixture.report()
        let adam = try #require(report.aggregates.first { $0.optimizer == "adam" && $0.lr == 0.01 })
        let band = try #require(SeedBand.of(report.trials(of: adam), metric: "val_loss"))
        #expect(band.seeds == 2)  // the failed seed has no curve
        #expect(band.steps == [10, 20, 30])
        // seeds 0.45 and 0.47 plus 0.3 at step 10: 0.75 and 0.77.
        #expect(abs(band.mean[0] - 0.76) < 1e-12)
        #expect(abs(band.min[0] - 0.75) < 1e-12 && abs(band.max[0] - 0.77) < 1e-12)
        #expect(SeedBand.varies(report.trials(of: adam), metric: "lr") == false)
        let hd = try #require(report.aggregates.first { $0.optimizer == "sgd-hd" })
        #expect(SeedBand.varies(report.trials(of: hd), metric: "lr"))
    }
}
