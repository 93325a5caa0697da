import Foundation
import Testing
@testable import Reports

@Suite("Aggregation over seeds, on the hand-written store")
struct AggregationTests {
    func find(_ aggregates: [Aggregate], _ optimizer: String, _ lr: Double) throws -> Aggregate {
        try #require(aggregates.first { $0.optimizer == optimizer && $0.lr == lr })
    }

    @Test("the store loads: 21 trials, statuses, metrics and curves")
    func load() throws {
        let data = try StoreFixture.load()
        #expect(data.sweepName == "fixture")
        #expect(data.metric == "val_loss")
        #expect(data.goal == .minimize)
        #expect(data.trials.count == 21)
        #expect(data.trials.filter { $0.status == .diverged }.count == 4)
        #expect(data.trials.filter { $0.status == .failed }.count == 1)
        // A diverged trial's "nan" metric decodes as NaN.
        #expect(data.trials[0].metrics["train_loss"]?.isNaN == true)
        #expect(data.curves["t3"]?["val_loss"]?.map(\.step) == [10, 20, 30])
    }

    @Test("one aggregate per optimizer × LR, in sweep order then by LR")
    func grouping() throws {
        let aggregates = Aggregation.aggregate(try StoreFixture.load())
        #expect(aggregates.count == 7)
        #expect(aggregates.map(\.optimizer) == ["sgd", "sgd", "sgd", "adam", "adam", "sgd-hd", "sgd-hd"])
        #expect(aggregates.map(\.lr) == [0.01, 0.1, 1.0, 0.01, 0.1, 0.01, 0.1])
        #expect(aggregates.allSatisfy { $0.variant.isEmpty && $0.seeds == 3 })
    }

    @Test("mean, sd and the 95 % t interval over three finished seeds")
    func threeSeeds() throws {
        let a = try find(Aggregation.aggregate(try StoreFixture.load()), "sgd", 0.1)
        #expect(a.n == 3)
        #expect(abs(a.mean - 0.52) < 1e-12)
        #expect(abs(a.std - 0.02) < 1e-12)
        // t(0.975, 2) = 4.302652729749462 (scipy); half-width 4.3026527 · 0.02 / √3 = 0.0496828.
        #expect(abs((a.ciLow ?? 0) - (0.52 - 4.302652729749462 * 0.02 / 3.0.squareRoot())) < 1e-9)
        #expect(abs((a.ciHigh ?? 0) - (0.52 + 4.302652729749462 * 0.02 / 3.0.squareRoot())) < 1e-9)
        #expect(a.diverged == 0 && a.failed == 0 && a.pending == 0)
        #expect(abs((a.accuracy ?? 0) - 0.8) < 1e-12)
    }

    @Test("a diverged seed is counted, not averaged, and marks the configuration")
    func divergedSeed() throws {
        let a = try find(Aggregation.aggregate(try StoreFixture.load()), "adam", 0.1)
        #expect(a.n == 2 && a.diverged == 1 && a.failed == 0)
        #expect(abs(a.mean - 0.75) < 1e-12)
        // deviations ±0.05: √((0.0025 + 0.0025) / 1) = 0.0707107
        #expect(abs(a.std - 0.005.squareRoot()) < 1e-12)
        #expect(a.markedLabel == "adam †")
        // n = 2: t(0.975, 1) = 12.706204736174694 (scipy) · 0.0707107 / √2 = 0.635310
        #expect(abs((a.ciHigh ?? 0) - 0.75 - 12.706204736174694 * 0.05) < 1e-9)
    }

    @Test("a failed seed is counted separately; every seed diverged gives n = 0 and no mean")
    func failedAndAllDiverged() throws {
        let aggregates = Aggregation.aggregate(try StoreFixture.load())
        let adam = try find(aggregates, "adam", 0.01)
        #expect(adam.n == 2 && adam.failed == 1 && adam.diverged == 0)
        #expect(abs(adam.mean - 0.46) < 1e-12)
        #expect(adam.markedLabel == "adam")
        let sgd = try find(aggregates, "sgd", 1.0)
        #expect(sgd.n == 0 && sgd.diverged == 3)
        #expect(sgd.mean.isNaN)
        #expect(sgd.ciLow == nil)
    }

    @Test("other swept keys become the variant, and separate configurations")
    func variants() throws {
        var data = try StoreFixture.load()
        data.trials = data.trials.filter { $0.parameters.optimizer == "sgd" && $0.parameters.lr == 0.1 }
        data.trials[0].parameters["schedule"] = .string("cosine")
        let aggregates = Aggregation.aggregate(data)
        #expect(aggregates.count == 2)
        #expect(aggregates.map(\.label).sorted() == ["sgd", "sgd (schedule=cosine)"])
        #expect(aggregates.first { !$0.variant.isEmpty }?.n == 1)
    }

    @Test("ranking by another metric reads its goal from the name")
    func otherMetric() throws {
        let data = try StoreFixture.load(metric: "val_accuracy")
        #expect(data.goal == .maximize)
        let a = try find(Aggregation.aggregate(data), "sgd", 0.1)
        #expect(abs(a.mean - 0.8) < 1e-12 && a.accuracy == nil)
    }
}
