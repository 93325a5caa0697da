/// CIFAR-10's binary version: each record is one label byte then 3,072 pixel bytes (1,024 red,
/// 1,024 green, 1,024 blue, each 32×32 row-major), 10,000 records per batch file.
enum CIFARDecoder {
    static let recordSize = 1 + 3 * 32 * 32

    static func load(paths: [String]) throws -> LabeledImages {
        var pixels: [Float] = []
        var labels: [Int32] = []
        for path in paths {
            let bytes = try Gzip.readAll(path: path)
            guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
                throw TrainingError.corruptDataset(path: path,
                                                   problem: "size \(bytes.count) is not a multiple of \(recordSize)")
            }
            let n = bytes.count / recordSize
            pixels.reserveCapacity(pixels.count + n * (recordSize - 1))
            for r in 0..<n {
                let base = r * recordSize
                let label = bytes[base]
                guard label < 10 else {
                    throw TrainingError.corruptDataset(path: path, problem: "label \(label) in record \(r)")
                }
                labels.append(Int32(label))
                pixels += IDXDecoder.scaled(bytes, from: base + 1, count: recordSize - 1)
            }
        }
        return LabeledImages(pixels: pixels, labels: labels, sampleShape: [3, 32, 32], classes: 10)
    }
}

/// A seeded, learnable stand-in for MNIST-like data, for tests and benchmarks that must not
/// depend on downloaded files. **Synthetic**: not a real dataset.
///
/// Each of the 10 classes has a fixed random prototype image (784 pixels, 1×28×28); a sample is
/// its class prototype plus independent uniform noise, clamped to [0, 1]. The noise is strong
/// enough that the classes overlap a little, so a linear model learns it well but not trivially.
/// The generator is seeded with a constant, so every process sees the same set.
enum SyntheticDataset {
    static func make(trainCount: Int = 6_000, testCount: Int = 1_000) -> DatasetSplits {
        var rng = SplitMix64(seed: 20_180_101, stream: SplitMix64.Stream.synthetic)
        let d = 784, classes = 10
        var prototypes = [Float](repeating: 0, count: classes * d)
        for i in prototypes.indices { prototypes[i] = rng.nextUnitFloat() < 0.3 ? 0.8 : 0.1 }
        func sample(_ n: Int) -> LabeledImages {
            var px = [Float](repeating: 0, count: n * d)
            var lb = [Int32](repeating: 0, count: n)
            for s in 0..<n {
                let c = s % classes
                lb[s] = Int32(c)
                for j in 0..<d {
                    let noisy = prototypes[c * d + j] + (rng.nextUnitFloat() - 0.5) * 1.6
                    px[s * d + j] = Swift.min(Swift.max(noisy, 0), 1)
                }
            }
            return LabeledImages(pixels: px, labels: lb, sampleShape: [1, 28, 28], classes: classes)
        }
        return DatasetSplits(name: "synthetic", train: sample(trainCount), test: sample(testCount),
                             note: "synthetic: class prototypes plus uniform noise (not real data)")
    }
}
