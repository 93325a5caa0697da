import Foundation

/// What a spec expands to and what it would cost, computed without running anything (`lrsweep plan`).
///
/// Encodes (with ``JSONCoding``) as the one object `lrsweep plan --json` prints.
public struct SweepPlan: Sendable, Hashable, Codable {
    /// Trials of one optimizer (`-` for a trainer sweep without an optimizer axis).
    public struct OptimizerTrials: Sendable, Hashable, Codable {
        public var optimizer: String
        public var trials: Int

        public init(optimizer: String, trials: Int) {
            self.optimizer = optimizer
            self.trials = trials
        }
    }

    /// The values a distribution axis took in the sweep's configurations.
    public struct DrawnAxis: Sendable, Hashable, Codable {
        public var key: String
        /// As the spec writes it: `log_uniform [0.0001, 1.0]`.
        public var distribution: String
        /// `optimizer=sgd-hd` for a conditional axis.
        public var condition: String?
        /// Distinct values, sorted (numbers by value).
        public var values: [ParamValue]
        public var min: ParamValue?
        public var max: ParamValue?
    }

    /// Training steps of the whole sweep.
    public struct Budget: Sendable, Hashable, Codable {
        /// `steps` (every length fixed by the spec), `epochs` (epochs of a known `train_size`),
        /// `dataset` (epochs of a dataset whose size only the worker knows) or `trainer` (the
        /// program decides).
        public var basis: String
        /// Steps of one trial, when every trial trains the same number.
        public var stepsPerTrial: Int?
        /// Steps of all trials; nil when some length isn't known here.
        public var totalSteps: Int?
        public var note: String

        public init(basis: String, stepsPerTrial: Int? = nil, totalSteps: Int? = nil, note: String) {
            self.basis = basis
            self.stepsPerTrial = stepsPerTrial
            self.totalSteps = totalSteps
            self.note = note
        }

        enum CodingKeys: String, CodingKey {
            case basis, note
            case stepsPerTrial = "steps_per_trial"
            case totalSteps = "total_steps"
        }
    }

    /// What early stopping could save.
    public struct EarlyStopping: Sendable, Hashable, Codable {
        public var method: String
        public var grace: Int
        /// ASHA's η; nil for the median rule.
        public var reduction: Double?
        public var groupBy: [String]
        /// Comparison groups, and configurations in the largest.
        public var groups: Int
        public var largestGroup: Int
        /// ASHA rungs (grace·η^k) up to the longest known trial.
        public var rungs: [Int]
        /// ASHA: the steps if every group kept only the best ⌈n/η⌉ of its n configurations at each
        /// rung (the least ASHA can spend); nil for the median rule or unknown lengths.
        public var minimumSteps: Int?
        /// `totalSteps − minimumSteps` and its share of the budget: the most early stopping can save.
        public var maximumSavedSteps: Int?
        public var maximumSavedFraction: Double?
        public var note: String

        enum CodingKeys: String, CodingKey {
            case method, grace, reduction, groups, rungs, note
            case groupBy = "group_by"
            case largestGroup = "largest_group"
            case minimumSteps = "minimum_steps"
            case maximumSavedSteps = "maximum_saved_steps"
            case maximumSavedFraction = "maximum_saved_fraction"
        }
    }

    public var sweep: String
    public var search: String
    /// Random and Sobol search: draws for every combination of the list axes, and their seed.
    public var draws: Int?
    public var searchSeed: UInt64?
    public var trials: Int
    public var configurations: Int
    /// Combinations of the list axes (each drawn `draws` times by random and Sobol search).
    public var combinations: Int
    public var seeds: [Int]
    public var trialsPerOptimizer: [OptimizerTrials]
    /// The first configurations in trial order (parameters without the seed).
    public var firstConfigurations: [Parameters]
    public var drawn: [DrawnAxis]
    public var budget: Budget
    public var earlyStopping: EarlyStopping?

    enum CodingKeys: String, CodingKey {
        case sweep, search, draws, trials, configurations, combinations, seeds, drawn, budget
        case searchSeed = "search_seed"
        case trialsPerOptimizer = "trials_per_optimizer"
        case firstConfigurations = "first_configurations"
        case earlyStopping = "early_stopping"
    }
}

extension SweepSpec {
    /// The plan of this sweep: counts, the first configurations, the drawn values, the budget in
    /// training steps and, with early stopping, the most it could save.
    ///
    /// - Parameter first: how many configurations to list.
    /// - Complexity: O(trials × axes).
    public func plan(first: Int = 5) -> SweepPlan {
        let configurations = configurations()
        var perOptimizer: [SweepPlan.OptimizerTrials] = []
        for c in configurations {
            let name = c.optimizer ?? "-"
            if let i = perOptimizer.firstIndex(where: { $0.optimizer == name }) {
                perOptimizer[i].trials += seeds.count
            } else {
                perOptimizer.append(.init(optimizer: name, trials: seeds.count))
            }
        }
        let drawn = drawnAxes.map { index -> SweepPlan.DrawnAxis in
            let axis = grid[index]
            let values = Array(Set(configurations.compactMap { $0[axis.key] })).sorted(by: Self.valueOrder)
            return .init(key: axis.key, distribution: axis.distribution?.description ?? "",
                         condition: axis.condition?.description, values: values, min: values.first, max: values.last)
        }
        let drawnKeys = Set(drawnAxes.map { grid[$0].key })
        let combinations = Set(configurations.map { Parameters($0.values.filter { !drawnKeys.contains($0.key) }) })
        let steps = configurations.map(stepsPerTrial)
        let budget = self.budget(steps)
        return SweepPlan(sweep: name, search: search.method.rawValue,
                         draws: search.method == .grid ? nil : search.trials,
                         searchSeed: search.method == .grid ? nil : search.seed,
                         trials: configurations.count * seeds.count, configurations: configurations.count,
                         combinations: combinations.count, seeds: seeds, trialsPerOptimizer: perOptimizer,
                         firstConfigurations: Array(configurations.prefix(first)), drawn: drawn, budget: budget,
                         earlyStopping: earlyStopping.map { plan($0, configurations, steps, budget.totalSteps) })
    }

