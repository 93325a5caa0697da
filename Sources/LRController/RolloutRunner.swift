import Foundation
import SweepKit
import SweepWorker
import Training

/// Runs the episodes of `lrsweep controller train` when they arrive as trials (optimizer
/// `ppo-rollout`, see ``RolloutTrial``) and hands every other trial to `fallback`.
///
/// An episode is one child training with Adam whose rate the current PPO controller changes every
/// few steps (Xu et al., arXiv 1909.09712; ALGORITHMS.md §3). Its trajectory streams back as metric
/// points, one step per decision, which the controller trainer reads from the results store.
public struct RolloutRunner: TrialRunner {
    public let fallback: any TrialRunner
    public let data: DataLocator

    public init(fallback: any TrialRunner, data: DataLocator = DataLocator()) {
        self.fallback = fallback
        self.data = data
    }

    public func run(_ task: TrialTask, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        run(task, device: nil, emit: emit, shouldStop: shouldStop)
    }

    public func run(_ task: TrialTask, device: String?, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        guard task.trainer == nil, task.trial.parameters.optimizer == RolloutTrial.optimizerName else {
            return fallback.run(task, device: device, emit: emit, shouldStop: shouldStop)
        }
        let started = Date()
        do {
            let (setup, controller) = try RolloutTrial.episode(parameters: task.trial.parameters, config: task.train,
                                                               options: task.optimizerOptions)
            let trajectory = try runEpisode(setup, controller: controller, sample: true, data: data,
                                            shouldStop: shouldStop)
            emit(RolloutTrial.points(trajectory))
            return TrialResult(trialID: task.trial.id, attempt: task.attempt, status: .done,
                               metrics: RolloutTrial.metrics(trajectory), seconds: Date().timeIntervalSince(started))
        } catch is CancellationError {
            return TrialResult(trialID: task.trial.id, attempt: task.attempt, status: .failed, metrics: [:],
                               reason: "stopped", seconds: Date().timeIntervalSince(started))
        } catch {
            return TrialResult(trialID: task.trial.id, attempt: task.attempt, status: .failed, metrics: [:],
                               reason: String(describing: error), seconds: Date().timeIntervalSince(started))
        }
    }
}
