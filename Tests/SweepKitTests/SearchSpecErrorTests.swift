import SweepKit
import SweepTesting
import Testing

@Suite("search: and distribution axes: errors name file, line and column")
struct SearchSpecErrorTests {
    /// An engine grid whose lr line is `lr`, under `search`.
    static func engine(_ search: String, lr: String = "{log_uniform: [1.0e-5, 1.0]}", extra: String = "") -> String {
        """
        name: bad
        \(search)
        grid:
          optimizer: sgd
          lr: \(lr)
          dataset: mnist
          model: mlp\(extra)
        """
    }

    static let random = "search: {method: random, trials: 4}"

    static let cases: [BadSpec] = [
        BadSpec(name: "a distribution under grid search", yaml: engine("search: {method: grid}"), line: 5, column: 8,
                fragments: ["grid axis 'lr' draws from log_uniform, which needs random or sobol search",
                            "search: {method: random"]),
        BadSpec(name: "a distribution without a search section", yaml: engine("retries: 1"), line: 5, column: 8,
                fragments: ["needs random or sobol search", "search: {method: random"]),
        BadSpec(name: "random search without trials", yaml: engine("search: {method: random}"), line: 2, column: 1,
                fragments: ["random search needs 'trials'", "trials: 24"]),
        BadSpec(name: "sobol search without trials", yaml: engine("search: {method: sobol, seed: 1}"), line: 2,
                column: 1, fragments: ["sobol search needs 'trials'"]),
        BadSpec(name: "trials under grid search", yaml: engine("search: {method: grid, trials: 4}", lr: "0.1"),
                line: 2, column: 24, fragments: ["search.trials only applies to random and sobol search"]),
        BadSpec(name: "zero trials", yaml: engine("search: {method: random, trials: 0}"), line: 2, column: 34,
                fragments: ["search trials must be ≥ 1, got 0"]),
        BadSpec(name: "unknown search method", yaml: engine("search: {method: bayes}", lr: "0.1"), line: 2,
                column: 18, fragments: ["search method must be one of grid, random, sobol, got 'bayes'"]),
        BadSpec(name: "unknown search key", yaml: engine("search: {method: random, trails: 4}"), line: 2, column: 26,
                fragments: ["unknown key 'trails'", "did you mean 'trials'?", "method, trials, seed"]),
        BadSpec(name: "negative search seed", yaml: engine("search: {method: random, trials: 4, seed: -1}"), line: 2,
                column: 43, fragments: ["search seed must be ≥ 0, got -1"]),
        BadSpec(name: "random search with nothing to draw", yaml: engine(random, lr: "[0.1, 0.01]"), line: 2,
                column: 18, fragments: ["random search draws distribution axes, but the grid has none",
                                        "lr: {log_uniform: [1.0e-4, 1.0]}"]),
        BadSpec(name: "log_uniform from zero", yaml: engine(random, lr: "{log_uniform: [0, 1.0]}"), line: 5,
                column: 22, fragments: ["log_uniform needs 0 < a < b: a must be > 0, got 0.0"]),
        BadSpec(name: "log_uniform bounds reversed", yaml: engine(random, lr: "{log_uniform: [1.0, 1.0e-3]}"),
                line: 5, column: 21, fragments: ["log_uniform needs a < b, got [1.0, 0.001]"]),
        BadSpec(name: "uniform bounds equal", yaml: engine(random, lr: "{uniform: [0.5, 0.5]}"), line: 5,
                column: 17, fragments: ["uniform needs a < b, got [0.5, 0.5]"]),
        BadSpec(name: "uniform lr from zero", yaml: engine(random, lr: "{uniform: [0, 1.0]}"), line: 5, column: 18,
                fragments: ["lr must be > 0, got 0.0"]),
        BadSpec(name: "one bound only", yaml: engine(random, lr: "{log_uniform: [1.0e-3]}"), line: 5, column: 21,
                fragments: ["log_uniform takes two bounds [a, b]", "got a list"]),
        BadSpec(name: "a bound that is not a number", yaml: engine(random, lr: "{uniform: [small, 1.0]}"), line: 5,
                column: 18, fragments: ["the lower bound of uniform must be a finite number, got the string 'small'"]),
        BadSpec(name: "int_uniform for lr", yaml: engine(random, lr: "{int_uniform: [1, 3]}"), line: 5, column: 8,
                fragments: ["grid axis 'lr' takes real numbers: draw it from log_uniform or uniform, not int_uniform"]),
        BadSpec(name: "unknown distribution", yaml: engine(random, lr: "{loguniform: [1.0e-5, 1.0]}"), line: 5,
                column: 8, fragments: ["unknown distribution 'loguniform'", "did you mean 'log_uniform'?",
                                       "log_uniform, uniform, int_uniform, choice"]),
        BadSpec(name: "two distributions in one axis", yaml: engine(random, lr: "{uniform: [0.1, 1], choice: [0.1]}"),
                line: 5, column: 7, fragments: ["must be a list of values, a single value, or one distribution"]),
        BadSpec(name: "a numeric distribution for a name",
                yaml: engine(random, extra: "\n  schedule: {uniform: [1, 2]}"),
                line: 8, column: 14, fragments: ["grid axis 'schedule' can't be drawn from uniform",
                                                  "only lr and numeric METHOD.OPTION axes", "choice: [...]"]),
        BadSpec(name: "an empty choice", yaml: engine(random, extra: "\n  schedule: {choice: []}"), line: 8,
                column: 22, fragments: ["choice must be a non-empty list of values"]),
        BadSpec(name: "a repeated choice", yaml: engine(random, extra: "\n  schedule: {choice: [step, cosine, step]}"),
                line: 8, column: 37, fragments: ["duplicate value step in the choice of grid axis 'schedule'"]),
        BadSpec(name: "an unknown name in a choice",
                yaml: engine(random, extra: "\n  schedule: {choice: [step, cosin]}"),
                line: 8, column: 29, fragments: ["unknown schedule 'cosin'", "did you mean 'cosine'?"]),
        BadSpec(name: "an option drawn out of its range", yaml: engine(random + "\ntrain: {schedule: step}",
                                                                      extra: "\n  step.gamma: {uniform: [0.1, 1.5]}"),
                line: 9, column: 31, fragments: ["schedule 'step': gamma must be ≤ 1.0, got 1.5"]),
        BadSpec(name: "an integer option drawn as reals", yaml: engine(random + "\ntrain: {schedule: plateau}",
                                                                      extra: "\n  plateau.patience: {uniform: [1, 5]}"),
                line: 9, column: 22,
                fragments: ["grid axis 'plateau.patience' takes integers: draw it from int_uniform"]),
        BadSpec(name: "a boolean option drawn from a distribution",
                yaml: engine(random, extra: "\n  sgd.x: 1").replacingOccurrences(of: "optimizer: sgd\n",
                                                                            with: "optimizer: sgd-hd\n")
                    .replacingOccurrences(of: "  sgd.x: 1", with: "  sgd-hd.multiplicative: {uniform: [0, 1]}"),
                line: 8, column: 27, fragments: ["option 'multiplicative' is boolean, not a number"]),
        BadSpec(name: "int_uniform bounds reversed", yaml: """
            name: bad
            search: {method: random, trials: 3}
            grid:
              lr: 0.1
              layers: {int_uniform: [4, 1]}
            trainer: {command: [./train]}
            """, line: 5, column: 25, fragments: ["int_uniform needs integers a ≤ b, got [4, 1]"]),
        BadSpec(name: "int_uniform with a fraction", yaml: """
            name: bad
            search: {method: random, trials: 3}
            grid:
              lr: 0.1
              layers: {int_uniform: [1.5, 4]}
            trainer: {command: [./train]}
            """, line: 5, column: 26, fragments: ["the lower bound of int_uniform must be an integer, got 1.5"]),
    ]

