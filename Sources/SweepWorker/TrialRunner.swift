import Foundation
import SweepKit
import Training

/// Runs one attempt at one trial on this machine.
///
/// `emit` streams metric points as they are measured (the worker batches them into `progress`
/// messages); `shouldStop` turns true when the worker is shutting down. A runner never throws: a
/// trial that cannot run is a `failed` result with a reason, a diverging one is `diverged`.
public protocol TrialRunner: Sendable {
    func run(_ task: TrialTask, emit: @escaping @Sendable ([MetricPoint]) -> Void,
             shouldStop: @escaping @Sendable () -> Bool) -> TrialResult

    /// Runs `task` on `device` (from `lrsweep worker --gpus`; nil without devices). A runner that
    /// uses devices exports it to the trial (``CommandRunner`` sets `CUDA_VISIBLE_DEVICES`).
    func run(_ task: TrialTask, device: String?, emit: @escaping @Sendable ([MetricPoint]) -> Void,
             shouldStop: @escaping @Sendable () -> Bool) -> TrialResult
}

extension TrialRunner {
    /// Runners without devices (the built-in engine trains on the CPU) ignore `device`.
    public func run(_ task: TrialTask, device: String?, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        run(task, emit: emit, shouldStop: shouldStop)
    }
}

/// Runs trials with lrsweep's own training engine.
public struct EngineRunner: TrialRunner {
    public let data: DataLocator

    public init(data: DataLocator = DataLocator()) {
        self.data = data
    }

    public func run(_ task: TrialTask, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        let started = Date()
        let request = TrainingRequest(parameters: task.trial.parameters, config: task.train,
                                      optimizerOptions: task.optimizerOptions)
        do {
            let summary = try runTraining(request, data: data, shouldStop: shouldStop) { event in
                if case .evaluation(let step, let metrics) = event {
                    emit(metrics.keys.sorted().compactMap { name in
                        metrics[name].map { MetricPoint(step: step, name: name, value: $0) }
                    })
                }
            }
            return TrialResult(trialID: task.trial.id, attempt: task.attempt, status: summary.status,
                               metrics: summary.metrics, reason: summary.reason, seconds: summary.seconds)
        } catch {
            return TrialResult(trialID: task.trial.id, attempt: task.attempt, status: .failed, metrics: [:],
                               reason: String(describing: error), seconds: Date().timeIntervalSince(started))
        }
    }
}

/// Finishes every trial with a zero metric: at once, measuring the dispatch path alone
/// (`lrsweep bench dispatch`), or after the trial's `sleep_seconds` (``SweepSpec/noopSleepKey``,
/// `lrsweep bench scale`), standing in for work of a known length with no training in the way.
public struct NoopRunner: TrialRunner {
    public init() {}

    public func run(_ task: TrialTask, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        let started = Date()
        if let seconds = task.trial.parameters[SweepSpec.noopSleepKey]?.doubleValue, seconds > 0 {
            let end = started.addingTimeInterval(seconds)
            // In steps of at most 0.1 s, so a stopping worker hands the trial back at once.
            while true {
                let left = end.timeIntervalSinceNow
                guard left > 0 else { break }
                if shouldStop() {
                    return TrialResult(trialID: task.trial.id, attempt: task.attempt, status: .failed, metrics: [:],
                                       reason: "stopped by the worker", seconds: Date().timeIntervalSince(started))
                }
                Thread.sleep(forTimeInterval: min(left, 0.1))
            }
        }
        return TrialResult(trialID: task.trial.id, attempt: task.attempt, status: .done, metrics: [task.metric: 0],
                           seconds: Date().timeIntervalSince(started))
    }
}
