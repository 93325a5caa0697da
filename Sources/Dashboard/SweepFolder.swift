import Foundation
import GRDB
import SweepKit
import Synchronization

/// One served sweep folder, read-only: its `results.sqlite` through a read-only GRDB connection and the
/// coordinator's `status.json`.
///
/// The store is in WAL mode, so a reader never blocks the coordinator's writes (nor they its reads). Each
/// read is one short transaction; the connection is opened on first use (with `run --serve` the store may
/// not exist yet) and kept, so `PRAGMA data_version` tells when another connection has committed.
final class SweepFolder: Sendable {
    /// The sweep's name in URLs (`/s/KEY`): the folder's name, made unique among the served folders.
    let key: String
    let dir: String
    private let connection = Mutex<DatabaseQueue?>(nil)
    let optimizers = Mutex<[String]?>(nil)
    let summaryCache = Mutex<(version: Int, at: Double, summary: SweepSummary)?>(nil)

    init(key: String, dir: String) {
        self.key = key
        self.dir = dir
    }

    var storePath: String { "\(dir)/results.sqlite" }

    /// The open read-only connection, opening it if the store exists; nil before the sweep has one.
    func database() throws -> DatabaseQueue? {
        try connection.withLock { db in
            if let db { return db }
            guard FileManager.default.fileExists(atPath: storePath) else { return nil }
            var config = Configuration()
            config.readonly = true
            // A reader waits briefly instead of failing while the coordinator checkpoints or recovers the WAL.
            config.busyMode = .timeout(2)
            config.label = "dashboard:\(key)"
            let opened = try DatabaseQueue(path: storePath, configuration: config)
            // Only readable once the coordinator has created its tables.
            guard try opened.read({ try $0.tableExists("sweep") && $0.tableExists("trials") }) else { return nil }
            db = opened
            return opened
        }
    }

    /// Reads with `body` in one read transaction; nil while the store does not exist yet.
    func read<T>(_ body: (Database) throws -> T) throws -> T? {
        guard let db = try database() else { return nil }
        return try db.read(body)
    }

    /// Changes whenever another connection (the coordinator) commits to the store.
    func dataVersion() -> Int {
        let version = try? read { try Int.fetchOne($0, sql: "PRAGMA data_version") ?? 0 }
        return (version ?? nil) ?? -1
    }

    /// The coordinator's last snapshot, if it wrote one.
    func status() -> StatusSnapshot? {
        guard let bytes = FileManager.default.contents(atPath: "\(dir)/status.json") else { return nil }
        return try? JSONCoding.decoder().decode(StatusSnapshot.self, from: bytes)
    }

    /// When `status.json` last changed (seconds since 1970), or 0.
    func statusStamp() -> Double {
        let attributes = try? FileManager.default.attributesOfItem(atPath: "\(dir)/status.json")
        return (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    }

    /// The last `limit` bytes of a command trial's log (`DIR/trials/logs/ID.log`, where `lrsweep run` puts
    /// it), as lines; nil when there is none here.
    func logTail(trial id: String, limit: Int = 16_384) -> [String]? {
        guard TrialQuery.isTrialID(id), let handle = FileHandle(forReadingAtPath: "\(dir)/trials/logs/\(id).log")
        else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > UInt64(limit) ? size - UInt64(limit) : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        if size > UInt64(limit), !lines.isEmpty { lines.removeFirst() }
        if lines.last == "" { lines.removeLast() }
        return Array(lines.suffix(200))
    }
}

/// What the dashboard reads of the coordinator's `status.json` (`CoordinatorSnapshot`): the fields it shows.
struct StatusSnapshot: Decodable {
    struct Worker: Decodable {
        var id: String
        var host: String
        var slots: Int
        var lastHeardSecondsAgo: Double
        var trials: [String]
    }
    var total: Int
    var workers: [Worker]
    var elapsed: Double
    var waitingReason: String?
    var etaSeconds: Double?
    var updated: Double
    var finished: Bool
    var paused: Bool?
    var stopping: Bool?
    var stopped: Bool?
    var endpoint: String?

    /// A snapshot more than a few seconds old is from a coordinator that no longer runs (it writes one a second).
    var isLive: Bool { !finished && Date().timeIntervalSince1970 - updated < 5 }
}
