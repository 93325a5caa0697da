import SweepKit
import Wire

/// How a worker's service ended.
public enum WorkerOutcome: Sendable, Hashable {
    /// The coordinator said the sweep is over.
    case finished
    /// This worker was asked to stop (SIGTERM, Ctrl-C) and handed its trials back.
    case stopped
    /// The coordinator refused this worker.
    case refused(RejectReason)
    /// No coordinator answered within the join timeout.
    case gaveUp(String)
    /// The connection's security handshake failed (a refused key, keys on one side only).
    case handshakeFailed(HandshakeFailure)
}

/// Something the worker's loop must do for its ``WorkerSession``.
public enum WorkerAction: Sendable, Hashable {
    case send(Message)
    /// Run this attempt on a free slot; its result comes back through ``WorkerSession/trialsFinished(_:now:)``.
    case startTrial(TrialTask)
    /// End this attempt now (the coordinator cancelled it, or a newer attempt replaced it).
    case stopTrial(TrialRef)
    /// End every running attempt (this worker is leaving).
    case stopAllTrials
    /// Open a new connection to the coordinator, then call ``WorkerSession/connected(now:)``.
    case connect
    /// Close the connection (the coordinator fell silent); a ``connect`` follows after a backoff.
    case disconnect
    /// Something arrived that a worker does not expect; log it.
    case unexpected(String)
    case exit(WorkerOutcome)
}

/// The worker's side of the protocol as a pure state machine: registration, credits, heartbeats,
/// the coordinator's liveness, reconnection with backoff, cancelled trials and leaving.
///
/// Like the coordinator's ``Scheduler`` (SweepCoordinator) it never reads a clock and performs
/// nothing: every event carries `now` and returns the ``WorkerAction``s for the socket loop to
/// perform. Reasons are typed (``RejectReason``), never matched as text.
public struct WorkerSession: Sendable {
    public struct Config: Sendable, Hashable {
        public var heartbeatInterval: Double
        /// Heartbeat intervals without a word from the coordinator before it is presumed gone.
        public var liveness: Int
        /// Serve the next sweep after a coordinator's `bye` instead of exiting.
        public var stay: Bool
        /// Longest wait between two connection attempts (it doubles from one interval).
        public var maxBackoff: Double
        /// Give up when no coordinator has answered for this long (since the start, or since its
        /// last message; nil: keep trying).
        public var joinTimeout: Double?

        public init(heartbeatInterval: Double = 1, liveness: Int = 3, stay: Bool = false, maxBackoff: Double = 8,
                    joinTimeout: Double? = nil) {
            self.heartbeatInterval = heartbeatInterval
            self.liveness = liveness
            self.stay = stay
            self.maxBackoff = maxBackoff
            self.joinTimeout = joinTimeout
        }
    }

    public enum State: Sendable, Hashable {
        /// No connection; the next attempt at `reconnectAt`.
        case disconnected(reconnectAt: Double)
        /// Connected and registered (hello sent); nothing heard yet.
        case joining
        /// The coordinator has answered.
        case serving
        /// Stopping: running attempts are being ended; then `bye`.
        case leaving
        case ended(WorkerOutcome)
    }

    public let config: Config
    /// This worker as it introduces itself (its `running` is filled in at each registration).
    public let hello: Hello
    public private(set) var state: State
    /// Attempts running here, by trial id.
    public private(set) var running: [String: Int] = [:]
    /// Attempts ended because this worker is leaving, handed back to the coordinator with its `bye`.
    public private(set) var handedBack = 0
    /// Attempts the coordinator cancelled (or a newer attempt replaced): their results are not sent.
    private var cancelled: Set<TrialRef> = []
    /// Results of attempts that ended while there was no connection: sent after the next
    /// registration, which lists them as still running so that their leases hold.
    private var unsent: [TrialResult] = []
    /// A connection is open (also while leaving).
    private var isConnected = false
    private var lastHeard: Double
    private var lastSent: Double
    /// Since when no coordinator has answered (for the join timeout).
    private var unansweredSince: Double
    private var backoff: Double