    @Test("a bad search or distribution fails at the offending key or value", arguments: cases)
    func pointsAtTheMistake(_ bad: BadSpec) {
        bad.expectFailure()
    }

    @Test("sobol search takes up to maxDimensions distribution axes and says so beyond")
    func sobolDimensions() throws {
        func spec(_ axes: Int) -> String {
            let keys = (1...axes).map { "  k\($0): {uniform: [0, 1]}" }.joined(separator: "\n")
            return "name: wide\nsearch: {method: sobol, trials: 4}\ngrid:\n  lr: 0.1\n\(keys)\n"
                + "trainer: {command: [./t]}\n"
        }
        let max = SobolSequence.maxDimensions
        #expect(max >= 8)
        let ok = try SweepSpec.parse(text: spec(max), file: "wide.yaml", catalog: Fixtures.catalog)
        #expect(ok.trialCount == 4)
        let error = #expect(throws: SpecError.self) {
            try SweepSpec.parse(text: spec(max + 1), file: "wide.yaml", catalog: Fixtures.catalog)
        }
        #expect(error?.line == 4 + max + 1)
        #expect(error?.column == 3)
        #expect(error?.message.contains("sobol search supports at most \(max) distribution axes") == true)
        // Random search has no such limit.
        let random = spec(max + 1).replacingOccurrences(of: "method: sobol", with: "method: random")
        #expect(try SweepSpec.parse(text: random, file: "wide.yaml", catalog: Fixtures.catalog).trialCount == 4)
    }
}
