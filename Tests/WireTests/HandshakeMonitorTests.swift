import Foundation
import Logging
import Synchronization
import Testing
@testable import Wire

/// A TCP listener that accepts connections and closes each at once, as a coordinator does to a
/// handshake it will not finish (or one that closes while a worker is connecting).
private final class ClosingListener: Sendable {
    let port: UInt16
    private let fd: Int32
    private let accepted = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    init(port: UInt16 = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw ZMQError("cannot listen on 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.fd = fd
        self.port = UInt16(bigEndian: addr.sin_port)
        let thread = Thread { [self] in
            while !stopped.load(ordering: .acquiring) {
                var item = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&item, 1, 20) > 0 else { continue }
                let c = accept(fd, nil, nil)
                if c >= 0 {
                    close(c)
                    accepted.add(1, ordering: .releasing)
                }
            }
            close(fd)
            done.signal()
        }
        thread.start()
    }

    var count: Int { accepted.load(ordering: .acquiring) }

    /// Stops accepting and frees the port.
    func stop() {
        stopped.store(true, ordering: .releasing)
        done.wait()
    }
}

@Suite("The worker's handshake monitor", .serialized)
struct HandshakeMonitorTests {
    /// Polls `transport` (as the worker's loop does every turn) until `condition`; the deadline only
    /// guards against a hang.
    func poll(_ transport: ZMQDealerTransport, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            _ = transport.handshakeFailure()
            if condition() { return true }
            _ = try? transport.receive(timeout: 0.01, wakeFD: nil)
        }
        return false
    }

    /// A closing listener on `port`, once libzmq's I/O thread has let go of it (closing a socket
    /// frees its port asynchronously); the deadline only guards against a hang.
    private static func listen(on port: UInt16) throws -> ClosingListener {
        let deadline = Date().addingTimeInterval(30)
        while true {
            do {
                return try ClosingListener(port: port)
            } catch where Date() < deadline {
                usleep(10_000)
            }
        }
    }

    @Test("connections closed mid-handshake end the worker only when 3 come with no completed handshake between")
    func closesCountSinceLastSuccess() throws {
        let context = try ZMQContext()
        var listener = try ClosingListener()
        let port = listener.port
        let endpoint = "tcp://127.0.0.1:\(port)"
        let dealer = try ZMQDealerTransport(context: context, endpoint: endpoint, identity: "w")
        defer { dealer.close() }

        // Two closes: not yet a failure.
        #expect(poll(dealer) { dealer.closedDuringHandshake == 2 })
        #expect(dealer.handshakeFailure() == nil)
        listener.stop()

        // A coordinator at the same port: the handshake completes, and the count starts again.
        let router = try ZMQSocket(context: context, type: .router)
        try router.bind(endpoint)
        #expect(poll(dealer) { dealer.closedDuringHandshake == 0 })
        router.close()

        // Two more closes after the completed handshake (as a `--stay` worker meets between two
        // sweeps): still no failure, though four have happened in all.
        listener = try Self.listen(on: port)
        defer { listener.stop() }
        #expect(poll(dealer) { dealer.closedDuringHandshake == 2 })
        #expect(dealer.handshakeFailure() == nil)
        // A third in a row is one: the worker would end with the reason.
        #expect(poll(dealer) { dealer.handshakeFailure() != nil })
        guard case .closedByPeer = dealer.handshakeFailure() else {
            Issue.record("expected closedByPeer, got \(String(describing: dealer.handshakeFailure()))")
            return
        }
        #expect(listener.count >= 3)
    }
}
