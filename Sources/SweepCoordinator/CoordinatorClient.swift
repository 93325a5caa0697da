import Foundation
import SweepKit
import Wire

/// Why a request to a coordinator (`lrsweep status --connect`, `lrsweep control`) got no answer.
public enum ClientError: Error, CustomStringConvertible {
    /// The folder's sweep has ended: nothing is running to ask.
    case sweepEnded(dir: String, how: String)
    /// The folder holds no sweep that a coordinator ever served.
    case noSweep(dir: String)
    /// Nobody answered at the endpoint in time.
    case noAnswer(endpoint: String, seconds: Double)
    /// The coordinator refused the request.
    case refused(RejectReason)
    case keys(String)

    /// True for mistakes the user can fix (exit 1); false for a runtime failure.
    public var isUserError: Bool {
        if case .noAnswer = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .sweepEnded(let dir, let how):
            return "the sweep in \(dir) has \(how); there is nothing to control (run its spec again to continue it)"
        case .noSweep(let dir):
            return "\(dir) holds no running sweep (no status.json): give the sweep's output folder, e.g. runs/NAME"
        case .noAnswer(let endpoint, let seconds):
            return "no answer from a coordinator at \(endpoint) within \(Int(seconds)) s "
                + "(is it running? does it need --keys?)"
        case .refused(let reason): return "the coordinator refused: \(reason)"
        case .keys(let message): return message
        }
    }
}

/// Asks a running coordinator for its status or to change course, over the same endpoint and
/// protocol the workers use (a DEALER socket; CURVE with a key folder).
public struct CoordinatorClient {
    public let endpoint: String
    public let keys: KeyFolder?

    public init(endpoint: String, keys: KeyFolder? = nil) {
        // A coordinator bound to every interface is reached on this machine through loopback.
        self.endpoint = endpoint.replacingOccurrences(of: "//0.0.0.0:", with: "//127.0.0.1:")
            .replacingOccurrences(of: "//*:", with: "//127.0.0.1:")
        self.keys = keys
    }

    /// The client for the coordinator serving the sweep in `dir`, from the endpoint it writes to
    /// `dir/status.json`.
    /// - Throws: ``ClientError`` when the folder has no sweep or its sweep has ended.
    public static func forSweep(in dir: String, keys: KeyFolder? = nil) throws -> CoordinatorClient {
        guard let bytes = FileManager.default.contents(atPath: "\(dir)/status.json"),
              let snap = try? JSONCoding.decoder().decode(CoordinatorSnapshot.self, from: bytes),
              let endpoint = snap.endpoint else {
            throw ClientError.noSweep(dir: dir)
        }
        if snap.finished { throw ClientError.sweepEnded(dir: dir, how: "finished") }
        if snap.stopped { throw ClientError.sweepEnded(dir: dir, how: "been stopped") }
        return CoordinatorClient(endpoint: endpoint, keys: keys)
    }

    /// The coordinator's snapshot.
    public func status(timeout: Double = 5) throws -> CoordinatorSnapshot {
        guard case .statusReply(let json) = try ask(.statusRequest, timeout: timeout),
              let snap = try? JSONCoding.decoder().decode(CoordinatorSnapshot.self, from: Data(json.utf8)) else {
            throw ClientError.noAnswer(endpoint: endpoint, seconds: timeout)
        }
        return snap
    }

    /// Sends a control request; the reply says whether it was carried out.
    public func control(_ request: ControlRequest, timeout: Double = 10) throws -> ControlReply {
        guard case .controlReply(let reply) = try ask(.control(request), timeout: timeout) else {
            throw ClientError.noAnswer(endpoint: endpoint, seconds: timeout)
        }
        return reply
    }

    /// Sends `message` and waits up to `timeout` seconds for the answer (a reject is an error).
    private func ask(_ message: Message, timeout: Double) throws -> Message {
        let curve: (serverKey: String, keys: CurveKeyPair)?
        do {
            curve = try keys?.workerKeys()
        } catch let e as KeyError {
            throw ClientError.keys(e.message)
        }
        let context = try ZMQContext()
        let transport = try ZMQDealerTransport(context: context, endpoint: endpoint, identity: nil, curve: curve)
        defer { transport.close() }
        try transport.send(message)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            for case .success(let reply) in try transport.receive(timeout: deadline.timeIntervalSinceNow, wakeFD: nil) {
                if case .reject(let reason) = reply { throw ClientError.refused(reason) }
                return reply
            }
        }
        throw ClientError.noAnswer(endpoint: endpoint, seconds: timeout)
    }
}
