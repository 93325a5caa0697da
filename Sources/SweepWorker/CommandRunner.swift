import Foundation
import SweepKit

/// Runs a trial with the user's own training program (the spec's `trainer:` section).
///
/// The command is argv with `{placeholder}`s (see ``TrainerInvocation``), started with no shell in its
/// own process group; its stdout speaks the metrics protocol (see ``TrainerReport``), its other output
/// goes to `<outputRoot>/logs/<trial id>.log`, and `{out_dir}` is `<outputRoot>/<trial id>/`. The
/// trial's thread supervises it (``TrainerSupervisor``): timeout and worker shutdown end the whole
/// process group, SIGTERM then SIGKILL after the trainer's `grace`.
///
/// Starting a trainer makes the worker process a child subreaper (Linux), so that the trainer's
/// orphaned grandchildren can be reaped and their end observed.
public struct CommandRunner: TrialRunner {
    /// Folder of the per-trial output folders and of `logs/`.
    public let outputRoot: String

    /// - Parameter outputRoot: relative paths are taken from the current directory when a trial starts.
    public init(outputRoot: String = "lrsweep-trials") {
        self.outputRoot = outputRoot
    }

    public func run(_ task: TrialTask, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        run(task, device: nil, emit: emit, shouldStop: shouldStop)
    }

    public func run(_ task: TrialTask, device: String?, emit: @escaping @Sendable ([MetricPoint]) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        let started = Date()
        func result(_ status: TrialStatus, _ metrics: [String: Double], _ reason: String?) -> TrialResult {
            TrialResult(trialID: task.trial.id, attempt: task.attempt, status: status, metrics: metrics,
                        reason: reason, seconds: Date().timeIntervalSince(started))
        }
        guard let trainer = task.trainer else {
            return result(.failed, [:], "CommandRunner got a trial without a `trainer:` section")
        }
        let invocation = TrainerInvocation(task: task, trainer: trainer, outputRoot: outputRoot, device: device)
        let log: TrialLog
        do {
            try FileManager.default.createDirectory(atPath: invocation.outDir, withIntermediateDirectories: true)
            log = try TrialLog(path: invocation.logPath)
        } catch {
            return result(.failed, [:], "cannot create the trial's folder \(invocation.outDir) or its log: \(error)")
        }
        defer { log.close() }
        log.note("trial \(task.trial.id) attempt \(task.attempt) started \(started) · \(task.trial.parameters)")
        log.note("argv \(invocation.argv) · cwd \(invocation.cwd)"
                 + (device.map { " · CUDA_VISIBLE_DEVICES=\($0)" } ?? ""))

        _ = ChildProcess.becomeSubreaper()
        var child: ChildProcess
        do {
            child = try ChildProcess.spawn(argv: invocation.argv, environment: invocation.environment,
                                           cwd: invocation.cwd)
        } catch {
            log.note("could not start: \(error)")
            return result(.failed, [:], "cannot start the trainer: \(error)")
        }
        let supervisor = TrainerSupervisor(timeout: trainer.timeout, grace: trainer.grace)
        let outcome = supervisor.supervise(&child, log: log, emit: emit, shouldStop: shouldStop)
        let verdict = TrialVerdict.judge(outcome, metric: task.metric, logPath: invocation.logPath)
        let metrics = outcome.report.finalMetrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        // A trainer ended because the worker stopped it is not a failed trial: a leaving worker hands
        // the trial back (it runs again), a cancelled one is recorded as cancelled by the coordinator.
        let ending = outcome.termination == .stopped
            ? "stopped by the worker (handed back when the worker is leaving, or cancelled)" : verdict.status.rawValue
        log.note("ended: \(outcome.exit) · \(ending) · final metrics: "
                 + (metrics.isEmpty ? "none" : metrics.joined(separator: " "))
                 + (verdict.reason.map { "\n\($0)" } ?? ""))
        return result(verdict.status, outcome.report.finalMetrics, verdict.reason)
    }
}
