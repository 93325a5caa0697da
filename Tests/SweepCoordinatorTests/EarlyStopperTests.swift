import SweepCoordinator
import SweepKit
import Testing
import Wire

/// Early stopping as a pure value, then inside the scheduler. Every expected decision is worked out
/// by hand in the comments.
@Suite("Early stopping within comparison groups")
struct EarlyStopperTests {
    func asha(grace: Int = 10, eta: Double = 3, goal: Goal = .minimize) -> EarlyStopper {
        EarlyStopper(spec: EarlyStoppingSpec(method: .asha, grace: grace, reduction: eta, groupBy: ["optimizer"]),
                     goal: goal)
    }

    @Test("ASHA's rungs are at grace·η^k steps")
    func rungs() {
        #expect(asha().rungSteps(upTo: 100) == [10, 30, 90])
        #expect(asha(grace: 5, eta: 2).rungSteps(upTo: 40) == [5, 10, 20, 40])
        #expect(asha(grace: 50).rungSteps(upTo: 40) == [])
    }

    @Test("ASHA: a configuration outside the best ⌈n/η⌉ of its group at a rung stops; nothing before grace")
    func ashaDecisions() {
        var s = asha()
        // Before the grace period: no decision.
        #expect(s.observe(configuration: "a", group: "sgd", seed: 1, step: 5, value: 9).isEmpty)
        // a reaches rung 10 first: rank 1 of 1, keep ⌈1/3⌉ = 1 → promoted.
        let a = s.observe(configuration: "a", group: "sgd", seed: 1, step: 10, value: 1.0)
        #expect(a.map(\.promoted) == [true] && a.first?.step == 10)
        // b is better (0.5): rank 1 of 2, keep ⌈2/3⌉ = 1 → promoted.
        #expect(s.observe(configuration: "b", group: "sgd", seed: 1, step: 10, value: 0.5).map(\.promoted) == [true])
        // c (2.0) is worst: rank 3 of 3, keep ⌈3/3⌉ = 1 → stopped.
        let c = s.observe(configuration: "c", group: "sgd", seed: 1, step: 10, value: 2.0)
        #expect(c.map(\.promoted) == [false])
        #expect(s.stopped == ["c"])
        // d (0.7): rank 2 of 4, keep ⌈4/3⌉ = 2 → promoted.
        #expect(s.observe(configuration: "d", group: "sgd", seed: 1, step: 10, value: 0.7).map(\.promoted) == [true])
        // A stopped configuration is not decided again; a decided rung is not decided twice.
        #expect(s.observe(configuration: "c", group: "sgd", seed: 2, step: 10, value: 0.1).isEmpty)
        #expect(s.observe(configuration: "a", group: "sgd", seed: 1, step: 20, value: 0.9).isEmpty)
        #expect(s.decisions.count == 4)
    }

    @Test("ASHA compares only within a group: the only configuration of its group always goes on")
    func groupsAreSeparate() {
        var s = asha()
        _ = s.observe(configuration: "adam lr=1e-2", group: "adam", seed: 1, step: 10, value: 0.3)
        _ = s.observe(configuration: "adam lr=1e-3", group: "adam", seed: 1, step: 10, value: 0.4)
        // SGD starts slower: far worse than every Adam rate, yet alone in its group, so it goes on.
        let sgd = s.observe(configuration: "sgd lr=0.1", group: "sgd", seed: 1, step: 10, value: 2.0)
        #expect(sgd.map(\.promoted) == [true])
        #expect(s.stopped == ["adam lr=1e-3"])
    }

    @Test("ASHA decides on the mean over the seeds that reached the rung, and records later seeds for others")
    func seedMeans() {
        var s = asha()
        // a: seed 1 reaches rung 10 at 1.0 → decided on 1.0 alone (promoted, first in its group).
        #expect(s.observe(configuration: "a", group: "g", seed: 1, step: 10, value: 1.0).map(\.value) == [1.0])
        // a's seed 2 arrives at 3.0: no new decision, but a's record becomes (1 + 3) / 2 = 2.0.
        #expect(s.observe(configuration: "a", group: "g", seed: 2, step: 10, value: 3.0).isEmpty)
        // b at 1.5 is better than a's 2.0 (not than its first 1.0): rank 1 of 2 → promoted.
        let b = s.observe(configuration: "b", group: "g", seed: 1, step: 10, value: 1.5)
        #expect(b.map(\.promoted) == [true])
        // c at 1.8: rank 2 of 3 (1.5 < 1.8 < 2.0), keep 1 → stopped.
        #expect(s.observe(configuration: "c", group: "g", seed: 1, step: 10, value: 1.8).map(\.promoted) == [false])
        // The value at a rung is each seed's first point at or after it: a point at step 12 counts for rung 10.
        var t = asha()
        #expect(t.observe(configuration: "x", group: "g", seed: 1, step: 12, value: 0.25).first?.step == 10)
    }

