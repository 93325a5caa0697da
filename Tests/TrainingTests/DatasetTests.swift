import Foundation
import Testing
import Training

/// Decompresses a .gz file with the system's `gzip`, independently of the loader under test.
func gunzip(_ path: String) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-dc", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return [UInt8](data)
}

let fashionFolder = DataLocator().roots.map { $0 + "/fashion-mnist" }
    .first { FileManager.default.fileExists(atPath: $0 + "/train-labels-idx1-ubyte.gz") }
let mnistCSV = DataLocator().roots.map { $0 + "/mnist/mnist_5k.csv.gz" }
    .first { FileManager.default.fileExists(atPath: $0) }

@Suite("Dataset loaders")
struct DatasetTests {
    @Test("Fashion-MNIST decodes to 60000 + 10000 images of 784 pixels in [0, 1]",
          .enabled(if: fashionFolder != nil,
                   "Fashion-MNIST not installed: apt-get install dataset-fashion-mnist (or make setup)"))
    func fashionMNIST() throws {
        let data = try DatasetCache.load("fashion-mnist")
        #expect(data.train.count == 60_000 && data.test.count == 10_000)
        #expect(data.train.sampleShape == [1, 28, 28] && data.train.sampleSize == 784)
        #expect(data.train.pixels.count == 60_000 * 784 && data.test.pixels.count == 10_000 * 784)
        #expect(data.train.labels.allSatisfy { (0...9).contains($0) })
        #expect(data.train.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        // Ten balanced classes: 6,000 training and 1,000 test images each.
        #expect((0..<10).allSatisfy { c in data.test.labels.filter { $0 == c }.count == 1_000 })

        let folder = try #require(fashionFolder)
        let labelBytes = try gunzip(folder + "/train-labels-idx1-ubyte.gz")
        let imageBytes = try gunzip(folder + "/train-images-idx3-ubyte.gz")
        #expect(data.train.labels[0] == Int32(labelBytes[8]))
        #expect(data.train.labels[59_999] == Int32(labelBytes[8 + 59_999]))
        // The brightest pixel of the first image, located in the raw bytes (after the 16-byte header).
        let first = imageBytes[16..<(16 + 784)]
        let brightest = try #require(first.indices.max { first[$0] < first[$1] })
        #expect(data.train.pixels[brightest - 16] == Float(imageBytes[brightest]) / 255)
        #expect(imageBytes[brightest] > 0)
    }

    @Test("the MNIST 5k CSV gives 5000 images, 500 per class, with a carved 1000-image test split",
          .enabled(if: mnistCSV != nil,
                   "mnist_5k.csv.gz not placed in ~/.cache/lrsweep/mnist/: run `make setup`"))
    func mnistSubset() throws {
        let data = try DatasetCache.load("mnist")
        #expect(data.train.count + data.test.count == 5_000)
        #expect(data.test.count == 1_000)
        let all = data.train.labels + data.test.labels
        #expect((0..<10).allSatisfy { c in all.filter { $0 == c }.count == 500 })
        // The carve is a shuffle, not the sorted head of the file: the test split mixes classes.
        #expect(Set(data.test.labels).count == 10)
        #expect(data.train.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(data.note.contains("test split"))
    }

    @Test("the synthetic set is labelled 0…9, scaled to [0, 1], and marked as synthetic")
    func synthetic() throws {
        let a = try DatasetCache.load("synthetic")
        #expect(a.train.sampleShape == [1, 28, 28])
        #expect(Set(a.train.labels) == Set(0..<10))
        #expect(a.train.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(a.note.contains("synthetic"))
    }

    @Test("a missing dataset names the files, every root searched, and how to install it")
    func missingDataset() {
        let locator = DataLocator(environment: ["LRSWEEP_DATA": "/nonexistent/a", "HOME": "/nonexistent/home"])
        #expect(locator.roots == ["/nonexistent/a", "/nonexistent/home/.cache/lrsweep", "/usr/share/datasets"])
        let empty = DataLocator(roots: ["/nonexistent/a", "/nonexistent/b"])
        #expect(empty.available() == ["synthetic"])
        do {
            _ = try DatasetCache.load("fashion-mnist", locator: empty)
            Issue.record("expected a missing-dataset error")
        } catch let error as TrainingError {
            let text = error.description
            #expect(text.contains("/nonexistent/a/fashion-mnist") && text.contains("/nonexistent/b/fashion-mnist"))
            #expect(text.contains("train-images-idx3-ubyte.gz"))
            #expect(text.contains("dataset-fashion-mnist"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(throws: TrainingError.self) { try DatasetCache.load("imagenet", locator: empty) }
    }

    @Test("CIFAR-10 binary batches decode label bytes and planar RGB pixels")
    func cifar() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lrsweep-cifar-\(getpid())")
        let folder = root.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        // Two records per file: label (file index + record) % 10, pixel bytes (record + i) % 256.
        let names = (1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]
        for (f, name) in names.enumerated() {
            var bytes: [UInt8] = []
            for r in 0..<2 {
                bytes.append(UInt8((f + r) % 10))
                bytes += (0..<3_072).map { UInt8((r + $0) % 256) }
            }
            try Data(bytes).write(to: folder.appendingPathComponent(name))
        }
        let locator = DataLocator(roots: [root.path])
        #expect(locator.available().contains("cifar10"))
        let data = try DatasetCache.load("cifar10", locator: locator)
        #expect(data.train.count == 10 && data.test.count == 2)
        #expect(data.train.sampleShape == [3, 32, 32])
        #expect(data.train.labels.prefix(4) == [0, 1, 1, 2])
        #expect(data.test.labels == [5, 6])
        // Record 1, pixel 300 (red plane) is byte (1 + 300) % 256 = 45.
        #expect(data.train.pixels[3_072 + 300] == Float(45) / 255)
        #expect(data.train.pixels[3_072 * 2 - 1] == Float((1 + 3_071) % 256) / 255)
    }

    @Test("the default locator sees the installed datasets", .enabled(if: fashionFolder != nil))
    func available() {
        #expect(DataLocator().available().contains("fashion-mnist"))
    }
}
