import Foundation
import SweepKit

/// `salr`: our structured self-adaptive learning rate, designed after the *abstract* of Chen, Wang
/// & Ba, "Self-adaptive structured learning rates" (arXiv 2210.10290) — the paper's equations were
/// not available, so this is our own method in its spirit (ALGORITHMS.md §2), not a reproduction.
///
/// The abstract's diagnosis of hypergradient descent (HD): one global rate, unstable under
/// minibatch noise, poor generalisation. Its remedy: rates that are parameter-specific and
/// internally structured. Ours, for parameter i in layer ℓ(i):
///
///     A_i = clamp(exp(a_global + a_layer[ℓ(i)] + a_elem[i]), lr_min, lr_max)
///
/// positive by construction; a_global starts at log α_0 and the offsets at 0, so A starts at α_0.
///
/// The per-coordinate hypergradient of the loss with respect to A_i is −g_{t,i}·d_{t−1,i} (HD's
/// −g_t·d_{t−1}, coordinate-wise; d the base direction). Chained through the exponential into the
/// three log-factors it becomes −g_t ⊙ s_{t−1} with s_{t−1} = A_{t−1} ⊙ d_{t−1}, the previous step,
/// summed over all coordinates (global), the layer's coordinates (layer) or none (element). Each
/// sum is normalised by ‖g_t‖·‖s_{t−1}‖ over the same coordinates, giving a cosine c ∈ [−1, 1]
/// (for one element, the sign of g_{t,i}·s_{t−1,i}), so the hyper-learning-rates are
/// dimensionless and no hypergradient can explode:
///
///     a_global   ← clamp(a_global + β_g·c_global, log lr_min, log lr_max)
///     a_layer[ℓ] ← (1 − pull)·a_layer[ℓ] + β_l·c_ℓ
///     a_elem[i]  ← (1 − pull)·a_elem[i]  + β_e·sign(g_{t,i}·s_{t−1,i})
///
/// The `pull` decays each offset toward its parent level (offset 0 means "same as the parent"):
/// the regularisation that keeps the structure from fragmenting into noisy per-element rates. The
/// offsets are also clamped to ±log(lr_max/lr_min). At t = 1, s_0 = 0 and nothing adapts.
///
/// Then θ_{t,i} = θ_{t−1,i} − s·A_i·d_{t,i} with s the schedule's factor and d the base direction:
/// `base: sgd` d = g_t (with weight decay), `base: adam` d = m̂/(√v̂ + ε) (β1 0.9, β2 0.999, ε 1e-8).
/// Sums are accumulated in Double; the closest published relative is adaptive hierarchical
/// hypergradient descent (Jie et al., arXiv 2008.07277).
public final class SALR: Optimizer {
    public enum Base: String, Sendable, Hashable, CaseIterable {
        case sgd
        case adam
    }

    public let base: Base
    public let hyperLRGlobal: Double
    public let hyperLRLayer: Double
    public let hyperLRElement: Double
    public let pull: Double
    public let bounds: ClosedRange<Double>
    public let weightDecay: Double
    public var scheduleFactor: Double = 1
    /// exp(a_global) · scheduleFactor: the global factor, recorded as `lr`.
    public var learningRate: Double { exp(logGlobal) * scheduleFactor }
    /// `lr` (the global factor) and `lr_mean`, the mean of A_i·scheduleFactor over all parameters.
    public var metrics: [String: Double] { ["lr": learningRate, "lr_mean": meanRate * scheduleFactor] }

    private var logGlobal: Double
    private var meanRate: Double
    private var layerOffset: [Double] = []
    private var layerSlot: [Int] = []
    private var element: [StateBuffer] = []
    private var previousStep: [StateBuffer] = []
    private var m: [StateBuffer] = []
    private var v: [StateBuffer] = []
    private var t = 0

