import Foundation
import SweepKit

/// The machine-readable report: `sweep`, `trials`, `aggregates` and `ranking` (see the README).
public enum JSONReport {
    public struct Document: Codable, Sendable {
        public struct Sweep: Codable, Sendable {
            public var name: String
            public var metric: String
            public var goal: Goal
        }
        public struct TrialEntry: Codable, Sendable {
            public var id: String
            public var parameters: Parameters
            public var status: TrialStatus
            public var attempts: Int
            public var metrics: [String: Double]
            public var reason: String?
            /// metric name → [[step, value]]
            public var curve: [String: [[Double]]]
        }
        public var sweep: Sweep
        public var trials: [TrialEntry]
        public var aggregates: [Aggregate]
        public var ranking: [RankedCell]
    }

    public static func document(_ data: ReportData) -> Document {
        let aggregates = Aggregation.aggregate(data)
        return Document(
            sweep: .init(name: data.sweepName, metric: data.metric, goal: data.goal),
            trials: data.trials.map { t in
                Document.TrialEntry(id: t.id, parameters: t.parameters, status: t.status, attempts: t.attempts,
                                    metrics: t.metrics, reason: t.reason,
                                    curve: (data.curves[t.id] ?? [:]).mapValues { $0.map { [Double($0.step), $0.value] } })
            },
            aggregates: aggregates,
            ranking: Aggregation.ranking(aggregates, goal: data.goal))
    }

    public static func render(_ data: ReportData) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                nan: "nan")
        return String(decoding: try e.encode(document(data)), as: UTF8.self)
    }
}
