import Foundation
import GRDB
import SweepCoordinator
import SweepKit
@testable import Reports

/// A small results store written by hand, so every statistic can be worked out on paper.
///
/// One cell (fashion-mnist · logreg), metric `val_loss` (minimize), seeds 1–3:
///
/// | optimizer | lr   | seed 1   | seed 2 | seed 3 | mean  | sd        |
/// |-----------|------|----------|--------|--------|-------|-----------|
/// | sgd       | 1.0  | diverged | div.   | div.   | –     | –         |
/// | sgd       | 0.1  | 0.50     | 0.52   | 0.54   | 0.52  | 0.02      |
/// | sgd       | 0.01 | 0.60     | 0.65   | 0.58   | 0.61  | 0.0360555 |
/// | adam      | 0.1  | diverged | 0.70   | 0.80   | 0.75  | 0.0707107 |
/// | adam      | 0.01 | 0.45     | 0.47   | failed | 0.46  | 0.0141421 |
/// | sgd-hd    | 0.1  | 0.47     | 0.49   | 0.45   | 0.47  | 0.02      |
/// | sgd-hd    | 0.01 | 0.48     | 0.50   | 0.52   | 0.50  | 0.02      |
///
/// Curves (`val_loss`, `lr`, `seconds`) at steps 10, 20, 30 for finished trials; the last `val_loss` point
/// equals the final value v: sgd [v+0.3, v+0.1, v], adam [v+0.3, v+0.05, v], sgd-hd [v+0.04, v+0.02, v].
/// `seconds` = step / 10. `lr` is constant for sgd and adam, and [lr, 2·lr, 3·lr] for sgd-hd.
enum StoreFixture {
    /// (optimizer, lr, seed) → final val_loss, or a status when the trial did not finish.
    enum Outcome { case done(Double), diverged, failed }

    static let rows: [(String, Double, Int, Outcome)] = [
        ("sgd", 1.0, 1, .diverged), ("sgd", 1.0, 2, .diverged), ("sgd", 1.0, 3, .diverged),
        ("sgd", 0.1, 1, .done(0.50)), ("sgd", 0.1, 2, .done(0.52)), ("sgd", 0.1, 3, .done(0.54)),
        ("sgd", 0.01, 1, .done(0.60)), ("sgd", 0.01, 2, .done(0.65)), ("sgd", 0.01, 3, .done(0.58)),
        ("adam", 0.1, 1, .diverged), ("adam", 0.1, 2, .done(0.70)), ("adam", 0.1, 3, .done(0.80)),
        ("adam", 0.01, 1, .done(0.45)), ("adam", 0.01, 2, .done(0.47)), ("adam", 0.01, 3, .failed),
        ("sgd-hd", 0.1, 1, .done(0.47)), ("sgd-hd", 0.1, 2, .done(0.49)), ("sgd-hd", 0.1, 3, .done(0.45)),
        ("sgd-hd", 0.01, 1, .done(0.48)), ("sgd-hd", 0.01, 2, .done(0.50)), ("sgd-hd", 0.01, 3, .done(0.52)),
    ]

    static func curveOffsets(_ optimizer: String) -> [Double] {
        switch optimizer {
        case "sgd": return [0.3, 0.1, 0]
        case "adam": return [0.3, 0.05, 0]
        default: return [0.04, 0.02, 0]
        }
    }

    /// A new temporary folder; the caller removes it.
    static func makeFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A temporary folder holding `results.sqlite` with the rows above; the caller removes it.
    static func makeStore() throws -> String {
        let dir = try makeFolder()
        let path = dir + "/results.sqlite"
        _ = try ResultStore(path: path)  // creates the coordinator's schema
        try DatabaseQueue(path: path).write(insertRows)
        return dir
    }

    /// Writes the sweep row and the rows above (columns every schema version has).
    static func insertRows(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO sweep(name, spec_path, spec_text, metric, goal, trial_count, started)
            VALUES ('fixture', 'fixture.yaml', '', 'val_loss', 'minimize', ?, 0)
            """, arguments: [rows.count])
        for (i, row) in rows.enumerated() {
            let (optimizer, lr, seed, outcome) = row
            let id = "t\(i)"
            let params = #"{"dataset":"fashion-mnist","lr":\#(lr),"model":"logreg","#
                + #""optimizer":"\#(optimizer)","seed":\#(seed)}"#
            var status = "done", metrics: String? = nil, reason: String? = nil
            switch outcome {
            case .done(let v):
                metrics = #"{"val_accuracy":0.8,"val_loss":\#(v)}"#
            case .diverged:
                status = "diverged"
                metrics = #"{"train_loss":"nan"}"#
                reason = "loss became nan at step 3"
            case .failed:
                status = "failed"
                reason = "worker w1 silent for 3 s"
            }
            try db.execute(sql: """
                INSERT INTO trials(id, idx, parameters, optimizer, lr, dataset, model, seed, status, attempts,
                                   seconds, metrics, reason)
                VALUES (?, ?, ?, ?, ?, 'fashion-mnist', 'logreg', ?, ?, 1, 3.0, ?, ?)
                """, arguments: [id, i, params, optimizer, lr, seed, status, metrics, reason])
            guard case .done(let v) = outcome else { continue }
            for (k, offset) in curveOffsets(optimizer).enumerated() {
                let step = 10 * (k + 1)
                let lrValue = optimizer == "sgd-hd" ? lr * Double(k + 1) : lr
                for (name, value) in [("val_loss", v + offset), ("lr", lrValue), ("seconds", Double(step) / 10)] {
                    try db.execute(sql: """
                        INSERT INTO metric_points(trial_id, attempt, step, name, value) VALUES (?, 1, ?, ?, ?)
                        """, arguments: [id, step, name, value])
                }
            }
        }
    }

    /// Loads the fixture store into a `ReportData` and removes the folder.
    static func load(metric: String? = nil) throws -> ReportData {
        let dir = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try ReportData.load(path: dir + "/results.sqlite", metric: metric)
    }

    /// The fixture's report.
    static func report() throws -> Report { Report(try load()) }
}
