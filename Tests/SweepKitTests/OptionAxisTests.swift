import SweepKit
import SweepTesting
import Testing

@Suite("Option axes (METHOD.OPTION): conditional expansion, and the values reach the training")
struct OptionAxisTests {
    static func parse(_ yaml: String) throws -> SweepSpec {
        try SweepSpec.parse(text: yaml, file: "options.yaml", catalog: Fixtures.catalog)
    }

    static let hyper = """
        name: hyper
        grid:
          optimizer: [sgd, adam, sgd-hd]
          lr: [0.1, 0.01]
          sgd-hd.hyper_lr: [1.0e-4, 1.0e-3, 1.0e-2]
          dataset: mnist
          model: logreg
        seeds: [1, 2]
        optimizers:
          sgd-hd: {hyper_lr: 1.0e-5, multiplicative: true}
        """

    @Test("an optimizer option axis multiplies only that optimizer's trials")
    func conditionalCounts() throws {
        let spec = try Self.parse(Self.hyper)
        let trials = spec.trials()
        // sgd: 2 rates × 2 seeds; adam: the same; sgd-hd: 2 rates × 3 hyper_lr × 2 seeds.
        #expect(spec.trialCount == 4 + 4 + 12)
        #expect(trials.count == 20)
        #expect(trials.filter { $0.parameters.optimizer == "sgd" }.count == 4)
        #expect(trials.filter { $0.parameters.optimizer == "adam" }.count == 4)
        #expect(trials.filter { $0.parameters.optimizer == "sgd-hd" }.count == 12)
        for trial in trials {
            #expect((trial.parameters["sgd-hd.hyper_lr"] != nil) == (trial.parameters.optimizer == "sgd-hd"))
        }
        #expect(Set(trials.map(\.id)).count == 20)
        let axis = try #require(spec.grid.first { $0.key == "sgd-hd.hyper_lr" })
        #expect(axis.condition == AxisCondition(key: "optimizer", value: "sgd-hd"))
        #expect(axis.values == [.double(1e-4), .double(1e-3), .double(1e-2)])
    }

    @Test("the trials of other optimizers keep the ids they have without the option axis")
    func otherIDsUnchanged() throws {
        let line = "  sgd-hd.hyper_lr: [1.0e-4, 1.0e-3, 1.0e-2]\n"
        let without = try Self.parse(Self.hyper.replacingOccurrences(of: line, with: ""))
        let with = try Self.parse(Self.hyper)
        let plain = Set(without.trials().filter { $0.parameters.optimizer != "sgd-hd" }.map(\.id))
        #expect(plain.count == 8)
        #expect(plain == Set(with.trials().filter { $0.parameters.optimizer != "sgd-hd" }.map(\.id)))
    }

    @Test("an option axis listed before the optimizer axis gives the same trials")
    func listedFirst() throws {
        let reordered = try Self.parse("""
            name: hyper
            grid:
              sgd-hd.hyper_lr: [1.0e-4, 1.0e-3, 1.0e-2]
              optimizer: [sgd, adam, sgd-hd]
              lr: [0.1, 0.01]
              dataset: mnist
              model: logreg
            seeds: [1, 2]
            """)
        let original = try Self.parse(Self.hyper)
        #expect(reordered.trialCount == 20)
        #expect(Set(reordered.trials().map(\.id)) == Set(original.trials().map(\.id)))
        // Expanded right after the optimizer axis: sgd-hd's first two trials are its first hyper_lr's seeds.
        let hd = reordered.trials().filter { $0.parameters.optimizer == "sgd-hd" }
        #expect(hd.prefix(2).allSatisfy { $0.parameters["sgd-hd.hyper_lr"] == .double(1e-4) })
    }

