import Foundation
import SweepKit

/// One configuration (dataset × model × optimizer × initial LR, × any other swept key such as `schedule`)
/// summarised over its seeds.
public struct Aggregate: Sendable, Hashable, Codable {
    public var dataset: String
    public var model: String
    public var optimizer: String
    public var lr: Double
    /// The other swept parameters that distinguish configurations (e.g. `schedule=cosine`); empty if none.
    public var variant: String
    /// Trials (seeds) of this configuration, whatever their status.
    public var seeds: Int
    /// Seeds that finished (`done`) with a finite metric: the sample the statistics are computed from.
    public var n: Int
    /// Mean of the metric over the `n` finished seeds; NaN when n = 0.
    public var mean: Double
    /// Sample standard deviation over the finished seeds (n − 1 in the denominator); 0 when n < 2.
    public var std: Double
    /// 95 % Student-t confidence interval for the mean (`Statistics.confidenceInterval`); nil when n < 2.
    public var ciLow: Double?
    public var ciHigh: Double?
    public var diverged: Int
    public var failed: Int
    /// Seeds not finished yet (pending or running), for reports of a sweep still in progress.
    public var pending: Int
    /// Mean validation accuracy over the same finished seeds, when reported (and not the ranking metric).
    public var accuracy: Double?

    enum CodingKeys: String, CodingKey {
        case dataset, model, optimizer, lr, variant, seeds, n, mean, std, diverged, failed, pending, accuracy
        case ciLow = "ci_low", ciHigh = "ci_high"
    }

    /// The configuration's label in tables, e.g. `adam` or `sgd (schedule=cosine)`.
    public var label: String { variant.isEmpty ? optimizer : "\(optimizer) (\(variant))" }
    /// The label with `†` appended when any seed diverged, so a lucky surviving seed cannot hide a divergence.
    public var markedLabel: String { diverged > 0 ? label + " †" : label }
    /// The dataset × model cell this configuration belongs to.
    public var cell: CellKey { CellKey(dataset: dataset, model: model) }
}

/// A dataset × model pair: the unit within which optimizers are compared.
public struct CellKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var dataset: String
    public var model: String
    public init(dataset: String, model: String) {
        self.dataset = dataset
        self.model = model
    }
    public var description: String { "\(dataset) · \(model)" }
}

/// Groups trials by configuration and computes statistics over seeds.
public enum Aggregation {
    /// Keys that are not part of the `variant`: the named axes, and the seed we aggregate over.
    static let configurationKeys: Set<String> = ["dataset", "model", "optimizer", "lr", "seed"]

    /// The configuration a trial belongs to.
    struct Key: Hashable {
        var dataset, model, optimizer: String
        var lr: Double
        var variant: String

        init(_ p: Parameters) {
            dataset = p.dataset ?? "-"
            model = p.model ?? "-"
            optimizer = p.optimizer ?? "-"
            lr = p.lr ?? .nan
            variant = p.sortedKeys.filter { !Aggregation.configurationKeys.contains($0) }
                .map { "\($0)=\(p[$0]?.description ?? "")" }.joined(separator: " ")
        }
    }

    /// Trials grouped by configuration, in the order configurations first appear in the sweep.
    static func groups(_ trials: [TrialRecord]) -> [(key: Key, trials: [TrialRecord])] {
        var index: [Key: Int] = [:]
        var out: [(key: Key, trials: [TrialRecord])] = []
        for t in trials {
            let key = Key(t.parameters)
            if let i = index[key] {
                out[i].trials.append(t)
            } else {
                index[key] = out.count
                out.append((key, [t]))
            }
        }
        return out
    }

    /// The metric values of the seeds that count: finished (`done`) with a finite value.
    ///
    /// Diverged and failed seeds are excluded from the mean but counted in `diverged` / `failed`,
    /// so a table never silently drops them.
    static func values(_ trials: [TrialRecord], metric: String) -> [Double] {
        trials.filter { $0.status == .done }.compactMap { $0.metrics[metric] }.filter(\.isFinite)
    }

    /// Aggregates over seeds, ordered by dataset, model and optimizer as first seen in the sweep, then LR.
    ///
    /// A configuration whose every seed diverged has `n == 0` and a NaN mean.
    public static func aggregate(_ data: ReportData) -> [Aggregate] {
        let grouped = groups(data.trials)
        let aggregates = grouped.map { key, trials in
            let sample = values(trials, metric: data.metric)
            let accuracies = data.metric == "val_accuracy" ? [] : values(trials, metric: "val_accuracy")
            let ci = Statistics.confidenceInterval(sample)
            return Aggregate(dataset: key.dataset, model: key.model, optimizer: key.optimizer, lr: key.lr,
                             variant: key.variant, seeds: trials.count, n: sample.count,
                             mean: Statistics.mean(sample), std: Statistics.sampleStandardDeviation(sample),
                             ciLow: ci?.lowerBound, ciHigh: ci?.upperBound,
                             diverged: trials.filter { $0.status == .diverged }.count,
                             failed: trials.filter { $0.status == .failed }.count,
                             pending: trials.filter { !$0.status.isFinal }.count,
                             accuracy: accuracies.isEmpty ? nil : Statistics.mean(accuracies))
        }
        func firstSeen<T: Hashable>(_ f: (Aggregate) -> T) -> [T: Int] {
            var seen: [T: Int] = [:]
            for a in aggregates where seen[f(a)] == nil { seen[f(a)] = seen.count }
            return seen
        }
        let datasets = firstSeen(\.dataset), models = firstSeen(\.model), labels = firstSeen(\.label)
        return aggregates.sorted { a, b in
            let ka = [datasets[a.dataset] ?? 0, models[a.model] ?? 0, labels[a.label] ?? 0]
            let kb = [datasets[b.dataset] ?? 0, models[b.model] ?? 0, labels[b.label] ?? 0]
            if ka != kb { return ka.lexicographicallyPrecedes(kb) }
            return a.lr < b.lr
        }
    }
}
