/// Which way the ranking metric is better.
public enum Goal: String, Sendable, Codable, CaseIterable {
    case minimize, maximize

    /// The goal implied by a metric's name: anything with `acc` in it is maximised, the rest minimised.
    public static func implied(by metric: String) -> Goal {
        metric.lowercased().contains("acc") ? .maximize : .minimize
    }

    /// True if `a` is strictly better than `b` under this goal (NaN is never better).
    public func isBetter(_ a: Double, than b: Double) -> Bool {
        if a.isNaN { return false }
        if b.isNaN { return true }
        return self == .minimize ? a < b : a > b
    }
}
