import Foundation
import SweepKit
import Testing
import Wire

/// The hand-written bodies of the per-trial messages must be the JSON that the Codable types
/// describe: Foundation reads what we write, we read what Foundation writes, and anything else is
/// refused with a reason.
@Suite("Hand-written message bodies agree with Codable")
struct HotBodiesTests {
    static func task(trainer: TrainerSpec? = nil, train: TrainConfig = TrainConfig(batchSize: 64, steps: 10)) -> TrialTask {
        var p = Parameters()
        p["optimizer"] = .string("adam-hd")
        p["lr"] = .double(1e-3)
        p["seed"] = .int(2)
        p["note"] = .string("quote \" slash / back \\ tab \t newline \n é 😀 \u{1}")
        p["flag"] = .bool(true)
        p["milestones"] = .list([.double(0.3), .int(4), .list([.string("x")])])
        return TrialTask(trial: Trial(sweepName: "x", index: 3, parameters: p), attempt: 2, train: train,
                         optimizerOptions: ["beta": .double(1e-4), "multiplicative": .bool(false)],
                         metric: "val_loss", trainer: trainer)
    }

    static let richTrain = TrainConfig(batchSize: 32, epochs: 2.5, evalEvery: 7, trainSize: 1000, valSize: 100,
                                       weightDecay: 5e-4, schedule: "multistep",
                                       scheduleOptions: ["milestones": .list([.double(0.5), .double(0.75)])],
                                       threads: 2)
    static let trainer = TrainerSpec(command: ["python3", "train.py", "--lr", "{lr}"], timeout: 60, grace: 2,
                                     env: ["A": "b c"], cwd: "/tmp/x y")

    static let messages: [(String, Message)] = [
        ("trial", .trial(task())),
        ("trial", .trial(task(trainer: trainer, train: richTrain))),
        ("result", .result(TrialResult(trialID: "abc", attempt: 3, status: .failed, metrics: [:],
                                       reason: "exit 1: \"boom\"\nline 2 ✗", seconds: 12.25))),
        ("result", .result(TrialResult(trialID: "abc", attempt: 1, status: .done,
                                       metrics: ["val_loss": 0.25, "test_accuracy": 0.875, "final_lr": 1e-5],
                                       seconds: 0))),
        ("progress", .progress(Progress(trialID: "t", attempt: 1, points: [
            MetricPoint(step: 0, name: "val_loss", value: 2.3), MetricPoint(step: 100, name: "lr", value: 1e-3)]))),
        ("progress", .progress(Progress(trialID: "t", attempt: 1, points: []))),
        ("ready", .ready(slots: 16)),
    ]

    /// The body as Foundation's coder writes it for the same value.
    static func foundationBody(_ m: Message) throws -> [UInt8] {
        let e = JSONCoding.encoder()
        switch m {
        case .trial(let t): return Array(try e.encode(t))
        case .result(let r): return Array(try e.encode(r))
        case .progress(let p): return Array(try e.encode(p))
        case .ready(let s): return Array(try e.encode(["slots": s]))
        default: fatalError("not a hot message")
        }
    }

    /// What Foundation's coder reads from `body`, as a message of the same kind as `m`.
    static func foundationRead(_ body: [UInt8], like m: Message) throws -> Message {
        let d = JSONCoding.decoder()
        let data = Data(body)
        switch m {
        case .trial: return .trial(try d.decode(TrialTask.self, from: data))
        case .result: return .result(try d.decode(TrialResult.self, from: data))
        case .progress: return .progress(try d.decode(Progress.self, from: data))
        case .ready: return .ready(slots: try d.decode([String: Int].self, from: data)["slots"] ?? -1)
        default: fatalError("not a hot message")
        }
    }

    @Test("Foundation reads our bodies as the values we wrote", arguments: 0..<messages.count)
    func foundationReadsOurs(_ i: Int) throws {
        let (type, message) = Self.messages[i]
        let frames = MessageCodec.encode(message)
        #expect(String(decoding: frames[1], as: UTF8.self) == type)
        let ours = try Self.foundationRead(frames[2], like: message)
        // Foundation reads an integral double as an int; compare with what it makes of its own body.
        let theirs = try Self.foundationRead(Self.foundationBody(message), like: message)
        #expect(ours == theirs)
        // And our own reading of our body gives the same.
        #expect(try MessageCodec.decode(frames) == theirs)
    }

    @Test("we read Foundation's bodies as Foundation does", arguments: 0..<messages.count)
    func weReadFoundations(_ i: Int) throws {
        let (type, message) = Self.messages[i]
        let body = try Self.foundationBody(message)
        let decoded = try MessageCodec.decode([Array(String(protocolVersion).utf8), Array(type.utf8), body])
        #expect(decoded == (try Self.foundationRead(body, like: message)))
    }

