import Foundation
import SweepCoordinator
import SweepKit
import Testing
import Wire

/// The coordinator and worker protocols end to end, in this process: a coordinator, its store and
/// workers, through the transport seam. Over the in-memory network time is a manual clock, so
/// leases, heartbeats, lost workers and restarts are exercised deterministically in milliseconds;
/// the time-free tests run the same body over real ZeroMQ too.
@Suite("Coordinator and workers in process", .serialized)
struct InProcessClusterTests {
    @Test("workers join, take trials up to their slots, return results; every trial ends done once",
          arguments: InProcessCluster.Network.allCases)
    func joinLeaseResult(_ network: InProcessCluster.Network) throws {
        let c = try InProcessCluster(network, trials: 5)
        // Paused first, so that both workers have joined before anything is leased.
        #expect(try c.control(ControlRequest(action: .pause))?.ok == true)
        c.addWorker("w1")
        c.addWorker("w2", slots: 2)
        #expect(try c.run {
            c.coordinator.snapshot().workers.map(\.credits) == [1, 2]
        })
        #expect(c.count(.pending) == 5)
        #expect(try c.control(ControlRequest(action: .resume))?.ok == true)
        #expect(try c.run { c.running(on: "w1").count == 1 && c.running(on: "w2").count == 2 })
        #expect(c.count(.pending) == 2, "no worker holds more than its slots")
        c.runner.openAll()
        #expect(try c.run { c.coordinator.isDone })
        #expect(c.count(.done) == 5)
        #expect(c.runner.starts.count == 5 && Set(c.runner.starts.map(\.trialID)).count == 5)
        #expect(c.runner.starts.allSatisfy { $0.attempt == 1 })
        #expect(try c.storedStates().values.allSatisfy { $0 == .finished(.done, attempts: 1) })
    }

    @Test("pause holds new leases from a worker asking for work; resume leases", arguments: InProcessCluster.Network.allCases)
    func pauseResume(_ network: InProcessCluster.Network) throws {
        let c = try InProcessCluster(network, trials: 2)
        c.addWorker("w1")
        #expect(try c.run { c.running(on: "w1").count == 1 })
        let reply = try #require(try c.control(ControlRequest(action: .pause)))
        #expect(reply.ok && reply.message.contains("1 running trial"))
        c.runner.open(c.running(on: "w1")[0])
        // The first trial ends; the worker asks for another and gets none while paused.
        #expect(try c.run { c.count(.done) == 1 && c.coordinator.snapshot().workers.first?.credits == 1 })
        #expect(c.count(.pending) == 1 && c.running(on: "w1").isEmpty)
        #expect(c.coordinator.snapshot().paused)
        #expect(c.coordinator.snapshot().waitingReason?.contains("paused") == true)
        #expect(try c.control(ControlRequest(action: .resume))?.ok == true)
        #expect(try c.run { c.running(on: "w1").count == 1 })
        c.runner.openAll()
        #expect(try c.run { c.coordinator.isDone })
        #expect(c.count(.done) == 2)
    }

    @Test("cancel stops a running trial on its worker; the slot takes the next one; bad requests change nothing",
          arguments: InProcessCluster.Network.allCases)
    func cancel(_ network: InProcessCluster.Network) throws {
        let c = try InProcessCluster(network, trials: 3)
        c.addWorker("w1")
        #expect(try c.run { c.running(on: "w1").count == 1 })
        let victim = c.running(on: "w1")[0]
        let unknown = try #require(try c.control(ControlRequest(action: .cancel, trials: ["nope"])))
        #expect(!unknown.ok && unknown.message.contains("no trial nope"))
        let bad = try #require(try c.control(ControlRequest(action: .pause, trials: [victim])))
        #expect(!bad.ok)
        #expect(c.running(on: "w1") == [victim] && !c.coordinator.snapshot().paused)
        #expect(try c.control(ControlRequest(action: .cancel, trials: [victim]))?.ok == true)
        #expect(c.states[victim] == .finished(.cancelled, attempts: 1))
        // The runner saw its stop flag, the slot was returned, and the next trial was leased to it.
        #expect(try c.run { c.running(on: "w1").count == 1 && c.running(on: "w1") != [victim] })
        let again = try #require(try c.control(ControlRequest(action: .cancel, trials: [victim])))
        #expect(!again.ok && again.message.contains("already ended"))
        c.runner.openAll()
        #expect(try c.run { c.coordinator.isDone })
        #expect(c.count(.done) == 2 && c.count(.cancelled) == 1)
        #expect(try c.storedStates()[victim] == .pending(attempts: 1), "a cancelled trial runs again next time")
    }

    @Test("a worker that falls silent loses its lease after the liveness window; the trial runs again elsewhere")
    func lostWorker() throws {
        let c = try InProcessCluster(.inMemory, trials: 1)
        c.addWorker("w1")
        #expect(try c.run(dt: 0.05) { c.running(on: "w1").count == 1 })
        let trial = c.running(on: "w1")[0]
        c.addWorker("w2")
        #expect(try c.run(dt: 0.05) { c.coordinator.snapshot().workers.count == 2 })
        let silentFrom = c.clock.now
        c.kill("w1")
        // Two seconds of silence are within the liveness window (SchedulerConfig's defaults: 1 s × 3).
        #expect(try c.run(dt: 0.05) { c.clock.now - silentFrom >= 2 })
        #expect(c.states[trial] == .running(worker: "w1", attempt: 1))
        #expect(try c.run(dt: 0.05) { c.running(on: "w2") == [trial] })
        #expect(c.clock.now - silentFrom > 2.9 && c.clock.now - silentFrom < 3.5)
        #expect(c.states[trial] == .running(worker: "w2", attempt: 2))
        c.runner.openAll()
        #expect(try c.run(dt: 0.05) { c.coordinator.isDone })
        #expect(try c.storedStates()[trial] == .finished(.done, attempts: 2))
    }

    @Test("an idle worker and its coordinator keep each other alive with heartbeats over a long quiet time")
    func heartbeats() throws {
        let c = try InProcessCluster(.inMemory, trials: 1)
        c.addWorker("w1")
        #expect(try c.run(dt: 0.05) { c.running(on: "w1").count == 1 && c.runner.starts.count == 1 })
        let start = c.clock.now
        #expect(try c.run(dt: 0.05) { c.clock.now - start > 60 })
        #expect(c.running(on: "w1").count == 1)
        #expect(c.coordinator.snapshot().workers.map(\.id) == ["w1"])
        #expect(c.workers["w1"]?.state == .serving)
        #expect(c.runner.starts.count == 1)
    }

    @Test("a coordinator restart: the worker reconnects, its running attempt keeps its lease, nothing runs twice")
    func coordinatorRestart() throws {
        let c = try InProcessCluster(.inMemory, trials: 2)
        c.addWorker("w1")
        #expect(try c.run(dt: 0.05) { c.running(on: "w1").count == 1 })
        let held = c.running(on: "w1")[0]
        try c.restartCoordinator()
        // The worker notices the silence, reconnects after its backoff and registers what it runs.
        #expect(try c.run(dt: 0.05) { c.running(on: "w1") == [held] })
        #expect(c.states[held] == .running(worker: "w1", attempt: 1))
        c.runner.openAll()
        #expect(try c.run(dt: 0.05) { c.coordinator.isDone })
        #expect(c.count(.done) == 2)
        #expect(c.runner.starts.count == 2, "the held attempt was not run again")
        #expect(try c.storedStates()[held] == .finished(.done, attempts: 1))
    }

    @Test("stop: no new leases, the running trial finishes, the coordinator is done with the rest pending")
    func stop() throws {
        let c = try InProcessCluster(.inMemory, trials: 3)
        c.addWorker("w1")
        #expect(try c.run { c.running(on: "w1").count == 1 })
        #expect(try c.control(ControlRequest(action: .stop))?.ok == true)
        #expect(!c.coordinator.isDone)
        let resume = try #require(try c.control(ControlRequest(action: .resume)))
        #expect(!resume.ok)
        c.runner.openAll()
        #expect(try c.run { c.coordinator.isDone })
        #expect(c.count(.done) == 1 && c.count(.pending) == 2)
        #expect(c.runner.starts.count == 1)
    }

    @Test("a lease that reaches a worker in the same turn as its stop is never started; the bye hands it back")
    func leaseMeetsStop() throws {
        let c = try InProcessCluster(.inMemory, trials: 2, retries: 0)
        c.addWorker("w1")
        let worker = try #require(c.workers["w1"])
        try worker.step(timeout: 0)                 // connects: hello and ready
        try c.coordinator.step(timeout: 0)          // leases a trial; it waits in the worker's inbox
        #expect(c.running(on: "w1").count == 1)
        worker.requestStop()                        // SIGTERM before the worker's next turn
        try worker.step(timeout: 0)
        #expect(worker.outcome == .stopped, "nothing ran, so the worker leaves at once")
        try c.coordinator.step(timeout: 0)          // takes the bye
        #expect(c.running(on: "w1").isEmpty)
        #expect(c.states.values.allSatisfy { if case .pending = $0 { true } else { false } })
        #expect(c.runner.starts.isEmpty)
        // With no retries at all, both trials still run: the hand-back used none.
        c.runner.openAll()
        c.addWorker("w2")
        #expect(try c.run { c.coordinator.isDone })
        #expect(c.count(.done) == 2)
    }
}

