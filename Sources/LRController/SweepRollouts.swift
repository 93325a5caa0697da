import Foundation
import Logging
import Reports
import SweepCoordinator
import SweepKit
import SweepWorker
import Synchronization
import Training

/// What ``SweepRollouts`` reports while an update's episodes run, for a progress display.
public enum RolloutEvent: Sendable {
    /// No local workers: the rollout coordinator waits at `endpoint` for workers started elsewhere
    /// (`lrsweep worker --connect ENDPOINT --stay`). Sent once, at the first update.
    case waitingForWorkers(endpoint: String)
    /// About ten times a second while update `update` (from 1) runs: episodes ended so far.
    case progress(update: Int, finished: Int, total: Int, workers: Int, seconds: Double)
    /// Every episode of update `update` has ended.
    case updateEnded(update: Int)
}

/// Rollouts that could not run, such as an update whose every episode failed.
public struct RolloutError: Error, CustomStringConvertible {
    public let description: String
}

/// Runs each PPO update's episodes as a sweep (`lrsweep controller train --workers N | --connect EP`):
/// an in-memory spec whose trials are the episodes (``RolloutTrial``), served by a ``LocalSweep`` on
/// a fixed endpoint, with workers that stay between updates (`--stay`).
///
/// Each update's results go to `WORK/controller-update-NNN/results.sqlite`, from which the
/// trajectories are read back in the order of the episodes, so the PPO update sees exactly what
/// ``InProcessRollouts`` would give it: the same seed gives the same controller either way.
public final class SweepRollouts: RolloutBackend {
    private var bind: String
    private let workDir: String
    private let localWorkers: Int
    private let inProcessWorkers: Int
    private let threads: Int
    private let executable: String
    private let logger: Logger
    private let onEvent: (RolloutEvent) -> Void
    /// The first update's sweep, which started the local worker processes that serve every update.
    private var pool: LocalSweep?
    private var inProcess: [@Sendable () -> Void] = []
    private var update = 0

    /// - Parameters:
    ///   - bind: the coordinator's endpoint (`tcp://127.0.0.1:*` picks a free port, kept for every update).
    ///   - workDir: folder for the updates' result stores and the workers' logs (created).
    ///   - localWorkers: worker processes to start from `executable` (0: workers come from elsewhere).
    ///   - inProcessWorkers: workers on threads of this process (tests).
    ///   - threads: BLAS threads per episode.
    ///   - executable: the `lrsweep` binary the local workers run.
    ///   - logger: for the coordinator and the in-process workers.
    ///   - onEvent: progress, on the calling thread.
    /// - Throws: ``RolloutError`` when `workDir` cannot be created.
    public init(bind: String, workDir: String, localWorkers: Int, inProcessWorkers: Int = 0, threads: Int,
                executable: String, logger: Logger, onEvent: @escaping (RolloutEvent) -> Void = { _ in }) throws {
        self.bind = bind
        self.workDir = workDir
        self.localWorkers = localWorkers
        self.inProcessWorkers = inProcessWorkers
        self.threads = threads
        self.executable = executable
        self.logger = logger
        self.onEvent = onEvent
        do {
            try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        } catch {
            throw RolloutError(description: "cannot create \(workDir): \(error.localizedDescription)")
        }
    }

