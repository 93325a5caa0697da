import SweepKit

/// Sends each trial to the runner that can run it: the user's command when the sweep has a
/// `trainer:` section, lrsweep's own engine otherwise.
public struct TrialRouter: TrialRunner {
    public let engine: any TrialRunner
    public let command: any TrialRunner

    public init(engine: any TrialRunner, command: any TrialRunner) {
        self.engine = engine
        self.command = command
    }

    public func run(_ task: TrialTask, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        run(task, device: nil, emit: emit, shouldStop: shouldStop)
    }

    public func run(_ task: TrialTask, device: String?, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        let runner = task.trainer == nil ? engine : command
        return runner.run(task, device: device, emit: emit, shouldStop: shouldStop)
    }
}
