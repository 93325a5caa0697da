import SweepKit

/// RMSProp (Tieleman & Hinton, COURSERA Neural Networks lecture 6.5, 2012), as in PyTorch's
/// `torch.optim.RMSprop` without centring: the `rmsprop` baseline.
///
/// g_t ← g_t + wd·θ_{t−1}; v_t = ρ·v_{t−1} + (1−ρ)·g_t²; d_t = g_t/(√v_t + ε);
/// with momentum μ > 0, b_t = μ·b_{t−1} + d_t and the step uses b_t; θ_t = θ_{t−1} − α_t·(d_t or b_t),
/// α_t = α_0 · scheduleFactor.
public final class RMSProp: Optimizer {
    public let initialLearningRate: Double
    public let decay: Double
    public let epsilon: Double
    public let momentum: Double
    public let weightDecay: Double
    public var scheduleFactor: Double = 1
    /// α_0 · scheduleFactor.
    public var learningRate: Double { initialLearningRate * scheduleFactor }
    private var v: [StateBuffer] = []
    private var b: [StateBuffer] = []

    public init(learningRate: Double, decay: Double = 0.99, epsilon: Double = 1e-8, momentum: Double = 0,
                weightDecay: Double = 0) {
        self.initialLearningRate = learningRate
        self.decay = decay
        self.epsilon = epsilon
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public func update(_ parameters: [ParameterView], step: Int) {
        if v.isEmpty {
            v = StateBuffer.matching(parameters)
            if momentum > 0 { b = StateBuffer.matching(parameters) }
        }
        StateBuffer.check(v, against: parameters, "rmsprop")
        let lr = Float(learningRate), wd = Float(weightDecay), rho = Float(decay), eps = Float(epsilon)
        let mu = Float(momentum)
        for (k, p) in parameters.enumerated() {
            guard let x = FloatLanes(p.value), let g = FloatLanes(p.grad) else { continue }
            let vk = FloatLanes(v[k].pointer)
            if momentum > 0 {
                let bk = FloatLanes(b[k].pointer)
                FloatLanes.chunks(p.value.count) { i, n in
                    let xi = x.load(i, n)
                    let gi = g.load(i, n) + wd * xi
                    let vi = rho * vk.load(i, n) + (1 - rho) * gi * gi
                    vk.store(vi, i, n)
                    let bi = mu * bk.load(i, n) + gi / (vi.squareRootFast() + eps)
                    bk.store(bi, i, n)
                    x.store(xi - lr * bi, i, n)
                }
            } else {
                FloatLanes.chunks(p.value.count) { i, n in
                    let xi = x.load(i, n)
                    let gi = g.load(i, n) + wd * xi
                    let vi = rho * vk.load(i, n) + (1 - rho) * gi * gi
                    vk.store(vi, i, n)
                    x.store(xi - lr * gi / (vi.squareRootFast() + eps), i, n)
                }
            }
        }
    }
}

extension RMSProp {
    static let descriptor = MethodDescriptor(
        name: "rmsprop", summary: "RMSProp (Tieleman & Hinton 2012): v ← ρ·v + (1−ρ)·g², θ ← θ − α·g/(√v + ε)",
        options: [
            OptionDescriptor("decay", .number, default: .double(0.99), min: 0, max: 0.999999,
                             help: "decay rate ρ of the squared-gradient average (PyTorch's alpha)"),
            OptionDescriptor("eps", .number, default: .double(1e-8), min: 0, max: 1, help: "ε added to √v"),
            OptionDescriptor("momentum", .number, default: .double(0), min: 0, max: 0.999999,
                             help: "momentum μ on the scaled gradient (0: none)"),
        ])
}
