/// One trial's view of a dataset: which training images it trains on and which it validates on.
///
/// The validation images are held out of the training split by a permutation drawn from the
/// trial's seed; by default 10,000 of them for sets of 50,000 or more training images (the
/// Fashion-MNIST convention of the reference papers), otherwise a fifth. `trainSize` and
/// `valSize` from the config take subsets.
struct DataSplit {
    let data: DatasetSplits
    let trainIndices: [Int]
    let validationIndices: [Int]

    init(data: DatasetSplits, seed: Int, trainSize: Int?, valSize: Int?) throws {
        self.data = data
        let n = data.train.count
        let defaultVal = n >= 50_000 ? 10_000 : n / 5
        let val = valSize ?? defaultVal
        guard val >= 1, val < n else {
            throw TrainingError.badConfig("val_size must be between 1 and \(n - 1) for \(data.name), got \(val)")
        }
        var rng = SplitMix64(seed: seed, stream: SplitMix64.Stream.split)
        let order = Array(0..<n).shuffled(using: &rng)
        validationIndices = Array(order[..<val])
        let rest = order[val...]
        if let t = trainSize {
            guard t >= 1, t <= rest.count else {
                throw TrainingError.badConfig(
                    "train_size must be between 1 and \(rest.count) for \(data.name) with val_size \(val), got \(t)")
            }
            trainIndices = Array(rest.prefix(t))
        } else {
            trainIndices = Array(rest)
        }
    }
}

/// Fills reusable batch tensors by gathering rows of a ``LabeledImages`` set.
struct BatchLoader {
    private(set) var images = Tensor()
    private(set) var labels: [Int32] = []

    /// Copies images `indices` of `set` into ``images`` (`[n, c, h, w]`) and their labels.
    mutating func load(_ set: LabeledImages, indices: ArraySlice<Int>) {
        let d = set.sampleSize
        let n = indices.count
        images.resize(to: [n] + set.sampleShape)
        labels.removeAll(keepingCapacity: true)
        for i in indices { labels.append(set.labels[i]) }
        set.pixels.withUnsafeBufferPointer { src in
            images.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let t = dst.baseAddress else { return }
                for (row, i) in indices.enumerated() { (t + row * d).update(from: s + i * d, count: d) }
            }
        }
    }
}
