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
        let cluster = try Cluster(spec: slowSpec(name: "status", trials: 3))
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        _ = try #require(try cluster.workerHoldingATrial(timeout: 60))
        let live = try CLI.run(["status", "--connect", cluster.endpoint, "--json"])
        #expect(live.status == 0, "\(live.stderr)")
        let doc = try json(live.stdout)
        let workers = try #require(doc["workers"] as? [[String: Any]])
        #expect(workers.map { $0["id"] as? String } == ["a"])
        #expect((workers.first?["trials"] as? [String])?.count == 1)
        let trials = try #require(doc["trials"] as? [String: Int])
        #expect(trials.values.reduce(0, +) == 3)
        #expect(try #require(cluster.coordinator).wait(timeout: 240) == 0)
        let after = try CLI.run(["status", "\(cluster.dir)/out", "--json"])
        #expect(after.status == 0)
        let final = try json(after.stdout)
        #expect((final["trials"] as? [String: Int])?["done"] == 3)
        #expect(final["coordinator_running"] as? Bool == false)
    }

    @Test("trials that need a dataset no worker has wait, and status says why")
    func missingDataset() throws {
        let spec = slowSpec(name: "nocifar", trials: 1).replacingOccurrences(of: "fashion-mnist", with: "cifar10")
            .replacingOccurrences(of: "model: mlp-256-256", with: "model: logreg")
        let cluster = try Cluster(spec: spec)
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        var reason = ""
        #expect(try CLI.waitUntil(timeout: 30) {
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
