import Foundation

/// An optimizer × learning-rate heatmap of a final metric, rendered as SVG.
///
/// Columns are the initial LRs in increasing order (sweeps space them by decades, so equal-width columns
/// are a log axis); rows are optimizers. Colour is viridis over the finite cell values, oriented so the
/// best value is bright yellow and the worst dark purple whichever the goal; every cell also prints its
/// value, so the chart does not depend on colour at all. Cells without a finished seed are grey and say why;
/// hatched grey cells were pruned by early stopping (`pruned @ 30`), which is never shown as a value.
///
/// Columns may also be bins of rates (one per decade, for sampled rates): then `columnLabels` name them.
public struct Heatmap: Sendable {
    /// One cell: its value (NaN when no seed finished), a mark such as `†`, and the text shown instead
    /// of a value when there is none (e.g. `diverged`, `pruned @ 30`).
    public struct Cell: Sendable {
        public var value: Double
        public var mark: String
        public var missing: String
        /// Drawn with grey hatching instead of flat grey: the configuration was pruned.
        public var hatched: Bool
        /// A tooltip (`<title>`) with more than the cell can print; nil for none.
        public var tooltip: String?

        public init(value: Double, mark: String = "", missing: String = "–", hatched: Bool = false,
                    tooltip: String? = nil) {
            self.value = value
            self.mark = mark
            self.missing = missing
            self.hatched = hatched
            self.tooltip = tooltip
        }
    }

    public var title: String
    public var rows: [String]
    public var columns: [Double]
    /// The text under each column: the rate (`%g`) by default, or a bin such as `1e-4 – 1e-3`.
    public var columnLabels: [String]
    /// The x axis title.
    public var xLabel: String
    /// `cells[row][column]`; nil where that optimizer was not run at that LR.
    public var cells: [[Cell?]]
    /// True when smaller values are better (losses).
    public var lowerIsBetter: Bool
    public var valueLabel: String
    /// The id of the hatching pattern, unique within a page that holds several heatmaps.
    public var patternID: String

    public init(title: String, rows: [String], columns: [Double], cells: [[Cell?]], lowerIsBetter: Bool,
                valueLabel: String, columnLabels: [String]? = nil,
                xLabel: String = "initial learning rate (log-spaced grid)", patternID: String = "hatch") {
        precondition(cells.count == rows.count && cells.allSatisfy { $0.count == columns.count },
                     "a heatmap needs one cell per row and column")
        precondition(columnLabels.map { $0.count == columns.count } ?? true, "a heatmap needs one label per column")
        self.title = title
        self.rows = rows
        self.columns = columns
        self.columnLabels = columnLabels ?? columns.map { String(format: "%g", $0) }
        self.xLabel = xLabel
        self.cells = cells
        self.lowerIsBetter = lowerIsBetter
        self.valueLabel = valueLabel
        self.patternID = patternID
    }

    static let cellWidth = 92.0, cellHeight = 34.0, left = 150.0, top = 34.0, bottom = 92.0

