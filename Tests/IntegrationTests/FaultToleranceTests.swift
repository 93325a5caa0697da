import Foundation
import SweepKit
import Testing
import Wire

/// A sweep whose trials last about a second each, so that a kill lands in the middle of one.
func slowSpec(name: String, trials seeds: Int) -> String {
    """
    name: \(name)
    grid:
      optimizer: sgd
      lr: 0.05
      dataset: fashion-mnist
      model: mlp-256-256
    seeds: [\((1...seeds).map(String.init).joined(separator: ", "))]
    train:
      batch_size: 128
      steps: 240
      eval_every: 80
      train_size: 2000
      val_size: 500
    retries: 5
    """
}

/// A coordinator and its workers, each a real process, on a loopback port.
final class Cluster {
    let dir: String
    let endpoint: String
    let spec: String
    var coordinator: CLI.Running?
    var workers: [String: CLI.Running] = [:]
    var extraCoordinatorArgs: [String] = []

    init(spec text: String) throws {
        dir = try CLI.tempDir()
        endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        spec = "\(dir)/spec.yaml"
        try text.write(toFile: spec, atomically: true, encoding: .utf8)
    }

    var storePath: String { "\(dir)/out/results.sqlite" }

    func startCoordinator() throws {
        coordinator = try CLI.start(["coordinator", spec, "--bind", endpoint, "--out", "\(dir)/out"]
                                    + extraCoordinatorArgs)
    }

    func startWorker(_ id: String, extra: [String] = []) throws {
        workers[id] = try CLI.start(["worker", "--connect", endpoint, "--id", id] + extra)
    }

    func store() throws -> Store? {
        FileManager.default.fileExists(atPath: storePath) ? try Store(storePath) : nil
    }

    /// A count from the store, or 0 while the store does not exist or hold its tables yet.
    func count(_ sql: String) -> Int {
        (try? store()?.int(sql)) ?? 0
    }

    /// The worker id holding a trial it was given less than 0.3 s ago (so still far from its end:
    /// a trial lasts about a second), once one does.
    func workerHoldingATrial(timeout: Double) throws -> String? {
        var holder: String?
        _ = CLI.waitUntil(timeout: timeout) {
            // The store may not hold its tables yet in the first instants: then nobody holds a trial.
            holder = ((try? store()?.strings("""
                SELECT worker FROM trials WHERE status = 'running' AND worker IS NOT NULL
                  AND started > (julianday('now') - 2440587.5) * 86400.0 - 0.3
                """)) ?? [])
                .first { workers[$0]?.process.isRunning == true }
            return holder != nil
        }
        return holder
    }

    func stopAll() {
        for w in workers.values where w.process.isRunning { kill(w.pid, SIGKILL) }
        if let c = coordinator, c.process.isRunning { kill(c.pid, SIGKILL) }
    }

    deinit { stopAll() }
}

