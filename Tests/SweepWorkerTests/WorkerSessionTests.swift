import SweepKit
import SweepWorker
import Testing
import Wire

/// Builders for the session tests (in a namespace so that no name clashes with other test files).
private enum Fx {
    static let base = Hello(workerID: "w1", hostname: "h", pid: 1, cores: 4, slots: 2, threads: 1,
                            datasets: ["fashion-mnist"])

    static func hello(slots: Int = 2, running: [TrialRef] = []) -> Hello {
        var h = base
        h.slots = slots
        h.running = running
        return h
    }

    /// An attempt at trial `id` (the wire form of a trial: the id is given, not computed).
    static func task(_ id: String, attempt: Int = 1) -> TrialTask {
        TrialTask(trial: Trial(id: id, index: 0, parameters: Parameters()), attempt: attempt, train: TrainConfig(),
                  optimizerOptions: [:], metric: "val_loss")
    }

    static func ref(_ t: TrialTask) -> TrialRef { TrialRef(trialID: t.trial.id, attempt: t.attempt) }

    static func result(_ t: TrialTask, _ status: TrialStatus = .done) -> TrialResult {
        TrialResult(trialID: t.trial.id, attempt: t.attempt, status: status,
                    metrics: status == .done ? ["val_loss": 0.5] : [:])
    }

    /// A session that has connected and registered at `now` (state `.joining`).
    static func joined(slots: Int = 2, config: WorkerSession.Config = .init(), now: Double = 0) -> WorkerSession {
        var s = WorkerSession(config: config, hello: hello(slots: slots), now: now)
        _ = s.tick(now: now)
        _ = s.connected(now: now)
        return s
    }

    /// A session serving `tasks`, all received at `now`.
    static func serving(_ tasks: [TrialTask], slots: Int = 2, config: WorkerSession.Config = .init(),
                        now: Double = 0) -> WorkerSession {
        var s = joined(slots: slots, config: config, now: now)
        _ = s.received(.heartbeat, now: now)
        for t in tasks { _ = s.received(.trial(t), now: now) }
        return s
    }

    static func isBye(_ a: WorkerAction) -> Bool {
        if case .send(.bye) = a { return true } else { return false }
    }

    static func isGaveUp(_ a: WorkerAction) -> Bool {
        if case .exit(.gaveUp) = a { return true } else { return false }
    }
}

@Suite("WorkerSession: registration, credits, liveness, reconnection, leaving")
struct WorkerSessionTests {
    // MARK: - Registration

    @Test("a new session is disconnected and due to connect at once")
    func startsDisconnected() {
        var s = WorkerSession(config: .init(), hello: Fx.hello(), now: 100)
        #expect(s.state == .disconnected(reconnectAt: 100))
        #expect(s.running.isEmpty)
        #expect(!s.isEnded)
        #expect(s.tick(now: 100) == [.connect])
    }

    @Test("connecting registers with hello, asks for every free slot, and the session is joining")
    func connectRegisters() {
        var s = WorkerSession(config: .init(), hello: Fx.hello(slots: 3), now: 0)
        #expect(s.tick(now: 0) == [.connect])
        #expect(s.connected(now: 0) == [.send(.hello(Fx.hello(slots: 3))), .send(.ready(slots: 3))])
        #expect(s.state == .joining)
        // A second connected() while already connected does nothing.
        #expect(s.connected(now: 0.5) == [])
        #expect(s.state == .joining)
    }

    @Test("a trial starts on a slot; the first message from the coordinator makes the session serving")
    func trialStarts() {
        var s = Fx.joined()
        let t1 = Fx.task("t1")
        #expect(s.received(.trial(t1), now: 0.5) == [.startTrial(t1)])
        #expect(s.state == .serving)
        #expect(s.running == ["t1": 1])
        // The same attempt again (a duplicate) is ignored.
        #expect(s.received(.trial(t1), now: 0.6) == [])
        #expect(s.running == ["t1": 1])
    }

