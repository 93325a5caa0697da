import Foundation
import SweepKit

/// Adam (Kingma & Ba, ICLR 2015, Algorithm 1) and AdamW (Loshchilov & Hutter, ICLR 2019,
/// Algorithm 2): the `adam` and `adamw` baselines.
///
/// m_t = β1·m_{t−1} + (1−β1)·g_t, v_t = β2·v_{t−1} + (1−β2)·g_t², m̂_t = m_t/(1−β1^t),
/// v̂_t = v_t/(1−β2^t), d_t = m̂_t/(√v̂_t + ε), θ_t = θ_{t−1} − α_t·d_t with α_t = α_0 · scheduleFactor.
///
/// `adam` adds L2 weight decay into the gradient (g_t ← g_t + wd·θ_{t−1}); `adamw` decouples it:
/// θ_t = θ_{t−1} − α_t·(d_t + wd·θ_{t−1}). ε sits outside the square root of the bias-corrected
/// v̂, as in the paper's algorithm (and in ``AdamHD``, so `adam-hd` with β = 0 is exactly `adam`).
public final class Adam: Optimizer {
    public let initialLearningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    /// True for AdamW: weight decay applied to θ directly instead of through the gradient.
    public let decoupledWeightDecay: Bool
    public var scheduleFactor: Double = 1
    /// α_0 · scheduleFactor.
    public var learningRate: Double { initialLearningRate * scheduleFactor }
    private var m: [StateBuffer] = []
    private var v: [StateBuffer] = []
    private var t = 0

    public init(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0, decoupledWeightDecay: Bool = false) {
        self.initialLearningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// Applies one update; the bias corrections count this optimizer's own updates, not `step`.
    public func update(_ parameters: [ParameterView], step: Int) {
        if m.isEmpty {
            m = StateBuffer.matching(parameters)
            v = StateBuffer.matching(parameters)
        }
        StateBuffer.check(m, against: parameters, decoupledWeightDecay ? "adamw" : "adam")
        t += 1
        Adam.step(parameters, m: m, v: v, t: t, lr: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                  l2: decoupledWeightDecay ? 0 : weightDecay, decoupled: decoupledWeightDecay ? weightDecay : 0)
    }

    /// One Adam step over all parameters with moments `m`, `v` after `t` updates: the moment update,
    /// the bias corrections and θ ← θ − lr·(m̂/(√v̂ + ε) + decoupled·θ), with `l2`·θ added into the
    /// gradient first. Shared by `adam`, `adamw` and `adam-hd` (which passes its adapted α as `lr`).
    static func step(_ parameters: [ParameterView], m: [StateBuffer], v: [StateBuffer], t: Int, lr: Double,
                     beta1: Double, beta2: Double, epsilon: Double, l2: Double, decoupled: Double) {
        let lr = Float(lr), eps = Float(epsilon), b1 = Float(beta1), b2 = Float(beta2)
        let l2 = Float(l2), decoupled = Float(decoupled)
        let c1 = Float(1 / (1 - pow(beta1, Double(t)))), c2 = Float(1 / (1 - pow(beta2, Double(t))))
        for (k, p) in parameters.enumerated() {
            guard let px = p.value.baseAddress, let pg = p.grad.baseAddress else { continue }
            let pm = m[k].pointer, pv = v[k].pointer
            // Elementwise: split across the pool, the same values on any number of threads.
            ComputePool.forRanges(p.value.count, grain: elementGrain) { _, _, range in
                let o = range.lowerBound
                let x = FloatLanes(px + o), g = FloatLanes(pg + o)
                let mk = FloatLanes(pm + o), vk = FloatLanes(pv + o)
                FloatLanes.chunks(range.count) { i, n in
                    let xi = x.load(i, n)
                    let gi = g.load(i, n) + l2 * xi
                    let mi = b1 * mk.load(i, n) + (1 - b1) * gi
                    let vi = b2 * vk.load(i, n) + (1 - b2) * gi * gi
                    mk.store(mi, i, n)
                    vk.store(vi, i, n)
                    let d = (mi * c1) / ((vi * c2).squareRootFast() + eps)
                    x.store(xi - lr * (d + decoupled * xi), i, n)
                }
            }
        }
    }
}

extension Adam {
    static let beta1Option = OptionDescriptor("beta1", .number, default: .double(0.9), min: 0, max: 0.999999,
                                              help: "decay rate β1 of the first-moment estimate")
    static let beta2Option = OptionDescriptor("beta2", .number, default: .double(0.999), min: 0, max: 0.99999999,
                                              help: "decay rate β2 of the second-moment estimate")
    static let epsOption = OptionDescriptor("eps", .number, default: .double(1e-8), min: 0, max: 1,
                                            help: "ε added to √v̂ in the denominator")

    static let adamDescriptor = MethodDescriptor(
        name: "adam", summary: "Adam (Kingma & Ba 2015): θ ← θ − α·m̂/(√v̂ + ε), weight decay added into g",
        options: [beta1Option, beta2Option, epsOption])
    static let adamWDescriptor = MethodDescriptor(
        name: "adamw",
        summary: "AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay θ ← θ − α·(m̂/(√v̂ + ε) + wd·θ)",
        options: [beta1Option, beta2Option, epsOption])
}
