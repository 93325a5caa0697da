import Foundation
import GRDB
import SweepKit

/// An error reading a results store.
public struct ReportError: Error, LocalizedError, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// One trial as the store holds it.
public struct TrialRecord: Sendable, Hashable, Codable {
    public var id: String
    public var index: Int
    public var parameters: Parameters
    public var status: TrialStatus
    public var attempts: Int
    public var metrics: [String: Double]
    public var reason: String?
    public var seconds: Double?
}

/// Everything a report needs, read from `results.sqlite` alone.
public struct ReportData: Sendable {
    public var sweepName: String
    public var metric: String
    public var goal: Goal
    public var trials: [TrialRecord]
    /// Curves per trial: metric name → (step, value) in step order.
    public var curves: [String: [String: [CurvePoint]]]

    public init(sweepName: String, metric: String, goal: Goal, trials: [TrialRecord],
                curves: [String: [String: [CurvePoint]]] = [:]) {
        self.sweepName = sweepName
        self.metric = metric
        self.goal = goal
        self.trials = trials
        self.curves = curves
    }

    /// Reads the store at `path` (read-only). `metric` overrides the sweep's ranking metric.
    public static func load(path: String, metric: String? = nil) throws -> ReportData {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ReportError("no results store at \(path): run a sweep first (lrsweep run SPEC.yaml)")
        }
        var config = Configuration()
        config.readonly = true
        let db: DatabaseQueue
        do {
            db = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw ReportError("cannot open \(path): \(error)")
        }
        let decoder = JSONCoding.decoder()
        return try db.read { db in
            guard let sweep = try Row.fetchOne(db, sql: "SELECT name, metric, goal FROM sweep") else {
                throw ReportError("\(path) holds no sweep")
            }
            let sweepMetric: String = sweep["metric"]
            let chosen = metric ?? sweepMetric
            let goal = metric == nil ? (Goal(rawValue: sweep["goal"]) ?? .minimize) : Goal.implied(by: chosen)
            var trials: [TrialRecord] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT id, idx, parameters, status, attempts, metrics, reason, seconds FROM trials ORDER BY idx
                """) {
                let params = try decoder.decode(Parameters.self, from: Data((row["parameters"] as String).utf8))
                let metricsText: String? = row["metrics"]
                let metrics = try metricsText.map { try decoder.decode([String: Double].self, from: Data($0.utf8)) }
                trials.append(TrialRecord(id: row["id"], index: row["idx"], parameters: params,
                                          status: TrialStatus(rawValue: row["status"]) ?? .pending,
                                          attempts: row["attempts"], metrics: metrics ?? [:],
                                          reason: row["reason"], seconds: row["seconds"]))
            }
            var curves: [String: [String: [CurvePoint]]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT trial_id, name, step, value FROM metric_points ORDER BY trial_id, name, step
                """) {
                let value: Double? = row["value"]
                curves[row["trial_id"], default: [:]][row["name"], default: []]
                    .append(CurvePoint(step: row["step"], value: value ?? .nan))
            }
            return ReportData(sweepName: sweep["name"], metric: chosen, goal: goal, trials: trials, curves: curves)
        }
    }
}

/// One point of a metric curve.
public struct CurvePoint: Sendable, Hashable, Codable {
    public var step: Int
    public var value: Double
}
