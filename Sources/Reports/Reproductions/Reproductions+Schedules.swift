import Foundation
import SweepKit

extension Reproductions {
    /// AutoDrop (Teng, Wang & Choromanska, arXiv 2111.15317).
    enum AutoDrop {
        static let claim = """
            > Claims to check: ω rises then saturates and resets after each drop; final accuracy at least that \
            of the step schedule without tuning.
            > (ALGORITHMS.md §4)
            """

        /// What one AutoDrop trial's curves show: drops of `lr`, and ω around the first drop.
        struct Trace {
            var drops: Int
            /// ω at its first evaluation is below its largest value before the first drop.
            var rises: Bool
            /// After the first drop ω goes below its value just before the drop.
            var resets: Bool
        }

        static func trace(_ t: Report.TrialEntry) -> Trace? {
            guard let lr = t.curve["lr"], let omega = t.curve["angular_velocity"]?.filter({ $0.count == 2 && $0[1].isFinite }),
                  omega.count > 1 else { return nil }
            var dropSteps: [Double] = []
            for (a, b) in zip(lr, lr.dropFirst()) where b[1] < a[1] * 0.999 { dropSteps.append(b[0]) }
            let firstDrop = dropSteps.first ?? .infinity
            let before = omega.filter { $0[0] < firstDrop }.map { $0[1] }
            let after = omega.filter { $0[0] > firstDrop }.map { $0[1] }
            let rises = before.count > 1 && (before.max() ?? 0) > (before.first ?? 0)
            let resets = !after.isEmpty && (after.min() ?? .infinity) < (before.last ?? -.infinity)
            return Trace(drops: dropSteps.count, rises: rises, resets: resets)
        }

        static func section(_ r: Report?) -> String {
            var out = "\n## AutoDrop (Teng, Wang & Choromanska, arXiv 2111.15317)\n\n" + claim + "\n\n"
            out += "Quick form (`sweeps/reproductions/autodrop-quick.yaml`): mlp-small on 20,000 Fashion-MNIST "
            out += "images for 1,000 steps, snapshots every 50 steps (the paper: one per epoch, 200 epochs), "
            out += "θ₀ = 1°, E_extra = 3 snapshots; baseline Nesterov SGD with ×0.2 drops at 30/60/80 %; α₀ ∈ "
            out += "{0.05, 0.1}, 2 seeds.\n"
            guard let r else { return out + missing("autodrop") }
            out += "\n" + setup(r) + "\n\n### The angular velocity ω\n\n"
            let method = r.trials.filter { $0.parameters.optimizer == "autodrop" && $0.parameters.schedule != "multistep"
                && $0.status == .done }
            let traces = method.compactMap { t in trace(t).map { (t, $0) } }
            out += table(["trial", "α₀ · seed", "lr drops", "ω rises first", "ω falls after the first drop"],
                         traces.map { t, tr in
                             [t.id, "\(Format.lr(t.parameters.lr ?? .nan)) · \(t.parameters.seed ?? 0)", "\(tr.drops)",
                              tr.rises ? "yes" : "no", tr.drops == 0 ? "no drop" : tr.resets ? "yes" : "no"]
                         }) + "\n"
            let shape = traces.filter { $0.1.drops > 0 && $0.1.rises && $0.1.resets }.count
            out += Verdict.counting(shape, of: traces.count, "\(shape) of \(traces.count) AutoDrop runs show ω "
                + "rising, a drop of the rate, and ω falling after it.").line + "\n"
            out += "\n### Final \(r.sweep.metric) against the step schedule\n\n"
            var rows: [[String]] = []
            var asGood = 0
            for cell in r.cells {
                for lr in Array(Set(r.aggregates.filter { $0.cell == cell }.map(\.lr))).sorted() {
                    let a = r.aggregate(cell, "autodrop", lr: lr, variant: "schedule=constant")
                    let s = r.aggregate(cell, "sgdn", lr: lr, variant: "schedule=multistep")
                    guard let a, let s, a.n > 0, s.n > 0 else { continue }
                    let worse = WelchTest.compare(mean1: a.mean, std1: a.std, n1: a.n, mean2: s.mean, std2: s.std,
                                                  n2: s.n).map { $0.p < Ranking.alpha } ?? true
                    let ok = !r.sweep.goal.isBetter(s.mean, than: a.mean) || !worse
                    if ok { asGood += 1 }
                    rows.append(["\(cell)", Format.lr(lr), value(a), value(s), p(a, s),
                                 ok ? "yes" : "no"])
                }
            }
            out += table(["dataset · model", "α₀", "autodrop", "sgdn + multistep", "Welch p", "at least as good"],
                         rows) + "\n"
            return out + Verdict.counting(asGood, of: rows.count, "AutoDrop (no drop points tuned) ends at least "
                + "as good as the step schedule at the same α₀ (better mean, or not significantly worse at 5 %) "
                + "in \(asGood) of \(rows.count) cases.").line + "\n"
        }
    }

