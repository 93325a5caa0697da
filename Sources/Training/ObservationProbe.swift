import Foundation

/// Measures the seven observations of the learned schedule (Xu et al., arXiv 1909.09712;
/// ALGORITHMS.md §3) on a model being trained.
///
/// - training loss: mean of the last ``trainLossWindow`` (10) minibatch losses;
/// - validation loss: mean cross-entropy over the validation images;
/// - variance of the validation logits (all N×C numbers, population variance);
/// - variance of the change of those logits since the previous decision (same images, same
///   order: the validation indices never change within a run);
/// - mean and variance of the output layer's weights (the last parameter with two or more axes,
///   i.e. the final `Linear`'s W, biases excluded);
/// - the current learning rate.
///
/// The first decision has no previous one: its logit change is measured from the logits of the
/// untrained model, which ``recordInitialLogits(_:)`` stores before the first update.
public final class ObservationProbe {
    public static let trainLossWindow = 10

    let set: LabeledImages
    let indices: [Int]
    let chunk: Int
    private var recentLosses: [Double] = []
    private var previousLogits: [Float]?
    private var loader = BatchLoader()
    private let loss = SoftmaxCrossEntropy()

    /// - Parameters:
    ///   - set, indices: the validation images (in this fixed order).
    ///   - chunk: images per forward pass (bounds the layers' buffers).
    public init(set: LabeledImages, indices: [Int], chunk: Int = 1_000) {
        precondition(!indices.isEmpty && chunk > 0)
        self.set = set
        self.indices = indices
        self.chunk = chunk
    }

    /// A probe on the validation images of `training` (all of them, or the first `limit` when
    /// `limit` > 0), the images `rl-schedule` and the controller's episodes observe.
    public convenience init(validationOf training: TrainingStep, limit: Int = 0) {
        let all = training.validationIndices
        self.init(set: training.images, indices: limit > 0 ? Array(all.prefix(limit)) : all)
    }

    /// Remembers one minibatch's training loss.
    public func record(batchLoss: Double) {
        recentLosses.append(batchLoss)
        if recentLosses.count > Self.trainLossWindow { recentLosses.removeFirst() }
    }

    /// Validation logits (flattened, in image order) and the mean validation loss.
    public func validationLogits(_ model: Sequential) -> (logits: [Float], loss: Double) {
        var logits: [Float] = []
        var total = 0.0
        var start = 0
        while start < indices.count {
            let end = Swift.min(start + chunk, indices.count)
            loader.load(set, indices: indices[start..<end])
            let z = model.forward(loader.images, mode: .evaluation)
            let l = loader.labels.withUnsafeBufferPointer {
                loss.evaluate(logits: z, labels: $0, computeGradient: false).loss
            }
            total += l * Double(end - start)
            z.withUnsafeBufferPointer { logits.append(contentsOf: $0) }
            start = end
        }
        return (logits, total / Double(indices.count))
    }

    /// Stores the untrained model's logits as the reference of the first decision's logit change.
    public func recordInitialLogits(_ model: Sequential) {
        previousLogits = validationLogits(model).logits
    }

    /// The observation now; the logits become the reference of the next decision's change.
    public func observe(_ model: Sequential, learningRate: Double) -> LRObservation {
        let (logits, valLoss) = validationLogits(model)
        let logitVariance = Self.meanAndVariance(logits).variance
        var change = 0.0
        if let prev = previousLogits, prev.count == logits.count {
            change = Self.meanAndVariance(zip(logits, prev).map { $0 - $1 }).variance
        }
        previousLogits = logits
        var weightMean = 0.0, weightVariance = 0.0
        if let w = model.parameters.last(where: { $0.shape.count >= 2 }) {
            (weightMean, weightVariance) = Self.meanAndVariance(Array(w.values))
        }
        let trainLoss = recentLosses.isEmpty ? valLoss : recentLosses.reduce(0, +) / Double(recentLosses.count)
        return LRObservation(trainLoss: trainLoss, validationLoss: valLoss, logitVariance: logitVariance,
                             logitChangeVariance: change, outputWeightMean: weightMean,
                             outputWeightVariance: weightVariance, learningRate: learningRate)
    }

    /// Mean and population variance, two passes in `Double`.
    static func meanAndVariance(_ x: [Float]) -> (mean: Double, variance: Double) {
        guard !x.isEmpty else { return (0, 0) }
        var s = 0.0
        for v in x { s += Double(v) }
        let m = s / Double(x.count)
        var q = 0.0
        for v in x { q += (Double(v) - m) * (Double(v) - m) }
        return (m, q / Double(x.count))
    }
}
