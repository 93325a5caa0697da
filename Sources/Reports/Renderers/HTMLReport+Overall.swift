import Foundation
import SweepKit

extension HTMLReport {
    /// Mean rank, pairwise record and the performance-profile chart (shown with more than one cell).
    static func overall(_ report: Report, charts: ReportCharts) -> String {
        guard report.ranking.count > 1 else { return "" }
        var out = "<h2>All tasks (\(report.ranking.count) dataset × model cells)</h2>\n"
        let ranks = OverallColumns.meanRank(report.overall)
        out += table(ranks.header, numeric: ranks.numeric, rows: ranks.rows, highlightFirst: true)
        out += "<p>Win / tie / loss at the best LRs (Welch's t-test, 5 %):</p>\n"
        let pairs = OverallColumns.pairwise(report.overall)
        out += table(pairs.header, numeric: pairs.numeric, rows: pairs.rows)
        if let chart = charts.performanceProfile() {
            out += "<div class=\"charts\"><figure>\(chart.render())<figcaption>Performance profile (Dolan &amp; "
            out += "Moré): the fraction of cells where each optimizer, at its best LR, is within a factor τ of the "
            out += "cell's best. Higher and further left is better; the value at τ = 1 is the share of cells it "
            out += "won.</figcaption></figure></div>\n"
        }
        return out
    }

    /// Per cell: the tuning-budget table and who wins at each budget (the charts are in the cell sections).
    static func tuningBudget(_ report: Report) -> String {
        let cells = TuningBudget.cells(report.tuningBudget)
        guard !cells.isEmpty else { return "" }
        var out = "<h2>Tuning budget</h2>\n<p class=\"note\">Expected best \(SVGText.escape(report.sweep.metric)) "
        out += "after k configurations drawn at random from each optimizer's grid [95 % band over seed "
        out += "resamples].</p>\n"
        for cell in cells {
            let t = TuningBudget.table(report.tuningBudget, cell: cell)
            out += "<h3>\(SVGText.escape(cell.description))</h3>\n"
            out += table(t.header, numeric: Set(1..<t.header.count), rows: t.rows)
            out += "<p>\(SVGText.escape(TuningBudget.sentence(report.tuningBudget, cell: cell, goal: report.sweep.goal)))</p>\n"
        }
        return out
    }
}
