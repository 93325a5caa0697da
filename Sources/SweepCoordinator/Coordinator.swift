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
}

/// The coordinator: binds a ROUTER socket, runs the ``Scheduler`` and writes the ``ResultStore``.
///
/// All socket work happens on the thread that calls ``run(onProgress:)``: the socket is confined
/// to it (libzmq sockets are not thread-safe). The logic lives in the scheduler; this type only
/// moves bytes, time and rows.
public final class Coordinator {
    public let spec: SweepSpec
    public let store: ResultStore
    private let logger: Logger
    private var scheduler: Scheduler
    private let context: ZMQContext
    private let socket: ZMQSocket
    private let zap: ZAPHandler?
    public private(set) var endpoint: String = ""
    private var identities: [String: [UInt8]] = [:]
    private var droppedMessages = 0
    private var lastDropLog = -Double.infinity
    private let start = Date()
    private var finishedAtStart = 0
    /// Where to keep a live status snapshot (`DIR/status.json`), written about once a second.
    public var statusPath: String?
    private var lastStatusWrite = 0.0

    /// Opens the store, loads what it already holds of this sweep and binds `bind`.
    /// - Parameter keys: with a key folder, the socket is a CURVE server and only workers whose
    ///   public keys are in `allowed_workers` get in (a ``ZAPHandler`` checks each connection).
    public init(spec: SweepSpec, store: ResultStore, bind: String, config: SchedulerConfig? = nil,
                keys: KeyFolder? = nil, logger: Logger) throws {
        self.spec = spec
        self.store = store
        self.logger = logger
        let trials = spec.trials()
        try store.prepare(spec: spec, trials: trials, now: Date().timeIntervalSince1970)
        let resumed = try store.loadStates()
        scheduler = Scheduler(tasks: trials.lazy.map { spec.task(for: $0, attempt: 0) }, config: config ?? SchedulerConfig(retries: spec.retries),
                              resumed: resumed)
        context = try ZMQContext()
        if let keys {
            let (secret, allowed) = try keys.coordinatorKeys()
            // The handler must be bound before the socket accepts connections (the libzmq 4.3 trap).
            zap = try ZAPHandler(context: context, allowed: allowed, logger: logger)
            socket = try ZMQSocket(context: context, type: .router)
            try socket.makeCurveServer(secretKey: secret)
        } else {
            zap = nil
            socket = try ZMQSocket(context: context, type: .router)
        }
        // Report unroutable sends (a worker that vanished) instead of dropping them silently, and
        // let a worker that reconnects under the same id take over its old connection.
        try socket.setOption(ZMQ_ROUTER_MANDATORY_OPTION, Int32(1))
        try socket.setOption(ZMQ_ROUTER_HANDOVER_OPTION, Int32(1))
        try socket.setOption(ZMQ_MAXMSGSIZE_OPTION, Int64(MessageCodec.maxBodyBytes + 4096))
        try socket.bind(bind)
        endpoint = try socket.lastEndpoint()
        let done = scheduler.finishedCount
        finishedAtStart = done
        if done > 0 {
            logger.info("resuming sweep", metadata: ["sweep.name": "\(spec.name)", "trials.finished": "\(done)"])
        }
    }

    private var now: Double { Date().timeIntervalSince(start) }

    /// - Parameter detailed: include why trials wait (a pass over every pending trial); the progress
    ///   bar, redrawn ten times a second, does without.
    public func snapshot(detailed: Bool = true) -> CoordinatorSnapshot {
        let t = now
        let counts = scheduler.counts()
        let finishedHere = scheduler.finishedCount - finishedAtStart
        let remaining = spec.trialCount - scheduler.finishedCount
        let eta = finishedHere > 0 ? Double(remaining) * t / Double(finishedHere) : nil
        return CoordinatorSnapshot(counts: counts, total: spec.trialCount, workers: scheduler.workerSummaries(now: t),
                                   elapsed: t, waitingReason: detailed ? scheduler.waitingReason() : nil, etaSeconds: eta,
                                   updated: Date().timeIntervalSince1970, finished: scheduler.isComplete)
    }

