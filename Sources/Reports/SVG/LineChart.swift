import Foundation

/// A line chart rendered as a self-contained SVG element: axes with ticks, tick labels and axis titles,
/// one line per series with an optional shaded band (e.g. min–max over seeds), and a legend.
///
/// Every series is one `<g class="series" data-name="…">`, every axis one `<g class="axis x">` /
/// `<g class="axis y">` holding its `<text class="axis-label">`, so tests (and scripts) can find them.
///
/// A series is either a line through its points or, for a scatter, its points with an optional smoothed
/// line. Points that have no value (pruned configurations) can be shown as ``Marker``s in a strip above
/// the plot, at their x and never at a y.
public struct LineChart: Sendable {
    /// One line (or scatter), with its colour index into `Palette` and an optional band around it.
    public struct Series: Sendable {
        public var name: String
        public var color: Int
        public var x: [Double]
        public var y: [Double]
        /// Lower and upper edges of a shaded band, at the same x (same count as `y`), or nil.
        public var band: (low: [Double], high: [Double])?
        /// A scatter: every point is drawn as a dot and not joined; `smooth`, if any, is the line.
        public var scatter: Bool
        /// The smoothed line of a scatter (e.g. a running median), in x order.
        public var smooth: (x: [Double], y: [Double])?
        /// The index of a point to ring (the best configuration of a scatter).
        public var highlight: Int?

        public init(name: String, color: Int, x: [Double], y: [Double], band: (low: [Double], high: [Double])? = nil,
                    scatter: Bool = false, smooth: (x: [Double], y: [Double])? = nil, highlight: Int? = nil) {
            precondition(x.count == y.count, "a series needs one y per x")
            precondition(band.map { $0.low.count == y.count && $0.high.count == y.count } ?? true,
                         "a band needs one low and one high per point")
            precondition(smooth.map { $0.x.count == $0.y.count } ?? true, "a smoothed line needs one y per x")
            self.name = name
            self.color = color
            self.x = x
            self.y = y
            self.band = band
            self.scatter = scatter
            self.smooth = smooth
            self.highlight = highlight
        }
    }

    /// A point with an x but no y (e.g. a configuration that early stopping pruned): a cross in the strip
    /// above the plot, in its series' colour, one row per `row`, with a short text such as the step.
    public struct Marker: Sendable {
        public var x: Double
        public var color: Int
        public var row: Int
        /// Printed beside the cross when the chart has few markers (e.g. `30`).
        public var text: String
        /// The tooltip (`sgd lr=1: pruned @ 30`).
        public var title: String

        public init(x: Double, color: Int, row: Int, text: String, title: String) {
            self.x = x
            self.color = color
            self.row = row
            self.text = text
            self.title = title
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: Scale.Kind
    public var yScale: Scale.Kind
    public var series: [Series]
    public var markers: [Marker]
    /// What the markers are, for the legend (`pruned @ step`); its first word labels the strip.
    public var markerLabel: String
    public var width: Double = 600
    public var height: Double = 340
    /// Ticks of the x axis on whole numbers only (a linear axis of counts).
    public var integerX = false

    public init(title: String, xLabel: String, yLabel: String, xScale: Scale.Kind = .linear,
                yScale: Scale.Kind = .linear, series: [Series], markers: [Marker] = [], markerLabel: String = "") {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.series = series
        self.markers = markers
        self.markerLabel = markerLabel
    }

    // Plot area margins: room for tick labels and axis titles on the left and bottom, the legend on the right.
    static let left = 64.0, right = 160.0, top = 30.0, bottom = 46.0

    public func render() -> String {
        let plotRight = width - Self.right, plotBottom = height - Self.bottom
        let plotTop = Self.top + MarkerStrip.height(markers)
        let xs = series.flatMap { $0.x + ($0.smooth?.x ?? []) } + markers.map(\.x)
        let ys = series.flatMap { s in s.y + (s.band.map { $0.low + $0.high } ?? []) + (s.smooth?.y ?? []) }
        let sx = Scale(xScale, covering: xs, from: Self.left, to: plotRight, integer: integerX)
        let sy = Scale(yScale, covering: ys, from: plotBottom, to: plotTop)
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
        out += MarkerStrip.render(markers, label: markerLabel, x: sx, top: Self.top)
        out += Legend.render(series.map { ($0.name, $0.color, $0.band != nil) }, x: plotRight + 14, y: Self.top,
                             markerLabel: markers.isEmpty ? nil : markerLabel)
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
        if s.scatter {
            return out + scatter(s, sx: sx, sy: sy, color: color, dash: dash) + "</g>\n"
        }
        out += "<path class=\"line\" d=\"\(path(s.x, s.y, sx: sx, sy: sy))\" fill=\"none\" stroke=\"\(color)\" "
        out += "stroke-width=\"2\"\(dash)/>"
        if s.x.count <= 12 {
            for (u, v) in zip(s.x, s.y) where u.isFinite && v.isFinite {
                out += "<circle cx=\"\(SVGText.n(sx(u)))\" cy=\"\(SVGText.n(sy(v)))\" r=\"2.5\" fill=\"\(color)\"/>"
            }
        }
        return out + "</g>\n"
    }

    /// A scatter's dots (each with its data x and y, for scripts and tests), its ringed best point and its
    /// smoothed line.
    func scatter(_ s: Series, sx: Scale, sy: Scale, color: String, dash: String) -> String {
        var out = ""
        if let smooth = s.smooth {
            out += "<path class=\"line smooth\" d=\"\(path(smooth.x, smooth.y, sx: sx, sy: sy))\" fill=\"none\" "
            out += "stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
        }
        for (i, (u, v)) in zip(s.x, s.y).enumerated() where u.isFinite && v.isFinite {
            let cx = SVGText.n(sx(u)), cy = SVGText.n(sy(v))
            out += "<circle class=\"point\" cx=\"\(cx)\" cy=\"\(cy)\" r=\"3\" fill=\"\(color)\" fill-opacity=\"0.7\" "
            out += "data-x=\"\(u)\" data-y=\"\(v)\"/>"
            if i == s.highlight {
                out += "<circle class=\"best\" cx=\"\(cx)\" cy=\"\(cy)\" r=\"6.5\" fill=\"none\" stroke=\"\(color)\" "
                out += "stroke-width=\"1.5\"/>"
            }
        }
        return out
    }
}

/// The strip of ``LineChart/Marker``s above a chart's plot: one row of crosses per marker row.
///
/// A cross is labelled with its text only where the label fits before the next cross of its row (labels
/// sit right of their cross, or left of it at the plot's right edge); crowded crosses keep their tooltip.
enum MarkerStrip {
    static let rowHeight = 14.0
    /// The room a label needs beside its cross, in pixels (a three- or four-digit step at 10 px).
    static let labelRoom = 26.0

