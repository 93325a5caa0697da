import Foundation
import GRDB
import SweepCoordinator
@testable import Dashboard

/// A sweep folder whose store is written by hand (through the coordinator's schema), so the pages can be
/// checked against known rows. Trial `i` (id `t<i>`, i from 0): optimizer `sgd` for even i and `adam` for
/// odd, lr 0.1 for i % 4 < 2 else 0.01, seed i, status from `statuses` (cycled), val_loss 1 + i/1000 when
/// done, and a `val_loss` curve at steps 1, 2, 3 for every trial that ran.
struct DashboardFixture {
    let root: String
    let dir: String
    let writer: DatabaseQueue

    static let statuses = ["done", "done", "running", "pending", "failed", "diverged", "pruned", "cancelled"]

    init(folder: String = "sweep", name: String = "fixture", trials: Int = 24, tag: String = "plain",
         points: Bool = true) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dash-\(UUID().uuidString)").path
        dir = "\(root)/\(folder)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = "\(dir)/results.sqlite"
        _ = try ResultStore(path: path)  // the coordinator's schema, WAL mode
        var config = Configuration()
        config.busyMode = .immediateError  // a write that a reader blocked would fail at once
        writer = try DatabaseQueue(path: path, configuration: config)
        let tagJSON = String(decoding: try JSONEncoder().encode(tag), as: UTF8.self)
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO sweep(name, spec_path, spec_text, metric, goal, trial_count, started)
                VALUES (?, 'fixture.yaml', '', 'val_loss', 'minimize', ?, 0)
                """, arguments: [name, trials])
            for i in 0..<trials {
                let optimizer = i % 2 == 0 ? "sgd" : "adam"
                let lr = i % 4 < 2 ? 0.1 : 0.01
                let status = Self.statuses[i % Self.statuses.count]
                let params = #"{"dataset":"fashion-mnist","lr":\#(lr),"model":"logreg","optimizer":"\#(optimizer)","#
                    + #""seed":\#(i),"tag":\#(tagJSON)}"#
                let metrics: String? = status == "done" ? #"{"val_loss":\#(Self.value(i))}"# : nil
                try db.execute(sql: """
                    INSERT INTO trials(id, idx, parameters, optimizer, lr, dataset, model, seed, status, attempts,
                                       seconds, metrics, worker)
                    VALUES (?, ?, ?, ?, ?, 'fashion-mnist', 'logreg', ?, ?, ?, ?, ?, ?)
                    """, arguments: ["t\(i)", i, params, optimizer, lr, i, status, status == "pending" ? 0 : 1,
                                     status == "done" ? Double(i) : nil, metrics, status == "pending" ? nil : "w1"])
                guard points, status != "pending" else { continue }
                for step in 1...3 {
                    try db.execute(sql: """
                        INSERT INTO metric_points(trial_id, attempt, step, name, value) VALUES (?, 1, ?, 'val_loss', ?)
                        """, arguments: ["t\(i)", step, Self.value(i) + Double(3 - step) / 10])
                }
            }
        }
    }

    static func value(_ i: Int) -> Double { 1 + Double(i) / 1000 }

    /// Writes one more curve point, as a coordinator would.
    func addPoint(trial: String, step: Int, value: Double) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO metric_points(trial_id, attempt, step, name, value) VALUES (?, 1, ?, 'val_loss', ?)
                """, arguments: [trial, step, value])
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}
