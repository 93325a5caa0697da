import Foundation
import SweepKit

/// One optimizer's performance profile (Dolan & Moré, "Benchmarking optimization software with
/// performance profiles", Math. Programming 2002): for each τ ≥ 1, the fraction of dataset × model cells
/// where its result at its best LR is within a factor τ of the cell's best.
///
/// The performance ratio in a cell is r = value / best for a metric to minimise and best / value for one
/// to maximise, so r ≥ 1 and r = 1 for the winner. It needs positive values (losses, accuracies); a cell
/// whose values are not all positive is left out of every profile. An optimizer absent from a cell, or
/// without a finished seed there, has r = ∞ in it (it never counts).
public struct PerformanceProfile: Sendable, Hashable, Codable {
    public struct Point: Sendable, Hashable, Codable {
        public var tau: Double
        public var fraction: Double
    }

    public var optimizer: String
    /// Its ratio in each profiled cell, in report order (`inf` where it has none).
    public var ratios: [Double]
    /// The profile's steps: at each distinct finite ratio τ, the fraction of cells with r ≤ τ.
    public var points: [Point]

    /// The profiles of `labels` over the cells of `ranking`.
    static func of(_ ranking: [RankedCell], labels: [String], goal: Goal) -> [PerformanceProfile] {
        let cells = ranking.filter { cell in
            let values = cell.entries.map(\.aggregate.mean).filter(\.isFinite)
            return !values.isEmpty && values.allSatisfy { $0 > 0 }
        }
        guard !cells.isEmpty else { return [] }
        return labels.map { label in
            let ratios = cells.map { cell -> Double in
                let values = cell.entries.map(\.aggregate.mean).filter(\.isFinite)
                guard let mine = cell.entries.first(where: { $0.aggregate.label == label })?.aggregate.mean,
                      mine.isFinite,
                      let best = goal == .minimize ? values.min() : values.max() else { return .infinity }
                return goal == .minimize ? mine / best : best / mine
            }
            let steps = Array(Set(ratios.filter(\.isFinite))).sorted()
            let points = steps.map { tau in
                Point(tau: tau, fraction: Double(ratios.filter { $0 <= tau }.count) / Double(ratios.count))
            }
            return PerformanceProfile(optimizer: label, ratios: ratios, points: points)
        }
    }

    /// ρ(τ): the fraction of cells within a factor τ of the best.
    public func fraction(at tau: Double) -> Double {
        guard !ratios.isEmpty else { return 0 }
        return Double(ratios.filter { $0 <= tau }.count) / Double(ratios.count)
    }
}
