import Foundation

extension Report {
    /// One decision of early stopping, as the store's `decisions` table holds it.
    ///
    /// ASHA decides at rungs (grace·η^k steps) and the median rule at evaluation steps; either way a
    /// decision is about one configuration (all its seeds) within its comparison group, and a configuration
    /// that is not promoted stops: its trials end as `pruned`.
    public struct Decision: Sendable, Hashable, Codable {
        /// When the coordinator made it (seconds since 1970); nil when unknown.
        public var time: Double?
        /// The configuration: its parameters without the seed, as canonical `k=v k=v` text.
        public var configuration: String
        /// Its comparison group: the values of the `group_by` keys.
        public var group: String
        /// The rung (or evaluation step) the decision was made at.
        public var step: Int
        /// The configuration's value there (mean over the seeds that had reached it); NaN when not finite.
        public var value: Double
        /// True: it went on; false: it stopped.
        public var promoted: Bool
        /// The decision in words.
        public var detail: String

        public init(time: Double? = nil, configuration: String, group: String, step: Int, value: Double,
                    promoted: Bool, detail: String) {
            self.time = time
            self.configuration = configuration
            self.group = group
            self.step = step
            self.value = value
            self.promoted = promoted
            self.detail = detail
        }
    }

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
