import Foundation
import SweepKit

/// Adam with hypergradient descent on its learning rate: `adam-hd` (Baydin et al., ICLR 2018,
/// Algorithm 3 "Adam-HD").
///
/// d_t = m̂_t/(√v̂_t + ε) is the bias-corrected Adam direction (see ``Adam``). Each step:
/// 1. g_t = ∇f(θ_{t−1}) + wd·θ_{t−1};
/// 2. for t > 1, h = g_t · d_{t−1}, with d_{t−1} recomputed from the moments *before* this step's
///    moment update and their bias corrections 1−β1^{t−1}, 1−β2^{t−1} (no extra buffer needed);
/// 3. α ← α + β·h (skipped at t = 1; multiplicative and clamped variants in ``HypergradientRule``);
/// 4. the moments are updated and θ_t = θ_{t−1} − α·s·d_t, s the schedule's factor.
///
/// The authors' PyTorch code places ε as m/(√v + ε)·√(1−β2^t)/(1−β1^t); we follow the paper's
/// m̂/(√v̂ + ε) (ALGORITHMS.md), which differs only while √v̂ is comparable to ε. With β = 0 this is
/// exactly ``Adam``. The dot product is accumulated in Double.
public final class AdamHD: Optimizer {
    /// α: the adapted learning rate before the schedule's factor.
    public private(set) var alpha: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    let rule: HypergradientRule
    public var scheduleFactor: Double = 1
    /// α · scheduleFactor: the rate of the last update.
    public var learningRate: Double { alpha * scheduleFactor }
    private var m: [StateBuffer] = []
    private var v: [StateBuffer] = []
    private var t = 0

    public init(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                hyperLR: Double, multiplicative: Bool = false, bounds: ClosedRange<Double>? = nil,
                weightDecay: Double = 0) {
        self.alpha = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.rule = HypergradientRule(hyperLR: hyperLR, multiplicative: multiplicative, bounds: bounds)
    }

    public func update(_ parameters: [ParameterView], step: Int) {
        if m.isEmpty {
            m = StateBuffer.matching(parameters)
            v = StateBuffer.matching(parameters)
        }
        StateBuffer.check(m, against: parameters, "adam-hd")
        t += 1
        let wd = Float(weightDecay), eps = Float(epsilon)
        if t > 1 {
            let c1 = Float(1 / (1 - pow(beta1, Double(t - 1)))), c2 = Float(1 / (1 - pow(beta2, Double(t - 1))))
            var dot8 = SIMD8<Double>(), gg8 = SIMD8<Double>(), dd8 = SIMD8<Double>()
            for (k, p) in parameters.enumerated() {
                guard let x = FloatLanes(p.value), let g = FloatLanes(p.grad) else { continue }
                let mk = FloatLanes(m[k].pointer), vk = FloatLanes(v[k].pointer)
                FloatLanes.chunks(p.value.count) { i, n in
                    let gi = SIMD8<Double>(g.load(i, n) + wd * x.load(i, n))
                    let di = SIMD8<Double>((mk.load(i, n) * c1) / ((vk.load(i, n) * c2).squareRootFast() + eps))
                    dot8 += gi * di
                    gg8 += gi * gi
                    dd8 += di * di
                }
            }
            alpha = rule.updated(alpha, dot: dot8.sum(), gradNormSquared: gg8.sum(), directionNormSquared: dd8.sum())
        }
        Adam.step(parameters, m: m, v: v, t: t, lr: alpha * scheduleFactor, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, l2: weightDecay, decoupled: 0)
    }
}

extension AdamHD {
    static let descriptor = MethodDescriptor(
        name: "adam-hd",
        summary: "Adam with hypergradient descent on α (Baydin et al. 2018): α ← α + β·g_t·d_{t−1}, "
            + "d = m̂/(√v̂ + ε); no α update at step 1",
        options: [HypergradientRule.hyperLROption(default: 1e-7), Adam.beta1Option, Adam.beta2Option, Adam.epsOption,
                  HypergradientRule.multiplicativeOption, HypergradientRule.boundsOption])
}
