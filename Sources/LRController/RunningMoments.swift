import Training

/// Running mean and variance of a stream of vectors, merged batch by batch.
///
/// The PPO controller of Xu et al. (arXiv 1909.09712, ALGORITHMS.md §3) normalises each
/// observation feature by its running mean and variance (then clips to ±10), and scales rewards
/// by the running standard deviation of the discounted return. Batches merge with Chan, Golub &
/// LeVeque's parallel formula, exact for any split of the data:
///
///     n = n_a + n_b,  δ = μ_b − μ_a,  μ = μ_a + δ·n_b/n,
///     M2 = M2_a + M2_b + δ²·n_a·n_b/n,  σ² = M2/n  (population variance).
///
/// Empty moments (n = 0) have mean 0 and variance 1, so normalising with them changes nothing.
public struct RunningMoments: Sendable, Equatable, Codable {
    public private(set) var count: Double
    public private(set) var mean: [Double]
    /// Population variance per component (1 while empty).
    public private(set) var variance: [Double]

    public init(dimension: Int) {
        count = 0
        mean = [Double](repeating: 0, count: dimension)
        variance = [Double](repeating: 1, count: dimension)
    }

    public init(count: Double, mean: [Double], variance: [Double]) {
        precondition(mean.count == variance.count && count >= 0)
        self.count = count
        self.mean = mean
        self.variance = variance
    }

    public var dimension: Int { mean.count }

    /// Merges a batch of samples, each of ``dimension`` components.
    public mutating func update(_ batch: [[Double]]) {
        guard !batch.isEmpty else { return }
        let nb = Double(batch.count)
        for k in 0..<dimension {
            var mb = 0.0
            for x in batch { mb += x[k] }
            mb /= nb
            var m2b = 0.0
            for x in batch { m2b += (x[k] - mb) * (x[k] - mb) }
            if count == 0 {
                mean[k] = mb
                variance[k] = m2b / nb
                continue
            }
            let n = count + nb
            let delta = mb - mean[k]
            let m2 = variance[k] * count + m2b + delta * delta * count * nb / n
            mean[k] += delta * nb / n
            variance[k] = m2 / n
        }
        count += nb
    }

    /// (x − μ)/√(σ² + ε), each component clipped to ±`clip`.
    public func normalize(_ x: [Double], clip: Double, epsilon: Double = 1e-8) -> [Double] {
        precondition(x.count == dimension, "\(x.count) components for moments of \(dimension)")
        return (0..<dimension).map { k in
            let z = (x[k] - mean[k]) / (variance[k] + epsilon).squareRoot()
            return Swift.min(Swift.max(z, -clip), clip)
        }
    }
}
