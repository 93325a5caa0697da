import Foundation
import SweepKit

/// One trial for the built-in engine: what to train (parameters) and how (config).
public struct TrainingRequest: Sendable {
    /// `optimizer`, `lr`, `dataset`, `model`, `seed`, and optionally `schedule`.
    public var parameters: Parameters
    /// Batch size, length, evaluation cadence, subset sizes, weight decay, schedule, threads.
    public var config: TrainConfig
    /// The optimizer's options from the spec (validated against its declared options).
    public var optimizerOptions: [String: ParamValue]

    public init(parameters: Parameters, config: TrainConfig, optimizerOptions: [String: ParamValue] = [:]) {
        self.parameters = parameters
        self.config = config
        self.optimizerOptions = optimizerOptions
    }
}

/// What the trainer reports while it runs.
public enum TrainingEvent: Sendable {
    /// A validation evaluation: `train_loss` (mean over the steps since the previous evaluation),
    /// `val_loss`, `val_accuracy`, `lr`, the optimizer's own metric curves, and `seconds` since start.
    case evaluation(step: Int, metrics: [String: Double])
    /// Steps done so far, at most about every 1 % of the run (for progress bars).
    case progress(step: Int, totalSteps: Int)
}

/// The outcome of one training run.
public struct TrainingSummary: Sendable {
    /// `.done`, `.diverged` (a NaN or infinite training loss stopped the run) or `.failed`
    /// (stopped on request).
    public var status: TrialStatus
    /// The last values of `train_loss`, `val_loss`, `val_accuracy`, `test_loss`, `test_accuracy`
    /// and `final_lr` (test metrics only for a run that completed).
    public var metrics: [String: Double]
    /// Optimizer steps taken.
    public var steps: Int
    /// Wall-clock seconds, data loading included.
    public var seconds: Double
    /// Why the run ended early, e.g. "loss became nan at step 37".
    public var reason: String?

    public init(status: TrialStatus, metrics: [String: Double], steps: Int, seconds: Double, reason: String? = nil) {
        self.status = status
        self.metrics = metrics
        self.steps = steps
        self.seconds = seconds
        self.reason = reason
    }
}
