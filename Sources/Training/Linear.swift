/// A fully connected layer: y = x·Wᵀ + b, with W of shape `[out, in]` (PyTorch's layout).
///
/// All three products of a step go through `cblas_sgemm` with the batch folded into one matrix:
/// - forward  Y[B×out]  = X[B×in] · Wᵀ            (bias written first, then β = 1);
/// - backward ∂W[out×in] += ∂Yᵀ[out×B] · X[B×in]   (accumulates, β = 1);
///            ∂b += Σ_rows ∂Y;  ∂X[B×in] = ∂Y[B×out] · W[out×in].
public final class Linear: Layer {
    public var name: String
    public var needsInputGradient = true
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter

    private var input: Tensor?
    private var output = Tensor()
    private var gradInput = Tensor()

    public init(name: String = "fc", inFeatures: Int, outFeatures: Int, initializer: Initializer = .kaiming,
                rng: inout SplitMix64) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear needs positive sizes")
        self.name = name
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(name: "weight", shape: [outFeatures, inFeatures])
        bias = Parameter(name: "bias", shape: [outFeatures])
        initializer.fill(weight, fanIn: inFeatures, fanOut: outFeatures, rng: &rng)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        precondition(inputShape.reduce(1, *) == inFeatures, "\(name) expects \(inFeatures) inputs, got \(inputShape)")
        return [outFeatures]
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        let b = x.batch
        precondition(x.sampleSize == inFeatures, "\(name) expects \(inFeatures) features, got \(x.shape)")
        output.resize(to: [b, outFeatures])
        let out = outFeatures, inF = inFeatures
        let w = weight.value, bias = bias.value
        x.withUnsafeBufferPointer { xs in
            output.withUnsafeMutableBufferPointer { ys in
                guard let px = xs.baseAddress, let py = ys.baseAddress else { return }
                for r in 0..<b { (py + r * out).update(from: bias, count: out) }
                BLAS.parallelGemm(transB: true, m: b, n: out, k: inF, a: px, b: w, beta: 1, c: py)
            }
        }
        if mode == .training { input = x }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let b = dy.batch, out = outFeatures, inF = inFeatures
        guard let input, input.batch == b, dy.sampleSize == out else {
            preconditionFailure("\(name): backward without a matching training forward")
        }
        let gw = weight.grad, gb = bias.grad, w = weight.value
        let needsInput = needsInputGradient
        if needsInput { gradInput.resize(to: input.shape) }
        dy.withUnsafeBufferPointer { dys in
            input.withUnsafeBufferPointer { xs in
                guard let pdy = dys.baseAddress, let px = xs.baseAddress else { return }
                BLAS.parallelGemm(transA: true, m: out, n: inF, k: b, a: pdy, b: px, beta: 1, c: gw)
                // Column sums, cut by column: every ∂b_j is summed over the rows in the same order.
                ComputePool.forRanges(out, grain: 512) { _, _, columns in
                    for r in 0..<b {
                        let row = pdy + r * out
                        for j in columns { gb[j] += row[j] }
                    }
                }
            }
            if needsInput {
                gradInput.withUnsafeMutableBufferPointer { dxs in
                    guard let pdy = dys.baseAddress, let pdx = dxs.baseAddress else { return }
                    BLAS.parallelGemm(m: b, n: inF, k: out, a: pdy, b: w, beta: 0, c: pdx)
                }
            }
        }
        self.input = nil
        return gradInput
    }

    public func gemmShapes(inputShape: [Int], batch: Int) -> [GemmShape] {
        var shapes = [GemmShape(m: batch, n: outFeatures, k: inFeatures, transB: true),
                      GemmShape(m: outFeatures, n: inFeatures, k: batch, transA: true)]
        if needsInputGradient { shapes.append(GemmShape(m: batch, n: inFeatures, k: outFeatures)) }
        return shapes
    }
}
