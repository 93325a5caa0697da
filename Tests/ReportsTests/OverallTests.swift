import Foundation
import SweepKit
import Testing
@testable import Reports

@Suite("All tasks at once: mean rank, pairwise record, performance profile, divergence")
struct OverallTests {
    @Test("mean rank and pairwise record on a hand-made store")
    func meanRankAndPairwise() throws {
        let o = Report(try MultiCellFixture.load()).overall
        // sgd ranks 1, 2, 1.5 (equal means in mnist · logreg share 1.5); adam 2, 1, 1.5.
        let ranks = Dictionary(uniqueKeysWithValues: o.meanRank.map { ($0.optimizer, $0) })
        #expect(ranks["sgd"]?.meanRank == 1.5 && ranks["adam"]?.meanRank == 1.5)
        #expect(ranks["sgd"]?.cells == 3)
        for r in o.meanRank { #expect(r.low >= 1 && r.high <= 2 && r.low <= r.high) }
        // Welch (t ≈ 7.07, df = 2, p ≈ 0.019) separates the first two cells; the third is a tie.
        let sgd = try #require(o.pairwise.first { $0.optimizer == "sgd" && $0.opponent == "adam" })
        #expect((sgd.wins, sgd.ties, sgd.losses) == (1, 1, 1))
        let adam = try #require(o.pairwise.first { $0.optimizer == "adam" && $0.opponent == "sgd" })
        #expect((adam.wins, adam.ties, adam.losses) == (1, 1, 1))
    }

    @Test("the mean-rank interval is deterministic for a seed")
    func bootstrapSeeded() {
        let report = Report(MultiCellFixtureData.shared)
        let a = Overall.of(report.ranking, goal: .minimize, values: report.seedValues, seed: 3)
        let b = Overall.of(report.ranking, goal: .minimize, values: report.seedValues, seed: 3)
        #expect(a == b)
    }

    @Test("performance profile: ratios to the cell's best and the fraction within τ")
    func profile() throws {
        let o = Report(try MultiCellFixture.load()).overall
        let sgd = try #require(o.profile.first { $0.optimizer == "sgd" })
        let adam = try #require(o.profile.first { $0.optimizer == "adam" })
        #expect(zip(sgd.ratios, [1, 0.31 / 0.21, 1]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(zip(adam.ratios, [0.51 / 0.41, 1, 1]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(abs(sgd.fraction(at: 1) - 2.0 / 3) < 1e-12 && abs(sgd.fraction(at: 1.4) - 2.0 / 3) < 1e-12)
        #expect(sgd.fraction(at: 1.5) == 1)
        #expect(abs(adam.fraction(at: 1.2) - 2.0 / 3) < 1e-12 && adam.fraction(at: 1.25) == 1)
        #expect(sgd.points.map(\.fraction).last == 1)
    }

    @Test("a maximised metric uses best / value, and an absent optimizer never counts")
    func profileMaximize() throws {
        var rows = MultiCellFixture.standard.filter { $0.value != nil }
        rows.append(.init(dataset: "mnist", model: "logreg", optimizer: "sgd-hd", lr: 0.1, seed: 1, value: 0.3))
        let o = Report(try MultiCellFixture.load(metric: "val_accuracy", goal: .maximize, rows: rows)).overall
        let hd = try #require(o.profile.first { $0.optimizer == "sgd-hd" })
        // Maximising, each optimizer's best rate is its highest value: sgd 0.71 (lr 0.01), adam 0.91 (lr 0.1) in
        // every cell, so adam is best everywhere; sgd-hd (0.3) ran in mnist · logreg only.
        #expect(hd.ratios.filter(\.isInfinite).count == 2)
        #expect(abs((hd.ratios.first(where: \.isFinite) ?? 0) - 0.91 / 0.3) < 1e-9)
        let adam = try #require(o.profile.first { $0.optimizer == "adam" })
        #expect(adam.ratios == [1, 1, 1] && adam.fraction(at: 1) == 1)
        let sgd = try #require(o.profile.first { $0.optimizer == "sgd" })
        #expect(sgd.ratios.allSatisfy { abs($0 - 0.91 / 0.71) < 1e-9 })
    }

    @Test("divergence: the share of the rate grid that diverged and the largest stable rate")
    func divergence() throws {
        let d = Report(try MultiCellFixture.load()).divergence
        let sgd = try #require(d.first { $0.model == "logreg" && $0.dataset == "fashion-mnist" && $0.optimizer == "sgd" })
        #expect(sgd.configurations == 3 && sgd.diverged == 1 && sgd.divergedSeeds == 2)
        #expect(abs(sgd.fraction - 1.0 / 3) < 1e-12 && sgd.largestStableLR == 0.1)
        let adam = try #require(d.first { $0.model == "logreg" && $0.dataset == "fashion-mnist" && $0.optimizer == "adam" })
        #expect(adam.diverged == 0 && adam.largestStableLR == 0.1)
    }

    @Test("reports show the all-tasks summary with more than one cell, and results.json round-trips it")
    func rendered() throws {
        let report = Report(try MultiCellFixture.load())
        let md = MarkdownReport.render(report)
        #expect(md.contains("## All tasks (3 dataset × model cells)"))
        #expect(md.contains("## Tuning budget") && md.contains("## Divergence"))
        let html = HTMLReport.render(report)
        let profile = try #require(HTMLReportTests.svgs(html).first { $0.contains("performance profile") })
        let parsed = try #require(SVGSummary.parse(profile))
        #expect(parsed.series == ["sgd", "adam"])
        #expect(parsed.axisClasses.sorted() == ["axis x", "axis y"])
        for svg in HTMLReportTests.svgs(html) { #expect(SVGSummary.parse(svg) != nil) }
        let back = try JSONReport.decode(try JSONReport.render(report))
        #expect(back.tuningBudget == report.tuningBudget && back.overall == report.overall)
        #expect(back.divergence == report.divergence)
        let json = try JSONReport.render(report)
        #expect(json.contains("\"tuning_budget\"") && json.contains("\"expected_best\"") && json.contains("\"mean_rank\""))
        // One cell: no all-tasks section.
        #expect(!MarkdownReport.render(try StoreFixture.report()).contains("## All tasks"))
    }

    @Test("the sensitivity chart marks diverged configurations at their rate")
    func divergedMarks() throws {
        let report = try StoreFixture.report()
        let charts = ReportCharts(report)
        let cell = try #require(report.ranking.first)
        let chart = try #require(charts.sensitivity(cell))
        // sgd at lr 1 (all seeds) and adam at lr 0.1 (one seed).
        let diverged = chart.markers.filter { $0.text == "†" }
        #expect(Set(diverged.map(\.x)) == [1.0, 0.1])
        #expect(SVGSummary.parse(chart.render()) != nil)
    }
}
