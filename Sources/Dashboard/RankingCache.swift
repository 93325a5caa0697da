import Foundation
import Reports
import Synchronization

/// The ranking and charts of each sweep, as `report.html` draws them (``HTMLReport/cellSections(_:)``),
/// computed from the whole store and kept until the store changes. A recomputation starts at most every
/// `spacing` seconds per sweep, or five times as long as the last one took, whichever is longer: a big
/// sweep's report takes a while, and the page asks again on every new point while the sweep runs on the
/// same cores.
final class RankingCache: Sendable {
    private struct Entry {
        var version: Int
        var computed: Date
        var cost: Double
        var html: String
    }

    private let entries = Mutex<[String: Entry]>([:])
    let spacing: Double

    init(spacing: Double = 2) { self.spacing = spacing }

    /// The cached sections if the store has not changed (or changed less than `spacing` ago), else nil.
    func cached(_ folder: SweepFolder, version: Int) -> String? {
        entries.withLock { e in
            guard let entry = e[folder.key] else { return nil }
            let quiet = max(spacing, 5 * entry.cost)
            if entry.version == version || Date().timeIntervalSince(entry.computed) < quiet { return entry.html }
            return nil
        }
    }

    /// The ranking sections of `folder`, computed now unless cached.
    func sections(_ folder: SweepFolder) throws -> String {
        let version = folder.dataVersion()
        if let html = cached(folder, version: version) { return html }
        let start = Date()
        let html = try Self.render(folder)
        let cost = Date().timeIntervalSince(start)
        entries.withLock { $0[folder.key] = Entry(version: version, computed: Date(), cost: cost, html: html) }
        return html
    }

    static func render(_ folder: SweepFolder) throws -> String {
        guard FileManager.default.fileExists(atPath: folder.storePath) else {
            return "<h2>Ranking and charts</h2><p class=\"note\">The sweep has not started yet.</p>\n"
        }
        let report = Report(try ReportData.load(path: folder.storePath))
        var out = "<h2>Ranking and charts</h2>\n"
        let finished = report.trials.filter { $0.status == .done }.count
        out += "<p class=\"note\">The same tables and charts as report.html, over the \(finished) finished "
        out += "trial\(finished == 1 ? "" : "s") so far; each optimizer at its best initial LR, mean ± sd over "
        out += "seeds.</p>\n"
        return out + HTMLReport.cellSections(report)
    }
}