    @Test("ASHA with a metric to maximize keeps the highest values")
    func maximize() {
        var s = asha(goal: .maximize)
        _ = s.observe(configuration: "a", group: "g", seed: 1, step: 10, value: 0.9)
        #expect(s.observe(configuration: "b", group: "g", seed: 1, step: 10, value: 0.5).map(\.promoted) == [false])
        #expect(s.observe(configuration: "c", group: "g", seed: 1, step: 10, value: 0.95).map(\.promoted) == [true])
    }

    @Test("median rule: stop when the best so far is worse than the median of the others' running averages")
    func medianRule() {
        var s = EarlyStopper(spec: EarlyStoppingSpec(method: .median, grace: 5, groupBy: ["optimizer"]), goal: .minimize)
        // a: 1.0 at 5, 0.8 at 10 → running average at 10 = 0.9. b: 0.9, 0.7 → 0.8.
        for (c, v) in [("a", [1.0, 0.8]), ("b", [0.9, 0.7])] {
            _ = s.observe(configuration: c, group: "g", seed: 1, step: 5, value: v[0])
            _ = s.observe(configuration: c, group: "g", seed: 1, step: 10, value: v[1])
        }
        #expect(s.stopped.isEmpty, "with fewer than two others, nothing is stopped")
        // c at step 5: best 0.85; others' running averages at 5: a 1.0, b 0.9 → median 0.95; 0.85 is better.
        #expect(s.observe(configuration: "c", group: "g", seed: 1, step: 5, value: 0.85).isEmpty)
        // d at step 5: best 2.0; others' running averages at 5: a 1.0, b 0.9, c 0.85 → median 0.9 → stopped.
        _ = s.observe(configuration: "d", group: "g", seed: 1, step: 5, value: 2.0)
        #expect(s.stopped == ["d"])
        // f at step 5: 0.9 against the median of a 1.0, b 0.9, c 0.85, d 2.0 = (0.9 + 1.0) / 2 = 0.95 → goes on.
        // f at step 10: best so far min(0.9, 0.95) = 0.9; others that reached 10: a (avg 0.9), b (0.8); c and
        // d only reached 5 and do not count → median (0.8 + 0.9) / 2 = 0.85; 0.9 is worse → stopped.
        #expect(s.observe(configuration: "f", group: "g", seed: 1, step: 5, value: 0.9).isEmpty)
        #expect(s.observe(configuration: "f", group: "g", seed: 1, step: 10, value: 0.95).map(\.promoted) == [false])
        let e = s.observe(configuration: "e", group: "other", seed: 1, step: 10, value: 5.0)
        #expect(e.isEmpty, "alone in its group")
    }

    @Test("restored decisions: a stopped configuration stays stopped, a decided rung is not decided again")
    func restore() {
        var first = asha()
        _ = first.observe(configuration: "a", group: "g", seed: 1, step: 10, value: 1.0)
        _ = first.observe(configuration: "b", group: "g", seed: 1, step: 10, value: 2.0)
        var second = asha()
        second.restore(first.decisions)
        #expect(second.stopped == ["b"])
        #expect(second.observe(configuration: "a", group: "g", seed: 2, step: 10, value: 0.1).isEmpty)
        #expect(second.observe(configuration: "b", group: "g", seed: 1, step: 30, value: 0.1).isEmpty)
    }

    /// Four configurations (lr) of one optimizer, two seeds each.
    func lrTasks() -> [TrialTask] {
        var tasks: [TrialTask] = []
        for (i, lr) in [1.0, 0.1, 0.01, 0.001].enumerated() {
            for seed in 1...2 {
                let p = Parameters(["optimizer": .string("sgd"), "lr": .double(lr), "dataset": .string("fashion-mnist"),
                                    "model": .string("logreg"), "seed": .int(seed)])
                tasks.append(TrialTask(trial: Trial(sweepName: "es", index: i * 2 + seed - 1, parameters: p), attempt: 0,
                                       train: TrainConfig(steps: 100), optimizerOptions: [:], metric: "val_loss"))
            }
        }
        return tasks
    }

    @Test("in the scheduler: a stopped configuration's running seed is told to stop, its other seed never starts")
    func schedulerPrunes() {
        let spec = EarlyStoppingSpec(method: .asha, grace: 10, reduction: 3, groupBy: ["optimizer", "dataset", "model"])
        var s = Scheduler(tasks: lrTasks(), config: SchedulerConfig(), metric: "val_loss",
                          earlyStopping: (spec, .minimize))
        _ = s.workerHello("w", hello("w", slots: 3), now: 0)
        let leased = sent(s.workerReady("w", slots: 3, now: 0)).map(\.task)
        #expect(leased.count == 3)  // lr 1.0 seeds 1 and 2, lr 0.1 seed 1
        func report(_ t: TrialTask, _ v: Double) -> [SchedulerAction] {
            s.progress("w", Progress(trialID: t.trial.id, attempt: 1, points: [MetricPoint(step: 10, name: "val_loss",
                                                                                             value: v)]), now: 1)
        }
        // lr 0.1 reaches rung 10 first at 0.5 (promoted); then lr 1.0 at 2.0: rank 2 of 2, keep 1 → stopped.
        #expect(!report(leased[2], 0.5).contains { if case .recordPrune = $0 { return true } else { return false } })
        let actions = report(leased[0], 2.0)
        let stops = actions.compactMap { a -> TrialRef? in if case .send("w", .stop(let r)) = a { return r } else { return nil } }
        #expect(Set(stops.map(\.trialID)) == [leased[0].trial.id, leased[1].trial.id], "both running seeds stop")
        #expect(s.states[leased[0].trial.id] == .finished(.pruned, attempts: 1))
        #expect(s.states[leased[1].trial.id] == .finished(.pruned, attempts: 1))
        #expect(actions.contains { if case .recordDecision(let d) = $0 { return !d.promoted } else { return false } })
        #expect(s.counts()[.pruned] == 2)
        // The slots of the stopped trials come back: only trials of other configurations are leased.
        let next = sent(s.workerReady("w", slots: 2, now: 2)).map { $0.task.trial.parameters.lr }
        #expect(next == [0.1, 0.01])
    }
}

