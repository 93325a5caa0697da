import Foundation

/// Softmax followed by the cross-entropy with integer labels, fused into one stable pass.
///
/// For logits z of one sample and label y: L = log Σ_j e^{z_j} − z_y, computed as
/// m + log Σ_j e^{z_j − m} with m = max_j z_j (log-sum-exp), so no exponent overflows. The
/// gradient of the batch mean is ∂L/∂z_j = (softmax(z)_j − [j = y]) / B — the reason to fuse:
/// it needs neither a separate softmax Jacobian nor a log of a probability that underflowed.
public final class SoftmaxCrossEntropy {
    private var gradient = Tensor()
    private var partialLoss: [Double] = []
    private var partialCorrect: [Int] = []
    /// Fewest rows worth handing to another thread.
    static let rowGrain = 32

    public init() {}

    /// Mean loss over the batch, the number of correct arg-max predictions, and (when
    /// `computeGradient`) ∂(mean loss)/∂logits in ``gradientBuffer``.
    ///
    /// Accumulates in `Double` so a batch of thousands of samples sums without rounding drift.
    public func evaluate(logits: Tensor, labels: UnsafeBufferPointer<Int32>,
                         computeGradient: Bool) -> (loss: Double, correct: Int) {
        let b = logits.batch, c = logits.sampleSize
        precondition(labels.count >= b, "\(labels.count) labels for a batch of \(b)")
        if computeGradient { gradient.resize(to: logits.shape) }
        let invB = 1 / Float(b)
        let pool = ComputePool.current
        let grain = pool?.splitsEverything == true ? 1 : Self.rowGrain
        let chunks = Swift.max(1, Swift.min(pool?.chunks ?? 1, b / grain))
        if partialLoss.count < chunks {
            partialLoss = [Double](repeating: 0, count: chunks)
            partialCorrect = [Int](repeating: 0, count: chunks)
        }
        logits.withUnsafeBufferPointer { zs in
            gradient.withUnsafeMutableBufferPointer { gs in
                partialLoss.withUnsafeMutableBufferPointer { lossBuffer in
                    partialCorrect.withUnsafeMutableBufferPointer { correctBuffer in
                        let losses = lossBuffer, corrects = correctBuffer
                        guard let pz = zs.baseAddress else { return }
                        let pg = computeGradient ? gs.baseAddress : nil
                        ComputePool.runChunks(chunks) { chunk in
                            var total = 0.0
                            var correct = 0
                            for r in ComputePool.chunkRange(chunk, of: chunks, count: b) {
                                let row = pz + r * c
                                let label = Int(labels[r])
                                precondition(label >= 0 && label < c, "label \(label) outside 0..<\(c)")
                                var m = row[0]
                                var arg = 0
                                for j in 1..<c where row[j] > m {
                                    m = row[j]
                                    arg = j
                                }
                                if arg == label { correct += 1 }
                                var sum: Float = 0
                                for j in 0..<c { sum += expf(row[j] - m) }
                                let logSum = m + logf(sum)
                                total += Double(logSum - row[label])
                                guard let pg else { continue }
                                let grow = pg + r * c
                                for j in 0..<c { grow[j] = expf(row[j] - logSum) * invB }
                                grow[label] -= invB
                            }
                            losses[chunk] = total
                            corrects[chunk] = correct
                        }
                    }
                }
            }
        }
        // Chunk sums added in chunk order: fixed for a given thread count.
        var total = 0.0
        var correct = 0
        for chunk in 0..<chunks {
            total += partialLoss[chunk]
            correct += partialCorrect[chunk]
        }
        // A NaN logit makes `row[j] > m` false everywhere; the loss is then NaN, as it must be.
        return (total / Double(Swift.max(b, 1)), correct)
    }

    /// ∂(mean loss)/∂logits from the last `evaluate(…, computeGradient: true)`.
    public var gradientBuffer: Tensor { gradient }
}
