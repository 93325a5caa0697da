import Foundation
import SweepKit

extension Report {
    /// One decision of early stopping, as the store's `decisions` table holds it.
    public typealias Decision = StoppingDecision

    /// How many configurations early stopping stopped at one step.
    public struct PrunedAtStep: Sendable, Hashable, Codable {
        public var step: Int
        public var configurations: Int
    }

    /// Configurations stopped at each step, in step order: decisions with `promoted` false, each
    /// configuration counted once per step.
    static func prunedByStep(_ decisions: [Decision]) -> [PrunedAtStep] {
        var byStep: [Int: Set<String>] = [:]
        for d in decisions where !d.promoted { byStep[d.step, default: []].insert(d.configuration) }
        return byStep.keys.sorted().map { PrunedAtStep(step: $0, configurations: byStep[$0]?.count ?? 0) }
    }
}
