import CZeroMQ
import Foundation
import Logging

/// The coordinator's endpoint over ZeroMQ: a ROUTER socket, CURVE with a ZAP allow-list when keys
/// are given.
///
/// Confined to the thread that uses it, like the socket it owns.
public final class ZMQRouterTransport: CoordinatorTransport {
    private let context: ZMQContext
    private let socket: ZMQSocket
    private let zap: ZAPHandler?
    /// With keys: peers whose handshake failed (no keys, a wrong coordinator key), which libzmq
    /// drops before any message and the ZAP handler never sees.
    private let monitor: HandshakeMonitor?
    private var failureLog = HandshakeFailureLog()
    public let endpoint: String
    /// ROUTER identities by printable peer name, learnt from what each peer sent.
    private var identities: [String: [UInt8]] = [:]
    private let logger: Logger

    /// Binds `bind` (`tcp://0.0.0.0:5555`, `tcp://127.0.0.1:*`).
    /// - Parameter curve: the coordinator's secret key and the worker public keys to admit.
    public init(bind: String, curve: (secretKey: String, allowed: Set<String>)? = nil, logger: Logger) throws {
        context = try ZMQContext()
        self.logger = logger
        if let curve {
            // The handler must be bound before the socket accepts connections (the libzmq 4.3 trap).
            zap = try ZAPHandler(context: context, allowed: curve.allowed, logger: logger)
            socket = try ZMQSocket(context: context, type: .router)
            try socket.makeCurveServer(secretKey: curve.secretKey)
            monitor = try HandshakeMonitor(watching: socket, context: context)
        } else {
            zap = nil
            monitor = nil
            socket = try ZMQSocket(context: context, type: .router)
        }
        // Report unroutable sends (a worker that vanished) instead of dropping them silently, and
        // let a worker that reconnects under the same id take over its old connection.
        try socket.setOption(ZMQ_ROUTER_MANDATORY, Int32(1))
        try socket.setOption(ZMQ_ROUTER_HANDOVER, Int32(1))
        try socket.setOption(ZMQ_MAXMSGSIZE, Int64(MessageCodec.maxBodyBytes + 4096))
        try socket.bind(bind)
        endpoint = try socket.lastEndpoint()
    }

    deinit { zap?.stop() }

    public func receive(timeout: Double, limit: Int) throws -> [Inbound] {
        if let monitor {
            for (failure, _) in monitor.failures() {
                failureLog.count(failure, now: Date().timeIntervalSince1970, logger: logger)
            }
        }
        guard try socket.pollIn(milliseconds: max(0, Int(timeout * 1000))) else { return [] }
        var inbound: [Inbound] = []
        while inbound.count < limit, let (frames, address) = try socket.receiveWithAddress(dontWait: true) {
            guard let identity = frames.first else { continue }
            let peer = Self.name(of: identity)
            identities[peer] = identity
            inbound.append(Inbound(peer: peer, message: .decoding { try MessageCodec.decode(Array(frames.dropFirst())) },
                                   isLocal: Self.isLoopback(address)))
        }
        return inbound
    }

    @discardableResult
    public func send(_ message: Message, to peer: String) -> Bool {
        guard let identity = identities[peer] else { return false }
        do {
            if try socket.send([identity] + MessageCodec.encode(message), dontWait: true) { return true }
            logger.debug("peer unreachable", metadata: ["worker.id": "\(peer)", "message.type": "\(message.type)"])
        } catch {
            logger.warning("send failed", metadata: ["worker.id": "\(peer)", "error": "\(error)"])
        }
        return false
    }

    public func forget(_ peer: String) { identities[peer] = nil }

    public func close(linger: Double) {
        monitor?.close()
        try? socket.setOption(ZMQ_LINGER, Int32(linger * 1000))
        socket.close()
        zap?.stop()
    }

    /// A printable name for a ROUTER identity: the worker's own id when it set one, else hex.
    static func name(of identity: [UInt8]) -> String {
        if !identity.isEmpty, identity.allSatisfy({ (0x21...0x7e).contains($0) }) {
            return String(decoding: identity, as: UTF8.self)
        }
        return "peer-" + identity.map { String(format: "%02x", $0) }.joined()
    }

    /// True for no address (IPC, in-process) and for loopback addresses.
    static func isLoopback(_ address: String?) -> Bool {
        guard let a = address else { return true }
        return a.hasPrefix("127.") || a == "::1" || a.hasPrefix("::ffff:127.")
    }
}

