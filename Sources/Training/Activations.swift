import Foundation

/// Fewest elements of an elementwise pass worth handing to another thread: a few microseconds of
/// work, against well under one for the hand-off to a spinning ``ComputePool`` helper.
let elementGrain = 16_384

/// Rectified linear unit, y = max(x, 0), applied elementwise.
///
/// Backward uses the cached *output*: ∂x = ∂y · [y > 0] (the subgradient at 0 is taken as 0,
/// as every framework does).
public final class ReLU: Layer {
    public var name: String
    public var needsInputGradient = true
    private var output = Tensor()
    private var gradInput = Tensor()

    public init(name: String = "relu") {
        self.name = name
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        output.resize(to: x.shape)
        x.withUnsafeBufferPointer { xs in
            output.withUnsafeMutableBufferPointer { ys in
                ComputePool.forRanges(xs.count, grain: elementGrain) { _, _, range in
                    for i in range { ys[i] = Swift.max(xs[i], 0) }
                }
            }
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.count == output.count, "\(name): gradient shape \(dy.shape) ≠ output \(output.shape)")
        gradInput.resize(to: dy.shape)
        dy.withUnsafeBufferPointer { dys in
            output.withUnsafeBufferPointer { ys in
                gradInput.withUnsafeMutableBufferPointer { dxs in
                    ComputePool.forRanges(dys.count, grain: elementGrain) { _, _, range in
                        for i in range { dxs[i] = ys[i] > 0 ? dys[i] : 0 }
                    }
                }
            }
        }
        return gradInput
    }
}

/// Hyperbolic tangent, elementwise; ∂x = ∂y · (1 − y²) from the cached output.
public final class Tanh: Layer {
    public var name: String
    public var needsInputGradient = true
    private var output = Tensor()
    private var gradInput = Tensor()

    public init(name: String = "tanh") {
        self.name = name
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        output.resize(to: x.shape)
        x.withUnsafeBufferPointer { xs in
            output.withUnsafeMutableBufferPointer { ys in
                ComputePool.forRanges(xs.count, grain: elementGrain / 8) { _, _, range in
                    for i in range { ys[i] = tanhf(xs[i]) }
                }
            }
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.count == output.count, "\(name): gradient shape \(dy.shape) ≠ output \(output.shape)")
        gradInput.resize(to: dy.shape)
        dy.withUnsafeBufferPointer { dys in
            output.withUnsafeBufferPointer { ys in
                gradInput.withUnsafeMutableBufferPointer { dxs in
                    ComputePool.forRanges(dys.count, grain: elementGrain) { _, _, range in
                        for i in range { dxs[i] = dys[i] * (1 - ys[i] * ys[i]) }
                    }
                }
            }
        }
        return gradInput
    }
}

/// Reshapes `[batch, c, h, w]` to `[batch, c·h·w]` (and back in backward); shares storage.
public final class Flatten: Layer {
    public var name: String
    public var needsInputGradient = true
    private var inputShape: [Int] = []

    public init(name: String = "flatten") {
        self.name = name
    }

    public func outputShape(for inputShape: [Int]) -> [Int] { [inputShape.reduce(1, *)] }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        if x.shape.count == 2 { return x }
        if inputShape != x.shape { inputShape = x.shape }
        return x.reshaped(to: [x.batch, x.sampleSize])
    }

    public func backward(_ dy: Tensor) -> Tensor {
        // An empty gradient means the layer after this one skipped the input gradient (nothing before
        // it has parameters); pass that on rather than reshaping it.
        if inputShape.isEmpty || inputShape.count == 2 || dy.count == 0 { return dy }
        return dy.reshaped(to: inputShape)
    }
}

/// Inverted dropout (Srivastava et al., JMLR 2014): in training each unit is zeroed with
/// probability p and the survivors scaled by 1/(1−p), so evaluation is the identity.
///
/// Masks come from the layer's own seeded generator, so a run is reproducible from its seed.
public final class Dropout: Layer {
    public var name: String
    public var needsInputGradient = true
    public let probability: Float
    private var rng: SplitMix64
    private var mask = Tensor()
    private var output = Tensor()
    private var gradInput = Tensor()

    public init(name: String = "dropout", probability: Float, rng: SplitMix64) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.name = name
        self.probability = probability
        self.rng = rng
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        guard mode == .training, probability > 0 else { return x }
        mask.resize(to: x.shape)
        output.resize(to: x.shape)
        let keep = 1 - probability, scale = 1 / (1 - probability)
        mask.withUnsafeMutableBufferPointer { ms in
            for i in 0..<ms.count { ms[i] = rng.nextUnitFloat() < keep ? scale : 0 }
        }
        x.withUnsafeBufferPointer { xs in
            mask.withUnsafeBufferPointer { ms in
                output.withUnsafeMutableBufferPointer { ys in
                    for i in 0..<xs.count { ys[i] = xs[i] * ms[i] }
                }
            }
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard probability > 0 else { return dy }
        gradInput.resize(to: dy.shape)
        dy.withUnsafeBufferPointer { dys in
            mask.withUnsafeBufferPointer { ms in
                gradInput.withUnsafeMutableBufferPointer { dxs in
                    for i in 0..<dys.count { dxs[i] = dys[i] * ms[i] }
                }
            }
        }
        return gradInput
    }
}
