import Foundation
import Synchronization
import SweepKit

/// Bodies that stay the same across many trials of a sweep (the `train:` section, an optimizer's
/// options, the external trainer), encoded and decoded once each and then reused.
///
/// The cache is bounded: a sweep has a handful of distinct values, and when something sends more,
/// the cache starts over rather than growing.
final class JSONCache<Value: Codable & Hashable & Sendable>: Sendable {
    /// Bytes as a dictionary key, hashed in one call rather than a byte at a time.
    private struct Bytes: Hashable {
        let bytes: ArraySlice<UInt8>
        func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
        static func == (a: Bytes, b: Bytes) -> Bool { a.bytes.elementsEqual(b.bytes) }
    }

    private struct State {
        var encoded: [Value: [UInt8]] = [:]
        var decoded: [Bytes: Value] = [:]
    }
    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 64) {
        self.capacity = capacity
    }

    func encode(_ value: Value) -> [UInt8] {
        if let hit = state.withLock({ $0.encoded[value] }) { return hit }
        // Our own Codable types with non-finite floats mapped to strings always encode.
        let bytes = Array((try? JSONCoding.encoder().encode(value)) ?? Data("null".utf8))
        state.withLock { s in
            if s.encoded.count >= capacity { s.encoded.removeAll() }
            s.encoded[value] = bytes
        }
        return bytes
    }

    /// - Parameter field: the key these bytes were the value of, named in the error.
    func decode(_ bytes: ArraySlice<UInt8>, field: String) throws -> Value {
        if let hit = state.withLock({ $0.decoded[Bytes(bytes: bytes)] }) { return hit }
        let value: Value
        do {
            value = try JSONCoding.decoder().decode(Value.self, from: Data(bytes))
        } catch {
            throw FieldError(field: field, underlying: error)
        }
        state.withLock { s in
            if s.decoded.count >= capacity { s.decoded.removeAll() }
            // A copy, so the cache does not keep the whole message alive.
            s.decoded[Bytes(bytes: ArraySlice(Array(bytes)))] = value
        }
        return value
    }
}

/// A field of a message whose value did not decode.
struct FieldError: Error, CustomStringConvertible {
    let field: String
    let underlying: Error

    var description: String {
        switch underlying {
        case DecodingError.keyNotFound(let key, _): return "\(field): missing key '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c),
             DecodingError.dataCorrupted(let c):
            let path = ([field] + c.codingPath.map(\.stringValue)).joined(separator: ".")
            return "\(path): \(c.debugDescription)"
        default: return "\(field): \(underlying)"
        }
    }
}

/// Hand-written bodies of the messages that cross the wire for every trial.
///
/// The JSON is the same as the Codable types produce (keys sorted, non-finite numbers as
/// strings), so either side can read the other's; the tests hold the two to each other. Foundation's
/// coder costs tens of microseconds per message, which capped dispatch at a few thousand trials a
/// second; these take a few.
enum HotBodies {
    static let trainCache = JSONCache<TrainConfig>()
    static let optionsCache = JSONCache<[String: ParamValue]>()
    static let trainerCache = JSONCache<TrainerSpec>()

    struct MissingKey: Error, CustomStringConvertible {
        let key: String
        var description: String { "missing key '\(key)'" }
    }

    static func required<T>(_ value: T?, _ key: String) throws -> T {
        guard let value else { throw MissingKey(key: key) }
        return value
    }

    // MARK: ready / heartbeat

    static func encodeReady(_ slots: Int) -> [UInt8] {
        var w = JSONWriter(capacity: 16)
        w.beginObject()
        w.key("slots")
        w.int(slots)
        w.endObject()
        return w.bytes
    }

    static func decodeReady(_ bytes: [UInt8]) throws -> Int {
        var r = JSONReader(bytes)
        var slots: Int?
        try r.object { key, r in
            if key == "slots" { slots = try r.int() } else { _ = try r.skipValue() }
        }
        try r.end()
        return try required(slots, "slots")
    }

