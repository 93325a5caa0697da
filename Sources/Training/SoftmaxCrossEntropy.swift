import Foundation

/// Softmax followed by the cross-entropy with integer labels, fused into one stable pass.
///
/// For logits z of one sample and label y: L = log Σ_j e^{z_j} − z_y, computed as
/// m + log Σ_j e^{z_j − m} with m = max_j z_j (log-sum-exp), so no exponent overflows. The
/// gradient of the batch mean is ∂L/∂z_j = (softmax(z)_j − [j = y]) / B — the reason to fuse:
/// it needs neither a separate softmax Jacobian nor a log of a probability that underflowed.
public final class SoftmaxCrossEntropy {
    private var gradient = Tensor()

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
        var total = 0.0
        var correct = 0
        let invB = 1 / Float(b)
        logits.withUnsafeBufferPointer { zs in
            gradient.withUnsafeMutableBufferPointer { gs in
                guard let pz = zs.baseAddress else { return }
                for r in 0..<b {
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
                    guard computeGradient, let pg = gs.baseAddress else { continue }
                    let grow = pg + r * c
                    for j in 0..<c { grow[j] = expf(row[j] - logSum) * invB }
                    grow[label] -= invB
                }
            }
        }
        // A NaN logit makes `row[j] > m` false everywhere; the loss is then NaN, as it must be.
        return (total / Double(Swift.max(b, 1)), correct)
    }

    /// ∂(mean loss)/∂logits from the last `evaluate(…, computeGradient: true)`.
    public var gradientBuffer: Tensor { gradient }
}
