import Foundation
import SweepKit

/// The report as one self-contained HTML file (`report.html`): no scripts, no fonts, no network; charts
/// are inline SVG and the style sheet is a few lines of CSS, so the file can be mailed or archived as is.
public enum HTMLReport {
    public static func render(_ data: ReportData) -> String { render(Report(data)) }

    public static func render(_ report: Report) -> String {
        let charts = ReportCharts(report)
        let metric = report.sweep.metric
        let name = SVGText.escape(report.sweep.name)
        var body = "<h1>Sweep <code>\(name)</code></h1>\n"
        body += "<p>\(SVGText.escape(MarkdownReport.summary(report))) Ranked by <b>\(SVGText.escape(metric))</b> "
        body += "(\(report.sweep.goal == .minimize ? "lower" : "higher") is better): each optimizer at its best "
        body += "initial LR, mean ± sd over finished seeds. <span class=\"mark\">≈</span> not significantly "
        body += "different from the winner (Welch's t-test, 5 %); † a seed diverged. See Methods below.</p>\n"
        body += "<p class=\"compute\">\(SVGText.escape(MarkdownReport.computeSummary(report)))</p>\n"
        body += cellSections(report, charts: charts)
        if report.ranking.count > 1 {
            body += "<h2>Wins over \(report.ranking.count) dataset × model cells</h2>\n"
            body += table(["optimizer", "wins", "wins or ≈", "cells"], numeric: [1, 2, 3],
                          rows: report.wins.map { [$0.optimizer, "\($0.wins)", "\($0.winsOrTies)", "\($0.cells)"] })
        }
        body += overall(report, charts: charts)
        body += tuningBudget(report)
        let sensitivity = Format.sensitivityColumns(report)
        body += "<h2>LR sensitivity</h2>\n"
            + table(sensitivity.header, numeric: sensitivity.numeric, rows: sensitivity.rows)
        if !report.divergence.isEmpty {
            let d = Divergence.columns(report.divergence)
            body += "<h2>Divergence</h2>\n" + table(d.header, numeric: [2, 3, 4, 5, 6], rows: d.rows)
        }
        if !report.timeToTarget.isEmpty {
            body += "<h2>Time to target</h2>\n"
            for r in report.timeToTarget {
                body += "<p>\(SVGText.escape("\(r.dataset) · \(r.model)")): target \(SVGText.escape(metric)) "
                body += "\(report.sweep.goal == .minimize ? "≤" : "≥") \(Format.value(r.target))</p>\n"
                body += table(["optimizer", "lr", "steps", "seconds"], numeric: [1, 2, 3], rows: r.entries.map { e in
                    [e.optimizer, Format.lr(e.lr), e.steps.map(String.init) ?? "not reached", Format.seconds(e.seconds)]
                })
            }
        }
        body += "<h2>Every configuration</h2>\n" + table(
            ["dataset · model", "optimizer", "lr", "\(metric) mean ± sd", "95 % CI", "seeds"], numeric: [2, 3, 4, 5],
            rows: report.aggregates.map { a in
                ["\(a.cell)", a.markedLabel, Format.lr(a.lr), Format.meanStd(a.mean, a.std, n: a.n),
                 Format.interval(a.ciLow, a.ciHigh), MarkdownReport.seeds(a)]
            })
        let failures = report.trials.filter { [.failed, .diverged, .cancelled].contains($0.status) }
        if !failures.isEmpty {
            body += "<h2>Trials that did not finish</h2>\n" + table(
                ["trial", "parameters", "status", "reason"], numeric: [],
                rows: failures.map { [$0.id, $0.parameters.description, $0.status.rawValue, $0.reason ?? ""] })
        }
        body += decisions(report)
        body += "<h2>Methods</h2>\n<ul>\n"
        body += report.methods.map { "<li>\(inlineCode($0))</li>\n" }.joined() + "</ul>\n"
        return page(title: "lrsweep report: \(name)", body: body)
    }

    /// Per dataset × model cell: its ranking table and its charts (also served live by `lrsweep serve`).
    public static func cellSections(_ report: Report) -> String {
        cellSections(report, charts: ReportCharts(report))
    }