/// Logs peers whose handshake failed: the first of each kind at once, then at most one line per
/// kind every 30 s with how many there were (a keyless worker retrying must not flood the log).
struct HandshakeFailureLog {
    private var lastLogged: [String: Double] = [:]
    private var unlogged: [String: Int] = [:]

    mutating func count(_ failure: HandshakeFailure, now: Double, logger: Logger) {
        let kind: String
        switch failure {
        case .keyRefused: return  // the ZAP handler logs these, with the key
        case .closedByPeer: return  // the echo of a failure logged as its own kind
        case .mechanismMismatch: kind = "a peer without CURVE keys (a worker started without --keys?)"
        case .cryptographic: kind = "a peer with the wrong coordinator public key (an old coordinator.pub?)"
        case .other: kind = "\(failure)"
        }
        unlogged[kind, default: 0] += 1
        if let last = lastLogged[kind], now - last < 30 { return }
        logger.warning("refused connection: handshake failed", metadata: [
            "peer": "\(kind)", "attempts": "\(unlogged[kind] ?? 1)"])
        lastLogged[kind] = now
        unlogged[kind] = 0
    }
}

/// One connection to the coordinator over ZeroMQ: a DEALER socket with the worker's id, CURVE when
/// keys are given. A new connection is a new transport.
public final class ZMQDealerTransport: PeerTransport {
    private let socket: ZMQSocket
    /// Watches the handshake: a refused key, or keys on one side only, end the worker instead of
    /// leaving it retrying a connection that can never work.
    private let monitor: HandshakeMonitor
    private var failure: HandshakeFailure?
    /// Connections closed during their handshake since the last one that completed.
    private(set) var closedDuringHandshake = 0

    /// - Parameters:
    ///   - identity: the id the coordinator knows this peer by (nil: libzmq picks one).
    ///   - curve: the coordinator's public key and this peer's key pair.
    public init(context: ZMQContext, endpoint: String, identity: String?,
                curve: (serverKey: String, keys: CurveKeyPair)? = nil) throws {
        socket = try ZMQSocket(context: context, type: .dealer)
        if let identity { try socket.setOption(ZMQ_ROUTING_ID, bytes: Array(identity.utf8)) }
        if let curve { try socket.makeCurveClient(serverKey: curve.serverKey, keys: curve.keys) }
        monitor = try HandshakeMonitor(watching: socket, context: context, successes: true)
        try socket.connect(endpoint)
    }

    /// A closed connection without detail counts only when it repeats with no handshake completing
    /// in between (libzmq reconnects every 100 ms), so that coordinators closing in the middle of a
    /// handshake (a restart, or one sweep after another for a `--stay` worker) never end the worker.
    public func handshakeFailure() -> HandshakeFailure? {
        guard failure == nil else { return failure }
        for (event, _) in monitor.events() {
            switch event {
            case .succeeded:
                closedDuringHandshake = 0
            case .failed(let found):
                if case .closedByPeer = found {
                    closedDuringHandshake += 1
                    if closedDuringHandshake < 3 { continue }
                }
                failure = found
            }
            if failure != nil { break }
        }
        return failure
    }

    /// Sends without blocking: messages wait in libzmq's queue while the connection is being made;
    /// one that does not fit there (a connection that never completes, such as a CURVE handshake
    /// the coordinator refuses) is dropped rather than blocking the worker, which the protocol
    /// tolerates.
    public func send(_ message: Message) throws {
        _ = try socket.send(MessageCodec.encode(message), dontWait: true)
    }

    public func receive(timeout: Double, wakeFD: Int32?) throws -> [Result<Message, WireError>] {
        let ms = max(0, Int(timeout * 1000))
        let ready = try wakeFD.map { try socket.pollIn(milliseconds: ms, orReadable: $0) }
            ?? socket.pollIn(milliseconds: ms)
        guard ready else { return [] }
        var messages: [Result<Message, WireError>] = []
        while let frames = try socket.receive(dontWait: true) {
            messages.append(.decoding { try MessageCodec.decode(frames) })
        }
        return messages
    }

    /// Closes the connection, giving a last message (a `bye`) half a second to leave.
    public func close() {
        monitor.close()
        try? socket.setOption(ZMQ_LINGER, Int32(500))
        socket.close()
    }
}
