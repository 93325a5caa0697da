import Foundation
import Testing

/// `lrsweep control` against real coordinator and worker processes. Trials wait at a gate (see
/// ``Gate``) or run until stopped, so every step waits for an event, never for a duration.
@Suite("Control a running sweep", .serialized)
struct ControlTests {
    func control(_ cluster: Cluster, _ words: [String]) throws -> CLI.Output {
        try CLI.run(["control", "\(cluster.dir)/out"] + words, timeout: 60)
    }

    func statusJSON(_ cluster: Cluster) throws -> [String: Any] {
        let out = try CLI.run(["status", "--connect", cluster.endpoint, "--json"])
        let line = try #require(out.stdout.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    /// Waits until the coordinator has written its status file (it then serves control requests).
    func waitForCoordinator(_ cluster: Cluster) {
        #expect(CLI.waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: "\(cluster.dir)/out/status.json") })
    }

    @Test("pause holds new leases while a worker waits for work; resume starts them")
    func pauseResume() throws {
        let cluster = try Cluster { $0.spec(name: "pause", trials: 2) }
        try cluster.startCoordinator()
        waitForCoordinator(cluster)
        let paused = try control(cluster, ["pause"])
        #expect(paused.status == 0, "\(paused.stderr)")
        #expect(paused.stdout.contains("paused"))
        try cluster.startWorker("a")
        // The worker has joined and asked for a trial: while paused it gets none.
        var doc: [String: Any] = [:]
        #expect(try CLI.waitUntil(timeout: 60) {
            doc = try statusJSON(cluster)
            return ((doc["workers"] as? [[String: Any]])?.first?["credits"] as? Int) == 1
        }, "status: \(doc)")
        #expect(doc["paused"] as? Bool == true)
        #expect((doc["trials"] as? [String: Int])?["pending"] == 2)
        #expect(cluster.count("SELECT COUNT(*) FROM trials WHERE status <> 'pending' OR attempts > 0") == 0)
        #expect(try CLI.run(["status", "\(cluster.dir)/out"]).stdout.contains("paused"))
        let resumed = try control(cluster, ["resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let held = try #require(cluster.heldTrial(cluster.gate))
        #expect(held.worker == "a")
        cluster.gate.openAll()
        #expect(try #require(cluster.coordinator).wait(timeout: 240) == 0)
        #expect(cluster.count("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 2)
        #expect(cluster.count("SELECT COUNT(*) FROM events WHERE kind = 'control'") == 2)
    }

    @Test("cancel of a running command trial: its process group is gone, the slot serves the next trial")
    func cancelCommandTrial() throws {
        let cluster = try Cluster { $0.spec(name: "cancelcmd", trials: 3) }
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        let held = try #require(cluster.heldTrial(cluster.gate))
        let out = try control(cluster, ["cancel", held.id])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(cluster.count("SELECT COUNT(*) FROM trials WHERE id = '\(held.id)' AND status = 'cancelled'") == 1)
        // The trainer is stopped on its worker (SIGTERM to its group) and the one slot takes the next trial.
        #expect(CLI.waitUntil(timeout: 60) { kill(held.trainerPID, 0) != 0 }, "the cancelled trainer still runs")
        let next = try #require(cluster.heldTrial(cluster.gate) { $0.id != held.id })
        #expect(next.worker == "a")
        cluster.gate.openAll()
        #expect(try #require(cluster.coordinator).wait(timeout: 240) == 0)
        let store = try #require(try cluster.store())
        #expect(try store.strings("SELECT status FROM trials ORDER BY status") == ["cancelled", "done", "done"])
        // The curve it had is kept: its first point, from its only attempt.
        #expect(try store.int("SELECT COUNT(*) FROM metric_points WHERE trial_id = '\(held.id)' AND step = 1") == 1)
        #expect(try store.int("SELECT COUNT(*) FROM metric_points WHERE trial_id = '\(held.id)' AND step = 2") == 0)
        #expect(FileManager.default.fileExists(atPath: "\(cluster.dir)/out/report.md"))
    }

    @Test("cancel of a running engine trial stops it between steps; without ids the sweep then stops")
    func cancelEngineTrial() throws {
        // A trial far too long to finish here: only the cancel can end it.
        let cluster = try Cluster { _ in
            """
            name: cancelengine
            grid: {optimizer: sgd, lr: 0.01, dataset: synthetic, model: logreg}
            seeds: [1, 2]
            train: {batch_size: 16, steps: 100000000, eval_every: 5, train_size: 256, val_size: 64}
            """
        }
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        #expect(CLI.waitUntil(timeout: 120) {
            cluster.count("SELECT COUNT(*) FROM metric_points WHERE name = 'val_loss'") >= 2
        }, "the trial never reported a point")
        let running = try #require(try cluster.store()?.strings("SELECT id FROM trials WHERE status = 'running'"))
        #expect(running.count == 1)
        let out = try control(cluster, ["cancel"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("cancelled 1 running trial"))
        // Stopped on the worker, then the coordinator stops: report written, exit 0.
        #expect(try #require(cluster.coordinator).wait(timeout: 240) == 0)
        let store = try #require(try cluster.store())
        #expect(try store.strings("SELECT id FROM trials WHERE status = 'cancelled'") == running)
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'pending'") == 1)
        #expect(try store.int("SELECT COUNT(*) FROM metric_points WHERE trial_id = '\(running[0])'") >= 2)
        #expect(FileManager.default.fileExists(atPath: "\(cluster.dir)/out/report.md"))
        // The worker left on the coordinator's bye: its trial thread had stopped.
        #expect(try #require(cluster.workers["a"]).wait(timeout: 60) == 0)
        // The sweep has been stopped: control says so and exits 1.
        let late = try control(cluster, ["pause"])
        #expect(late.status == 1)
        #expect(late.stderr.contains("been stopped"), "\(late.stderr)")
    }

