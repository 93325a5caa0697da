import Foundation
import SweepKit
import Testing
import Wire

func sampleTask() -> TrialTask {
    var p = Parameters()
    p["optimizer"] = .string("adam")
    p["lr"] = .double(1e-3)
    p["seed"] = .int(2)
    return TrialTask(trial: Trial(sweepName: "x", index: 3, parameters: p), attempt: 2,
                     train: TrainConfig(batchSize: 64, steps: 10), optimizerOptions: ["beta1": .double(0.8)],
                     metric: "val_loss")
}

@Suite("Message codec")
struct MessageCodecTests {
    static let messages: [Message] = [
        .hello(Hello(workerID: "w-1", hostname: "node", pid: 42, cores: 8, slots: 2, threads: 1,
                     datasets: ["fashion-mnist"], running: [TrialRef(trialID: "abc", attempt: 1)])),
        .ready(slots: 3),
        .trial(sampleTask()),
        .progress(Progress(trialID: "abc", attempt: 1, points: [MetricPoint(step: 10, name: "val_loss", value: 0.5)])),
        .result(TrialResult(trialID: "abc", attempt: 1, status: .done, metrics: ["val_loss": 0.25], seconds: 1.5)),
        .heartbeat,
        .bye(reason: "done"),
        .reject(.notAllowed("nope")),
        .reject(.unknownWorker),
        .reject(.protocolVersion(99)),
        .stop(TrialRef(trialID: "abc", attempt: 2)),
        .control(ControlRequest(action: .cancel, trials: ["abc", "def"])),
        .control(ControlRequest(action: .pause)),
        .controlReply(ControlReply(ok: false, message: "no trial xyz in this sweep")),
    ]

    @Test("a reject with an unknown code or a protocol-version reject without its version is refused")
    func badRejects() {
        for body in [#"{"code":"exploded","reason":"x"}"#, #"{"code":"protocol-version","reason":"x"}"#] {
            #expect(throws: WireError.self) {
                try MessageCodec.decode([Array(String(protocolVersion).utf8), Array("reject".utf8), Array(body.utf8)])
            }
        }
    }

    @Test("every message survives encode → decode", arguments: messages)
    func roundTrip(_ message: Message) throws {
        let frames = MessageCodec.encode(message)
        #expect(frames.count == 3)
        #expect(String(decoding: frames[0], as: UTF8.self) == String(protocolVersion))
        #expect(String(decoding: frames[1], as: UTF8.self) == message.type)
        #expect(try MessageCodec.decode(frames) == message)
    }

    @Test("a diverged result keeps its NaN and infinite metrics")
    func nonFinite() throws {
        let r = TrialResult(trialID: "t", attempt: 1, status: .diverged,
                            metrics: ["val_loss": .nan, "train_loss": .infinity])
        guard case .result(let back) = try MessageCodec.decode(MessageCodec.encode(.result(r))) else {
            Issue.record("not a result")
            return
        }
        #expect(back.metrics["val_loss"]?.isNaN == true)
        #expect(back.metrics["train_loss"] == .infinity)
    }

    @Test("malformed frames are rejected with the reason")
    func malformed() {
        let good = MessageCodec.encode(.ready(slots: 1))
        #expect(throws: WireError.frameCount(2)) { try MessageCodec.decode(Array(good.prefix(2))) }
        #expect(throws: WireError.badVersion("7")) { try MessageCodec.decode([Array("7".utf8), good[1], good[2]]) }
        #expect(throws: WireError.unknownType("launch")) {
            try MessageCodec.decode([good[0], Array("launch".utf8), good[2]])
        }
        #expect(throws: WireError.self) { try MessageCodec.decode([good[0], good[1], Array("{\"slots\":".utf8)]) }
        #expect(throws: WireError.self) { try MessageCodec.decode([good[0], good[1], Array("{\"slots\":-4}".utf8)]) }
        let huge = [UInt8](repeating: 0x20, count: MessageCodec.maxBodyBytes + 1)
        #expect(throws: WireError.tooLarge(huge.count)) { try MessageCodec.decode([good[0], good[1], huge]) }
    }

    @Test("random bytes never crash the decoder")
    func fuzz() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let frames = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            _ = try? MessageCodec.decode(frames)
        }
        // A valid header with a random body must be refused, not accepted as some message.
        let header = MessageCodec.encode(.heartbeat).prefix(2)
        #expect(throws: WireError.self) { try MessageCodec.decode(Array(header) + [[0xff, 0xfe, 0x00]]) }
    }
}

@Suite("ZeroMQ sockets", .serialized)
struct SocketTests {
    @Test("ROUTER and DEALER exchange multipart messages over loopback TCP, with the dealer's id")
    func routerDealer() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context: context, type: .router)
        try router.setOption(ZMQ_ROUTER_MANDATORY_OPTION, Int32(1))
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        let dealer = try ZMQSocket(context: context, type: .dealer)
        try dealer.setOption(ZMQ_ROUTING_ID_OPTION, bytes: Array("worker-a".utf8))
        try dealer.connect(endpoint)
        try dealer.send(MessageCodec.encode(.ready(slots: 2)))
        #expect(try router.pollIn(milliseconds: 30_000))
        let frames = try #require(try router.receive())
        #expect(frames.first == Array("worker-a".utf8))
        #expect(try MessageCodec.decode(Array(frames.dropFirst())) == .ready(slots: 2))
        #expect(try router.send([Array("worker-a".utf8)] + MessageCodec.encode(.trial(sampleTask()))))
        #expect(try dealer.pollIn(milliseconds: 30_000))
        let reply = try #require(try dealer.receive())
        #expect(try MessageCodec.decode(reply) == .trial(sampleTask()))
        // With ROUTER_MANDATORY, a send to a peer that does not exist reports "not sent".
        #expect(try router.send([Array("nobody".utf8)] + MessageCodec.encode(.heartbeat), dontWait: true) == false)
        dealer.close()
        router.close()
    }

    @Test("poll times out when nothing arrives")
    func pollTimeout() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context: context, type: .router)
        try router.bind("tcp://127.0.0.1:*")
        let start = Date()
        #expect(try router.pollIn(milliseconds: 100) == false)
        #expect(Date().timeIntervalSince(start) >= 0.09)
        #expect(try router.receive(dontWait: true) == nil)
    }

    @Test("libzmq has CURVE security available")
    func curve() {
        #expect(ZMQContext.hasCurve)
    }
}
