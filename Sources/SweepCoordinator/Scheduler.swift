import SweepKit
import Wire

/// Timing of the lease protocol (the Paranoid Pirate pattern of the ZeroMQ guide).
public struct SchedulerConfig: Sendable, Hashable {
    /// Seconds between heartbeats sent to an idle peer.
    public var heartbeatInterval: Double
    /// Heartbeats a worker may miss before its leases expire.
    public var liveness: Int
    /// Attempts after the first when a worker dies mid-trial.
    public var retries: Int

    public init(heartbeatInterval: Double = 1, liveness: Int = 3, retries: Int = 2) {
        self.heartbeatInterval = heartbeatInterval
        self.liveness = liveness
        self.retries = retries
    }

    /// Silence after which a worker is presumed dead.
    public var expiry: Double { heartbeatInterval * Double(liveness) }
}

/// A connected worker as `status` shows it.
public struct WorkerSummary: Sendable, Hashable, Codable {
    public var id: String
    public var host: String
    public var slots: Int
    public var lastHeardSecondsAgo: Double
    public var trials: [String]
    /// Trials it has asked for and not been sent yet (none are sent while the sweep is paused).
    public var credits: Int = 0
}

/// Something the scheduler wants done: the runner performs store actions first (in one
/// transaction), then sends, so nothing is acknowledged before it is durable.
public enum SchedulerAction: Sendable, Hashable {
    case send(worker: String, Message)
    case recordLease(trialID: String, attempt: Int, worker: String)
    case recordProgress(Progress)
    case recordResult(TrialResult, worker: String)
    /// The attempt was lost (worker died); the trial is pending again, or failed if out of retries.
    case recordRequeue(trialID: String, attempt: Int, failed: Bool, reason: String)
    /// The attempt was handed back by a worker that is shutting down: pending again, no retry used.
    case recordHandBack(trialID: String, attempt: Int, reason: String)
    /// The trial was cancelled (`lrsweep control … cancel`): it keeps its curve and runs again next time.
    case recordCancel(trialID: String, reason: String)
    /// Early stopping stopped the trial's configuration: it keeps its curve and does not run again.
    case recordPrune(trialID: String, step: Int, reason: String)
    /// A decision of early stopping, kept so that a restarted coordinator continues with it.
    case recordDecision(StoppingDecision)
    case recordEvent(kind: String, worker: String?, detail: String)
}

/// The coordinator's scheduling logic as a pure state machine: trials, leases, workers, credits.
///
/// It never reads a clock: every event carries `now`, so tests drive it deterministically. The
/// coordinator's socket thread feeds it decoded messages and timer ticks and performs the
/// ``SchedulerAction``s it returns.
public struct Scheduler: Sendable {
    public enum TrialState: Sendable, Hashable {
        /// Waiting; `attempts` is how many attempts have been made so far.
        case pending(attempts: Int)
        case running(worker: String, attempt: Int)
        case finished(TrialStatus, attempts: Int)
    }

    struct WorkerState: Sendable {
        var hello: Hello
        var credits: Int
        var lastHeard: Double
        var lastSent: Double
        var leases: Set<String>
    }

    public let config: SchedulerConfig
    /// No new leases while paused (`lrsweep control … pause`); running trials go on.
    public private(set) var paused = false
    /// No new leases, ever: the sweep ends once running trials have (`stop`, `cancel` without ids).
    public private(set) var stopping = false
    let tasks: [String: TrialTask]
    private let order: [String]
    public private(set) var states: [String: TrialState]
    var workers: [String: WorkerState] = [:]
    /// Early stopping, when the sweep has it, and each trial's configuration and group.
    var stopper: EarlyStopper?
    var configurations: [String: (configuration: String, group: String, seed: Int)] = [:]
    var trialsOfConfiguration: [String: [String]] = [:]
    let metric: String
    /// Pending trial ids in order; `retryQueue` (lost attempts) goes first.
    private var queue: [String]
    private var queueHead = 0
    private var retryQueue: [String] = []
    /// Attempts of a trial that workers handed back (they do not count against its retries).
    private var handedBackAttempts: [String: Int] = [:]

