/// One axis of the grid: a key and the values it takes, in the order the spec lists them.
public struct GridAxis: Sendable, Hashable {
    public var key: String
    public var values: [ParamValue]

    public init(key: String, values: [ParamValue]) {
        self.key = key
        self.values = values
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

    /// Internal: a spec exists only validated, from a file (``parse(text:file:catalog:)``) or from
    /// one of the checked builders (``noopBenchmark(trials:)``, ``rollouts(name:model:dataset:seeds:train:payload:retries:catalog:)``).
    public init(name: String, metric: String = "val_loss", goal: Goal? = nil, grid: [GridAxis], seeds: [Int] = [1],
         train: TrainConfig = TrainConfig(), optimizers: [String: [String: ParamValue]] = [:],
         retries: Int = 2, trainer: TrainerSpec? = nil, kind: TrialKind? = nil, payload: String? = nil,
         sourceText: String = "", sourcePath: String = "") {
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

    /// Number of trials: the product of the axis sizes times the number of seeds.
    public var trialCount: Int { grid.reduce(seeds.count) { $0 * $1.values.count } }

    /// The cartesian product of the grid with every seed, in a stable order.
    ///
    /// The first axis varies slowest and the seed fastest, so the seeds of one configuration are
    /// neighbours (and finish close together, which makes early partial reports useful).
    ///
    /// - Complexity: O(trials × axes).
    public func trials() -> [Trial] {
        var result: [Trial] = []
        result.reserveCapacity(trialCount)
        var index = 0
        func expand(_ axis: Int, _ params: Parameters) {
            if axis == grid.count {
                for seed in seeds {
                    var p = params
                    p["seed"] = .int(seed)
                    result.append(Trial(sweepName: name, index: index, parameters: p))
                    index += 1
                }
                return
            }
            for value in grid[axis].values {
                var p = params
                p[grid[axis].key] = value
                expand(axis + 1, p)
            }
        }
        expand(0, Parameters())
        return result
    }

    /// What a worker needs to run `trial` as attempt number `attempt` (1-based).
    public func task(for trial: Trial, attempt: Int) -> TrialTask {
        let optimizer = trial.parameters.optimizer ?? ""
        return TrialTask(trial: trial, attempt: attempt, train: train.applying(trial.parameters),
                         optimizerOptions: optimizers[optimizer] ?? [:], metric: metric, trainer: trainer,
                         kind: kind, payload: payload)
    }
}
