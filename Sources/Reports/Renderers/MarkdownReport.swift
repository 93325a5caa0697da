import Foundation
import SweepKit

/// The terminal-friendly Markdown report (`report.md`, and what `run` prints at the end of a sweep).
///
/// The header says what the sweep ran and the compute it used. The ranked tables come next, since they
/// answer the question a sweep asks; the win counts, LR sensitivity, time to target, the full optimizer × LR
/// table, unfinished trials, early stopping's decisions and the methods follow.
public enum MarkdownReport {
    public static func render(_ data: ReportData) -> String { render(Report(data)) }

    public static func render(_ report: Report) -> String {
        let metric = report.sweep.metric
        var out = "# Sweep `\(report.sweep.name)`\n\n" + summary(report) + "\n"
        out += "\n" + computeSummary(report) + "\n"
        out += "\nRanked by **\(metric)** (\(report.sweep.goal == .minimize ? "lower" : "higher") is better): "
        out += "each optimizer at its best initial LR, mean ± sd over finished seeds. "
        out += "≈ not significantly different from the winner (Welch's t-test, 5 %); † a seed diverged.\n"
        for cell in report.ranking {
            out += "\n## \(cell.cell)\n\n" + rankingTable(cell, metric: metric)
        }
        if report.ranking.count > 1 {
            out += "\n## Wins over \(report.ranking.count) dataset × model cells\n\n" + winsTable(report.wins)
        }
        out += overall(report)
        out += tuningBudget(report)
        out += "\n## LR sensitivity\n\n" + sensitivityTable(report)
        out += divergence(report)
        if !report.timeToTarget.isEmpty {
            out += "\n## Time to target\n\n" + targetTables(report)
        }
        out += "\n## Every configuration (optimizer × initial LR)\n\n" + fullTable(report)
        out += unfinished(report)
        out += decisions(report)
        out += "\n## Methods\n\n" + report.methods.map { "- \($0)\n" }.joined()
        return out
    }

    /// `24 trials: 22 done, 1 diverged, 1 failed.`
    static func summary(_ report: Report) -> String {
        let total = report.sweep.counts.values.reduce(0, +)
        let parts = TrialStatus.allCases.compactMap { s in
            report.sweep.counts[s.rawValue].map { "\($0) \(s.rawValue)" }
        }
        return "\(total) trials: " + parts.joined(separator: ", ") + "."
    }

    /// The compute used and, with early stopping, what it pruned at each rung.
    static func computeSummary(_ report: Report) -> String {
        [report.compute.sentence, report.compute.prunedSentence].compactMap { $0 }.joined(separator: " ")
    }

    static func rankingTable(_ cell: RankedCell, metric: String) -> String {
        let columns = Format.rankingColumns(cell, metric: metric)
        var t = MarkdownTable(columns.header.enumerated().map { i, h in
            (h, columns.numeric.contains(i) ? .right : .left)
        })
        for row in columns.rows { t.add(row) }
        return t.render()
    }

    /// `3/3`, or `2/3 (1 diverged)`, `1/2 (1 pruned @ 30)`: finished seeds over all seeds, with what
    /// happened to the others.
    static func seeds(_ a: Aggregate) -> String {
        var notes: [String] = []
        if a.pruned > 0 { notes.append("\(a.pruned) pruned" + (a.stoppedStep.map { " @ \($0)" } ?? "")) }
        if a.diverged > 0 { notes.append("\(a.diverged) diverged") }
        if a.failed > 0 { notes.append("\(a.failed) failed") }
        if a.cancelled > 0 { notes.append("\(a.cancelled) cancelled") }
        if a.pending > 0 { notes.append("\(a.pending) pending") }
        return "\(a.n)/\(a.seeds)" + (notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")")
    }

    static func winsTable(_ wins: [WinCount]) -> String {
        var t = MarkdownTable([("optimizer", .left), ("wins", .right), ("wins or ≈", .right), ("cells", .right)])
        for w in wins { t.add([w.optimizer, "\(w.wins)", "\(w.winsOrTies)", "\(w.cells)"]) }
        return t.render()
    }

    static func sensitivityTable(_ report: Report) -> String {
        let columns = Format.sensitivityColumns(report)
        var t = MarkdownTable(columns.header.enumerated().map { i, h in
            (h, columns.numeric.contains(i) ? .right : .left)
        })
        for row in columns.rows { t.add(row) }
        return t.render()
    }

    static func targetTables(_ report: Report) -> String {
        var out = ""
        for r in report.timeToTarget {
            out += "\(r.dataset) · \(r.model): target \(report.sweep.metric) "
            out += "\(report.sweep.goal == .minimize ? "≤" : "≥") \(Format.value(r.target))\n\n"
            var t = MarkdownTable([("optimizer", .left), ("lr", .right), ("steps", .right), ("seconds", .right)])
            for e in r.entries {
                t.add([e.optimizer, Format.lr(e.lr), e.steps.map(String.init) ?? "not reached",
                       Format.seconds(e.seconds)])
            }
            out += t.render() + "\n"
        }
        return String(out.dropLast())
    }

    static func fullTable(_ report: Report) -> String {
        var t = MarkdownTable([("dataset · model", .left), ("optimizer", .left), ("lr", .right),
                               ("\(report.sweep.metric) mean ± sd", .right), ("95 % CI", .right),
                               ("seeds", .right)])
        for a in report.aggregates {
            t.add(["\(a.cell)", a.markedLabel, Format.lr(a.lr), Format.meanStd(a.mean, a.std, n: a.n),
                   Format.interval(a.ciLow, a.ciHigh), seeds(a)])
        }
        return t.render()
    }

    /// Failed, diverged and cancelled trials with their reasons (the first 20). Pruned trials are not
    /// listed here: early stopping's decisions say why they stopped.
    static func unfinished(_ report: Report) -> String {
        let failures = report.trials.filter { [.failed, .diverged, .cancelled].contains($0.status) }
        guard !failures.isEmpty else { return "" }
        var out = "\n## Trials that did not finish\n\n"
        for t in failures.prefix(20) {
            out += "- `\(t.id)` \(t.parameters): **\(t.status.rawValue)**"
            out += t.reason.map { " — \($0)" } ?? ""
            out += "\n"
        }
        if failures.count > 20 { out += "- … and \(failures.count - 20) more (see results.csv)\n" }
        return out
    }

    /// Early stopping's decisions in order (the first 20; all of them are in results.json).
    static func decisions(_ report: Report) -> String {
        guard !report.decisions.isEmpty else { return "" }
        let stopped = report.decisions.filter { !$0.promoted }.count
        var out = "\n## Early stopping\n\n\(report.decisions.count) decisions, \(stopped) stopped "
        out += "(\(report.decisions.count - stopped) promoted).\n\n"
        var t = MarkdownTable([("step", .right), ("configuration", .left), ("group", .left),
                               ("\(report.sweep.metric)", .right), ("decision", .left)])
        for d in report.decisions.prefix(Format.decisionLimit.markdown) {
            t.add(["\(d.step)", d.configuration, d.group, Format.value(d.value), Format.decision(d)])
        }
        out += t.render()
        if report.decisions.count > Format.decisionLimit.markdown {
            out += "\n… and \(report.decisions.count - Format.decisionLimit.markdown) more (see results.json)\n"
        }
        return out
    }
}
