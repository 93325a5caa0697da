/// Batch normalisation (Ioffe & Szegedy, ICML 2015) per channel, for `[b, c]` and `[b, c, h, w]`.
///
/// Training: each channel's m = b·h·w values are normalised by their batch mean μ and biased
/// variance σ²: x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β. Running estimates (momentum 0.1, unbiased
/// variance, as PyTorch) replace the batch statistics in evaluation.
///
/// Backward (training mode), with g = ∂y·γ:
/// ∂x = (1/√(σ² + ε)) · (g − mean(g) − x̂ · mean(g·x̂)),  ∂γ += Σ ∂y·x̂,  ∂β += Σ ∂y.
/// Statistics are summed per plane in vectorised `Float` (``Reduce``) and across planes in `Double`,
/// so large batches do not lose the variance to rounding.
public final class BatchNorm: Layer {
    public var name: String
    public var needsInputGradient = true
    public let channels: Int
    public let epsilon: Float
    public let momentum: Float
    public let scale: Parameter
    public let shift: Parameter
    /// Running statistics used in evaluation mode.
    public private(set) var runningMean: [Float]
    public private(set) var runningVariance: [Float]

    private var normalized = Tensor()
    private var output = Tensor()
    private var gradInput = Tensor()
    private var inverseStd: [Float]
    private var hasCache = false

    public init(name: String = "bn", channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        precondition(channels > 0, "BatchNorm needs channels")
        self.name = name
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
        scale = Parameter(name: "weight", shape: [channels])
        shift = Parameter(name: "bias", shape: [channels])
        scale.fill { 1 }
        runningMean = [Float](repeating: 0, count: channels)
        runningVariance = [Float](repeating: 1, count: channels)
        inverseStd = [Float](repeating: 1, count: channels)
    }

    public var parameters: [Parameter] { [scale, shift] }

    public func outputShape(for s: [Int]) -> [Int] {
        precondition(s.first == channels, "\(name) expects \(channels) channels, got \(s)")
        return s
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        let b = x.shape[0], c = channels
        precondition(x.shape.count >= 2 && x.shape[1] == c, "\(name) got input \(x.shape)")
        let plane = x.sampleSize / c, m = b * plane
        output.resize(to: x.shape)
        let gamma = scale.value, beta = shift.value
        if mode == .evaluation {
            x.withUnsafeBufferPointer { xs in
                output.withUnsafeMutableBufferPointer { ys in
                    for ch in 0..<c {
                        let inv = 1 / (runningVariance[ch] + epsilon).squareRoot()
                        let a = gamma[ch] * inv, d = beta[ch] - runningMean[ch] * a
                        for n in 0..<b {
                            let base = (n * c + ch) * plane
                            for i in 0..<plane { ys[base + i] = xs[base + i] * a + d }
                        }
                    }
                }
            }
            hasCache = false
            return output
        }
        normalized.resize(to: x.shape)
        x.withUnsafeBufferPointer { xs in
            normalized.withUnsafeMutableBufferPointer { ns in
                output.withUnsafeMutableBufferPointer { ys in
                    guard let px = xs.baseAddress else { return }
                    for ch in 0..<c {
                        // Per-plane sums vectorised in Float, planes accumulated in Double; the
                        // variance is the two-pass Σ(x − μ)², which does not cancel catastrophically.
                        var sum = 0.0, sumSquares = 0.0
                        for n in 0..<b { sum += Double(Reduce.sum(px + (n * c + ch) * plane, plane)) }
                        let mean = sum / Double(m)
                        for n in 0..<b {
                            sumSquares += Double(Reduce.squaredDeviations(px + (n * c + ch) * plane, plane,
                                                                          mean: Float(mean)))
                        }
                        let variance = sumSquares / Double(m)
                        let inv = Float(1 / (variance + Double(epsilon)).squareRoot())
                        inverseStd[ch] = inv
                        let mu = Float(mean), g = gamma[ch], bt = beta[ch]
                        for n in 0..<b {
                            let base = (n * c + ch) * plane
                            for i in 0..<plane {
                                let xh = (xs[base + i] - mu) * inv
                                ns[base + i] = xh
                                ys[base + i] = g * xh + bt
                            }
                        }
                        let unbiased = m > 1 ? variance * Double(m) / Double(m - 1) : variance
                        runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mu
                        runningVariance[ch] = (1 - momentum) * runningVariance[ch] + momentum * Float(unbiased)
                    }
                }
            }
        }
        hasCache = true
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(hasCache && dy.count == normalized.count, "\(name): backward without a training forward")
        let b = dy.shape[0], c = channels, plane = dy.sampleSize / c, m = Float(b * plane)
        let gamma = scale.value, gGamma = scale.grad, gBeta = shift.grad
        gradInput.resize(to: dy.shape)
        dy.withUnsafeBufferPointer { dys in
            normalized.withUnsafeBufferPointer { ns in
                gradInput.withUnsafeMutableBufferPointer { dxs in
                    guard let pdy = dys.baseAddress, let pn = ns.baseAddress else { return }
                    for ch in 0..<c {
                        var sumDy: Float = 0, sumDyX: Float = 0
                        for n in 0..<b {
                            let base = (n * c + ch) * plane
                            let (s, d) = Reduce.sumAndDot(pdy + base, pn + base, plane)
                            sumDy += s
                            sumDyX += d
                        }
                        gGamma[ch] += sumDyX
                        gBeta[ch] += sumDy
                        guard needsInputGradient else { continue }
                        let k = gamma[ch] * inverseStd[ch]
                        let meanDy = sumDy / m, meanDyX = sumDyX / m
                        for n in 0..<b {
                            let base = (n * c + ch) * plane
                            for i in 0..<plane {
                                dxs[base + i] = k * (dys[base + i] - meanDy - ns[base + i] * meanDyX)
                            }
                        }
                    }
                }
            }
        }
        hasCache = false
        return gradInput
    }
}