    public init(config: Config, hello: Hello, now: Double) {
        self.config = config
        self.hello = hello
        state = .disconnected(reconnectAt: now)
        lastHeard = now
        lastSent = now
        unansweredSince = now
        backoff = config.heartbeatInterval
    }

    public var isEnded: Bool { if case .ended = state { return true } else { return false } }
    private var free: Int { hello.slots - running.count }
    private var expiry: Double { config.heartbeatInterval * Double(config.liveness) }

    // MARK: - Events

    /// A connection is open: register, with the attempts still running from before, and ask for work.
    public mutating func connected(now: Double) -> [WorkerAction] {
        isConnected = true
        guard case .disconnected = state else { return [] }
        state = .joining
        lastHeard = now
        return register(now: now)
    }

    /// A message from the coordinator.
    public mutating func received(_ message: Message, now: Double) -> [WorkerAction] {
        switch state {
        case .ended, .disconnected: return []
        case .joining, .serving, .leaving: break
        }
        if case .reject(.unknownWorker) = message {
            // While a registration is on its way, such rejects answer what was sent before it: a
            // second registration would only make the coordinator drop and re-lease attempts. A
            // registration that was lost shows as silence, and the session reconnects.
            guard state == .serving else { return [] }
            state = .joining
            lastHeard = now
            return register(now: now)
        }
        lastHeard = now
        if state == .joining {
            state = .serving
            backoff = config.heartbeatInterval
        }
        unansweredSince = now
        switch message {
        case .trial(let task):
            // A lease that reaches a leaving worker is never started: its `bye` hands it back.
            guard state == .serving else {
                if state == .leaving { handedBack += 1 }
                return []
            }
            var actions: [WorkerAction] = []
            if let old = running[task.trial.id] {
                guard old < task.attempt else { return [] }
                // The coordinator moved the trial on to a newer attempt: that one is the lease now.
                let ref = TrialRef(trialID: task.trial.id, attempt: old)
                cancelled.insert(ref)
                actions.append(.stopTrial(ref))
            }
            running[task.trial.id] = task.attempt
            return actions + [.startTrial(task)]
        case .stop(let ref):
            guard running[ref.trialID] == ref.attempt else { return [] }
            cancelled.insert(ref)
            return [.stopTrial(ref)]
        case .heartbeat:
            return []
        case .bye:
            if config.stay && state == .serving {
                // The sweep is over: its trials stop (their results would reach nobody who knows
                // them), and the next sweep may come from a new coordinator at the same endpoint.
                let refs = running.map { TrialRef(trialID: $0.key, attempt: $0.value) }
                cancelled.formUnion(refs)
                state = .disconnected(reconnectAt: now)
                isConnected = false
                return (refs.isEmpty ? [] : [.stopAllTrials]) + [.disconnect]
            }
            return end(.finished, stopping: true)
        case .reject(let reason):
            return end(.refused(reason), stopping: true)
        case .hello, .ready, .progress, .result, .statusRequest, .statusReply, .control, .controlReply:
            return [.unexpected(message.type)]
        }
    }

    /// Attempts ended on their slots (a batch: one `ready` returns all their slots).
    public mutating func trialsFinished(_ results: [TrialResult], now: Double) -> [WorkerAction] {
        if isEnded { return [] }
        var actions: [WorkerAction] = []
        var freed = 0
        for r in results {
            let ref = TrialRef(trialID: r.trialID, attempt: r.attempt)
            if cancelled.remove(ref) != nil {
                // Replaced by a newer attempt of the same trial: that one still holds the slot.
                if running[r.trialID] == r.attempt {
                    running[r.trialID] = nil
                    freed += 1
                }
                continue
            }
            guard running[r.trialID] == r.attempt else { continue }
            running[r.trialID] = nil
            freed += 1
            // An attempt cut short because this worker is leaving is not a failure of the trial:
            // the `bye` hands it back to the coordinator.
            if state == .leaving && r.status == .failed {
                handedBack += 1
                continue
            }
            if isConnected {
                actions += send(.result(r), now: now)
            } else {
                unsent.append(r)
            }
        }
        switch state {
        case .serving, .joining:
            if freed > 0 { actions += send(.ready(slots: freed), now: now) }
        case .leaving:
            if running.isEmpty { actions += end(.stopped, stopping: false) }
        case .disconnected, .ended:
            break
        }
        return actions
    }

