import SweepKit
import SweepTesting
import Testing

/// A spec with one mistake, and where and how the parser must report it.
struct BadSpec: Sendable, CustomTestStringConvertible {
    let name: String
    let yaml: String
    let line: Int
    let column: Int
    /// Pieces the message must contain: what was wrong and what was expected.
    let fragments: [String]

    var testDescription: String { name }
}

extension BadSpec {
    /// Parsing fails with a ``SpecError`` at this case's file, line and column, and its message
    /// holds every fragment (shared by every table of bad specs).
    func expectFailure(sourceLocation: SourceLocation = #_sourceLocation) {
        let yaml = self.yaml
        let error = #expect(throws: SpecError.self, sourceLocation: sourceLocation) {
            try SweepSpec.parse(text: yaml, file: "bad.yaml", catalog: Fixtures.catalog)
        }
        guard let error else { return }
        #expect(error.file == "bad.yaml", sourceLocation: sourceLocation)
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        #expect(error.column == column, "\(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "message '\(error.message)' lacks '\(fragment)'",
                    sourceLocation: sourceLocation)
        }
    }
}

@Suite("Spec errors name file, line and column, and say what was expected")
struct SpecErrorTests {
    static let cases: [BadSpec] = [
        BadSpec(name: "unknown top-level key", yaml: """
            name: bad
            grid:
              optimizer: [sgd, adam]
              lr: [0.1, 0.01]
              dataset: fashion-mnist
              model: mlp
            optimiser: {}
            """, line: 7, column: 1,
            fragments: ["unknown key 'optimiser'", "did you mean 'optimizers'?",
                        "name, metric, goal, grid, seeds, train, optimizers, retries, trainer"]),
        BadSpec(name: "unknown optimizer", yaml: """
            name: bad
            grid:
              optimizer: [sgd, adamm]
              lr: [0.1, 0.01]
              dataset: fashion-mnist
              model: mlp
            """, line: 3, column: 20,
            fragments: ["unknown optimizer 'adamm'", "did you mean 'adam'?",
                        "known optimizers: sgd, momentum, sgdn, adam, adamw, rmsprop, sgd-hd, sgdn-hd, adam-hd, "
                            + "salr, autodrop, rl-schedule"]),
        BadSpec(name: "wrong type in train", yaml: """
            name: bad
            grid:
              optimizer: sgd
              lr: 0.1
              dataset: fashion-mnist
              model: mlp
            train:
              batch_size: big
            """, line: 8, column: 15,
            fragments: ["batch_size must be an integer > 0, got the string 'big'"]),
        BadSpec(name: "empty grid axis", yaml: """
            name: bad
            grid:
              optimizer: [sgd, adam]
              lr: []
              dataset: fashion-mnist
              model: mlp
            """, line: 4, column: 7,
            fragments: ["empty grid axis 'lr'", "at least one value"]),
        BadSpec(name: "lr not positive", yaml: """
            name: bad
            grid:
              optimizer: [sgd, adam]
              lr: [0.1, 0]
              dataset: fashion-mnist
              model: mlp
            """, line: 4, column: 13,
            fragments: ["lr must be > 0, got 0"]),
        BadSpec(name: "unknown optimizer option", yaml: """
            name: bad
            grid: {optimizer: sgd-hd, lr: 0.1, dataset: mnist, model: mlp}
            optimizers:
              sgd-hd: {hyper_lr: 1.0e-3, hyperlr: 2}
            """, line: 4, column: 30,
            fragments: ["unknown option 'hyperlr'", "did you mean 'hyper_lr'?",
                        "known options of optimizer 'sgd-hd': hyper_lr, multiplicative, lr_bounds"]),
        BadSpec(name: "optimizer option out of range", yaml: """
            name: bad
            grid: {optimizer: adam, lr: 0.1, dataset: mnist, model: mlp}
            optimizers:
              adam: {beta1: 1.5}
            """, line: 4, column: 17,
            fragments: ["optimizer 'adam': beta1 must be ≤ 0.999999, got 1.5"]),
        BadSpec(name: "missing required grid key", yaml: """
            name: bad
            grid:
              optimizer: [sgd, adam]
              lr: [0.1, 0.01]
              dataset: fashion-mnist
            """, line: 2, column: 1,
            fragments: ["grid is missing 'model'", "without a `trainer:` section",
                        "optimizer, lr, dataset, model"]),
        BadSpec(name: "YAML syntax error", yaml: """
            name: bad
            grid:
              optimizer: [sgd, adam
              lr: 0.1
            """, line: 4, column: 5,
            fragments: ["YAML syntax error: while parsing a flow sequence at 3:14, did not find expected ',' or ']'"]),
        BadSpec(name: "bad trainer placeholder", yaml: """
            name: bad
            grid:
              lr: [0.1]
            trainer:
              command: [python3, train.py, --lr, "{lr}", --mom, "{momentum}"]
            """, line: 5, column: 53,
            fragments: ["unknown placeholder '{momentum}'", "{lr}, {seed}, {trial_id}, {out_dir}"]),
        BadSpec(name: "extra grid key without trainer", yaml: """
            name: bad
            grid:
              optimizer: [sgd, adam]
              lr: [0.1, 0.01]
              dataset: fashion-mnist
              model: mlp
              dropout: [0.1, 0.3]
            """, line: 7, column: 3,
            fragments: ["grid key 'dropout' is not a parameter of the built-in engine",
                        "extra grid keys are only allowed with a `trainer:` section"]),
        BadSpec(name: "unknown model", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: lenet}
            """, line: 2, column: 56,
            fragments: ["unknown model 'lenet'", "did you mean 'lenet5'?",
                        "known models: logreg, mlp, mlp-small, lenet5, resnet, resnet8, resnet14, resnet20, "
                            + "mlp-N-N… (e.g. mlp-256-128)"]),
        BadSpec(name: "unknown dataset", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: 0.1, dataset: imagenet, model: mlp}
            """, line: 2, column: 42,
            fragments: ["unknown dataset 'imagenet'", "known datasets: fashion-mnist, mnist, cifar10, synthetic"]),
        BadSpec(name: "unknown schedule in a grid axis", yaml: """
            name: bad
            grid:
              optimizer: sgd
              lr: 0.1
              dataset: mnist
              model: mlp
              schedule: [constant, cosin]
            """, line: 7, column: 24,
            fragments: ["unknown schedule 'cosin'", "did you mean 'cosine'?",
                        "known schedules: constant, step, multistep, exponential, cosine, plateau, warmup"]),
        BadSpec(name: "schedule option of a schedule not in use", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            train:
              schedule: cosine
              schedule_options: {gamma: 0.5}
            """, line: 5, column: 22,
            fragments: ["unknown option 'gamma'", "known options of schedule 'cosine': min_factor"]),
        BadSpec(name: "schedule option out of range", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            train:
              schedule: step
              schedule_options:
                step_size: 50
                gamma: 2
            """, line: 7, column: 12,
            fragments: ["schedule 'step': gamma must be ≤ 1.0, got 2.0"]),
        BadSpec(name: "real plateau option out of range", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            train:
              schedule: plateau
              schedule_options: {patience: 5, threshold: 2}
            """, line: 5, column: 46,
            fragments: ["schedule 'plateau': threshold must be ≤ 1.0, got 2.0"]),
        BadSpec(name: "autodrop has no patience option", yaml: """
            name: bad
            grid: {optimizer: autodrop, lr: 0.1, dataset: mnist, model: mlp}
            optimizers:
              autodrop: {patience: 3}
            """, line: 4, column: 14,
            fragments: ["unknown option 'patience'",
                        "known options of optimizer 'autodrop': momentum, nesterov, drop_factor, theta, theta_max, "
                            + "min_lr, extra_periods, period, average_weights"]),
        BadSpec(name: "autodrop drop_factor below its declared minimum", yaml: """
            name: bad
            grid: {optimizer: autodrop, lr: 0.1, dataset: mnist, model: mlp}
            optimizers:
              autodrop: {drop_factor: 0}
            """, line: 4, column: 27,
            fragments: ["optimizer 'autodrop': drop_factor must be ≥ 1e-06, got 0.0"]),
        BadSpec(name: "autodrop drop_factor above one", yaml: """
            name: bad
            grid: {optimizer: autodrop, lr: 0.1, dataset: mnist, model: mlp}
            optimizers:
              autodrop: {drop_factor: 1.5, theta: 1.0}
            """, line: 4, column: 27,
            fragments: ["optimizer 'autodrop': drop_factor must be ≤ 1.0, got 1.5"]),
        BadSpec(name: "rl-schedule interval below one", yaml: """
            name: bad
            grid: {optimizer: rl-schedule, lr: 1.0e-3, dataset: fashion-mnist, model: mlp-small}
            optimizers:
              rl-schedule: {controller: controller.json, interval: 0}
            """, line: 4, column: 56,
            fragments: ["optimizer 'rl-schedule': interval must be ≥ 1.0, got 0.0"]),
        BadSpec(name: "rl-schedule lr_bounds the wrong way round", yaml: """
            name: bad
            grid: {optimizer: rl-schedule, lr: 1.0e-3, dataset: fashion-mnist, model: mlp-small}
            optimizers:
              rl-schedule: {lr_bounds: [0.1, 1.0e-5]}
            """, line: 4, column: 28,
            fragments: ["optimizer 'rl-schedule': lr_bounds: min 0.1 is larger than max 1e-05"]),
        BadSpec(name: "rl-schedule option of the wrong type", yaml: """
            name: bad
            grid: {optimizer: rl-schedule, lr: 1.0e-3, dataset: fashion-mnist, model: mlp-small}
            optimizers:
              rl-schedule: {deterministic: often}
            """, line: 4, column: 32,
            fragments: ["optimizer 'rl-schedule': deterministic must be true or false, got 'often'"]),
        BadSpec(name: "duplicate key", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            name: again
            """, line: 3, column: 1,
            fragments: ["duplicate key 'name' (first at 1:1)"]),
        BadSpec(name: "duplicate key in a nested mapping", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            train:
              steps: 100
              batch_size: 32
              steps: 200
            """, line: 6, column: 3,
            fragments: ["duplicate key 'steps' (first at 4:3)"]),
        BadSpec(name: "name unusable as a folder", yaml: """
            name: my sweep
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            """, line: 1, column: 7,
            fragments: ["letters, digits, '-', '_' and '.'", "got 'my sweep'"]),
        BadSpec(name: "missing name", yaml: """
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            """, line: 1, column: 1,
            fragments: ["missing required key 'name'"]),
        BadSpec(name: "bad goal", yaml: """
            name: bad
            goal: min
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            """, line: 2, column: 7,
            fragments: ["goal must be minimize or maximize, got 'min'"]),
        BadSpec(name: "duplicate seed", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            seeds: [1, 2, 1]
            """, line: 3, column: 15,
            fragments: ["duplicate seed 1"]),
        BadSpec(name: "negative retries", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            retries: -1
            """, line: 3, column: 10,
            fragments: ["retries must be ≥ 0, got -1"]),
        BadSpec(name: "duplicate grid value", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: [0.1, 1.0e-1], dataset: mnist, model: mlp}
            """, line: 2, column: 34,
            fragments: ["duplicate value 0.1 in grid axis 'lr'"]),
        BadSpec(name: "unknown train key", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            train:
              epoch: 3
            """, line: 4, column: 3,
            fragments: ["unknown key 'epoch'", "did you mean 'epochs'?", "batch_size, epochs, steps"]),
        BadSpec(name: "threads below one", yaml: """
            name: bad
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            train: {threads: 0}
            """, line: 3, column: 18,
            fragments: ["threads must be ≥ 1, got 0"]),
        BadSpec(name: "trainer command as a shell string", yaml: """
            name: bad
            grid: {lr: 0.1}
            trainer:
              command: python3 train.py --lr {lr}
            """, line: 4, column: 12,
            fragments: ["command must be a list of arguments (argv, never a shell string)"]),
        BadSpec(name: "trainer without command", yaml: """
            name: bad
            grid: {lr: 0.1}
            trainer:
              timeout: 30m
            """, line: 3, column: 1,
            fragments: ["trainer is missing 'command'"]),
        BadSpec(name: "bad trainer timeout", yaml: """
            name: bad
            grid: {lr: 0.1}
            trainer:
              command: [./train]
              timeout: 30 minutes
            """, line: 5, column: 12,
            fragments: ["timeout must be a duration such as 90s, 30m, 2h or a number of seconds",
                        "got the string '30 minutes'"]),
        BadSpec(name: "seed as a grid axis", yaml: """
            name: bad
            grid: {lr: 0.1, seed: [1, 2]}
            trainer: {command: [./train]}
            """, line: 2, column: 17,
            fragments: ["'seed' can't be a grid axis", "seeds:"]),
        BadSpec(name: "grid that is a list", yaml: """
            name: bad
            grid: [sgd, adam]
            """, line: 2, column: 7,
            fragments: ["the grid must be a mapping of keys to values", "got a list"]),
        BadSpec(name: "key with no value", yaml: """
            name: bad
            metric:
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            """, line: 2, column: 1,
            fragments: ["metric must be a metric name such as val_loss or val_accuracy, got nothing (null)"]),
        BadSpec(name: "grid axis with no value", yaml: """
            name: bad
            grid:
              optimizer: sgd
              lr:
              dataset: mnist
              model: mlp
            """, line: 4, column: 3,
            fragments: ["grid axis 'lr' has no value"]),
        BadSpec(name: "empty spec", yaml: """
            # nothing here yet
            """, line: 1, column: 1,
            fragments: ["the spec is empty"]),
    ]

    @Test("a bad spec fails at the offending key or value with a message that says what was expected",
          arguments: cases)
    func pointsAtTheMistake(_ bad: BadSpec) {
        bad.expectFailure()
    }

    @Test("the description reads like a compiler diagnostic")
    func descriptionFormat() throws {
        let yaml = "name: q\ngrid: {optimizer: adamm, lr: 0.1, dataset: mnist, model: mlp}\n"
        let error = #expect(throws: SpecError.self) {
            try SweepSpec.parse(text: yaml, file: "sweeps/q.yaml", catalog: Fixtures.catalog)
        }
        let description = try #require(error?.description)
        #expect(description.hasPrefix("sweeps/q.yaml:2:19: error: unknown optimizer 'adamm'"))
        #expect(error?.errorDescription == description)
    }

    @Test("an error without a position prints file: error: message")
    func descriptionWithoutPosition() {
        let error = SpecError(file: "x.yaml", line: 0, column: 0, message: "no such spec file")
        #expect(error.description == "x.yaml: error: no such spec file")
    }

    @Test("a missing spec file is an error naming the path, with no position")
    func missingFile() {
        let error = #expect(throws: SpecError.self) {
            try SweepSpec.load(path: "/nonexistent/sweep.yaml", catalog: Fixtures.catalog)
        }
        #expect(error?.file == "/nonexistent/sweep.yaml")
        #expect(error?.line == 0)
        #expect(error?.message.contains("no such spec file") == true)
    }

    @Test("a directory given as the spec is an error that says so")
    func directoryAsSpec() {
        let error = #expect(throws: SpecError.self) {
            try SweepSpec.load(path: Fixtures.repositoryPath("sweeps"), catalog: Fixtures.catalog)
        }
        #expect(error?.line == 0)
        #expect(error?.message.contains("is a directory") == true)
    }
}
