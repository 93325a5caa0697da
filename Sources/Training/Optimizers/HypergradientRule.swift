import Foundation
import SweepKit

/// How a hypergradient method moves its scalar learning rate α, given h = g_t · d_{t−1}.
///
/// Additive (Baydin et al., ICLR 2018, eq. for α_t in Algorithms 1–3): α ← α + β·h. Multiplicative
/// (our option, beyond the paper): α ← α·(1 + β′·cos(g_t, d_{t−1})), dimensionless and, for
/// |β′| < 1, keeping α positive. Either result is then clamped to `bounds` when set.
struct HypergradientRule: Sendable, Hashable {
    var hyperLR: Double
    var multiplicative: Bool
    var bounds: ClosedRange<Double>?

    /// α after one hypergradient step, from the dot product and (for the multiplicative form) the
    /// squared norms of g_t and d_{t−1}. A zero norm gives cos = 0, leaving α unchanged.
    func updated(_ alpha: Double, dot: Double, gradNormSquared: Double, directionNormSquared: Double) -> Double {
        var a: Double
        if multiplicative {
            let denominator = (gradNormSquared * directionNormSquared).squareRoot()
            let cosine = denominator > 0 ? Swift.min(Swift.max(dot / denominator, -1), 1) : 0
            a = alpha * (1 + hyperLR * cosine)
        } else {
            a = alpha + hyperLR * dot
        }
        if let b = bounds { a = Swift.min(Swift.max(a, b.lowerBound), b.upperBound) }
        return a
    }

    /// The rule from a method's resolved options (`hyper_lr`, `multiplicative`, `lr_bounds`).
    static func from(_ o: ResolvedOptions) throws -> HypergradientRule {
        let rule = HypergradientRule(hyperLR: o.double("hyper_lr"), multiplicative: o.bool("multiplicative"),
                                     bounds: o.range("lr_bounds"))
        if rule.multiplicative && rule.hyperLR >= 1 {
            throw o.invalid("hyper_lr", "must be < 1 with multiplicative: true (α·(1 + β′·cos) stays positive), "
                                + "got \(rule.hyperLR)")
        }
        return rule
    }

    static func hyperLROption(default d: Double) -> OptionDescriptor {
        OptionDescriptor("hyper_lr", .number, default: .double(d), min: 0,
                         help: "hyper-learning-rate β (α ← α + β·g_t·d_{t−1}); with multiplicative: true, the "
                             + "dimensionless β′ < 1 of α ← α·(1 + β′·cos(g_t, d_{t−1}))")
    }

    static let multiplicativeOption = OptionDescriptor(
        "multiplicative", .boolean, default: .bool(false),
        help: "update α multiplicatively by the cosine of g_t and d_{t−1} (beyond the paper)")
    static let boundsOption = OptionDescriptor(
        "lr_bounds", .range, help: "clamp α to [min, max] after each update (default: no clamp, as in the paper)")
}
