import Foundation
import SweepKit

extension MarkdownReport {
    /// Mean rank, pairwise record and performance profile over all cells (shown with more than one cell).
    static func overall(_ report: Report) -> String {
        guard report.ranking.count > 1 else { return "" }
        var out = "\n## All tasks (\(report.ranking.count) dataset × model cells)\n\n"
        out += table(OverallColumns.meanRank(report.overall))
        out += "\nWin / tie / loss at the best LRs (Welch's t-test, 5 %):\n\n"
        out += table(OverallColumns.pairwise(report.overall))
        let profile = OverallColumns.profile(report.overall)
        if !profile.rows.isEmpty {
            out += "\nPerformance profile: fraction of cells within a factor τ of the best.\n\n" + table(profile)
        }
        return out
    }

    /// Per cell: the tuning-budget table and who wins at each budget.
    static func tuningBudget(_ report: Report) -> String {
        let cells = TuningBudget.cells(report.tuningBudget)
        guard !cells.isEmpty else { return "" }
        var out = "\n## Tuning budget (expected best \(report.sweep.metric) after k configurations)\n"
        for cell in cells {
            let t = TuningBudget.table(report.tuningBudget, cell: cell)
            out += "\n### \(cell)\n\n" + table((t.header, Set(1..<t.header.count), t.rows))
            out += "\n" + TuningBudget.sentence(report.tuningBudget, cell: cell, goal: report.sweep.goal) + "\n"
        }
        return out
    }

    static func divergence(_ report: Report) -> String {
        guard !report.divergence.isEmpty else { return "" }
        let c = Divergence.columns(report.divergence)
        return "\n## Divergence\n\n" + table((c.header, Set([2, 3, 4, 5, 6]), c.rows))
    }

    static func table(_ columns: (header: [String], numeric: Set<Int>, rows: [[String]])) -> String {
        var t = MarkdownTable(columns.header.enumerated().map { i, h in (h, columns.numeric.contains(i) ? .right : .left) })
        for row in columns.rows { t.add(row) }
        return t.render()
    }
}

/// The all-tasks tables, shared by the Markdown, HTML and LaTeX reports.
enum OverallColumns {
    static func meanRank(_ o: Overall) -> (header: [String], numeric: Set<Int>, rows: [[String]]) {
        (["optimizer", "mean rank", "95 % bootstrap interval", "cells"], Set([1, 2, 3]), o.meanRank.map { r in
            [r.optimizer, String(format: "%.2f", r.meanRank), String(format: "[%.2f, %.2f]", r.low, r.high),
             "\(r.cells)"]
        })
    }

    static func pairwise(_ o: Overall) -> (header: [String], numeric: Set<Int>, rows: [[String]]) {
        (["optimizer", "against", "wins", "ties", "losses"], Set([2, 3, 4]), o.pairwise.map { p in
            [p.optimizer, p.opponent, "\(p.wins)", "\(p.ties)", "\(p.losses)"]
        })
    }

    /// ρ(τ) at τ = 1, 1.05, 1.1, 1.25, 1.5 and 2.
    static let taus = [1.0, 1.05, 1.1, 1.25, 1.5, 2.0]

    static func profile(_ o: Overall) -> (header: [String], numeric: Set<Int>, rows: [[String]]) {
        (["optimizer"] + taus.map { "τ = \(Format.lr($0))" }, Set(1...taus.count), o.profile.map { p in
            [p.optimizer] + taus.map { String(format: "%.2f", p.fraction(at: $0)) }
        })
    }
}