    @Test("non-finite metric values travel as the strings nan, inf and -inf")
    func nonFinite() throws {
        let r = TrialResult(trialID: "t", attempt: 1, status: .diverged,
                            metrics: ["val_loss": .nan, "train_loss": .infinity, "x": -.infinity], seconds: 1)
        let body = MessageCodec.encode(.result(r))[2]
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.contains(#""val_loss":"nan""#) && text.contains(#""train_loss":"inf""#)
                && text.contains(#""x":"-inf""#))
        let theirs = try JSONCoding.decoder().decode(TrialResult.self, from: Data(body))
        #expect(theirs.metrics["val_loss"]?.isNaN == true && theirs.metrics["x"] == -.infinity)
        let p = Progress(trialID: "t", attempt: 1, points: [MetricPoint(step: 5, name: "loss", value: .nan)])
        guard case .progress(let back) = try MessageCodec.decode(MessageCodec.encode(.progress(p))) else {
            Issue.record("not a progress message")
            return
        }
        #expect(back.points.count == 1 && back.points[0].value.isNaN && back.points[0].step == 5)
    }

    @Test("two trials with different train sections are not confused by the cache")
    func cacheKeepsValuesApart() throws {
        let a = Self.task(), b = Self.task(trainer: Self.trainer, train: Self.richTrain)
        for _ in 0..<3 {
            for t in [a, b, a] {
                #expect(try MessageCodec.decode(MessageCodec.encode(.trial(t))) == .trial(t))
            }
        }
    }

    static func frames(_ type: String, _ body: String) -> [[UInt8]] {
        [Array(String(protocolVersion).utf8), Array(type.utf8), Array(body.utf8)]
    }

    @Test("a body with a missing or mistyped field is refused, naming it")
    func refusesBadFields() throws {
        let cases: [(String, String, String)] = [
            ("result", #"{"attempt":1,"metrics":{},"seconds":0,"status":"done"}"#, "trialID"),
            ("result", #"{"attempt":"1","metrics":{},"seconds":0,"status":"done","trialID":"t"}"#, "expected a number"),
            ("result", #"{"attempt":1.5,"metrics":{},"seconds":0,"status":"done","trialID":"t"}"#, "expected an integer"),
            ("result", #"{"attempt":1,"metrics":{},"seconds":0,"status":"exploded","trialID":"t"}"#, "unknown status"),
            ("result", #"{"attempt":1,"metrics":{"a":"x"},"seconds":0,"status":"done","trialID":"t"}"#, "expected a number"),
            ("result", #"{"attempt":1,"metrics":{},"seconds":1e999,"status":"done","trialID":"t"}"#, "out of range"),
            ("ready", #"{"slots":2} x"#, "trailing"),
            ("ready", #"{"slots":02}"#, "expected ','"),
            ("ready", #"{}"#, "slots"),
            ("progress", #"{"attempt":1,"points":[{"name":"a","step":1}],"trialID":"t"}"#, "value"),
            ("trial", #"{"attempt":1,"metric":"m","optimizerOptions":{},"train":{"batchSize":1},"trial":{"id":"a","index":0,"parameters":{}}}"#, "train"),
            ("heartbeat", #"[]"#, "expected '{'"),
        ]
        for (type, body, needle) in cases {
            do {
                let m = try MessageCodec.decode(Self.frames(type, body))
                Issue.record("accepted \(body) as \(m)")
            } catch let WireError.badBody(t, detail) {
                #expect(t == type)
                #expect(detail.contains(needle), "\(body): \(detail)")
            }
        }
    }

    @Test("escapes and surrogate pairs are read; bad ones are refused")
    func strings() throws {
        let ok = #"{"attempt":1,"metrics":{},"reason":"a\"b\\c\/d\u00e9\ud83d\ude00\n","seconds":0,"status":"failed","trialID":"t"}"#
        guard case .result(let r) = try MessageCodec.decode(Self.frames("result", ok)) else {
            Issue.record("not a result")
            return
        }
        #expect(r.reason == "a\"b\\c/dé😀\n")
        for bad in [#""\ud83d""#, #""\x""#, #""\u12""#, "\"tab\there\"", #""open"#] {
            let body = #"{"attempt":1,"metrics":{},"reason":"# + bad + #","seconds":0,"status":"failed","trialID":"t"}"#
            #expect(throws: WireError.self) { try MessageCodec.decode(Self.frames("result", body)) }
        }
        // Invalid UTF-8 inside a string.
        var bytes = Array(#"{"slots":1,"x":"ab"}"#.utf8)
        bytes.insert(0xFF, at: bytes.count - 3)
        #expect(throws: WireError.self) { try MessageCodec.decode([Array(String(protocolVersion).utf8), Array("ready".utf8), bytes]) }
    }

    @Test("hostile nesting is refused, not recursed into")
    func deepNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let body = #"{"slots":1,"extra":"# + deep + "}"
        #expect(throws: WireError.self) { try MessageCodec.decode(Self.frames("ready", body)) }
    }

    @Test("every truncation and byte flip of a valid body is refused or read as valid, never a crash")
    func mutations() throws {
        var rng = SystemRandomNumberGenerator()
        for (type, message) in Self.messages {
            let body = MessageCodec.encode(message)[2]
            for n in 0..<body.count {
                #expect(throws: WireError.self) {
                    try MessageCodec.decode([Array(String(protocolVersion).utf8), Array(type.utf8), Array(body.prefix(n))])
                }
            }
            for _ in 0..<300 {
                var b = body
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                if let m = try? MessageCodec.decode([Array(String(protocolVersion).utf8), Array(type.utf8), b]) {
                    // Whatever was accepted is a well-formed message of the same type.
                    #expect(m.type == type)
                    #expect(try MessageCodec.decode(MessageCodec.encode(m)).type == type)
                }
            }
        }
    }
}
