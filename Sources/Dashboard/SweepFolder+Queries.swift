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
    /// The summary, computed once per state of the store (the live sections of a page ask for it together
    /// after each change).
    func summary(now: Double = Date().timeIntervalSince1970) throws -> SweepSummary? {
        let version = dataVersion()
        if let cached = summaryCache.withLock({ $0 }), cached.version == version, now - cached.at < 5 {
            return cached.summary
        }
        let fresh = try readSummary(now: now)
        if let fresh { summaryCache.withLock { $0 = (version, now, fresh) } }
        return fresh
    }

    func readSummary(now: Double) throws -> SweepSummary? {
        try read { db -> SweepSummary? in
            guard let sweep = try Row.fetchOne(db, sql: """
                SELECT name, metric, goal, trial_count, started, finished FROM sweep
                """) else { return nil }
            // One pass over the trials for every figure of the header (a 100,000-trial table is read once).
            var counts: [TrialStatus: Int] = [:]
            var firstStart: Double?, lastEnd: Double?, recent = 0
            for row in try Row.fetchAll(db, sql: """
                SELECT status, COUNT(*) AS n, MIN(started) AS a, MAX(finished) AS b,
                       SUM(finished >= ? AND status NOT IN ('pending', 'running')) AS recent
                FROM trials GROUP BY status
                """, arguments: [now - SweepSummary.recentWindow]) {
                if let s = TrialStatus(rawValue: row["status"]) { counts[s] = row["n"] }
                if let a: Double = row["a"] { firstStart = min(firstStart ?? a, a) }
                if let b: Double = row["b"] { lastEnd = max(lastEnd ?? b, b) }
                recent += (row["recent"] as Int?) ?? 0
            }
            let optimizers = try optimizerNames(db)
            return SweepSummary(name: sweep["name"], metric: sweep["metric"],
                                goal: Goal(rawValue: sweep["goal"]) ?? .minimize, total: sweep["trial_count"],
                                counts: counts, started: sweep["started"], finished: sweep["finished"],
                                firstStart: firstStart, lastEnd: lastEnd, recentlyEnded: recent,
                                optimizers: optimizers)
        } ?? nil
    }

    /// One page of the trial table, filtered and sorted in SQL, with the number of trials that match.
    func trials(_ q: TrialQuery, metric: String) throws -> (rows: [TrialRow], matching: Int) {
        try read { db -> (rows: [TrialRow], matching: Int) in
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
                                            arguments: StatementArguments(arguments)) ?? 0
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
                order = "typeof(m) NOT IN ('real', 'integer'), m \(direction), idx"
                orderArguments = [path]
            }
            // Sort row ids only (a deep page keeps every skipped row in SQLite's sorter), then read the page.
            let ids = try Int64.fetchAll(db, sql: """
                SELECT rowid\(q.sort == .metric ? ", \(metricValue) AS m" : "") FROM trials
                \(filter) ORDER BY \(order) LIMIT ? OFFSET ?
                """, arguments: StatementArguments(orderArguments + arguments
                    + [TrialQuery.pageSize, (q.page - 1) * TrialQuery.pageSize]))
            var byRowID: [Int64: TrialRow] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT rowid, id, idx, parameters, status, attempts, metrics, seconds, worker, reason FROM trials
                WHERE rowid IN (\(ids.map(String.init).joined(separator: ",")))
                """) {
                byRowID[row["rowid"]] = try Self.trialRow(row)
            }
            return (ids.compactMap { byRowID[$0] }, matching)
        } ?? ([], 0)
    }

    /// The optimizers of the sweep's trials, read once: trial rows are written when the sweep starts and
    /// their parameters never change.
    func optimizerNames(_ db: Database) throws -> [String] {
        if let known = optimizers.withLock({ $0 }) { return known }
        let names = try String.fetchAll(db, sql: """
            SELECT DISTINCT optimizer FROM trials WHERE optimizer IS NOT NULL ORDER BY optimizer LIMIT 200
            """)
        if !names.isEmpty { optimizers.withLock { $0 = names } }
        return names
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
