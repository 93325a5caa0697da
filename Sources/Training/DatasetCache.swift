import Synchronization

/// The process-wide store of decoded datasets, so a worker running many trials decodes each
/// file once.
///
/// Keyed by dataset name and the resolved file paths (a different root gives a different entry).
/// The lock is held while decoding: two trials asking for the same set at once wait for one
/// decode instead of doing two.
public enum DatasetCache {
    private static let entries = Mutex<[String: DatasetSplits]>([:])

    /// The decoded dataset `name`, from the cache or from the files `locator` finds.
    ///
    /// - Throws: ``TrainingError/datasetMissing`` naming the files, the paths searched and how to
    ///   install them; ``TrainingError/corruptDataset`` for a file that does not decode.
    public static func load(_ name: String, locator: DataLocator = DataLocator()) throws -> DatasetSplits {
        let files = try locator.files(for: name)
        let key = name + "|" + files.paths.joined(separator: "|")
        return try entries.withLock { cache in
            if let hit = cache[key] { return hit }
            let splits = try decode(name: name, files: files)
            cache[key] = splits
            return splits
        }
    }

    /// Forgets every decoded set (tests, memory pressure).
    public static func removeAll() {
        entries.withLock { $0.removeAll() }
    }

    /// Size of the test split carved from the MNIST 5k CSV, which has no test split of its own.
    static let carvedTestCount = 1_000

    private static func decode(name: String, files: DatasetFiles) throws -> DatasetSplits {
        switch files.kind {
        case .idx:
            let train = try IDXDecoder.load(images: files.paths[0], labels: files.paths[1])
            let test = try IDXDecoder.load(images: files.paths[2], labels: files.paths[3])
            return DatasetSplits(name: name, train: train, test: test, note: "IDX files \(files.paths[0]) …")
        case .mnistCSV:
            // The CSV is sorted by label, so the carve uses a seeded permutation; the seed is a
            // constant so that every trial (whatever its own seed) is tested on the same 1,000 images.
            let all = try MNISTCSVDecoder.load(path: files.paths[0])
            var rng = SplitMix64(seed: 0, stream: SplitMix64.Stream.split)
            let order = Array(0..<all.count).shuffled(using: &rng)
            let testCount = Swift.min(carvedTestCount, all.count / 5)
            return DatasetSplits(name: name, train: all.subset(Array(order[testCount...])),
                                 test: all.subset(Array(order[..<testCount])),
                                 note: "MNIST 5k subset \(files.paths[0]); \(testCount) images carved out as a "
                                     + "fixed test split (no official test split in this file)")
        case .cifarBinary:
            let train = try CIFARDecoder.load(paths: Array(files.paths.dropLast()))
            let test = try CIFARDecoder.load(paths: [files.paths[files.paths.count - 1]])
            return DatasetSplits(name: name, train: train, test: test, note: "CIFAR-10 binary batches")
        case .synthetic:
            return SyntheticDataset.make()
        }
    }
}