    public func collect(_ controller: RateController, episodes: [EpisodeSetup]) throws -> [Trajectory] {
        guard let first = episodes.first else { return [] }
        update += 1
        let name = String(format: "controller-update-%03d", update)
        let dir = "\(workDir)/\(name)"
        try? FileManager.default.removeItem(atPath: dir)  // never resume: the controller has changed
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let spec = try Self.spec(name: name, controller: controller, episodes: episodes, first: first)
        let store = try ResultStore(path: "\(dir)/results.sqlite")
        // Local worker processes start with the first update and stay (`--stay`) for the next ones,
        // which bind the same port.
        let sweep = try LocalSweep(spec: spec, store: store, options: .init(
            bind: bind, workers: pool == nil ? localWorkers : 0,
            workerArguments: ["--threads", String(threads), "--stay"], executable: executable,
            logDir: "\(workDir)/logs"), logger: logger)
        if bind.hasSuffix(":*") { bind = sweep.endpoint }
        if let pool { sweep.servedByWorkers(of: pool) }
        try startInProcessWorkers(endpoint: sweep.endpoint)
        if update == 1 && localWorkers == 0 && inProcessWorkers == 0 {
            onEvent(.waitingForWorkers(endpoint: sweep.endpoint))
        }
        let current = update
        try sweep.run { snap in
            let finished = snap.counts.filter { $0.key.hasEnded }.map(\.value).reduce(0, +)
            onEvent(.progress(update: current, finished: finished, total: snap.total, workers: snap.workers.count,
                              seconds: snap.elapsed))
        }
        onEvent(.updateEnded(update: current))
        if pool == nil { pool = sweep }
        return try trajectories(of: episodes, store: store.path)
    }

    /// The sweep of one update: one trial a seed, optimizer `ppo-rollout` with the controller in its options.
    static func spec(name: String, controller: RateController, episodes: [EpisodeSetup],
                     first: EpisodeSetup) throws -> SweepSpec {
        try SweepSpec.rollouts(name: name, model: first.model, dataset: first.dataset, seeds: episodes.map(\.seed),
                               train: RolloutTrial.config(for: first),
                               payload: try RolloutTrial.payload(controller: controller, setup: first), catalog: .builtin)
    }

    /// The trajectories of `episodes`, in their order, from an update's results store; failed
    /// episodes are left out with a warning, and an update with none left is an error.
    private func trajectories(of episodes: [EpisodeSetup], store path: String) throws -> [Trajectory] {
        let data = try ReportData.load(path: path)
        var bySeed: [Int: TrialRecord] = [:]
        for t in data.trials { if let s = t.parameters.seed { bySeed[s] = t } }
        var trajectories: [Trajectory] = []
        var problems: [String] = []
        for e in episodes {
            guard let t = bySeed[e.seed], t.status == .done else {
                problems.append("episode \(e.seed): \(bySeed[e.seed]?.reason ?? "no result")")
                continue
            }
            let curves = (data.curves[t.id] ?? [:]).mapValues { $0.map(\.value) }
            trajectories.append(try RolloutTrial.trajectory(seed: e.seed, curves: curves, metrics: t.metrics))
        }
        if trajectories.isEmpty {
            throw RolloutError(description: "every episode of update \(update) failed: "
                               + problems.joined(separator: "; ")
                               + (problems.contains { $0.contains("cannot run rollout") }
                                  ? " (the workers' lrsweep is too old to run controller episodes)" : ""))
        }
        for p in problems { logger.warning("episode failed", metadata: ["detail": "\(p)"]) }
        return trajectories
    }

    /// Starts the in-process workers once, after the first coordinator has bound its port.
    private func startInProcessWorkers(endpoint: String) throws {
        guard inProcess.isEmpty && inProcessWorkers > 0 else { return }
        let data = DataLocator()
        let workerLogger = logger
        for i in 1...inProcessWorkers {
            let options = WorkerOptions(endpoint: endpoint, slots: 1, threads: threads, stay: true,
                                        workerID: "inproc-\(i)", datasets: data.available())
            let stopper = Mutex<(@Sendable () -> Void)?>(nil)
            let started = DispatchSemaphore(value: 0)
            let trialsDir = "\(workDir)/trials"
            let thread = Thread {
                let runner = TrialRouter(engine: EngineRunner(data: data), command: CommandRunner(outputRoot: trialsDir),
                                         rollout: RolloutRunner(data: data))
                let worker = Worker(options: options, runner: runner, logger: workerLogger)
                stopper.withLock { $0 = worker.stopper }
                started.signal()
                _ = try? worker.run()
            }
            thread.stackSize = 8 << 20
            thread.start()
            started.wait()
            if let stop = stopper.withLock({ $0 }) { inProcess.append(stop) }
        }
    }

    /// Lets the local workers go and stops the in-process ones.
    public func shutdown() {
        pool?.finish(waiting: 0)
        for stop in inProcess { stop() }
    }
}
