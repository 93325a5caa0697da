import Foundation
import Training

/// What the learning-rate controller may do at a decision (Xu et al., arXiv 1909.09712, §3 of
/// ALGORITHMS.md): multiply the rate by 1.05, divide it by 1.05, or keep it (discrete); or
/// multiply it by any factor in [1/1.05, 1.05] (continuous).
public enum ControllerActions: Sendable, Equatable, Codable {
    /// A categorical policy over these factors, in this order (default `[1.05, 1/1.05, 1]`).
    case discrete(factors: [Double])
    /// A Gaussian policy over u ∈ ℝ; the factor is `base^clamp(u, −1, 1)`, so in [1/base, base].
    case continuous(base: Double)

    /// The paper's discrete set: ×1.05, ÷1.05, keep.
    public static let paperDiscrete = ControllerActions.discrete(factors: [1.05, 1 / 1.05, 1])
    /// The paper's continuous variant: a factor in [1/1.05, 1.05].
    public static let paperContinuous = ControllerActions.continuous(base: 1.05)

    /// Outputs of the actor network: one logit per factor, or the Gaussian mean.
    public var actorOutputs: Int {
        switch self {
        case .discrete(let f): return f.count
        case .continuous: return 1
        }
    }

    /// The multiplier of action `a` (an index for discrete sets, the raw u for continuous ones).
    public func factor(of action: Double) -> Double {
        switch self {
        case .discrete(let f):
            let i = Int(action)
            precondition(Double(i) == action && f.indices.contains(i), "no discrete action \(action)")
            return f[i]
        case .continuous(let base):
            return pow(base, Swift.min(Swift.max(action, -1), 1))
        }
    }

    /// Short labels for `controller show` (`×1.05`, `÷1.05`, `keep`).
    public var labels: [String] {
        switch self {
        case .discrete(let f):
            return f.map { x in
                if x == 1 { return "keep" }
                return x > 1 ? "×" + String(format: "%g", x) : "÷" + String(format: "%g", 1 / x)
            }
        case .continuous(let base):
            return ["factor in [1/\(String(format: "%g", base)), \(String(format: "%g", base))]"]
        }
    }
}
