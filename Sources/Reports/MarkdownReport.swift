import Foundation
import SweepKit

/// The terminal-friendly Markdown report: rankings per dataset × model and the full table.
public enum MarkdownReport {
    public static func render(_ data: ReportData) -> String {
        let aggregates = Aggregation.aggregate(data)
        let cells = Aggregation.ranking(aggregates, goal: data.goal)
        var out = "# Sweep `\(data.sweepName)`\n\n"
        let counts = Dictionary(grouping: data.trials, by: \.status).mapValues(\.count)
        out += "\(data.trials.count) trials: " + TrialStatus.allCases.compactMap { s in
            counts[s].map { "\($0) \(s.rawValue)" }
        }.joined(separator: ", ")
        out += ". Ranked by **\(data.metric)** (\(data.goal == .minimize ? "lower" : "higher") is better), "
        out += "mean ± standard deviation over seeds, each optimizer at its best initial LR.\n"
        for cell in cells {
            out += "\n## \(cell.dataset) · \(cell.model)\n\n"
            out += "| rank | optimizer | best lr | \(data.metric) | val_accuracy | seeds | diverged | failed |\n"
            out += "|---:|---|---:|---:|---:|---:|---:|---:|\n"
            for (i, a) in cell.entries.enumerated() {
                let acc = a.accuracy.map { format($0, digits: 4) } ?? "–"
                out += "| \(i + 1) | \(a.label) | \(formatLR(a.lr)) | \(format(a.mean)) ± \(format(a.std)) | \(acc) "
                out += "| \(a.n) | \(a.diverged) | \(a.failed) |\n"
            }
        }
        let failures = data.trials.filter { $0.status == .failed || $0.status == .diverged }
        if !failures.isEmpty {
            out += "\n## Trials that did not finish\n\n"
            for t in failures.prefix(20) {
                out += "- `\(t.id)` \(t.parameters): \(t.status.rawValue)"
                out += t.reason.map { " — \($0)" } ?? ""
                out += "\n"
            }
            if failures.count > 20 { out += "- … and \(failures.count - 20) more\n" }
        }
        return out
    }

    static func format(_ x: Double, digits: Int = 4) -> String {
        x.isFinite ? String(format: "%.\(digits)f", x) : "–"
    }

    static func formatLR(_ x: Double) -> String {
        x.isFinite ? String(format: "%g", x) : "–"
    }
}
