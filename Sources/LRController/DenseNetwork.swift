import Foundation
import Training

/// A small fully connected ReLU network in `Double`: the actor and the critic of the PPO
/// learning-rate controller (Xu et al., "Learning an Adaptive Learning Rate Schedule",
/// arXiv 1909.09712: two hidden layers of 32 units each).
///
/// The networks are tiny (7 → 32 → 32 → 3 is 1,411 numbers), so plain loops in double precision
/// beat BLAS calls on 1-row matrices and make the hand-written gradient exact to rounding (the
/// tests compare it with central differences). Parameters live in one flat array, layer by layer,
/// weight (row-major `[out × in]`, PyTorch's layout) then bias, so Adam and gradient-norm clipping
/// see one vector.
public struct DenseNetwork: Sendable, Equatable {
    /// Layer widths from input to output, e.g. `[7, 32, 32, 3]`.
    public let sizes: [Int]
    /// All weights and biases, flat: for each layer ℓ, W_ℓ `[sizes[ℓ+1] × sizes[ℓ]]` then b_ℓ.
    public var parameters: [Double]

    /// A network with He-scaled Gaussian weights (σ = √(2/fan-in)) and zero biases; the output
    /// layer's weights are further scaled by `outputGain` (0.01 for a policy head, so the initial
    /// policy is nearly uniform, as in the usual PPO implementations; 1 for a value head).
    public init(sizes: [Int], outputGain: Double = 1, rng: inout SplitMix64) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 }, "bad layer sizes \(sizes)")
        self.sizes = sizes
        var p: [Double] = []
        for l in 0..<(sizes.count - 1) {
            let fanIn = sizes[l], fanOut = sizes[l + 1]
            let scale = (2 / Double(fanIn)).squareRoot() * (l == sizes.count - 2 ? outputGain : 1)
            for _ in 0..<(fanIn * fanOut) { p.append(Double(rng.nextGaussian()) * scale) }
            p.append(contentsOf: repeatElement(0, count: fanOut))
        }
        parameters = p
    }

    /// A network with the given parameters (from a controller file).
    public init(sizes: [Int], parameters: [Double]) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 }, "bad layer sizes \(sizes)")
        precondition(parameters.count == Self.parameterCount(sizes), "\(parameters.count) parameters for \(sizes)")
        self.sizes = sizes
        self.parameters = parameters
    }

    /// Number of scalars in a network of these widths.
    public static func parameterCount(_ sizes: [Int]) -> Int {
        zip(sizes, sizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
    }

    public var inputSize: Int { sizes[0] }
    public var outputSize: Int { sizes[sizes.count - 1] }

    /// The activations of one forward pass, which ``backward(_:outputGradient:into:)`` needs.
    public struct Trace {
        /// Input of each layer (the network input, then each hidden layer's ReLU output).
        var inputs: [[Double]]
        public var output: [Double]
    }

    /// y = W_L·relu(…relu(W_1·x + b_1)…) + b_L: ReLU after every layer but the last.
    public func forward(_ x: [Double]) -> Trace {
        precondition(x.count == inputSize, "\(x.count) inputs for a network taking \(inputSize)")
        var inputs: [[Double]] = []
        inputs.reserveCapacity(sizes.count - 1)
        var a = x
        var offset = 0
        for l in 0..<(sizes.count - 1) {
            let n = sizes[l], m = sizes[l + 1]
            var y = [Double](repeating: 0, count: m)
            parameters.withUnsafeBufferPointer { p in
                for i in 0..<m {
                    var s = p[offset + m * n + i]
                    let row = offset + i * n
                    for j in 0..<n { s += p[row + j] * a[j] }
                    y[i] = l < sizes.count - 2 ? Swift.max(s, 0) : s
                }
            }
            inputs.append(a)
            a = y
            offset += m * n + m
        }
        return Trace(inputs: inputs, output: a)
    }

    /// The output alone.
    public func callAsFunction(_ x: [Double]) -> [Double] { forward(x).output }

    /// Adds ∂L/∂θ into `gradient` (same layout as ``parameters``) given ∂L/∂y of the traced pass.
    ///
    /// Backpropagation through y_ℓ = W_ℓ·a_ℓ + b_ℓ, a_{ℓ+1} = relu(y_ℓ): ∂W_ℓ += δ_ℓ·a_ℓᵀ,
    /// ∂b_ℓ += δ_ℓ, δ_{ℓ−1} = (W_ℓᵀ·δ_ℓ) ⊙ [a_ℓ > 0] (a_ℓ > 0 exactly where the ReLU passed its input).
    public func backward(_ trace: Trace, outputGradient: [Double], into gradient: inout [Double]) {
        precondition(outputGradient.count == outputSize && gradient.count == parameters.count)
        var offsets: [Int] = []
        var o = 0
        for l in 0..<(sizes.count - 1) {
            offsets.append(o)
            o += sizes[l] * sizes[l + 1] + sizes[l + 1]
        }
        var delta = outputGradient
        for l in stride(from: sizes.count - 2, through: 0, by: -1) {
            let n = sizes[l], m = sizes[l + 1], off = offsets[l]
            let a = trace.inputs[l]
            var below = [Double](repeating: 0, count: n)
            parameters.withUnsafeBufferPointer { p in
                gradient.withUnsafeMutableBufferPointer { g in
                    for i in 0..<m {
                        let d = delta[i]
                        if d == 0 { continue }
                        let row = off + i * n
                        for j in 0..<n {
                            g[row + j] += d * a[j]
                            below[j] += p[row + j] * d
                        }
                        g[off + m * n + i] += d
                    }
                }
            }
            if l > 0 {
                for j in 0..<n where a[j] <= 0 { below[j] = 0 }
            }
            delta = below
        }
    }
}

extension DenseNetwork: Codable {
    /// One layer as the controller file shows it: `weight` rows (one per output unit) and `bias`.
    struct LayerRecord: Codable {
        var weight: [[Double]]
        var bias: [Double]
    }

    enum CodingKeys: String, CodingKey { case sizes, layers }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let sizes = try c.decode([Int].self, forKey: .sizes)
        let layers = try c.decode([LayerRecord].self, forKey: .layers)
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }), layers.count == sizes.count - 1 else {
            throw DecodingError.dataCorruptedError(forKey: .layers, in: c,
                                                   debugDescription: "layers do not match sizes \(sizes)")
        }
        var p: [Double] = []
        for (l, layer) in layers.enumerated() {
            guard layer.weight.count == sizes[l + 1], layer.weight.allSatisfy({ $0.count == sizes[l] }),
                  layer.bias.count == sizes[l + 1] else {
                let problem = "layer \(l) is not \(sizes[l + 1])×\(sizes[l])"
                throw DecodingError.dataCorruptedError(forKey: .layers, in: c, debugDescription: problem)
            }
            for row in layer.weight { p.append(contentsOf: row) }
            p.append(contentsOf: layer.bias)
        }
        self.init(sizes: sizes, parameters: p)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sizes, forKey: .sizes)
        var layers: [LayerRecord] = []
        var o = 0
        for l in 0..<(sizes.count - 1) {
            let n = sizes[l], m = sizes[l + 1]
            let weight = (0..<m).map { i in Array(parameters[(o + i * n)..<(o + i * n + n)]) }
            layers.append(LayerRecord(weight: weight, bias: Array(parameters[(o + m * n)..<(o + m * n + m)])))
            o += m * n + m
        }
        try c.encode(layers, forKey: .layers)
    }
}
