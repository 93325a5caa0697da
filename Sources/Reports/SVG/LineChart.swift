import Foundation

/// A line chart rendered as a self-contained SVG element: axes with ticks, tick labels and axis titles,
/// one line per series with an optional shaded band (e.g. min–max over seeds), and a legend.
///
/// Every series is one `<g class="series" data-name="…">`, every axis one `<g class="axis x">` /
/// `<g class="axis y">` holding its `<text class="axis-label">`, so tests (and scripts) can find them.
public struct LineChart: Sendable {
    /// One line, with its colour index into `Palette` and an optional band around it.
    public struct Series: Sendable {
        public var name: String
        public var color: Int
        public var x: [Double]
        public var y: [Double]
        /// Lower and upper edges of a shaded band, at the same x (same count as `y`), or nil.
        public var band: (low: [Double], high: [Double])?

        public init(name: String, color: Int, x: [Double], y: [Double], band: (low: [Double], high: [Double])? = nil) {
            precondition(x.count == y.count, "a series needs one y per x")
            precondition(band.map { $0.low.count == y.count && $0.high.count == y.count } ?? true,
                         "a band needs one low and one high per point")
            self.name = name
            self.color = color
            self.x = x
            self.y = y
            self.band = band
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: Scale.Kind
    public var yScale: Scale.Kind
    public var series: [Series]
    public var width: Double = 600
    public var height: Double = 340

    public init(title: String, xLabel: String, yLabel: String, xScale: Scale.Kind = .linear,
                yScale: Scale.Kind = .linear, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.series = series
    }

    // Plot area margins: room for tick labels and axis titles on the left and bottom, the legend on the right.
    static let left = 64.0, right = 160.0, top = 30.0, bottom = 46.0

    public func render() -> String {
        let plotRight = width - Self.right, plotBottom = height - Self.bottom
        let xs = series.flatMap(\.x)
        let ys = series.flatMap { s in s.y + (s.band.map { $0.low + $0.high } ?? []) }
        let sx = Scale(xScale, covering: xs, from: Self.left, to: plotRight)
        let sy = Scale(yScale, covering: ys, from: plotBottom, to: Self.top)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(SVGText.n(width)) "
        out += "\(SVGText.n(height))\" width=\"\(SVGText.n(width))\" height=\"\(SVGText.n(height))\" role=\"img\" "
        out += "aria-label=\"\(SVGText.escape(title))\" data-series=\"\(series.count)\">\n"
        out += "<title>\(SVGText.escape(title))</title>\n"
        out += SVGText.text(title, x: Self.left, y: 18, cls: "chart-title") + "\n"
        out += Axes.render(x: sx, y: sy, xLabel: xLabel, yLabel: yLabel, width: width, height: height,
                           plotRight: plotRight, plotBottom: plotBottom)
        out += "<g class=\"plot\">\n"
        for s in series { out += render(s, sx: sx, sy: sy) }
        out += "</g>\n"
        out += Legend.render(series.map { ($0.name, $0.color, $0.band != nil) }, x: plotRight + 14, y: Self.top)
        out += "</svg>"
        return out
    }

    /// Points of a polyline; runs broken where a value is not plottable (NaN, or ≤ 0 on a log axis).
    func path(_ x: [Double], _ y: [Double], sx: Scale, sy: Scale) -> String {
        var d = ""
        var pen = false
        for (u, v) in zip(x, y) {
            guard u.isFinite, v.isFinite, sx.kind == .linear || u > 0, sy.kind == .linear || v > 0 else {
                pen = false
                continue
            }
            d += (pen ? "L" : "M") + SVGText.n(sx(u)) + "," + SVGText.n(sy(v))
            pen = true
        }
        return d
    }

    func render(_ s: Series, sx: Scale, sy: Scale) -> String {
        let color = Palette.color(s.color)
        var out = "<g class=\"series\" data-name=\"\(SVGText.escape(s.name))\">"
        if let band = s.band {
            let upper = zip(s.x, band.high).map { (sx($0), sy($1)) }
            let lower = zip(s.x, band.low).map { (sx($0), sy($1)) }.reversed()
            let points = (upper + lower).filter { $0.0.isFinite && $0.1.isFinite }
            if points.count > 2 {
                let d = points.enumerated().map { i, p in (i == 0 ? "M" : "L") + SVGText.n(p.0) + "," + SVGText.n(p.1) }
                out += "<path class=\"band\" d=\"\(d.joined())Z\" fill=\"\(color)\" fill-opacity=\"0.18\" "
                out += "stroke=\"none\"/>"
            }
        }
        let dash = Palette.dash(s.color).map { " stroke-dasharray=\"\($0)\"" } ?? ""
        out += "<path class=\"line\" d=\"\(path(s.x, s.y, sx: sx, sy: sy))\" fill=\"none\" stroke=\"\(color)\" "
        out += "stroke-width=\"2\"\(dash)/>"
        if s.x.count <= 12 {
            for (u, v) in zip(s.x, s.y) where u.isFinite && v.isFinite {
                out += "<circle cx=\"\(SVGText.n(sx(u)))\" cy=\"\(SVGText.n(sy(v)))\" r=\"2.5\" fill=\"\(color)\"/>"
            }
        }
        return out + "</g>\n"
    }
}

/// Axis lines, grid lines, ticks, tick labels and axis titles of a chart.
enum Axes {
    static func render(x sx: Scale, y sy: Scale, xLabel: String, yLabel: String, width: Double, height: Double,
                       plotRight: Double, plotBottom: Double) -> String {
        let left = sx.start, top = sy.end
        var out = "<g class=\"axis x\">"
        out += "<line x1=\"\(SVGText.n(left))\" y1=\"\(SVGText.n(plotBottom))\" x2=\"\(SVGText.n(plotRight))\" "
        out += "y2=\"\(SVGText.n(plotBottom))\" stroke=\"#333\"/>"
        for t in sx.ticks {
            let x = SVGText.n(sx(t))
            out += "<g class=\"tick\"><line x1=\"\(x)\" y1=\"\(SVGText.n(top))\" x2=\"\(x)\" "
            out += "y2=\"\(SVGText.n(plotBottom + 5))\" stroke=\"#ddd\"/>"
            out += SVGText.text(sx.label(t), x: sx(t), y: plotBottom + 18, anchor: "middle") + "</g>"
        }
        let xTitle = xLabel + (sx.kind == .log ? " (log scale)" : "")
        out += SVGText.text(xTitle, x: (left + plotRight) / 2, y: height - 8, anchor: "middle", cls: "axis-label")
        out += "</g>\n<g class=\"axis y\">"
        out += "<line x1=\"\(SVGText.n(left))\" y1=\"\(SVGText.n(top))\" x2=\"\(SVGText.n(left))\" "
        out += "y2=\"\(SVGText.n(plotBottom))\" stroke=\"#333\"/>"
        for t in sy.ticks {
            let y = SVGText.n(sy(t))
            out += "<g class=\"tick\"><line x1=\"\(SVGText.n(left - 5))\" y1=\"\(y)\" x2=\"\(SVGText.n(plotRight))\" "
            out += "y2=\"\(y)\" stroke=\"#ddd\"/>"
            out += SVGText.text(sy.label(t), x: left - 8, y: sy(t) + 4, anchor: "end") + "</g>"
        }
        let yTitle = yLabel + (sy.kind == .log ? " (log scale)" : "")
        out += SVGText.text(yTitle, x: 14, y: (top + plotBottom) / 2, anchor: "middle", cls: "axis-label",
                            rotate: -90)
        return out + "</g>\n"
    }
}

/// A legend: a short line (with a band swatch when the series has one) and the series name, one per row.
enum Legend {
    static func render(_ entries: [(name: String, color: Int, band: Bool)], x: Double, y: Double) -> String {
        var out = "<g class=\"legend\">"
        for (i, e) in entries.enumerated() {
            let cy = y + 8 + Double(i) * 18
            let color = Palette.color(e.color)
            if e.band {
                out += "<rect x=\"\(SVGText.n(x))\" y=\"\(SVGText.n(cy - 5))\" width=\"22\" height=\"10\" "
                out += "fill=\"\(color)\" fill-opacity=\"0.18\"/>"
            }
            let dash = Palette.dash(e.color).map { " stroke-dasharray=\"\($0)\"" } ?? ""
            out += "<line x1=\"\(SVGText.n(x))\" y1=\"\(SVGText.n(cy))\" x2=\"\(SVGText.n(x + 22))\" "
            out += "y2=\"\(SVGText.n(cy))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
            out += SVGText.text(SVGText.truncate(e.name, 22), x: x + 28, y: cy + 4, cls: "legend-label")
        }
        return out + "</g>\n"
    }
}