@Suite("Faults with real processes", .serialized)
struct FaultToleranceTests {
    @Test("kill -9 of workers mid-trial, three times: every trial ends done exactly once")
    func killWorkers() throws {
        let cluster = try Cluster(spec: slowSpec(name: "killw", trials: 8))
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        try cluster.startWorker("b")
        var killed: [String] = []
        for round in 1...3 {
            let victim = try #require(try cluster.workerHoldingATrial(timeout: 60))
            kill(try #require(cluster.workers[victim]).pid, SIGKILL)
            killed.append(victim)
            try cluster.startWorker("r\(round)")
        }
        let status = try #require(cluster.coordinator).wait(timeout: 240)
        #expect(status == 0, "coordinator: \(cluster.coordinator?.stderr() ?? "")")
        let store = try #require(try cluster.store())
        #expect(try store.int("SELECT COUNT(*) FROM trials") == 8)
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 8)
        // Each kill that caught a trial cost one attempt, which then ran again elsewhere (a kill can
        // land between two trials, so at least two of the three must have caught one).
        let retries = try store.int("SELECT COUNT(*) FROM events WHERE kind = 'retry'")
        #expect(retries >= 2 && retries <= killed.count, "retries \(retries) after killing \(killed)")
        #expect(try store.int("SELECT SUM(attempts) FROM trials") == 8 + retries)
        // The stored curve is that of the final attempt only: 3 validation points per trial, no mix.
        #expect(try store.int("""
            SELECT COUNT(*) FROM (SELECT trial_id FROM metric_points WHERE name = 'val_loss'
                                  GROUP BY trial_id HAVING COUNT(*) = 3)
            """) == 8)
    }

    @Test("kill -9 of the coordinator mid-sweep, then a restart: workers rejoin, nothing finished runs again")
    func killCoordinator() throws {
        let cluster = try Cluster(spec: slowSpec(name: "killc", trials: 8))
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        try cluster.startWorker("b")
        #expect(CLI.waitUntil(timeout: 120) {
            cluster.count("SELECT COUNT(*) FROM trials WHERE status = 'done'") >= 2
        })
        kill(try #require(cluster.coordinator).pid, SIGKILL)
        _ = cluster.coordinator?.wait(timeout: 10)
        let store = try #require(try cluster.store())
        let finishedBefore = try store.strings(
            "SELECT id || ':' || finished FROM trials WHERE status = 'done' ORDER BY id")
        #expect(finishedBefore.count >= 2)
        try cluster.startCoordinator()
        let status = try #require(cluster.coordinator).wait(timeout: 240)
        #expect(status == 0, "coordinator: \(cluster.coordinator?.stderr() ?? "")")
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 8)
        // Trials finished before the kill kept their finish time: they did not run again.
        let after = Set(try store.strings("SELECT id || ':' || finished FROM trials ORDER BY id"))
        #expect(Set(finishedBefore).isSubset(of: after))
        // The same two workers finished the sweep (they rejoined rather than being replaced).
        for w in cluster.workers.values { #expect(w.wait(timeout: 30) == 0) }
    }

    @Test("SIGSTOP past the liveness window: the lease moves on, the late result is ignored")
    func stoppedWorker() throws {
        let cluster = try Cluster(spec: slowSpec(name: "stopw", trials: 4))
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        let victim = try #require(try cluster.workerHoldingATrial(timeout: 60))
        let pid = try #require(cluster.workers[victim]).pid
        let held = try #require(try cluster.store()?.strings(
            "SELECT id FROM trials WHERE status = 'running' AND worker = '\(victim)'").first)
        kill(pid, SIGSTOP)
        try cluster.startWorker("b")
        // The lease expires (3 missed heartbeats) and the trial goes to b.
        #expect(CLI.waitUntil(timeout: 60) {
            cluster.count("SELECT COUNT(*) FROM trials WHERE id = '\(held)' AND attempts = 2") == 1
        })
        kill(pid, SIGCONT)
        let status = try #require(cluster.coordinator).wait(timeout: 240)
        #expect(status == 0)
        let store = try #require(try cluster.store())
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 4)
        #expect(try store.int("SELECT attempts FROM trials WHERE id = '\(held)'") == 2)
        #expect(try store.strings("SELECT worker FROM trials WHERE id = '\(held)'") == ["b"])
    }

    @Test("thousands of malformed frames and random bytes during a sweep: it keeps serving and completes")
    func garbage() throws {
        let cluster = try Cluster(spec: slowSpec(name: "garbage", trials: 4))
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        let context = try ZMQContext()
        let attacker = try ZMQSocket(context: context, type: .dealer)
        try attacker.connect(cluster.endpoint)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<3000 {
            let frames: [[UInt8]]
            switch i % 4 {
            case 0: frames = [(0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }]
            case 1: frames = [Array("1".utf8), Array("result".utf8), Array("{\"trialID\": 7".utf8)]
            case 2: frames = [Array("1".utf8), Array("progress".utf8), Array("[]".utf8), Array("extra".utf8)]
            default: frames = [Array("1".utf8), Array("ready".utf8), Array("{\"slots\": 1e9}".utf8)]
            }
            try attacker.send(frames, dontWait: true)
        }
        // Raw TCP bytes that are not even ZMTP.
        for _ in 0..<200 { rawTCP(cluster.endpoint, bytes: (0..<128).map { _ in UInt8.random(in: 0...255) }) }
        let status = try #require(cluster.coordinator).wait(timeout: 240)
        #expect(status == 0, "coordinator: \(cluster.coordinator?.stderr() ?? "")")
        #expect(try cluster.store()?.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 4)
        #expect(cluster.coordinator?.stderr().contains("dropped malformed message") == true)
        attacker.close()
    }

    @Test("a worker speaking another protocol version is refused with a clear reason")
    func otherVersion() throws {
        let cluster = try Cluster(spec: slowSpec(name: "version", trials: 1))
        try cluster.startCoordinator()
        let context = try ZMQContext()
        let peer = try ZMQSocket(context: context, type: .dealer)
        try peer.connect(cluster.endpoint)
        var hello = Hello(workerID: "old", hostname: "h", pid: 1, cores: 1, slots: 1, threads: 1,
                          datasets: ["fashion-mnist"])
        hello.protocolVersion = 99
        try peer.send(MessageCodec.encode(.hello(hello)))
        #expect(try peer.pollIn(milliseconds: 10_000))
        let reply = try MessageCodec.decode(try #require(try peer.receive()))
        guard case .reject(let reason) = reply else {
            Issue.record("expected a reject, got \(reply)")
            return
        }
        #expect(reason.contains("protocol version 99"))
        // A frame-level version mismatch is refused too.
        try peer.send([Array("2".utf8), Array("hello".utf8), Array("{}".utf8)])
        #expect(try peer.pollIn(milliseconds: 10_000))
        guard case .reject(let reason2) = try MessageCodec.decode(try #require(try peer.receive())) else {
            Issue.record("expected a reject")
            return
        }
        #expect(reason2.contains("protocol version 2"))
        peer.close()
        cluster.stopAll()
    }

    @Test("CURVE: a worker whose key is not allow-listed gets nothing; an allow-listed one completes the sweep")
    func curveAllowList() throws {
        let cluster = try Cluster(spec: slowSpec(name: "curve", trials: 2))
        let good = "\(cluster.dir)/keys"
        let other = "\(cluster.dir)/other"
        #expect(try CLI.run(["keys", "generate", good]).status == 0)
        #expect(try CLI.run(["keys", "generate", other]).status == 0)
        // The intruder knows the coordinator's public key, but its own key is not allowed.
        try FileManager.default.removeItem(atPath: "\(other)/coordinator.pub")
        try FileManager.default.copyItem(atPath: "\(good)/coordinator.pub", toPath: "\(other)/coordinator.pub")
        let secretMode = try FileManager.default.attributesOfItem(atPath: "\(good)/coordinator.secret")[.posixPermissions]
        #expect((secretMode as? NSNumber)?.intValue == 0o600)
        cluster.extraCoordinatorArgs = ["--keys", good]
        try cluster.startCoordinator()
        try cluster.startWorker("intruder", extra: ["--keys", other])
        try cluster.startWorker("plain")
        // Give both several seconds to try; neither may join.
        Thread.sleep(forTimeInterval: 4)
        let store = try #require(try cluster.store())
        #expect(try store.int("SELECT COUNT(*) FROM events WHERE kind = 'join'") == 0)
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status <> 'pending'") == 0)
        #expect(cluster.coordinator?.stderr().contains("refused worker") == true)
        try cluster.startWorker("friend", extra: ["--keys", good])
        let status = try #require(cluster.coordinator).wait(timeout: 240)
        #expect(status == 0)
        #expect(try store.strings("SELECT DISTINCT worker FROM trials") == ["friend"])
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 2)
    }
}

/// Opens a TCP connection to a `tcp://host:port` endpoint, writes `bytes` and closes it.
func rawTCP(_ endpoint: String, bytes: [UInt8]) {
    guard let colon = endpoint.lastIndex(of: ":"), let port = UInt16(endpoint[endpoint.index(after: colon)...]) else {
        return
    }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let ok = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if ok == 0 { _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
}

@Suite("Graceful worker shutdown", .serialized)
struct GracefulShutdownTests {
    @Test("SIGTERM: the worker hands its trial back at once, says bye and exits 0; another finishes it")
    func sigterm() throws {
        let cluster = try Cluster(spec: slowSpec(name: "term", trials: 3))
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        let victim = try #require(try cluster.workerHoldingATrial(timeout: 60))
        let held = try #require(try cluster.store()?.strings(
            "SELECT id FROM trials WHERE status = 'running' AND worker = '\(victim)'").first)
        let worker = try #require(cluster.workers[victim])
        kill(worker.pid, SIGTERM)
        #expect(worker.wait(timeout: 20) == 0, "worker: \(worker.stderr())")
        // Handed back on the bye, not after the liveness window: the retry is recorded as a leave.
        #expect(cluster.count("SELECT COUNT(*) FROM events WHERE kind = 'leave' AND worker = '\(victim)'") == 1)
        try cluster.startWorker("b")
        #expect(try #require(cluster.coordinator).wait(timeout: 240) == 0)
        let store = try #require(try cluster.store())
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 3)
        #expect(try store.strings("SELECT worker FROM trials WHERE id = '\(held)'") == ["b"])
        #expect(try store.int("SELECT attempts FROM trials WHERE id = '\(held)'") == 2)
    }
}
