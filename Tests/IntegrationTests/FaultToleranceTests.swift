import Foundation
import SweepKit
import Testing
import Wire

/// A coordinator and its workers, each a real process, on a loopback port.
final class Cluster {
    let dir: String
    let endpoint: String
    let spec: String
    /// The gate of the trials' command (see ``Gate``), for specs that use it.
    let gate: Gate
    var coordinator: CLI.Running?
    var workers: [String: CLI.Running] = [:]
    var extraCoordinatorArgs: [String] = []

    /// - Parameter text: the spec, given this cluster's gate (most specs are `gate.spec(…)`).
    init(spec text: (Gate) -> String) throws {
        dir = try CLI.tempDir()
        endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        spec = "\(dir)/spec.yaml"
        gate = try Gate(in: dir)
        try text(gate).write(toFile: spec, atomically: true, encoding: .utf8)
    }

    var storePath: String { "\(dir)/out/results.sqlite" }

    func startCoordinator() throws {
        coordinator = try CLI.start(["coordinator", spec, "--bind", endpoint, "--out", "\(dir)/out"]
                                    + extraCoordinatorArgs)
    }

    func startWorker(_ id: String, extra: [String] = []) throws {
        workers[id] = try CLI.start(["worker", "--connect", endpoint, "--id", id, "--out", "\(dir)/trials"] + extra)
    }

    func store() throws -> Store? {
        FileManager.default.fileExists(atPath: storePath) ? try Store(storePath) : nil
    }

    /// A count from the store, or 0 while the store does not exist or hold its tables yet.
    func count(_ sql: String) -> Int {
        (try? store()?.int(sql)) ?? 0
    }

    func stopAll() {
        for w in workers.values where w.process.isRunning { kill(w.pid, SIGKILL) }
        if let c = coordinator, c.process.isRunning { kill(c.pid, SIGKILL) }
    }

    deinit { stopAll() }
}

