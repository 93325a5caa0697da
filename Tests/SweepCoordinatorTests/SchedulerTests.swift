import SweepCoordinator
import SweepKit
import Testing
import Wire

/// A small sweep of `n` trials on fashion-mnist, as attempt-less tasks.
func makeTasks(_ n: Int, dataset: String = "fashion-mnist") -> [TrialTask] {
    (0..<n).map { i in
        var p = Parameters()
        p["optimizer"] = .string("sgd")
        p["lr"] = .double(0.1)
        p["dataset"] = .string(dataset)
        p["model"] = .string("logreg")
        p["seed"] = .int(i)
        return TrialTask(trial: Trial(sweepName: "s", index: i, parameters: p), attempt: 0, train: TrainConfig(),
                         optimizerOptions: [:], metric: "val_loss")
    }
}

func hello(_ id: String, slots: Int = 1, datasets: [String] = ["fashion-mnist"]) -> Hello {
    Hello(workerID: id, hostname: "h", pid: 1, cores: 2, slots: slots, threads: 1, datasets: datasets)
}

/// The trials sent to each worker by a batch of actions.
func sent(_ actions: [SchedulerAction]) -> [(worker: String, task: TrialTask)] {
    actions.compactMap { a in
        if case .send(let w, .trial(let t)) = a { return (w, t) }
        return nil
    }
}

func done(_ t: TrialTask) -> TrialResult {
    TrialResult(trialID: t.trial.id, attempt: t.attempt, status: .done, metrics: ["val_loss": 0.5])
}

@Suite("Scheduler: leases, credits, expiry, retries")
struct SchedulerTests {
    @Test("a worker gets no more trials than its credits, and one more per ready")
    func creditFlow() {
        var s = Scheduler(tasks: makeTasks(5), config: SchedulerConfig())
        _ = s.workerHello("w1", hello("w1", slots: 2), now: 0)
        let first = sent(s.workerReady("w1", slots: 2, now: 0))
        #expect(first.count == 2)
        #expect(first.map(\.task.attempt) == [1, 1])
        // Credits beyond the announced slots are ignored while both slots are busy.
        #expect(sent(s.workerReady("w1", slots: 5, now: 0.1)).isEmpty)
        _ = s.result("w1", done(first[0].task), now: 1)
        let next = sent(s.workerReady("w1", slots: 1, now: 1))
        #expect(next.count == 1)
        #expect(next[0].task.trial.index == 2)
        #expect(s.counts()[.done] == 1)
        #expect(s.counts()[.running] == 2)
    }

