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
    /// Seeds stopped by early stopping (`pruned`). Their values are never averaged, and a configuration with
    /// any pruned seed is not ranked: it did not run its full budget on every seed.
    public var pruned: Int = 0
    /// Seeds stopped by a user (`cancelled`): counted like failed seeds, never averaged.
    public var cancelled: Int = 0
    /// The furthest step a pruned seed reached before it was stopped; nil when no seed was pruned.
    public var stoppedStep: Int? = nil
    /// Distribution axes other than `lr` of a random or Sobol sweep (`sgd-hd.hyper_lr=0.00123`): part of the
    /// configuration, like `lr`, but not of its label. Empty for grid sweeps.
    public var tuned: String = ""

    enum CodingKeys: String, CodingKey {
        case dataset, model, optimizer, lr, variant, seeds, n, mean, std, diverged, failed, pending, accuracy
        case pruned, cancelled, tuned
        case ciLow = "ci_low", ciHigh = "ci_high", stoppedStep = "stopped_step"
    }

    /// True if early stopping stopped any of its seeds.
    public var isPruned: Bool { pruned > 0 }

    /// The configuration's label in tables, e.g. `adam` or `sgd (schedule=cosine)`.
    public var label: String { variant.isEmpty ? optimizer : "\(optimizer) (\(variant))" }
    /// The label with the tuned keys, when there are any: `sgd-hd · sgd-hd.hyper_lr=0.00123`.
    public var fullLabel: String { tuned.isEmpty ? label : "\(label) · \(tuned)" }
    /// The label with `†` appended when any seed diverged, so a lucky surviving seed cannot hide a divergence.
    public var markedLabel: String { diverged > 0 ? fullLabel + " †" : fullLabel }
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
        var tuned: String

        /// The configuration of parameters `p`; `tunedKeys` (see ``LRSampling/tunedKeys``) go to `tuned`.
        init(_ p: Parameters, tunedKeys: Set<String>) {
            dataset = p.dataset ?? "-"
            model = p.model ?? "-"
            optimizer = p.optimizer ?? "-"
            lr = p.lr ?? .nan
            func text(_ keys: [String]) -> String {
                keys.map { "\($0)=\(p[$0]?.description ?? "")" }.joined(separator: " ")
            }
            let others = p.sortedKeys.filter { !Aggregation.configurationKeys.contains($0) }
            variant = text(others.filter { !tunedKeys.contains($0) })
            tuned = text(others.filter(tunedKeys.contains))
        }

        /// True if `a` is this configuration (NaN rates compare equal: trials without an `lr`).
        func matches(_ a: Aggregate) -> Bool {
            dataset == a.dataset && model == a.model && optimizer == a.optimizer && variant == a.variant
                && tuned == a.tuned && (lr == a.lr || (lr.isNaN && a.lr.isNaN))
        }
    }

    /// Trials grouped by configuration, in the order configurations first appear in the sweep.
    static func groups(_ trials: [TrialRecord], tunedKeys: Set<String> = []) -> [(key: Key, trials: [TrialRecord])] {
        var index: [Key: Int] = [:]
        var out: [(key: Key, trials: [TrialRecord])] = []
        for t in trials {
            let key = Key(t.parameters, tunedKeys: tunedKeys)
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
    /// A configuration whose every seed diverged has `n == 0` and a NaN mean. Pruned and cancelled seeds
    /// are counted in their own fields and never averaged (their metrics, if any, are of a partial run).
    /// - Parameter tunedKeys: distribution axes other than `lr` (see ``LRSampling``), kept out of labels.
    public static func aggregate(_ data: ReportData, tunedKeys: Set<String> = []) -> [Aggregate] {
        let grouped = groups(data.trials, tunedKeys: tunedKeys)
        let aggregates = grouped.map { key, trials in
            let sample = values(trials, metric: data.metric)
            let accuracies = data.metric == "val_accuracy" ? [] : values(trials, metric: "val_accuracy")
            let ci = Statistics.confidenceInterval(sample)
            let pruned = trials.filter { $0.status == .pruned }
            return Aggregate(dataset: key.dataset, model: key.model, optimizer: key.optimizer, lr: key.lr,
                             variant: key.variant, seeds: trials.count, n: sample.count,
                             mean: Statistics.mean(sample), std: Statistics.sampleStandardDeviation(sample),
                             ciLow: ci?.lowerBound, ciHigh: ci?.upperBound,
                             diverged: trials.filter { $0.status == .diverged }.count,
                             failed: trials.filter { $0.status == .failed }.count,
                             pending: trials.filter { $0.status == .pending || $0.status == .running }.count,
                             accuracy: accuracies.isEmpty ? nil : Statistics.mean(accuracies),
                             pruned: pruned.count, cancelled: trials.filter { $0.status == .cancelled }.count,
                             stoppedStep: pruned.compactMap { stoppedStep($0, curves: data.curves) }.max(),
                             tuned: key.tuned)
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
            if a.lr != b.lr { return a.lr < b.lr }
            return a.tuned < b.tuned
        }
    }

    /// Where a pruned trial stopped: its `stopped_step`, else the last step of its curves.
    static func stoppedStep(_ t: TrialRecord, curves: [String: [String: [CurvePoint]]]) -> Int? {
        t.stoppedStep ?? curves[t.id]?.values.compactMap { $0.last?.step }.max()
    }
}

extension Aggregate {
    /// Decodes an aggregate, also from `results.json` files written before `pruned`, `cancelled`,
    /// `stopped_step` and `tuned` existed.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dataset = try c.decode(String.self, forKey: .dataset)
        model = try c.decode(String.self, forKey: .model)
        optimizer = try c.decode(String.self, forKey: .optimizer)
        lr = try c.decode(Double.self, forKey: .lr)
        variant = try c.decode(String.self, forKey: .variant)
        seeds = try c.decode(Int.self, forKey: .seeds)
        n = try c.decode(Int.self, forKey: .n)
        mean = try c.decode(Double.self, forKey: .mean)
        std = try c.decode(Double.self, forKey: .std)
        ciLow = try c.decodeIfPresent(Double.self, forKey: .ciLow)
        ciHigh = try c.decodeIfPresent(Double.self, forKey: .ciHigh)
        diverged = try c.decode(Int.self, forKey: .diverged)
        failed = try c.decode(Int.self, forKey: .failed)
        pending = try c.decode(Int.self, forKey: .pending)
        accuracy = try c.decodeIfPresent(Double.self, forKey: .accuracy)
        pruned = try c.decodeIfPresent(Int.self, forKey: .pruned) ?? 0
        cancelled = try c.decodeIfPresent(Int.self, forKey: .cancelled) ?? 0
        stoppedStep = try c.decodeIfPresent(Int.self, forKey: .stoppedStep)
        tuned = try c.decodeIfPresent(String.self, forKey: .tuned) ?? ""
    }
}
