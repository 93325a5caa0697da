import SweepKit

/// A message that reached the coordinator, or why it could not be read.
public struct Inbound: Sendable {
    /// The sender: a worker's own id when it set one, else a printable form of its connection id.
    public var peer: String
    public var message: Result<Message, WireError>
    /// True when the sender is on this machine (loopback, IPC or in-process): without keys, only
    /// such peers may steer a sweep.
    public var isLocal: Bool

    public init(peer: String, message: Result<Message, WireError>, isLocal: Bool) {
        self.peer = peer
        self.message = message
        self.isLocal = isLocal
    }
}

/// The coordinator's side of the network: one bound endpoint, many peers.
///
/// The coordinator's loop talks only to this protocol. ``ZMQRouterTransport`` is the real one; the
/// test-support module has an in-memory one driven by a manual clock. Messages cross either as
/// encoded frames, so the codec's validation is always in the path.
public protocol CoordinatorTransport: AnyObject {
    /// Where peers connect (`tcp://127.0.0.1:5555`).
    var endpoint: String { get }
    /// What has arrived: waits up to `timeout` seconds for the first message, then takes up to
    /// `limit` that are already there.
    func receive(timeout: Double, limit: Int) throws -> [Inbound]
    /// Sends `message` to `peer`; false when the peer cannot be reached (gone, or never seen).
    @discardableResult
    func send(_ message: Message, to peer: String) -> Bool
    /// Closes the endpoint, giving messages already sent up to `linger` seconds to leave.
    func close(linger: Double)
    /// Forgets a peer that asked once and left (a `status` or `control` client).
    func forget(_ peer: String)
}

/// A worker's (or a control client's) side: one connection to the coordinator.
public protocol PeerTransport: AnyObject {
    func send(_ message: Message) throws
    /// What has arrived: waits up to `timeout` seconds for the first message, or until `wakeFD`
    /// (a pipe another thread writes to) is readable, then takes every message already there.
    func receive(timeout: Double, wakeFD: Int32?) throws -> [Result<Message, WireError>]
    func close()
    /// Why the connection's security handshake failed, once it has (a refused or missing key):
    /// retrying cannot help then.
    func handshakeFailure() -> HandshakeFailure?
}

extension PeerTransport {
    public func handshakeFailure() -> HandshakeFailure? { nil }
}

extension Result where Failure == WireError {
    /// Runs `decode`, keeping a ``WireError`` as the failure (other errors cannot come from the codec).
    public static func decoding(_ decode: () throws -> Success) -> Result<Success, WireError> {
        do {
            return .success(try decode())
        } catch let e as WireError {
            return .failure(e)
        } catch {
            return .failure(.badBody(type: "?", detail: "\(error)"))
        }
    }
}

/// Seconds on the monotonic clock since the returned function was made: the time the coordinator's
/// and the worker's state machines run on outside tests.
public func monotonicSeconds() -> @Sendable () -> Double {
    let clock = ContinuousClock()
    let origin = clock.now
    return {
        let d = clock.now - origin
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
