import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Reports

/// What an SVG chart holds, read back with Foundation's XML parser.
final class SVGSummary: NSObject, XMLParserDelegate {
    var series: [String] = []
    var axisClasses: [String] = []
    var axisLabels: [String] = []
    var ticks = 0
    var title = ""
    var dataSeries: Int?
    private var inAxisLabel = false, inTitle = false, text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let cls = attributes["class"] ?? ""
        if name == "svg" { dataSeries = attributes["data-series"].flatMap(Int.init) }
        if name == "g" && cls == "series" { series.append(attributes["data-name"] ?? "") }
        if name == "g" && cls.hasPrefix("axis") { axisClasses.append(cls) }
        if name == "g" && cls == "tick" { ticks += 1 }
        if name == "text" && cls == "axis-label" { inAxisLabel = true; text = "" }
        // The chart's own title is the first; cells and markers may carry tooltips after it.
        if name == "title" && title.isEmpty { inTitle = true; text = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inAxisLabel || inTitle { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" && inAxisLabel { axisLabels.append(text); inAxisLabel = false }
        if name == "title" && inTitle { title = text; inTitle = false }
    }

    /// Parses `svg`; nil if it is not well-formed XML.
    static func parse(_ svg: String) -> SVGSummary? {
        let summary = SVGSummary()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = summary
        return parser.parse() ? summary : nil
    }
}

@Suite("HTML report and its SVG charts")
struct HTMLReportTests {
    /// Every `<svg …>…</svg>` in `html`.
    static func svgs(_ html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg "),
              let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            out.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return out
    }

    @Test("the page is self-contained: no scripts, no external resources")
    func selfContained() throws {
        let html = HTMLReport.render(try StoreFixture.report())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("<script"))
        let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!withoutNamespace.contains("http:") && !withoutNamespace.contains("https:"))
        // The ranked table comes before the first chart.
        let table = try #require(html.range(of: "<table>"))
        let chart = try #require(html.range(of: "<svg "))
        #expect(table.lowerBound < chart.lowerBound)
        #expect(html.contains("Welch"))
    }

    @Test("every SVG parses as XML and has labelled x and y axes")
    func wellFormed() throws {
        let svgs = Self.svgs(HTMLReport.render(try StoreFixture.report()))
        // curves, heatmap, LR sensitivity, tuning budget, and the lr trajectory of sgd-hd (the only
        // non-constant lr).
        #expect(svgs.count == 5)
        for svg in svgs {
            let s = try #require(SVGSummary.parse(svg), "not well-formed: \(svg.prefix(200))")
            #expect(s.axisClasses.sorted() == ["axis x", "axis y"])
            #expect(s.axisLabels.count == 2 && s.axisLabels.allSatisfy { !$0.isEmpty })
            #expect(s.ticks >= 4)
            #expect(s.dataSeries == s.series.count)
        }
    }

    @Test("each chart has the expected series")
    func series() throws {
        let parsed = Self.svgs(HTMLReport.render(try StoreFixture.report())).compactMap(SVGSummary.parse)
        #expect(parsed.count == 5)
        guard parsed.count == 5 else { return }
        // Curves: the three optimizers at their best LR, in ranking order, adam's † absent (its best LR had none).
        #expect(parsed[0].series == ["adam lr=0.01", "sgd-hd lr=0.1", "sgd lr=0.1"])
        #expect(parsed[0].axisLabels == ["step", "val_loss"])
        // Heatmap: one row per optimizer.
        #expect(parsed[1].series == ["sgd", "adam", "sgd-hd"])
        #expect(parsed[1].axisLabels.first?.contains("learning rate") == true)
        // Sensitivity against the initial LR, on a log axis.
        #expect(parsed[2].series == ["sgd", "adam", "sgd-hd"])
        #expect(parsed[2].axisLabels.first == "initial learning rate (log scale)")
        // Tuning budget: one line per optimizer over k.
        #expect(parsed[3].series == ["sgd", "adam", "sgd-hd"])
        #expect(parsed[3].axisLabels.first == "configurations tried (k)")
        // The lr trajectory of sgd-hd, one series per initial LR.
        #expect(parsed[4].series == ["from lr=0.01", "from lr=0.1"])
        #expect(parsed[4].title.hasPrefix("sgd-hd"))
    }

    @Test("the heatmap shows a diverged configuration as such")
    func heatmapCells() throws {
        let html = HTMLReport.render(try StoreFixture.report())
        let heatmap = try #require(Self.svgs(html).first { $0.contains("class=\"chart heatmap\"") })
        #expect(heatmap.contains(">diverged</text>"))   // sgd at lr 1: every seed diverged
        #expect(heatmap.contains(">0.7500 †</text>"))   // adam at lr 0.1: one seed diverged
    }

    @Test("AutoDrop's angular velocity gets its own chart when present")
    func angularVelocity() throws {
        var report = try StoreFixture.report()
        for i in report.trials.indices where report.trials[i].parameters.optimizer == "sgd-hd" {
            report.trials[i].curve["angular_velocity"] = [[10, 60], [20, 75], [30, 80]]
        }
        let parsed = Self.svgs(HTMLReport.render(report)).compactMap(SVGSummary.parse)
        let chart = try #require(parsed.first { $0.title.contains("angular velocity") })
        #expect(chart.series.count == 2)
        #expect(chart.axisLabels.last == "angular velocity (°)")
    }

    @Test("text is escaped in SVG and HTML")
    func escaping() {
        let chart = LineChart(title: "a < b & \"c\"", xLabel: "x", yLabel: "y",
                              series: [.init(name: "<o>", color: 0, x: [1, 2], y: [1, 2])])
        let svg = chart.render()
        #expect(SVGSummary.parse(svg)?.series == ["<o>"])
        #expect(svg.contains("a &lt; b &amp; &quot;c&quot;"))
    }
}
