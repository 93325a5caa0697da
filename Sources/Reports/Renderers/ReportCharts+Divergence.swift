import Foundation
import SweepKit

extension ReportCharts {
    /// A `†` cross per configuration with a diverged seed, one row per optimizer that has any, starting at
    /// `firstRow` (below the pruned rows): divergence shown on the sensitivity chart at its rate.
    func divergedMarkers(_ aggregates: [Aggregate], labels: [String], firstRow: Int) -> [LineChart.Marker] {
        let diverged = aggregates.filter { $0.diverged > 0 && !$0.isPruned && $0.lr > 0 }
        let rows = labels.filter { label in diverged.contains { $0.label == label } }
        return diverged.map { a in
            LineChart.Marker(x: a.lr, color: colors[a.label] ?? 0,
                             row: firstRow + (rows.firstIndex(of: a.label) ?? 0), text: "†",
                             title: "\(a.fullLabel) lr=\(Format.lr(a.lr)): \(a.diverged) of \(a.seeds) seeds diverged")
        }
    }

    /// The tuning-budget chart of a cell: expected best against k, one line per optimizer, band from seed
    /// resamples.
    func tuningBudget(_ cell: CellKey) -> LineChart? {
        let curves = TuningBudget.byOptimizer(report.tuningBudget, cell: cell)
        guard curves.contains(where: { $0.points.count > 1 }) else { return nil }
        let series = curves.map { opt, points -> LineChart.Series in
            let band: (low: [Double], high: [Double])? = points.contains { $0.low != $0.high }
                ? (points.map(\.low), points.map(\.high)) : nil
            return LineChart.Series(name: opt, color: colors[opt] ?? 0, x: points.map { Double($0.k) },
                                    y: points.map(\.expectedBest), band: band)
        }
        var chart = LineChart(title: "expected best \(report.sweep.metric) after k configurations",
                              xLabel: "configurations tried (k)", yLabel: "expected best \(report.sweep.metric)",
                              series: series)
        chart.integerX = true
        return chart
    }

    /// The performance profile over all cells: ρ(τ) as a step function per optimizer.
    func performanceProfile() -> LineChart? {
        let profiles = report.overall.profile
        let finite = profiles.flatMap { $0.ratios }.filter(\.isFinite)
        guard report.ranking.count > 1, let worst = finite.max() else { return nil }
        let end = max(worst * 1.05, 1.05)
        let series = profiles.map { p -> LineChart.Series in
            var x = [1.0], y = [p.fraction(at: 1)]
            for point in p.points where point.tau > 1 {
                x += [point.tau, point.tau]
                y += [y.last ?? 0, point.fraction]
            }
            x.append(end)
            y.append(y.last ?? 0)
            return LineChart.Series(name: p.optimizer, color: colors[p.optimizer] ?? 0, x: x, y: y)
        }
        return LineChart(title: "performance profile over \(report.ranking.count) cells",
                         xLabel: "τ (within a factor τ of the cell's best)", yLabel: "fraction of cells",
                         series: series)
    }
}
