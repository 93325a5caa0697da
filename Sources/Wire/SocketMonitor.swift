import CZeroMQ
import Foundation
import Synchronization

/// Why a connection's security handshake failed, as libzmq's socket monitor reports it.
public enum HandshakeFailure: Sendable, Hashable, CustomStringConvertible {
    /// The coordinator's ZAP handler refused this peer's key (it is not in the allow-list).
    case keyRefused(status: Int)
    /// One side uses CURVE and the other does not (a worker started without `--keys`, or with keys
    /// against a coordinator that has none).
    case mechanismMismatch
    /// The CURVE handshake could not be decrypted: the peer holds the wrong coordinator public key.
    case cryptographic
    /// The other end closed the connection during the handshake (libzmq gives no detail; `errno`
    /// is the socket error). A coordinator with keys does this to a worker without them.
    case closedByPeer(errno: Int)
    /// Another handshake failure (libzmq's event and protocol-error code).
    case other(event: Int, code: Int)

    public var description: String {
        switch self {
        case .keyRefused(let status):
            return "the coordinator refused this worker's key (ZAP status \(status)): add its public key to the "
                + "coordinator's key folder (lrsweep keys add-worker) or use a key folder it allows"
        case .mechanismMismatch:
            return "the coordinator and this worker disagree on CURVE: the coordinator uses keys, so pass "
                + "--keys DIR (a folder with coordinator.pub and this worker's key pair), or it uses none "
                + "and this worker must not"
        case .cryptographic:
            return "the CURVE handshake failed to decrypt: this worker's coordinator.pub is not the public key "
                + "of the coordinator it reached"
        case .closedByPeer(let errno):
            return "the coordinator closed the connection during the security handshake (\(String(cString: strerror(Int32(errno))))): "
                + "a coordinator started with --keys does this to a worker without --keys, so pass --keys DIR (a "
                + "worker key folder: coordinator.pub and this worker's key pair)"
        case .other(let event, let code):
            return String(format: "the connection's handshake failed (libzmq event 0x%x, code 0x%x)", event, code)
        }
    }

    /// Reads a monitor event; nil for events that are not handshake failures.
    init?(event: Int, value: Int) {
        switch Int32(event) {
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            self = .keyRefused(status: value)
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            switch Int32(truncatingIfNeeded: value) {
            case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH: self = .mechanismMismatch
            case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: self = .cryptographic
            default: self = .other(event: event, code: value)
            }
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            self = .closedByPeer(errno: value)
        default:
            return nil
        }
    }
}

/// The handshake failures of one socket, read from libzmq's monitor (a PAIR socket over inproc).
///
/// Confined to the thread of the socket it watches. Reading never blocks.
final class HandshakeMonitor {
    private let pair: ZMQSocket
    private static let counter = Mutex(0)

    /// What the monitor saw of one handshake.
    enum Event {
        case succeeded
        case failed(HandshakeFailure)
    }

    /// - Parameter successes: report completed handshakes too (``events()``), not only failures.
    init(watching socket: ZMQSocket, context: ZMQContext, successes: Bool = false) throws {
        let n = Self.counter.withLock { $0 += 1; return $0 }
        let address = "inproc://lrsweep-monitor-\(getpid())-\(n)"
        let events = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
            | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | (successes ? ZMQ_EVENT_HANDSHAKE_SUCCEEDED : 0)
        try socket.startMonitor(address: address, events: events)
        pair = try ZMQSocket(context: context, type: .pair)
        try pair.connect(address)
    }

    /// The failures reported since the last call, with the endpoint each concerns.
    func failures() -> [(failure: HandshakeFailure, endpoint: String)] {
        events().compactMap { event, endpoint in
            if case .failed(let f) = event { (f, endpoint) } else { nil }
        }
    }

    /// The handshakes that completed or failed since the last call, in order.
    func events() -> [(event: Event, endpoint: String)] {
        var found: [(Event, String)] = []
        while let frames = try? pair.receive(dontWait: true) {
            // Frame 1: a 16-bit event and a 32-bit value (native byte order); frame 2: the endpoint.
            guard frames.count == 2, frames[0].count == 6 else { continue }
            let f = frames[0]
            let event = Int(UInt16(f[0]) | UInt16(f[1]) << 8)
            let value = Int(UInt32(f[2]) | UInt32(f[3]) << 8 | UInt32(f[4]) << 16 | UInt32(f[5]) << 24)
            let endpoint = String(decoding: frames[1], as: UTF8.self)
            if Int32(event) == ZMQ_EVENT_HANDSHAKE_SUCCEEDED {
                found.append((.succeeded, endpoint))
            } else if let failure = HandshakeFailure(event: event, value: value) {
                found.append((.failed(failure), endpoint))
            }
        }
        return found
    }

    func close() { pair.close() }
}
