import Foundation
import SweepKit
import Testing
@testable import Reports

/// A random-search sweep, one seed per configuration (fashion-mnist · logreg, `val_loss`):
///
/// | optimizer | lr         | val_loss    |
/// |-----------|------------|-------------|
/// | sgd       | 1e-4       | 0.90        |
/// | sgd       | 3.16228e-4 | 0.70        |
/// | sgd       | 1e-3       | 0.50        |
/// | sgd       | 3.16228e-3 | 0.45 (best) |
/// | sgd       | 1e-2       | 0.60        |
/// | adam      | 1e-4       | 0.40        |
/// | adam      | 1e-3       | 0.30 (best) |
/// | adam      | 1e-2       | 0.35        |
/// | adam      | 0.1        | 0.80        |
/// | adam      | 1.0        | pruned @ 20 |
///
/// The rates span 1e-4 … 1 (the pruned 1.0 included), so the log axis covers exactly four decades:
/// x(lr) = 64 + (log10 lr + 4) / 4 · 376 px (plot from 64 to 600 − 160 = 440).
@Suite("Reports of a sweep with sampled learning rates")
struct SampledReportTests {
    static let spec = """
        name: sampled
        metric: val_loss
        search: {method: random, trials: 5, seed: 7}   # lr drawn per configuration
        grid:
          optimizer: [sgd, adam]
          lr: {log_uniform: [1.0e-4, 1.0]}
          dataset: fashion-mnist
          model: logreg
        seeds: [1]
        early_stopping:
          method: asha
          grace: 10
        """

    static let trials: [StoreFixture.Trial] = [
        .done("sgd", 1e-4, 0.90), .done("sgd", 3.16228e-4, 0.70), .done("sgd", 1e-3, 0.50),
        .done("sgd", 3.16228e-3, 0.45), .done("sgd", 1e-2, 0.60),
        .done("adam", 1e-4, 0.40), .done("adam", 1e-3, 0.30), .done("adam", 1e-2, 0.35), .done("adam", 0.1, 0.80),
        .pruned("adam", 1.0, at: 20),
    ]

    static func report(spec: String = spec, trials: [StoreFixture.Trial] = trials) throws -> Report {
        try StoreFixture.report(trials, specText: spec)
    }

    @Test("the spec outline: search method, early stopping and distribution axes, block or flow")
    func outline() {
        let o = SpecOutline(specText: Self.spec)
        #expect(o.searchMethod == "random" && o.earlyStopping == "asha" && o.distributionKeys == ["lr"])
        let flow = SpecOutline(specText: """
            name: x
            grid: {optimizer: [sgd-hd], lr: {log_uniform: [1e-5, 1]},
                   sgd-hd.hyper_lr: {log_uniform: [1e-6, 1e-2]}, dropout: {choice: [0.1, 0.3]}}
            search:
              method: sobol   # low discrepancy
              trials: 16
            """)
        #expect(flow.searchMethod == "sobol" && flow.earlyStopping == nil)
        #expect(flow.distributionKeys == ["lr", "sgd-hd.hyper_lr"])
        let block = SpecOutline(specText: "name: x\ngrid:\n  lr:\n    uniform: [0.01, 0.1]\n  optimizer: [sgd]\n")
        #expect(block.searchMethod == nil && block.distributionKeys == ["lr"])
        #expect(SpecOutline(specText: "").searchMethod == nil)
    }

    @Test("the sampled rule: the spec's method when present, else more than 12 rates per optimizer")
    func rule() {
        #expect(LRSampling.of(specText: Self.spec, trials: []).sampled)
        let grid = "search: {method: grid}\ngrid:\n  lr: [0.1, 0.01]\n"
        #expect(!LRSampling.of(specText: grid, trials: []).sampled)
        // Random search over other axes, with an lr list: the rates are still a grid.
        let listed = "search: {method: random, trials: 4}\ngrid:\n  lr: [0.1, 0.01]\n  wd: {uniform: [0, 1]}\n"
        let l = LRSampling.of(specText: listed, trials: [])
        #expect(!l.sampled && l.tunedKeys == ["wd"])
        func trials(_ rates: Int) -> [TrialRecord] {
            (0..<rates).map { i in
                TrialRecord(id: "t\(i)", index: i,
                            parameters: Parameters(["optimizer": .string("sgd"), "lr": .double(Double(i + 1) * 1e-3)]),
                            status: .done, attempts: 1, metrics: [:])
            }
        }
        #expect(!LRSampling.of(specText: "", trials: trials(12)).sampled)
        #expect(LRSampling.of(specText: "", trials: trials(13)).sampled)
        #expect(LRSampling.of(specText: "", trials: trials(13)).method == nil)
    }

