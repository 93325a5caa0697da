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
    /// the LR-sensitivity picture. LRs with no finished seed leave a gap; pruned LRs leave a gap too and
    /// show as crosses above the plot, labelled with the step where they stopped. With sampled rates
    /// the chart is a scatter instead (``sampledSensitivity(_:)``).
    func sensitivity(_ cell: RankedCell) -> LineChart? {
        if report.lrSampling.sampled { return sampledSensitivity(cell) }
        let mine = report.aggregates(in: cell.cell)
        let labels = self.labels(mine)
        let series: [LineChart.Series] = labels.compactMap { label in
            let grid = mine.filter { $0.label == label && $0.lr > 0 }.sorted { $0.lr < $1.lr }
            let evaluated = grid.filter { $0.n > 0 && !$0.isPruned }
            guard !evaluated.isEmpty, grid.count > 1 else { return nil }
            let y = grid.map { $0.n > 0 && !$0.isPruned ? $0.mean : .nan }
            return .init(name: label, color: colors[label] ?? 0, x: grid.map(\.lr), y: y,
                         band: (zip(y, grid).map { $0 - $1.std }, zip(y, grid).map { $0 + $1.std }))
        }
        let pruned = prunedMarkers(mine, labels: labels)
        let diverged = divergedMarkers(mine, labels: labels, firstRow: (pruned.map(\.row).max() ?? -1) + 1)
        let markers = pruned + diverged
        guard !series.isEmpty || !markers.isEmpty else { return nil }
        let label = pruned.isEmpty ? "diverged seeds" : diverged.isEmpty ? "pruned @ step" : "pruned @ step, † diverged"
        return LineChart(title: "final \(report.sweep.metric) against initial LR (band: ± sd over seeds)",
                         xLabel: "initial learning rate", yLabel: report.sweep.metric, xScale: .log,
                         series: series, markers: markers, markerLabel: label)
    }

    /// Optimizer labels in the order they first appear.
    func labels(_ aggregates: [Aggregate]) -> [String] {
        var labels: [String] = []
        for a in aggregates where !labels.contains(a.label) { labels.append(a.label) }
        return labels
    }

    /// A cross per pruned configuration, one row per optimizer that has any, labelled with its step.
    func prunedMarkers(_ aggregates: [Aggregate], labels: [String]) -> [LineChart.Marker] {
        let pruned = aggregates.filter { $0.isPruned && $0.lr > 0 }
        let rows = labels.filter { label in pruned.contains { $0.label == label } }
        return pruned.map { a in
            let step = a.stoppedStep.map(String.init) ?? "?"
            return LineChart.Marker(x: a.lr, color: colors[a.label] ?? 0, row: rows.firstIndex(of: a.label) ?? 0,
                                    text: step, title: "\(a.fullLabel) lr=\(Format.lr(a.lr)): pruned @ \(step)")
        }
    }

    /// The text of a configuration that has no value to show: `pruned @ 30`, `diverged`, `failed`, `pending`.
    static func missing(_ a: Aggregate) -> String {
        if a.isPruned { return "pruned @ " + (a.stoppedStep.map(String.init) ?? "?") }
        return a.diverged > 0 ? "diverged" : a.failed > 0 ? "failed" : a.cancelled > 0 ? "cancelled" : "pending"
    }

    /// Optimizer × initial LR heatmap of the final metric's mean; pruned configurations are hatched and say
    /// where they stopped. With sampled rates the columns are decades (``binnedHeatmap(_:)``).
    func heatmap(_ cell: RankedCell) -> Heatmap? {
        if report.lrSampling.sampled { return binnedHeatmap(cell) }
        let mine = report.aggregates(in: cell.cell)
        guard !mine.isEmpty else { return nil }
        let rows = labels(mine)
        let columns = Array(Set(mine.map(\.lr))).sorted()
        let cells: [[Heatmap.Cell?]] = rows.map { label in
            columns.map { lr in
                // With several configurations at one rate (other drawn axes), the best one.
                best(mine.filter { $0.label == label && $0.lr == lr }).map { a in
                    Heatmap.Cell(value: a.n > 0 && !a.isPruned ? a.mean : .nan, mark: a.diverged > 0 ? "†" : "",
                                 missing: Self.missing(a), hatched: a.isPruned,
                                 tooltip: a.isPruned ? "\(a.fullLabel) lr=\(Format.lr(a.lr)): \(Self.missing(a)) "
                                     + "(\(a.pruned) of \(a.seeds) seeds pruned)" : nil)
                }
            }
        }
        return Heatmap(title: "final \(report.sweep.metric), mean over seeds", rows: rows,
                       columns: columns, cells: cells, lowerIsBetter: report.sweep.goal == .minimize,
                       valueLabel: report.sweep.metric, patternID: patternID(cell))
    }

    /// The configuration to show for a group of them: the best evaluated one, else the first.
    func best(_ aggregates: [Aggregate]) -> Aggregate? {
        let evaluated = aggregates.filter { $0.n > 0 && !$0.isPruned && $0.mean.isFinite }
        return evaluated.min { report.sweep.goal.isBetter($0.mean, than: $1.mean) } ?? aggregates.first
    }

    /// A hatching pattern id unique to the cell, since one page holds a heatmap per cell.
    func patternID(_ cell: RankedCell) -> String {
        "hatch-" + String(cell.cell.description.unicodeScalars.map {
            CharacterSet.alphanumerics.contains($0) ? Character($0) : "-"
        })
    }

    /// Trajectory charts show at most this many initial LRs (sampled sweeps have one per configuration).
    static let trajectoryLimit = 8

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
            var grid = mine.filter { $0.label == label }.sorted { $0.lr < $1.lr }
            // Sampled rates: at most `trajectoryLimit` configurations, spread evenly over the rates, coloured
            // by their position among those shown.
            let thinned = grid.count > Self.trajectoryLimit
            if thinned {
                let last = Double(grid.count - 1), k = Double(Self.trajectoryLimit - 1)
                grid = Array(Set((0..<Self.trajectoryLimit).map { Int((Double($0) * last / k).rounded()) }))
                    .sorted().map { grid[$0] }
            }
            let trials = grid.flatMap { report.trials(of: $0) }
            guard metric != "lr" || SeedBand.varies(trials, metric: metric) else { return nil }
            let series: [LineChart.Series] = grid.enumerated().compactMap { i, a in
                guard let b = SeedBand.of(report.trials(of: a), metric: metric) else { return nil }
                return .init(name: "from lr=\(Format.lr(a.lr))", color: thinned ? i : lrs.firstIndex(of: a.lr) ?? 0,
                             x: b.steps, y: b.mean, band: b.seeds > 1 ? (b.min, b.max) : nil)
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
        let pruned = report.aggregates(in: cell.cell).contains(where: \.isPruned)
        let prunedNote = pruned ? " Hatched cells were pruned by early stopping at the step shown (never a value)." : ""
        if report.lrSampling.sampled {
            if let h = heatmap(cell) {
                out.append(("Best configuration per decade of initial LR: final \(report.sweep.metric) (bright = "
                            + "better). The rates are sampled, so they are binned by decade rather than drawn one "
                            + "column each; hover a cell for how many configurations it holds." + prunedNote,
                            h.render()))
            }
        } else if let h = heatmap(cell) {
            out.append(("Every optimizer × initial LR: final \(report.sweep.metric) (bright = better); † a seed "
                        + "diverged; grey cells have no finished seed." + prunedNote, h.render()))
        }
        if let s = sensitivity(cell) {
            let crosses = pruned ? " Crosses above the plot are pruned configurations, with the step where they "
                + "stopped." : ""
            let text = report.lrSampling.sampled
                ? "LR sensitivity: one dot per configuration, a running median per optimizer; the ringed dot is "
                    + "its best configuration. A flat line means the optimizer hardly depends on its initial LR."
                : "LR sensitivity: a flat line means the optimizer hardly depends on its initial LR."
            out.append((text + crosses, s.render()))
        }
        if let t = tuningBudget(cell.cell) {
            out.append(("Tuning budget: the expected best final \(report.sweep.metric) after trying k configurations "
                        + "drawn at random from each optimizer's grid; the band resamples the seeds.", t.render()))
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
