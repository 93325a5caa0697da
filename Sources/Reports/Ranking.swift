import Foundation
import SweepKit

/// How a ranked optimizer compares with the winner of its dataset × model cell.
public enum Significance: String, Sendable, Hashable, Codable {
    /// The best mean in the cell.
    case winner
    /// Welch's t-test finds no significant difference from the winner at the 5 % level (p ≥ 0.05).
    case notSignificant = "not_significant"
    /// Significantly worse than the winner (p < 0.05).
    case worse
    /// No test possible: this configuration or the winner has fewer than 2 finished seeds.
    case untested
}

/// One optimizer in a cell's ranking: its configuration at its best initial LR, and the test against the winner.
public struct RankEntry: Sendable, Hashable, Codable {
    public var rank: Int
    public var aggregate: Aggregate
    public var significance: Significance
    /// Welch's t-test of this entry against the winner; nil for the winner itself and when untested.
    public var welch: WelchTest?
}

/// The ranking of one dataset × model.
public struct RankedCell: Sendable, Hashable, Codable {
    public var dataset: String
    public var model: String
    public var entries: [RankEntry]

    public var cell: CellKey { CellKey(dataset: dataset, model: model) }
}

/// How often an optimizer came first, over all dataset × model cells.
public struct WinCount: Sendable, Hashable, Codable {
    public var optimizer: String
    /// Cells where it had the best mean.
    public var wins: Int
    /// Cells where it won or was not significantly different from the winner.
    public var winsOrTies: Int
    /// Cells where it was ranked at all.
    public var cells: Int

    enum CodingKeys: String, CodingKey {
        case optimizer, wins, cells
        case winsOrTies = "wins_or_ties"
    }
}

/// Ranking per dataset × model and win counts.
public enum Ranking {
    /// The significance level of the comparisons with the winner.
    public static let alpha = 0.05

    /// Each optimizer (label) at its best initial LR, per configuration with the best mean among its LRs.
    ///
    /// Only configurations with at least one finished seed can be best, unless none has one
    /// (then the optimizer is ranked last with a NaN mean). Configurations that early stopping pruned,
    /// even on one seed, are never candidates: they did not train every seed to the full budget, so
    /// their mean (if any) is not comparable. An optimizer whose every configuration was pruned is not ranked.
    public static func bestPerOptimizer(_ aggregates: [Aggregate], goal: Goal) -> [Aggregate] {
        var best: [String: Aggregate] = [:]
        var labels: [String] = []
        for a in aggregates where !a.isPruned {
            guard let b = best[a.label] else {
                best[a.label] = a
                labels.append(a.label)
                continue
            }
            if goal.isBetter(a.mean, than: b.mean) { best[a.label] = a }
        }
        return labels.compactMap { best[$0] }
    }

    /// Ranks each dataset × model cell by the metric's mean in the goal's direction and tests every
    /// entry against the winner with Welch's two-sided t-test at `alpha`.
    public static func rank(_ aggregates: [Aggregate], goal: Goal) -> [RankedCell] {
        var cells: [CellKey] = []
        for a in aggregates where !cells.contains(a.cell) { cells.append(a.cell) }
        return cells.map { cell in
            let candidates = bestPerOptimizer(aggregates.filter { $0.cell == cell }, goal: goal)
            let ordered = candidates.enumerated().sorted { x, y in
                if goal.isBetter(x.element.mean, than: y.element.mean) { return true }
                if goal.isBetter(y.element.mean, than: x.element.mean) { return false }
                return x.offset < y.offset
            }.map(\.element)
            var entries: [RankEntry] = []
            for (i, a) in ordered.enumerated() {
                guard i > 0 else {
                    entries.append(RankEntry(rank: 1, aggregate: a, significance: .winner, welch: nil))
                    continue
                }
                let w = ordered[0]
                let test = WelchTest.compare(mean1: a.mean, std1: a.std, n1: a.n, mean2: w.mean, std2: w.std, n2: w.n)
                let significance: Significance
                if let test {
                    significance = test.p < alpha ? .worse : .notSignificant
                } else {
                    significance = .untested
                }
                entries.append(RankEntry(rank: i + 1, aggregate: a, significance: significance, welch: test))
            }
            return RankedCell(dataset: cell.dataset, model: cell.model, entries: entries)
        }
    }

    /// Win counts per optimizer over all cells, most wins first (then most wins-or-ties).
    public static func wins(_ ranking: [RankedCell]) -> [WinCount] {
        var counts: [String: WinCount] = [:]
        var order: [String] = []
        for cell in ranking {
            for e in cell.entries {
                let label = e.aggregate.label
                if counts[label] == nil {
                    counts[label] = WinCount(optimizer: label, wins: 0, winsOrTies: 0, cells: 0)
                    order.append(label)
                }
                counts[label]?.cells += 1
                if e.significance == .winner { counts[label]?.wins += 1 }
                if e.significance == .winner || e.significance == .notSignificant { counts[label]?.winsOrTies += 1 }
            }
        }
        return order.compactMap { counts[$0] }.enumerated().sorted { x, y in
            let a = x.element, b = y.element
            if a.wins != b.wins { return a.wins > b.wins }
            if a.winsOrTies != b.winsOrTies { return a.winsOrTies > b.winsOrTies }
            return x.offset < y.offset
        }.map(\.element)
    }
}
