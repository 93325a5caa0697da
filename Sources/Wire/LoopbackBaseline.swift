import Foundation
import Synchronization

/// The raw ZeroMQ round-trip rate on this machine: the baseline `lrsweep bench dispatch` divides by.
///
/// A ROUTER on its own thread echoes every message; a DEALER keeps `window` messages in flight, the
/// way workers keep their slots' worth of trials. Same loopback TCP, same machine, same run as the
/// measurement it is compared with.
public enum LoopbackBaseline {
    /// Round trips per second over `count` messages of `bytes` bytes.
    public static func roundTripsPerSecond(count: Int, window: Int, bytes: Int = 200) throws -> Double {
        let context = try ZMQContext()
        let endpoint = Mutex<String?>(nil)
        let echo = Thread {
            guard let router = try? ZMQSocket(context: context, type: .router),
                  (try? router.bind("tcp://127.0.0.1:*")) != nil,
                  let bound = try? router.lastEndpoint() else {
                endpoint.withLock { $0 = "" }
                return
            }
            endpoint.withLock { $0 = bound }
            var echoed = 0
            while echoed < count {
                guard (try? router.pollIn(milliseconds: 1000)) == true else { break }
                while let frames = try? router.receive(dontWait: true) {
                    _ = try? router.send(frames)
                    echoed += 1
                }
            }
            // Sockets here close with linger 0: without a linger the last replies, still queued
            // for the wire, would be dropped with the socket and the dealer would wait in vain.
            _ = try? router.setOption(ZMQ_LINGER_OPTION, Int32(1000))
            router.close()
        }
        echo.start()
        var bound: String?
        while bound == nil {
            bound = endpoint.withLock { $0 }
            if bound == nil { Thread.sleep(forTimeInterval: 0.001) }
        }
        guard let ep = bound, !ep.isEmpty else { throw ZMQError("baseline bind", code: EINVAL) }
        let dealer = try ZMQSocket(context: context, type: .dealer)
        try dealer.connect(ep)
        let payload = [UInt8](repeating: 0x61, count: bytes)
        var sent = 0
        var received = 0
        let start = Date()
        while received < count {
            while sent < count && sent - received < window {
                try dealer.send([Array("1".utf8), Array("trial".utf8), payload])
                sent += 1
            }
            if try dealer.pollIn(milliseconds: 1000) {
                while try dealer.receive(dontWait: true) != nil { received += 1 }
            } else {
                break
            }
        }
        let seconds = Date().timeIntervalSince(start)
        dealer.close()
        return Double(received) / max(seconds, 1e-9)
    }
}
