import CZeroMQ
import Foundation
import Logging
import Synchronization

/// The ZeroMQ authentication handler (ZAP, RFC 27) that admits only allow-listed CURVE keys.
///
/// libzmq 4.3 trap: a CURVE server with no handler bound at `inproc://zeromq.zap.01` accepts any
/// client that knows the server's public key. This handler binds that endpoint on the server's
/// context and answers every request: 200 for a key in the allow-list, 400 otherwise. It runs on
/// its own thread, which owns its REP socket.
public final class ZAPHandler: Sendable {
    private let running = Mutex(true)
    private let refusedCount = Mutex(0)
    private let ready = Mutex<Result<Void, ZMQError>?>(nil)

    /// Starts the handler; returns once it is bound (or throws if it could not bind).
    public init(context: ZMQContext, allowed: Set<String>, logger: Logger) throws {
        let thread = Thread { [self] in
            self.serve(context: context, allowed: allowed, logger: logger)
        }
        thread.start()
        while true {
            if let outcome = ready.withLock({ $0 }) {
                try outcome.get()
                return
            }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    /// Connections refused so far.
    public var refused: Int { refusedCount.withLock { $0 } }

    /// Stops the handler thread (within its 100 ms poll).
    public func stop() { running.withLock { $0 = false } }

    private func serve(context: ZMQContext, allowed: Set<String>, logger: Logger) {
        let socket: ZMQSocket
        do {
            socket = try ZMQSocket(context: context, type: .rep)
            try socket.bind("inproc://zeromq.zap.01")
        } catch let e as ZMQError {
            ready.withLock { $0 = .failure(e) }
            return
        } catch {
            ready.withLock { $0 = .failure(ZMQError("zap bind", code: EINVAL)) }
            return
        }
        ready.withLock { $0 = .success(()) }
        var lastLogged: [String: Date] = [:]
        while running.withLock({ $0 }) {
            guard (try? socket.pollIn(milliseconds: 100)) == true,
                  let request = try? socket.receive(dontWait: true) else { continue }
            // Request: version, request id, domain, address, identity, mechanism, credentials…
            guard request.count >= 6 else {
                _ = try? socket.send([Array("1.0".utf8), [], Array("500".utf8), Array("bad request".utf8), [], []])
                continue
            }
            let requestID = request[1]
            let address = String(decoding: request[3], as: UTF8.self)
            let mechanism = String(decoding: request[5], as: UTF8.self)
            var key: String?
            if mechanism == "CURVE", request.count >= 7 { key = CurveKeyPair.z85(request[6]) }
            let admitted = key.map { allowed.contains($0) } ?? false
            if !admitted {
                refusedCount.withLock { $0 += 1 }
                let name = key ?? mechanism
                // One line per refused key per minute: a misconfigured worker retries every second.
                if Date().timeIntervalSince(lastLogged[name] ?? .distantPast) > 60 {
                    lastLogged[name] = Date()
                    logger.warning("refused worker: key not in allowed_workers", metadata: [
                        "peer.address": "\(address)", "worker.key": "\(name)"])
                }
            }
            let reply: [[UInt8]] = [Array("1.0".utf8), requestID, Array((admitted ? "200" : "400").utf8),
                                    Array((admitted ? "OK" : "key not allowed").utf8),
                                    Array((key ?? "").utf8), []]
            _ = try? socket.send(reply)
        }
        socket.close()
    }
}
