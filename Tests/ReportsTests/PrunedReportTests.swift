import Foundation
import GRDB
import SweepKit
import Testing
@testable import Reports

/// A sweep with early stopping, written by hand (fashion-mnist · logreg, `val_loss`, 100 steps per trial,
/// curves every 10 steps):
///
/// | trial | optimizer | lr   | seed | status              | val_loss |
/// |-------|-----------|------|------|---------------------|----------|
/// | t0    | sgd       | 1.0  | 1    | pruned @ 10         | 0.01     |
/// | t1    | sgd       | 1.0  | 2    | pruned @ 10         | 0.01     |
/// | t2    | sgd       | 0.1  | 1    | done                | 0.40     |
/// | t3    | sgd       | 0.1  | 2    | done                | 0.44     |
/// | t4    | sgd       | 0.01 | 1    | done                | 0.50     |
/// | t5    | sgd       | 0.01 | 2    | cancelled (curve 50)| –        |
/// | t6    | adam      | 0.1  | 1    | done                | 0.20     |
/// | t7    | adam      | 0.1  | 2    | pruned @ 30         | 0.25     |
/// | t8    | adam      | 0.01 | 1    | done                | 0.30     |
/// | t9    | adam      | 0.01 | 2    | done                | 0.34     |
///
/// The pruned trials carry (early) values better than any finished one, so averaging them would change
/// the ranking: sgd at 1.0 would win sgd's row with 0.01, and adam at 0.1 would win the cell with 0.20–0.225.
@Suite("Reports of a sweep with early stopping")
struct PrunedReportTests {
    static let trials: [StoreFixture.Trial] = [
        .pruned("sgd", 1.0, seed: 1, at: 10, value: 0.01), .pruned("sgd", 1.0, seed: 2, at: 10, value: 0.01),
        .done("sgd", 0.1, seed: 1, 0.40), .done("sgd", 0.1, seed: 2, 0.44),
        .done("sgd", 0.01, seed: 1, 0.50),
        StoreFixture.Trial(optimizer: "sgd", lr: 0.01, seed: 2, status: "cancelled", value: nil, lastStep: 50),
        .done("adam", 0.1, seed: 1, 0.20), .pruned("adam", 0.1, seed: 2, at: 30, value: 0.25),
        .done("adam", 0.01, seed: 1, 0.30), .done("adam", 0.01, seed: 2, 0.34),
    ]

    static let decisions: [Report.Decision] = [
        StoreFixture.decision("sgd", 0.1, step: 10, value: 0.9, promoted: true, time: 1),
        StoreFixture.decision("sgd", 1.0, step: 10, value: 1.5, promoted: false, time: 2),
        StoreFixture.decision("adam", 0.01, step: 10, value: 0.8, promoted: true, time: 3),
        StoreFixture.decision("adam", 0.1, step: 30, value: 0.9, promoted: false, time: 4),
    ]

    static func report() throws -> Report {
        try StoreFixture.report(trials, decisions: decisions)
    }

    func aggregate(_ report: Report, _ optimizer: String, _ lr: Double) throws -> Aggregate {
        try #require(report.aggregates.first { $0.optimizer == optimizer && $0.lr == lr })
    }

    @Test("the store loads stopped steps and decisions in order")
    func load() throws {
        let dir = try StoreFixture.makeStore(Self.trials, decisions: Self.decisions)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try ReportData.load(path: dir + "/results.sqlite")
        #expect(data.trials.map(\.stoppedStep) == [10, 10, nil, nil, nil, nil, nil, 30, nil, nil])
        #expect(data.trials.filter { $0.status == .pruned }.count == 3)
        #expect(data.trials[5].status == .cancelled)
        #expect(data.decisions.map(\.step) == [10, 10, 10, 30])
        #expect(data.decisions.map(\.promoted) == [true, false, true, false])
        #expect(data.decisions[1].configuration == "dataset=fashion-mnist lr=1.0 model=logreg optimizer=sgd")
    }

