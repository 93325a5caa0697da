import Foundation
import SweepKit

/// How much one optimizer's result depends on its initial learning rate, within one dataset × model cell.
///
/// This is the claim the LR-adaptation papers make (hypergradient descent: "much less dependent on α₀"):
/// an adaptive method should lose little when started from a poor LR.
public struct Sensitivity: Sendable, Hashable, Codable {
    public var dataset: String
    public var model: String
    public var optimizer: String
    /// Initial LRs with a known outcome (at least one finished or diverged seed).
    public var lrs: Int
    public var bestLR: Double
    /// The metric's mean at the best LR.
    public var best: Double
    public var worstLR: Double
    /// The metric's mean at the worst LR; NaN when every seed at that LR diverged.
    public var worst: Double
    /// |worst − best| in the goal's direction (≥ 0); +∞ when every seed at the worst LR diverged.
    public var gap: Double
    /// The median, over every LR of the grid (the best included, with gap 0), of the gap to the best.
    /// Smaller is more robust: half the grid is at most this far from the best.
    public var robustness: Double

    enum CodingKeys: String, CodingKey {
        case dataset, model, optimizer, lrs, best, worst, gap, robustness
        case bestLR = "best_lr", worstLR = "worst_lr"
    }

    /// The gap of `value` to `best` under `goal`: how much worse it is, never negative.
    static func gap(_ value: Double, to best: Double, goal: Goal) -> Double {
        guard value.isFinite else { return .infinity }
        return max(0, goal == .minimize ? value - best : best - value)
    }

    /// Sensitivity of every optimizer in every cell.
    ///
    /// An LR whose seeds all diverged counts as infinitely far from the best (it is the worst LR);
    /// an LR with no outcome yet (only pending, failed or cancelled seeds) is left out, since a crash says
    /// nothing about the learning rate. Pruned configurations are left out too: early stopping judged
    /// them on part of a curve, and their final value is unknown (the charts show them as pruned).
    /// Optimizers with no finished seed at any LR are skipped.
    ///
    /// With sampled rates (random or Sobol search) every configuration is one point, and `bestLR` is the
    /// rate of the best configuration.
    public static func analyse(_ aggregates: [Aggregate], goal: Goal) -> [Sensitivity] {
        var keys: [String] = []
        var groups: [String: [Aggregate]] = [:]
        for a in aggregates where !a.isPruned {
            let k = [a.dataset, a.model, a.label].joined(separator: "\u{1F}")
            if groups[k] == nil { keys.append(k) }
            groups[k, default: []].append(a)
        }
        return keys.compactMap { k in
            let grid = (groups[k] ?? []).filter { $0.n > 0 || $0.diverged > 0 }
            guard let first = grid.first,
                  let best = grid.filter({ $0.n > 0 }).min(by: { goal.isBetter($0.mean, than: $1.mean) })
            else { return nil }
            let gaps = grid.map { (aggregate: $0, gap: $0.n > 0 ? gap($0.mean, to: best.mean, goal: goal) : .infinity) }
            // `grid` holds `best`, so it is not empty.
            let worst = gaps.max { $0.gap < $1.gap || ($0.gap == $1.gap && $0.aggregate.lr < $1.aggregate.lr) }
            return Sensitivity(dataset: first.dataset, model: first.model, optimizer: first.label, lrs: grid.count,
                               bestLR: best.lr, best: best.mean, worstLR: worst?.aggregate.lr ?? best.lr,
                               worst: worst.map { $0.aggregate.n > 0 ? $0.aggregate.mean : .nan } ?? best.mean,
                               gap: worst?.gap ?? 0, robustness: Statistics.median(gaps.map(\.gap)))
        }
    }
}