    /// An object whose members are ignored (`heartbeat`, `status`).
    static func decodeEmpty(_ bytes: [UInt8]) throws {
        var r = JSONReader(bytes)
        try r.object { _, r in _ = try r.skipValue() }
        try r.end()
    }

    // MARK: trial

    static func encodeTrial(_ t: TrialTask) -> [UInt8] {
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.key("attempt")
        w.int(t.attempt)
        w.key("kind")
        w.string(t.kind.rawValue)
        w.key("metric")
        w.string(t.metric)
        w.key("optimizerOptions")
        w.raw(optionsCache.encode(t.optimizerOptions))
        if let payload = t.payload {
            w.key("payload")
            w.string(payload)
        }
        w.key("train")
        w.raw(trainCache.encode(t.train))
        if let trainer = t.trainer {
            w.key("trainer")
            w.raw(trainerCache.encode(trainer))
        }
        w.key("trial")
        w.beginObject()
        w.key("id")
        w.string(t.trial.id)
        w.key("index")
        w.int(t.trial.index)
        w.key("parameters")
        w.beginObject()
        for key in t.trial.parameters.sortedKeys {
            w.key(key)
            if let v = t.trial.parameters[key] { write(v, to: &w) }
        }
        w.endObject()
        w.endObject()
        w.endObject()
        return w.bytes
    }

    static func decodeTrial(_ bytes: [UInt8]) throws -> TrialTask {
        var r = JSONReader(bytes)
        var trial: Trial?, attempt: Int?, metric: String?, train: TrainConfig?
        var options: [String: ParamValue]?, trainer: TrainerSpec?, kind: TrialKind?, payload: String?
        try r.object { key, r in
            switch key {
            case "trial": trial = try readTrial(&r)
            case "attempt": attempt = try r.int()
            case "kind":
                let raw = try r.string()
                guard let k = TrialKind(rawValue: raw) else { throw r.fail("unknown trial kind '\(raw.prefix(20))'") }
                kind = k
            case "payload": if !r.null() { payload = try r.string() }
            case "metric": metric = try r.string()
            case "train": train = try trainCache.decode(r.skipValue(), field: "train")
            case "optimizerOptions": options = try optionsCache.decode(r.skipValue(), field: "optimizerOptions")
            case "trainer": if !r.null() { trainer = try trainerCache.decode(r.skipValue(), field: "trainer") }
            default: _ = try r.skipValue()
            }
        }
        try r.end()
        return TrialTask(trial: try required(trial, "trial"), attempt: try required(attempt, "attempt"),
                         train: try required(train, "train"), optimizerOptions: try required(options, "optimizerOptions"),
                         metric: try required(metric, "metric"), trainer: trainer, kind: try required(kind, "kind"),
                         payload: payload)
    }

    private static func readTrial(_ r: inout JSONReader) throws -> Trial {
        var id: String?, index: Int?, parameters: [String: ParamValue]?
        try r.object { key, r in
            switch key {
            case "id": id = try r.string()
            case "index": index = try r.int()
            case "parameters":
                var values: [String: ParamValue] = [:]
                try r.object { name, r in
                    let value = try readParamValue(&r)
                    let name = name.string
                    if values[name] == nil { values[name] = value }
                }
                parameters = values
            default: _ = try r.skipValue()
            }
        }
        return Trial(id: try required(id, "id"), index: try required(index, "index"),
                     parameters: Parameters(try required(parameters, "parameters")))
    }

    private static func write(_ v: ParamValue, to w: inout JSONWriter) {
        switch v {
        case .string(let s): w.string(s)
        case .int(let i): w.int(i)
        case .double(let d): w.double(d)
        case .bool(let b): w.bool(b)
        case .list(let l):
            w.beginArray()
            for e in l { write(e, to: &w) }
            w.endArray()
        }
    }