    @Test("pruned seeds are counted, never averaged; cancelled seeds count like failed ones")
    func aggregates() throws {
        let report = try Self.report()
        let sgd1 = try aggregate(report, "sgd", 1.0)
        #expect(sgd1.n == 0 && sgd1.pruned == 2 && sgd1.mean.isNaN && sgd1.stoppedStep == 10)
        let adam01 = try aggregate(report, "adam", 0.1)
        // Only the done seed: 0.20, not (0.20 + 0.25) / 2.
        #expect(adam01.n == 1 && adam01.pruned == 1 && abs(adam01.mean - 0.20) < 1e-12 && adam01.stoppedStep == 30)
        let sgd001 = try aggregate(report, "sgd", 0.01)
        #expect(sgd001.n == 1 && sgd001.cancelled == 1 && sgd001.pending == 0 && !sgd001.isPruned)
        #expect(MarkdownReport.seeds(sgd001) == "1/2 (1 cancelled)")
        #expect(MarkdownReport.seeds(adam01) == "1/2 (1 pruned @ 30)")
    }

    @Test("a pruned configuration is not ranked, even with one seed done and one pruned")
    func ranking() throws {
        let cell = try #require(try Self.report().ranking.first)
        // sgd: 0.1 (mean 0.42) and 0.01 (0.50) are eligible; 1.0 is pruned. adam: 0.01 (0.32) only, since
        // 0.1 (one seed done at 0.20, one pruned) is not ranked although its done seed is the best value.
        #expect(cell.entries.map(\.aggregate.optimizer) == ["adam", "sgd"])
        #expect(cell.entries.map(\.aggregate.lr) == [0.01, 0.1])
        #expect(abs(cell.entries[0].aggregate.mean - 0.32) < 1e-12)
        #expect(abs(cell.entries[1].aggregate.mean - 0.42) < 1e-12)
        #expect(cell.entries.allSatisfy { !$0.aggregate.isPruned })
    }

    @Test("LR sensitivity leaves pruned configurations out")
    func sensitivity() throws {
        let s = try Self.report().sensitivity
        #expect(s.map(\.optimizer) == ["sgd", "adam"])
        // sgd: 0.42 at 0.1, 0.50 at 0.01 → gap 0.08; the pruned 1.0 is not an (infinitely bad) worst LR.
        #expect(s[0].lrs == 2 && s[0].bestLR == 0.1 && s[0].worstLR == 0.01)
        #expect(abs(s[0].gap - 0.08) < 1e-12)
        // adam: only 0.01 has a full-budget outcome.
        #expect(s[1].lrs == 1 && s[1].bestLR == 0.01 && s[1].gap == 0)
    }

    @Test("the heatmap shows pruned configurations hatched, with the step where they stopped")
    func heatmap() throws {
        let report = try Self.report()
        let charts = ReportCharts(report)
        let cell = try #require(report.ranking.first)
        let map = try #require(charts.heatmap(cell))
        #expect(map.rows == ["sgd", "adam"])
        #expect(map.columns == [0.01, 0.1, 1.0])
        let sgd1 = try #require(map.cells[0][2])
        #expect(sgd1.value.isNaN && sgd1.hatched && sgd1.missing == "pruned @ 10")
        let adam01 = try #require(map.cells[1][1])
        #expect(adam01.value.isNaN && adam01.hatched && adam01.missing == "pruned @ 30")
        #expect(map.cells[1][2] == nil)  // adam never ran at 1.0
        #expect(map.cells[0][0]?.value == 0.5 && map.cells[0][0]?.hatched == false)
        let svg = map.render()
        #expect(svg.contains(">pruned @ 10</text>") && svg.contains(">pruned @ 30</text>"))
        #expect(svg.contains("<pattern id=\"hatch-fashion-mnist---logreg\""))
        #expect(svg.contains("fill=\"url(#hatch-fashion-mnist---logreg)\""))
        #expect(!svg.contains(">0.2000"))  // adam 0.1's done seed is never shown as the configuration's value
        #expect(SVGSummary.parse(svg) != nil)
    }

    @Test("the sensitivity chart marks pruned configurations above the plot, never as a value")
    func sensitivityChart() throws {
        let report = try Self.report()
        let cell = try #require(report.ranking.first)
        let chart = try #require(ReportCharts(report).sensitivity(cell))
        #expect(chart.series.map(\.name) == ["sgd", "adam"])
        #expect(chart.series[0].x == [0.01, 0.1, 1.0])
        #expect(chart.series[0].y[2].isNaN && abs(chart.series[0].y[1] - 0.42) < 1e-12)
        #expect(chart.series[1].y[1].isNaN)  // adam at 0.1: pruned
        #expect(chart.markers.map(\.x) == [1.0, 0.1])
        #expect(chart.markers.map(\.text) == ["10", "30"])
        #expect(chart.markers.map(\.row) == [0, 1])
        let svg = chart.render()
        #expect(svg.contains("<title>sgd lr=1: pruned @ 10</title>"))
        #expect(SVGSummary.parse(svg)?.series == ["sgd", "adam"])
    }