    /// This worker should stop (a signal): end the running attempts, then say `bye`.
    public mutating func stopRequested(now: Double) -> [WorkerAction] {
        switch state {
        case .ended, .leaving: return []
        case .disconnected, .joining, .serving:
            state = .leaving
            return running.isEmpty ? end(.stopped, stopping: false) : [.stopAllTrials]
        }
    }

    /// The connection's security handshake failed: no new connection can succeed, so the worker ends.
    public mutating func handshakeFailed(_ failure: HandshakeFailure, now: Double) -> [WorkerAction] {
        isEnded ? [] : end(.handshakeFailed(failure), stopping: true)
    }

    /// The timer: reconnect when due, heartbeats, the coordinator's liveness, the join timeout.
    public mutating func tick(now: Double) -> [WorkerAction] {
        switch state {
        case .ended:
            return []
        case .leaving:
            // Still alive while the trials stop: otherwise the coordinator would count their leases
            // as lost, not handed back.
            return isConnected && now - lastSent >= config.heartbeatInterval ? send(.heartbeat, now: now) : []
        case .disconnected(let at):
            if let limit = config.joinTimeout, now - unansweredSince >= limit {
                return end(.gaveUp("no coordinator answered for \(Int(limit)) s"), stopping: true)
            }
            return now >= at ? [.connect] : []
        case .joining, .serving:
            if let limit = config.joinTimeout, now - unansweredSince >= limit {
                return end(.gaveUp("no coordinator answered for \(Int(limit)) s"), stopping: true)
            }
            if now - lastHeard > expiry {
                // The coordinator is gone (or restarting): a new connection after a backoff. Running
                // attempts go on; the next registration tells the coordinator about them.
                state = .disconnected(reconnectAt: now + backoff)
                isConnected = false
                backoff = min(backoff * 2, config.maxBackoff)
                return [.disconnect]
            }
            if now - lastSent >= config.heartbeatInterval { return send(.heartbeat, now: now) }
            return []
        }
    }

    // MARK: - Internals

    /// `hello` with what runs here (and what ended while disconnected), those results, then `ready`
    /// for the free slots: in that order the coordinator keeps the leases, takes the results and
    /// then fills every free slot.
    private mutating func register(now: Double) -> [WorkerAction] {
        var h = hello
        h.running = (running.map { TrialRef(trialID: $0.key, attempt: $0.value) }
                     + unsent.map { TrialRef(trialID: $0.trialID, attempt: $0.attempt) })
            .filter { !cancelled.contains($0) }
            .sorted { $0.trialID < $1.trialID }
        var actions = send(.hello(h), now: now)
        for r in unsent { actions += send(.result(r), now: now) }
        unsent = []
        if free > 0 { actions += send(.ready(slots: free), now: now) }
        return actions
    }

    private mutating func send(_ m: Message, now: Double) -> [WorkerAction] {
        lastSent = now
        return [.send(m)]
    }

    /// Ends the session; with `stopping`, running attempts are ended first (their results are not sent).
    private mutating func end(_ outcome: WorkerOutcome, stopping: Bool) -> [WorkerAction] {
        var actions: [WorkerAction] = []
        if stopping && !running.isEmpty { actions.append(.stopAllTrials) }
        if outcome == .stopped && isConnected { actions += send(.bye(reason: "worker stopping"), now: lastSent) }
        state = .ended(outcome)
        return actions + [.exit(outcome)]
    }
}
