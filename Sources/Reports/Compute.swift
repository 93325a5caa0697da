import Foundation
import SweepKit

extension Report {
    /// The training steps a sweep used, against what it would have used without early stopping.
    ///
    /// - Steps trained: the sum over trials of the steps each actually trained: its `stopped_step` when
    ///   early stopping stopped it, else the last step of its curves (0 for a trial that never reported).
    /// - Full budget: every trial of every configuration run to the full step count, where the full step
    ///   count per trial is the largest step reached by any `done` trial of the sweep. Unknown (0, and a NaN
    ///   fraction) until some trial is done.
    public struct Compute: Sendable, Hashable, Codable {
        public var stepsTrained: Int
        public var stepsFullBudget: Int
        /// stepsTrained / stepsFullBudget; NaN when the full budget is unknown.
        public var fraction: Double
        /// The full step count of one trial; nil when no trial is done.
        public var stepsPerTrial: Int?
        public var trials: Int
        /// Configurations early stopping stopped at each step (from the decisions), in step order.
        public var prunedByStep: [PrunedAtStep]

        enum CodingKeys: String, CodingKey {
            case fraction, trials
            case stepsTrained = "steps_trained", stepsFullBudget = "steps_full_budget"
            case stepsPerTrial = "steps_per_trial", prunedByStep = "pruned_by_step"
        }

        /// The compute of `trials`, with `decisions` for the pruned counts.
        static func of(_ trials: [TrialEntry], decisions: [Decision]) -> Compute {
            let trained = trials.map(\.stepsTrained).reduce(0, +)
            let full = trials.filter { $0.status == .done }.map(\.lastStep).max()
            let budget = full.map { $0 * trials.count } ?? 0
            return Compute(stepsTrained: trained, stepsFullBudget: budget,
                           fraction: budget > 0 ? Double(trained) / Double(budget) : .nan,
                           stepsPerTrial: full, trials: trials.count, prunedByStep: Report.prunedByStep(decisions))
        }

        /// `Compute: 240 of 400 training steps (60.0 % of the full budget: 4 trials × 100 steps).`
        var sentence: String {
            guard let per = stepsPerTrial, stepsFullBudget > 0 else {
                return "Compute: \(stepsTrained) training steps so far; the full budget is not known yet "
                    + "(no trial has finished)."
            }
            return "Compute: \(stepsTrained) of \(stepsFullBudget) training steps ("
                + String(format: "%.1f", 100 * fraction) + " % of the full budget: \(trials) trial"
                + (trials == 1 ? "" : "s") + " × \(per) steps)."
        }

        /// `Early stopping pruned 2 configurations: 1 at step 10, 1 at step 30.`, or nil when it pruned none.
        var prunedSentence: String? {
            let total = prunedByStep.map(\.configurations).reduce(0, +)
            guard total > 0 else { return nil }
            return "Early stopping pruned \(total) configuration\(total == 1 ? "" : "s"): "
                + prunedByStep.map { "\($0.configurations) at step \($0.step)" }.joined(separator: ", ") + "."
        }
    }
}

extension Report.TrialEntry {
    /// The last step of any of its curves; 0 without curves.
    var lastStep: Int { curve.values.compactMap { $0.last.flatMap { $0.first } }.map { Int($0) }.max() ?? 0 }

    /// The steps it actually trained: where early stopping stopped it, else the last step of its curves.
    var stepsTrained: Int { stoppedStep ?? lastStep }
}