    @Test("after a reconnect, hello lists the running attempts and ready offers only the free slots")
    func reregistrationListsRunning() {
        let b = Fx.task("b", attempt: 2), a = Fx.task("a", attempt: 1)
        var s = Fx.serving([b, a], slots: 3)
        #expect(s.tick(now: 3.5) == [.disconnect])
        #expect(s.tick(now: 4.5) == [.connect])
        // Sorted by trial id, so a restarted coordinator can keep their leases.
        let expected = Fx.hello(slots: 3, running: [Fx.ref(a), Fx.ref(b)])
        #expect(s.connected(now: 4.5) == [.send(.hello(expected)), .send(.ready(slots: 1))])
        #expect(s.state == .joining)
    }

    @Test("no ready is sent when every slot is busy")
    func noReadyWhenFull() {
        let a = Fx.task("a"), b = Fx.task("b")
        var s = Fx.serving([a, b], slots: 2)
        #expect(s.tick(now: 3.5) == [.disconnect])
        #expect(s.tick(now: 4.5) == [.connect])
        #expect(s.connected(now: 4.5) == [.send(.hello(Fx.hello(slots: 2, running: [Fx.ref(a), Fx.ref(b)])))])
    }

    // MARK: - Credits

    @Test("finished trials: each result is sent, then one ready returns all their slots")
    func batchOfResults() {
        let a = Fx.task("a"), b = Fx.task("b"), c = Fx.task("c")
        var s = Fx.serving([a, b, c], slots: 3)
        let ra = Fx.result(a), rb = Fx.result(b, .diverged)
        // c's attempt 2 and an unknown trial are not running here: ignored.
        let stale = Fx.result(Fx.task("c", attempt: 2)), unknown = Fx.result(Fx.task("zz"))
        #expect(s.trialsFinished([ra, stale, rb, unknown], now: 1)
                == [.send(.result(ra)), .send(.result(rb)), .send(.ready(slots: 2))])
        #expect(s.running == ["c": 1])
    }

    @Test("a result of an attempt not running here changes nothing (and asks for nothing)")
    func staleResultIgnored() {
        var s = Fx.serving([Fx.task("a")])
        #expect(s.trialsFinished([Fx.result(Fx.task("a", attempt: 7)), Fx.result(Fx.task("b"))], now: 1) == [])
        #expect(s.running == ["a": 1])
    }

    @Test("a result that arrives while still joining is sent with its ready")
    func resultWhileJoining() {
        let a = Fx.task("a")
        var s = Fx.serving([a])
        #expect(s.tick(now: 3.5) == [.disconnect])
        #expect(s.tick(now: 4.5) == [.connect])
        _ = s.connected(now: 4.5)
        #expect(s.state == .joining)
        #expect(s.trialsFinished([Fx.result(a)], now: 5) == [.send(.result(Fx.result(a))), .send(.ready(slots: 1))])
    }

    // MARK: - Heartbeats and liveness

    @Test("a heartbeat goes out once an interval has passed since the last send, not before")
    func heartbeats() {
        let a = Fx.task("a")
        var s = Fx.serving([a], config: .init(heartbeatInterval: 1, liveness: 3))  // hello + ready sent at 0
        #expect(s.tick(now: 0.5) == [])
        #expect(s.tick(now: 0.99) == [])
        #expect(s.tick(now: 1) == [.send(.heartbeat)])
        #expect(s.tick(now: 1.5) == [])
        _ = s.received(.heartbeat, now: 1.75)
        // Any message counts: a result at 1.75 postpones the next heartbeat to 2.75.
        #expect(s.trialsFinished([Fx.result(a)], now: 1.75).count == 2)
        #expect(s.tick(now: 2.5) == [])
        #expect(s.tick(now: 2.74) == [])
        #expect(s.tick(now: 2.75) == [.send(.heartbeat)])
        #expect(s.state == .serving)
    }

    @Test("a coordinator silent for more than interval × liveness is dropped; a connect follows after the backoff")
    func livenessLoss() {
        var s = Fx.joined(config: .init(heartbeatInterval: 1, liveness: 3))
        _ = s.received(.heartbeat, now: 1)
        // Exactly interval × liveness of silence is still alive (a heartbeat is due, though).
        #expect(s.tick(now: 4) == [.send(.heartbeat)])
        #expect(s.tick(now: 4.25) == [.disconnect])
        #expect(s.state == .disconnected(reconnectAt: 5.25))
        #expect(s.tick(now: 5) == [])
        #expect(s.tick(now: 5.25) == [.connect])
        #expect(s.connected(now: 5.25) == [.send(.hello(Fx.hello())), .send(.ready(slots: 2))])
    }

    @Test("messages are ignored while disconnected")
    func ignoredWhileDisconnected() {
        var s = Fx.serving([Fx.task("a")])
        #expect(s.tick(now: 3.5) == [.disconnect])
        #expect(s.received(.trial(Fx.task("b")), now: 3.75) == [])
        #expect(s.received(.stop(Fx.ref(Fx.task("a"))), now: 3.75) == [])
        #expect(s.running == ["a": 1])
        #expect(s.state == .disconnected(reconnectAt: 4.5))
    }

    @Test("the backoff doubles on each consecutive loss, up to maxBackoff")
    func backoffDoubles() {
        var s = WorkerSession(config: .init(heartbeatInterval: 1, liveness: 3, maxBackoff: 8), hello: Fx.hello(),
                              now: 0)
        var now = 0.0
        for expected in [1.0, 2, 4, 8, 8, 8] {
            #expect(s.tick(now: now) == [.connect])
            #expect(s.connected(now: now).count == 2)
            now += 3.5
            #expect(s.tick(now: now) == [.disconnect])
            #expect(s.state == .disconnected(reconnectAt: now + expected))
            now += expected
        }
    }

    @Test("the backoff starts over once a coordinator answers")
    func backoffResets() {
        var s = WorkerSession(config: .init(heartbeatInterval: 1, liveness: 3, maxBackoff: 8), hello: Fx.hello(),
                              now: 0)
        var now = 0.0
        for expected in [1.0, 2, 4] {
            _ = s.tick(now: now)
            _ = s.connected(now: now)
            now += 3.5
            #expect(s.tick(now: now) == [.disconnect])
            #expect(s.state == .disconnected(reconnectAt: now + expected))
            now += expected
        }
        #expect(s.tick(now: now) == [.connect])
        _ = s.connected(now: now)
        #expect(s.received(.heartbeat, now: now + 0.5) == [])
        #expect(s.state == .serving)
        now += 4
        #expect(s.tick(now: now) == [.disconnect])
        #expect(s.state == .disconnected(reconnectAt: now + 1))
    }

    // MARK: - Rejects

    @Test("reject unknown-worker: register again, with the running attempts and the free slots")
    func unknownWorkerReregisters() {
        let a = Fx.task("a", attempt: 3)
        var s = Fx.serving([a], slots: 2)
        #expect(s.received(.reject(.unknownWorker), now: 1)
                == [.send(.hello(Fx.hello(slots: 2, running: [Fx.ref(a)]))), .send(.ready(slots: 1))])
        #expect(s.state == .joining)
        #expect(s.running == ["a": 3])
        // More such rejects answer messages sent before the new hello: they start no second
        // registration (which would make the coordinator drop and re-lease the attempts).
        #expect(s.received(.reject(.unknownWorker), now: 1.1) == [])
        #expect(s.received(.heartbeat, now: 1.2) == [])
        #expect(s.state == .serving)
    }

    @Test("rejects while joining do not count as an answer: a lost registration ends in a reconnect")
    func rejectsAreNoAnswer() {
        var s = Fx.serving([], slots: 1)
        _ = s.received(.reject(.unknownWorker), now: 1)
        for t in stride(from: 1.5, through: 4, by: 0.5) { _ = s.received(.reject(.unknownWorker), now: t) }
        #expect(s.tick(now: 4.1) == [.disconnect])
    }

    @Test("any other reject ends the session refused, stopping the running trials",
          arguments: [RejectReason.protocolVersion(9), .notAllowed("not from here")])
    func refused(reason: RejectReason) {
        var s = Fx.serving([Fx.task("a")])
        #expect(s.received(.reject(reason), now: 1) == [.stopAllTrials, .exit(.refused(reason))])
        #expect(s.state == .ended(.refused(reason)))
        #expect(s.isEnded)
        #expect(s.tick(now: 100) == [])
        #expect(s.received(.trial(Fx.task("b")), now: 100) == [])
    }

    @Test("a refused worker with nothing running just exits")
    func refusedIdle() {
        var s = Fx.joined()
        #expect(s.received(.reject(.protocolVersion(9)), now: 1) == [.exit(.refused(.protocolVersion(9)))])
    }

    // MARK: - Cancelled trials

    @Test("a stop for a running attempt ends it: its result is not sent, its slot is returned")
    func stopCancels() {
        let a = Fx.task("a"), b = Fx.task("b")
        var s = Fx.serving([a, b], slots: 2)
        #expect(s.received(.stop(Fx.ref(a)), now: 1) == [.stopTrial(Fx.ref(a))])
        #expect(s.running == ["a": 1, "b": 1])
        #expect(s.trialsFinished([Fx.result(a, .failed)], now: 2) == [.send(.ready(slots: 1))])
        // The other trial is unaffected, and a later attempt of the cancelled one counts again.
        #expect(s.trialsFinished([Fx.result(b)], now: 3) == [.send(.result(Fx.result(b))), .send(.ready(slots: 1))])
        let a2 = Fx.task("a", attempt: 2)
        #expect(s.received(.trial(a2), now: 4) == [.startTrial(a2)])
        #expect(s.trialsFinished([Fx.result(a2)], now: 5) == [.send(.result(Fx.result(a2))), .send(.ready(slots: 1))])
    }

    @Test("a stop for another attempt, or for a trial not running here, is ignored")
    func stopOtherAttemptIgnored() {
        let a = Fx.task("a", attempt: 2)
        var s = Fx.serving([a])
        #expect(s.received(.stop(TrialRef(trialID: "a", attempt: 1)), now: 1) == [])
        #expect(s.received(.stop(TrialRef(trialID: "zz", attempt: 2)), now: 1) == [])
        #expect(s.trialsFinished([Fx.result(a)], now: 2) == [.send(.result(Fx.result(a))), .send(.ready(slots: 1))])
    }

    // MARK: - Leaving

    @Test("stop requested: trials stop, failed ones are handed back, done ones sent, then bye and exit")
    func leavingWithTrials() {
        let a = Fx.task("a"), b = Fx.task("b"), c = Fx.task("c")
        var s = Fx.serving([a, b, c], slots: 3)
        #expect(s.stopRequested(now: 5) == [.stopAllTrials])
        #expect(s.state == .leaving)
        #expect(s.stopRequested(now: 5.1) == [])
        // A lease that reaches a leaving worker is not started (the bye hands it back).
        #expect(s.received(.trial(Fx.task("d")), now: 5.2) == [])
        #expect(s.running == ["a": 1, "b": 1, "c": 1])
        // Cut short by the stop: handed back, not reported; and no ready while leaving.
        #expect(s.trialsFinished([Fx.result(a, .failed)], now: 5.5) == [])
        // Finished before the stop reached it: its result counts.
        #expect(s.trialsFinished([Fx.result(b)], now: 5.6) == [.send(.result(Fx.result(b)))])
        #expect(s.state == .leaving)
        let last = s.trialsFinished([Fx.result(c, .failed)], now: 6)
        #expect(last.count == 2)
        #expect(last.first.map(Fx.isBye) == true)
        #expect(last.last == .exit(.stopped))
        #expect(s.state == .ended(.stopped))
    }

    @Test("stop requested with nothing running: bye and exit at once")
    func leavingIdle() {
        var s = Fx.serving([])
        let actions = s.stopRequested(now: 1)
        #expect(actions.count == 2)
        #expect(actions.first.map(Fx.isBye) == true)
        #expect(actions.last == .exit(.stopped))
        #expect(s.state == .ended(.stopped))
    }

    @Test("stop requested while disconnected: the running trials stop and the session leaves")
    func leavingWhileDisconnected() {
        let a = Fx.task("a")
        var s = Fx.serving([a])
        #expect(s.tick(now: 3.5) == [.disconnect])
        #expect(s.stopRequested(now: 4) == [.stopAllTrials])
        #expect(s.state == .leaving)
        let last = s.trialsFinished([Fx.result(a, .failed)], now: 4.5)
        #expect(last.last == .exit(.stopped))
        #expect(s.state == .ended(.stopped))
    }

    // MARK: - The coordinator's bye

    @Test("the coordinator's bye ends the session finished, stopping running trials")
    func coordinatorBye() {
        var s = Fx.serving([Fx.task("a")])
        #expect(s.received(.bye(reason: "sweep complete"), now: 1) == [.stopAllTrials, .exit(.finished)])
        #expect(s.state == .ended(.finished))

        var idle = Fx.serving([])
        #expect(idle.received(.bye(reason: "sweep complete"), now: 1) == [.exit(.finished)])
    }

    @Test("with stay, the coordinator's bye disconnects and the worker registers again for the next sweep")
    func coordinatorByeStay() {
        var s = Fx.serving([], config: .init(stay: true))
        #expect(s.received(.bye(reason: "sweep complete"), now: 5) == [.disconnect])
        #expect(s.state == .disconnected(reconnectAt: 5))
        #expect(!s.isEnded)
        #expect(s.tick(now: 5) == [.connect])
        #expect(s.connected(now: 5) == [.send(.hello(Fx.hello())), .send(.ready(slots: 2))])
        #expect(s.state == .joining)
    }

    @Test("with stay, a bye while leaving still ends the session")
    func coordinatorByeStayWhileLeaving() {
        var s = Fx.serving([Fx.task("a")], config: .init(stay: true))
        _ = s.stopRequested(now: 1)
        #expect(s.received(.bye(reason: "sweep complete"), now: 2) == [.stopAllTrials, .exit(.finished)])
    }

    // MARK: - Join timeout

    @Test("join timeout: no answer for joinTimeout seconds gives up, across reconnections")
    func joinTimeout() {
        var s = WorkerSession(config: .init(heartbeatInterval: 1, liveness: 3, joinTimeout: 10), hello: Fx.hello(),
                              now: 0)
        #expect(s.tick(now: 0) == [.connect])
        _ = s.connected(now: 0)
        #expect(s.tick(now: 3.5) == [.disconnect])      // reconnect at 4.5
        #expect(s.tick(now: 4.5) == [.connect])
        _ = s.connected(now: 4.5)
        #expect(s.tick(now: 8) == [.disconnect])        // reconnect at 10
        #expect(s.tick(now: 9.75) == [])
        let actions = s.tick(now: 10)
        #expect(actions.count == 1)
        #expect(actions.first.map(Fx.isGaveUp) == true)
        #expect(s.isEnded)
    }

    @Test("join timeout while connected and unanswered; an answer starts it over")
    func joinTimeoutResets() {
        var s = Fx.joined(config: .init(heartbeatInterval: 1, liveness: 100, joinTimeout: 10))
        #expect(s.tick(now: 5) == [.send(.heartbeat)])
        #expect(s.received(.heartbeat, now: 5) == [])
        #expect(s.tick(now: 14.75) == [.send(.heartbeat)])
        #expect(!s.isEnded)
        let actions = s.tick(now: 15)
        #expect(actions.count == 1)
        #expect(actions.first.map(Fx.isGaveUp) == true)
    }

    @Test("giving up stops the running trials first")
    func joinTimeoutStopsTrials() {
        var s = Fx.serving([Fx.task("a")], config: .init(heartbeatInterval: 1, liveness: 100, joinTimeout: 10))
        let actions = s.tick(now: 10)
        #expect(actions.count == 2)
        #expect(actions.first == .stopAllTrials)
        #expect(actions.last.map(Fx.isGaveUp) == true)
    }

    @Test("without a join timeout the worker keeps trying")
    func noJoinTimeout() {
        var s = WorkerSession(config: .init(heartbeatInterval: 1, liveness: 3, maxBackoff: 8), hello: Fx.hello(),
                              now: 0)
        var now = 0.0
        for _ in 0..<50 {
            #expect(s.tick(now: now) == [.connect])
            _ = s.connected(now: now)
            now += 3.5
            #expect(s.tick(now: now) == [.disconnect])
            now += 8
        }
        #expect(!s.isEnded)
    }

    // MARK: - Unexpected messages

    @Test("messages a worker does not expect are reported, not acted on",
          arguments: [Message.ready(slots: 1), .hello(Fx.base), .statusRequest,
                      .result(TrialResult(trialID: "a", attempt: 1, status: .done, metrics: [:]))])
    func unexpected(message: Message) {
        var s = Fx.serving([])
        #expect(s.received(message, now: 1) == [.unexpected(message.type)])
        #expect(s.state == .serving)
        #expect(s.running.isEmpty)
    }

    // MARK: - Believed bugs (see the report)

    @Test("a result of a trial that ends while disconnected is sent after the next registration")
    func resultWhileDisconnected() {
        let a = Fx.task("a")
        var s = Fx.serving([a], slots: 2)
        #expect(s.tick(now: 3.5) == [.disconnect])
        let r = Fx.result(a)
        let whileDown = s.trialsFinished([r], now: 4)
        #expect(s.tick(now: 4.5) == [.connect])
        let onConnect = s.connected(now: 4.5)
        do {
            // Nothing can be sent without a connection: a `.send` now is dropped by the loop.
            #expect(!whileDown.contains(.send(.result(r))))
            // The registration tells the coordinator the attempt is still leased here, then reports it.
            guard case .send(.hello(let h))? = onConnect.first else {
                Issue.record("no hello first: \(onConnect)")
                return
            }
            #expect(h.running == [Fx.ref(a)])
            #expect(onConnect.contains(.send(.result(r))))
        }
    }

    @Test("a newer attempt of a trial running here is started, not dropped")
    func newerAttemptSupersedes() {
        let a1 = Fx.task("a", attempt: 1), a2 = Fx.task("a", attempt: 2)
        var s = Fx.serving([a1], slots: 2)
        let actions = s.received(.trial(a2), now: 1)
        let finished = s.trialsFinished([Fx.result(a2)], now: 2)
        do {
            #expect(actions.contains(.startTrial(a2)))
            #expect(finished.contains(.send(.result(Fx.result(a2)))))
        }
    }

    @Test("a leaving worker keeps sending heartbeats until its bye")
    func leavingHeartbeats() {
        let a = Fx.task("a")
        var s = Fx.serving([a], config: .init(heartbeatInterval: 1, liveness: 3))
        #expect(s.stopRequested(now: 0.5) == [.stopAllTrials])
        _ = s.received(.heartbeat, now: 1.25)
        let tick = s.tick(now: 1.5)
        do {
            #expect(tick == [.send(.heartbeat)])
        }
    }

    @Test("with stay, the coordinator's bye also stops the trials of the sweep that ended")
    func stayByeStopsTrials() {
        var s = Fx.serving([Fx.task("a")], config: .init(stay: true))
        let actions = s.received(.bye(reason: "sweep complete"), now: 1)
        #expect(actions.contains(.disconnect))
        #expect(!s.isEnded)
        do {
            #expect(actions.contains(.stopAllTrials))
        }
    }
}
