import Foundation
import SweepKit

/// The charts of a sweep whose learning rates are sampled (random or Sobol search, see ``LRSampling``):
/// many distinct rates, one configuration each, rather than a small grid.
extension ReportCharts {
    /// The final metric of every configuration against its initial LR on a log axis, one dot per
    /// configuration (its mean over finished seeds), with a running median per optimizer and its best
    /// configuration ringed. Pruned configurations are crosses above the plot, never dots.
    func sampledSensitivity(_ cell: RankedCell) -> LineChart? {
        let mine = report.aggregates(in: cell.cell)
        let labels = self.labels(mine)
        let goal = report.sweep.goal
        let series: [LineChart.Series] = labels.compactMap { label in
            let points = mine.filter { $0.label == label && $0.lr > 0 && $0.n > 0 && !$0.isPruned && $0.mean.isFinite }
                .sorted { $0.lr < $1.lr }
            guard !points.isEmpty else { return nil }
            let x = points.map(\.lr), y = points.map(\.mean)
            let best = points.indices.min { goal.isBetter(points[$0].mean, than: points[$1].mean) }
            return .init(name: label, color: colors[label] ?? 0, x: x, y: y, scatter: true,
                         smooth: Self.runningMedian(x: x, y: y), highlight: best)
        }
        let markers = prunedMarkers(mine, labels: labels)
        guard !series.isEmpty || !markers.isEmpty else { return nil }
        return LineChart(title: "final \(report.sweep.metric) per configuration against initial LR "
                             + "(line: running median)",
                         xLabel: "initial learning rate", yLabel: report.sweep.metric, xScale: .log,
                         series: series, markers: markers, markerLabel: "pruned @ step")
    }

    /// A running median of `y` over points sorted by `x`: at each point, the median of the `w` points
    /// centred on it by rank (the window shrinks at the ends, staying centred), with
    /// w = max(3, ⌊n/5⌉) rounded up to odd. Ranks rather than distances in log x keep it deterministic,
    /// parameter-free and robust to a diverging outlier; nil below 3 points (no line to draw).
    /// - Complexity: O(n · w log w).
    static func runningMedian(x: [Double], y: [Double]) -> (x: [Double], y: [Double])? {
        let n = x.count
        guard n >= 3 else { return nil }
        var w = max(3, Int((Double(n) / 5).rounded()))
        if w % 2 == 0 { w += 1 }
        let half = w / 2
        let smoothed = (0..<n).map { i -> Double in
            let h = min(half, i, n - 1 - i)
            return Statistics.median(Array(y[(i - h)...(i + h)]))
        }
        return (x, smoothed)
    }

    /// The decade `⌊log10 lr⌋` a rate falls in.
    static func decade(_ lr: Double) -> Int { Int(floor(log10(lr) + 1e-12)) }

    /// `1e-4`, `0.1` or `1`: a power of ten, short.
    static func power(_ k: Int) -> String {
        switch k {
        case 0: return "1"
        case -1: return "0.1"
        case 1: return "10"
        default: return "1e\(k)"
        }
    }

    /// Optimizer × decade of initial LR: the best configuration's mean in each decade. A decade whose
    /// configurations were all pruned is hatched (`pruned @ 30`, or `3 pruned` when they stopped at
    /// different steps); every cell's tooltip says how many configurations it holds.
    func binnedHeatmap(_ cell: RankedCell) -> Heatmap? {
        let mine = report.aggregates(in: cell.cell).filter { $0.lr > 0 }
        guard !mine.isEmpty else { return nil }
        let rows = labels(mine)
        let decades = mine.map { Self.decade($0.lr) }
        guard let low = decades.min(), let high = decades.max() else { return nil }
        let columns = Array(low...high)
        let cells: [[Heatmap.Cell?]] = rows.map { label in
            columns.map { k in
                let bin = mine.filter { $0.label == label && Self.decade($0.lr) == k }
                guard let shown = best(bin) else { return nil }
                let pruned = bin.filter(\.isPruned)
                let evaluated = bin.filter { $0.n > 0 && !$0.isPruned }
                var tooltip = "\(label), lr \(Self.power(k))–\(Self.power(k + 1)): \(bin.count) configuration"
                    + (bin.count == 1 ? "" : "s")
                if !evaluated.isEmpty { tooltip += ", best at lr=\(Format.lr(shown.lr))" }
                if !pruned.isEmpty { tooltip += ", \(pruned.count) pruned" }
                guard evaluated.isEmpty else {
                    return Heatmap.Cell(value: shown.mean, mark: shown.diverged > 0 ? "†" : "", tooltip: tooltip)
                }
                let steps = Set(pruned.compactMap(\.stoppedStep))
                let missing = pruned.isEmpty ? Self.missing(shown)
                    : steps.count == 1 ? "pruned @ \(steps.first ?? 0)" : "\(pruned.count) pruned"
                return Heatmap.Cell(value: .nan, missing: missing, hatched: !pruned.isEmpty, tooltip: tooltip)
            }
        }
        return Heatmap(title: "final \(report.sweep.metric), best configuration per decade of LR", rows: rows,
                       columns: columns.map { pow(10, Double($0)) }, cells: cells,
                       lowerIsBetter: report.sweep.goal == .minimize, valueLabel: report.sweep.metric,
                       columnLabels: columns.map { "\(Self.power($0))–\(Self.power($0 + 1))" },
                       xLabel: "initial learning rate, binned by decade", patternID: patternID(cell))
    }
}
