import Foundation
import Synchronization

/// Tells open pages that a sweep changed: a poller looks at each watched store's `PRAGMA data_version`
/// (it moves when the coordinator commits) and at `status.json`'s time every `interval` seconds, and
/// hands an event to every subscriber of that sweep. The poller runs only while someone subscribes.
final class LiveFeed: Sendable {
    enum Event: Sendable, Equatable {
        /// New rows in the store (points, results, leases).
        case store(version: Int)
        /// A new coordinator snapshot (workers, ETA).
        case status
        /// Nothing happened for a while: a comment line that finds closed connections.
        case ping

        /// The event as server-sent-events text.
        var text: String {
            switch self {
            case .store(let v): return "event: store\ndata: \(v)\n\n"
            case .status: return "event: status\ndata: 0\n\n"
            case .ping: return ": ping\n\n"
            }
        }
    }

    private struct Watch {
        var folder: SweepFolder
        var subscribers: [UUID: AsyncStream<Event>.Continuation] = [:]
        var version = -1
        var statusStamp = 0.0
    }

    private struct State {
        var watches: [String: Watch] = [:]
        var streams = 0
        var poller: Task<Void, Never>?
        var lastPing = Date()
    }

    private let state = Mutex(State())
    let interval: Double
    let maxStreams: Int

    init(interval: Double, maxStreams: Int) {
        self.interval = interval
        self.maxStreams = maxStreams
    }

    /// Streams open now.
    var subscriberCount: Int { state.withLock { $0.streams } }

    /// A stream of `folder`'s events; nil when `maxStreams` are already open.
    func subscribe(_ folder: SweepFolder) -> (id: UUID, events: AsyncStream<Event>)? {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(8))
        // Read the current state before registering, so the first event is a change made after this call.
        let version = folder.dataVersion(), stamp = folder.statusStamp()
        let accepted = state.withLock { s -> Bool in
            guard s.streams < maxStreams else { return false }
            s.streams += 1
            if s.watches[folder.key] == nil {
                s.watches[folder.key] = Watch(folder: folder, version: version, statusStamp: stamp)
            }
            s.watches[folder.key]?.subscribers[id] = continuation
            if s.poller == nil {
                s.poller = Task.detached { [weak self] in await self?.pollLoop() }
            }
            return true
        }
        guard accepted else {
            continuation.finish()
            return nil
        }
        return (id, stream)
    }

    func unsubscribe(_ folder: SweepFolder, id: UUID) {
        state.withLock { s in
            guard let c = s.watches[folder.key]?.subscribers.removeValue(forKey: id) else { return }
            c.finish()
            s.streams -= 1
            if s.watches[folder.key]?.subscribers.isEmpty == true { s.watches[folder.key] = nil }
        }
    }

    /// Ends every stream (server shutdown).
    func close() {
        state.withLock { s in
            for w in s.watches.values { for c in w.subscribers.values { c.finish() } }
            s.watches = [:]
            s.streams = 0
            s.poller?.cancel()
            s.poller = nil
        }
    }

    private func pollLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            if !poll() { return }
        }
    }

    /// One look at every watched sweep; false (and the poller forgotten) once nobody subscribes.
    func poll() -> Bool {
        let folders = state.withLock { s -> [SweepFolder]? in
            if s.watches.isEmpty {
                s.poller = nil
                return nil
            }
            return s.watches.values.map(\.folder)
        }
        guard let folders else { return false }
        // Read outside the lock: a slow disk must not hold up subscribers coming and going.
        let seen = folders.map { ($0.key, $0.dataVersion(), $0.statusStamp()) }
        state.withLock { s in
            let ping = Date().timeIntervalSince(s.lastPing) > 15
            if ping { s.lastPing = Date() }
            for (key, version, stamp) in seen {
                guard var w = s.watches[key] else { continue }
                var events: [Event] = []
                if version != w.version { events.append(.store(version: version)) }
                if stamp != w.statusStamp { events.append(.status) }
                if events.isEmpty && ping { events.append(.ping) }
                w.version = version
                w.statusStamp = stamp
                for c in w.subscribers.values { for e in events { c.yield(e) } }
                s.watches[key] = w
            }
        }
        return true
    }
}
