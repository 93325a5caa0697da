import Foundation
import SweepKit

/// The expected best result of one optimizer after trying k of its configurations, for k = 1 … K.
///
/// This answers "is the method better when you cannot afford to tune it?" (Dodge et al., "Show Your
/// Work", EMNLP 2019; Sivaprasad et al., ICML 2020): a method that wins at its best rate may still lose
/// to a method that is good at any rate when only one or two rates can be tried.
public struct TuningBudget: Sendable, Hashable, Codable {
    public var dataset: String
    public var model: String
    public var optimizer: String
    /// Configurations drawn (without replacement) from the optimizer's tried ones.
    public var k: Int
    /// The expected best per-configuration mean over k draws.
    public var expectedBest: Double
    /// 2.5 % and 97.5 % percentiles of `expectedBest` over seed resamples (equal to it with one seed).
    public var low: Double
    public var high: Double

    enum CodingKeys: String, CodingKey {
        case dataset, model, optimizer, k, low, high
        case expectedBest = "expected_best"
    }

    public var cell: CellKey { CellKey(dataset: dataset, model: model) }
}

/// Expected maxima over draws without replacement, and the tuning-budget curves of a report.
public enum ExpectedBest {
    /// Seed resamples behind each band.
    static let resamples = 200

    /// The expected best of `k` values drawn uniformly without replacement from `values`.
    ///
    /// Sort the N values from worst to best, v₍₁₎ … v₍N₎. The best of a k-subset is v₍i₎ exactly when the
    /// subset holds v₍i₎ and k − 1 of the i − 1 worse values, so (Dodge et al., 2019, order statistics)
    ///
    ///     E[best of k] = Σᵢ v₍ᵢ₎ · C(i − 1, k − 1) / C(N, k).
    ///
    /// The weights are computed in log space (`lgamma`), so large grids do not overflow.
    /// - Precondition: 1 ≤ k ≤ values.count, every value finite.
    public static func expected(_ values: [Double], k: Int, goal: Goal) -> Double {
        precondition(k >= 1 && k <= values.count, "k must be within 1 … N")
        let worstFirst = values.sorted { goal.isBetter($1, than: $0) }
        let n = values.count
        let logTotal = logChoose(n, k)
        var sum = 0.0
        for i in k...n {  // C(i − 1, k − 1) = 0 for i < k
            sum += worstFirst[i - 1] * exp(logChoose(i - 1, k - 1) - logTotal)
        }
        return sum
    }

    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }

    /// The budgets a curve is computed at: every k up to 32, beyond that 1 … 16 then about 16 steps
    /// spaced geometrically up to K (each point costs O(N), and random searches can hold thousands).
    static func budgets(_ n: Int) -> [Int] {
        guard n > 32 else { return Array(1...max(n, 1)) }
        var ks = Array(1...16)
        let ratio = pow(Double(n) / 16, 1.0 / 16)
        var x = 16.0
        while ks.last ?? n < n {
            x *= ratio
            let k = min(n, max((ks.last ?? 0) + 1, Int(x.rounded())))
            ks.append(k)
        }
        return ks
    }

    /// One configuration's outcome: the finished seeds' values, or the penalty when every seed diverged.
    struct Sample {
        var values: [Double]
        var mean: Double
    }

    /// The tuning-budget curves of every optimizer in every cell.
    ///
    /// A configuration's value is its mean over finished seeds; a configuration whose every seed diverged
    /// counts as the worst configuration mean of its cell (any optimizer): a diverged run is at least as
    /// bad as the worst run that finished. Pruned configurations and configurations with no outcome yet
    /// are left out. The band resamples each configuration's seeds with replacement (`resamples` times,
    /// from a generator seeded by the cell and optimizer, so the report is reproducible).
    public static func curves(_ report: Report) -> [TuningBudget] {
        let goal = report.sweep.goal
        var cells: [CellKey] = []
        for a in report.aggregates where !cells.contains(a.cell) { cells.append(a.cell) }
        // The finished seeds' values per configuration, indexed once (a lookup per configuration would scan
        // every trial each time: quadratic in large sweeps).
        let tuned = Set(report.lrSampling.tunedKeys)
        var seedValues: [String: [Double]] = [:]
        for t in report.trials where t.status == .done {
            guard let v = t.metrics[report.sweep.metric], v.isFinite else { continue }
            let k = Aggregation.Key(t.parameters, tunedKeys: tuned)
            seedValues[ident(k.dataset, k.model, k.optimizer, k.lr, k.variant, k.tuned), default: []].append(v)
        }
        return cells.flatMap { cell -> [TuningBudget] in
            let mine = report.aggregates(in: cell).filter { !$0.isPruned && ($0.n > 0 || $0.diverged > 0) }
            let finite = mine.filter { $0.n > 0 }.map(\.mean).filter(\.isFinite)
            // The worst: `max` under an order where better comes first.
            guard let penalty = finite.max(by: { goal.isBetter($0, than: $1) }) else { return [] }
            var labels: [String] = []
            for a in mine where !labels.contains(a.label) { labels.append(a.label) }
            return labels.flatMap { label -> [TuningBudget] in
                let samples = mine.filter { $0.label == label }.map { a -> Sample in
                    guard a.n > 0, a.mean.isFinite else { return Sample(values: [], mean: penalty) }
                    let values = seedValues[ident(a.dataset, a.model, a.optimizer, a.lr, a.variant, a.tuned)] ?? []
                    return Sample(values: values, mean: a.mean)
                }
                var rng = SeededGenerator(seed: SeededGenerator.hash("\(cell.dataset)|\(cell.model)|\(label)"))
                return curve(samples, goal: goal, rng: &rng).map { k, value, low, high in
                    TuningBudget(dataset: cell.dataset, model: cell.model, optimizer: label, k: k,
                                 expectedBest: value, low: low, high: high)
                }
            }
        }
    }

    /// A configuration's identity as text (its `Aggregation.Key` fields).
    static func ident(_ dataset: String, _ model: String, _ optimizer: String, _ lr: Double, _ variant: String,
                      _ tuned: String) -> String {
        [dataset, model, optimizer, "\(lr)", variant, tuned].joined(separator: "\u{1F}")
    }

    /// (k, expected best, band low, band high) at each budget of ``budgets(_:)``.
    static func curve(_ samples: [Sample], goal: Goal, rng: inout SeededGenerator)
        -> [(Int, Double, Double, Double)] {
        let ks = budgets(samples.count)
        let point = ks.map { expected(samples.map(\.mean), k: $0, goal: goal) }
        let varies = samples.contains { $0.values.count > 1 }
        guard varies else { return ks.indices.map { (ks[$0], point[$0], point[$0], point[$0]) } }
        var draws = Array(repeating: [Double](), count: ks.count)
        for _ in 0..<resamples {
            let means = samples.map { s -> Double in
                guard s.values.count > 1 else { return s.mean }
                var sum = 0.0
                for _ in s.values { sum += s.values[Int(rng.next() % UInt64(s.values.count))] }
                return sum / Double(s.values.count)
            }
            for (i, k) in ks.enumerated() { draws[i].append(expected(means, k: k, goal: goal)) }
        }
        return ks.indices.map { i in
            (ks[i], point[i], Percentile.of(draws[i], 0.025), Percentile.of(draws[i], 0.975))
        }
    }
}

/// Percentiles of a sample, by linear interpolation between order statistics (type 7, as R and NumPy).
enum Percentile {
    static func of(_ xs: [Double], _ q: Double) -> Double {
        let s = xs.filter { !$0.isNaN }.sorted()
        guard !s.isEmpty else { return .nan }
        let h = q * Double(s.count - 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
    }
}

/// SplitMix64 (Steele, Lea & Flood, 2014): a small, fast, seedable generator, so every bootstrap in a
/// report gives the same numbers on every run.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a of `text`: a seed that is stable across processes (Swift's `Hasher` is not).
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }
}