    @Test("one dot per configuration at its log position; pruned ones are crosses, not dots")
    func scatter() throws {
        let report = try Self.report()
        #expect(report.lrSampling.sampled && report.lrSampling.method == "random")
        let cell = try #require(report.ranking.first)
        let chart = try #require(ReportCharts(report).sensitivity(cell))
        #expect(chart.xScale == .log)
        #expect(chart.series.map(\.name) == ["sgd", "adam"])
        #expect(chart.series.allSatisfy { $0.scatter })
        #expect(chart.series[0].x == [1e-4, 3.16228e-4, 1e-3, 3.16228e-3, 1e-2])
        #expect(chart.series[1].x == [1e-4, 1e-3, 1e-2, 0.1])
        #expect(chart.markers.map(\.x) == [1.0] && chart.markers.first?.text == "20")
        let svg = chart.render()
        let dots = Self.points(svg)
        #expect(dots.count == 9)
        // x = 64 + (log10 lr + 4) · 94: 1e-4 → 64, 10^-3.5 → 111, 1e-3 → 158, 10^-2.5 → 205, 1e-2 → 252,
        // 0.1 → 346 (and the pruned 1.0 would be at 440, but is no dot).
        #expect(dots.filter { $0.series == "sgd" }.map(\.cx) == [64, 111, 158, 205, 252])
        #expect(dots.filter { $0.series == "adam" }.map(\.cx) == [64, 158, 252, 346])
        #expect(!dots.contains { $0.cx == 440 })
        #expect(svg.contains("<title>adam lr=1: pruned @ 20</title>"))
    }

    @Test("the best lr is the best configuration's rate, ringed in the chart")
    func bestLR() throws {
        let report = try Self.report()
        let s = report.sensitivity
        #expect(s.map(\.optimizer) == ["sgd", "adam"])
        #expect(s[0].bestLR == 3.16228e-3 && abs(s[0].best - 0.45) < 1e-12)
        #expect(s[1].bestLR == 1e-3 && abs(s[1].best - 0.30) < 1e-12)
        #expect(s[1].lrs == 4)  // the pruned 1.0 is left out
        let cell = try #require(report.ranking.first)
        #expect(cell.entries.map(\.aggregate.lr) == [1e-3, 3.16228e-3])
        let chart = try #require(ReportCharts(report).sensitivity(cell))
        #expect(chart.series.map(\.highlight) == [3, 1])
        let svg = chart.render()
        // The rings: sgd's at 10^-2.5 (x 205), adam's at 1e-3 (x 158).
        #expect(svg.contains("<circle class=\"best\" cx=\"205\""))
        #expect(svg.contains("<circle class=\"best\" cx=\"158\""))
    }

    @Test("the running median: a centred window of max(3, n/5) configurations by rate")
    func runningMedian() throws {
        // sgd by rate: [0.90, 0.70, 0.50, 0.45, 0.60], n = 5 → w = 3; the ends keep their own value.
        let m = try #require(ReportCharts.runningMedian(x: [1, 2, 3, 4, 5], y: [0.90, 0.70, 0.50, 0.45, 0.60]))
        #expect(m.y == [0.90, 0.70, 0.50, 0.50, 0.60])
        // n = 20 → w = 4 → 5: at index 2 the median of indices 0…4.
        let ys = (0..<20).map { Double(($0 * 7) % 20) }  // 0, 7, 14, 1, 8, 15, …
        let wide = try #require(ReportCharts.runningMedian(x: (0..<20).map(Double.init), y: ys))
        #expect(wide.y[2] == 7)  // median of 0, 7, 14, 1, 8
        #expect(wide.y[1] == 7)  // median of 0, 7, 14 (window shrinks to stay centred)
        #expect(ReportCharts.runningMedian(x: [1, 2], y: [1, 2]) == nil)
    }

