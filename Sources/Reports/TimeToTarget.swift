import Foundation
import SweepKit

/// How fast each optimizer (at its best initial LR) reaches a common target value of the metric,
/// within one dataset × model cell.
///
/// The rule: the target is the worst ranked optimizer's best mean (the mean final metric of the last
/// entry of the ranking that has finished seeds). Every ranked optimizer's mean curve ends at or beyond
/// it, so every one reaches it and the steps compare speed at a level all of them attain.
public struct TargetReach: Sendable, Hashable, Codable {
    /// One optimizer's steps and seconds to the target.
    public struct Entry: Sendable, Hashable, Codable {
        public var optimizer: String
        public var lr: Double
        /// The first evaluation step at which the mean curve over seeds reached the target; nil if never
        /// (or if the metric has no curve).
        public var steps: Int?
        /// The mean over seeds of the `seconds` curve at that step, when recorded.
        public var seconds: Double?
    }

    public var dataset: String
    public var model: String
    public var target: Double
    public var entries: [Entry]

    /// Time to target for every cell of `report`'s ranking whose metric has curves.
    static func analyse(_ report: Report) -> [TargetReach] {
        let metric = report.sweep.metric, goal = report.sweep.goal
        return report.ranking.compactMap { cell in
            let ranked = cell.entries.map(\.aggregate).filter { $0.n > 0 && $0.mean.isFinite }
            guard let target = ranked.last?.mean else { return nil }
            // Means of curve points and of final metrics sum the same numbers; allow for rounding only.
            let tolerance = 1e-9 * Swift.max(abs(target), 1e-12)
            var entries: [Entry] = []
            for a in ranked {
                let trials = report.trials(of: a)
                guard let band = SeedBand.of(trials, metric: metric) else { continue }
                let hit = band.mean.firstIndex { v in
                    goal == .minimize ? v <= target + tolerance : v >= target - tolerance
                }
                let step = hit.map { band.steps[$0] }
                let clock = SeedBand.of(trials, metric: "seconds")
                let seconds = step.flatMap { s in clock.flatMap { c in c.steps.firstIndex(of: s).map { c.mean[$0] } } }
                entries.append(Entry(optimizer: a.label, lr: a.lr, steps: step.map { Int($0) }, seconds: seconds))
            }
            guard !entries.isEmpty else { return nil }
            return TargetReach(dataset: cell.dataset, model: cell.model, target: target, entries: entries)
        }
    }
}