    /// Reads a value the way `ParamValue`'s Codable init does: bool, then int, double, string
    /// (where "nan" and "inf" are doubles, by JSONCoding's convention), then a list.
    private static func readParamValue(_ r: inout JSONReader) throws -> ParamValue {
        switch r.peek() {
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool(try r.bool())
        case UInt8(ascii: "\""):
            let s = try r.string()
            switch s {
            case "nan": return .double(.nan)
            case "inf": return .double(.infinity)
            case "-inf": return .double(-.infinity)
            default: return .string(s)
            }
        case UInt8(ascii: "["):
            var list: [ParamValue] = []
            try r.array { r in list.append(try readParamValue(&r)) }
            return .list(list)
        default:
            let n = try r.number()
            return n.int.map(ParamValue.int) ?? .double(n.double)
        }
    }

    // MARK: result

    static func encodeResult(_ res: TrialResult) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.key("attempt")
        w.int(res.attempt)
        w.key("metrics")
        w.metrics(res.metrics)
        if let reason = res.reason {
            w.key("reason")
            w.string(reason)
        }
        w.key("seconds")
        w.double(res.seconds)
        w.key("status")
        w.string(res.status.rawValue)
        w.key("trialID")
        w.string(res.trialID)
        w.endObject()
        return w.bytes
    }

    static func decodeResult(_ bytes: [UInt8]) throws -> TrialResult {
        var r = JSONReader(bytes)
        var trialID: String?, attempt: Int?, status: TrialStatus?, metrics: [String: Double]?
        var reason: String?, seconds: Double?
        try r.object { key, r in
            switch key {
            case "trialID": trialID = try r.string()
            case "attempt": attempt = try r.int()
            case "status":
                let raw = try r.string()
                guard let s = TrialStatus(rawValue: raw) else { throw r.fail("unknown status '\(raw.prefix(20))'") }
                status = s
            case "metrics":
                var m: [String: Double] = [:]
                try r.object { name, r in
                    let v = try r.double()
                    let name = name.string
                    if m[name] == nil { m[name] = v }
                }
                metrics = m
            case "reason": if !r.null() { reason = try r.string() }
            case "seconds": seconds = try r.double()
            default: _ = try r.skipValue()
            }
        }
        try r.end()
        return TrialResult(trialID: try required(trialID, "trialID"), attempt: try required(attempt, "attempt"),
                           status: try required(status, "status"), metrics: try required(metrics, "metrics"),
                           reason: reason, seconds: try required(seconds, "seconds"))
    }

    // MARK: progress

    static func encodeProgress(_ p: Progress) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + 48 * p.points.count)
        w.beginObject()
        w.key("attempt")
        w.int(p.attempt)
        w.key("points")
        w.beginArray()
        for point in p.points {
            w.beginObject()
            w.key("name")
            w.string(point.name)
            w.key("step")
            w.int(point.step)
            w.key("value")
            w.double(point.value)
            w.endObject()
        }
        w.endArray()
        w.key("trialID")
        w.string(p.trialID)
        w.endObject()
        return w.bytes
    }

    static func decodeProgress(_ bytes: [UInt8]) throws -> Progress {
        var r = JSONReader(bytes)
        var trialID: String?, attempt: Int?, points: [MetricPoint]?
        try r.object { key, r in
            switch key {
            case "trialID": trialID = try r.string()
            case "attempt": attempt = try r.int()
            case "points":
                var list: [MetricPoint] = []
                try r.array { r in
                    var name: String?, step: Int?, value: Double?
                    try r.object { key, r in
                        switch key {
                        case "name": name = try r.string()
                        case "step": step = try r.int()
                        case "value": value = try r.double()
                        default: _ = try r.skipValue()
                        }
                    }
                    list.append(MetricPoint(step: try required(step, "step"), name: try required(name, "name"),
                                            value: try required(value, "value")))
                }
                points = list
            default: _ = try r.skipValue()
            }
        }
        try r.end()
        return Progress(trialID: try required(trialID, "trialID"), attempt: try required(attempt, "attempt"),
                        points: try required(points, "points"))
    }
}
