import Foundation
import Logging
import SweepKit
import Wire

/// A moment of a running sweep, for progress bars and `status`.
public struct CoordinatorSnapshot: Sendable, Codable {
    public var counts: [TrialStatus: Int]
    public var total: Int
    public var workers: [WorkerSummary]
    public var elapsed: Double
    public var waitingReason: String?
    /// Seconds to go at the rate trials have finished in this run; nil before the first finishes.
    public var etaSeconds: Double?
    /// Wall-clock time of the snapshot (seconds since 1970).
    public var updated: Double
    /// True in the last snapshot, written when every trial has ended.
    public var finished: Bool
    /// No new trials start until `lrsweep control … resume`.
    public var paused: Bool = false
    /// The sweep ends once its running trials have (`stop`, or `cancel` without ids).
    public var stopping: Bool = false
    /// Where workers and `lrsweep status|control` reach this coordinator.
    public var endpoint: String?
    /// True in the last snapshot of a run that ended because it was stopped, not complete.
    public var stopped: Bool = false
    /// Early stopping's rungs so far (nil without early stopping).
    public var earlyStopping: String?
}

/// The coordinator: runs the ``Scheduler`` over a ``CoordinatorTransport`` and writes the ``ResultStore``.
///
/// All network work happens on the thread that calls ``run(onProgress:)`` (or ``step(timeout:)``):
/// the transport is confined to it. The logic lives in the scheduler; this type only moves
/// messages, time and rows. Time comes from `clock` (seconds, monotonic), so tests drive it with a
/// manual clock over an in-memory transport.
public final class Coordinator {
    public let spec: SweepSpec
    public let store: ResultStore
    private let logger: Logger
    public private(set) var scheduler: Scheduler
    private let transport: CoordinatorTransport
    /// Whether peers are authenticated (CURVE): then any peer may steer the sweep, else only local ones.
    private let authenticated: Bool
    private let clock: @Sendable () -> Double
    public var endpoint: String { transport.endpoint }
    private var droppedMessages = 0
    private var lastDropLog = -Double.infinity
    private var finishedAtStart = 0
    /// The sweep's trial count (the spec enumerates its configurations to count them).
    private let trialTotal: Int
    private var lastTick = -Double.infinity
    /// Where to keep a live status snapshot (`DIR/status.json`), written about once a second.
    public var statusPath: String?
    private var lastStatusWrite = -Double.infinity

    /// Opens the store, loads what it already holds of this sweep and binds `bind` over ZeroMQ.
    /// - Parameter keys: with a key folder, the socket is a CURVE server and only workers whose
    ///   public keys are in `allowed_workers` get in (a ``ZAPHandler`` checks each connection).
    public convenience init(spec: SweepSpec, store: ResultStore, bind: String, config: SchedulerConfig? = nil,
                            keys: KeyFolder? = nil, logger: Logger) throws {
        let curve = try keys.map { folder -> (secretKey: String, allowed: Set<String>) in
            let (secret, allowed) = try folder.coordinatorKeys()
            return (secret, allowed)
        }
        let transport = try ZMQRouterTransport(bind: bind, curve: curve, logger: logger)
        try self.init(spec: spec, store: store, transport: transport, authenticated: curve != nil, config: config,
                      logger: logger)
    }