    @Test("stop: running trials finish, the report is written, exit 0; a second run runs the cancelled and the rest")
    func stopThenRerun() throws {
        let cluster = try Cluster { $0.spec(name: "stoprerun", trials: 4) }
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        let first = try #require(cluster.heldTrial(cluster.gate))
        let pendingIDs = try #require(try cluster.store()?.strings(
            "SELECT id FROM trials WHERE status = 'pending' ORDER BY id"))
        #expect(pendingIDs.count == 3)
        // A pending trial can be cancelled too; unknown ids and bad actions are refused with exit 1.
        let cancel = try control(cluster, ["cancel", pendingIDs[0]])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        let unknown = try control(cluster, ["cancel", "nosuchtrial"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no trial nosuchtrial"), "\(unknown.stderr)")
        let bad = try control(cluster, ["explode"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("pause, resume, stop, cancel"), "\(bad.stderr)")
        let stop = try control(cluster, ["stop"])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(stop.stdout.contains("stopping"))
        cluster.gate.openAll()
        #expect(try #require(cluster.coordinator).wait(timeout: 240) == 0)
        let store = try #require(try cluster.store())
        #expect(try store.strings("SELECT id FROM trials WHERE status = 'done'") == [first.id])
        #expect(try store.strings("SELECT id FROM trials WHERE status = 'cancelled'") == [pendingIDs[0]])
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'pending'") == 2)
        #expect(FileManager.default.fileExists(atPath: "\(cluster.dir)/out/report.md"))
        let finishedBefore = try store.strings("SELECT finished FROM trials WHERE id = '\(first.id)'")

        // The same spec again: the cancelled and the pending trials run, the done one does not.
        let rerun = try CLI.run(["run", cluster.spec, "--workers", "1", "--out", "\(cluster.dir)/out"], timeout: 240)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 4)
        #expect(try store.strings("SELECT finished FROM trials WHERE id = '\(first.id)'") == finishedBefore)
        #expect(try store.int("SELECT attempts FROM trials WHERE id = '\(first.id)'") == 1)
        let finished = try control(cluster, ["resume"])
        #expect(finished.status == 1)
        #expect(finished.stderr.contains("has finished"), "\(finished.stderr)")
    }
}
