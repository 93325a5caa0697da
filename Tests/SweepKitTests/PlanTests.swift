import Foundation
import SweepKit
import SweepTesting
import Testing

@Suite("The plan of a sweep (lrsweep plan), worked out by hand")
struct PlanTests {
    static func parse(_ yaml: String) throws -> SweepSpec {
        try SweepSpec.parse(text: yaml, file: "plan.yaml", catalog: Fixtures.catalog)
    }

    /// sgd (1 combination) and sgd-hd × 2 hyper_lr (2 combinations), 4 drawn rates each, 2 seeds, 100 steps.
    static let asha = """
        name: plan
        search: {method: random, trials: 4, seed: 1}
        grid:
          optimizer: [sgd, sgd-hd]
          lr: {log_uniform: [1.0e-3, 1.0e-1]}
          sgd-hd.hyper_lr: [1.0e-4, 1.0e-3]
          dataset: mnist
          model: logreg
        seeds: [1, 2]
        train: {steps: 100, eval_every: 10}
        early_stopping: {method: asha, grace: 10, reduction: 3}
        """

    @Test("counts: 3 combinations × 4 draws = 12 configurations, 24 trials; sgd 8, sgd-hd 16")
    func counts() throws {
        let plan = try Self.parse(Self.asha).plan()
        #expect(plan.sweep == "plan")
        #expect(plan.search == "random")
        #expect(plan.draws == 4)
        #expect(plan.searchSeed == 1)
        #expect(plan.combinations == 3)
        #expect(plan.configurations == 12)
        #expect(plan.trials == 24)
        #expect(plan.seeds == [1, 2])
        #expect(plan.trialsPerOptimizer == [.init(optimizer: "sgd", trials: 8), .init(optimizer: "sgd-hd", trials: 16)])
        #expect(plan.firstConfigurations.count == 5)
        #expect(plan.firstConfigurations.allSatisfy { $0.seed == nil })
        #expect(plan.firstConfigurations.prefix(4).allSatisfy { $0.optimizer == "sgd" })
    }

    @Test("the drawn rates: 4 distinct values in [a, b], sorted, the same for every combination")
    func drawn() throws {
        let spec = try Self.parse(Self.asha)
        let plan = spec.plan()
        #expect(plan.drawn.count == 1)
        let lr = try #require(plan.drawn.first)
        #expect(lr.key == "lr")
        #expect(lr.distribution == "log_uniform [0.001, 0.1]")
        #expect(lr.condition == nil)
        let values = lr.values.compactMap(\.doubleValue)
        #expect(values.count == 4)
        #expect(values == values.sorted())
        #expect(values.allSatisfy { $0 >= 1e-3 && $0 <= 1e-1 })
        #expect(lr.min == lr.values.first && lr.max == lr.values.last)
        #expect(Set(spec.configurations().compactMap(\.lr)) == Set(values))
    }

    @Test("budget: 24 trials × 100 steps = 2400")
    func budget() throws {
        let budget = try Self.parse(Self.asha).plan().budget
        #expect(budget == SweepPlan.Budget(basis: "steps", stepsPerTrial: 100, totalSteps: 2400,
                                           note: "training steps as the spec sets them"))
    }

    @Test("ASHA: 3 groups of 4; rungs 10, 30, 90; at best 4·10 + 2·20 + 1·60 + 1·10 = 150 steps a seed a group")
    func ashaSaving() throws {
        let e = try #require(try Self.parse(Self.asha).plan().earlyStopping)
        #expect(e.method == "asha")
        #expect(e.groupBy == ["optimizer", "sgd-hd.hyper_lr", "dataset", "model"])
        #expect(e.groups == 3)
        #expect(e.largestGroup == 4)
        #expect(e.rungs == [10, 30, 90])
        // Per group and seed: 4 configurations to 10 steps, ⌈4/3⌉ = 2 to 30, ⌈2/3⌉ = 1 to 90, 1 to 100.
        #expect(e.minimumSteps == 150 * 2 * 3)
        #expect(e.maximumSavedSteps == 2400 - 900)
        #expect(e.maximumSavedFraction == 0.625)
    }

    @Test("the median rule: no computed saving, said in words")
    func median() throws {
        let spec = try Self.parse(Self.asha.replacingOccurrences(of: "{method: asha, grace: 10, reduction: 3}",
                                                                 with: "{method: median, grace: 20}"))
        let e = try #require(spec.plan().earlyStopping)
        #expect(e.method == "median")
        #expect(e.reduction == nil)
        #expect(e.rungs.isEmpty)
        #expect(e.minimumSteps == nil && e.maximumSavedSteps == nil)
        #expect(e.note.contains("depends on the curves"))
    }

    @Test("epochs of a known train_size: ⌈1000 / 128⌉ = 8 steps an epoch, 2 epochs = 16 steps a trial")
    func epochs() throws {
        let spec = try Self.parse("""
            name: epochs
            grid: {optimizer: [sgd, adam], lr: [0.1, 0.01], dataset: mnist, model: logreg}
            train: {epochs: 2, train_size: 1000, batch_size: 128}
            """)
        let budget = spec.plan().budget
        #expect(budget.basis == "epochs")
        #expect(budget.stepsPerTrial == 16)
        #expect(budget.totalSteps == 4 * 16)
        #expect(budget.note.contains("2 epochs"))
        #expect(spec.plan().draws == nil && spec.plan().searchSeed == nil && spec.plan().earlyStopping == nil)
    }

    @Test("epochs of the whole dataset: the budget is not known before running")
    func unknownLength() throws {
        let spec = try Self.parse("""
            name: epochs
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: logreg}
            train: {epochs: 2}
            early_stopping: asha
            """)
        let plan = spec.plan()
        #expect(plan.budget.basis == "dataset")
        #expect(plan.budget.totalSteps == nil)
        #expect(plan.earlyStopping?.minimumSteps == nil)
    }

    @Test("a steps axis: trials of different lengths add up")
    func stepsAxis() throws {
        let spec = try Self.parse("""
            name: steps
            grid: {optimizer: sgd, lr: [0.1, 0.01], dataset: mnist, model: logreg, steps: [100, 300]}
            seeds: [1, 2, 3]
            """)
        let budget = spec.plan().budget
        #expect(budget.stepsPerTrial == nil)
        #expect(budget.totalSteps == 3 * 2 * (100 + 300))
    }

    @Test("a trainer decides its own length")
    func trainer() throws {
        let spec = try Self.parse(Fixtures.trainerSpecYAML)
        let plan = spec.plan()
        #expect(plan.budget.basis == "trainer")
        #expect(plan.trialsPerOptimizer == [.init(optimizer: "-", trials: 8)])
    }

    @Test("the plan encodes as one JSON object with snake_case fields")
    func json() throws {
        let data = try JSONCoding.encoder().encode(try Self.parse(Self.asha).plan())
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["sweep", "search", "draws", "search_seed", "trials", "configurations", "combinations", "seeds",
                    "trials_per_optimizer", "first_configurations", "drawn", "budget", "early_stopping"] {
            #expect(object[key] != nil, "\(key)")
        }
        let budget = try #require(object["budget"] as? [String: Any])
        #expect(budget["total_steps"] as? Int == 2400)
        let early = try #require(object["early_stopping"] as? [String: Any])
        #expect(early["minimum_steps"] as? Int == 900)
    }
}
