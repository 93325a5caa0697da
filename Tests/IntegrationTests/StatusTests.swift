import Foundation
import Testing

@Suite("status, live and from the folder", .serialized)
struct StatusTests {
    func json(_ text: String) throws -> [String: Any] {
        let line = try #require(text.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("status --connect shows workers and their trials; status DIR shows the final counts")
    func liveAndAfter() throws {
        let cluster = try Cluster { $0.spec(name: "status", trials: 3) }
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        let held = try #require(cluster.heldTrial(cluster.gate))
        let live = try CLI.run(["status", "--connect", cluster.endpoint, "--json"])
        #expect(live.status == 0, "\(live.stderr)")
        let doc = try json(live.stdout)
        let workers = try #require(doc["workers"] as? [[String: Any]])
        #expect(workers.map { $0["id"] as? String } == ["a"])
        #expect((workers.first?["trials"] as? [String]) == [held.id])
        let trials = try #require(doc["trials"] as? [String: Int])
        #expect(trials.values.reduce(0, +) == 3)
        #expect(trials["running"] == 1 && trials["pending"] == 2)
        cluster.gate.openAll()
        #expect(try #require(cluster.coordinator).wait(timeout: 240) == 0)
        let after = try CLI.run(["status", "\(cluster.dir)/out", "--json"])
        #expect(after.status == 0)
        let final = try json(after.stdout)
        #expect((final["trials"] as? [String: Int])?["done"] == 3)
        #expect(final["coordinator_running"] as? Bool == false)
    }

    @Test("trials that need a dataset no worker has wait, and status says why")
    func missingDataset() throws {
        let cluster = try Cluster { _ in
            """
            name: nocifar
            grid: {optimizer: sgd, lr: 0.05, dataset: cifar10, model: logreg}
            seeds: [1]
            train: {batch_size: 128, steps: 10}
            """
        }
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        var reason = ""
        #expect(try CLI.waitUntil(timeout: 120) {
            let out = try CLI.run(["status", "--connect", cluster.endpoint, "--json"])
            reason = (try? json(out.stdout)["waiting_reason"] as? String) ?? ""
            return reason.contains("cifar10")
        }, "waiting_reason: \(reason)")
        #expect(try cluster.store()?.int("SELECT COUNT(*) FROM trials WHERE status = 'pending'") == 1)
        cluster.stopAll()
    }

    @Test("status --connect to nothing fails with exit 2 and says what to check")
    func nobodyThere() throws {
        let out = try CLI.run(["status", "--connect", "tcp://127.0.0.1:\(CLI.freePort())"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("is it running"))
    }
}
