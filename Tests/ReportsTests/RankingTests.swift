import Foundation
import SweepKit
import Testing
@testable import Reports

@Suite("Ranking, significance marks and win counts")
struct RankingTests {
    func aggregate(_ optimizer: String, lr: Double = 0.1, mean: Double, std: Double, n: Int,
                   dataset: String = "d", model: String = "m", diverged: Int = 0) -> Aggregate {
        Aggregate(dataset: dataset, model: model, optimizer: optimizer, lr: lr, variant: "", seeds: n + diverged,
                  n: n, mean: mean, std: std, ciLow: nil, ciHigh: nil, diverged: diverged, failed: 0, pending: 0,
                  accuracy: nil)
    }

    @Test("the fixture: adam wins, sgd-hd is not significantly different, sgd is worse")
    func fixture() throws {
        let report = try StoreFixture.report()
        let cell = try #require(report.ranking.first)
        #expect(report.ranking.count == 1)
        #expect(cell.entries.map(\.aggregate.optimizer) == ["adam", "sgd-hd", "sgd"])
        #expect(cell.entries.map(\.aggregate.lr) == [0.01, 0.1, 0.1])
        #expect(cell.entries.map(\.significance) == [.winner, .notSignificant, .worse])
        // Welch p-values from scipy.stats.ttest_ind(equal_var=False): sgd-hd vs adam 0.5611508812400852,
        // sgd vs adam 0.0315776404625473.
        #expect(abs((cell.entries[1].welch?.p ?? 0) - 0.5611508812400852) < 1e-9)
        #expect(abs((cell.entries[2].welch?.p ?? 0) - 0.0315776404625473) < 1e-9)
        #expect(cell.entries[0].welch == nil)
    }

    @Test("each optimizer appears once, at its best LR; an all-diverged LR never wins")
    func bestLR() {
        let aggregates = [
            aggregate("sgd", lr: 1, mean: .nan, std: 0, n: 0, diverged: 3),
            aggregate("sgd", lr: 0.1, mean: 0.4, std: 0.01, n: 3),
            aggregate("sgd", lr: 0.01, mean: 0.3, std: 0.01, n: 3),
        ]
        let best = Ranking.bestPerOptimizer(aggregates, goal: .minimize)
        #expect(best.count == 1 && best.first?.lr == 0.01)
        #expect(Ranking.bestPerOptimizer(aggregates, goal: .maximize).first?.lr == 0.1)
    }

    @Test("maximize ranks the highest mean first")
    func maximize() {
        let cells = Ranking.rank([aggregate("a", mean: 0.80, std: 0.01, n: 3),
                                  aggregate("b", mean: 0.90, std: 0.01, n: 3)], goal: .maximize)
        #expect(cells.first?.entries.map(\.aggregate.optimizer) == ["b", "a"])
        // t = 0.1 / √(2 · 0.0001/3) = 12.25 on 4 df: far below 5 %.
        #expect(cells.first?.entries.last?.significance == .worse)
    }

    @Test("entries with one seed are untested, and an optimizer with no finished seed ranks last")
    func untested() {
        let cells = Ranking.rank([aggregate("a", mean: 0.5, std: 0, n: 1),
                                  aggregate("b", mean: .nan, std: 0, n: 0, diverged: 2),
                                  aggregate("c", mean: 0.4, std: 0.01, n: 3)], goal: .minimize)
        let entries = cells.first?.entries ?? []
        #expect(entries.map(\.aggregate.optimizer) == ["c", "a", "b"])
        #expect(entries.map(\.significance) == [.winner, .untested, .untested])
        #expect(entries.map(\.rank) == [1, 2, 3])
    }

    @Test("cells are ranked separately and wins are counted across them")
    func wins() {
        let aggregates = [
            aggregate("sgd", mean: 0.5, std: 0.01, n: 3, model: "logreg"),
            aggregate("adam", mean: 0.4, std: 0.01, n: 3, model: "logreg"),
            aggregate("sgd", mean: 0.3, std: 0.05, n: 3, model: "mlp"),
            aggregate("adam", mean: 0.31, std: 0.05, n: 3, model: "mlp"),
            aggregate("sgd", mean: 0.2, std: 0.01, n: 3, model: "lenet"),
            aggregate("adam", mean: 0.1, std: 0.01, n: 3, model: "lenet"),
        ]
        let cells = Ranking.rank(aggregates, goal: .minimize)
        #expect(cells.map(\.model) == ["logreg", "mlp", "lenet"])
        // mlp: t = 0.01 / √(2 · 0.0025 / 3) = 0.245, nowhere near significant.
        #expect(cells[1].entries.map(\.significance) == [.winner, .notSignificant])
        let wins = Ranking.wins(cells)
        #expect(wins.map(\.optimizer) == ["adam", "sgd"])
        #expect(wins.map(\.wins) == [2, 1])
        #expect(wins.map(\.winsOrTies) == [3, 1])
        #expect(wins.allSatisfy { $0.cells == 3 })
    }
}
