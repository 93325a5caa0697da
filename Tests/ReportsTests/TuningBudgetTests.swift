import Foundation
import SweepKit
import Testing
@testable import Reports

@Suite("Tuning budget: expected best after k configurations")
struct TuningBudgetTests {
    /// The mean, over every k-subset of `values`, of the subset's best: the definition, by enumeration.
    static func bruteForce(_ values: [Double], k: Int, goal: Goal) -> Double {
        var total = 0.0, count = 0
        for mask in 0..<(1 << values.count) where mask.nonzeroBitCount == k {
            let subset = values.indices.filter { mask & (1 << $0) != 0 }.map { values[$0] }
            total += goal == .minimize ? (subset.min() ?? .nan) : (subset.max() ?? .nan)
            count += 1
        }
        return total / Double(count)
    }

    @Test("the closed form equals enumeration over all subsets", arguments: [Goal.minimize, .maximize])
    func closedFormMatchesEnumeration(goal: Goal) {
        var rng = SeededGenerator(seed: 42)
        for n in 1...9 {
            // Values with repeats, so ties are covered too.
            let values = (0..<n).map { _ in Double(rng.next() % 7) / 4 + 0.1 }
            for k in 1...n {
                let closed = ExpectedBest.expected(values, k: k, goal: goal)
                #expect(abs(closed - Self.bruteForce(values, k: k, goal: goal)) < 1e-9, "n \(n) k \(k) \(values)")
            }
        }
    }

    @Test("hand-worked values")
    func handWorked() {
        // {1, 2, 3}: one draw averages them; two draws miss 1 only as {2, 3}: (1 + 1 + 2) / 3.
        #expect(abs(ExpectedBest.expected([3, 1, 2], k: 1, goal: .minimize) - 2) < 1e-12)
        #expect(abs(ExpectedBest.expected([3, 1, 2], k: 2, goal: .minimize) - 4.0 / 3) < 1e-12)
        #expect(abs(ExpectedBest.expected([3, 1, 2], k: 3, goal: .minimize) - 1) < 1e-12)
        // Maximising: {1,2} → 2, {1,3} → 3, {2,3} → 3.
        #expect(abs(ExpectedBest.expected([3, 1, 2], k: 2, goal: .maximize) - 8.0 / 3) < 1e-12)
    }

    @Test("large grids get sparse budgets that end at K")
    func budgets() {
        #expect(ExpectedBest.budgets(4) == [1, 2, 3, 4])
        let ks = ExpectedBest.budgets(1000)
        #expect(ks.first == 1 && ks.last == 1000 && ks.count < 40)
        #expect(zip(ks, ks.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test("the chart's k axis ticks whole numbers only")
    func integerTicks() throws {
        #expect(Scale(.linear, covering: [1, 3], from: 0, to: 100).ticks.contains(1.5))
        #expect(Scale(.linear, covering: [1, 3], from: 0, to: 100, integer: true).ticks == [1, 2, 3])
        let report = Report(MultiCellFixtureData.shared)
        let chart = try #require(ReportCharts(report).tuningBudget(CellKey(dataset: "fashion-mnist", model: "logreg")))
        let parsed = try #require(SVGSummary.parse(chart.render()))
        #expect(parsed.series == ["sgd", "adam"] && parsed.axisLabels == ["configurations tried (k)",
                                                                         "expected best val_loss"])
    }

    @Test("curves of a report: a diverged configuration counts as the cell's worst mean")
    func reportCurves() throws {
        let report = Report(try MultiCellFixture.load())
        func point(_ model: String, _ optimizer: String, _ k: Int) -> TuningBudget? {
            report.tuningBudget.first { $0.dataset == "fashion-mnist" && $0.model == model && $0.optimizer == optimizer
                && $0.k == k }
        }
        // fashion-mnist · logreg, sgd: {0.91 (diverged → adam's 0.91), 0.41, 0.71}.
        let sgd1 = try #require(point("logreg", "sgd", 1))
        #expect(abs(sgd1.expectedBest - (0.91 + 0.41 + 0.71) / 3) < 1e-9)
        #expect(abs((point("logreg", "sgd", 2)?.expectedBest ?? 0) - (0.71 / 3 + 0.41 * 2 / 3)) < 1e-9)
        #expect(abs((point("logreg", "sgd", 3)?.expectedBest ?? 0) - 0.41) < 1e-9)
        #expect(point("logreg", "sgd", 4) == nil)
        #expect(sgd1.low <= sgd1.high)
        // fashion-mnist · mlp: sgd {0.31, 0.71} wins with one draw (0.51 < 0.56), adam {0.91, 0.21} with two.
        #expect(TuningBudget.sentence(report.tuningBudget, cell: CellKey(dataset: "fashion-mnist", model: "mlp"),
                                      goal: .minimize)
                == "Best expected result: sgd at k = 1, adam from k = 2 on (K = 2); the winner changes at k = 2.")
        let table = TuningBudget.table(report.tuningBudget, cell: CellKey(dataset: "fashion-mnist", model: "logreg"))
        #expect(table.header == ["optimizer", "k = 1", "k = 2", "k = 3"])
        #expect(table.rows.map { $0[0] } == ["sgd", "adam"])
    }

    @Test("the seed-resampling band is deterministic for a seed and moves with it")
    func bootstrapDeterministic() {
        let samples = [ExpectedBest.Sample(values: [0.4, 0.45, 0.5], mean: 0.45),
                       ExpectedBest.Sample(values: [0.6, 0.7, 0.5], mean: 0.6),
                       ExpectedBest.Sample(values: [0.3, 0.9], mean: 0.6)]
        func band(_ seed: UInt64) -> [Double] {
            var rng = SeededGenerator(seed: seed)
            return ExpectedBest.curve(samples, goal: .minimize, rng: &rng).flatMap { [$0.2, $0.3] }
        }
        #expect(band(7) == band(7))
        #expect(band(7) != band(8))
        // The point estimate does not depend on the resampling.
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 2)
        #expect(ExpectedBest.curve(samples, goal: .minimize, rng: &a).map(\.1)
                == ExpectedBest.curve(samples, goal: .minimize, rng: &b).map(\.1))
        // A whole report computes the same numbers twice.
        let data = MultiCellFixtureData.shared
        #expect(Report(data).tuningBudget == Report(data).tuningBudget)
        #expect(Report(data).overall == Report(data).overall)
    }
}

/// The standard multi-cell store, loaded once per process.
enum MultiCellFixtureData {
    static let shared: ReportData = {
        // A test failure here shows as a crash with this message; the fixture is static data.
        guard let data = try? MultiCellFixture.load() else { fatalError("cannot build the multi-cell fixture") }
        return data
    }()
}
