import Foundation
import GRDB
import SweepCoordinator
import SweepKit
@testable import Reports

/// Hand-made stores with several dataset × model cells, for the all-tasks summary, tuning budgets and
/// `compare`. Each seed's final value is given, so every number can be worked out on paper.
///
/// ``standard`` (sweep `multi`, `val_loss`, minimize), two seeds each:
///
/// | cell                 | sgd 1.0  | sgd 0.1    | sgd 0.01   | adam 0.1   | adam 0.01  |
/// |----------------------|----------|------------|------------|------------|------------|
/// | fashion-mnist·logreg | diverged | .40 .42    | .70 .72    | .90 .92    | .50 .52    |
/// | fashion-mnist·mlp    | –        | .30 .32    | .70 .72    | .90 .92    | .20 .22    |
/// | mnist·logreg         | –        | .60 .62    | .70 .72    | .90 .92    | .60 .62    |
enum MultiCellFixture {
    struct Row {
        var dataset, model, optimizer: String
        var lr: Double
        var seed: Int
        /// nil: diverged.
        var value: Double?
    }

    static var standard: [Row] {
        let cells = [("fashion-mnist", "logreg", 0.40, 0.50), ("fashion-mnist", "mlp", 0.30, 0.20),
                     ("mnist", "logreg", 0.60, 0.60)]
        var rows: [Row] = []
        for (dataset, model, sgd, adam) in cells {
            for seed in 1...2 {
                let d = Double(seed - 1) * 0.02
                if dataset == "fashion-mnist" && model == "logreg" {
                    rows.append(Row(dataset: dataset, model: model, optimizer: "sgd", lr: 1.0, seed: seed, value: nil))
                }
                rows.append(Row(dataset: dataset, model: model, optimizer: "sgd", lr: 0.1, seed: seed, value: sgd + d))
                rows.append(Row(dataset: dataset, model: model, optimizer: "sgd", lr: 0.01, seed: seed, value: 0.70 + d))
                rows.append(Row(dataset: dataset, model: model, optimizer: "adam", lr: 0.1, seed: seed, value: 0.90 + d))
                rows.append(Row(dataset: dataset, model: model, optimizer: "adam", lr: 0.01, seed: seed,
                                value: adam + d))
            }
        }
        return rows
    }

    /// A temporary folder holding `results.sqlite` with `rows`; the caller removes it.
    static func makeStore(name: String = "multi", metric: String = "val_loss", goal: Goal = .minimize,
                          rows: [Row] = standard) throws -> String {
        let dir = try StoreFixture.makeFolder()
        let path = dir + "/results.sqlite"
        _ = try ResultStore(path: path)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                INSERT INTO sweep(name, spec_path, spec_text, metric, goal, trial_count, started)
                VALUES (?, 'multi.yaml', '', ?, ?, ?, 0)
                """, arguments: [name, metric, goal.rawValue, rows.count])
            for (i, r) in rows.enumerated() {
                let params = #"{"dataset":"\#(r.dataset)","lr":\#(r.lr),"model":"\#(r.model)","#
                    + #""optimizer":"\#(r.optimizer)","seed":\#(r.seed)}"#
                let metrics = r.value.map { #"{"\#(metric)":\#($0)}"# } ?? #"{"train_loss":"nan"}"#
                try db.execute(sql: """
                    INSERT INTO trials(id, idx, parameters, optimizer, lr, dataset, model, seed, status, attempts,
                                       seconds, metrics, reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1.0, ?, ?)
                    """, arguments: ["\(name)-\(i)", i, params, r.optimizer, r.lr, r.dataset, r.model, r.seed,
                                     r.value == nil ? "diverged" : "done", metrics,
                                     r.value == nil ? "loss became nan" : nil])
                guard let v = r.value else { continue }
                for (k, offset) in [0.2, 0.0].enumerated() {
                    try db.execute(sql: """
                        INSERT INTO metric_points(trial_id, attempt, step, name, value) VALUES (?, 1, ?, ?, ?)
                        """, arguments: ["\(name)-\(i)", 10 * (k + 1), metric, v + offset])
                }
            }
        }
        return dir
    }

    /// The data of a store made from `rows`, its folder removed.
    static func load(name: String = "multi", metric: String = "val_loss", goal: Goal = .minimize,
                     rows: [Row] = standard) throws -> ReportData {
        let dir = try makeStore(name: name, metric: metric, goal: goal, rows: rows)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try ReportData.load(path: dir + "/results.sqlite")
    }
}