    /// Numbers by value, then everything else by its text.
    static func valueOrder(_ a: ParamValue, _ b: ParamValue) -> Bool {
        switch (a.doubleValue, b.doubleValue) {
        case let (x?, y?): return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a.description < b.description
        }
    }

    /// Steps one trial of this configuration trains, as the engine computes them: `steps`, else
    /// ⌈epochs × ⌈train_size / batch_size⌉⌉ (one epoch by default); nil when that needs the
    /// dataset's size or a trainer decides.
    func stepsPerTrial(_ configuration: Parameters) -> Int? {
        guard kind == .engine || kind == .rollout else { return nil }
        let c = train.applying(configuration)
        if let steps = c.steps { return steps }
        guard let size = c.trainSize, c.batchSize > 0 else { return nil }
        let perEpoch = (size + c.batchSize - 1) / c.batchSize
        return Swift.max(1, Int((Double(perEpoch) * (c.epochs ?? 1)).rounded(.up)))
    }

    func budget(_ steps: [Int?]) -> SweepPlan.Budget {
        let known = steps.compactMap { $0 }
        let lengths = Set(known)
        let perTrial = lengths.count == 1 && known.count == steps.count ? lengths.first : nil
        if kind == .command {
            return .init(basis: "trainer", note: "the trainer program decides how many steps a trial trains")
        }
        guard known.count == steps.count else {
            return .init(basis: "dataset", note: "trials train for epochs of the whole training split, whose size "
                         + "only the worker knows: the budget depends on the dataset (set train.train_size to fix it)")
        }
        let total = known.reduce(0, +) * seeds.count
        let fromEpochs = train.steps == nil && !grid.contains { $0.key == "steps" }
        let basis = fromEpochs ? "epochs" : "steps"
        let epochs = train.epochs ?? 1
        let words = epochs == 1 ? "1 epoch" : "\(epochs == epochs.rounded() ? "\(Int(epochs))" : "\(epochs)") epochs"
        let note = fromEpochs ? "\(words) of ⌈train_size / batch_size⌉ steps"
            : "training steps as the spec sets them"
        return .init(basis: basis, stepsPerTrial: perTrial, totalSteps: total, note: note)
    }

    /// Early stopping's plan: groups, rungs, and for ASHA the least it can spend.
    ///
    /// In each group of n configurations ASHA lets the best ⌈n/η⌉ of those reaching a rung go on
    /// (as the coordinator's `EarlyStopper` does); at best every configuration stops at the first
    /// rung where it isn't among them, so a group spends n·r₀ + ⌈n/η⌉·(r₁ − r₀) + … steps per seed
    /// up to the end of training. With lengths that differ within a group, the shortest is taken
    /// for all (a lower bound on the spending, so an upper bound on the saving).
    func plan(_ spec: EarlyStoppingSpec, _ configurations: [Parameters], _ steps: [Int?],
              _ total: Int?) -> SweepPlan.EarlyStopping {
        var groups: [String: [Int?]] = [:]
        for (c, s) in zip(configurations, steps) { groups[groupKey(of: c), default: []].append(s) }
        func rungs(upTo limit: Int) -> [Int] {
            var result: [Int] = []
            var r = Double(spec.grace)
            while Int(r.rounded()) <= limit, result.count < 64 {
                if result.last != Int(r.rounded()) { result.append(Int(r.rounded())) }
                r *= spec.reduction
            }
            return result
        }
        let longest = steps.compactMap { $0 }.max()
        var result = SweepPlan.EarlyStopping(
            method: spec.method.rawValue, grace: spec.grace, reduction: spec.method == .asha ? spec.reduction : nil,
            groupBy: spec.groupBy, groups: groups.count, largestGroup: groups.values.map(\.count).max() ?? 0,
            rungs: spec.method == .asha ? rungs(upTo: longest ?? 0) : [], note: "")
        guard spec.method == .asha else {
            result.note = "the median rule stops a configuration after \(spec.grace) steps when its best value is "
                + "worse than the median of its group's running averages: what it saves depends on the curves"
            return result
        }
        guard let total else {
            result.note = "rungs at grace·η^k steps; the saving depends on trial lengths not known here"
            return result
        }
        var minimum = 0
        for lengths in groups.values {
            guard let length = lengths.compactMap({ $0 }).min() else { continue }
            var alive = lengths.count, previous = 0, spent = 0
            for r in rungs(upTo: length) where r < length {
                spent += alive * (r - previous)
                previous = r
                alive = Int((Double(alive) / spec.reduction).rounded(.up))
            }
            minimum += (spent + alive * (length - previous)) * seeds.count
        }
        result.minimumSteps = minimum
        result.maximumSavedSteps = total - minimum
        result.maximumSavedFraction = total > 0 ? Double(total - minimum) / Double(total) : 0
        result.note = "at most, if every group kept only its best 1/η at each rung; "
            + "real savings depend on the curves"
        return result
    }
}
