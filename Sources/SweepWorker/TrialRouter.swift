import SweepKit

/// Sends each trial to the runner of its kind (``TrialKind``): lrsweep's engine, the user's
/// command, a controller episode, or a no-op. A kind this worker has no runner for fails the
/// attempt with a reason that says so.
public struct TrialRouter: TrialRunner {
    private let runners: [TrialKind: any TrialRunner]

    /// - Parameter rollout: runs controller episodes (from the LRController module); without it,
    ///   this worker refuses them.
    public init(engine: any TrialRunner, command: any TrialRunner, rollout: (any TrialRunner)? = nil,
                noop: any TrialRunner = NoopRunner()) {
        var runners: [TrialKind: any TrialRunner] = [.engine: engine, .command: command, .noop: noop]
        runners[.rollout] = rollout
        self.runners = runners
    }

    public func run(_ task: TrialTask, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        run(task, device: nil, emit: emit, shouldStop: shouldStop)
    }

    public func run(_ task: TrialTask, device: String?, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        guard let runner = runners[task.kind] else {
            return TrialResult(trialID: task.trial.id, attempt: task.attempt, status: .failed, metrics: [:],
                               reason: "this worker cannot run \(task.kind.rawValue) trials")
        }
        return runner.run(task, device: device, emit: emit, shouldStop: shouldStop)
    }
}