    /// - Parameters:
    ///   - authenticated: the transport admits only known peers (CURVE with an allow-list).
    ///   - clock: seconds on a monotonic clock; the real one by default.
    public init(spec: SweepSpec, store: ResultStore, transport: CoordinatorTransport, authenticated: Bool = false,
                config: SchedulerConfig? = nil, clock: (@Sendable () -> Double)? = nil, logger: Logger) throws {
        self.spec = spec
        self.store = store
        self.logger = logger
        self.transport = transport
        self.authenticated = authenticated
        self.clock = clock ?? monotonicSeconds()
        let trials = spec.trials()
        trialTotal = trials.count
        try store.prepare(spec: spec, trials: trials, now: Date().timeIntervalSince1970)
        scheduler = Scheduler(tasks: trials.lazy.map { spec.task(for: $0, attempt: 0) },
                              config: config ?? SchedulerConfig(retries: spec.retries),
                              resumed: try store.loadStates(), handedBack: try store.loadHandBacks(),
                              metric: spec.metric, earlyStopping: spec.earlyStopping.map { ($0, spec.goal) },
                              decisions: spec.earlyStopping == nil ? [] : try store.loadDecisions(),
                              budget: spec.train.steps)
        if spec.earlyStopping != nil {
            // Early stopping continues from what it had seen and decided before a restart.
            try store.apply(scheduler.replay(try store.loadPoints(of: spec.metric)), now: Date().timeIntervalSince1970)
        }
        let done = scheduler.finishedCount
        finishedAtStart = done
        if done > 0 {
            logger.info("resuming sweep", metadata: ["sweep.name": "\(spec.name)", "trials.finished": "\(done)"])
        }
    }

    private var now: Double { clock() }
    private lazy var start = now

    /// - Parameter detailed: include why trials wait (a pass over every pending trial); the progress
    ///   bar, redrawn ten times a second, does without.
    public func snapshot(detailed: Bool = true) -> CoordinatorSnapshot {
        let t = now - start
        let counts = scheduler.counts()
        let finishedHere = scheduler.finishedCount - finishedAtStart
        let remaining = trialTotal - scheduler.finishedCount
        let eta = finishedHere > 0 ? Double(remaining) * t / Double(finishedHere) : nil
        return CoordinatorSnapshot(counts: counts, total: trialTotal, workers: scheduler.workerSummaries(now: now),
                                   elapsed: t, waitingReason: detailed ? scheduler.waitingReason() : nil, etaSeconds: eta,
                                   updated: Date().timeIntervalSince1970, finished: scheduler.isComplete,
                                   paused: scheduler.paused, stopping: scheduler.stopping, endpoint: endpoint,
                                   stopped: scheduler.isDone && !scheduler.isComplete,
                                   earlyStopping: detailed ? scheduler.stoppingSummary : nil)
    }