    @Test("the option value reaches the task, overriding the optimizers: section; other optimizers don't get it")
    func optionReachesTask() throws {
        let spec = try Self.parse(Self.hyper)
        let trials = spec.trials()
        let hd = try #require(trials.first {
            $0.parameters.optimizer == "sgd-hd" && $0.parameters["sgd-hd.hyper_lr"] == .double(1e-2)
        })
        let task = spec.task(for: hd, attempt: 1)
        #expect(task.optimizerOptions == ["hyper_lr": .double(1e-2), "multiplicative": .bool(true)])
        let sgd = try #require(trials.first { $0.parameters.optimizer == "sgd" })
        #expect(spec.task(for: sgd, attempt: 1).optimizerOptions == [:])
    }

    @Test("a schedule option axis multiplies only the trials with that schedule, and reaches their schedule options")
    func scheduleOption() throws {
        let spec = try Self.parse("""
            name: sched
            grid:
              optimizer: sgd
              lr: [0.1, 0.01]
              schedule: [constant, step]
              step.gamma: [0.1, 0.5]
              dataset: mnist
              model: logreg
            train:
              schedule_options: {step_size: 10, gamma: 0.3}
            """)
        let trials = spec.trials()
        #expect(spec.trialCount == 2 * (1 + 2))
        #expect(trials.count == 6)
        for trial in trials where trial.parameters.schedule == "constant" {
            #expect(trial.parameters["step.gamma"] == nil)
        }
        let step = try #require(trials.first { $0.parameters["step.gamma"] == .double(0.5) })
        let config = spec.task(for: step, attempt: 1).train
        #expect(config.schedule == "step")
        #expect(config.scheduleOptions == ["step_size": .int(10), "gamma": .double(0.5)])
        let constant = try #require(trials.first { $0.parameters.schedule == "constant" })
        #expect(spec.task(for: constant, attempt: 1).train.scheduleOptions
                == ["step_size": .int(10), "gamma": .double(0.3)])
    }

    @Test("with train.schedule and no schedule axis, a schedule option axis multiplies every trial")
    func scheduleFromTrain() throws {
        let spec = try Self.parse("""
            name: sched
            grid:
              optimizer: [sgd, adam]
              lr: 0.1
              step.gamma: [0.1, 0.5]
              dataset: mnist
              model: logreg
            train: {schedule: step}
            """)
        #expect(spec.trialCount == 4)
        #expect(spec.trials().allSatisfy { $0.parameters["step.gamma"] != nil })
        let trial = try #require(spec.trials().last)
        #expect(spec.task(for: trial, attempt: 1).train.scheduleOptions["gamma"] == .double(0.5))
    }

    @Test("TrainConfig.applying takes only the options of the trial's own schedule")
    func applyingScheduleOptions() {
        let config = TrainConfig(schedule: "cosine", scheduleOptions: ["min_factor": .double(0)])
        let p = Parameters(["step.gamma": .double(0.5), "cosine.min_factor": .double(0.1)])
        #expect(config.applying(p).scheduleOptions == ["min_factor": .double(0.1)])
        let switched = Parameters(["schedule": .string("step"), "step.gamma": .double(0.5),
                                   "cosine.min_factor": .double(0.1)])
        #expect(config.applying(switched).scheduleOptions == ["min_factor": .double(0), "gamma": .double(0.5)])
    }

    @Test("option values are normalised to the option's type")
    func normalised() throws {
        let spec = try Self.parse("""
            name: norm
            grid:
              optimizer: sgd-hd
              lr: 0.1
              sgd-hd.hyper_lr: [1, 0.5]
              sgd-hd.lr_bounds: [[0, 1], [1.0e-6, 0.5]]
              dataset: mnist
              model: logreg
            """)
        #expect(spec.grid.first { $0.key == "sgd-hd.hyper_lr" }?.values == [.double(1), .double(0.5)])
        #expect(spec.grid.first { $0.key == "sgd-hd.lr_bounds" }?.values
                == [.list([.double(0), .double(1)]), .list([.double(1e-6), .double(0.5)])])
        #expect(spec.trialCount == 4)
    }

    @Test("with a trainer, a dotted key of one of the program's optimizers applies to that optimizer only")
    func trainerOptimizerOption() throws {
        let spec = try Self.parse("""
            name: ext
            grid:
              optimizer: [lion, sgd]
              lr: 0.1
              lion.beta1: [0.9, 0.95]
              net.depth: [2, 3]
            trainer: {command: [./train, "{optimizer}", "{net.depth}"]}
            """)
        // lion: 2 beta1 × 2 depths; sgd: 2 depths (net.depth is an ordinary key of the program).
        #expect(spec.trialCount == 6)
        #expect(spec.grid.first { $0.key == "lion.beta1" }?.condition == AxisCondition(key: "optimizer", value: "lion"))
        #expect(spec.grid.first { $0.key == "net.depth" }?.condition == nil)
        let lion = try #require(spec.trials().first { $0.parameters.optimizer == "lion" })
        #expect(spec.task(for: lion, attempt: 1).optimizerOptions == ["beta1": .double(0.9)])
    }

    static let errors: [BadSpec] = [
        BadSpec(name: "unknown method", yaml: """
            name: bad
            grid:
              optimizer: sgd
              lr: 0.1
              sgdd.momentum: [0.5, 0.9]
              dataset: mnist
              model: mlp
            """, line: 5, column: 3,
            fragments: ["unknown optimizer or schedule 'sgdd'", "did you mean 'sgd'?", "sgd, momentum,",
                        "constant, step", "METHOD.OPTION"]),
        BadSpec(name: "unknown option", yaml: """
            name: bad
            grid:
              optimizer: sgd-hd
              lr: 0.1
              sgd-hd.hyperlr: [1.0e-3]
              dataset: mnist
              model: mlp
            """, line: 5, column: 3,
            fragments: ["unknown option 'hyperlr'", "did you mean 'hyper_lr'?",
                        "known options of optimizer 'sgd-hd': hyper_lr, multiplicative, lr_bounds"]),
        BadSpec(name: "a method without options", yaml: """
            name: bad
            grid:
              optimizer: sgd
              lr: 0.1
              constant.factor: [1]
              dataset: mnist
              model: mlp
            """, line: 5, column: 3,
            fragments: ["unknown option 'factor'", "schedule 'constant' takes no options"]),
        BadSpec(name: "option value out of range", yaml: """
            name: bad
            grid:
              optimizer: sgd-hd
              lr: 0.1
              sgd-hd.hyper_lr: [1.0e-3, -1]
              dataset: mnist
              model: mlp
            """, line: 5, column: 29,
            fragments: ["optimizer 'sgd-hd': hyper_lr must be ≥ 0.0, got -1.0"]),
        BadSpec(name: "option value of the wrong type", yaml: """
            name: bad
            grid:
              optimizer: sgd-hd
              lr: 0.1
              sgd-hd.multiplicative: [yes]
              dataset: mnist
              model: mlp
            """, line: 5, column: 27,
            fragments: ["optimizer 'sgd-hd': multiplicative must be true or false, got 'yes'"]),
        BadSpec(name: "schedule option out of range", yaml: """
            name: bad
            grid:
              optimizer: sgd
              lr: 0.1
              step.gamma: [0.5, 2]
              dataset: mnist
              model: mlp
            train: {schedule: step}
            """, line: 5, column: 21,
            fragments: ["schedule 'step': gamma must be ≤ 1.0, got 2.0"]),
        BadSpec(name: "no trial uses the optimizer", yaml: """
            name: bad
            grid:
              optimizer: [sgd, adam]
              lr: 0.1
              sgd-hd.hyper_lr: [1.0e-3]
              dataset: mnist
              model: mlp
            """, line: 5, column: 3,
            fragments: ["grid key 'sgd-hd.hyper_lr' sets an option of optimizer 'sgd-hd'",
                        "no trial of this sweep uses sgd-hd", "the optimizer axis has sgd, adam"]),
        BadSpec(name: "no trial uses the schedule", yaml: """
            name: bad
            grid:
              optimizer: sgd
              lr: 0.1
              dataset: mnist
              model: mlp
              step.gamma: [0.5]
            """, line: 7, column: 3,
            fragments: ["no trial of this sweep uses step",
                        "train.schedule is constant and there is no schedule axis"]),
        BadSpec(name: "a list option written as a flat list", yaml: """
            name: bad
            grid:
              optimizer: sgd-hd
              lr: 0.1
              sgd-hd.lr_bounds: [1.0e-6, 1.0]
              dataset: mnist
              model: mlp
            """, line: 5, column: 21,
            fragments: ["option 'lr_bounds' takes a list", "a list of lists"]),
        BadSpec(name: "a conditional axis as a trainer placeholder", yaml: """
            name: bad
            grid:
              optimizer: [sgd, sgd-hd]
              lr: 0.1
              sgd-hd.hyper_lr: [1.0e-3, 1.0e-2]
            trainer:
              command: [./train, "{sgd-hd.hyper_lr}"]
            """, line: 7, column: 22,
            fragments: ["placeholder {sgd-hd.hyper_lr} names an option axis",
                        "that only trials with optimizer=sgd-hd have",
                        "LRSWEEP_PARAMS_JSON"]),
        BadSpec(name: "an unknown plain key still names METHOD.OPTION", yaml: """
            name: bad
            grid:
              optimizer: sgd
              lr: 0.1
              dataset: mnist
              model: mlp
              dropout: [0.1]
            """, line: 7, column: 3,
            fragments: ["grid key 'dropout' is not a parameter of the built-in engine",
                        "METHOD.OPTION (e.g. sgd-hd.hyper_lr)"]),
    ]

    @Test("a bad option axis fails at the key or value with the choices", arguments: errors)
    func pointsAtTheMistake(_ bad: BadSpec) {
        bad.expectFailure()
    }
}