    public init(learningRate: Double, base: Base = .sgd, hyperLRGlobal: Double = 0.05, hyperLRLayer: Double = 0.02,
                hyperLRElement: Double = 0.01, pull: Double = 0.01, bounds: ClosedRange<Double> = 1e-6...1,
                weightDecay: Double = 0) {
        precondition(bounds.lowerBound > 0, "salr: the rate bounds must be positive")
        self.base = base
        self.hyperLRGlobal = hyperLRGlobal
        self.hyperLRLayer = hyperLRLayer
        self.hyperLRElement = hyperLRElement
        self.pull = pull
        self.bounds = bounds
        self.weightDecay = weightDecay
        let clamped = Swift.min(Swift.max(learningRate, bounds.lowerBound), bounds.upperBound)
        logGlobal = log(clamped)
        meanRate = clamped
    }

    /// The current rate A_i of every coordinate (before the schedule's factor), parameter by
    /// parameter; empty before the first update. For tests and diagnostics.
    public func rates(_ parameters: [ParameterView]) -> [[Double]] {
        guard !element.isEmpty else { return [] }
        return parameters.indices.map { k in
            let e = element[k].buffer
            let z = logGlobal + layerOffset[layerSlot[k]]
            return e.map { clampRate(exp(z + Double($0))) }
        }
    }

    private func clampRate(_ a: Double) -> Double { Swift.min(Swift.max(a, bounds.lowerBound), bounds.upperBound) }

    private func prepare(_ parameters: [ParameterView]) {
        var slots: [Int: Int] = [:]
        layerSlot = parameters.map { p in
            if let s = slots[p.layer] { return s }
            slots[p.layer] = slots.count
            return slots.count - 1
        }
        layerOffset = Array(repeating: 0, count: slots.count)
        element = StateBuffer.matching(parameters)
        previousStep = StateBuffer.matching(parameters)
        if base == .adam {
            m = StateBuffer.matching(parameters)
            v = StateBuffer.matching(parameters)
        }
    }

    public func update(_ parameters: [ParameterView], step: Int) {
        if element.isEmpty { prepare(parameters) }
        StateBuffer.check(element, against: parameters, "salr")
        t += 1
        let wd = Float(weightDecay)
        let span = log(bounds.upperBound / bounds.lowerBound)
        if t > 1 { adaptGlobalAndLayers(parameters, span: span) }

        let lo = Float(bounds.lowerBound), hi = Float(bounds.upperBound)
        let keep = Float(1 - pull), betaE = t > 1 ? Float(hyperLRElement) : 0, limit = Float(span)
        let sf = Float(scheduleFactor)
        let b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
        let c1 = Float(1 / (1 - pow(0.9, Double(t)))), c2 = Float(1 / (1 - pow(0.999, Double(t))))
        var rateSum = 0.0, count = 0
        for (k, p) in parameters.enumerated() {
            count += p.value.count
            guard let x = FloatLanes(p.value), let g = FloatLanes(p.grad) else { continue }
            let e = FloatLanes(element[k].pointer), s = FloatLanes(previousStep[k].pointer)
            let z = Float(logGlobal + layerOffset[layerSlot[k]])
            let adam = base == .adam ? (m: FloatLanes(m[k].pointer), v: FloatLanes(v[k].pointer)) : nil
            var tensorSum = 0.0
            FloatLanes.chunks(p.value.count) { i, n in
                let xi = x.load(i, n)
                let gi = g.load(i, n) + wd * xi
                // a_elem ← (1 − pull)·a_elem + β_e·sign(g_t ⊙ s_{t−1}), within ±span
                let agreement = gi * s.load(i, n)
                var sign = SIMD8<Float>()
                sign.replace(with: 1, where: agreement .> 0)
                sign.replace(with: -1, where: agreement .< 0)
                let ei = (keep * e.load(i, n) + betaE * sign).clamp(-limit, limit)
                e.store(ei, i, n)
                let a = (z + ei).exp().clamp(lo, hi)
                tensorSum += Double(n == FloatLanes.width ? a.sum() : (0..<n).reduce(0) { $0 + a[$1] })
                var d = gi
                if let adam {
                    let mi = b1 * adam.m.load(i, n) + (1 - b1) * gi
                    let vi = b2 * adam.v.load(i, n) + (1 - b2) * gi * gi
                    adam.m.store(mi, i, n)
                    adam.v.store(vi, i, n)
                    d = (mi * c1) / ((vi * c2).squareRootFast() + eps)
                }
                let si = a * d
                s.store(si, i, n)
                x.store(xi - sf * si, i, n)
            }
            rateSum += tensorSum
        }
        meanRate = count > 0 ? rateSum / Double(count) : exp(logGlobal)
    }

