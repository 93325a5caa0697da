import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// An error from libzmq, with its errno and libzmq's text for it.
public struct ZMQError: Error, CustomStringConvertible, Equatable {
    public let code: Int32
    public let operation: String

    public init(_ operation: String, code: Int32 = zmq_errno()) {
        self.operation = operation
        self.code = code
    }

    public var description: String {
        let text = zmq_strerror(code).map { String(cString: $0) } ?? "errno \(code)"
        return "\(operation): \(text)"
    }
}

/// A libzmq context: the I/O threads that every socket of a process shares.
///
/// libzmq documents its context as thread-safe, so this wrapper is `Sendable`; the handle never
/// changes after `init`. Terminate it only after every socket made from it is closed.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws {
        guard let h = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        handle = h
    }

    deinit {
        zmq_ctx_term(handle)
    }

    /// True if this libzmq was built with CURVE security (libsodium).
    public static var hasCurve: Bool { zmq_has("curve") == 1 }
}

/// The socket kinds lrsweep uses.
public enum ZMQSocketType: Sendable {
    case router, dealer, rep, req, pair

    var raw: Int32 {
        switch self {
        case .router: return ZMQ_ROUTER
        case .dealer: return ZMQ_DEALER
        case .rep: return ZMQ_REP
        case .req: return ZMQ_REQ
        case .pair: return ZMQ_PAIR
        }
    }
}

/// A libzmq socket.
///
/// libzmq sockets are not thread-safe: a socket must be created, used and closed on one thread.
/// This type is therefore not `Sendable`; the coordinator and worker each own their socket on a
/// dedicated thread and talk to other threads through their own queues.
public final class ZMQSocket {
    private var handle: UnsafeMutableRawPointer?
    /// Keeps the context alive while the socket is open: `zmq_ctx_term` blocks until every socket
    /// of the context is closed, so the context must be released after its sockets.
    private let context: ZMQContext

    public init(context: ZMQContext, type: ZMQSocketType) throws {
        guard let h = zmq_socket(context.handle, type.raw) else { throw ZMQError("zmq_socket") }
        handle = h
        self.context = context
        // Never block process exit on unsent messages: a result that was not delivered is
        // re-sent by the protocol (the lease expires and the trial runs again), not by libzmq.
        try setOption(ZMQ_LINGER, Int32(0))
    }

    deinit {
        close()
    }

    /// Closes the socket; safe to call twice.
    public func close() {
        if let h = handle {
            zmq_close(h)
            handle = nil
        }
    }

    private func live(_ op: String) throws -> UnsafeMutableRawPointer {
        guard let h = handle else { throw ZMQError(op, code: ENOTSOCK) }
        return h
    }

