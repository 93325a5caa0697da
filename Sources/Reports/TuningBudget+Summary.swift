import Foundation
import SweepKit

extension TuningBudget {
    /// The tuning-budget curves of one cell, optimizers in the order they first appear.
    static func byOptimizer(_ curves: [TuningBudget], cell: CellKey) -> [(optimizer: String, points: [TuningBudget])] {
        var out: [(optimizer: String, points: [TuningBudget])] = []
        for p in curves where p.cell == cell {
            if let i = out.firstIndex(where: { $0.optimizer == p.optimizer }) {
                out[i].points.append(p)
            } else {
                out.append((p.optimizer, [p]))
            }
        }
        return out
    }

    /// The value of a curve at budget `k`: its point at k, or, beyond its own grid, its last point (every
    /// configuration tried); nil where the curve has no point at k (sparse budgets of a large grid).
    static func value(_ points: [TuningBudget], at k: Int) -> TuningBudget? {
        if let p = points.first(where: { $0.k == k }) { return p }
        if let last = points.last, k > last.k { return last }
        return nil
    }

    /// Cells that have tuning-budget curves, in report order.
    static func cells(_ curves: [TuningBudget]) -> [CellKey] {
        var cells: [CellKey] = []
        for p in curves where !cells.contains(p.cell) { cells.append(p.cell) }
        return cells
    }

    /// The budgets the tables show: 1, 2, 4 and K (the largest grid in the cell), without repeats.
    static func tableBudgets(_ curves: [TuningBudget], cell: CellKey) -> [Int] {
        let kMax = curves.filter { $0.cell == cell }.map(\.k).max() ?? 1
        var ks: [Int] = []
        for k in [1, 2, 4, kMax] where k <= kMax && !ks.contains(k) { ks.append(k) }
        return ks
    }

    /// Header and rows of a cell's tuning-budget table: one row per optimizer, one column per budget,
    /// `expected best [low, high]`; `·` where the curve has no point at that budget.
    static func table(_ curves: [TuningBudget], cell: CellKey) -> (header: [String], rows: [[String]]) {
        let ks = tableBudgets(curves, cell: cell)
        let header = ["optimizer"] + ks.map { "k = \($0)" }
        let rows = byOptimizer(curves, cell: cell).map { opt, points in
            [opt] + ks.map { k in
                guard let p = value(points, at: k) else { return "·" }
                let band = p.low == p.high ? "" : " [\(Format.value(p.low)), \(Format.value(p.high))]"
                return Format.value(p.expectedBest) + band
            }
        }
        return (header, rows)
    }

    /// The optimizer with the best expected value at each budget of the cell (ties: first seen).
    static func winners(_ curves: [TuningBudget], cell: CellKey, goal: Goal) -> [(k: Int, optimizer: String)] {
        let opts = byOptimizer(curves, cell: cell)
        let ks = Array(Set(curves.filter { $0.cell == cell }.map(\.k))).sorted()
        return ks.compactMap { k in
            var best: (String, Double)?
            for (opt, points) in opts {
                guard let p = value(points, at: k) else { continue }
                if best == nil || goal.isBetter(p.expectedBest, than: best?.1 ?? .nan) { best = (opt, p.expectedBest) }
            }
            return best.map { (k, $0.0) }
        }
    }

    /// Who wins at each budget, in words: `adam is best at k = 1–2, sgd from k = 3 on (K = 3).`
    static func sentence(_ curves: [TuningBudget], cell: CellKey, goal: Goal) -> String {
        let w = winners(curves, cell: cell, goal: goal)
        guard let lastK = w.last?.k else { return "No configuration has finished yet." }
        var runs: [(optimizer: String, from: Int, to: Int)] = []
        for (k, opt) in w {
            if let last = runs.last, last.optimizer == opt {
                runs[runs.count - 1].to = k
            } else {
                runs.append((opt, k, k))
            }
        }
        if runs.count == 1 {
            return "\(runs[0].optimizer) has the best expected result at every budget (k = 1 … \(lastK))."
        }
        let parts = runs.enumerated().map { i, r -> String in
            if i == runs.count - 1 { return "\(r.optimizer) from k = \(r.from) on" }
            return r.from == r.to ? "\(r.optimizer) at k = \(r.from)" : "\(r.optimizer) at k = \(r.from)–\(r.to)"
        }
        let changes = runs.dropFirst().map { "k = \($0.from)" }.joined(separator: ", ")
        return "Best expected result: " + parts.joined(separator: ", ") + " (K = \(lastK)); the winner changes at "
            + changes + "."
    }
}