    /// The room the strip takes above the plot (0 without markers).
    static func height(_ markers: [LineChart.Marker]) -> Double {
        guard let rows = markers.map(\.row).max() else { return 0 }
        return Double(rows + 1) * rowHeight + 8
    }

    static func render(_ markers: [LineChart.Marker], label: String, x sx: Scale, top: Double) -> String {
        guard !markers.isEmpty else { return "" }
        var out = "<g class=\"markers\">"
        // The first word only: the left margin holds about seven characters.
        let word = label.split(separator: " ").first.map(String.init) ?? ""
        out += SVGText.text(word, x: sx.start - 8, y: top + rowHeight / 2 + 4, anchor: "end", size: 10)
        for m in markers {
            let x = sx(m.x), y = top + (Double(m.row) + 0.5) * rowHeight
            let color = Palette.color(m.color)
            out += "<g class=\"marker\" data-x=\"\(m.x)\" data-text=\"\(SVGText.escape(m.text))\">"
            out += "<title>\(SVGText.escape(m.title))</title>"
            out += "<path d=\"M\(SVGText.n(x - 4)),\(SVGText.n(y - 4))L\(SVGText.n(x + 4)),\(SVGText.n(y + 4))"
            out += "M\(SVGText.n(x - 4)),\(SVGText.n(y + 4))L\(SVGText.n(x + 4)),\(SVGText.n(y - 4))\" "
            out += "stroke=\"\(color)\" stroke-width=\"2\"/>"
            // Left of the cross at the right edge, clear of the legend.
            let leftward = x > sx.end - labelRoom
            let neighbours = markers.filter { $0.row == m.row }.map { sx($0.x) - x }
            let crowded = neighbours.contains { d in
                leftward ? d < 0 && d > -labelRoom - 4 : d > 0 && d < labelRoom + 4
            } || neighbours.filter { $0 == 0 }.count > 1
            if !crowded {
                out += SVGText.text(m.text, x: leftward ? x - 6 : x + 6, y: y + 4, anchor: leftward ? "end" : "start",
                                    size: 10)
            }
            out += "</g>"
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
    static func render(_ entries: [(name: String, color: Int, band: Bool)], x: Double, y: Double,
                       markerLabel: String? = nil) -> String {
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
        if let markerLabel {
            let cy = y + 8 + Double(entries.count) * 18
            out += "<path d=\"M\(SVGText.n(x + 7)),\(SVGText.n(cy - 4))L\(SVGText.n(x + 15)),\(SVGText.n(cy + 4))"
            out += "M\(SVGText.n(x + 7)),\(SVGText.n(cy + 4))L\(SVGText.n(x + 15)),\(SVGText.n(cy - 4))\" "
            out += "stroke=\"#555\" stroke-width=\"2\"/>"
            out += SVGText.text(SVGText.truncate(markerLabel, 22), x: x + 28, y: cy + 4, cls: "legend-label")
        }
        return out + "</g>\n"
    }
}
