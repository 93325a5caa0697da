import CZlib

/// Reads a whole file through zlib, which inflates `.gz` files and passes plain files through.
///
/// Foundation on Linux has no gzip decoder; zlib's `gzread` handles both cases, so a user who
/// unpacked the IDX files by hand is served too.
enum Gzip {
    static func readAll(path: String) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw TrainingError.corruptDataset(path: path, problem: "cannot be opened")
        }
        defer { gzclose(file) }
        _ = gzbuffer(file, 1 << 18)
        var result: [UInt8] = []
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in gzread(file, raw.baseAddress, UInt32(chunk)) }
            if n < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
                throw TrainingError.corruptDataset(path: path, problem: "gzip: \(message)")
            }
            if n == 0 { break }
            result.append(contentsOf: buffer[0..<Int(n)])
        }
        return result
    }
}