    /// - Parameters:
    ///   - tasks: every trial of the sweep as attempt-less tasks, in grid order. A lazy sequence
    ///     keeps a large sweep from holding its tasks twice while the scheduler is built.
    ///   - resumed: states loaded from the store (finished trials and attempt counts); others start pending.
    ///   - handedBack: attempts of each trial that workers handed back in earlier runs.
    ///   - earlyStopping: stop configurations within their groups (with the sweep's goal), restoring
    ///     the decisions made before a restart.
    ///   - budget: a trial's full length in steps, when the spec fixes it (no decision at or past it).
    public init<Tasks: Sequence>(tasks: Tasks, config: SchedulerConfig, resumed: [String: TrialState] = [:],
                                 handedBack: [String: Int] = [:], metric: String = "val_loss",
                                 earlyStopping: (spec: EarlyStoppingSpec, goal: Goal)? = nil,
                                 decisions: [StoppingDecision] = [], budget: Int? = nil)
    where Tasks.Element == TrialTask {
        self.config = config
        self.handedBackAttempts = handedBack
        self.metric = metric
        if let earlyStopping {
            var stopper = EarlyStopper(spec: earlyStopping.spec, goal: earlyStopping.goal, budget: budget)
            stopper.restore(decisions)
            self.stopper = stopper
        }
        var byID: [String: TrialTask] = [:]
        var states: [String: TrialState] = [:]
        var queue: [String] = []
        var order: [String] = []
        var identities: [String: (configuration: String, group: String, seed: Int)] = [:]
        var byConfiguration: [String: [String]] = [:]
        for t in tasks {
            byID[t.trial.id] = t
            order.append(t.trial.id)
            if let groupBy = earlyStopping?.spec.groupBy {
                let keys = Self.identity(of: t.trial.parameters, groupBy: groupBy)
                identities[t.trial.id] = keys
                byConfiguration[keys.configuration, default: []].append(t.trial.id)
            }
            switch resumed[t.trial.id] {
            case .finished(let s, let a):
                states[t.trial.id] = .finished(s, attempts: a)
            case .running(_, let a):
                states[t.trial.id] = .pending(attempts: a)
                queue.append(t.trial.id)
            case .pending(let a):
                states[t.trial.id] = .pending(attempts: a)
                queue.append(t.trial.id)
            case nil:
                states[t.trial.id] = .pending(attempts: 0)
                queue.append(t.trial.id)
            }
        }
        self.tasks = byID
        self.order = order
        var counts: [TrialStatus: Int] = [:]
        var needs: [String: Int] = [:]
        for (id, s) in states {
            counts[Self.status(of: s), default: 0] += 1
            if case .pending = s, let task = byID[id], let dataset = Self.need(of: task) { needs[dataset, default: 0] += 1 }
        }
        self.statusCounts = counts
        self.pendingNeeds = needs
        self.states = states
        self.queue = queue
        self.configurations = identities
        self.trialsOfConfiguration = byConfiguration
    }

    // MARK: - Queries

    /// Trials by status, kept up to date on every change so that the coordinator can ask
    /// "complete?" on every loop iteration, and draw progress ten times a second, of a
    /// 100,000-trial sweep without walking it.
    private var statusCounts: [TrialStatus: Int] = [:]

    /// Trials that have ended for this run (done, failed, diverged, pruned or cancelled).
    public var finishedCount: Int {
        TrialStatus.allCases.reduce(0) { $0 + ($1.hasEnded ? statusCounts[$1] ?? 0 : 0) }
    }

    /// Every trial has ended.
    public var isComplete: Bool { finishedCount == order.count }

    /// Nothing more will happen in this run: every trial has ended, or the sweep is stopping and
    /// no trial runs any more.
    public var isDone: Bool { isComplete || (stopping && (statusCounts[.running] ?? 0) == 0) }

    public func counts() -> [TrialStatus: Int] { statusCounts.filter { $0.value > 0 } }

    private static func status(of state: TrialState) -> TrialStatus {
        switch state {
        case .pending: return .pending
        case .running: return .running
        case .finished(let st, _): return st
        }
    }

    /// Pending trials of lrsweep's engine by the dataset they need (`status` names those no worker has).
    private var pendingNeeds: [String: Int] = [:]

    /// The dataset a worker must have to run `task`; nil when any worker can (an external trainer).
    private static func need(of task: TrialTask) -> String? {
        switch task.kind {
        case .engine, .rollout: return task.trial.parameters.dataset
        case .command, .noop: return nil
        }
    }

