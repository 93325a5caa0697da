/// A decoded set of labelled images: pixels as floats in [0, 1], one row per image.
///
/// Plain arrays, so a decoded set is `Sendable` and can sit in the process-wide cache and be
/// shared by every trial a worker runs.
public struct LabeledImages: Sendable {
    /// `count × sampleSize` floats, row-major, scaled from bytes by 1/255.
    public var pixels: [Float]
    /// One class index per image, in `0..<classes`.
    public var labels: [Int32]
    /// Per-image shape `[channels, height, width]`.
    public var sampleShape: [Int]
    public var classes: Int

    public init(pixels: [Float], labels: [Int32], sampleShape: [Int], classes: Int) {
        precondition(pixels.count == labels.count * sampleShape.reduce(1, *), "pixels and labels disagree")
        self.pixels = pixels
        self.labels = labels
        self.sampleShape = sampleShape
        self.classes = classes
    }

    public var count: Int { labels.count }
    public var sampleSize: Int { sampleShape.reduce(1, *) }

    /// The images at `indices`, in that order (used to carve a test split from a single file).
    public func subset(_ indices: [Int]) -> LabeledImages {
        let d = sampleSize
        var px = [Float](repeating: 0, count: indices.count * d)
        var lb = [Int32](repeating: 0, count: indices.count)
        pixels.withUnsafeBufferPointer { src in
            px.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let t = dst.baseAddress else { return }
                for (row, i) in indices.enumerated() {
                    (t + row * d).update(from: s + i * d, count: d)
                    lb[row] = labels[i]
                }
            }
        }
        return LabeledImages(pixels: px, labels: lb, sampleShape: sampleShape, classes: classes)
    }
}

/// A dataset as shipped: its training split (validation is carved from it per trial) and its
/// test split.
public struct DatasetSplits: Sendable {
    public var name: String
    public var train: LabeledImages
    public var test: LabeledImages
    /// Where the data came from and anything a reader of results must know (e.g. a carved test set).
    public var note: String

    public init(name: String, train: LabeledImages, test: LabeledImages, note: String) {
        self.name = name
        self.train = train
        self.test = test
        self.note = note
    }
}