@Suite("Early stopping across a coordinator restart")
struct EarlyStoppingRestartTests {
    @Test("a restarted scheduler restores the decisions, re-prunes stopped configurations and replays the rungs")
    func restart() {
        let spec = EarlyStoppingSpec(method: .asha, grace: 10, reduction: 3, groupBy: ["optimizer", "dataset", "model"])
        let tasks = EarlyStopperTests().lrTasks()
        var before = Scheduler(tasks: tasks, config: SchedulerConfig(), metric: "val_loss", earlyStopping: (spec, .minimize))
        _ = before.workerHello("w", hello("w", slots: 3), now: 0)
        let leased = sent(before.workerReady("w", slots: 3, now: 0)).map(\.task)
        func point(_ t: TrialTask, _ v: Double) -> (trialID: String, point: MetricPoint) {
            (t.trial.id, MetricPoint(step: 10, name: "val_loss", value: v))
        }
        let stored = [point(leased[2], 0.5), point(leased[0], 2.0)]
        for p in stored {
            _ = before.progress("w", Progress(trialID: p.trialID, attempt: 1, points: [p.point]), now: 1)
        }
        #expect(before.counts()[.pruned] == 2)
        // What the store held: lr 1.0's trials pruned (final), lr 0.1 seed 1 running (pending on load).
        var resumed: [String: Scheduler.TrialState] = [:]
        for t in leased.prefix(2) { resumed[t.trial.id] = .finished(.pruned, attempts: 1) }
        resumed[leased[2].trial.id] = .pending(attempts: 1)
        var after = Scheduler(tasks: tasks, config: SchedulerConfig(), resumed: resumed, metric: "val_loss",
                              earlyStopping: (spec, .minimize), decisions: before.stoppingDecisions)
        let replayed = after.replay(stored)
        // Nothing is decided twice, and nothing new is pruned: the decisions were all restored.
        #expect(!replayed.contains { if case .recordDecision = $0 { return true } else { return false } })
        #expect(after.counts()[.pruned] == 2)
        #expect(after.stoppingDecisions == before.stoppingDecisions)
        // The rung record of lr 0.1 (0.5) is back: a worse configuration arriving now is stopped at once,
        // a better one goes on.
        _ = after.workerHello("w", hello("w", slots: 4), now: 0)
        let again = sent(after.workerReady("w", slots: 4, now: 0)).map(\.task)
        #expect(again.map { $0.trial.parameters.lr } == [0.1, 0.1, 0.01, 0.01])
        let worse = after.progress("w", Progress(trialID: again[2].trial.id, attempt: 1,
                                                 points: [MetricPoint(step: 10, name: "val_loss", value: 0.9)]), now: 1)
        #expect(worse.contains { if case .recordPrune = $0 { return true } else { return false } })
    }
}

@Suite("Early stopping never stops a configuration that ran its whole budget")
struct EarlyStoppingBudgetTests {
    @Test("no ASHA rung at or after the budget: a rung at the last step is not decided")
    func noDecisionAtTheBudget() {
        // grace 20, η 3: rungs 20, 60, 180, 540; with a budget of 540 the last one is the end of training.
        var s = EarlyStopper(spec: EarlyStoppingSpec(method: .asha, grace: 20, reduction: 3, groupBy: []),
                             goal: .minimize, budget: 540)
        _ = s.observe(configuration: "a", group: "g", seed: 1, step: 540, value: 0.1)
        #expect(s.decisions.map(\.step) == [20, 60, 180])
        let b = s.observe(configuration: "b", group: "g", seed: 1, step: 540, value: 0.9)
        #expect(b.map(\.step) == [20], "b is stopped at the first rung it is worse at, not at 540")
        var m = EarlyStopper(spec: EarlyStoppingSpec(method: .median, grace: 5, groupBy: []), goal: .minimize, budget: 10)
        for c in ["a", "b"] { _ = m.observe(configuration: c, group: "g", seed: 1, step: 10, value: 0.1) }
        #expect(m.observe(configuration: "c", group: "g", seed: 1, step: 10, value: 9).isEmpty)
    }
}
