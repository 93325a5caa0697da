import Foundation
import SweepKit
import SweepWorker
import Training

/// Runs the episodes of `lrsweep controller train`: trials of kind ``TrialKind/rollout`` (see
/// ``RolloutTrial``), which a worker's ``TrialRouter`` sends here.
///
/// An episode is one child training with Adam whose rate the current PPO controller changes every
/// few steps (Xu et al., arXiv 1909.09712; ALGORITHMS.md §3). Its trajectory streams back as metric
/// points, one step per decision, which the controller trainer reads from the results store.
public struct RolloutRunner: TrialRunner {
    public let data: DataLocator

    public init(data: DataLocator = DataLocator()) {
        self.data = data
    }

    /// Episodes train on the CPU: a device from `--gpus` is ignored (TrialRunner's default).
    public func run(_ task: TrialTask, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        let started = Date()
        do {
            let (setup, controller) = try RolloutTrial.episode(parameters: task.trial.parameters, config: task.train,
                                                               payload: task.payload)
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
