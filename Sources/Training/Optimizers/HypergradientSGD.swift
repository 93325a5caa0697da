import SweepKit

/// SGD with hypergradient descent on its learning rate: `sgd-hd` and `sgdn-hd`
/// (Baydin, Cornish, Martínez Rubio, Schmidt, Wood: "Online Learning Rate Adaptation with
/// Hypergradient Descent", ICLR 2018, Algorithm 2 "SGD-HD" and its Nesterov variant "SGDN-HD").
///
/// One scalar α for all parameters. Each step, in this order (ALGORITHMS.md §1):
/// 1. g_t = ∇f(θ_{t−1}) + wd·θ_{t−1} over all parameters;
/// 2. h = g_t · d_{t−1} (d_0 = 0, so the first step uses α_0);
/// 3. α ← α + β·h (or the multiplicative / clamped variants of ``HypergradientRule``);
/// 4. θ_t = θ_{t−1} − α·s·d_t, where s is the schedule's factor, and d_t is remembered.
///
/// Directions: `sgd-hd` d_t = g_t; `sgdn-hd` b_t = μ·b_{t−1} + g_t (b_1 = g_1), d_t = g_t + μ·b_t.
/// The hypergradient uses the previous full direction d_{t−1}, not scaled by α or the schedule:
/// the schedule multiplies the step only, so with the default constant schedule this is exactly
/// the paper's method. The dot product is accumulated in Double.
public final class HypergradientSGD: Optimizer {
    /// α: the adapted learning rate before the schedule's factor.
    public private(set) var alpha: Double
    public let momentum: Double
    public let weightDecay: Double
    let rule: HypergradientRule
    public var scheduleFactor: Double = 1
    /// α · scheduleFactor: the rate of the last update.
    public var learningRate: Double { alpha * scheduleFactor }
    private var direction: [StateBuffer] = []
    private var buffer: [StateBuffer] = []
    private var t = 0

    /// - Parameters:
    ///   - momentum: 0 for `sgd-hd`; μ > 0 for Nesterov momentum (`sgdn-hd`).
    ///   - hyperLR: β (or β′ when `multiplicative`).
    ///   - bounds: clamp on α after each hypergradient step.
    public init(learningRate: Double, momentum: Double = 0, hyperLR: Double, multiplicative: Bool = false,
                bounds: ClosedRange<Double>? = nil, weightDecay: Double = 0) {
        self.alpha = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.rule = HypergradientRule(hyperLR: hyperLR, multiplicative: multiplicative, bounds: bounds)
    }

    public func update(_ parameters: [ParameterView], step: Int) {
        if direction.isEmpty {
            direction = StateBuffer.matching(parameters)
            if momentum > 0 { buffer = StateBuffer.matching(parameters) }
        }
        StateBuffer.check(direction, against: parameters, momentum > 0 ? "sgdn-hd" : "sgd-hd")
        t += 1
        let wd = Float(weightDecay)
        if t > 1 {
            var dot = SIMD8<Double>(), gg = SIMD8<Double>(), dd = SIMD8<Double>()
            for (k, p) in parameters.enumerated() {
                guard let x = FloatLanes(p.value), let g = FloatLanes(p.grad) else { continue }
                let d = FloatLanes(direction[k].pointer)
                FloatLanes.chunks(p.value.count) { i, n in
                    let gi = SIMD8<Double>(g.load(i, n) + wd * x.load(i, n)), di = SIMD8<Double>(d.load(i, n))
                    dot += gi * di
                    gg += gi * gi
                    dd += di * di
                }
            }
            alpha = rule.updated(alpha, dot: dot.sum(), gradNormSquared: gg.sum(), directionNormSquared: dd.sum())
        }
        let lr = Float(alpha * scheduleFactor), mu = Float(momentum)
        for (k, p) in parameters.enumerated() {
            let x = p.value, g = p.grad, d = direction[k].pointer
            if momentum > 0 {
                let b = buffer[k].pointer
                for i in 0..<x.count {
                    let gi = g[i] + wd * x[i]
                    let bi = mu * b[i] + gi
                    b[i] = bi
                    let di = gi + mu * bi
                    d[i] = di
                    x[i] -= lr * di
                }
            } else {
                for i in 0..<x.count {
                    let gi = g[i] + wd * x[i]
                    d[i] = gi
                    x[i] -= lr * gi
                }
            }
        }
    }
}

extension HypergradientSGD {
    static let sgdDescriptor = MethodDescriptor(
        name: "sgd-hd",
        summary: "SGD with hypergradient descent on α (Baydin et al. 2018): α ← α + β·g_t·g_{t−1}, then θ ← θ − α·g_t",
        options: [HypergradientRule.hyperLROption(default: 1e-3), HypergradientRule.multiplicativeOption,
                  HypergradientRule.boundsOption])
    static let nesterovDescriptor = MethodDescriptor(
        name: "sgdn-hd",
        summary: "Nesterov SGD with hypergradient descent on α (Baydin et al. 2018): α ← α + β·g_t·d_{t−1}, "
            + "d = g + μ·b",
        options: [HypergradientRule.hyperLROption(default: 1e-3), SGD.momentumOption,
                  HypergradientRule.multiplicativeOption, HypergradientRule.boundsOption])
}