    /// Writes the snapshot to `path` (atomically) for `lrsweep status DIR`.
    private func writeStatus(_ snap: CoordinatorSnapshot) {
        guard let path = statusPath else { return }
        if let data = try? JSONCoding.encoder().encode(snap) {
            try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    /// Serves workers until every trial has ended, then says `bye` to them.
    /// - Parameter onProgress: called about ten times a second from this thread.
    public func run(onProgress: (CoordinatorSnapshot) throws -> Void = { _ in }) throws {
        var lastTick = -1.0
        while !scheduler.isComplete {
            var actions: [SchedulerAction] = []
            if try socket.pollIn(milliseconds: 50) {
                var budget = 4096
                while budget > 0, let frames = try socket.receive(dontWait: true) {
                    budget -= 1
                    actions += handle(frames)
                }
            }
            let t = now
            if t - lastTick >= 0.1 {
                lastTick = t
                actions += scheduler.tick(now: t)
                if t - lastStatusWrite >= 1 {
                    lastStatusWrite = t
                    writeStatus(snapshot())
                }
                try onProgress(snapshot(detailed: false))
            }
            try perform(actions)
        }
        for id in scheduler.workerIDs {
            send(.bye(reason: "sweep \(spec.name) finished"), to: id)
        }
        // The socket closes with linger 0; give these byes up to a second to reach the wire, or
        // workers would only learn of the end by missing heartbeats.
        try? socket.setOption(ZMQ_LINGER_OPTION, Int32(1000))
        try store.finish(now: Date().timeIntervalSince1970)
        let snap = snapshot()
        writeStatus(snap)
        try onProgress(snap)
    }

    deinit {
        zap?.stop()
    }

    private func perform(_ actions: [SchedulerAction]) throws {
        guard !actions.isEmpty else { return }
        // Durable first, then acknowledged.
        try store.apply(actions, now: Date().timeIntervalSince1970)
        for case .send(let worker, let message) in actions {
            send(message, to: worker)
        }
    }

    private func send(_ message: Message, to worker: String) {
        guard let identity = identities[worker] else { return }
        do {
            if try !socket.send([identity] + MessageCodec.encode(message), dontWait: true) {
                logger.debug("worker unreachable", metadata: ["worker.id": "\(worker)", "message.type": "\(message.type)"])
            }
        } catch {
            logger.warning("send failed", metadata: ["worker.id": "\(worker)", "error": "\(error)"])
        }
    }

    private func handle(_ frames: [[UInt8]]) -> [SchedulerAction] {
        guard let identity = frames.first else { return [] }
        let worker = Self.name(of: identity)
        let message: Message
        do {
            message = try MessageCodec.decode(Array(frames.dropFirst()))
        } catch {
            drop(worker: worker, error)
            if case WireError.badVersion(let v) = error {
                identities[worker] = identity
                send(.reject(reason: "protocol version \(v) is not \(protocolVersion): upgrade lrsweep"), to: worker)
            }
            return []
        }
        let t = now
        if case .statusRequest = message {
            identities[worker] = identity
            if let data = try? JSONCoding.encoder().encode(snapshot()) {
                send(.statusReply(json: String(decoding: data, as: UTF8.self)), to: worker)
            }
            identities[worker] = nil
            return []
        }
        if case .hello(let hello) = message {
            identities[worker] = identity
            return scheduler.workerHello(worker, hello, now: t)
        }
        guard scheduler.heard(worker, now: t) else {
            // A worker we do not know (we restarted, or its lease expired): ask it to register again.
            if identities[worker] == nil { identities[worker] = identity }
            if case .bye = message { return [] }
            return [.send(worker: worker, .reject(reason: "unknown worker: send hello"))]
        }
        switch message {
        case .ready(let slots): return scheduler.workerReady(worker, slots: slots, now: t)
        case .progress(let p): return scheduler.progress(worker, p, now: t)
        case .result(let r): return scheduler.result(worker, r, now: t)
        case .bye: return scheduler.workerBye(worker, now: t)
        case .heartbeat: return []
        case .hello, .trial, .reject, .statusRequest, .statusReply:
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

    /// A printable name for a ROUTER identity: the worker's own id when it set one, else hex.
    static func name(of identity: [UInt8]) -> String {
        if !identity.isEmpty, identity.allSatisfy({ (0x21...0x7e).contains($0) }) {
            return String(decoding: identity, as: UTF8.self)
        }
        return "peer-" + identity.map { String(format: "%02x", $0) }.joined()
    }

    /// Messages dropped as malformed so far.
    public var dropped: Int { droppedMessages }
}