    /// The learned schedule (Xu et al., arXiv 1909.09712).
    enum RLSchedule {
        static let claim = """
            > Claims to check: better test results than the hand-designed schedules; a controller trained on one \
            dataset transfers to another.
            > (ALGORITHMS.md §3; the baseline it must beat: the best step-decay schedule over α₀ × decay period \
            × factor.)
            """

        static func section(_ r: Report?, steps: [(key: String, value: Report)]) -> String {
            var out = "\n## Learned schedule, rl-schedule (Xu et al., arXiv 1909.09712)\n\n" + claim + "\n\n"
            out += "Quick form (`sweeps/reproductions/rl-schedule-quick.yaml`): a controller trained on half the "
            out += "default budget (48 episodes of 300 steps of mlp-small on Fashion-MNIST), then mlp-small for "
            out += "300 steps at batch 256 from α₀ ∈ {1e-1 … 1e-4}, one seed, on Fashion-MNIST and (transfer) "
            out += "the MNIST subset; step decay on \(steps.count) of the paper's 12 (period, factor) cells.\n"
            guard let r else { return out + missing("rl-schedule") }
            out += "\n" + setup(r) + " Step-decay runs: " + steps.map { "`\($0.value.sweep.name)`" }
                .joined(separator: ", ") + ".\n\n"
            var rows: [[String]] = []
            for cell in r.cells {
                let rl = r.best(cell, "rl-schedule"), adam = r.best(cell, "adam")
                let step = steps.compactMap { s in s.value.best(cell, "adam").map { (s.value.sweep.name, $0) } }
                    .min { r.sweep.goal.isBetter($0.1.mean, than: $1.1.mean) }
                guard let rl else { continue }
                let better = step.map { r.sweep.goal.isBetter(rl.mean, than: $0.1.mean) } ?? false
                rows.append(["\(cell)", cell.dataset == "fashion-mnist" ? "trained here" : "transfer",
                             "\(value(rl)) @ \(Format.lr(rl.lr))",
                             adam.map { "\(value($0)) @ \(Format.lr($0.lr))" } ?? "–",
                             step.map { "\(value($0.1)) @ \(Format.lr($0.1.lr)) (\($0.0))" } ?? "not run",
                             better ? "yes" : "no"])
            }
            out += table(["dataset · model", "controller", "rl-schedule (best α₀)", "adam constant (best α₀)",
                          "best step decay", "rl-schedule better"], rows) + "\n"
            // A controller that only ever keeps the rate is constant Adam: say how often that happened.
            let pairs = r.aggregates.filter { $0.optimizer == "rl-schedule" && $0.n > 0 }.compactMap { rl in
                r.aggregate(rl.cell, "adam", lr: rl.lr, variant: rl.variant).map { (rl, $0) }
            }
            let same = pairs.filter { abs($0.0.mean - $0.1.mean) < 1e-9 }.count
            out += "\nrl-schedule ended exactly where constant Adam did (the controller never changed the rate) "
            out += "from \(same) of \(pairs.count) initial rates.\n"
            let trained = rows.filter { $0[1] != "transfer" }, transfer = rows.filter { $0[1] == "transfer" }
            let trainedWins = trained.filter { $0[5] == "yes" }.count
            let transferWins = transfer.filter { $0[5] == "yes" }.count
            out += "\nBetter than the best step decay on the dataset the controller was trained on:\n\n"
            out += Verdict.counting(trainedWins, of: trained.count, "rl-schedule's best final \(r.sweep.metric) is "
                + "below the best step decay's on \(trainedWins) of \(trained.count) such datasets.").line + "\n"
            out += "\nTransfer (the same controller on a dataset it never saw):\n\n"
            out += Verdict.counting(transferWins, of: transfer.count, "rl-schedule's best final "
                + "\(r.sweep.metric) is below the best step decay's on \(transferWins) of \(transfer.count) transfer "
                + "datasets. One seed per cell: differences below about 0.01 are within seed noise.").line + "\n"
            return out
        }
    }
}
