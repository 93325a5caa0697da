import Foundation
import GRDB
import SweepCoordinator
import SweepKit
@testable import Reports

/// Stores with early stopping (pruned trials, decisions), cancelled trials, sampled rates, and stores
/// from before the `v3-decisions` migration.
extension StoreFixture {
    /// One trial of a hand-written store.
    struct Trial {
        var optimizer: String
        var lr: Double
        var seed: Int
        /// `done`, `pruned`, `cancelled`, `diverged`, …
        var status: String
        /// Its final `val_loss` as stored in `metrics`, if any. Pruned trials may carry one (an early value)
        /// to show that reports never average it.
        var value: Double?
        /// Its `val_loss` curve runs every 10 steps up to here (none when 0); the last point is `value`.
        var lastStep: Int
        /// For pruned trials: where early stopping stopped it.
        var stoppedStep: Int? = nil
        /// Other parameters (e.g. `sgd-hd.hyper_lr`).
        var extra: [String: ParamValue] = [:]

        static func done(_ optimizer: String, _ lr: Double, seed: Int = 1, _ value: Double, steps: Int = 100) -> Trial {
            Trial(optimizer: optimizer, lr: lr, seed: seed, status: "done", value: value, lastStep: steps)
        }

        static func pruned(_ optimizer: String, _ lr: Double, seed: Int = 1, at step: Int,
                           value: Double? = nil) -> Trial {
            Trial(optimizer: optimizer, lr: lr, seed: seed, status: "pruned", value: value, lastStep: step,
                  stoppedStep: step)
        }
    }

    /// Creates the early-stopping schema (`decisions` table, `trials.stopped_step`) where the store lacks it,
    /// as the coordinator's `v3-decisions` migration does.
    static func ensureEarlyStoppingSchema(_ db: Database) throws {
        if try !db.tableExists("decisions") {
            try db.execute(sql: """
                CREATE TABLE decisions (
                    time REAL NOT NULL, configuration TEXT NOT NULL, grp TEXT NOT NULL, step INTEGER NOT NULL,
                    value REAL, promoted INTEGER NOT NULL, detail TEXT NOT NULL)
                """)
        }
        if try !db.columns(in: "trials").contains(where: { $0.name == "stopped_step" }) {
            try db.execute(sql: "ALTER TABLE trials ADD COLUMN stopped_step INTEGER")
        }
    }

    /// Marks trial `id` pruned at `step`, as the coordinator's `recordPrune` does.
    static func markPruned(_ db: Database, id: String, step: Int, reason: String = "pruned by early stopping") throws {
        try ensureEarlyStoppingSchema(db)
        try db.execute(sql: "UPDATE trials SET status = 'pruned', reason = ?, stopped_step = ? WHERE id = ?",
                       arguments: [reason, step, id])
    }

    /// Appends early-stopping decisions, in order.
    static func writeDecisions(_ db: Database, _ decisions: [Report.Decision]) throws {
        try ensureEarlyStoppingSchema(db)
        for d in decisions {
            try db.execute(sql: """
                INSERT INTO decisions(time, configuration, grp, step, value, promoted, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [d.time ?? 0, d.configuration, d.group, d.step, d.value.isFinite ? d.value : nil,
                                 d.promoted, d.detail])
        }
    }

    /// A decision about `optimizer` at `lr` (fashion-mnist · logreg), in the coordinator's canonical text.
    static func decision(_ optimizer: String, _ lr: Double, step: Int, value: Double, promoted: Bool,
                         time: Double) -> Report.Decision {
        Report.Decision(time: time,
                        configuration: "dataset=fashion-mnist lr=\(lr) model=logreg optimizer=\(optimizer)",
                        group: "dataset=fashion-mnist model=logreg optimizer=\(optimizer)", step: step,
                        value: value, promoted: promoted,
                        detail: promoted ? "among the best at step \(step)" : "not among the best at step \(step)")
    }

    /// A temporary folder holding `results.sqlite` (the coordinator's current schema) with `trials` (ids
    /// `t0`, `t1`, … in order, all fashion-mnist · logreg, metric `val_loss`), `decisions` and `specText`.
    static func makeStore(_ trials: [Trial], decisions: [Report.Decision] = [], specText: String = "",
                          name: String = "early") throws -> String {
        let dir = try makeFolder()
        let path = dir + "/results.sqlite"
        _ = try ResultStore(path: path)
        try DatabaseQueue(path: path).write { db in
            try ensureEarlyStoppingSchema(db)
            try db.execute(sql: """
                INSERT INTO sweep(name, spec_path, spec_text, metric, goal, trial_count, started)
                VALUES (?, 'spec.yaml', ?, 'val_loss', 'minimize', ?, 0)
                """, arguments: [name, specText, trials.count])
            for (i, t) in trials.enumerated() {
                let id = "t\(i)"
                var values: [String: ParamValue] = ["dataset": .string("fashion-mnist"), "model": .string("logreg"),
                                                    "optimizer": .string(t.optimizer), "lr": .double(t.lr),
                                                    "seed": .int(t.seed)]
                values.merge(t.extra) { _, new in new }
                let params = String(decoding: try JSONCoding.encoder().encode(Parameters(values)), as: UTF8.self)
                let metrics = t.value.map { #"{"val_loss":\#($0)}"# }
                try db.execute(sql: """
                    INSERT INTO trials(id, idx, parameters, optimizer, lr, dataset, model, seed, status, attempts,
                                       seconds, metrics)
                    VALUES (?, ?, ?, ?, ?, 'fashion-mnist', 'logreg', ?, ?, 1, 1.0, ?)
                    """, arguments: [id, i, params, t.optimizer, t.lr, t.seed, t.status, metrics])
                if t.status == "pruned", let step = t.stoppedStep { try markPruned(db, id: id, step: step) }
                // val_loss falls linearly by 0.01 per point to its last value.
                let steps = Array(stride(from: 10, through: t.lastStep, by: 10))
                for (k, step) in steps.enumerated() {
                    try db.execute(sql: """
                        INSERT INTO metric_points(trial_id, attempt, step, name, value) VALUES (?, 1, ?, 'val_loss', ?)
                        """, arguments: [id, step, (t.value ?? 1) + 0.01 * Double(steps.count - 1 - k)])
                }
            }
            try writeDecisions(db, decisions)
        }
        return dir
    }

    /// The report of a store built by `makeStore(_:decisions:specText:name:)`; the folder is removed.
    static func report(_ trials: [Trial], decisions: [Report.Decision] = [], specText: String = "") throws -> Report {
        let dir = try makeStore(trials, decisions: decisions, specText: specText)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return Report(try ReportData.load(path: dir + "/results.sqlite"))
    }

    /// A store as the coordinator wrote it before the `v3-decisions` migration (schema v1 without the
    /// status index: no `decisions` table, no `stopped_step` column), holding the classic rows.
    static func makeLegacyStore() throws -> String {
        let dir = try makeFolder()
        try DatabaseQueue(path: dir + "/results.sqlite").write { db in
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
                CREATE TABLE metric_points (
                    trial_id TEXT NOT NULL, attempt INTEGER NOT NULL, step INTEGER NOT NULL,
                    name TEXT NOT NULL, value REAL);
                CREATE TABLE events (
                    time REAL NOT NULL, kind TEXT NOT NULL, worker TEXT, trial_id TEXT, detail TEXT NOT NULL);
                """)
            try insertRows(db)
        }
        return dir
    }
}
