import Foundation
import Logging
import SweepKit
import Wire

/// Why a sweep served from here could not go on.
public struct LocalSweepError: Error, CustomStringConvertible {
    public let description: String
    /// True when the user can fix it (a busy port, bad keys, a store of another sweep).
    public let isUserError: Bool
}

/// A sweep served from this process: a ``Coordinator`` and, optionally, worker processes started
/// from an `lrsweep` executable (`lrsweep worker --connect …`), with progress reported as it goes.
///
/// `lrsweep run`, `lrsweep coordinator` (with no local workers), `lrsweep bench dispatch` and the
/// rollouts of `lrsweep controller train` all run their sweeps through this one type.
public final class LocalSweep {
    public struct Options: Sendable {
        /// Where the coordinator binds (`tcp://127.0.0.1:*` picks a free port).
        public var bind: String
        public var keys: KeyFolder?
        /// Worker processes to start (0: workers come from elsewhere).
        public var workers: Int
        /// Extra arguments of each worker (`--threads 2`, `--stay`, `--slots 16`).
        public var workerArguments: [String]
        /// The `lrsweep` executable the workers run.
        public var executable: String
        /// Folder for the workers' logs (`worker-N.log`) and their trials' folders (`../trials`).
        public var logDir: String
        /// Where the coordinator keeps its live status (`status.json`), if anywhere.
        public var statusPath: String?

        public init(bind: String, keys: KeyFolder? = nil, workers: Int = 0, workerArguments: [String] = [],
                    executable: String, logDir: String, statusPath: String? = nil) {
            self.bind = bind
            self.keys = keys
            self.workers = workers
            self.workerArguments = workerArguments
            self.executable = executable
            self.logDir = logDir
            self.statusPath = statusPath
        }
    }

    public let coordinator: Coordinator
    public let options: Options
    private var pool: WorkerPool?
    /// Worker processes another sweep started, that serve this one too (`--stay`).
    private var borrowed: WorkerPool?

    /// Opens the sweep's store and binds its coordinator (no worker starts yet).
    /// - Throws: ``LocalSweepError`` naming what went wrong and what to do.
    public init(spec: SweepSpec, store: ResultStore, options: Options, logger: Logger) throws {
        self.options = options
        do {
            coordinator = try Coordinator(spec: spec, store: store, bind: options.bind, keys: options.keys,
                                          logger: logger)
        } catch let error as StoreError {
            throw LocalSweepError(description: error.message, isUserError: true)
        } catch let error as KeyError {
            throw LocalSweepError(description: error.message, isUserError: true)
        } catch {
            throw LocalSweepError(description: "cannot start the coordinator on \(options.bind): \(error)",
                                  isUserError: false)
        }
        coordinator.statusPath = options.statusPath
    }

    public var endpoint: String { coordinator.endpoint }

    /// Starts the local workers, then serves the sweep until it is done (every trial ended, or
    /// stopped). Local workers that all exit before that end it with an error that points at
    /// their logs, rather than waiting forever.
    /// - Parameter onProgress: called about ten times a second with the coordinator's snapshot.
    public func run(onProgress: (CoordinatorSnapshot) throws -> Void = { _ in }) throws {
        if pool == nil, options.workers > 0 {
            pool = try WorkerPool(count: options.workers, executable: options.executable,
                                  endpoint: coordinator.endpoint, logDir: options.logDir,
                                  arguments: options.workerArguments)
        }
        try coordinator.run { snap in
            try onProgress(snap)
            if let pool = pool ?? borrowed, pool.allExited, !coordinator.isDone {
                throw LocalSweepError(description: "all \(pool.count) local workers exited; see \(options.logDir)/ "
                                      + "for why", isUserError: false)
            }
        }
    }

    /// This sweep is served by the worker processes `other` started (with `--stay`): when they
    /// have all exited, ``run(onProgress:)`` ends with an error instead of waiting for workers that
    /// will never come. They stay `other`'s to stop.
    public func servedByWorkers(of other: LocalSweep) {
        borrowed = other.pool ?? other.borrowed
    }

    /// Waits up to `seconds` for the local workers to leave (they do on the coordinator's `bye`),
    /// then asks any still running to stop and waits for them to hand their trials back.
    public func finish(waiting seconds: Double = 10) {
        pool?.waitForExit(seconds: seconds)
        pool?.terminate()
        pool?.waitForExit(seconds: 10)
    }

    deinit { pool?.terminate() }
}

/// Worker processes started from an `lrsweep` executable (`lrsweep worker --connect …`).
public final class WorkerPool {
    private var processes: [Process] = []
    public var count: Int { processes.count }

    public init(count: Int, executable: String, endpoint: String, logDir: String, arguments: [String] = []) throws {
        guard count > 0 else { return }
        try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
        for i in 1...count {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = ["worker", "--connect", endpoint, "--id", "local-\(i)", "--out", "\(logDir)/../trials"]
                + arguments
            let logPath = "\(logDir)/worker-\(i).log"
            guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
                throw LocalSweepError(description: "cannot create \(logPath)", isUserError: false)
            }
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            p.standardOutput = log
            p.standardError = log
            p.standardInput = FileHandle.nullDevice
            do {
                try p.run()
            } catch {
                throw LocalSweepError(description: "cannot start worker process \(executable): \(error)",
                                      isUserError: false)
            }
            processes.append(p)
        }
    }

    public var allExited: Bool { !processes.isEmpty && processes.allSatisfy { !$0.isRunning } }

    /// Waits up to `seconds` (a bound against a hang) for every worker to exit.
    public func waitForExit(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while processes.contains(where: \.isRunning) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// SIGTERM to any worker still running (they hand their trials back and leave).
    public func terminate() {
        for p in processes where p.isRunning { p.terminate() }
    }
}
