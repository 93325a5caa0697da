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
/// Bodies are JSON (keys sorted). Non-finite numbers (a diverged trial's loss) travel as the strings
/// `"nan"`, `"inf"`, `"-inf"`, which plain JSON cannot carry.
public enum MessageCodec {
    /// Largest body accepted; a progress batch or a trial is a few kilobytes.
    public static let maxBodyBytes = 4 << 20

    private struct ReasonBody: Codable { var reason: String }

    /// A reject on the wire: the code, the words for people, and the data some codes carry.
    private struct RejectBody: Codable {
        var code: String
        var reason: String
        var version: Int?

        init(_ r: RejectReason) {
            code = r.code
            reason = r.description
            if case .protocolVersion(let v) = r { version = v }
        }

        func decoded() throws -> RejectReason {
            switch code {
            case "protocol-version":
                guard let version else { throw WireError.badBody(type: "reject", detail: "protocol-version without version") }
                return .protocolVersion(version)
            case "unknown-worker": return .unknownWorker
            case "not-allowed": return .notAllowed(reason)
            default: throw WireError.badBody(type: "reject", detail: "unknown code '\(code.prefix(32))'")
            }
        }
    }

    /// The three frames `[version, type, body]` of `message`.
    public static func encode(_ message: Message) -> [[UInt8]] {
        [versionFrame, typeFrame(of: message), body(of: message)]
    }

    private static let versionFrame = Array(String(protocolVersion).utf8)

    /// The type frames of the per-trial messages, made once rather than per message.
    private static let readyFrame = Array("ready".utf8), trialFrame = Array("trial".utf8),
                       progressFrame = Array("progress".utf8), resultFrame = Array("result".utf8),
                       heartbeatFrame = Array("heartbeat".utf8)

    private static func typeFrame(of message: Message) -> [UInt8] {
        switch message {
        case .ready: return readyFrame
        case .trial: return trialFrame
        case .progress: return progressFrame
        case .result: return resultFrame
        case .heartbeat: return heartbeatFrame
        default: return Array(message.type.utf8)
        }
    }

    private static func body(of message: Message) -> [UInt8] {
        switch message {
        // The messages sent for every trial have hand-written bodies (see HotBodies).
        case .ready(let s): return HotBodies.encodeReady(s)
        case .trial(let t): return HotBodies.encodeTrial(t)
        case .progress(let p): return HotBodies.encodeProgress(p)
        case .result(let r): return HotBodies.encodeResult(r)
        case .heartbeat, .statusRequest: return Array("{}".utf8)
        case .statusReply(let json): return Array(json.utf8)
        case .hello, .bye, .reject, .stop, .control, .controlReply: break
        }
        let encoder = JSONCoding.encoder()
        do {
            switch message {
            case .hello(let h): return Array(try encoder.encode(h))
            case .bye(let r): return Array(try encoder.encode(ReasonBody(reason: r)))
            case .reject(let r): return Array(try encoder.encode(RejectBody(r)))
            case .stop(let ref): return Array(try encoder.encode(ref))
            case .control(let c): return Array(try encoder.encode(c))
            case .controlReply(let c): return Array(try encoder.encode(c))
            default: preconditionFailure("\(message.type) has a hand-written body")
            }
        } catch {
            // Our own Codable types with non-finite floats mapped to strings always encode.
            preconditionFailure("encoding \(message.type) failed: \(error)")
        }
    }

    /// Decodes and validates `frames` (without any ROUTER identity frame).
    /// - Throws: ``WireError`` naming what was wrong; the caller logs and drops the message.
    public static func decode(_ frames: [[UInt8]]) throws -> Message {
        guard frames.count == 3 else { throw WireError.frameCount(frames.count) }
        guard frames[2].count <= maxBodyBytes else { throw WireError.tooLarge(frames[2].count) }
        let version = String(decoding: frames[0], as: UTF8.self)
        guard version == String(protocolVersion) else { throw WireError.badVersion(String(version.prefix(32))) }
        let type = String(decoding: frames[1], as: UTF8.self)
        let bytes = frames[2]
        func hot<T>(_ read: ([UInt8]) throws -> T) throws -> T {
            do {
                return try read(bytes)
            } catch {
                throw WireError.badBody(type: type, detail: String(describing: error).prefix(200).description)
            }
        }
        func body<T: Decodable>(_ t: T.Type) throws -> T {
            try hot { try JSONCoding.decoder().decode(T.self, from: Data($0)) }
        }
        switch type {
        case "hello": return .hello(try body(Hello.self))
        case "ready":
            let slots = try hot(HotBodies.decodeReady)
            guard (0...100_000).contains(slots) else { throw WireError.badBody(type: type, detail: "slots \(slots)") }
            return .ready(slots: slots)
        case "trial": return .trial(try hot(HotBodies.decodeTrial))
        case "progress": return .progress(try hot(HotBodies.decodeProgress))
        case "result": return .result(try hot(HotBodies.decodeResult))
        case "heartbeat":
            try hot(HotBodies.decodeEmpty)
            return .heartbeat
        case "bye": return .bye(reason: try body(ReasonBody.self).reason)
        case "reject":
            let r = try body(RejectBody.self)
            do { return .reject(try r.decoded()) } catch let e as WireError { throw e }
        case "stop": return .stop(try body(TrialRef.self))
        case "control": return .control(try body(ControlRequest.self))
        case "control-reply": return .controlReply(try body(ControlReply.self))
        case "status":
            try hot(HotBodies.decodeEmpty)
            return .statusRequest
        case "status-reply":
            guard (try? JSONSerialization.jsonObject(with: Data(bytes))) is [String: Any] else {
                throw WireError.badBody(type: type, detail: "not a JSON object")
            }
            return .statusReply(json: String(decoding: bytes, as: UTF8.self))
        default: throw WireError.unknownType(String(type.prefix(32)))
        }
    }
}
