import Foundation
import Logging
import Reports
import SweepCoordinator
import SweepKit
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

    /// - Parameter localWorkers: worker processes to start from this binary (0 for none).
    /// - Returns: the Markdown report.
    func run(localWorkers: Int, threads: Int) throws -> String {
        let store = try ResultStore(path: "\(outDir)/results.sqlite")
        let dashboard = try serve.start(folder: outDir)
        defer { dashboard?.stop() }
        let sweep = try LocalSweep(spec: spec, store: store, options: .init(
            bind: bind, keys: keys, workers: localWorkers, workerArguments: ["--threads", String(threads)],
            executable: currentExecutable(), logDir: "\(outDir)/logs", statusPath: "\(outDir)/status.json"),
            logger: logger)
        defer { sweep.finish() }
        if localWorkers == 0 {
            let host = sweep.endpoint.replacingOccurrences(of: "0.0.0.0", with: ProcessInfo.processInfo.hostName)
            FileHandle.standardError.write(Data("""
                coordinator for sweep '\(spec.name)' (\(spec.trialCount) trials) listening on \(sweep.endpoint)
                start workers with: lrsweep worker --connect \(host)\(keys == nil ? "" : " --keys KEYS")
                steer it with: lrsweep control \(outDir) pause|resume|stop|cancel

                """.utf8))
        }
        let bar = ProgressBar(label: spec.name)
        try sweep.run { snap in
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
        let data = try ReportData.load(path: store.path)
        return try ReportWriter.writeAll(data, to: outDir)
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
