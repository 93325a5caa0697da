import Foundation
import Glibc

/// The log file of one trial: the trainer's non-JSON stdout, all of its stderr, and lrsweep's own
/// notes (lines starting with `[lrsweep]`: the command, the device, how the attempt ended).
///
/// Attempts append to the same file, so a retried trial keeps the story of every attempt. Used by
/// one trial thread only.
final class TrialLog {
    private var fd: Int32

    /// Opens (creating it and its folder if needed) `path` for appending.
    /// - Throws: ``ExternalTrainerError`` if the folder or the file cannot be created.
    init(path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ExternalTrainerError("cannot create the log folder \(folder): \(error.localizedDescription)")
        }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExternalTrainerError("cannot open the log \(path): \(errnoText())") }
    }

    deinit { close() }

    /// Appends `line` and a newline.
    func write(_ line: some StringProtocol) {
        guard fd >= 0 else { return }
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }  // a full disk must not fail the trial; the log is best effort
            offset += n
        }
    }

    /// Appends a note of lrsweep's own, marked so that it stands out from the trainer's output.
    func note(_ text: String) { write("[lrsweep] " + text) }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}

/// Splits a byte stream into lines (`\n`, with a trailing `\r` dropped), keeping the unfinished rest.
///
/// A line longer than ``maxLineBytes`` is cut there, so a trainer that never prints a newline cannot
/// make the worker's memory grow without bound.
struct LineSplitter {
    static let maxLineBytes = 1 << 20
    private var pending: [UInt8] = []

    /// The complete lines in what has arrived so far.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == 0x0A {
                lines.append(take())
            } else {
                pending.append(byte)
                if pending.count >= Self.maxLineBytes { lines.append(take()) }
            }
        }
        return lines
    }

    /// The unfinished last line at end of stream, if any.
    mutating func finish() -> String? {
        pending.isEmpty ? nil : take()
    }

    private mutating func take() -> String {
        if pending.last == 0x0D { pending.removeLast() }
        defer { pending.removeAll(keepingCapacity: true) }
        return String(decoding: pending, as: UTF8.self)
    }
}
