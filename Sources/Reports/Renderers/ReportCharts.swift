import Foundation
import SweepKit

/// The charts of one dataset × model cell, built from a `Report` and rendered as inline SVG.
///
/// Colours follow the optimizer everywhere (the same optimizer has the same colour in every chart);
/// in the per-optimizer trajectory charts, whose series are initial LRs, they follow the LR instead.
struct ReportCharts {
    let report: Report
    /// Optimizer label → palette index, in the order optimizers first appear in the sweep.
    let colors: [String: Int]

    init(_ report: Report) {
        self.report = report
        var colors: [String: Int] = [:]
        for a in report.aggregates where colors[a.label] == nil { colors[a.label] = colors.count }
        self.colors = colors
    }

    /// The curve to plot for "validation loss": the ranking metric when it has curves, else `val_loss`.
    var curveMetric: String {
        report.trials.contains { $0.curve[report.sweep.metric] != nil } ? report.sweep.metric : "val_loss"
    }

    /// The metric's curve of each optimizer at its best LR: mean over finished seeds, band min–max.
    func bestCurves(_ cell: RankedCell) -> LineChart? {
        let metric = curveMetric
        let series: [LineChart.Series] = cell.entries.compactMap { e in
            let a = e.aggregate
            guard let b = SeedBand.of(report.trials(of: a), metric: metric) else { return nil }
            return .init(name: "\(a.markedLabel) lr=\(Format.lr(a.lr))", color: colors[a.label] ?? 0, x: b.steps,
                         y: b.mean, band: b.seeds > 1 ? (b.min, b.max) : nil)
        }
        guard !series.isEmpty else { return nil }
        return LineChart(title: "\(metric) at each optimizer's best LR (band: min–max over seeds)",
                         xLabel: "step", yLabel: metric, series: series)
    }

    /// The final metric against the initial LR (log axis), one line per optimizer, band ± sd over seeds:
    /// the LR-sensitivity picture. LRs with no finished seed leave a gap.
    func sensitivity(_ cell: RankedCell) -> LineChart? {
        let mine = report.aggregates(in: cell.cell)
        var labels: [String] = []
        for a in mine where !labels.contains(a.label) { labels.append(a.label) }
        let series: [LineChart.Series] = labels.compactMap { label in
            let grid = mine.filter { $0.label == label && $0.lr > 0 }.sorted { $0.lr < $1.lr }
            guard grid.contains(where: { $0.n > 0 }), grid.count > 1 else { return nil }
            let y = grid.map { $0.n > 0 ? $0.mean : .nan }
            return .init(name: label, color: colors[label] ?? 0, x: grid.map(\.lr), y: y,
                         band: (zip(y, grid).map { $0 - $1.std }, zip(y, grid).map { $0 + $1.std }))
        }
        guard !series.isEmpty else { return nil }
        return LineChart(title: "final \(report.sweep.metric) against initial LR (band: ± sd over seeds)",
                         xLabel: "initial learning rate", yLabel: report.sweep.metric, xScale: .log,
                         series: series)
    }

    /// Optimizer × initial LR heatmap of the final metric's mean.
    func heatmap(_ cell: RankedCell) -> Heatmap? {
        let mine = report.aggregates(in: cell.cell)
        guard !mine.isEmpty else { return nil }
        var rows: [String] = []
        for a in mine where !rows.contains(a.label) { rows.append(a.label) }
        let columns = Array(Set(mine.map(\.lr))).sorted()
        let cells: [[Heatmap.Cell?]] = rows.map { label in
            columns.map { lr in
                mine.first { $0.label == label && $0.lr == lr }.map { a in
                    let missing = a.diverged > 0 ? "diverged" : a.failed > 0 ? "failed" : "pending"
                    return Heatmap.Cell(value: a.n > 0 ? a.mean : .nan, mark: a.diverged > 0 ? "†" : "",
                                        missing: missing)
                }
            }
        }
        return Heatmap(title: "final \(report.sweep.metric), mean over seeds", rows: rows,
                       columns: columns, cells: cells, lowerIsBetter: report.sweep.goal == .minimize,
                       valueLabel: report.sweep.metric)
    }

    /// One chart per optimizer whose `metric` curve is worth showing, series per initial LR (mean over seeds).
    ///
    /// For `lr` only optimizers whose LR actually moves (adaptive methods, schedules) qualify; a constant
    /// line says nothing. Other curves (`angular_velocity`, `lr_mean`) qualify whenever they are present.
    /// The y axis is logarithmic when every value is positive (LRs span decades), linear otherwise
    /// (hypergradient LRs can cross zero late in training).
    func trajectories(_ cell: RankedCell, metric: String, title: String, yLabel: String) -> [LineChart] {
        let mine = report.aggregates(in: cell.cell)
        var labels: [String] = []
        for a in mine where !labels.contains(a.label) { labels.append(a.label) }
        let lrs = Array(Set(mine.map(\.lr))).sorted()
        return labels.compactMap { label in
            let grid = mine.filter { $0.label == label }.sorted { $0.lr < $1.lr }
            let trials = grid.flatMap { report.trials(of: $0) }
            guard metric != "lr" || SeedBand.varies(trials, metric: metric) else { return nil }
            let series: [LineChart.Series] = grid.compactMap { a in
                guard let b = SeedBand.of(report.trials(of: a), metric: metric) else { return nil }
                return .init(name: "from lr=\(Format.lr(a.lr))", color: lrs.firstIndex(of: a.lr) ?? 0, x: b.steps,
                             y: b.mean, band: b.seeds > 1 ? (b.min, b.max) : nil)
            }
            guard !series.isEmpty else { return nil }
            let positive = series.allSatisfy { s in s.y.allSatisfy { !$0.isFinite || $0 > 0 } }
                && series.allSatisfy { s in s.band.map { $0.low.allSatisfy { !$0.isFinite || $0 > 0 } } ?? true }
            return LineChart(title: "\(label): \(title)", xLabel: "step", yLabel: yLabel,
                             yScale: metric == "angular_velocity" || !positive ? .linear : .log, series: series)
        }
    }

    /// Every chart of a cell as (caption, SVG) pairs, in the order the HTML shows them.
    func all(_ cell: RankedCell) -> [(caption: String, svg: String)] {
        var out: [(String, String)] = []
        if let c = bestCurves(cell) {
            out.append(("Validation curves: mean over finished seeds at each optimizer's best initial LR; the "
                        + "shaded band spans the seeds' minimum to maximum.", c.render()))
        }
        if let h = heatmap(cell) {
            out.append(("Every optimizer × initial LR: final \(report.sweep.metric) (bright = better); † a seed "
                        + "diverged; grey cells have no finished seed.", h.render()))
        }
        if let s = sensitivity(cell) {
            out.append(("LR sensitivity: a flat line means the optimizer hardly depends on its initial LR.",
                        s.render()))
        }
        for c in trajectories(cell, metric: "lr", title: "learning rate from each initial LR", yLabel: "lr") {
            out.append(("Learning-rate trajectory (the `lr` curve), mean over seeds per initial LR.", c.render()))
        }
        for c in trajectories(cell, metric: "lr_mean", title: "mean per-parameter learning rate",
                              yLabel: "lr_mean") {
            out.append(("Mean of the per-parameter learning rates (`lr_mean`).", c.render()))
        }
        for c in trajectories(cell, metric: "angular_velocity", title: "angular velocity of the weights",
                              yLabel: "angular velocity (°)") {
            out.append(("AutoDrop's angular velocity: the angle between successive weight displacements; it "
                        + "rises, saturates, and the LR drops.", c.render()))
        }
        return out
    }
}