    @Test("a silent worker loses its leases; the trial goes to another with attempt + 1")
    func expiryRequeues() {
        var s = Scheduler(tasks: makeTasks(1), config: SchedulerConfig(heartbeatInterval: 1, liveness: 3, retries: 2))
        _ = s.workerHello("w1", hello("w1"), now: 0)
        let lease = sent(s.workerReady("w1", slots: 1, now: 0))
        #expect(lease.count == 1)
        _ = s.workerHello("w2", hello("w2"), now: 0)
        #expect(sent(s.workerReady("w2", slots: 1, now: 0)).isEmpty)
        _ = s.heard("w2", now: 3.5)
        // w1 silent for 3.5 s > 3 heartbeats: expire, requeue, hand to w2.
        let actions = s.tick(now: 3.5)
        #expect(actions.contains(.recordRequeue(trialID: lease[0].task.trial.id, attempt: 1, failed: false,
                                                reason: "worker w1 silent for 3 s")))
        let retry = sent(actions)
        #expect(retry.count == 1)
        #expect(retry[0].worker == "w2")
        #expect(retry[0].task.attempt == 2)
        // The late result of attempt 1 is ignored; attempt 2's counts.
        let late = s.result("w1", done(lease[0].task), now: 4)
        #expect(late.allSatisfy { if case .recordEvent(kind: "stale", _, _) = $0 { true } else { false } })
        #expect(s.counts()[.done] == nil)
        _ = s.result("w2", done(retry[0].task), now: 5)
        #expect(s.isComplete)
        #expect(s.counts()[.done] == 1)
    }

    @Test("after the last retry a lost trial is failed with the reason")
    func retriesExhausted() {
        var s = Scheduler(tasks: makeTasks(1), config: SchedulerConfig(heartbeatInterval: 1, liveness: 1, retries: 1))
        var now = 0.0
        for attempt in 1...2 {
            let id = "w\(attempt)"
            _ = s.workerHello(id, hello(id), now: now)
            let lease = sent(s.workerReady(id, slots: 1, now: now))
            #expect(lease.first?.task.attempt == attempt)
            now += 2
            let actions = s.tick(now: now)
            let failed = actions.contains { if case .recordRequeue(_, _, true, _) = $0 { true } else { false } }
            #expect(failed == (attempt == 2))
        }
        #expect(s.isComplete)
        #expect(s.counts()[.failed] == 1)
    }

    @Test("trials go only to workers that have their dataset")
    func capabilities() {
        var s = Scheduler(tasks: makeTasks(2, dataset: "cifar10"), config: SchedulerConfig())
        _ = s.workerHello("w1", hello("w1", datasets: ["fashion-mnist"]), now: 0)
        #expect(sent(s.workerReady("w1", slots: 1, now: 0)).isEmpty)
        #expect(s.unrunnable() == ["cifar10": 2])
        _ = s.workerHello("w2", hello("w2", datasets: ["cifar10"]), now: 0)
        #expect(sent(s.workerReady("w2", slots: 1, now: 0)).map(\.worker) == ["w2"])
    }

    @Test("resume: finished trials are never leased again, running ones become pending")
    func resume() {
        let tasks = makeTasks(3)
        let resumed: [String: Scheduler.TrialState] = [
            tasks[0].trial.id: .finished(.done, attempts: 1),
            tasks[1].trial.id: .pending(attempts: 1),
        ]
        var s = Scheduler(tasks: tasks, config: SchedulerConfig(), resumed: resumed)
        _ = s.workerHello("w1", hello("w1", slots: 3), now: 0)
        let leases = sent(s.workerReady("w1", slots: 3, now: 0))
        #expect(leases.map(\.task.trial.index) == [1, 2])
        #expect(leases.map(\.task.attempt) == [2, 1])
    }

    @Test("a worker speaking another protocol version is refused with the reason")
    func versionRefused() {
        var s = Scheduler(tasks: makeTasks(1), config: SchedulerConfig())
        var h = hello("w1")
        h.protocolVersion = 99
        let actions = s.workerHello("w1", h, now: 0)
        let rejected = actions.contains { a in
            if case .send("w1", .reject(.protocolVersion(99))) = a { return true }
            return false
        }
        #expect(rejected)
        #expect(s.workerIDs.isEmpty)
    }

    @Test("a re-registering worker keeps the attempts it reports as still running")
    func rehelloKeepsRunning() {
        let tasks = makeTasks(2)
        // Coordinator restarted: attempt 1 of trial 0 was out (stored as pending with attempts 1).
        var s = Scheduler(tasks: tasks, config: SchedulerConfig(), resumed: [tasks[0].trial.id: .pending(attempts: 1)])
        var h = hello("w1", slots: 2)
        h.running = [TrialRef(trialID: tasks[0].trial.id, attempt: 1)]
        _ = s.workerHello("w1", h, now: 0)
        let leases = sent(s.workerReady("w1", slots: 1, now: 0))
        #expect(leases.map(\.task.trial.index) == [1])
        let r = s.result("w1", TrialResult(trialID: tasks[0].trial.id, attempt: 1, status: .done, metrics: [:]), now: 1)
        #expect(r.contains { if case .recordResult = $0 { true } else { false } })
    }
}
