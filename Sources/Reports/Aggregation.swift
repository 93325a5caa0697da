import Foundation
import SweepKit

/// One configuration (dataset × model × optimizer × initial LR, × schedule when swept) over its seeds.
public struct Aggregate: Sendable, Hashable, Codable {
    public var dataset: String
    public var model: String
    public var optimizer: String
    public var lr: Double
    /// The other swept parameters that distinguish configurations (e.g. `schedule=cosine`).
    public var variant: String
    /// Seeds that finished (done) and count in the statistics.
    public var n: Int
    public var mean: Double
    /// Sample standard deviation over seeds (n − 1 in the denominator); 0 when n < 2.
    public var std: Double
    public var diverged: Int
    public var failed: Int
    public var pending: Int
    /// Mean validation accuracy over the same seeds, when reported.
    public var accuracy: Double?

    /// The configuration's label in tables, e.g. `adam` or `sgd (schedule=cosine)`.
    public var label: String { variant.isEmpty ? optimizer : "\(optimizer) (\(variant))" }
}

/// Groups trials by configuration and computes statistics over seeds.
public enum Aggregation {
    static let configurationKeys: Set<String> = ["dataset", "model", "optimizer", "lr", "seed"]

    /// Aggregates over seeds. Diverged and failed seeds are counted, not averaged: a configuration
    /// whose every seed diverged has `n == 0` and a NaN mean.
    public static func aggregate(_ data: ReportData) -> [Aggregate] {
        struct Key: Hashable { var dataset, model, optimizer: String; var lr: Double; var variant: String }
        var groups: [Key: [TrialRecord]] = [:]
        var order: [Key] = []
        for t in data.trials {
            let p = t.parameters
            let variant = p.sortedKeys.filter { !configurationKeys.contains($0) }
                .map { "\($0)=\(p[$0]?.description ?? "")" }.joined(separator: " ")
            let key = Key(dataset: p.dataset ?? "-", model: p.model ?? "-", optimizer: p.optimizer ?? "-",
                          lr: p.lr ?? .nan, variant: variant)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(t)
        }
        return order.map { key in
            // Key was inserted into `groups` together with `order`.
            let trials = groups[key] ?? []
            let done = trials.filter { $0.status == .done }
            let values = done.compactMap { $0.metrics[data.metric] }.filter(\.isFinite)
            let accs = done.compactMap { $0.metrics["val_accuracy"] }.filter(\.isFinite)
            return Aggregate(dataset: key.dataset, model: key.model, optimizer: key.optimizer, lr: key.lr,
                             variant: key.variant, n: values.count, mean: Statistics.mean(values),
                             std: Statistics.sampleStandardDeviation(values),
                             diverged: trials.filter { $0.status == .diverged }.count,
                             failed: trials.filter { $0.status == .failed }.count,
                             pending: trials.filter { !$0.status.isFinal }.count,
                             accuracy: accs.isEmpty ? nil : Statistics.mean(accs))
        }
    }

    /// Per dataset × model: each optimizer (label) at its best initial LR, best first.
    ///
    /// A configuration with no finished seed cannot be best unless nothing else is.
    public static func ranking(_ aggregates: [Aggregate], goal: Goal) -> [RankedCell] {
        var cells: [String: RankedCell] = [:]
        var order: [String] = []
        for a in aggregates {
            let k = a.dataset + "\u{1F}" + a.model
            if cells[k] == nil {
                cells[k] = RankedCell(dataset: a.dataset, model: a.model, entries: [])
                order.append(k)
            }
        }
        for k in order {
            guard var cell = cells[k] else { continue }
            let mine = aggregates.filter { $0.dataset == cell.dataset && $0.model == cell.model }
            var best: [String: Aggregate] = [:]
            var labels: [String] = []
            for a in mine {
                if let b = best[a.label] {
                    if goal.isBetter(a.mean, than: b.mean) { best[a.label] = a }
                } else {
                    best[a.label] = a
                    labels.append(a.label)
                }
            }
            cell.entries = labels.compactMap { best[$0] }.sorted { goal.isBetter($0.mean, than: $1.mean) }
            cells[k] = cell
        }
        return order.compactMap { cells[$0] }
    }
}

/// The ranking of one dataset × model.
public struct RankedCell: Sendable, Hashable, Codable {
    public var dataset: String
    public var model: String
    public var entries: [Aggregate]
}

/// Small statistics helpers.
public enum Statistics {
    public static func mean(_ xs: [Double]) -> Double {
        xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count)
    }

    public static func sampleStandardDeviation(_ xs: [Double]) -> Double {
        guard xs.count > 1 else { return 0 }
        let m = mean(xs)
        return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)).squareRoot()
    }
}
