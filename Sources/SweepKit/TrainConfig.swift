/// The `train:` section of a spec: how each trial trains, shared by every trial of a sweep.
///
/// A grid key with the same name as a field here (`schedule`, `batch_size`, …) overrides it per
/// trial; see ``applying(_:)``.
public struct TrainConfig: Sendable, Hashable, Codable {
    public var batchSize: Int
    /// Length of training: `steps` wins if both are set; neither set means one epoch.
    public var epochs: Double?
    public var steps: Int?
    /// Steps between validation evaluations (the resolution of the curves).
    public var evalEvery: Int
    /// Optional subset sizes of the training split and of the validation split held out from it.
    public var trainSize: Int?
    public var valSize: Int?
    /// L2 weight decay, added to the gradient by the optimizer.
    public var weightDecay: Double
    /// LR schedule name (`constant`, `step`, `multistep`, `exponential`, `cosine`, `plateau`, `warmup`).
    public var schedule: String
    /// Options of the schedule (`step_size`, `gamma`, `milestones`, `warmup_steps`, …).
    public var scheduleOptions: [String: ParamValue]
    /// BLAS threads per trial.
    public var threads: Int

    public init(batchSize: Int = 128, epochs: Double? = nil, steps: Int? = nil, evalEvery: Int = 100,
                trainSize: Int? = nil, valSize: Int? = nil, weightDecay: Double = 0,
                schedule: String = "constant", scheduleOptions: [String: ParamValue] = [:], threads: Int = 1) {
        self.batchSize = batchSize
        self.epochs = epochs
        self.steps = steps
        self.evalEvery = evalEvery
        self.trainSize = trainSize
        self.valSize = valSize
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.scheduleOptions = scheduleOptions
        self.threads = threads
    }

    /// The spec keys of this section, in the order `--help` and errors list them.
    public static let keys = ["batch_size", "epochs", "steps", "eval_every", "train_size", "val_size",
                              "weight_decay", "schedule", "schedule_options", "threads"]

    /// This config with any of its fields that appear as trial parameters replaced by the trial's value.
    ///
    /// Schedule option parameters of the trial's schedule (`step.gamma` when the schedule is `step`,
    /// from a schedule option axis) override `scheduleOptions`; those of other schedules are ignored.
    public func applying(_ parameters: Parameters) -> TrainConfig {
        var c = self
        if let v = parameters["batch_size"]?.intValue { c.batchSize = v }
        if let v = parameters["epochs"]?.doubleValue { c.epochs = v }
        if let v = parameters["steps"]?.intValue { c.steps = v }
        if let v = parameters["eval_every"]?.intValue { c.evalEvery = v }
        if let v = parameters["train_size"]?.intValue { c.trainSize = v }
        if let v = parameters["val_size"]?.intValue { c.valSize = v }
        if let v = parameters["weight_decay"]?.doubleValue { c.weightDecay = v }
        if let v = parameters["schedule"]?.stringValue { c.schedule = v }
        if let v = parameters["threads"]?.intValue { c.threads = v }
        for (option, value) in SweepSpec.methodOptions(of: c.schedule, in: parameters) {
            c.scheduleOptions[option] = value
        }
        return c
    }
}

/// The `trainer:` section: run a user's program per trial instead of the built-in engine.
public struct TrainerSpec: Sendable, Hashable, Codable {
    /// argv with `{placeholder}`s, never passed through a shell.
    public var command: [String]
    /// Seconds before the process group gets SIGTERM; nil means no limit.
    public var timeout: Double?
    /// Seconds between SIGTERM and SIGKILL.
    public var grace: Double
    public var env: [String: String]
    public var cwd: String?

    public init(command: [String], timeout: Double? = nil, grace: Double = 10, env: [String: String] = [:],
                cwd: String? = nil) {
        self.command = command
        self.timeout = timeout
        self.grace = grace
        self.env = env
        self.cwd = cwd
    }
}

/// What runs a trial on a worker: a worker's router dispatches on this, never on a parameter's value.
public enum TrialKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// lrsweep's own training engine (a spec without `trainer:`).
    case engine
    /// The user's program from the spec's `trainer:` section.
    case command
    /// An episode of `lrsweep controller train`: the engine trains a child network under the
    /// learned controller carried in the task's `payload`.
    case rollout
    /// Finishes at once with a zero metric (`lrsweep bench dispatch`): the dispatch path alone.
    case noop
}

/// Everything a worker needs to run one attempt at one trial; the body of a `trial` message.
public struct TrialTask: Sendable, Hashable, Codable {
    public var trial: Trial
    public var attempt: Int
    public var kind: TrialKind
    /// Data the kind needs beyond the parameters (a rollout's controller, as JSON); nil for most.
    public var payload: String?
    /// The sweep's `train:` section with the trial's overrides already applied.
    public var train: TrainConfig
    /// Options of this trial's optimizer from the spec's `optimizers:` section.
    public var optimizerOptions: [String: ParamValue]
    /// The sweep's ranking metric, which an external trainer must report.
    public var metric: String
    public var trainer: TrainerSpec?

    public init(trial: Trial, attempt: Int, train: TrainConfig, optimizerOptions: [String: ParamValue],
                metric: String, trainer: TrainerSpec? = nil, kind: TrialKind? = nil, payload: String? = nil) {
        self.trial = trial
        self.attempt = attempt
        self.kind = kind ?? (trainer == nil ? .engine : .command)
        self.payload = payload
        self.train = train
        self.optimizerOptions = optimizerOptions
        self.metric = metric
        self.trainer = trainer
    }
}
