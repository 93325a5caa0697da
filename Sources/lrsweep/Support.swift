import ArgumentParser
import Foundation
import Logging
import SweepKit
import Training

/// Logging to standard error, set up once per process.
enum Logs {
    nonisolated(unsafe) private static var bootstrapped = false

    /// - Parameter level: lowest level printed.
    static func logger(_ label: String, level: Logger.Level) -> Logger {
        if !bootstrapped {
            bootstrapped = true
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        }
        var l = Logger(label: label)
        l.logLevel = level
        return l
    }
}

/// Loads a spec against the built-in catalog; errors are the user's (exit 1) and name file:line:column.
func loadSpec(_ path: String) throws -> SweepSpec {
    guard FileManager.default.fileExists(atPath: path) else {
        throw UserError("no such spec file: \(path) (try sweeps/quickstart.yaml)")
    }
    return try SweepSpec.load(path: path, catalog: Catalog.builtin)
}

/// The output folder of a sweep: `--out` or `runs/<sweep name>/`, created if needed.
func outputFolder(_ out: String?, spec: SweepSpec) throws -> String {
    let dir = out ?? "runs/\(spec.name)"
    do {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    } catch {
        throw RuntimeFailure("cannot create output folder \(dir): \(error.localizedDescription)")
    }
    return dir
}

/// Path of this very executable, to start worker processes from it.
func currentExecutable() -> String {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
    return CommandLine.arguments[0]
}

/// A one-line progress bar on standard error: redrawn in place on a terminal, a line every few
/// seconds otherwise (CI logs, files).
final class ProgressBar {
    private let isTTY = isatty(STDERR_FILENO) == 1
    private var lastDraw = Date.distantPast
    private var lastLine = ""
    let label: String

    init(label: String) {
        self.label = label
    }

    func update(done: Int, total: Int, detail: String, force: Bool = false) {
        let now = Date()
        let interval = isTTY ? 0.1 : 5
        guard force || now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let width = 30
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\(label) \(bar) \(done)/\(total) \(detail)"
        if isTTY {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
        } else if line != lastLine {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        lastLine = line
    }

    func finish() {
        if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Formats seconds as `1m05s`.
func formatDuration(_ s: Double) -> String {
    guard s.isFinite, s >= 0 else { return "?" }
    let total = Int(s.rounded())
    return total >= 60 ? "\(total / 60)m\(String(format: "%02d", total % 60))s" : "\(total)s"
}

/// Prints one JSON object on one line (for `--json` outputs).
func printJSONLine<T: Encodable>(_ value: T) {
    if let data = try? JSONCoding.encoder().encode(value) {
        print(String(decoding: data, as: UTF8.self))
    }
}