    static func cellSections(_ report: Report, charts: ReportCharts) -> String {
        let metric = report.sweep.metric
        var body = ""
        for cell in report.ranking {
            body += "<section>\n<h2>\(SVGText.escape(cell.cell.description))</h2>\n"
            body += rankingTable(cell, metric: metric)
            let figures = charts.all(cell)
            body += "<div class=\"charts\">\n"
            for f in figures {
                body += "<figure>\(f.svg)<figcaption>\(inlineCode(f.caption))</figcaption></figure>\n"
            }
            body += "</div>\n"
            if !figures.contains(where: { $0.caption.hasPrefix("Learning-rate trajectory") }) {
                body += "<p class=\"note\">No learning-rate trajectories: every optimizer here kept a constant "
                body += "<code>lr</code> (no adaptive method or schedule).</p>\n"
            }
            body += "</section>\n"
        }
        return body
    }

    /// Early stopping's decisions in order (the first 200; all of them are in results.json).
    static func decisions(_ report: Report) -> String {
        guard !report.decisions.isEmpty else { return "" }
        let stopped = report.decisions.filter { !$0.promoted }.count
        var out = "<h2>Early stopping</h2>\n<p>\(report.decisions.count) decisions, \(stopped) stopped "
        out += "(\(report.decisions.count - stopped) promoted).</p>\n"
        let shown = report.decisions.prefix(Format.decisionLimit.html)
        out += table(["step", "configuration", "group", report.sweep.metric, "decision"], numeric: [0, 3],
                     rows: shown.map { d in
                         ["\(d.step)", d.configuration, d.group, Format.value(d.value), Format.decision(d)]
                     })
        if report.decisions.count > shown.count {
            out += "<p class=\"note\">… and \(report.decisions.count - shown.count) more in "
            out += "<code>results.json</code>.</p>\n"
        }
        return out
    }

    /// Escapes `text` and turns Markdown-style `code` spans into `<code>` elements.
    static func inlineCode(_ text: String) -> String {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().map { i, part in
            i % 2 == 1 ? "<code>\(SVGText.escape(String(part)))</code>" : SVGText.escape(String(part))
        }.joined()
    }

    static func rankingTable(_ cell: RankedCell, metric: String) -> String {
        let columns = Format.rankingColumns(cell, metric: metric)
        return table(columns.header, numeric: columns.numeric, rows: columns.rows, highlightFirst: true)
    }

    /// An HTML table; cells are escaped; `numeric` columns are right-aligned.
    static func table(_ header: [String], numeric: Set<Int>, rows: [[String]], highlightFirst: Bool = false) -> String {
        func cells(_ row: [String], tag: String) -> String {
            row.enumerated().map { i, c in
                "<\(tag)\(numeric.contains(i) ? " class=\"num\"" : "")>\(SVGText.escape(c))</\(tag)>"
            }.joined()
        }
        var out = "<table>\n<thead><tr>\(cells(header, tag: "th"))</tr></thead>\n<tbody>\n"
        for (i, row) in rows.enumerated() {
            out += "<tr\(highlightFirst && i == 0 ? " class=\"winner\"" : "")>\(cells(row, tag: "td"))</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    /// The report's style sheet (also the dashboard's, so its charts look the same).
    public static let styleSheet = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 24px auto;
               max-width: 1240px; padding: 0 16px; }
        h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; }
        table { border-collapse: collapse; margin: 8px 0 16px; }
        th, td { padding: 3px 10px; border-bottom: 1px solid #e5e5e5; text-align: left; }
        th { background: #f4f4f4; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.winner td { font-weight: 600; }
        .charts { display: flex; flex-wrap: wrap; gap: 12px; }
        figure { margin: 0; border: 1px solid #e5e5e5; padding: 6px; flex: 0 1 570px; box-sizing: border-box; }
        figcaption { font-size: 12px; color: #555; }
        svg.chart { font: 11px system-ui, sans-serif; display: block; max-width: 100%; height: auto; }
        svg .chart-title { font-size: 13px; font-weight: 600; } svg .axis-label { font-size: 12px; }
        .note { color: #555; font-size: 13px; } code { background: #f4f4f4; padding: 0 3px; }
        """

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title>
        <style>
        \(styleSheet)
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }
}
