/// One axis of the grid: a key and the values it takes, in the order the spec lists them.
///
/// A list axis holds its values in `values`. A distribution axis (random and Sobol search only)
/// holds its ``Distribution`` instead and has no `values`. An axis with a ``condition`` (an
/// optimizer or schedule option, `sgd-hd.hyper_lr`) applies only to the trials that meet it; the
/// others have no such parameter and are not multiplied by it.
public struct GridAxis: Sendable, Hashable {
    public var key: String
    public var values: [ParamValue]
    /// Nil for a list axis; the distribution its values are drawn from otherwise.
    public var distribution: Distribution?
    /// Nil for an axis that applies to every trial.
    public var condition: AxisCondition?

    public init(key: String, values: [ParamValue], distribution: Distribution? = nil,
                condition: AxisCondition? = nil) {
        self.key = key
        self.values = values
        self.distribution = distribution
        self.condition = condition
    }

    /// Every value the axis can give a trial: its list, or a choice's values; empty for a numeric
    /// distribution (its values are only known once drawn).
    public var possibleValues: [ParamValue] {
        switch distribution {
        case nil: return values
        case .choice(let choices)?: return choices
        default: return []
        }
    }

    /// True for an axis drawn from a log-uniform, uniform or integer distribution: tuned like `lr`
    /// rather than a structure of the comparison.
    public var isNumericDistribution: Bool {
        switch distribution {
        case nil, .choice?: return false
        default: return true
        }
    }
}

/// A validated sweep: what to vary, how to train, how to rank.
///
/// Build one with ``SweepSpec/load(path:catalog:)`` or ``SweepSpec/parse(text:file:catalog:)``
/// (in `SweepSpec+Parsing.swift`); both check the text against a ``Catalog`` and throw a
/// ``SpecError`` naming file, line and column.
public struct SweepSpec: Sendable {
    public var name: String
    public var metric: String
    public var goal: Goal
    /// Grid axes in spec order; `optimizer`, `lr`, `dataset` and `model` are always present
    /// (a missing one is an error unless a `trainer:` makes it optional).
    public var grid: [GridAxis]
    public var seeds: [Int]
    public var train: TrainConfig
    /// Per-optimizer options, already validated against the catalog's declarations.
    public var optimizers: [String: [String: ParamValue]]
    /// Attempts after the first when a worker dies mid-trial.
    public var retries: Int
    public var trainer: TrainerSpec?
    /// What runs the trials: the engine, the `trainer:` command, controller episodes or no-ops.
    public private(set) var kind: TrialKind
    /// Data every trial of the kind needs (a rollout's controller); nil for most.
    public private(set) var payload: String?
    /// The spec file's text and path, kept in the results store with the sweep.
    public var sourceText: String
    public var sourcePath: String
    /// How configurations are chosen (`search:`); grid by default.
    public var search: SearchSpec = .init()
    /// Early stopping within comparison groups (`early_stopping:`); nil for none.
    public var earlyStopping: EarlyStoppingSpec?

    /// Internal: a spec exists only validated, from a file (``parse(text:file:catalog:)``) or from
    /// one of the checked builders (``noopBenchmark(trials:)``, ``rollouts(name:model:dataset:seeds:train:payload:retries:catalog:)``).
    init(name: String, metric: String = "val_loss", goal: Goal? = nil, grid: [GridAxis], seeds: [Int] = [1],
         train: TrainConfig = TrainConfig(), optimizers: [String: [String: ParamValue]] = [:],
         retries: Int = 2, trainer: TrainerSpec? = nil, kind: TrialKind? = nil, payload: String? = nil,
         search: SearchSpec = .init(), earlyStopping: EarlyStoppingSpec? = nil,
         sourceText: String = "", sourcePath: String = "") {
        self.search = search
        self.earlyStopping = earlyStopping
        self.kind = kind ?? (trainer == nil ? .engine : .command)
        self.payload = payload
        self.name = name
        self.metric = metric
        self.goal = goal ?? Goal.implied(by: metric)
        self.grid = grid
        self.seeds = seeds
        self.train = train
        self.optimizers = optimizers
        self.retries = retries
        self.trainer = trainer
        self.sourceText = sourceText
        self.sourcePath = sourcePath
    }

    /// Number of trials: `trials().count`, computed without building the trials.
    ///
    /// A plain grid is the product of the axis sizes times the number of seeds; with conditional
    /// axes or draws the configurations are enumerated (``configurations()``).
    public var trialCount: Int {
        if search.method == .grid && grid.allSatisfy({ $0.condition == nil && $0.distribution == nil }) {
            return grid.reduce(seeds.count) { $0 * $1.values.count }
        }
        var count = 0
        forEachConfiguration { _ in count += 1 }
        return count * seeds.count
    }

    /// Every configuration with every seed, in a stable order.
    ///
    /// The order is that of ``configurations()`` (list axes in spec order, the first slowest, then
    /// the draws), with the seed fastest, so the seeds of one configuration are neighbours (and
    /// finish close together, which makes early partial reports useful).
    ///
    /// - Complexity: O(trials × axes).
    public func trials() -> [Trial] {
        var result: [Trial] = []
        result.reserveCapacity(trialCount)
        var index = 0
        forEachConfiguration { configuration in
            for seed in seeds {
                var p = configuration
                p["seed"] = .int(seed)
                result.append(Trial(sweepName: name, index: index, parameters: p))
                index += 1
            }
        }
        return result
    }

    /// What a worker needs to run `trial` as attempt number `attempt` (1-based).
    ///
    /// The options of the trial's optimizer are the `optimizers:` section's, overridden by the
    /// trial's own `OPTIMIZER.OPTION` parameters (option axes); schedule option parameters reach the
    /// train config through ``TrainConfig/applying(_:)``.
    public func task(for trial: Trial, attempt: Int) -> TrialTask {
        let optimizer = trial.parameters.optimizer ?? ""
        var options = optimizers[optimizer] ?? [:]
        for (option, value) in Self.methodOptions(of: optimizer, in: trial.parameters) { options[option] = value }
        return TrialTask(trial: trial, attempt: attempt, train: train.applying(trial.parameters),
                         optimizerOptions: options, metric: metric, trainer: trainer,
                         kind: kind, payload: payload)
    }

    /// The `METHOD.OPTION` parameters of `method`, by option name.
    static func methodOptions(of method: String, in parameters: Parameters) -> [String: ParamValue] {
        guard !method.isEmpty else { return [:] }
        let prefix = method + "."
        var options: [String: ParamValue] = [:]
        for (key, value) in parameters.values where key.hasPrefix(prefix) && key.count > prefix.count {
            options[String(key.dropFirst(prefix.count))] = value
        }
        return options
    }
}
