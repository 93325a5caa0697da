import Training

/// Finite-difference checking of a layer's hand-written backward pass.
///
/// The scalar under test is L = Σᵢ rᵢ·yᵢ for a fixed random r, so ∂L/∂y = r is what backward
/// receives. Each probed coordinate θ gets the central difference (L(θ+ε) − L(θ−ε)) / 2ε, with the
/// sums taken in Double; it must match the analytic gradient within `tolerance` relative to the
/// larger of the two magnitudes (and an absolute floor for tiny gradients). A probe whose one-sided
/// differences disagree sits on a kink (ReLU at 0, a max-pool tie) where no derivative exists;
/// it is counted as skipped, not compared.
struct GradientCheck {
    var epsilon: Float = 1e-2
    var relativeTolerance = 2e-2
    var absoluteTolerance = 2e-3
    /// Coordinates probed per tensor (spread evenly; all of them when the tensor is small).
    var probes = 24

    struct Mismatch: CustomStringConvertible {
        var tensor: String
        var index: Int
        var analytic: Double
        var numeric: Double
        var description: String { "\(tensor)[\(index)]: analytic \(analytic) vs numeric \(numeric)" }
    }

    /// Checks ∂L/∂input and ∂L/∂θ for every parameter of `layer`; returns the disagreements and
    /// how many coordinates were compared.
    func run(_ layer: any Layer, input: Tensor, seed: UInt64 = 11)
        -> (mismatches: [Mismatch], compared: Int, skipped: Int) {
        var rng = SplitMix64(seed: seed)
        let outShape = layer.forward(input, mode: .training).shape
        let weights = (0..<outShape.reduce(1, *)).map { _ in Double(rng.nextUnitFloat() * 2 - 1) }
        let upstream = Tensor(shape: outShape, values: weights.map { Float($0) })

        func lossAt(_ x: Tensor) -> Double {
            let y = layer.forward(x, mode: .training)
            return y.withUnsafeBufferPointer { ys in
                var s = 0.0
                for i in 0..<ys.count { s += Double(ys[i]) * weights[i] }
                return s
            }
        }

        for p in layer.parameters { p.zeroGrad() }
        _ = layer.forward(input, mode: .training)
        let inputGradient = layer.backward(upstream).scalars
        let parameterGradients = layer.parameters.map { Array($0.gradients) }

        var mismatches: [Mismatch] = []
        var compared = 0
        var skipped = 0
        func compare(_ name: String, _ index: Int, _ analytic: Double, _ up: Double, _ mid: Double, _ down: Double) {
            let forward = (up - mid) / Double(epsilon), backward = (mid - down) / Double(epsilon)
            let numeric = (up - down) / Double(2 * epsilon)
            if abs(forward - backward) > 2 * (absoluteTolerance + relativeTolerance * abs(numeric)) {
                skipped += 1
                return
            }
            compared += 1
            let scale = max(abs(analytic), abs(numeric))
            if abs(analytic - numeric) > absoluteTolerance + relativeTolerance * scale {
                mismatches.append(Mismatch(tensor: name, index: index, analytic: analytic, numeric: numeric))
            }
        }
        func probeIndices(_ count: Int) -> [Int] {
            // Evenly spread, with a varying offset inside each stride so probes hit different positions.
            count <= probes ? Array(0..<count)
                : (0..<probes).map { $0 * count / probes + ($0 * 7) % max(1, count / probes) }
        }

        let base = lossAt(input)
        if layer.needsInputGradient {
            for i in probeIndices(input.count) {
                var plus = input, minus = input
                plus[flat: i] += epsilon
                minus[flat: i] -= epsilon
                compare("input", i, Double(inputGradient[i]), lossAt(plus), base, lossAt(minus))
            }
        }
        for (p, analytic) in zip(layer.parameters, parameterGradients) {
            for i in probeIndices(p.count) {
                let saved = p.value[i]
                p.value[i] = saved + epsilon
                let up = lossAt(input)
                p.value[i] = saved - epsilon
                let down = lossAt(input)
                p.value[i] = saved
                compare(p.name, i, Double(analytic[i]), up, base, down)
            }
        }
        return (mismatches, compared, skipped)
    }
}

/// A tensor of the given shape with uniform values in [lo, hi).
func randomTensor(_ shape: [Int], seed: UInt64, in range: ClosedRange<Float> = -1...1) -> Tensor {
    var rng = SplitMix64(seed: seed)
    let n = shape.reduce(1, *)
    let values = (0..<n).map { _ in range.lowerBound + rng.nextUnitFloat() * (range.upperBound - range.lowerBound) }
    return Tensor(shape: shape, values: values)
}
