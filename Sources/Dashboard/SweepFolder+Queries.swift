import Foundation
import GRDB
import SweepKit

/// The sweep as the page's header shows it: name, metric, counts per status, timing.
struct SweepSummary: Sendable {
    var name: String
    var metric: String
    var goal: Goal
    var total: Int
    var counts: [TrialStatus: Int]
    var started: Double?
    var finished: Double?
    /// First lease and last result, as stored.
    var firstStart: Double?
    var lastEnd: Double?
    /// Trials that ended in the last `recentWindow` seconds.
    var recentlyEnded: Int
    var optimizers: [String]

    static let recentWindow = 300.0
    var ended: Int { counts.filter { $0.key.hasEnded }.map(\.value).reduce(0, +) }
}

/// One row of the trial table.
struct TrialRow: Sendable {
    var id: String
    var index: Int
    var parameters: Parameters
    var status: TrialStatus
    var attempts: Int
    var metrics: [String: Double]
    var seconds: Double?
    var worker: String?
    var reason: String?
}

/// A trial with its current attempt's curves (metric name → points in step order).
struct TrialDetail: Sendable {
    var row: TrialRow
    var curves: [(name: String, steps: [Double], values: [Double])]
}

extension SweepFolder {
    func summary(now: Double = Date().timeIntervalSince1970) throws -> SweepSummary? {
        try read { db -> SweepSummary? in
            guard let sweep = try Row.fetchOne(db, sql: """
                SELECT name, metric, goal, trial_count, started, finished FROM sweep
                """) else { return nil }
            var counts: [TrialStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM trials GROUP BY status") {
                if let s = TrialStatus(rawValue: row["status"]) { counts[s] = row["n"] }
            }
            let span = try Row.fetchOne(db, sql: "SELECT MIN(started) AS a, MAX(finished) AS b FROM trials")
            let recent = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM trials WHERE finished >= ? AND status NOT IN ('pending', 'running')
                """, arguments: [now - SweepSummary.recentWindow]) ?? 0
            let optimizers = try String.fetchAll(db, sql: """
                SELECT DISTINCT optimizer FROM trials WHERE optimizer IS NOT NULL ORDER BY optimizer LIMIT 200
                """)
            return SweepSummary(name: sweep["name"], metric: sweep["metric"],
                                goal: Goal(rawValue: sweep["goal"]) ?? .minimize, total: sweep["trial_count"],
                                counts: counts, started: sweep["started"], finished: sweep["finished"],
                                firstStart: span?["a"], lastEnd: span?["b"], recentlyEnded: recent,
                                optimizers: optimizers)
        } ?? nil
    }

    /// One page of the trial table, filtered and sorted in SQL, with the number of trials that match.
    func trials(_ q: TrialQuery, metric: String) throws -> (rows: [TrialRow], matching: Int) {
        try read { db in
            let metricValue = "json_extract(metrics, ?)"
            let path = "$.\"\(metric.replacingOccurrences(of: "\"", with: ""))\""
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let s = q.status { conditions.append("status = ?"); arguments.append(s.rawValue) }
            if let o = q.optimizer { conditions.append("optimizer = ?"); arguments.append(o) }
            if let lr = q.lr {
                // Rates are stored as REAL: match within a relative 1e-9, as printed rates are rounded.
                conditions.append("abs(lr - ?) <= 1e-9 * abs(?)")
                arguments += [lr, lr]
            }
            if q.metricMin != nil || q.metricMax != nil {
                conditions.append("typeof(\(metricValue)) IN ('real', 'integer')")
                arguments.append(path)
            }
            if let m = q.metricMin { conditions.append("\(metricValue) >= ?"); arguments += [path, m] }
            if let m = q.metricMax { conditions.append("\(metricValue) <= ?"); arguments += [path, m] }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let matching = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials \(filter)",
                                            arguments: StatementArguments(arguments) ?? []) ?? 0
            let direction = q.descending ? "DESC" : "ASC"
            var order: String
            var orderArguments: [(any DatabaseValueConvertible)?] = []
            switch q.sort {
            case .index: order = "idx \(direction)"
            case .status: order = "status \(direction), idx"
            case .optimizer: order = "optimizer \(direction), idx"
            case .lr: order = "lr \(direction), idx"
            case .seconds: order = "seconds IS NULL, seconds \(direction), idx"
            case .metric:
                // Trials without a finite value go last whichever the direction.
                order = "typeof(\(metricValue)) NOT IN ('real', 'integer'), \(metricValue) \(direction), idx"
                orderArguments = [path, path]
            }
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, idx, parameters, status, attempts, metrics, seconds, worker, reason FROM trials
                \(filter) ORDER BY \(order) LIMIT ? OFFSET ?
                """, arguments: StatementArguments(arguments + orderArguments
                    + [TrialQuery.pageSize, (q.page - 1) * TrialQuery.pageSize]) ?? [])
            return (try rows.map(Self.trialRow), matching)
        } ?? ([], 0)
    }

    /// A trial and the curves of its current attempt; nil if the sweep has no such trial.
    func trial(_ id: String) throws -> TrialDetail? {
        try read { db -> TrialDetail? in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT id, idx, parameters, status, attempts, metrics, seconds, worker, reason FROM trials WHERE id = ?
                """, arguments: [id]) else { return nil }
            let trial = try Self.trialRow(row)
            var curves: [(name: String, steps: [Double], values: [Double])] = []
            for point in try Row.fetchAll(db, sql: """
                SELECT name, step, value FROM metric_points WHERE trial_id = ? AND attempt = ? ORDER BY name, step
                """, arguments: [id, trial.attempts]) {
                let name: String = point["name"]
                let value: Double? = point["value"]
                if curves.last?.name != name { curves.append((name, [], [])) }
                curves[curves.count - 1].steps.append(Double(point["step"] as Int))
                curves[curves.count - 1].values.append(value ?? .nan)
            }
            return TrialDetail(row: trial, curves: curves)
        } ?? nil
    }

    static func trialRow(_ row: Row) throws -> TrialRow {
        let decoder = JSONCoding.decoder()
        let parameters = try decoder.decode(Parameters.self, from: Data((row["parameters"] as String).utf8))
        let metricsText: String? = row["metrics"]
        let metrics = try metricsText.map { try decoder.decode([String: Double].self, from: Data($0.utf8)) } ?? [:]
        return TrialRow(id: row["id"], index: row["idx"], parameters: parameters,
                        status: TrialStatus(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
                        metrics: metrics, seconds: row["seconds"], worker: row["worker"], reason: row["reason"])
    }
}
