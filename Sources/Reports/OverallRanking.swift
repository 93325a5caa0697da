import Foundation
import SweepKit

/// Which optimizer is best over all dataset × model cells at once: mean rank, pairwise record and the
/// performance profile (`overall` in results.json).
public struct Overall: Sendable, Hashable, Codable {
    /// One optimizer's mean rank over the cells it was ranked in, with a bootstrap interval.
    public struct MeanRank: Sendable, Hashable, Codable {
        public var optimizer: String
        public var meanRank: Double
        /// 2.5 % and 97.5 % percentiles of the mean rank over seed resamples.
        public var low: Double
        public var high: Double
        public var cells: Int

        enum CodingKeys: String, CodingKey {
            case optimizer, low, high, cells
            case meanRank = "mean_rank"
        }
    }

    /// The record of `optimizer` against `opponent` over the cells where both were ranked.
    public struct Pairwise: Sendable, Hashable, Codable {
        public var optimizer: String
        public var opponent: String
        /// Cells where it had the better mean and Welch's test separates the two (p < 0.05).
        public var wins: Int
        /// Cells where Welch's test cannot separate them (p ≥ 0.05, or fewer than 2 seeds on a side).
        public var ties: Int
        public var losses: Int
    }

    public var meanRank: [MeanRank]
    public var pairwise: [Pairwise]
    public var profile: [PerformanceProfile]

    enum CodingKeys: String, CodingKey {
        case pairwise, profile
        case meanRank = "mean_rank"
    }

    public static let empty = Overall(meanRank: [], pairwise: [], profile: [])

    /// Seed resamples behind the mean-rank intervals.
    static let resamples = 500

    /// The all-tasks summary of a ranking. `values` gives the finished seeds' values of a configuration
    /// (the bootstrap resamples them); `seed` makes the intervals reproducible.
    static func of(_ ranking: [RankedCell], goal: Goal, values: (Aggregate) -> [Double], seed: UInt64 = 16)
        -> Overall {
        var labels: [String] = []
        for c in ranking { for e in c.entries where !labels.contains(e.aggregate.label) { labels.append(e.aggregate.label) } }
        let point = meanRanks(ranking.map { $0.entries.map { ($0.aggregate.label, $0.aggregate.mean) } }, goal: goal)
        var rng = SeededGenerator(seed: seed)
        let samples = ranking.map { $0.entries.map { e in (e.aggregate, values(e.aggregate)) } }
        var draws: [String: [Double]] = [:]
        for _ in 0..<resamples {
            let cells = samples.map { entries in
                entries.map { a, xs -> (String, Double) in
                    guard xs.count > 1 else { return (a.label, a.mean) }
                    var sum = 0.0
                    for _ in xs { sum += xs[Int(rng.next() % UInt64(xs.count))] }
                    return (a.label, sum / Double(xs.count))
                }
            }
            for (label, r) in meanRanks(cells, goal: goal) { draws[label, default: []].append(r.mean) }
        }
        let ranks = labels.compactMap { label -> MeanRank? in
            guard let p = point[label] else { return nil }
            let d = draws[label] ?? [p.mean]
            return MeanRank(optimizer: label, meanRank: p.mean, low: Percentile.of(d, 0.025),
                            high: Percentile.of(d, 0.975), cells: p.cells)
        }.sorted { $0.meanRank < $1.meanRank }
        return Overall(meanRank: ranks, pairwise: pairwise(ranking, labels: labels, goal: goal),
                       profile: PerformanceProfile.of(ranking, labels: labels, goal: goal))
    }

    /// Mean rank per label over cells of (label, mean) pairs; rank 1 is the best mean, equal means share
    /// the average of their ranks, and NaN means (no finished seed) rank last.
    static func meanRanks(_ cells: [[(String, Double)]], goal: Goal) -> [String: (mean: Double, cells: Int)] {
        var sums: [String: (Double, Int)] = [:]
        for cell in cells {
            for (label, value) in cell {
                let better = cell.filter { goal.isBetter($0.1, than: value) }.count
                let equal = cell.filter { !goal.isBetter($0.1, than: value) && !goal.isBetter(value, than: $0.1) }.count
                let rank = Double(better) + Double(equal + 1) / 2
                let s = sums[label] ?? (0, 0)
                sums[label] = (s.0 + rank, s.1 + 1)
            }
        }
        return sums.mapValues { ($0.0 / Double($0.1), $0.1) }
    }

    /// Win / tie / loss of every ordered pair of labels, each at its best LR, by Welch's test at
    /// `Ranking.alpha` (as the ranking marks ≈).
    static func pairwise(_ ranking: [RankedCell], labels: [String], goal: Goal) -> [Pairwise] {
        var out: [Pairwise] = []
        for a in labels {
            for b in labels where b != a {
                var p = Pairwise(optimizer: a, opponent: b, wins: 0, ties: 0, losses: 0)
                for cell in ranking {
                    guard let x = cell.entries.first(where: { $0.aggregate.label == a })?.aggregate,
                          let y = cell.entries.first(where: { $0.aggregate.label == b })?.aggregate else { continue }
                    let test = WelchTest.compare(mean1: x.mean, std1: x.std, n1: x.n, mean2: y.mean, std2: y.std,
                                                 n2: y.n)
                    if let test, test.p < Ranking.alpha {
                        if goal.isBetter(x.mean, than: y.mean) { p.wins += 1 } else { p.losses += 1 }
                    } else {
                        p.ties += 1
                    }
                }
                if p.wins + p.ties + p.losses > 0 { out.append(p) }
            }
        }
        return out
    }
}

extension Report {
    /// The finished seeds' values of the ranking metric for configuration `a`.
    func seedValues(_ a: Aggregate) -> [Double] {
        trials(of: a).filter { $0.status == .done }.compactMap { $0.metrics[sweep.metric] }.filter(\.isFinite)
    }
}
