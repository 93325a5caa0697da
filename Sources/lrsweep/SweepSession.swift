import Foundation
import Logging
import Reports
import SweepCoordinator
import SweepKit
import Wire

/// Runs a sweep's coordinator in this process until every trial has ended, then writes the reports.
///
/// Shared by `run` (which also starts local worker processes) and `coordinator` (which waits for
/// workers started elsewhere).
struct SweepSession {
    let spec: SweepSpec
    let outDir: String
    let bind: String
    var keys: KeyFolder? = nil
    let logger: Logger

    /// - Parameter localWorkers: worker processes to start from this binary (0 for none).
    /// - Returns: the Markdown report.
    func run(localWorkers: Int, threads: Int) throws -> String {
        let store = try ResultStore(path: "\(outDir)/results.sqlite")
        let coordinator: Coordinator
        do {
            coordinator = try Coordinator(spec: spec, store: store, bind: bind, keys: keys, logger: logger)
        } catch let error as StoreError {
            throw UserError(error.message)
        } catch let error as KeyError {
            throw UserError(error.message)
        } catch {
            throw RuntimeFailure("cannot start the coordinator on \(bind): \(error)")
        }
        coordinator.statusPath = "\(outDir)/status.json"
        let pool = try WorkerPool(count: localWorkers, endpoint: coordinator.endpoint, threads: threads,
                                  logDir: "\(outDir)/logs")
        defer { pool.terminate() }
        if localWorkers == 0 {
            FileHandle.standardError.write(Data("""
                coordinator for sweep '\(spec.name)' (\(spec.trialCount) trials) listening on \(coordinator.endpoint)
                start workers with: lrsweep worker --connect \(coordinator.endpoint.replacingOccurrences(
                    of: "0.0.0.0", with: ProcessInfo.processInfo.hostName))

                """.utf8))
        }
        let bar = ProgressBar(label: spec.name)
        var deadPoolSince: Date?
        try coordinator.run { snap in
            let finished = snap.counts.filter { $0.key.hasEnded }.map(\.value).reduce(0, +)
            let failed = (snap.counts[.failed] ?? 0) + (snap.counts[.diverged] ?? 0)
            var detail = "running \(snap.counts[.running] ?? 0) · workers \(snap.workers.count)"
            if failed > 0 { detail += " · failed/diverged \(failed)" }
            if let c = snap.counts[.cancelled], c > 0 { detail += " · cancelled \(c)" }
            if snap.paused { detail += " · paused" }
            if snap.stopping { detail += " · stopping" }
            detail += " · \(formatDuration(snap.elapsed))"
            bar.update(done: finished, total: snap.total, detail: detail, force: finished == snap.total)
            // With local workers only, a sweep whose every worker has died would wait forever.
            if localWorkers > 0 && pool.allExited && !snap.finished {
                if deadPoolSince == nil { deadPoolSince = Date() }
                if let since = deadPoolSince, Date().timeIntervalSince(since) > 5 {
                    throw RuntimeFailure("all \(localWorkers) local workers exited; see \(outDir)/logs/ for why")
                }
            }
        }
        bar.finish()
        if !coordinator.scheduler.isComplete {
            let pending = coordinator.scheduler.counts()[.pending] ?? 0
            FileHandle.standardError.write(Data("""
                sweep '\(spec.name)' stopped with \(pending) trial(s) not run; run the same spec with --out \(outDir) \
                to continue it

                """.utf8))
        }
        pool.waitForExit(seconds: 10)
        let data = try ReportData.load(path: store.path)
        return try ReportWriter.writeAll(data, to: outDir)
    }
}

/// Local worker processes started from this same binary (`lrsweep worker --connect …`).
final class WorkerPool {
    private var processes: [Process] = []

    init(count: Int, endpoint: String, threads: Int, logDir: String, extraArguments: [String] = []) throws {
        guard count > 0 else { return }
        try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
        for i in 1...count {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: currentExecutable())
            p.arguments = ["worker", "--connect", endpoint, "--threads", String(threads), "--id", "local-\(i)",
                           "--out", "\(logDir)/../trials"] + extraArguments
            let logPath = "\(logDir)/worker-\(i).log"
            guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
                throw RuntimeFailure("cannot create \(logPath)")
            }
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            p.standardOutput = log
            p.standardError = log
            p.standardInput = FileHandle.nullDevice
            do {
                try p.run()
            } catch {
                throw RuntimeFailure("cannot start worker process \(currentExecutable()): \(error)")
            }
            processes.append(p)
        }
    }

    var allExited: Bool { !processes.isEmpty && processes.allSatisfy { !$0.isRunning } }

    func waitForExit(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while processes.contains(where: \.isRunning) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// SIGTERM to any worker still running (they finish or abandon their trial and leave).
    func terminate() {
        for p in processes where p.isRunning { p.terminate() }
    }
}