    /// Writes the snapshot to `path` (atomically) for `lrsweep status DIR` and `lrsweep control DIR`.
    private func writeStatus(_ snap: CoordinatorSnapshot) {
        guard let path = statusPath else { return }
        if let data = try? JSONCoding.encoder().encode(snap) {
            try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    /// True once nothing more will happen in this run (every trial ended, or stopped).
    public var isDone: Bool { scheduler.isDone }

    /// Serves workers until every trial has ended (or the sweep is stopped), then says `bye` to them.
    /// - Parameter onProgress: called about ten times a second from this thread.
    public func run(onProgress: (CoordinatorSnapshot) throws -> Void = { _ in }) throws {
        _ = start
        writeStatus(snapshot())
        while !scheduler.isDone {
            if try step(timeout: 0.05) { try onProgress(snapshot(detailed: false)) }
        }
        try finish()
        try onProgress(snapshot())
    }

    /// One turn of the loop: what arrived within `timeout` seconds, then the timer (every 0.1 s).
    /// - Returns: true if the timer ran (the moment for a progress update).
    @discardableResult
    public func step(timeout: Double) throws -> Bool {
        var actions: [SchedulerAction] = []
        for inbound in try transport.receive(timeout: timeout, limit: 4096) {
            actions += handle(inbound)
        }
        let t = now
        var ticked = false
        if t - lastTick >= 0.1 {
            lastTick = t
            ticked = true
            actions += scheduler.tick(now: t)
            if t - lastStatusWrite >= 1 {
                lastStatusWrite = t
                writeStatus(snapshot())
            }
        }
        try perform(actions)
        return ticked
    }

    /// Steers the sweep from this process (`run --slurm` stops it this way on Ctrl-C), as
    /// `lrsweep control` does over the wire.
    @discardableResult
    public func control(_ request: ControlRequest) throws -> ControlReply {
        let (reply, actions) = scheduler.control(request, now: now)
        try perform(actions)
        writeStatus(snapshot())
        return reply
    }

    /// Says `bye` to every worker, closes the endpoint and records the end of the sweep (a stopped
    /// sweep is not finished: running its spec again continues it).
    public func finish() throws {
        for id in scheduler.workerIDs {
            transport.send(.bye(reason: "sweep \(spec.name) \(scheduler.isComplete ? "finished" : "stopped")"), to: id)
        }
        // Give these byes up to a second to reach the wire, or workers would only learn of the end
        // by missing heartbeats.
        transport.close(linger: 1)
        if scheduler.isComplete { try store.finish(now: Date().timeIntervalSince1970) }
        writeStatus(snapshot())
    }

    private func perform(_ actions: [SchedulerAction]) throws {
        guard !actions.isEmpty else { return }
        // Durable first, then acknowledged.
        try store.apply(actions, now: Date().timeIntervalSince1970)
        for case .send(let worker, let message) in actions {
            transport.send(message, to: worker)
        }
    }

    private func handle(_ inbound: Inbound) -> [SchedulerAction] {
        let worker = inbound.peer
        let message: Message
        switch inbound.message {
        case .success(let m): message = m
        case .failure(let error):
            drop(worker: worker, error)
            if case .badVersion(let v) = error {
                transport.send(.reject(.protocolVersion(Int(v) ?? -1)), to: worker)
            }
            return []
        }
        let t = now
        switch message {
        case .statusRequest:
            if let data = try? JSONCoding.encoder().encode(snapshot()) {
                transport.send(.statusReply(json: String(decoding: data, as: UTF8.self)), to: worker)
            }
            transport.forget(worker)
            return []
        case .control(let request):
            guard authenticated || inbound.isLocal else {
                logger.warning("refused a control request from another host", metadata: ["peer": "\(worker)"])
                transport.send(.reject(.notAllowed("control of a sweep without --keys is allowed from this machine "
                    + "only; give the coordinator --keys DIR and the control client the same keys")), to: worker)
                return []
            }
            let (reply, actions) = scheduler.control(request, now: t)
            // `status DIR` shows the new course as soon as the client hears of it.
            writeStatus(snapshot())
            logger.info("control", metadata: ["control.action": "\(request.action.rawValue)", "control.ok": "\(reply.ok)",
                                              "control.message": "\(reply.message)"])
            return actions + [.send(worker: worker, .controlReply(reply))]
        case .hello(let hello):
            return scheduler.workerHello(worker, hello, now: t)
        default: break
        }
        guard scheduler.heard(worker, now: t) else {
            // A worker we do not know (we restarted, or its lease expired): ask it to register again.
            if case .bye = message { return [] }
            return [.send(worker: worker, .reject(.unknownWorker))]
        }
        switch message {
        case .ready(let slots): return scheduler.workerReady(worker, slots: slots, now: t)
        case .progress(let p): return scheduler.progress(worker, p, now: t)
        case .result(let r): return scheduler.result(worker, r, now: t)
        case .bye: return scheduler.workerBye(worker, now: t)
        case .heartbeat: return []
        case .hello, .trial, .reject, .statusRequest, .statusReply, .stop, .control, .controlReply:
            drop(worker: worker, WireError.unknownType("\(message.type) from a worker"))
            return []
        }
    }

    private func drop(worker: String, _ error: Error) {
        droppedMessages += 1
        let t = now
        if t - lastDropLog > 1 {
            lastDropLog = t
            logger.warning("dropped malformed message", metadata: [
                "worker.id": "\(worker)", "error": "\(error)", "dropped.total": "\(droppedMessages)"])
        }
    }

    /// Messages dropped as malformed so far.
    public var dropped: Int { droppedMessages }
}