    @Test("compute: steps trained against the full budget, and configurations pruned per rung")
    func compute() throws {
        let c = try Self.report().compute
        // Full budget per trial: 100 (the done trials' last step). Trained: 6 done × 100 + pruned 10 + 10 + 30
        // + the cancelled trial's curve to 50 = 700, of 10 × 100 = 1000.
        #expect(c.stepsPerTrial == 100 && c.trials == 10)
        #expect(c.stepsTrained == 700 && c.stepsFullBudget == 1000)
        #expect(abs(c.fraction - 0.7) < 1e-12)
        #expect(c.prunedByStep == [Report.PrunedAtStep(step: 10, configurations: 1),
                                   Report.PrunedAtStep(step: 30, configurations: 1)])
    }

    @Test("compute by hand: four trials of 100 steps, two pruned at 10 and 30")
    func computeByHand() throws {
        let c = try StoreFixture.report([
            .done("sgd", 0.1, seed: 1, 0.4), .done("sgd", 0.1, seed: 2, 0.5),
            .pruned("sgd", 1.0, seed: 1, at: 10), .pruned("sgd", 1.0, seed: 2, at: 30),
        ]).compute
        // 100 + 100 + 10 + 30 = 240 of 4 × 100 = 400.
        #expect(c.stepsTrained == 240 && c.stepsFullBudget == 400)
        #expect(abs(c.fraction - 0.6) < 1e-12)
        #expect(c.prunedByStep.isEmpty)  // no decisions recorded
    }

    @Test("the stopped step wins over a curve that runs past it")
    func stoppedStepWins() throws {
        var trial = StoreFixture.Trial.pruned("sgd", 1.0, at: 30)
        trial.lastStep = 40  // a point reported after the decision
        let c = try StoreFixture.report([.done("sgd", 0.1, 0.4), trial]).compute
        #expect(c.stepsTrained == 130 && c.stepsFullBudget == 200)
    }

    @Test("the full budget is unknown until a trial is done")
    func computeUnknown() throws {
        let c = try StoreFixture.report([.pruned("sgd", 1.0, at: 10)]).compute
        #expect(c.stepsTrained == 10 && c.stepsFullBudget == 0 && c.fraction.isNaN && c.stepsPerTrial == nil)
        #expect(c.sentence.contains("not known yet"))
    }

    @Test("Markdown: statuses, compute and pruning in the header; decisions listed")
    func markdown() throws {
        let md = MarkdownReport.render(try Self.report())
        #expect(md.contains("10 trials: 6 done, 3 pruned, 1 cancelled."))
        #expect(md.contains("Compute: 700 of 1000 training steps (70.0 % of the full budget: 10 trials × 100 steps)."))
        #expect(md.contains("Early stopping pruned 2 configurations: 1 at step 10, 1 at step 30."))
        let header = try #require(md.range(of: "Compute:"))
        let ranking = try #require(md.range(of: "## fashion-mnist · logreg"))
        #expect(header.lowerBound < ranking.lowerBound)
        #expect(md.contains("## Early stopping"))
        #expect(md.contains("4 decisions, 2 stopped (2 promoted)."))
        #expect(md.contains("stopped — not among the best at step 30"))
        #expect(md.contains("pruned @ 10"))  // the full table's seeds column: 0/2 (2 pruned @ 10)
        #expect(md.contains("| pruned |"))  // the sensitivity table's pruned column
    }

    @Test("HTML: the compute line in the header and a decisions table")
    func html() throws {
        let html = HTMLReport.render(try Self.report())
        let compute = try #require(html.range(of: "<p class=\"compute\">Compute: 700 of 1000 training steps"))
        let firstTable = try #require(html.range(of: "<table>"))
        #expect(compute.lowerBound < firstTable.lowerBound)
        #expect(html.contains("Early stopping pruned 2 configurations: 1 at step 10, 1 at step 30."))
        #expect(html.contains("<h2>Early stopping</h2>"))
        for svg in HTMLReportTests.svgs(html) {
            #expect(SVGSummary.parse(svg) != nil, "not well-formed: \(svg.prefix(120))")
        }
    }

    @Test("results.json: decisions in order, compute, stopped_step; the existing fields unchanged")
    func json() throws {
        let report = try Self.report()
        let text = try JSONReport.render(report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(["sweep", "trials", "aggregates", "ranking", "wins", "sensitivity", "time_to_target", "methods",
                     "decisions", "compute"]).isSubset(of: Set(object.keys)))
        let decisions = try #require(object["decisions"] as? [[String: Any]])
        #expect(decisions.compactMap { $0["configuration"] as? String } == Self.decisions.map(\.configuration))
        #expect(decisions.compactMap { $0["step"] as? Int } == [10, 10, 10, 30])
        #expect(decisions.compactMap { $0["promoted"] as? Bool } == [true, false, true, false])
        #expect(Set(["time", "configuration", "group", "step", "value", "promoted", "detail"])
                    .isSubset(of: Set(decisions[0].keys)))
        let compute = try #require(object["compute"] as? [String: Any])
        #expect(compute["steps_trained"] as? Int == 700)
        #expect(compute["steps_full_budget"] as? Int == 1000)
        #expect(abs((compute["fraction"] as? Double ?? 0) - 0.7) < 1e-12)
        let trials = try #require(object["trials"] as? [[String: Any]])
        #expect(trials[0]["stopped_step"] as? Int == 10)
        #expect(trials[2]["stopped_step"] == nil)
        #expect(Set(["id", "parameters", "status", "attempts", "metrics", "curve"]).isSubset(of: Set(trials[0].keys)))
        let back = try JSONReport.decode(text)
        #expect(back.decisions == report.decisions && back.compute == report.compute)
        #expect(back.trials.map(\.stoppedStep) == report.trials.map(\.stoppedStep))
        #expect(back.aggregates.map(\.pruned) == report.aggregates.map(\.pruned))
        #expect(back.aggregates.map(\.stoppedStep) == report.aggregates.map(\.stoppedStep))
    }

    @Test("results.json written before decisions and compute existed still decodes")
    func oldJSON() throws {
        let text = try JSONReport.render(try StoreFixture.report())
        var object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        for key in ["decisions", "compute", "lr_sampling"] { object.removeValue(forKey: key) }
        if var aggregates = object["aggregates"] as? [[String: Any]] {
            for i in aggregates.indices {
                for key in ["pruned", "cancelled", "tuned"] { aggregates[i].removeValue(forKey: key) }
            }
            object["aggregates"] = aggregates
        }
        let old = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let back = try JSONReport.decode(old)
        #expect(back.decisions.isEmpty && back.aggregates.allSatisfy { $0.pruned == 0 && $0.tuned.isEmpty })
        // Computed from the trials: 16 done trials × 30 steps of 21 × 30.
        #expect(back.compute.stepsTrained == 480 && back.compute.stepsFullBudget == 630)
        #expect(!MarkdownReport.render(back).isEmpty)
    }

    @Test("results.csv gains stopped_step, one row per trial")
    func csv() throws {
        let lines = CSVReport.trials(try Self.report()).split(separator: "\n").map(String.init)
        #expect(lines.count == 1 + 10)
        #expect(lines[0].hasSuffix(",reason,stopped_step"))
        #expect(lines[1].hasPrefix("t0,pruned,") && lines[1].hasSuffix(",pruned by early stopping,10"))
        #expect(lines[3].hasPrefix("t2,done,") && lines[3].hasSuffix(","))
    }

    @Test("an old store, without the decisions table or stopped_step, still renders")
    func legacyStore() throws {
        let dir = try StoreFixture.makeLegacyStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try ReportData.load(path: dir + "/results.sqlite")
        #expect(data.trials.count == 21 && data.decisions.isEmpty)
        #expect(data.trials.allSatisfy { $0.stoppedStep == nil })
        let markdown = try ReportWriter.writeAll(data, to: dir)
        #expect(markdown.contains("21 trials: 16 done, 1 failed, 4 diverged."))
        #expect(markdown.contains(
            "Compute: 480 of 630 training steps (76.2 % of the full budget: 21 trials × 30 steps)."))
        #expect(!markdown.contains("Early stopping"))
        let report = try JSONReport.decode(try String(contentsOfFile: dir + "/results.json", encoding: .utf8))
        #expect(report.decisions.isEmpty)
        #expect(report.ranking.first?.entries.map(\.aggregate.optimizer) == ["adam", "sgd-hd", "sgd"])
    }
}