    public func render() -> String {
        let width = max(Self.left + Double(columns.count) * Self.cellWidth + 20, 420)
        let plotBottom = Self.top + Double(rows.count) * Self.cellHeight
        let height = plotBottom + Self.bottom
        let finite = cells.flatMap { $0.compactMap { $0?.value } }.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        /// Goodness in [0, 1]: 1 for the best value in the chart, 0 for the worst.
        func goodness(_ v: Double) -> Double {
            guard hi > lo else { return 1 }
            return lowerIsBetter ? (hi - v) / (hi - lo) : (v - lo) / (hi - lo)
        }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart heatmap\" viewBox=\"0 0 "
        out += "\(SVGText.n(width)) \(SVGText.n(height))\" width=\"\(SVGText.n(width))\" "
        out += "height=\"\(SVGText.n(height))\" "
        out += "role=\"img\" aria-label=\"\(SVGText.escape(title))\" data-series=\"\(rows.count)\">\n"
        out += "<title>\(SVGText.escape(title))</title>\n"
        if cells.contains(where: { $0.contains { $0?.hatched == true } }) {
            // Light stripes, so the dark cell text stays readable on them.
            out += "<defs><pattern id=\"\(SVGText.escape(patternID))\" width=\"6\" height=\"6\" "
            out += "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
            out += "<rect width=\"6\" height=\"6\" fill=\"#ececec\"/>"
            out += "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c4c4c4\" stroke-width=\"2\"/>"
            out += "</pattern></defs>\n"
        }
        out += SVGText.text(title, x: Self.left, y: 18, cls: "chart-title") + "\n"
        for (r, name) in rows.enumerated() {
            let y = Self.top + Double(r) * Self.cellHeight
            out += "<g class=\"series\" data-name=\"\(SVGText.escape(name))\">"
            for (c, cell) in cells[r].enumerated() {
                guard let cell else { continue }
                let x = Self.left + Double(c) * Self.cellWidth
                let finiteValue = cell.value.isFinite
                let g = goodness(cell.value)
                let hatch = "url(#\(SVGText.escape(patternID)))"
                let fill = finiteValue ? Palette.viridis(g) : cell.hatched ? hatch : "#d9d9d9"
                out += "<g class=\"\(cell.hatched ? "cell pruned" : "cell")\">"
                if let tooltip = cell.tooltip { out += "<title>\(SVGText.escape(tooltip))</title>" }
                out += "<rect x=\"\(SVGText.n(x))\" y=\"\(SVGText.n(y))\" width=\"\(SVGText.n(Self.cellWidth - 2))\" "
                out += "height=\"\(SVGText.n(Self.cellHeight - 2))\" fill=\"\(fill)\"/>"
                let text = finiteValue ? String(format: "%.4f", cell.value) + (cell.mark.isEmpty ? "" : " " + cell.mark)
                    : cell.missing
                let ink = !finiteValue || Palette.viridisNeedsDarkText(g) ? "#111" : "#fff"
                out += "<text x=\"\(SVGText.n(x + Self.cellWidth / 2 - 1))\" "
                out += "y=\"\(SVGText.n(y + Self.cellHeight / 2 + 4))\" "
                out += "text-anchor=\"middle\" fill=\"\(ink)\" class=\"cell\">\(SVGText.escape(text))</text></g>"
            }
            out += "</g>\n"
        }
        out += axes(plotBottom: plotBottom, height: height)
        out += colorBar(lo: lo, hi: hi, y: height - 30)
        return out + "</svg>"
    }

    func axes(plotBottom: Double, height: Double) -> String {
        let plotRight = Self.left + Double(columns.count) * Self.cellWidth
        var out = "<g class=\"axis x\">"
        for (c, label) in columnLabels.enumerated() {
            let x = Self.left + (Double(c) + 0.5) * Self.cellWidth - 1
            out += "<g class=\"tick\">" + SVGText.text(label, x: x, y: plotBottom + 16, anchor: "middle") + "</g>"
        }
        out += SVGText.text(xLabel, x: (Self.left + plotRight) / 2,
                            y: plotBottom + 36, anchor: "middle", cls: "axis-label")
        out += "</g>\n<g class=\"axis y\">"
        for (r, name) in rows.enumerated() {
            let y = Self.top + (Double(r) + 0.5) * Self.cellHeight + 3
            out += "<g class=\"tick\">" + SVGText.text(SVGText.truncate(name, 20), x: Self.left - 8, y: y,
                                                          anchor: "end") + "</g>"
        }
        // Beside the longest row label (about 6.5 px a character at 11 px), not at the far left edge.
        let longest = Double(rows.map { min($0.count, 20) }.max() ?? 0)
        out += SVGText.text("optimizer", x: max(14, Self.left - 22 - 6.5 * longest), y: (Self.top + plotBottom) / 2,
                            anchor: "middle", cls: "axis-label", rotate: -90)
        return out + "</g>\n"
    }

    /// A gradient strip from worst to best with both end values, so colours can be read as numbers.
    func colorBar(lo: Double, hi: Double, y: Double) -> String {
        let x = Self.left, w = 200.0
        let worst = lowerIsBetter ? hi : lo, best = lowerIsBetter ? lo : hi
        var out = "<g class=\"colorbar\">"
        let steps = 20
        for i in 0..<steps {
            let t = Double(i) / Double(steps - 1)
            out += "<rect x=\"\(SVGText.n(x + Double(i) * w / Double(steps)))\" y=\"\(SVGText.n(y))\" "
            out += "width=\"\(SVGText.n(w / Double(steps) + 0.5))\" height=\"10\" fill=\"\(Palette.viridis(t))\"/>"
        }
        out += SVGText.text("worst " + String(format: "%.4f", worst), x: x, y: y + 24, size: 11)
        out += SVGText.text("best " + String(format: "%.4f", best), x: x + w, y: y + 24, anchor: "end", size: 11)
        out += SVGText.text(valueLabel, x: x + w + 12, y: y + 9, size: 11)
        return out + "</g>\n"
    }
}
