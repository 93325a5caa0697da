import SweepKit
import SweepTesting
import Testing

@Suite("Parsing valid specs")
struct SpecParsingTests {
    static func parse(_ yaml: String) throws -> SweepSpec {
        try SweepSpec.parse(text: yaml, file: "test.yaml", catalog: Fixtures.catalog)
    }

    @Test("the spec from DESIGN.md parses with every section as written")
    func designExample() throws {
        let yaml = """
            name: fashion-hd                 # required; names the output folder
            metric: val_loss
            goal: minimize
            grid:
              optimizer: [sgd, sgdn, adam, sgd-hd, sgdn-hd, adam-hd, autodrop, salr]
              lr: [1.0e-1, 1.0e-2, 1.0e-3, 1.0e-4]
              dataset: [fashion-mnist, mnist]
              model: [logreg, mlp]
            seeds: [1, 2, 3]
            train:
              batch_size: 128
              epochs: 2
              eval_every: 100
              train_size: 10000
              val_size: 2000
              weight_decay: 1.0e-4
              schedule: constant
              threads: 1
            optimizers:
              sgd-hd: {hyper_lr: 1.0e-3}
              adam-hd: {hyper_lr: 1.0e-7}
            retries: 2
            trainer:
              command: [python3, train.py, --optimizer, "{optimizer}", --lr, "{lr}"]
              timeout: 30m
              grace: 10
              env: {OMP_NUM_THREADS: "1"}
              cwd: .
            """
        let spec = try Self.parse(yaml)
        #expect(spec.name == "fashion-hd")
        #expect(spec.metric == "val_loss")
        #expect(spec.goal == .minimize)
        #expect(spec.grid.map(\.key) == ["optimizer", "lr", "dataset", "model"])
        #expect(spec.grid[1].values == [.double(0.1), .double(0.01), .double(0.001), .double(0.0001)])
        #expect(spec.seeds == [1, 2, 3])
        #expect(spec.trialCount == 8 * 4 * 2 * 2 * 3)
        #expect(spec.train == TrainConfig(batchSize: 128, epochs: 2, evalEvery: 100, trainSize: 10000, valSize: 2000,
                                          weightDecay: 1e-4, schedule: "constant", threads: 1))
        #expect(spec.optimizers == ["sgd-hd": ["hyper_lr": .double(1e-3)], "adam-hd": ["hyper_lr": .double(1e-7)]])
        #expect(spec.retries == 2)
        #expect(spec.trainer == TrainerSpec(command: ["python3", "train.py", "--optimizer", "{optimizer}", "--lr",
                                                      "{lr}"],
                                            timeout: 1800, grace: 10, env: ["OMP_NUM_THREADS": "1"], cwd: "."))
        #expect(spec.sourceText == yaml)
        #expect(spec.sourcePath == "test.yaml")
    }

    @Test("omitted keys take their documented defaults")
    func defaults() throws {
        let spec = try Self.parse("name: d\ngrid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}\n")
        #expect(spec.metric == "val_loss")
        #expect(spec.goal == .minimize)
        #expect(spec.seeds == [1])
        #expect(spec.retries == 2)
        #expect(spec.train == TrainConfig())
        #expect(spec.optimizers.isEmpty)
        #expect(spec.trainer == nil)
        #expect(spec.trialCount == 1)
    }

    @Test("the goal follows the metric unless given", arguments: [
        ("metric: val_accuracy", Goal.maximize),
        ("metric: test_loss", .minimize),
        ("metric: val_accuracy\ngoal: minimize", .minimize),
        ("goal: maximize", .maximize),
    ])
    func goalFromMetric(_ lines: String, _ expected: Goal) throws {
        let spec = try Self.parse("name: g\n\(lines)\ngrid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}\n")
        #expect(spec.goal == expected)
    }

    @Test("seeds may be one integer or a list", arguments: [("seeds: 7", [7]), ("seeds: [3, 1, 2]", [3, 1, 2])])
    func seeds(_ line: String, _ expected: [Int]) throws {
        let spec = try Self.parse("name: s\n\(line)\ngrid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}\n")
        #expect(spec.seeds == expected)
    }

    @Test("grid values keep their YAML types, with lr always a double")
    func faithfulTypes() throws {
        let spec = try Self.parse("""
            name: types
            grid:
              lr: [0.1, 1, 1.0e-3]
              dropout: [0.1, 0.5]
              layers: [2, 3]
              bn: [true, false]
              arch: [wide, "3", yes]
              milestones: [[30, 60]]
            trainer:
              command: [./train]
            """)
        let values = Dictionary(uniqueKeysWithValues: spec.grid.map { ($0.key, $0.values) })
        #expect(values["lr"] == [.double(0.1), .double(1), .double(0.001)])
        #expect(values["dropout"] == [.double(0.1), .double(0.5)])
        #expect(values["layers"] == [.int(2), .int(3)])
        #expect(values["bn"] == [.bool(true), .bool(false)])
        // Quoted numbers are text, and YAML 1.1's `yes` is just a word.
        #expect(values["arch"] == [.string("wide"), .string("3"), .string("yes")])
        #expect(values["milestones"] == [.list([.int(30), .int(60)])])
    }

    @Test("with a trainer, names are the user's program's business; lr is still checked")
    func trainerRelaxesNames() throws {
        let spec = try Self.parse("""
            name: ext
            grid:
              optimizer: [lion, adam]
              model: transformer
              lr: 3.0e-4
            optimizers:
              lion: {beta: 0.95}
              adam: {beta1: 0.8}
            trainer:
              command: [python3, train.py, "--opt={optimizer}", --model, "{model}", --out, "{out_dir}/{trial_id}"]
            """)
        #expect(spec.grid.map(\.key) == ["optimizer", "model", "lr"])
        #expect(spec.optimizers["lion"] == ["beta": .double(0.95)])
        #expect(spec.optimizers["adam"] == ["beta1": .double(0.8)])
        let error = #expect(throws: SpecError.self) {
            try Self.parse("name: ext\ngrid: {lr: -1}\ntrainer: {command: [./train]}\n")
        }
        #expect(error?.message == "lr must be > 0, got -1")
    }

    @Test("a catalog optimizer's options are still checked with a trainer")
    func trainerStillChecksKnownOptimizers() {
        let error = #expect(throws: SpecError.self) {
            try Self.parse("""
                name: ext
                grid: {lr: 0.1}
                optimizers:
                  adam: {beta1: 2}
                trainer: {command: [./train]}
                """)
        }
        #expect(error?.line == 4)
        #expect(error?.message.contains("beta1 must be ≤ 0.999999") == true)
    }

    @Test("optimizer options are normalised to their declared type, and may name optimizers outside the grid")
    func optimizerOptionTypes() throws {
        let spec = try Self.parse("""
            name: opts
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            optimizers:
              sgd-hd: {hyper_lr: 0, multiplicative: true, lr_bounds: [1, 2]}
              salr: {lr_bounds: [1.0e-6, 1], base: adam}
              autodrop: {drop_factor: 1, extra_periods: 3.0, nesterov: false}
              rl-schedule: {controller: controller.json, interval: 20, lr_bounds: [1.0e-5, 0.1]}
              sgd:
            """)
        #expect(spec.optimizers["sgd-hd"] == ["hyper_lr": .double(0), "multiplicative": .bool(true),
                                              "lr_bounds": .list([.double(1), .double(2)])])
        #expect(spec.optimizers["salr"] == ["lr_bounds": .list([.double(1e-6), .double(1)]), "base": .string("adam")])
        #expect(spec.optimizers["autodrop"] == ["drop_factor": .double(1), "extra_periods": .int(3),
                                                "nesterov": .bool(false)])
        #expect(spec.optimizers["rl-schedule"] == ["controller": .string("controller.json"), "interval": .int(20),
                                                   "lr_bounds": .list([.double(1e-5), .double(0.1)])])
        #expect(spec.optimizers["sgd"] == [:])
    }

    @Test("trainer timeouts accept durations and plain seconds", arguments: [
        ("90s", 90.0), ("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("45", 45), ("2.5", 2.5),
    ])
    func timeouts(_ text: String, _ seconds: Double) throws {
        let spec = try Self.parse("name: t\ngrid: {lr: 0.1}\ntrainer: {command: [./train], timeout: \(text)}\n")
        #expect(spec.trainer?.timeout == seconds)
        #expect(spec.trainer?.grace == 10)
    }

    @Test("durations that are not durations are rejected", arguments: ["", "m", "30 m", "1x", "1.2.3s", "h2"])
    func badDurations(_ text: String) {
        #expect(SweepSpec.seconds(inDuration: text) == nil)
    }

    @Test("placeholders are {name} words; other braces are left alone", arguments: [
        ("{lr}", ["lr"]), ("--out={out_dir}/{trial_id}.json", ["out_dir", "trial_id"]), ("{\"a\": 1}", []),
        ("{}", []), ("{{lr}}", ["lr"]), ("plain", []), ("{unclosed", []),
    ])
    func placeholderScanning(_ argument: String, _ names: [String]) {
        #expect(SweepSpec.placeholders(in: argument) == names)
    }

    @Test("trainer env values are taken as written, numbers included")
    func environment() throws {
        let spec = try Self.parse("""
            name: env
            grid: {lr: 0.1}
            trainer:
              command: [./train, "{seed}"]
              env: {OMP_NUM_THREADS: 1, MODE: fast, RATE: 1.0e-3}
            """)
        #expect(spec.trainer?.env == ["OMP_NUM_THREADS": "1", "MODE": "fast", "RATE": "1.0e-3"])
        #expect(spec.trainer?.command == ["./train", "{seed}"])
    }

    @Test("load reads a file and reports errors under the path as given")
    func loadFromFile() throws {
        let path = Fixtures.repositoryPath("sweeps/quickstart.yaml")
        let spec = try SweepSpec.load(path: path, catalog: Fixtures.catalog)
        #expect(spec.sourcePath == path)
        #expect(spec.sourceText.hasPrefix("# Quickstart"))
    }
}
