import Foundation
import Logging
import Synchronization
import SweepCoordinator
import SweepKit
import SweepTesting
@testable import SweepWorker
import Wire

/// Runs every trial until the test opens its gate (or the worker stops it): a trial is running for
/// exactly as long as the test says. Its first point carries the attempt number.
final class GatedRunner: TrialRunner, Sendable {
    private let open = Mutex<Set<String>>([])
    private let started = Mutex<[TrialRef]>([])
    /// The point each attempt reports before it waits (by default: step 1, its attempt number).
    private let firstPoint: @Sendable (TrialTask) -> MetricPoint

    init(firstPoint: @escaping @Sendable (TrialTask) -> MetricPoint = {
        MetricPoint(step: 1, name: $0.metric, value: Double($0.attempt))
    }) {
        self.firstPoint = firstPoint
    }

    func openAll() { open.withLock { _ = $0.insert("*") } }
    func open(_ trial: String) { open.withLock { _ = $0.insert(trial) } }
    /// Attempts that have started, in order.
    var starts: [TrialRef] { started.withLock { $0 } }

    func run(_ task: TrialTask, emit: @escaping @Sendable ([MetricPoint]) -> Void,
             shouldStop: @escaping @Sendable () -> Bool) -> TrialResult {
        started.withLock { $0.append(TrialRef(trialID: task.trial.id, attempt: task.attempt)) }
        emit([firstPoint(task)])
        while !open.withLock({ $0.contains("*") || $0.contains(task.trial.id) }) {
            if shouldStop() {
                return TrialResult(trialID: task.trial.id, attempt: task.attempt, status: .failed, metrics: [:],
                                   reason: "stopped")
            }
            usleep(200)
        }
        return TrialResult(trialID: task.trial.id, attempt: task.attempt, status: .done, metrics: [task.metric: 0.25])
    }
}

/// A coordinator and workers in this process, over the in-memory network with a manual clock or
/// over real ZeroMQ sockets on loopback with the real clock: the same test body runs on both.
final class InProcessCluster {
    enum Network: String, CaseIterable, CustomStringConvertible, Sendable {
        case inMemory, zeroMQ
        var description: String { rawValue }
    }

    let network: Network
    let memory = InMemoryNetwork()
    let clock = ManualClock()
    let runner: GatedRunner
    let spec: SweepSpec
    let storePath: String
    private(set) var coordinator: Coordinator
    private(set) var workers: [String: Worker] = [:]
    private var endpoint: String
    private let context: ZMQContext
    private let logger = Logger(label: "test.cluster")

    /// - Parameters:
    ///   - spec: the spec's text (default: `trials` seeds of one configuration).
    init(_ network: Network, trials: Int = 1, retries: Int = 2, spec text: String? = nil,
         runner: GatedRunner = GatedRunner()) throws {
        self.network = network
        self.runner = runner
        context = try ZMQContext()
        spec = try SweepSpec.parse(text: text ?? """
            name: inprocess
            grid: {optimizer: sgd, lr: 0.1, dataset: synthetic, model: logreg}
            seeds: [\((1...trials).map(String.init).joined(separator: ", "))]
            retries: \(retries)
            """, file: "inprocess.yaml", catalog: Fixtures.catalog)
        let dir = NSTemporaryDirectory() + "lrsweep-inprocess-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        storePath = "\(dir)/results.sqlite"
        endpoint = network == .inMemory ? "c" : "tcp://127.0.0.1:*"
        coordinator = try Self.makeCoordinator(network, spec: spec, storePath: storePath, endpoint: endpoint,
                                               memory: memory, clock: clock, logger: logger)
        endpoint = network == .inMemory ? "c" : coordinator.endpoint
    }

    deinit { runner.openAll() }

    private static func makeCoordinator(_ network: Network, spec: SweepSpec, storePath: String, endpoint: String,
                                        memory: InMemoryNetwork, clock: ManualClock,
                                        logger: Logger) throws -> Coordinator {
        let store = try ResultStore(path: storePath)
        switch network {
        case .inMemory:
            return try Coordinator(spec: spec, store: store, transport: memory.bind(endpoint), clock: clock.read,
                                   logger: logger)
        case .zeroMQ:
            return try Coordinator(spec: spec, store: store, transport: ZMQRouterTransport(bind: endpoint, logger: logger),
                                   logger: logger)
        }
    }

    /// Kills the coordinator (nothing more is stepped or sent) and starts a new one on the same
    /// store and endpoint, as `lrsweep coordinator` run again would.
    func restartCoordinator() throws {
        coordinator = try Self.makeCoordinator(network, spec: spec, storePath: storePath, endpoint: endpoint,
                                               memory: memory, clock: clock, logger: logger)
    }

    private func connect(_ id: String) throws -> PeerTransport {
        switch network {
        case .inMemory: return memory.connect(endpoint, identity: id)
        case .zeroMQ: return try ZMQDealerTransport(context: context, endpoint: endpoint, identity: id)
        }
    }

    func addWorker(_ id: String, slots: Int = 1) {
        let options = WorkerOptions(endpoint: endpoint, slots: slots, workerID: id, datasets: ["synthetic"])
        let memory = self.memory, context = self.context, endpoint = self.endpoint, network = self.network
        workers[id] = Worker(options: options, runner: runner, logger: logger, connect: {
            switch network {
            case .inMemory: return memory.connect(endpoint, identity: id)
            case .zeroMQ: return try ZMQDealerTransport(context: context, endpoint: endpoint, identity: id)
            }
        }, clock: network == .inMemory ? clock.read : nil)
    }

    /// The worker is gone at once, as after kill -9: it is no longer stepped and its traffic is lost.
    func kill(_ id: String) {
        workers[id] = nil
        memory.cut(id)
    }

    /// One turn of the coordinator and of every worker, then the clock moves by `dt` (in memory).
    func step(dt: Double = 0) throws {
        try coordinator.step(timeout: network == .inMemory ? 0 : 0.002)
        for id in workers.keys.sorted() { try workers[id]?.step(timeout: 0) }
        if network == .inMemory { clock.advance(by: dt) }
    }

    /// Steps until `condition` holds; `maxSteps` only guards against a hang.
    @discardableResult
    func run(dt: Double = 0, maxSteps: Int = 200_000, until condition: () throws -> Bool) throws -> Bool {
        for _ in 0..<maxSteps {
            if try condition() { return true }
            try step(dt: dt)
        }
        return try condition()
    }

    /// Sends a control request from a local client and steps until its reply arrives.
    func control(_ request: ControlRequest) throws -> ControlReply? {
        let client = try connect("control-\(UUID().uuidString.prefix(8))")
        defer { client.close() }
        try client.send(.control(request))
        var reply: ControlReply?
        try run {
            for case .success(.controlReply(let r)) in try client.receive(timeout: 0, wakeFD: nil) { reply = r }
            return reply != nil
        }
        return reply
    }

    // MARK: - What the store says

    var states: [String: Scheduler.TrialState] { coordinator.scheduler.states }

    func count(_ status: TrialStatus) -> Int { coordinator.scheduler.counts()[status] ?? 0 }

    /// The trial ids running on `worker`.
    func running(on worker: String) -> [String] {
        states.filter { if case .running(worker, _) = $0.value { return true } else { return false } }.keys.sorted()
    }

    /// Durable states, read back from the store as a restarted coordinator would.
    func storedStates() throws -> [String: Scheduler.TrialState] { try ResultStore(path: storePath).loadStates() }
}