    /// The one place trial states change, so the counts stay right.
    mutating func setState(_ id: String, _ new: TrialState) {
        let old = states.updateValue(new, forKey: id)
        if let old { statusCounts[Self.status(of: old), default: 0] -= 1 }
        statusCounts[Self.status(of: new), default: 0] += 1
        let wasPending = old.map { Self.status(of: $0) == .pending } ?? false
        let isPending = Self.status(of: new) == .pending
        if wasPending != isPending, let task = tasks[id], let dataset = Self.need(of: task) {
            pendingNeeds[dataset, default: 0] += isPending ? 1 : -1
        }
    }

    public var workerIDs: [String] { workers.keys.sorted() }

    public func hello(of worker: String) -> Hello? { workers[worker]?.hello }

    // MARK: - Events

    /// A worker joined (or re-joined). Trials it reports as still running stay leased to it.
    public mutating func workerHello(_ id: String, _ hello: Hello, now: Double) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        guard hello.protocolVersion == protocolVersion else {
            return [.send(worker: id, .reject(.protocolVersion(hello.protocolVersion))),
                    .recordEvent(kind: "refused", worker: id, detail: "protocol version \(hello.protocolVersion)")]
        }
        if workers[id] != nil {
            actions += loseLeases(of: id, reason: "worker \(id) re-registered")
        }
        var leases: Set<String> = []
        for ref in hello.running {
            if case .pending(let attempts)? = states[ref.trialID], ref.attempt == attempts {
                // Resumed after a coordinator restart: the worker still holds this attempt.
                setState(ref.trialID, .running(worker: id, attempt: ref.attempt))
                leases.insert(ref.trialID)
                actions.append(.recordLease(trialID: ref.trialID, attempt: ref.attempt, worker: id))
            }
        }
        workers[id] = WorkerState(hello: hello, credits: 0, lastHeard: now, lastSent: now, leases: leases)
        actions.append(.recordEvent(kind: "join", worker: id,
                                    detail: "\(hello.hostname) pid \(hello.pid), \(hello.slots) slot(s)"))
        return actions
    }

    /// The worker can take `slots` more trials (credit-based flow control: credits add up, but a
    /// worker never holds more trials than the slots it announced).
    public mutating func workerReady(_ id: String, slots: Int, now: Double) -> [SchedulerAction] {
        guard var w = workers[id] else { return [.send(worker: id, .reject(.unknownWorker))] }
        w.credits = max(0, min(w.credits + slots, w.hello.slots - w.leases.count))
        w.lastHeard = now
        workers[id] = w
        // Only this worker's credit changed: the others already got what they could run.
        return dispatch(to: id, now: now)
    }

    /// Any message from a worker proves it alive. Returns false for a worker we do not know.
    @discardableResult
    public mutating func heard(_ id: String, now: Double) -> Bool {
        guard workers[id] != nil else { return false }
        workers[id]?.lastHeard = now
        return true
    }

    public mutating func progress(_ id: String, _ p: Progress, now: Double) -> [SchedulerAction] {
        guard case .running(let w, let a)? = states[p.trialID], w == id, a == p.attempt else {
            return [.recordEvent(kind: "stale", worker: id, detail: "progress of \(p.trialID) attempt \(p.attempt)")]
        }
        return [.recordProgress(p)] + observe(p.trialID, points: p.points, now: now)
    }

    /// An attempt ended. A result for an attempt that is no longer leased to this worker (its lease
    /// expired and the trial went elsewhere) is ignored.
    public mutating func result(_ id: String, _ r: TrialResult, now: Double) -> [SchedulerAction] {
        guard case .running(let w, let a)? = states[r.trialID], w == id, a == r.attempt, r.status.isFinal else {
            return [.recordEvent(kind: "stale", worker: id, detail: "late result of \(r.trialID) attempt \(r.attempt)")]
        }
        setState(r.trialID, .finished(r.status, attempts: r.attempt))
        workers[id]?.leases.remove(r.trialID)
        return [.recordResult(r, worker: id)]
    }

    /// The worker left cleanly; its unfinished trials go back to the queue without using a retry
    /// (a worker that hands its trials back, on SIGTERM or preemption, did not lose them).
    public mutating func workerBye(_ id: String, now: Double) -> [SchedulerAction] {
        guard workers[id] != nil else { return [] }
        var actions = loseLeases(of: id, reason: "worker \(id) left", handedBack: true)
        workers[id] = nil
        actions.append(.recordEvent(kind: "leave", worker: id, detail: "bye"))
        return actions + dispatch(now: now)
    }

    /// Timer: expire silent workers, send heartbeats to idle ones, and dispatch.
    public mutating func tick(now: Double) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for id in workers.keys.sorted() {
            guard let w = workers[id] else { continue }
            if now - w.lastHeard > config.expiry {
                actions += loseLeases(of: id, reason: "worker \(id) silent for \(Int(now - w.lastHeard)) s")
                workers[id] = nil
                actions.append(.recordEvent(kind: "expire", worker: id, detail: "missed \(config.liveness) heartbeats"))
            } else if now - w.lastSent >= config.heartbeatInterval {
                workers[id]?.lastSent = now
                actions.append(.send(worker: id, .heartbeat))
            }
        }
        return actions + dispatch(now: now)
    }

    // MARK: - Control

    /// A control request (`lrsweep control`): the reply for the client and what to do.
    ///
    /// A request that cannot be carried out (an unknown trial id, resume of a stopping sweep) changes
    /// nothing and says why.
    public mutating func control(_ request: ControlRequest, now: Double) -> (ControlReply, [SchedulerAction]) {
        let detail = ([request.action.rawValue] + request.trials).joined(separator: " ")
        func done(_ message: String, _ actions: [SchedulerAction] = []) -> (ControlReply, [SchedulerAction]) {
            (ControlReply(ok: true, message: message),
             actions + [.recordEvent(kind: "control", worker: nil, detail: detail)])
        }
        func refuse(_ message: String) -> (ControlReply, [SchedulerAction]) { (ControlReply(ok: false, message: message), []) }
        if request.action != .cancel, !request.trials.isEmpty {
            return refuse("\(request.action.rawValue) takes no trial ids (only cancel does)")
        }
        switch request.action {
        case .pause:
            if stopping { return refuse("the sweep is stopping; there is nothing to pause") }
            paused = true
            return done("paused: no new trials start; \(statusCounts[.running] ?? 0) running trial(s) go on")
        case .resume:
            if stopping { return refuse("the sweep is stopping and cannot be resumed; run the spec again to continue") }
            paused = false
            return done("resumed", dispatch(now: now))
        case .stop:
            stopping = true
            return done("stopping: no new trials start; the sweep ends after \(statusCounts[.running] ?? 0) running "
                        + "trial(s)")
        case .cancel:
            if request.trials.isEmpty {
                let running = order.filter { if case .running? = states[$0] { return true } else { return false } }
                stopping = true
                return done("cancelled \(running.count) running trial(s); the sweep stops",
                            running.flatMap { cancel($0, now: now) })
            }
            var seen: Set<String> = []
            for id in request.trials where seen.insert(id).inserted {
                guard let state = states[id] else { return refuse("no trial \(id) in this sweep (see lrsweep status)") }
                if case .finished(let status, _) = state { return refuse("trial \(id) has already ended (\(status.rawValue))") }
            }
            let actions = seen.sorted().flatMap { cancel($0, now: now) }
            return done("cancelled \(seen.count) trial(s)", actions + dispatch(now: now))
        }
    }

    /// Ends a pending or running trial as cancelled; a running one is told to stop on its worker.
    private mutating func cancel(_ id: String, now: Double) -> [SchedulerAction] {
        switch states[id] {
        case .running(let worker, let attempt)?:
            setState(id, .finished(.cancelled, attempts: attempt))
            workers[worker]?.leases.remove(id)
            return [.recordCancel(trialID: id, reason: "cancelled while running on \(worker)"),
                    .send(worker: worker, .stop(TrialRef(trialID: id, attempt: attempt)))]
        case .pending(let attempts)?:
            setState(id, .finished(.cancelled, attempts: attempts))
            return [.recordCancel(trialID: id, reason: "cancelled before it started")]
        case .finished?, nil:
            return []
        }
    }

    // MARK: - Internals

    private mutating func loseLeases(of id: String, reason: String, handedBack: Bool = false) -> [SchedulerAction] {
        guard let w = workers[id] else { return [] }
        var actions: [SchedulerAction] = []
        for trialID in w.leases.sorted() {
            guard case .running(let owner, let attempt)? = states[trialID], owner == id else { continue }
            if handedBack {
                // The next lease is attempt + 1 (attempt numbers tell a late result apart), but the
                // retry budget counts only attempts that were lost.
                setState(trialID, .pending(attempts: attempt))
                retryQueue.append(trialID)
                handedBackAttempts[trialID, default: 0] += 1
                actions.append(.recordHandBack(trialID: trialID, attempt: attempt, reason: reason))
                continue
            }
            let failed = attempt - handedBackAttempts[trialID, default: 0] > config.retries
            setState(trialID, failed ? .finished(.failed, attempts: attempt) : .pending(attempts: attempt))
            if !failed { retryQueue.append(trialID) }
            actions.append(.recordRequeue(trialID: trialID, attempt: attempt, failed: failed,
                                          reason: failed ? "\(reason); no retries left" : reason))
        }
        workers[id]?.leases = []
        return actions
    }

    private func canRun(_ task: TrialTask, on hello: Hello) -> Bool {
        guard let dataset = Self.need(of: task) else { return true }
        return hello.datasets.contains(dataset)
    }

    /// Leases pending trials to workers with credit, oldest lost attempts first.
    private mutating func dispatch(now: Double) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for id in workers.keys.sorted() { actions += dispatch(to: id, now: now) }
        return actions
    }

    /// Leases pending trials to worker `id` while it has credit (none while paused or stopping).
    private mutating func dispatch(to id: String, now: Double) -> [SchedulerAction] {
        guard !paused, !stopping, let w = workers[id], w.credits > 0 else { return [] }
        var actions: [SchedulerAction] = []
        var credits = w.credits
        var leased: [String] = []
        while credits > 0, let trialID = nextPending(for: w.hello) {
            guard case .pending(let attempts)? = states[trialID], var task = tasks[trialID] else { continue }
            task.attempt = attempts + 1
            setState(trialID, .running(worker: id, attempt: task.attempt))
            credits -= 1
            leased.append(trialID)
            actions.append(.recordLease(trialID: trialID, attempt: task.attempt, worker: id))
            actions.append(.send(worker: id, .trial(task)))
        }
        if !leased.isEmpty {
            workers[id]?.credits = credits
            workers[id]?.leases.formUnion(leased)
            workers[id]?.lastSent = now
        }
        return actions
    }

    /// Removes and returns the first pending trial this worker can run.
    private mutating func nextPending(for hello: Hello) -> String? {
        func isPending(_ id: String) -> Bool { if case .pending? = states[id] { return true } else { return false } }
        if let i = retryQueue.firstIndex(where: { isPending($0) && tasks[$0].map { canRun($0, on: hello) } ?? false }) {
            return retryQueue.remove(at: i)
        }
        retryQueue.removeAll { !isPending($0) }
        while queueHead < queue.count, !isPending(queue[queueHead]) { queueHead += 1 }
        var i = queueHead
        while i < queue.count {
            let id = queue[i]
            if isPending(id), let t = tasks[id], canRun(t, on: hello) {
                if i == queueHead { queueHead += 1 } else { queue.remove(at: i) }
                return id
            }
            i += 1
        }
        return nil
    }

    /// What `status` shows of each connected worker.
    public func workerSummaries(now: Double) -> [WorkerSummary] {
        workers.keys.sorted().compactMap { id in
            workers[id].map {
                WorkerSummary(id: id, host: $0.hello.hostname, slots: $0.hello.slots,
                              lastHeardSecondsAgo: max(0, now - $0.lastHeard), trials: $0.leases.sorted(),
                              credits: $0.credits)
            }
        }
    }

    /// Why pending trials are not running, in words; nil when nothing waits.
    public func waitingReason() -> String? {
        let c = counts()
        guard (c[.pending] ?? 0) > 0 else { return nil }
        if stopping { return "the sweep is stopping: pending trials run when the spec is run again" }
        if paused { return "paused: lrsweep control … resume starts trials again" }
        if workers.isEmpty { return "no workers connected" }
        let missing = unrunnable()
        if !missing.isEmpty {
            return missing.keys.sorted().map { "\(missing[$0] ?? 0) trial(s) need dataset \($0), which no connected "
                + "worker has" }.joined(separator: "; ")
        }
        if workers.values.allSatisfy({ $0.leases.count >= $0.hello.slots }) { return "all worker slots busy" }
        return "waiting for workers to ask for work"
    }

    /// Pending trials that no connected worker can run (for `status`), by the dataset they need.
    public func unrunnable() -> [String: Int] {
        guard !workers.isEmpty else { return [:] }
        return pendingNeeds.filter { dataset, count in
            count > 0 && !workers.values.contains { $0.hello.datasets.contains(dataset) }
        }
    }
}
