import Foundation
import SweepKit

extension Reproductions {
    /// Hypergradient descent (Baydin et al., ICLR 2018).
    enum Hypergradient {
        static let claim = """
            > The paper's central claim: HD variants converge faster and depend much less on α_0.
            > (ALGORITHMS.md §1; issue #16 states it as: SGD-HD beats SGD at α₀ = 1e-3, and the HD variants \
            depend less on α₀.)
            """
        static let pairs = [("sgd", "sgd-hd"), ("sgdn", "sgdn-hd"), ("adam", "adam-hd")]

        static func section(_ r: Report?) -> String {
            var out = "\n## Hypergradient descent (Baydin et al., ICLR 2018)\n\n" + claim + "\n\n"
            out += "Quick form (`sweeps/reproductions/hypergradient-quick.yaml`): the paper's optimizers, β and "
            out += "weight decay, α₀ ∈ {1e-1, 1e-2, 1e-3, 1e-4}, 200 steps instead of 3–100 epochs, `mlp-small` "
            out += "instead of 784-1000-1000-10.\n"
            guard let r else { return out + missing("hypergradient") }
            out += "\n" + setup(r) + "\n"
            // Claim 1: SGD-HD beats SGD at α₀ = 1e-3.
            var rows: [[String]] = []
            var better = 0, significant = 0
            for cell in r.cells {
                let sgd = r.aggregate(cell, "sgd", lr: 1e-3), hd = r.aggregate(cell, "sgd-hd", lr: 1e-3)
                guard let sgd, let hd, sgd.n > 0, hd.n > 0 else { continue }
                let wins = r.sweep.goal.isBetter(hd.mean, than: sgd.mean)
                let test = WelchTest.compare(mean1: hd.mean, std1: hd.std, n1: hd.n, mean2: sgd.mean, std2: sgd.std,
                                             n2: sgd.n)
                if wins { better += 1 }
                if wins, let test, test.p < Ranking.alpha { significant += 1 }
                rows.append(["\(cell)", wins ? "sgd-hd" : "sgd", value(sgd), value(hd), p(sgd, hd)])
            }
            out += "\n### SGD-HD against SGD at α₀ = 1e-3 (final \(r.sweep.metric))\n\n"
            out += table(["dataset · model", "better", "sgd", "sgd-hd", "Welch p"], rows) + "\n"
            out += Verdict.counting(better, of: rows.count, "SGD-HD has the better mean in \(better) of \(rows.count) "
                + "cells (\(significant) significantly at 5 %).").line + "\n"
            // Claim 2: less dependence on α₀ (median gap to the best over the α₀ grid).
            var sensRows: [[String]] = []
            var less = 0
            for cell in r.cells {
                for (base, hd) in pairs {
                    guard let b = sensitivity(r, cell, base), let h = sensitivity(r, cell, hd) else { continue }
                    if h.robustness < b.robustness { less += 1 }
                    sensRows.append(["\(cell)", "\(base) → \(hd)", Format.value(b.gap), Format.value(h.gap),
                                     Format.value(b.robustness), Format.value(h.robustness)])
                }
            }
            out += "\n### Dependence on α₀: gap from the best to the worst α₀, and the median gap over the grid\n\n"
            out += table(["dataset · model", "pair", "gap (base)", "gap (HD)", "median gap (base)", "median gap (HD)"],
                         sensRows) + "\n"
            out += Verdict.counting(less, of: sensRows.count, "The HD variant has the smaller median gap over "
                + "α₀ in \(less) of \(sensRows.count) optimizer pairs × cells (∞: every seed at some α₀ "
                + "diverged).").line + "\n"
            return out
        }

        static func sensitivity(_ r: Report, _ cell: CellKey, _ optimizer: String) -> Sensitivity? {
            r.sensitivity.first { $0.dataset == cell.dataset && $0.model == cell.model && $0.optimizer == optimizer }
        }
    }

    /// Our structured self-adaptive rate against SGD-HD.
    enum SALR {
        static let claim = """
            > Its comparison target is the abstract's claim: lower validation loss than HD at equal steps.
            > (ALGORITHMS.md §2: `salr` is our own design after the abstract of Chen, Wang & Ba, arXiv 2210.10290.)
            """

        static func section(_ r: Report?) -> String {
            var out = "\n## SALR, our structured self-adaptive rate (after Chen, Wang & Ba)\n\n" + claim + "\n\n"
            out += "Quick form (`sweeps/reproductions/salr-quick.yaml`): `salr` (sgd base), `sgd-hd` and "
            out += "`adam-hd` on Fashion-MNIST, logreg and mlp-small, α₀ ∈ {1e-1 … 1e-4}, 400 steps instead of "
            out += "3 epochs, 2 seeds.\n"
            guard let r else { return out + missing("salr") }
            out += "\n" + setup(r) + "\n\n"
            var rows: [[String]] = []
            var wins = 0, significant = 0
            for cell in r.cells {
                let s = r.best(cell, "salr"), h = r.best(cell, "sgd-hd"), a = r.best(cell, "adam-hd")
                guard let s, let h else { continue }
                let better = r.sweep.goal.isBetter(s.mean, than: h.mean)
                if better { wins += 1 }
                if better, let t = WelchTest.compare(mean1: s.mean, std1: s.std, n1: s.n, mean2: h.mean, std2: h.std,
                                                     n2: h.n), t.p < Ranking.alpha { significant += 1 }
                rows.append(["\(cell)", better ? "salr" : "sgd-hd", "\(value(s)) @ \(Format.lr(s.lr))",
                             "\(value(h)) @ \(Format.lr(h.lr))", p(s, h),
                             a.map { "\(value($0)) @ \(Format.lr($0.lr))" } ?? "–"])
            }
            out += table(["dataset · model", "better", "salr (best α₀)", "sgd-hd (best α₀)", "Welch p",
                          "adam-hd (best α₀)"], rows) + "\n"
            return out + Verdict.counting(wins, of: rows.count, "At its best α₀, salr has the lower final "
                + "\(r.sweep.metric) than sgd-hd at its best α₀ in \(wins) of \(rows.count) cells (same steps; "
                + "\(significant) significantly at 5 %).").line
                + "\n"
        }
    }
}