@Suite("Early stopping with coordinator and workers in process")
struct InProcessEarlyStoppingTests {
    @Test("ASHA stops the worse rate within its group on the worker; another optimizer's far worse rates go on")
    func ashaOnWorkers() throws {
        // Every trial reports val_loss at step 10 (the first rung) and then runs until released:
        // sgd at lr 0.1 → 1.0, sgd at 0.01 → 2.0 (worse: stopped); adam → 5.0 at both rates, far worse than
        // sgd, but adam is its own group and is never compared with sgd: both its rates go on.
        let runner = GatedRunner { task in
            let p = task.trial.parameters
            let value = p.optimizer == "adam" ? 5.0 : (p.lr == 0.1 ? 1.0 : 2.0)
            return MetricPoint(step: 10, name: task.metric, value: value)
        }
        let c = try InProcessCluster(.inMemory, spec: """
            name: es-inprocess
            grid: {optimizer: [sgd, adam], lr: [0.1, 0.01], dataset: synthetic, model: logreg}
            train: {steps: 100, eval_every: 10}
            early_stopping: {method: asha, grace: 10, reduction: 3}
            """, runner: runner)
        // One slot: sgd 0.1 reports first (promoted), then sgd 0.01 is leased and stopped at the rung.
        c.addWorker("w1")
        #expect(try c.run { c.runner.starts.count == 1 })
        let first = c.runner.starts[0].trialID
        c.runner.open(first)
        #expect(try c.run { c.runner.starts.count == 2 })
        let second = c.runner.starts[1].trialID
        // Stopped on its worker (the runner saw its stop flag), recorded as pruned, the slot moves on.
        #expect(try c.run { c.states[second] == .finished(.pruned, attempts: 1) && c.runner.starts.count == 3 })
        #expect(c.coordinator.scheduler.stoppingDecisions.prefix(2).map(\.promoted) == [true, false])
        c.runner.openAll()
        #expect(try c.run { c.coordinator.isDone })
        #expect(c.count(.done) == 3 && c.count(.pruned) == 1)
        #expect(c.coordinator.scheduler.stoppingDecisions.map(\.promoted) == [true, false, true, true])
        #expect(try c.storedStates()[second] == .finished(.pruned, attempts: 1))
    }
}
