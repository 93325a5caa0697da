import Foundation
import Synchronization
import Wire

/// A clock that moves only when a test moves it: the coordinator's and the workers' state
/// machines see time pass exactly as the test says, never as the machine runs.
public final class ManualClock: Sendable {
    private let seconds: Mutex<Double>

    public init(_ start: Double = 0) { seconds = Mutex(start) }

    public var now: Double { seconds.withLock { $0 } }

    public func advance(by delta: Double) { seconds.withLock { $0 += delta } }

    /// The clock as the function the coordinator and the worker take.
    public var read: @Sendable () -> Double { { [self] in now } }
}

/// An in-memory network for the coordinator and worker loops: endpoints by name, peers by id,
/// frames in queues. It behaves like the ZeroMQ pair it stands in for where the protocol cares:
/// - messages cross as encoded frames, so the codec validates everything that arrives;
/// - a coordinator bound at a name receives from every peer connected to that name, also after a
///   restart (a new coordinator binding the same name), as a DEALER reconnects to a ROUTER;
/// - a send to a peer that is gone or never spoke fails (ROUTER_MANDATORY), and a peer's messages
///   while no coordinator is bound are lost;
/// - a peer reconnecting under the same id takes over its old connection (ROUTER_HANDOVER).
/// Nothing blocks: `receive` returns what is queued, and tests drive the loops step by step.
public final class InMemoryNetwork: Sendable {
    struct Connection {
        var identity: String
        var endpoint: String
        var inbox: [[[UInt8]]] = []
        var open = true
    }

    struct State {
        /// Per endpoint name: the serial of the bound coordinator (nil: none) and its inbox.
        var servers: [String: (serial: Int, inbox: [(connection: Int, frames: [[UInt8]])])] = [:]
        var connections: [Connection] = []
        var nextServer = 0
        /// Peers whose traffic is lost both ways (a network partition), by identity.
        var cut: Set<String> = []
    }

    let state = Mutex(State())

    public init() {}

    /// Binds a coordinator endpoint at `name` (replacing one bound there before).
    public func bind(_ name: String) -> CoordinatorTransport {
        let serial = state.withLock { s in
            s.nextServer += 1
            s.servers[name] = (s.nextServer, [])
            return s.nextServer
        }
        return InMemoryServer(network: self, name: name, serial: serial)
    }

    /// A new connection to `name` for the peer `identity` (a worker's id, or a client's).
    public func connect(_ name: String, identity: String) -> PeerTransport {
        let index = state.withLock { s in
            s.connections.append(Connection(identity: identity, endpoint: name))
            return s.connections.count - 1
        }
        return InMemoryPeer(network: self, index: index)
    }

    /// Loses every message to and from `identity` from now on (its process froze, or its cable was cut).
    public func cut(_ identity: String) { state.withLock { _ = $0.cut.insert(identity) } }
}

/// A coordinator's endpoint on an ``InMemoryNetwork``.
final class InMemoryServer: CoordinatorTransport {
    let network: InMemoryNetwork
    let name: String
    let serial: Int
    var endpoint: String { "inmemory://\(name)" }

    init(network: InMemoryNetwork, name: String, serial: Int) {
        self.network = network
        self.name = name
        self.serial = serial
    }

    func receive(timeout: Double, limit: Int) throws -> [Inbound] {
        let taken: [(String, [[UInt8]])] = network.state.withLock { s in
            guard let server = s.servers[name], server.serial == serial else { return [] }
            let batch = server.inbox.prefix(limit)
            s.servers[name]?.inbox.removeFirst(batch.count)
            return batch.map { (s.connections[$0.connection].identity, $0.frames) }
        }
        return taken.map { peer, frames in
            Inbound(peer: peer, message: .decoding { try MessageCodec.decode(frames) }, isLocal: true)
        }
    }

    @discardableResult
    func send(_ message: Message, to peer: String) -> Bool {
        let frames = MessageCodec.encode(message)
        return network.state.withLock { s in
            guard s.servers[name]?.serial == serial, !s.cut.contains(peer),
                  let i = s.connections.lastIndex(where: { $0.identity == peer && $0.endpoint == name }),
                  s.connections[i].open else { return false }
            s.connections[i].inbox.append(frames)
            return true
        }
    }

    func forget(_ peer: String) {}

    func close(linger: Double) {
        network.state.withLock { s in
            if s.servers[name]?.serial == serial { s.servers[name] = nil }
        }
    }
}

/// One peer connection on an ``InMemoryNetwork``.
final class InMemoryPeer: PeerTransport {
    let network: InMemoryNetwork
    let index: Int

    init(network: InMemoryNetwork, index: Int) {
        self.network = network
        self.index = index
    }

    func send(_ message: Message) throws {
        let frames = MessageCodec.encode(message)
        network.state.withLock { s in
            let c = s.connections[index]
            guard c.open, !s.cut.contains(c.identity), s.servers[c.endpoint] != nil else { return }
            s.servers[c.endpoint]?.inbox.append((index, frames))
        }
    }

    func receive(timeout: Double, wakeFD: Int32?) throws -> [Result<Message, WireError>] {
        let frames: [[[UInt8]]] = network.state.withLock { s in
            defer { s.connections[index].inbox = [] }
            return s.cut.contains(s.connections[index].identity) ? [] : s.connections[index].inbox
        }
        return frames.map { f in .decoding { try MessageCodec.decode(f) } }
    }

    func close() {
        network.state.withLock { s in
            s.connections[index].open = false
            s.connections[index].inbox = []
        }
    }
}
