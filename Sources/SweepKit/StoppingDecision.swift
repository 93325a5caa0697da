/// One decision of early stopping about one configuration (all the seeds of one parameter set).
///
/// ASHA decides at rungs (grace·η^k steps) and the median rule at evaluation steps; either way a
/// decision is about one configuration within its comparison group, and a configuration that is
/// not promoted stops: its trials end as `pruned`. The coordinator makes and stores them; the
/// report reads them back.
public struct StoppingDecision: Sendable, Hashable, Codable {
    /// When the coordinator made it (seconds since 1970); nil when unknown.
    public var time: Double?
    /// The configuration: its parameters without the seed, as canonical `k=v k=v` text.
    public var configuration: String
    /// Its comparison group: the values of the `group_by` keys.
    public var group: String
    /// The step the decision was made at (an ASHA rung, or the median rule's evaluation step).
    public var step: Int
    /// The configuration's value there: the mean over the seeds that had reached the step (NaN
    /// when not finite).
    public var value: Double
    /// True: it goes on; false: it stops.
    public var promoted: Bool
    /// The decision in words, for the report and `status`.
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
