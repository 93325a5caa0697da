import Foundation
import Logging
import Synchronization
import SweepKit
import Testing
import Wire
@testable import SweepWorker

@Suite("Devices: one slot per GPU, one GPU per trial")
struct DeviceSlotsTests {
    @Test("devices are handed out once each and come back on release")
    func allocation() {
        let slots = DeviceSlots(["0", "1"])
        let a = slots.acquire()
        let b = slots.tryAcquire()
        #expect([a, b] == ["0", "1"])
        #expect(slots.tryAcquire() == nil)
        #expect(slots.inUse == ["0", "1"])
        slots.release("0")
        #expect(slots.inUse == ["1"])
        #expect(slots.tryAcquire() == "0")
    }

    @Test("under contention no device is ever held twice and every waiter gets one")
    func contention() {
        let slots = DeviceSlots(["0", "1"])
        let holders = Mutex<[String: Int]>([:])
        let clashes = Mutex(0)
        let served = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let device = slots.acquire()
            holders.withLock { h in
                if h[device, default: 0] > 0 { clashes.withLock { $0 += 1 } }
                h[device, default: 0] += 1
            }
            usleep(2_000)
            holders.withLock { $0[device, default: 0] -= 1 }
            slots.release(device)
            served.withLock { $0 += 1 }
        }
        #expect(clashes.withLock { $0 } == 0)
        #expect(served.withLock { $0 } == 16)
        #expect(slots.inUse.isEmpty)
    }

    @Test("a worker with --gpus 0,1 advertises 2 slots; 4 trials each see one device, never shared at once")
    func workerWithGPUs() throws {
        let f = try TrainerFixture()
        let locks = f.dir + "/locks"
        try FileManager.default.createDirectory(atPath: locks, withIntermediateDirectories: true)
        let started = f.dir + "/started"
        try FileManager.default.createDirectory(atPath: started, withIntermediateDirectories: true)
        // mkdir is atomic: it fails if another trial holds the same device right now. The first two
        // trials wait for each other, so both devices are certainly in use at once.
        let script = try f.shell("""
            dev="$CUDA_VISIBLE_DEVICES"
            printf '%s' "$dev" > "$LRSWEEP_OUT_DIR/device"
            if mkdir "\(locks)/$dev" 2>/dev/null; then clash=0; else clash=1; fi
            touch "\(started)/$LRSWEEP_TRIAL_ID"
            while [ "$(ls "\(started)" | wc -l)" -lt 2 ]; do sleep 0.02; done
            sleep 0.2
            [ "$clash" = 0 ] && rmdir "\(locks)/$dev"
            echo "{\\"final\\": true, \\"val_loss\\": 1, \\"clash\\": $clash}"
            """)
        let tasks = (1...4).map { seed in TrainerFixture.task([script], seed: seed) }

        let context = try ZMQContext()
        let router = try ZMQSocket(context: context, type: .router)
        defer { router.close() }
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()

        let options = WorkerOptions(endpoint: endpoint, slots: 7, workerID: "gpu-worker", gpus: ["0", "1"])
        #expect(options.slots == 2)
        let runner = TrialRouter(engine: NoopRunner(), command: CommandRunner(outputRoot: f.outputRoot))
        let finished = Mutex<Bool?>(nil)
        let thread = Thread {
            let worker = Worker(options: options, runner: runner, logger: Logger(label: "test.worker"))
            let outcome = (try? worker.run()) ?? false
            finished.withLock { $0 = outcome }
        }
        thread.start()

        var hello: Hello?
        var credits = 0
        var firstReady: Int?
        var results: [TrialResult] = []
        var peer: [UInt8] = []
        var sent = false
        var lastHeartbeat = Date.distantPast
        let deadline = Date().addingTimeInterval(120)  // a guard against a hang only
        while results.count < tasks.count && Date() < deadline {
            if Date().timeIntervalSince(lastHeartbeat) > 0.3, !peer.isEmpty {
                _ = try router.send([peer] + MessageCodec.encode(.heartbeat))
                lastHeartbeat = Date()
            }
            guard try router.pollIn(milliseconds: 50), let frames = try router.receive() else { continue }
            peer = frames[0]
            switch try MessageCodec.decode(Array(frames.dropFirst())) {
            case .hello(let h): hello = h
            case .ready(let n):
                credits += n
                if firstReady == nil { firstReady = n }
            case .result(let r): results.append(r)
            default: break
            }
            // Oversend on purpose, all four at once: the device table must still hold trials to one each.
            if hello != nil && credits >= 2 && !sent {
                for t in tasks { _ = try router.send([peer] + MessageCodec.encode(.trial(t))) }
                sent = true
            }
        }
        _ = try router.send([peer] + MessageCodec.encode(.bye(reason: "done")))
        #expect(waitUntil(timeout: 60) { finished.withLock { $0 } == true })

        #expect(hello?.slots == 2)
        #expect(firstReady == 2, "one slot per device up front")
        #expect(results.count == 4)
        for r in results {
            #expect(r.status == .done, "\(r.reason ?? "")")
            #expect(r.metrics["clash"] == 0, "two trials held one device at once")
        }
        let devices = tasks.compactMap { f.output("device", of: $0) }
        #expect(devices.count == 4)
        #expect(devices.allSatisfy { $0 == "0" || $0 == "1" }, "each trial sees exactly one device: \(devices)")
        #expect(Set(devices) == ["0", "1"])
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` seconds pass.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
