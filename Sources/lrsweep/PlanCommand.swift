import ArgumentParser
import Foundation
import SweepKit

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Validate a sweep spec and show the trials it expands to, without running anything.",
        discussion: """
            Prints the trials per optimizer, the first configurations, the values drawn for each \
            distribution axis (random and sobol search), the budget in training steps and, with \
            early_stopping, the most it could save. A bad spec fails as `run` would (exit 1).

            Examples: lrsweep plan sweeps/random-lr.yaml
                      lrsweep plan sweeps/quickstart.yaml --json
            """)

    @Argument(help: "The sweep spec (YAML), e.g. sweeps/random-lr.yaml.")
    var spec: String

    @Option(name: .long, help: "Configurations to list.")
    var first: Int = 5

    @Flag(name: .long, help: """
        One JSON object: sweep, search, draws, search_seed, trials, configurations, combinations, seeds, \
        trials_per_optimizer, first_configurations, drawn, budget, early_stopping.
        """)
    var json = false

    func validate() throws {
        guard first >= 0 else { throw ValidationError("--first must be at least 0") }
    }

    func run() throws {
        let plan = try loadSpec(spec).plan(first: first)
        if json {
            printJSONLine(plan)
        } else {
            print(Self.text(plan))
        }
    }

    static func text(_ plan: SweepPlan) -> String {
        var lines: [String] = []
        let seeds = "\(plan.seeds.count) seed\(plan.seeds.count == 1 ? "" : "s") (\(list(plan.seeds)))"
        if let draws = plan.draws, let seed = plan.searchSeed {
            lines.append("\(plan.sweep): \(plan.search) search, \(draws) draws (seed \(seed)) for each of the "
                         + "\(plan.combinations) combinations of the list axes")
        } else {
            lines.append("\(plan.sweep): grid search")
        }
        lines.append("\(count(plan.trials)) trials = \(count(plan.configurations)) configurations × \(seeds)")
        lines.append("")
        lines.append("Trials per optimizer")
        let width = plan.trialsPerOptimizer.map(\.optimizer.count).max() ?? 0
        for o in plan.trialsPerOptimizer {
            lines.append("  " + o.optimizer.padding(toLength: width + 2, withPad: " ", startingAt: 0) + count(o.trials))
        }
        lines.append("")
        lines.append("First configurations (of \(count(plan.configurations)))")
        lines += plan.firstConfigurations.map { "  \($0)" }
        if !plan.drawn.isEmpty {
            lines.append("")
            lines.append("Drawn values")
            for axis in plan.drawn {
                let only = axis.condition.map { ", only where \($0)" } ?? ""
                let range = axis.min.map { "min \($0), max \(axis.max ?? $0)" } ?? "none"
                lines.append("  \(axis.key) (\(axis.distribution)\(only)): \(axis.values.count) distinct, \(range)")
                let shown = axis.values.prefix(40).map(\.description)
                let more = axis.values.count > shown.count ? " … (\(axis.values.count - shown.count) more)" : ""
                lines += wrapped(shown, indent: "    ", more: more)
            }
        }
        lines.append("")
        let b = plan.budget
        switch (b.totalSteps, b.stepsPerTrial) {
        case let (total?, perTrial?):
            lines.append("Budget: \(count(plan.trials)) trials × \(count(perTrial)) steps = \(count(total)) training "
                         + "steps (\(b.note))")
        case let (total?, nil):
            lines.append("Budget: \(count(total)) training steps over \(count(plan.trials)) trials of different "
                         + "lengths (\(b.note))")
        default:
            lines.append("Budget: not known before running: \(b.note)")
        }
        if let e = plan.earlyStopping {
            lines.append("")
            let eta = e.reduction.map { ", η \(number($0))" } ?? ""
            lines.append("Early stopping: \(e.method), grace \(count(e.grace)) steps\(eta), group by "
                         + "\(e.groupBy.isEmpty ? "nothing (one group)" : e.groupBy.joined(separator: ", ")): "
                         + "\(e.groups) group\(e.groups == 1 ? "" : "s") (largest \(e.largestGroup) configurations)")
            if !e.rungs.isEmpty { lines.append("  rungs at \(list(e.rungs)) steps") }
            if let saved = e.maximumSavedSteps, let minimum = e.minimumSteps, let fraction = e.maximumSavedFraction {
                lines.append("  saves at most \(count(saved)) steps (\(String(format: "%.1f", fraction * 100)) %), "
                             + "spending \(count(minimum)): \(e.note)")
            } else {
                lines.append("  \(e.note)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `12,345`.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func number(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)" }

    static func list(_ values: [Int]) -> String { values.map(String.init).joined(separator: ", ") }

    /// Words on lines of at most 100 columns.
    static func wrapped(_ words: [String], indent: String, more: String) -> [String] {
        var lines: [String] = [], line = indent
        for word in words {
            if line.count + word.count + 1 > 100 && line != indent {
                lines.append(line)
                line = indent
            }
            line += (line == indent ? "" : " ") + word
        }
        lines.append(line + more)
        return lines
    }
}