    @Test("the heatmap bins sampled rates by decade, best configuration per bin")
    func binnedHeatmap() throws {
        let report = try Self.report()
        let cell = try #require(report.ranking.first)
        let map = try #require(ReportCharts(report).heatmap(cell))
        #expect(map.columnLabels == ["1e-4–1e-3", "1e-3–1e-2", "1e-2–0.1", "0.1–1", "1–10"])
        #expect(map.rows == ["sgd", "adam"])
        // sgd: decade 1e-4 holds 0.90 and 0.70 → 0.70; 1e-3 holds 0.50 and 0.45 → 0.45; 1e-2 → 0.60.
        #expect(map.cells[0].map { $0?.value } == [0.70, 0.45, 0.60, nil, nil])
        #expect(map.cells[1][0]?.value == 0.40 && map.cells[1][3]?.value == 0.80)
        let pruned = try #require(map.cells[1][4])
        #expect(pruned.hatched && pruned.missing == "pruned @ 20")
        let svg = map.render()
        #expect(svg.contains("initial learning rate, binned by decade"))
        #expect(svg.contains("<title>sgd, lr 1e-4–1e-3: 2 configurations, best at lr=0.000316228</title>"))
        #expect(SVGSummary.parse(svg)?.series == ["sgd", "adam"])
    }

    @Test("the HTML report of a sampled sweep says why the heatmap is binned, and the methods say how")
    func html() throws {
        let report = try Self.report()
        let html = HTMLReport.render(report)
        #expect(html.contains("binned by decade rather than drawn one column each"))
        #expect(html.contains("one dot per configuration"))
        let sampled = "Sampled learning rates (the spec draws `lr` by random search)"
        #expect(report.methods.contains { $0.contains(sampled) })
        for svg in HTMLReportTests.svgs(html) {
            #expect(SVGSummary.parse(svg) != nil, "not well-formed: \(svg.prefix(120))")
        }
    }

    @Test("drawn option axes are part of the configuration but not of the optimizer's label")
    func tunedKeys() throws {
        let spec = """
            name: hd
            search: {method: random, trials: 3, seed: 1}
            grid:
              optimizer: [sgd-hd]
              lr: {log_uniform: [1.0e-4, 1.0e-1]}
              sgd-hd.hyper_lr: {log_uniform: [1.0e-6, 1.0e-2]}
            """
        func hd(_ lr: Double, _ h: Double, _ v: Double) -> StoreFixture.Trial {
            var t = StoreFixture.Trial.done("sgd-hd", lr, v)
            t.extra = ["sgd-hd.hyper_lr": .double(h)]
            return t
        }
        let report = try Self.report(spec: spec,
                                     trials: [hd(1e-3, 1e-4, 0.5), hd(1e-3, 1e-5, 0.4), hd(1e-2, 1e-4, 0.6)])
        #expect(report.lrSampling.tunedKeys == ["sgd-hd.hyper_lr"])
        // Three configurations (two share a rate), one optimizer label, ranked once at its best configuration.
        #expect(report.aggregates.count == 3 && Set(report.aggregates.map(\.label)) == ["sgd-hd"])
        let entries = try #require(report.ranking.first?.entries)
        #expect(entries.count == 1 && entries[0].aggregate.tuned == "sgd-hd.hyper_lr=1e-05")
        #expect(entries[0].aggregate.fullLabel == "sgd-hd · sgd-hd.hyper_lr=1e-05")
        #expect(report.trials(of: entries[0].aggregate).map(\.id) == ["t1"])
    }

    /// Every scatter dot of `svg`: its series and its x pixel.
    static func points(_ svg: String) -> [(series: String, cx: Double)] {
        var out: [(String, Double)] = []
        var series = ""
        for part in svg.components(separatedBy: "<") {
            if part.hasPrefix("g class=\"series\""), let name = attribute("data-name", in: part) { series = name }
            if part.hasPrefix("circle class=\"point\""), let cx = attribute("cx", in: part).flatMap(Double.init) {
                out.append((series, cx))
            }
        }
        return out
    }

    static func attribute(_ name: String, in tag: String) -> String? {
        guard let start = tag.range(of: name + "=\"") else { return nil }
        let rest = tag[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
