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
    /// The step where early stopping stopped the trial (`pruned`); nil otherwise, and in stores older
    /// than the `v3-decisions` migration.
    public var stoppedStep: Int? = nil
}

/// Everything a report needs, read from `results.sqlite` alone.
public struct ReportData: Sendable {
    public var sweepName: String
    public var metric: String
    public var goal: Goal
    public var trials: [TrialRecord]
    /// Curves per trial: metric name → (step, value) in step order.
    public var curves: [String: [String: [CurvePoint]]]
    /// The spec's YAML as the coordinator stored it (`sweep.spec_text`); empty when unknown.
    public var specText: String
    /// Early stopping's decisions in the order they were made; empty without early stopping, and in
    /// stores older than the `v3-decisions` migration (no `decisions` table).
    public var decisions: [Report.Decision]

    public init(sweepName: String, metric: String, goal: Goal, trials: [TrialRecord],
                curves: [String: [String: [CurvePoint]]] = [:], specText: String = "",
                decisions: [Report.Decision] = []) {
        self.sweepName = sweepName
        self.metric = metric
        self.goal = goal
        self.trials = trials
        self.curves = curves
        self.specText = specText
        self.decisions = decisions
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
            guard let sweep = try Row.fetchOne(db, sql: "SELECT name, metric, goal, spec_text FROM sweep") else {
                throw ReportError("\(path) holds no sweep")
            }
            let sweepMetric: String = sweep["metric"]
            let chosen = metric ?? sweepMetric
            let goal = metric == nil ? (Goal(rawValue: sweep["goal"]) ?? .minimize) : Goal.implied(by: chosen)
            // Stores written before the `v3-decisions` migration have neither the column nor the table:
            // they read as "no trial stopped early, no decision made".
            let hasStoppedStep = try db.columns(in: "trials").contains { $0.name == "stopped_step" }
            var trials: [TrialRecord] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT id, idx, parameters, status, attempts, metrics, reason, seconds,
                       \(hasStoppedStep ? "stopped_step" : "NULL AS stopped_step") FROM trials ORDER BY idx
                """) {
                let params = try decoder.decode(Parameters.self, from: Data((row["parameters"] as String).utf8))
                let metricsText: String? = row["metrics"]
                let metrics = try metricsText.map { try decoder.decode([String: Double].self, from: Data($0.utf8)) }
                trials.append(TrialRecord(id: row["id"], index: row["idx"], parameters: params,
                                          status: TrialStatus(rawValue: row["status"]) ?? .pending,
                                          attempts: row["attempts"], metrics: metrics ?? [:],
                                          reason: row["reason"], seconds: row["seconds"],
                                          stoppedStep: row["stopped_step"]))
            }
            var curves: [String: [String: [CurvePoint]]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT trial_id, name, step, value FROM metric_points ORDER BY trial_id, name, step
                """) {
                let value: Double? = row["value"]
                curves[row["trial_id"], default: [:]][row["name"], default: []]
                    .append(CurvePoint(step: row["step"], value: value ?? .nan))
            }
            var decisions: [Report.Decision] = []
            if try db.tableExists("decisions") {
                for row in try Row.fetchAll(db, sql: """
                    SELECT time, configuration, grp, step, value, promoted, detail FROM decisions ORDER BY rowid
                    """) {
                    let value: Double? = row["value"]
                    decisions.append(Report.Decision(time: row["time"], configuration: row["configuration"],
                                                     group: row["grp"], step: row["step"], value: value ?? .nan,
                                                     promoted: row["promoted"], detail: row["detail"]))
                }
            }
            let specText: String? = sweep["spec_text"]
            return ReportData(sweepName: sweep["name"], metric: chosen, goal: goal, trials: trials, curves: curves,
                              specText: specText ?? "", decisions: decisions)
        }
    }
}

/// One point of a metric curve.
public struct CurvePoint: Sendable, Hashable, Codable {
    public var step: Int
    public var value: Double
}
