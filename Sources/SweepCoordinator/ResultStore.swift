import Foundation
import GRDB
import SweepKit
import Wire

/// An error opening or writing the results store.
public struct StoreError: Error, LocalizedError, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// The results store: `DIR/results.sqlite` (SQLite in WAL mode, through GRDB).
///
/// The coordinator is its only writer. Every batch of scheduler actions is written in one
/// transaction before any message that depends on it is sent, so a killed coordinator loses
/// nothing it acknowledged. Reports read the same file with their own read-only connection.
public final class ResultStore: Sendable {
    public let path: String
    let db: DatabaseQueue

    /// Opens (creating if needed) the store at `path`.
    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            db = try DatabaseQueue(path: path, configuration: config)
            try db.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") }
            try Self.migrator.migrate(db)
        } catch {
            throw StoreError("cannot open results store \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE sweep (
                    name TEXT PRIMARY KEY, spec_path TEXT NOT NULL, spec_text TEXT NOT NULL,
                    metric TEXT NOT NULL, goal TEXT NOT NULL, trial_count INTEGER NOT NULL,
                    started REAL NOT NULL, finished REAL);
                CREATE TABLE trials (
                    id TEXT PRIMARY KEY, idx INTEGER NOT NULL, parameters TEXT NOT NULL,
                    optimizer TEXT, lr REAL, dataset TEXT, model TEXT, seed INTEGER,
                    status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, worker TEXT,
                    started REAL, finished REAL, seconds REAL, metrics TEXT, reason TEXT);
                CREATE INDEX trials_status ON trials(status);
                CREATE TABLE metric_points (
                    trial_id TEXT NOT NULL, attempt INTEGER NOT NULL, step INTEGER NOT NULL,
                    name TEXT NOT NULL, value REAL);
                CREATE INDEX metric_points_trial ON metric_points(trial_id, name, step);
                CREATE TABLE events (
                    time REAL NOT NULL, kind TEXT NOT NULL, worker TEXT, trial_id TEXT, detail TEXT NOT NULL);
                """)
        }
        // Nothing queries trials by status (reports read them all in grid order), and keeping the
        // index cost two index writes per trial on the coordinator's hottest path.
        m.registerMigration("v2-drop-status-index") { db in
            try db.execute(sql: "DROP INDEX IF EXISTS trials_status")
        }
        // Early stopping's decisions, in order: a restarted coordinator continues with them, and the
        // report lists them.
        m.registerMigration("v3-decisions") { db in
            try db.execute(sql: """
                CREATE TABLE decisions (
                    time REAL NOT NULL, configuration TEXT NOT NULL, grp TEXT NOT NULL, step INTEGER NOT NULL,
                    value REAL, promoted INTEGER NOT NULL, detail TEXT NOT NULL);
                ALTER TABLE trials ADD COLUMN stopped_step INTEGER;
                """)
        }
        return m
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let e = JSONCoding.encoder()
        // Encoding our own Codable values (strings, numbers, non-finite mapped to strings) cannot fail.
        return (try? e.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Records the sweep and its trials. A store that already holds this sweep keeps its trial rows
    /// (resume); one that holds a different sweep is an error.
    public func prepare(spec: SweepSpec, trials: [Trial], now: Double) throws {
        try db.write { db in
            if let existing = try String.fetchOne(db, sql: "SELECT name FROM sweep"), existing != spec.name {
                throw StoreError("\(path) holds sweep '\(existing)', not '\(spec.name)': choose another --out folder")
            }
            try db.execute(sql: """
                INSERT INTO sweep(name, spec_path, spec_text, metric, goal, trial_count, started)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET spec_text = excluded.spec_text, spec_path = excluded.spec_path,
                    metric = excluded.metric, goal = excluded.goal, trial_count = excluded.trial_count, finished = NULL
                """, arguments: [spec.name, spec.sourcePath, spec.sourceText, spec.metric, spec.goal.rawValue,
                                 trials.count, now])
            let insert = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO trials(id, idx, parameters, optimizer, lr, dataset, model, seed, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')
                """)
            for t in trials {
                let p = t.parameters
                try insert.execute(arguments: [t.id, t.index, Self.json(p), p.optimizer, p.lr, p.dataset, p.model,
                                               p.seed])
            }
        }
    }

    /// Trial states as last stored, for resuming a sweep.
    public func loadStates() throws -> [String: Scheduler.TrialState] {
        try db.read { db in
            var states: [String: Scheduler.TrialState] = [:]
            // A trial never attempted is pending by default: only the others need a state here,
            // which keeps a fresh 100,000-trial sweep from building a dictionary of them all.
            for row in try Row.fetchAll(db, sql: """
                SELECT id, status, attempts FROM trials WHERE status <> 'pending' OR attempts > 0
                """) {
                let id: String = row["id"]
                let attempts: Int = row["attempts"]
                let status = TrialStatus(rawValue: row["status"]) ?? .pending
                states[id] = status.isFinal ? .finished(status, attempts: attempts) : .pending(attempts: attempts)
            }
            return states
        }
    }

    /// Early stopping's decisions so far, in the order they were made.
    public func loadDecisions() throws -> [StoppingDecision] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM decisions ORDER BY rowid").map { row in
                StoppingDecision(configuration: row["configuration"], group: row["grp"], step: row["step"],
                                 value: row["value"] ?? .nan, promoted: row["promoted"], detail: row["detail"])
            }
        }
    }

    /// The points of one metric of every trial's current attempt, by step (what early stopping had
    /// seen before a restart).
    public func loadPoints(of metric: String) throws -> [(trialID: String, point: MetricPoint)] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.trial_id, p.step, p.value FROM metric_points p JOIN trials t ON t.id = p.trial_id
                WHERE p.name = ? AND p.attempt = t.attempts AND p.value IS NOT NULL ORDER BY p.step
                """, arguments: [metric]).map { row in
                (row["trial_id"], MetricPoint(step: row["step"], name: metric, value: row["value"]))
            }
        }
    }

    /// Attempts that do not count against each trial's retries: those workers handed back, and
    /// those made before `--retry-failed` gave the trial a fresh budget.
    public func loadHandBacks() throws -> [String: Int] {
        try db.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT trial_id, kind, detail FROM events WHERE kind IN ('handback', 'retry-failed') ORDER BY rowid
                """) {
                let id: String = row["trial_id"]
                if row["kind"] == "handback" {
                    counts[id, default: 0] += 1
                } else {
                    // `retry-failed` records the attempts made so far: all of them are forgiven.
                    counts[id] = Int(row["detail"] as String) ?? 0
                }
            }
            return counts
        }
    }

    /// Makes the failed trials pending again with a fresh retry budget (`--retry-failed`); their
    /// earlier attempts' curves stay. - Returns: how many trials will run again.
    @discardableResult
    public func retryFailed(now: Double) throws -> Int {
        try db.write { db in
            let failed = try Row.fetchAll(db, sql: "SELECT id, attempts FROM trials WHERE status = 'failed'")
            for row in failed {
                let id: String = row["id"], attempts: Int = row["attempts"]
                try db.execute(sql: """
                    UPDATE trials SET status = 'pending', worker = NULL, finished = NULL, reason = NULL WHERE id = ?
                    """, arguments: [id])
                try db.execute(sql: """
                    INSERT INTO events(time, kind, worker, trial_id, detail) VALUES (?, 'retry-failed', NULL, ?, ?)
                    """, arguments: [now, id, String(attempts)])
            }
            return failed.count
        }
    }

    /// Writes a batch of scheduler actions in one transaction.
    public func apply(_ actions: [SchedulerAction], now: Double) throws {
        guard actions.contains(where: { if case .send = $0 { return false } else { return true } }) else { return }
        try db.write { db in
            for action in actions {
                switch action {
                case .send:
                    continue
                case .recordLease(let id, let attempt, let worker):
                    try db.cachedStatement(sql: """
                        UPDATE trials SET status = 'running', attempts = ?, worker = ?, started = ? WHERE id = ?
                        """).execute(arguments: [attempt, worker, now, id])
                case .recordProgress(let p):
                    let insert = try db.cachedStatement(sql: """
                        INSERT INTO metric_points(trial_id, attempt, step, name, value) VALUES (?, ?, ?, ?, ?)
                        """)
                    for point in p.points {
                        try insert.execute(arguments: [p.trialID, p.attempt, point.step, point.name,
                                                       point.value.isFinite ? point.value : nil])
                    }
                case .recordResult(let r, let worker):
                    try db.cachedStatement(sql: """
                        UPDATE trials SET status = ?, attempts = ?, worker = ?, finished = ?, seconds = ?,
                            metrics = ?, reason = ? WHERE id = ?
                        """).execute(arguments: [r.status.rawValue, r.attempt, worker, now, r.seconds,
                                                 String(decoding: JSONWriter.metrics(r.metrics), as: UTF8.self),
                                                 r.reason, r.trialID])
                    // Points of earlier, lost attempts would mix two runs in one curve. (Attempts are
                    // numbered from 1 and every lease is stored before it is sent: a first attempt
                    // has no earlier one.)
                    if r.attempt > 1 {
                        try db.cachedStatement(sql: "DELETE FROM metric_points WHERE trial_id = ? AND attempt <> ?")
                            .execute(arguments: [r.trialID, r.attempt])
                    }
                case .recordRequeue(let id, let attempt, let failed, let reason):
                    try db.cachedStatement(sql: """
                        UPDATE trials SET status = ?, attempts = ?, worker = NULL, reason = ?,
                            finished = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?
                        """).execute(arguments: [failed ? "failed" : "pending", attempt, reason, failed, now, id])
                    try db.cachedStatement(sql: """
                        INSERT INTO events(time, kind, worker, trial_id, detail) VALUES (?, ?, NULL, ?, ?)
                        """).execute(arguments: [now, failed ? "failed" : "retry", id, reason])
                case .recordHandBack(let id, let attempt, let reason):
                    try db.cachedStatement(sql: """
                        UPDATE trials SET status = 'pending', attempts = ?, worker = NULL, reason = NULL WHERE id = ?
                        """).execute(arguments: [attempt, id])
                    try db.cachedStatement(sql: """
                        INSERT INTO events(time, kind, worker, trial_id, detail) VALUES (?, 'handback', NULL, ?, ?)
                        """).execute(arguments: [now, id, reason])
                case .recordCancel(let id, let reason):
                    try db.cachedStatement(sql: """
                        UPDATE trials SET status = 'cancelled', finished = ?, reason = ? WHERE id = ?
                        """).execute(arguments: [now, reason, id])
                    // The curve it had: the cancelled attempt's points only.
                    try db.cachedStatement(sql: """
                        DELETE FROM metric_points WHERE trial_id = ?
                          AND attempt <> (SELECT attempts FROM trials WHERE id = ?)
                        """).execute(arguments: [id, id])
                    try db.cachedStatement(sql: """
                        INSERT INTO events(time, kind, worker, trial_id, detail) VALUES (?, 'cancel', NULL, ?, ?)
                        """).execute(arguments: [now, id, reason])
                case .recordPrune(let id, let step, let reason):
                    try db.cachedStatement(sql: """
                        UPDATE trials SET status = 'pruned', finished = ?, reason = ?, stopped_step = ? WHERE id = ?
                        """).execute(arguments: [now, reason, step, id])
                    try db.cachedStatement(sql: """
                        DELETE FROM metric_points WHERE trial_id = ?
                          AND attempt <> (SELECT attempts FROM trials WHERE id = ?)
                        """).execute(arguments: [id, id])
                case .recordDecision(let d):
                    try db.cachedStatement(sql: """
                        INSERT INTO decisions(time, configuration, grp, step, value, promoted, detail)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [now, d.configuration, d.group, d.step, d.value.isFinite ? d.value : nil,
                                                 d.promoted, d.detail])
                case .recordEvent(let kind, let worker, let detail):
                    try db.cachedStatement(sql: """
                        INSERT INTO events(time, kind, worker, trial_id, detail) VALUES (?, ?, ?, NULL, ?)
                        """).execute(arguments: [now, kind, worker, detail])
                }
            }
        }
    }

    /// From the first lease to the last result, as stored (seconds since 1970); nil before both exist.
    public func activeSpan() throws -> (first: Double, last: Double)? {
        try db.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT min(started) AS first, max(finished) AS last FROM trials")
            guard let first: Double = row?["first"], let last: Double = row?["last"] else { return nil }
            return (first, last)
        }
    }

    /// Marks the sweep finished.
    public func finish(now: Double) throws {
        try db.write { try $0.execute(sql: "UPDATE sweep SET finished = ?", arguments: [now]) }
    }
}
