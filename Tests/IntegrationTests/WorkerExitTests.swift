import Foundation
import Testing

/// Workers never hang and never lie about why they stopped (real processes, real sockets).
@Suite("Worker exits", .serialized)
struct WorkerExitTests {
    @Test("no coordinator: the worker exits 2 after --join-timeout and says what to check")
    func noCoordinator() throws {
        let dir = try CLI.tempDir()
        let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        let out = try CLI.run(["worker", "--connect", endpoint, "--join-timeout", "1", "--out", "\(dir)/trials"],
                              timeout: 120)
        #expect(out.status == 2, "\(out.stderr)")
        #expect(out.stderr.contains("no coordinator answered for 1 s at \(endpoint)"))
        #expect(out.stderr.contains("is the coordinator running there"))
    }

    @Test("CURVE: a refused key and a missing key each end the worker with exit 1 and what to do")
    func refusedAndMissingKeys() throws {
        let cluster = try Cluster { $0.spec(name: "keys", trials: 1) }
        let good = "\(cluster.dir)/keys", other = "\(cluster.dir)/other"
        #expect(try CLI.run(["keys", "generate", good]).status == 0)
        #expect(try CLI.run(["keys", "generate", other]).status == 0)
        try FileManager.default.removeItem(atPath: "\(other)/coordinator.pub")
        try FileManager.default.copyItem(atPath: "\(good)/coordinator.pub", toPath: "\(other)/coordinator.pub")
        cluster.extraCoordinatorArgs = ["--keys", good]
        try cluster.startCoordinator()
        // --join-timeout 0: were the handshake's failure missed, these workers would never end.
        try cluster.startWorker("intruder", extra: ["--keys", other, "--join-timeout", "0"])
        try cluster.startWorker("keyless", extra: ["--join-timeout", "0"])
        let intruder = try #require(cluster.workers["intruder"]), keyless = try #require(cluster.workers["keyless"])
        #expect(intruder.wait(timeout: 120) == 1, "\(intruder.stderr())")
        #expect(intruder.stderr().contains("refused this worker's key"))
        #expect(keyless.wait(timeout: 120) == 1, "\(keyless.stderr())")
        #expect(keyless.stderr().contains("pass --keys DIR"))
        // The coordinator logged the refused key, and neither worker got anything.
        let coordinator = try #require(cluster.coordinator)
        #expect(CLI.waitUntil(timeout: 60) { coordinator.stderr().contains("refused worker") })
        #expect(cluster.count("SELECT COUNT(*) FROM events WHERE kind = 'join'") == 0)
    }

    @Test("SIGTERM while the worker waits to reconnect: it exits 0 and says it handed nothing back")
    func sigtermDuringBackoff() throws {
        let dir = try CLI.tempDir()
        let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        let worker = try CLI.start(["worker", "--connect", endpoint, "--join-timeout", "0", "--out", "\(dir)/trials"])
        // Silent coordinator → the worker drops the connection and backs off before the next try.
        #expect(CLI.waitUntil(timeout: 120) { worker.stderr().contains("coordinator silent; reconnecting") })
        kill(worker.pid, SIGTERM)
        #expect(worker.wait(timeout: 60) == 0, "\(worker.stderr())")
        #expect(worker.stderr().contains("stopping: handed back 0 trial(s)"))
    }

    @Test("--retry-failed runs a sweep's failed trials again; without it a rerun leaves them failed")
    func retryFailed() throws {
        let dir = try CLI.tempDir()
        // A trainer that fails until the file `ok` exists (a fixed bug, say).
        try """
            name: flaky
            grid: {optimizer: sgd, lr: 0.1, dataset: synthetic, model: logreg}
            seeds: [1, 2]
            trainer:
              command: [/bin/sh, -c, 'test -e \(dir)/ok || exit 3; echo "{\\"step\\": 1, \\"val_loss\\": 0.5, \\"final\\": true}"']
            retries: 0
            """.write(toFile: "\(dir)/spec.yaml", atomically: true, encoding: .utf8)
        let args = ["run", "\(dir)/spec.yaml", "--workers", "1", "--out", "\(dir)/out"]
        let first = try CLI.run(args)
        #expect(first.stderr.contains("2 trial(s) failed"), "\(first.stderr)")
        #expect(first.stderr.contains("--retry-failed"))
        let store = try Store("\(dir)/out/results.sqlite")
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'failed'") == 2)
        _ = FileManager.default.createFile(atPath: "\(dir)/ok", contents: Data())
        _ = try CLI.run(args)
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'failed'") == 2)
        let retried = try CLI.run(args + ["--retry-failed"])
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stderr.contains("retrying 2 failed trial(s)"))
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done' AND attempts = 2") == 2)
        #expect(try store.int("SELECT COUNT(*) FROM events WHERE kind = 'retry-failed'") == 2)
    }
}