    public func bind(_ endpoint: String) throws {
        guard zmq_bind(try live("bind"), endpoint) == 0 else { throw ZMQError("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws {
        guard zmq_connect(try live("connect"), endpoint) == 0 else { throw ZMQError("connect \(endpoint)") }
    }

    public func disconnect(_ endpoint: String) throws {
        guard zmq_disconnect(try live("disconnect"), endpoint) == 0 else { throw ZMQError("disconnect \(endpoint)") }
    }

    /// Publishes this socket's `events` (libzmq's socket monitor) on the inproc `address`, for a
    /// PAIR socket of the same context to read.
    func startMonitor(address: String, events: Int32) throws {
        guard zmq_socket_monitor(try live("monitor"), address, events) == 0 else { throw ZMQError("monitor \(address)") }
    }

    /// The endpoint actually bound (resolves `tcp://127.0.0.1:*` to the chosen port).
    public func lastEndpoint() throws -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        let rc = zmq_getsockopt(try live("getsockopt"), ZMQ_LAST_ENDPOINT, &buffer, &size)
        guard rc == 0 else { throw ZMQError("getsockopt ZMQ_LAST_ENDPOINT") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func setOption(_ option: Int32, _ value: Int32) throws {
        var v = value
        guard zmq_setsockopt(try live("setsockopt"), option, &v, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError("setsockopt \(option)")
        }
    }

    public func setOption(_ option: Int32, _ value: Int64) throws {
        var v = value
        guard zmq_setsockopt(try live("setsockopt"), option, &v, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError("setsockopt \(option)")
        }
    }

    public func setOption(_ option: Int32, bytes: [UInt8]) throws {
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw ZMQError("setsockopt \(option)") }
    }

    /// Sends one multipart message. Returns false if it would block (with `dontWait`) or if a ROUTER
    /// with `ZMQ_ROUTER_MANDATORY` has no such peer any more (`EHOSTUNREACH`): both mean "not sent",
    /// which the protocol tolerates.
    @discardableResult
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws -> Bool {
        let h = try live("send")
        for (i, frame) in frames.enumerated() {
            var flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
            if i < frames.count - 1 { flags |= ZMQ_SNDMORE }
            while true {
                let rc = frame.withUnsafeBytes { zmq_send(h, $0.baseAddress, $0.count, flags) }
                if rc >= 0 { break }
                let err = zmq_errno()
                if err == EINTR { continue }
                if err == EAGAIN || err == EHOSTUNREACH { return false }
                throw ZMQError("send", code: err)
            }
        }
        return true
    }

    /// Receives one multipart message, or nil if none is waiting (with `dontWait`) or on EINTR.
    public func receive(dontWait: Bool = true) throws -> [[UInt8]]? {
        var ignored: String?
        return try receive(dontWait: dontWait, peerAddress: &ignored, wantAddress: false)
    }

    /// Receives one multipart message and the sender's IP address (libzmq's `Peer-Address`
    /// property; nil for IPC and in-process peers, which are on this machine).
    public func receiveWithAddress(dontWait: Bool = true) throws -> (frames: [[UInt8]], address: String?)? {
        var address: String?
        guard let frames = try receive(dontWait: dontWait, peerAddress: &address, wantAddress: true) else { return nil }
        return (frames, address)
    }

    private func receive(dontWait: Bool, peerAddress: inout String?, wantAddress: Bool) throws -> [[UInt8]]? {
        let h = try live("receive")
        var frames: [[UInt8]] = []
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let rc = zmq_msg_recv(&msg, h, dontWait && frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if rc < 0 {
                let err = zmq_errno()
                if frames.isEmpty && (err == EAGAIN || err == EINTR) { return nil }
                if err == EINTR { continue }
                throw ZMQError("receive", code: err)
            }
            if wantAddress && frames.isEmpty, let text = zmq_msg_gets(&msg, "Peer-Address") {
                peerAddress = String(cString: text)
            }
            let size = zmq_msg_size(&msg)
            if size > 0, let data = zmq_msg_data(&msg) {
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            } else {
                frames.append([])
            }
            if zmq_msg_more(&msg) == 0 { return frames }
        }
    }

    /// Waits up to `milliseconds` for a message to read, or for `fd` (a plain file descriptor such as
    /// a pipe another thread writes to) to become readable. True if the socket has a message.
    @discardableResult
    public func pollIn(milliseconds: Int, orReadable fd: Int32) throws -> Bool {
        var items = [zmq_pollitem_t(socket: try live("poll"), fd: 0, events: Int16(ZMQ_POLLIN), revents: 0),
                     zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0)]
        let rc = zmq_poll(&items, 2, milliseconds)
        if rc < 0 {
            if zmq_errno() == EINTR { return false }
            throw ZMQError("poll")
        }
        return (items[0].revents & Int16(ZMQ_POLLIN)) != 0
    }

    /// Waits up to `milliseconds` for a message to read; true if one is waiting.
    public func pollIn(milliseconds: Int) throws -> Bool {
        var item = zmq_pollitem_t(socket: try live("poll"), fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        let rc = zmq_poll(&item, 1, milliseconds)
        if rc < 0 {
            if zmq_errno() == EINTR { return false }
            throw ZMQError("poll")
        }
        return rc > 0 && (item.revents & Int16(ZMQ_POLLIN)) != 0
    }
}
