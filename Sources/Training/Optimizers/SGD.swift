import SweepKit

/// Stochastic gradient descent, plain or with heavy-ball or Nesterov momentum: the `sgd`,
/// `momentum` and `sgdn` baselines.
///
/// With g_t the minibatch gradient plus weight decay (g_t ← g_t + wd·θ_{t−1}) and the step size
/// α_t = α_0 · scheduleFactor (PyTorch's `torch.optim.SGD`, dampening 0):
///
/// - `sgd`: θ_t = θ_{t−1} − α_t · g_t
/// - `momentum` (Polyak): b_t = μ·b_{t−1} + g_t (b_1 = g_1), θ_t = θ_{t−1} − α_t · b_t
/// - `sgdn` (Nesterov, as formulated by Sutskever et al., ICML 2013, and PyTorch):
///   b_t = μ·b_{t−1} + g_t, θ_t = θ_{t−1} − α_t · (g_t + μ·b_t)
///
/// Each update is elementwise, so it is split across the calling thread's ``ComputePool`` with
/// the same result on any number of threads.
public final class SGD: Optimizer {
    public let initialLearningRate: Double
    public let momentum: Double
    public let nesterov: Bool
    public let weightDecay: Double
    public var scheduleFactor: Double = 1
    /// α_0 · scheduleFactor.
    public var learningRate: Double { initialLearningRate * scheduleFactor }
    private var buffers: [StateBuffer] = []

    public init(learningRate: Double, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) {
        precondition(!nesterov || momentum > 0, "Nesterov momentum needs momentum > 0")
        self.initialLearningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public func update(_ parameters: [ParameterView], step: Int) {
        let lr = Float(learningRate), wd = Float(weightDecay), mu = Float(momentum)
        guard momentum != 0 else {
            for p in parameters {
                let v = p.value, g = p.grad
                ComputePool.forRanges(v.count, grain: elementGrain) { _, _, range in
                    for i in range { v[i] -= lr * (g[i] + wd * v[i]) }
                }
            }
            return
        }
        if buffers.isEmpty { buffers = StateBuffer.matching(parameters) }
        StateBuffer.check(buffers, against: parameters, "sgd")
        for (k, p) in parameters.enumerated() {
            let v = p.value, g = p.grad, b = buffers[k].pointer, nesterov = nesterov
            ComputePool.forRanges(v.count, grain: elementGrain) { _, _, range in
                if nesterov {
                    for i in range {
                        let gi = g[i] + wd * v[i]
                        let bi = mu * b[i] + gi
                        b[i] = bi
                        v[i] -= lr * (gi + mu * bi)
                    }
                } else {
                    for i in range {
                        let bi = mu * b[i] + (g[i] + wd * v[i])
                        b[i] = bi
                        v[i] -= lr * bi
                    }
                }
            }
        }
    }
}

extension SGD {
    static let momentumOption = OptionDescriptor("momentum", .number, default: .double(0.9), min: 0, max: 0.999999,
                                                 help: "momentum coefficient μ")

    static let plainDescriptor = MethodDescriptor(
        name: "sgd", summary: "Stochastic gradient descent: θ ← θ − α·g (weight decay added into g)")
    static let momentumDescriptor = MethodDescriptor(
        name: "momentum", summary: "SGD with heavy-ball momentum: b ← μ·b + g, θ ← θ − α·b",
        options: [momentumOption])
    static let nesterovDescriptor = MethodDescriptor(
        name: "sgdn", summary: "SGD with Nesterov momentum: b ← μ·b + g, θ ← θ − α·(g + μ·b)",
        options: [momentumOption])
}
