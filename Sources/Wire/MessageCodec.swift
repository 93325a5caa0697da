import Foundation
import SweepKit

/// Why an incoming message was dropped.
public enum WireError: Error, CustomStringConvertible, Equatable {
    case frameCount(Int)
    case tooLarge(Int)
    case badVersion(String)
    case unknownType(String)
    case badBody(type: String, detail: String)

    public var description: String {
        switch self {
        case .frameCount(let n): return "expected 3 frames [version, type, body], got \(n)"
        case .tooLarge(let n): return "message of \(n) bytes exceeds the limit of \(MessageCodec.maxBodyBytes)"
        case .badVersion(let v): return "protocol version '\(v)' is not \(protocolVersion)"
        case .unknownType(let t): return "unknown message type '\(t)'"
        case .badBody(let t, let d): return "malformed \(t) body: \(d)"
        }
    }
}

/// Turns messages into frames and back, validating everything that arrives.
///
/// Bodies are JSON. Non-finite numbers (a diverged trial's loss) travel as the strings
/// `"nan"`, `"inf"`, `"-inf"`, which plain JSON cannot carry.
public enum MessageCodec {
    /// Largest body accepted; a progress batch or a trial is a few kilobytes.
    public static let maxBodyBytes = 4 << 20

    private struct Empty: Codable {}
    private struct ReadyBody: Codable { var slots: Int }
    private struct ReasonBody: Codable { var reason: String }


    /// The three frames `[version, type, body]` of `message`.
    public static func encode(_ message: Message) -> [[UInt8]] {
        let encoder = JSONCoding.encoder()
        let body: Data
        do {
            switch message {
            case .hello(let h): body = try encoder.encode(h)
            case .ready(let s): body = try encoder.encode(ReadyBody(slots: s))
            case .trial(let t): body = try encoder.encode(t)
            case .progress(let p): body = try encoder.encode(p)
            case .result(let r): body = try encoder.encode(r)
            case .heartbeat: body = try encoder.encode(Empty())
            case .bye(let r), .reject(let r): body = try encoder.encode(ReasonBody(reason: r))
            case .statusRequest: body = try encoder.encode(Empty())
            case .statusReply(let json): body = Data(json.utf8)
            }
        } catch {
            // Our own Codable types with non-finite floats mapped to strings always encode.
            preconditionFailure("encoding \(message.type) failed: \(error)")
        }
        return [Array(String(protocolVersion).utf8), Array(message.type.utf8), Array(body)]
    }

    /// Decodes and validates `frames` (without any ROUTER identity frame).
    /// - Throws: ``WireError`` naming what was wrong; the caller logs and drops the message.
    public static func decode(_ frames: [[UInt8]]) throws -> Message {
        guard frames.count == 3 else { throw WireError.frameCount(frames.count) }
        guard frames[2].count <= maxBodyBytes else { throw WireError.tooLarge(frames[2].count) }
        let version = String(decoding: frames[0], as: UTF8.self)
        guard version == String(protocolVersion) else { throw WireError.badVersion(String(version.prefix(32))) }
        let type = String(decoding: frames[1], as: UTF8.self)
        let bodyData = Data(frames[2])
        let decoder = JSONCoding.decoder()
        func body<T: Decodable>(_ t: T.Type) throws -> T {
            do {
                return try decoder.decode(T.self, from: bodyData)
            } catch {
                throw WireError.badBody(type: type, detail: String(describing: error).prefix(200).description)
            }
        }
        switch type {
        case "hello": return .hello(try body(Hello.self))
        case "ready":
            let r = try body(ReadyBody.self)
            guard (0...100_000).contains(r.slots) else { throw WireError.badBody(type: type, detail: "slots \(r.slots)") }
            return .ready(slots: r.slots)
        case "trial": return .trial(try body(TrialTask.self))
        case "progress": return .progress(try body(Progress.self))
        case "result": return .result(try body(TrialResult.self))
        case "heartbeat":
            _ = try body(Empty.self)
            return .heartbeat
        case "bye": return .bye(reason: try body(ReasonBody.self).reason)
        case "reject": return .reject(reason: try body(ReasonBody.self).reason)
        case "status":
            _ = try body(Empty.self)
            return .statusRequest
        case "status-reply":
            guard (try? JSONSerialization.jsonObject(with: bodyData)) is [String: Any] else {
                throw WireError.badBody(type: type, detail: "not a JSON object")
            }
            return .statusReply(json: String(decoding: bodyData, as: UTF8.self))
        default: throw WireError.unknownType(String(type.prefix(32)))
        }
    }
}