@Suite("Faults with real processes", .serialized)
struct FaultToleranceTests {
    @Test("kill -9 of workers mid-trial, three times: each kill costs exactly one retry, every trial ends done once")
    func killWorkers() throws {
        let cluster = try Cluster { $0.spec(name: "killw", trials: 8) }
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        try cluster.startWorker("b")
        var killed: Set<String> = []
        var caught: [HeldTrial] = []
        for round in 1...3 {
            // The trial is waiting at the gate: the kill certainly lands mid-trial, whatever the machine's speed.
            let held = try #require(cluster.heldTrial(cluster.gate, excluding: killed))
            let victim = try #require(cluster.workers[held.worker])
            kill(victim.pid, SIGKILL)
            // Then its trainer (the whole node is gone), once the worker is surely dead: had the trainer
            // died first, the worker could have reported that as a failed attempt.
            victim.wait(timeout: 30)
            kill(held.trainerPID, SIGKILL)
            killed.insert(held.worker)
            caught.append(held)
            try cluster.startWorker("r\(round)")
        }
        cluster.gate.openAll()
        let status = try #require(cluster.coordinator).wait(timeout: 240)
        #expect(status == 0, "coordinator: \(cluster.coordinator?.stderr() ?? "")")
        let store = try #require(try cluster.store())
        #expect(try store.int("SELECT COUNT(*) FROM trials") == 8)
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 8)
        // Each kill caught one attempt, which then ran again elsewhere: exactly one retry per kill.
        #expect(try store.int("SELECT COUNT(*) FROM events WHERE kind = 'retry'") == 3)
        #expect(try store.int("SELECT SUM(attempts) FROM trials") == 8 + 3)
        for held in caught {
            #expect(try store.int("SELECT attempts FROM trials WHERE id = '\(held.id)'") > held.attempt)
        }
        // No trial finished before the last kill (they all waited at the gate): no killed worker holds a result.
        let killedList = killed.sorted().map { "'\($0)'" }.joined(separator: ", ")
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE worker IN (\(killedList))") == 0)
        // The stored curve is that of the final attempt only: its first point carries the attempt
        // number, and every trial has the same three points.
        #expect(try store.int("""
            SELECT COUNT(*) FROM trials t WHERE (SELECT COUNT(*) FROM metric_points p
                WHERE p.trial_id = t.id AND p.name = 'val_loss') = 3 AND EXISTS (SELECT 1 FROM metric_points p
                WHERE p.trial_id = t.id AND p.step = 1 AND p.value = t.attempts AND p.attempt = t.attempts)
            """) == 8)
    }

    @Test("kill -9 of the coordinator mid-sweep, then a restart: workers rejoin, nothing finished runs again")
    func killCoordinator() throws {
        let cluster = try Cluster { $0.spec(name: "killc", trials: 8) }
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        try cluster.startWorker("b")
        cluster.gate.open(seed: 1)
        cluster.gate.open(seed: 2)
        #expect(CLI.waitUntil(timeout: 120) {
            cluster.count("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 2
        })
        // Both workers are mid-trial (the other seeds wait at the gate) when the coordinator dies.
        let heldByA = cluster.heldTrial(cluster.gate, excluding: ["b"])
        let heldByB = cluster.heldTrial(cluster.gate, excluding: ["a"])
        #expect(heldByA?.worker == "a" && heldByB?.worker == "b")
        kill(try #require(cluster.coordinator).pid, SIGKILL)
        _ = cluster.coordinator?.wait(timeout: 10)
        let store = try #require(try cluster.store())
        let finishedBefore = try store.strings(
            "SELECT id || ':' || finished FROM trials WHERE status = 'done' ORDER BY id")
        #expect(finishedBefore.count == 2)
        try cluster.startCoordinator()
        // Both workers rejoin the new coordinator before the rest may finish.
        #expect(CLI.waitUntil(timeout: 120) {
            cluster.count("SELECT COUNT(DISTINCT worker) FROM events WHERE kind = 'join'") == 2
                && cluster.count("SELECT COUNT(*) FROM events WHERE kind = 'join'") >= 4
        })
        cluster.gate.openAll()
        let status = try #require(cluster.coordinator).wait(timeout: 240)
        #expect(status == 0, "coordinator: \(cluster.coordinator?.stderr() ?? "")")
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 8)
        // Trials finished before the kill kept their finish time: they did not run again.
        let after = Set(try store.strings("SELECT id || ':' || finished FROM trials ORDER BY id"))
        #expect(Set(finishedBefore).isSubset(of: after))
        // The same two workers finished the sweep (they rejoined rather than being replaced).
        #expect(try store.strings("SELECT DISTINCT worker FROM trials ORDER BY worker") == ["a", "b"])
        for w in cluster.workers.values { #expect(w.wait(timeout: 30) == 0) }
    }

    @Test("SIGSTOP past the liveness window: the lease moves on, the late result is ignored")
    func stoppedWorker() throws {
        let cluster = try Cluster { $0.spec(name: "stopw", trials: 4) }
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        let held = try #require(cluster.heldTrial(cluster.gate))
        let seed = try #require(cluster.seed(of: held.id))
        let pid = try #require(cluster.workers["a"]).pid
        kill(pid, SIGSTOP)
        // Every other trial may finish: b runs them, then the held trial once a's lease expires.
        for other in 1...4 where other != seed { cluster.gate.open(seed: other) }
        try cluster.startWorker("b")
        // The lease expires (3 missed heartbeats) and the trial goes to b, where it waits at the gate.
        let moved = try #require(cluster.heldTrial(cluster.gate) { $0.id == held.id && $0.worker == "b" })
        #expect(moved.attempt == held.attempt + 1)
        kill(pid, SIGCONT)
        // a comes back, is told it is unknown and registers again; then its old attempt ends.
        #expect(CLI.waitUntil(timeout: 60) {
            cluster.count("SELECT COUNT(*) FROM events WHERE kind = 'join' AND worker = 'a'") == 2
        })
        cluster.gate.open(seed: seed, attempt: held.attempt)
        #expect(CLI.waitUntil(timeout: 60) {
            cluster.count("""
                SELECT COUNT(*) FROM events WHERE kind = 'stale' AND worker = 'a'
                  AND detail = 'late result of \(held.id) attempt \(held.attempt)'
                """) == 1
        }, "the late result never arrived")
        #expect(cluster.count("SELECT COUNT(*) FROM trials WHERE id = '\(held.id)' AND status = 'running'") == 1)
        cluster.gate.openAll()
        let status = try #require(cluster.coordinator).wait(timeout: 240)
        #expect(status == 0)
        let store = try #require(try cluster.store())
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 4)
        #expect(try store.int("SELECT attempts FROM trials WHERE id = '\(held.id)'") == held.attempt + 1)
        #expect(try store.strings("SELECT worker FROM trials WHERE id = '\(held.id)'") == ["b"])
        #expect(try store.int("""
            SELECT COUNT(*) FROM metric_points WHERE trial_id = '\(held.id)' AND step = 1 AND value = \(held.attempt + 1)
            """) == 1, "the stored curve is the second attempt's")
    }

    @Test("thousands of malformed frames and random bytes during a sweep: it keeps serving and completes")
    func garbage() throws {
        let cluster = try Cluster { $0.spec(name: "garbage", trials: 4) }
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        _ = try #require(cluster.heldTrial(cluster.gate))
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
        // The sweep is held at the gate until the coordinator has seen the garbage.
        #expect(CLI.waitUntil(timeout: 60) {
            cluster.coordinator?.stderr().contains("dropped malformed message") == true
        })
        cluster.gate.openAll()
        let status = try #require(cluster.coordinator).wait(timeout: 240)
        #expect(status == 0, "coordinator: \(cluster.coordinator?.stderr() ?? "")")
        #expect(try cluster.store()?.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 4)
        #expect(try cluster.store()?.int("SELECT SUM(attempts) FROM trials") == 4)
        attacker.close()
    }

    @Test("a worker speaking another protocol version is refused with a clear reason")
    func otherVersion() throws {
        let cluster = try Cluster { $0.spec(name: "version", trials: 1) }
        try cluster.startCoordinator()
        let context = try ZMQContext()
        let peer = try ZMQSocket(context: context, type: .dealer)
        try peer.connect(cluster.endpoint)
        var hello = Hello(workerID: "old", hostname: "h", pid: 1, cores: 1, slots: 1, threads: 1,
                          datasets: ["fashion-mnist"])
        hello.protocolVersion = 99
        try peer.send(MessageCodec.encode(.hello(hello)))
        #expect(try peer.pollIn(milliseconds: 30_000))
        let reply = try MessageCodec.decode(try #require(try peer.receive()))
        guard case .reject(let reason) = reply else {
            Issue.record("expected a reject, got \(reply)")
            return
        }
        #expect(reason == .protocolVersion(99))
        #expect(reason.description.contains("protocol version 99"))
        // A frame-level version mismatch is refused too.
        try peer.send([Array("\(protocolVersion + 1)".utf8), Array("hello".utf8), Array("{}".utf8)])
        #expect(try peer.pollIn(milliseconds: 30_000))
        guard case .reject(let reason2) = try MessageCodec.decode(try #require(try peer.receive())) else {
            Issue.record("expected a reject")
            return
        }
        #expect(reason2 == .protocolVersion(protocolVersion + 1))
        peer.close()
        cluster.stopAll()
    }

    @Test("CURVE: a worker whose key is not allow-listed gets nothing; an allow-listed one completes the sweep")
    func curveAllowList() throws {
        let cluster = try Cluster { $0.spec(name: "curve", trials: 2) }
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
        // The intruder's key reaches the allow-list check and is refused.
        #expect(CLI.waitUntil(timeout: 60) { cluster.coordinator?.stderr().contains("refused worker") == true })
        let store = try #require(try cluster.store())
        #expect(try store.int("SELECT COUNT(*) FROM events WHERE kind = 'join'") == 0)
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status <> 'pending'") == 0)
        // The friend joins; the sweep is held at the gate until it is mid-trial, so the intruder and
        // the keyless worker keep trying for the whole sweep: neither may get a trial.
        try cluster.startWorker("friend", extra: ["--keys", good])
        let held = try #require(cluster.heldTrial(cluster.gate))
        #expect(held.worker == "friend")
        cluster.gate.openAll()
        let status = try #require(cluster.coordinator).wait(timeout: 240)
        #expect(status == 0)
        #expect(try store.strings("SELECT DISTINCT worker FROM trials") == ["friend"])
        #expect(try store.strings("SELECT DISTINCT worker FROM events WHERE kind = 'join'") == ["friend"])
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
        let cluster = try Cluster { $0.spec(name: "term", trials: 3) }
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        let held = try #require(cluster.heldTrial(cluster.gate))
        let worker = try #require(cluster.workers["a"])
        kill(worker.pid, SIGTERM)
        #expect(worker.wait(timeout: 60) == 0, "worker: \(worker.stderr())")
        // Handed back on the bye, not after the liveness window: the retry is recorded as a leave.
        #expect(cluster.count("SELECT COUNT(*) FROM events WHERE kind = 'leave' AND worker = 'a'") == 1)
        #expect(cluster.count("SELECT COUNT(*) FROM events WHERE kind = 'expire'") == 0)
        // The trainer's process group was ended with the worker.
        #expect(kill(held.trainerPID, 0) != 0)
        try cluster.startWorker("b")
        cluster.gate.openAll()
        #expect(try #require(cluster.coordinator).wait(timeout: 240) == 0, "\(cluster.coordinator?.stderr() ?? "")")
        let store = try #require(try cluster.store())
        let events = try store.strings("SELECT kind || ' ' || IFNULL(worker, '') || ' ' || detail FROM events")
            + store.strings("SELECT id || ' ' || status || ' ' || attempts || ' ' || IFNULL(reason, '') FROM trials")
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done'") == 3, "events: \(events)")
        #expect(try store.strings("SELECT worker FROM trials WHERE id = '\(held.id)'") == ["b"])
        #expect(try store.int("SELECT attempts FROM trials WHERE id = '\(held.id)'") == held.attempt + 1)
    }
}