    /// Steps a_global and a_layer along the normalised hypergradients cos(g_t, s_{t−1}).
    private func adaptGlobalAndLayers(_ parameters: [ParameterView], span: Double) {
        let wd = Float(weightDecay)
        var dot = Array(repeating: 0.0, count: layerOffset.count)
        var gg = dot, ss = dot
        for (k, p) in parameters.enumerated() {
            guard let x = FloatLanes(p.value), let g = FloatLanes(p.grad) else { continue }
            let s = FloatLanes(previousStep[k].pointer)
            var kd = SIMD8<Double>(), kg = SIMD8<Double>(), ks = SIMD8<Double>()
            FloatLanes.chunks(p.value.count) { i, n in
                let gi = SIMD8<Double>(g.load(i, n) + wd * x.load(i, n)), si = SIMD8<Double>(s.load(i, n))
                kd += gi * si
                kg += gi * gi
                ks += si * si
            }
            let slot = layerSlot[k]
            dot[slot] += kd.sum()
            gg[slot] += kg.sum()
            ss[slot] += ks.sum()
        }
        func cosine(_ d: Double, _ a: Double, _ b: Double) -> Double {
            let n = (a * b).squareRoot()
            return n > 0 && n.isFinite ? Swift.min(Swift.max(d / n, -1), 1) : 0
        }
        let global = cosine(dot.reduce(0, +), gg.reduce(0, +), ss.reduce(0, +))
        logGlobal = Swift.min(Swift.max(logGlobal + hyperLRGlobal * global, log(bounds.lowerBound)),
                              log(bounds.upperBound))
        for l in layerOffset.indices {
            let next = (1 - pull) * layerOffset[l] + hyperLRLayer * cosine(dot[l], gg[l], ss[l])
            layerOffset[l] = Swift.min(Swift.max(next, -span), span)
        }
    }
}

extension SALR {
    static let descriptor = MethodDescriptor(
        name: "salr",
        summary: "Our structured self-adaptive rate, designed after the abstract of Chen, Wang & Ba (arXiv "
            + "2210.10290), not their equations: A = exp(a_global + a_layer + a_elem), each level moved by a "
            + "normalised hypergradient",
        options: [
            OptionDescriptor("hyper_lr_global", .number, default: .double(0.05), min: 0, max: 1,
                             help: "step of log a_global per unit cosine(g_t, s_{t−1}) over all parameters"),
            OptionDescriptor("hyper_lr_layer", .number, default: .double(0.02), min: 0, max: 1,
                             help: "step of the layer offset per unit cosine over the layer's parameters"),
            OptionDescriptor("hyper_lr_element", .number, default: .double(0.01), min: 0, max: 1,
                             help: "step of the element offset per unit sign(g_t,i · s_{t−1,i})"),
            OptionDescriptor("pull", .number, default: .double(0.01), min: 0, max: 1,
                             help: "decay of each offset toward its parent level per step (regularisation)"),
            OptionDescriptor("lr_bounds", .range, default: .list([.double(1e-6), .double(1)]), min: 1e-12,
                             help: "clamp [min, max] on every per-parameter rate, min > 0"),
            OptionDescriptor("base", .choice(Base.allCases.map(\.rawValue)), default: .string("sgd"),
                             help: "base direction: the gradient (sgd) or the bias-corrected Adam direction (adam)"),
        ])
}
