import Dispatch
import Foundation
import Logging
import Reports
import SweepCoordinator
import SweepKit
import Synchronization
import Wire

/// `run` and `coordinator`: a sweep served from this process through ``LocalSweep``, with a
/// progress bar, then the reports.
struct SweepSession {
    let spec: SweepSpec
    let outDir: String
    let bind: String
    var keys: KeyFolder? = nil
    let logger: Logger
    /// `--serve`: the live dashboard of this sweep, from this process.
    var serve = ServeFlags()
    /// `--retry-failed`: failed trials run again, with a fresh retry budget.
    var retryFailed = false
    /// `run --slurm`: the workers are this Slurm job.
    var slurm: SlurmJob? = nil

    /// What a session leaves: the Markdown report, and whether the user interrupted it.
    struct Outcome {
        var report: String
        /// Ctrl-C or SIGTERM stopped the sweep early (`run --slurm`): the command then exits 130
        /// after the report is written, so that scripts and `sacct` do not read it as a finished sweep.
        var interrupted: Bool
    }

    /// - Parameter localWorkers: worker processes to start from this binary (0 for none).
    func run(localWorkers: Int, threads: Int) throws -> Outcome {
        let store = try ResultStore(path: "\(outDir)/results.sqlite")
        if retryFailed {
            let n = try store.retryFailed(now: Date().timeIntervalSince1970)
            FileHandle.standardError.write(Data("retrying \(n) failed trial(s) with a fresh retry budget\n".utf8))
        }
        let dashboard = try serve.start(folder: outDir)
        defer { dashboard?.stop() }
        let sweep = try LocalSweep(spec: spec, store: store, options: .init(
            bind: bind, keys: keys, workers: localWorkers, workerArguments: ["--threads", String(threads)],
            executable: currentExecutable(), logDir: "\(outDir)/logs", statusPath: "\(outDir)/status.json"),
            logger: logger)
        defer { sweep.finish() }
        let interrupts = Interrupts(enabled: slurm != nil)
        // Where other hosts reach this coordinator.
        let host = sweep.endpoint.replacingOccurrences(of: "0.0.0.0", with: ProcessInfo.processInfo.hostName)
        if let slurm {
            let id = try slurm.submit(endpoint: host, executable: currentExecutable())
            FileHandle.standardError.write(Data("""
                coordinator for sweep '\(spec.name)' (\(spec.trialCount) trials) listening on \(sweep.endpoint)
                submitted Slurm job \(id) (\(slurm.scriptPath)); its workers log to \(slurm.slurmFolder)/
                more workers: sbatch \(slurm.scriptPath) · Ctrl-C cancels the job and stops the sweep

                """.utf8))
        } else if localWorkers == 0 {
            FileHandle.standardError.write(Data("""
                coordinator for sweep '\(spec.name)' (\(spec.trialCount) trials) listening on \(sweep.endpoint)
                start workers with: lrsweep worker --connect \(host)\(keys == nil ? "" : " --keys KEYS")
                steer it with: lrsweep control \(outDir) pause|resume|stop|cancel

                """.utf8))
        }
        defer { slurm?.cancel(grace: interrupts.count > 0 ? 0 : 15) }
        let bar = ProgressBar(label: spec.name)
        var stopping = false
        try sweep.run { snap in
            if interrupts.count > 0, !stopping, let slurm {
                // Workers hand their trials back on the job's SIGTERM; the sweep ends when they have.
                stopping = true
                FileHandle.standardError.write(Data("\nstopping: cancelling Slurm job \(slurm.jobName)\n".utf8))
                slurm.cancel(grace: 0)
                try sweep.coordinator.control(ControlRequest(action: .stop))
            }
            let finished = snap.counts.filter { $0.key.hasEnded }.map(\.value).reduce(0, +)
            bar.update(done: finished, total: snap.total, detail: Self.detail(snap), force: finished == snap.total)
        }
        bar.finish()
        sweep.finish()
        if !sweep.coordinator.scheduler.isComplete {
            let pending = sweep.coordinator.scheduler.counts()[.pending] ?? 0
            FileHandle.standardError.write(Data("""
                sweep '\(spec.name)' stopped with \(pending) trial(s) not run; run the same spec with --out \(outDir) \
                to continue it

                """.utf8))
        }
        if let failed = sweep.coordinator.scheduler.counts()[.failed], failed > 0 {
            FileHandle.standardError.write(Data("""
                \(failed) trial(s) failed (see the report); run the same spec with --out \(outDir) --retry-failed \
                to run them again

                """.utf8))
        }
        let data = try ReportData.load(path: store.path)
        return Outcome(report: try ReportWriter.writeAll(data, to: outDir), interrupted: interrupts.count > 0)
    }

    /// The progress bar's words: running, workers, problems, and whether the sweep is steered.
    static func detail(_ snap: CoordinatorSnapshot) -> String {
        let failed = (snap.counts[.failed] ?? 0) + (snap.counts[.diverged] ?? 0)
        var detail = "running \(snap.counts[.running] ?? 0) · workers \(snap.workers.count)"
        if failed > 0 { detail += " · failed/diverged \(failed)" }
        if let c = snap.counts[.cancelled], c > 0 { detail += " · cancelled \(c)" }
        if snap.paused { detail += " · paused" }
        if snap.stopping { detail += " · stopping" }
        return detail + " · \(formatDuration(snap.elapsed))"
    }
}

/// SIGINT and SIGTERM counted instead of ending the process (for `run --slurm`, which must cancel
/// its job first); a second one ends the process at once.
final class Interrupts {
    private final class Counter: Sendable {
        let seen = Mutex(0)
    }
    private let counter = Counter()
    private var sources: [DispatchSourceSignal] = []

    init(enabled: Bool) {
        guard enabled else { return }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [counter] in
                if counter.seen.withLock({ $0 += 1; return $0 }) > 1 { _exit(130) }
            }
            source.resume()
            sources.append(source)
        }
    }

    var count: Int { counter.seen.withLock { $0 } }
}
