import Foundation

/// The engine's training step on one child network: the next minibatch of this epoch's seeded
/// permutation, zeroed gradients, forward, fused softmax cross-entropy, backward; then one update
/// of every parameter, in the model's fixed order, by whatever optimizer the caller holds.
///
/// The trainer (every trial) and the learned controller's episodes (the `LRController` module)
/// both step through this one type, so a child trains exactly the same way — bit for bit, for a
/// given seed and BLAS thread count — whether a schedule, `rl-schedule` or a PPO episode drives
/// its learning rate. A step is two calls so that a caller can look at the model between the
/// backward pass and the update (`rl-schedule`'s observations, ``ObservationProbe``):
///
///     let loss = training.computeGradients()
///     guard loss.isFinite else { /* diverged */ }
///     training.apply(optimizer, scheduleFactor: factor, step: t)
public final class TrainingStep {
    public let model: Sequential
    let split: DataSplit
    public let batchSize: Int
    /// Compute threads for this child's steps (see ``useThreads()``).
    public let threads: Int
    private let loss = SoftmaxCrossEntropy()
    private var loader = BatchLoader()
    private var shuffleRNG: SplitMix64
    private var order: [Int] = []
    private var cursor = 0

    /// Loads `dataset`, holds out its validation images and builds `model`, all from `seed`.
    ///
    /// - Parameters:
    ///   - trainSize, valSize: optional subsets of the training split and of the held-out
    ///     validation images (``DataSplit``'s defaults otherwise).
    /// - Throws: ``TrainingError`` for missing data, an unknown model or subset sizes that do not fit.
    public init(model: String, dataset: String, seed: Int, batchSize: Int, trainSize: Int? = nil,
                valSize: Int? = nil, threads: Int = 1, data: DataLocator = DataLocator()) throws {
        precondition(batchSize >= 1 && threads >= 1)
        let loaded = try DatasetCache.load(dataset, locator: data)
        split = try DataSplit(data: loaded, seed: seed, trainSize: trainSize, valSize: valSize)
        self.model = try ModelFactory.make(model, inputShape: loaded.train.sampleShape, classes: loaded.train.classes,
                                           seed: seed, dataset: dataset)
        self.batchSize = batchSize
        self.threads = threads
        shuffleRNG = SplitMix64(seed: seed, stream: SplitMix64.Stream.shuffling)
    }

    /// Steps per pass over the training images: ⌈train images / batch size⌉.
    public var stepsPerEpoch: Int { (split.trainIndices.count + batchSize - 1) / batchSize }
    /// The training split's images: the training and the validation indices are disjoint subsets.
    public var images: LabeledImages { split.data.train }
    /// The held-out validation images (indices into ``images``), in a fixed order.
    public var validationIndices: [Int] { split.validationIndices }
    /// The dataset's test split.
    public var testImages: LabeledImages { split.data.test }

    /// Gives the calling thread a ``ComputePool`` of ``threads`` threads (and single-threaded
    /// OpenBLAS): the sums of a step depend on the thread count, so call it before stepping, on
    /// the thread that steps.
    public func useThreads() {
        ComputePool.install(threads: threads)
    }

    /// The gradient of the next minibatch's loss with respect to every parameter.
    ///
    /// - Returns: the minibatch's mean cross-entropy. When it is not finite the child has
    ///   diverged: no backward pass ran, and the caller stops rather than calling ``apply(_:scheduleFactor:step:)``.
    public func computeGradients() -> Double {
        if cursor >= order.count {
            order = split.trainIndices.shuffled(using: &shuffleRNG)
            cursor = 0
        }
        let end = Swift.min(cursor + batchSize, order.count)
        loader.load(split.data.train, indices: order[cursor..<end])
        cursor = end
        model.zeroGradients()
        let logits = model.forward(loader.images, mode: .training)
        let batchLoss = loader.labels.withUnsafeBufferPointer {
            loss.evaluate(logits: logits, labels: $0, computeGradient: true).loss
        }
        guard batchLoss.isFinite else { return batchLoss }
        _ = model.backward(loss.gradientBuffer)
        return batchLoss
    }

    /// Update number `step` (from 1): `optimizer` steps every parameter at its rate times
    /// `scheduleFactor`.
    public func apply(_ optimizer: any Optimizer, scheduleFactor: Double, step: Int) {
        optimizer.scheduleFactor = scheduleFactor
        optimizer.update(model.parameterViews, step: step)
    }

    /// Mean loss and accuracy of the model (evaluation mode) on `indices` of `set`, in batches
    /// of the training batch size so the layers' buffers are reused, not grown.
    public func evaluate(_ set: LabeledImages, indices: [Int]) -> (loss: Double, accuracy: Double) {
        guard !indices.isEmpty else { return (.nan, .nan) }
        var total = 0.0
        var correct = 0
        var start = 0
        while start < indices.count {
            let end = Swift.min(start + batchSize, indices.count)
            loader.load(set, indices: indices[start..<end])
            let logits = model.forward(loader.images, mode: .evaluation)
            let (l, c) = loader.labels.withUnsafeBufferPointer {
                loss.evaluate(logits: logits, labels: $0, computeGradient: false)
            }
            total += l * Double(end - start)
            correct += c
            start = end
        }
        return (total / Double(indices.count), Double(correct) / Double(indices.count))
    }
}
