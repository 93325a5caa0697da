import SweepKit
import SweepTesting
import Testing

@Suite("The train section and per-trial tasks")
struct TrainConfigParsingTests {
    static func parse(_ yaml: String) throws -> SweepSpec {
        try SweepSpec.parse(text: yaml, file: "train.yaml", catalog: Fixtures.catalog)
    }

    @Test("every train key lands in its field, schedule options typed by their declarations")
    func allKeys() throws {
        let spec = try Self.parse("""
            name: t
            grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
            train:
              batch_size: 64
              epochs: 3
              steps: 500
              eval_every: 50
              train_size: 5000
              val_size: 1000
              weight_decay: 0
              schedule: step
              schedule_options: {step_size: 100, gamma: 1}
              threads: 2
            """)
        let expected = TrainConfig(batchSize: 64, epochs: 3, steps: 500, evalEvery: 50, trainSize: 5000, valSize: 1000,
                                   weightDecay: 0, schedule: "step",
                                   scheduleOptions: ["step_size": .int(100), "gamma": .double(1)], threads: 2)
        #expect(spec.train == expected)
    }

    @Test("schedule options may belong to any schedule of a schedule grid axis")
    func scheduleAxisOptions() throws {
        let spec = try Self.parse("""
            name: t
            grid:
              optimizer: sgd
              lr: 0.1
              dataset: mnist
              model: mlp
              schedule: [constant, cosine, warmup]
            train:
              schedule_options: {min_factor: 0.1, warmup_steps: 20}
            """)
        #expect(spec.train.scheduleOptions == ["min_factor": .double(0.1), "warmup_steps": .int(20)])
        #expect(spec.trialCount == 3)
    }

    @Test("an option that several schedules of the axis declare is checked against each of them")
    func sharedScheduleOptions() throws {
        // step and exponential both declare step_size (0 = one epoch); cosine and plateau both declare min_factor.
        let spec = try Self.parse("""
            name: t
            grid:
              optimizer: sgd
              lr: 0.1
              dataset: mnist
              model: mlp
              schedule: [step, exponential, cosine, plateau]
            train:
              schedule_options: {step_size: 0, gamma: 0.5, min_factor: 0.01, threshold: 1.0e-3}
            """)
        #expect(spec.train.scheduleOptions == ["step_size": .int(0), "gamma": .double(0.5),
                                               "min_factor": .double(0.01), "threshold": .double(1e-3)])
        #expect(spec.trialCount == 4)
        let error = #expect(throws: SpecError.self) {
            try Self.parse("""
                name: t
                grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp, schedule: [cosine, plateau]}
                train:
                  schedule_options: {min_factor: 1.5}
                """)
        }
        #expect(error?.line == 4)
        #expect(error?.column == 34)
        #expect(error?.message == "schedule 'cosine': min_factor must be ≤ 1.0, got 1.5")
    }

    @Test("a constant schedule takes no options, and the error says so")
    func constantTakesNoOptions() {
        let error = #expect(throws: SpecError.self) {
            try Self.parse("""
                name: t
                grid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}
                train:
                  schedule_options: {gamma: 0.5}
                """)
        }
        #expect(error?.line == 4)
        #expect(error?.column == 22)
        #expect(error?.message == "unknown schedule option 'gamma': schedule 'constant' takes no options")
    }

    @Test("a task applies the trial's grid overrides to the train section")
    func taskOverrides() throws {
        let spec = try Self.parse("""
            name: t
            grid:
              optimizer: [sgd-hd, adam]
              lr: 0.01
              dataset: mnist
              model: mlp
              schedule: [constant, step]
              batch_size: [32, 256]
              weight_decay: [0, 1.0e-4]
            seeds: [5]
            train:
              batch_size: 128
              steps: 300
              schedule_options: {step_size: 100}
            optimizers:
              sgd-hd: {hyper_lr: 1.0e-4}
            metric: val_accuracy
            """)
        let trials = spec.trials()
        #expect(trials.count == 2 * 2 * 2 * 2)
        for trial in trials {
            let task = spec.task(for: trial, attempt: 2)
            #expect(task.trial == trial)
            #expect(task.attempt == 2)
            #expect(task.metric == "val_accuracy")
            #expect(task.train.schedule == trial.parameters.schedule)
            #expect(task.train.batchSize == trial.parameters["batch_size"]?.intValue)
            #expect(task.train.weightDecay == trial.parameters["weight_decay"]?.doubleValue)
            #expect(task.train.steps == 300)
            #expect(task.train.scheduleOptions == ["step_size": .int(100)])
            let expectedOptions: [String: ParamValue] = trial.parameters.optimizer == "sgd-hd"
                ? ["hyper_lr": .double(1e-4)] : [:]
            #expect(task.optimizerOptions == expectedOptions)
            #expect(task.trainer == nil)
        }
        // Overrides vary: both schedules and both batch sizes actually occur.
        let tasks = trials.map { spec.task(for: $0, attempt: 1) }
        #expect(Set(tasks.map(\.train.schedule)) == ["constant", "step"])
        #expect(Set(tasks.map(\.train.batchSize)) == [32, 256])
    }

    @Test("train values in the grid are typed like the train section: counts int, rates double")
    func gridTrainTypes() throws {
        let spec = try Self.parse("""
            name: t
            grid:
              optimizer: sgd
              lr: 0.1
              dataset: mnist
              model: mlp
              batch_size: [32, 64.0]
              weight_decay: [0, 1.0e-4]
              epochs: [1, 2.5]
            """)
        let values = Dictionary(uniqueKeysWithValues: spec.grid.map { ($0.key, $0.values) })
        #expect(values["batch_size"] == [.int(32), .int(64)])
        #expect(values["weight_decay"] == [.double(0), .double(1e-4)])
        #expect(values["epochs"] == [.double(1), .double(2.5)])
    }

    @Test("train values out of range are errors", arguments: [
        ("epochs: 0", "epochs must be > 0, got 0"),
        ("steps: -5", "steps must be > 0, got -5"),
        ("eval_every: 0", "eval_every must be > 0, got 0"),
        ("weight_decay: -1.0e-4", "weight_decay must be ≥ 0, got -1.0e-4"),
        ("batch_size: 12.5", "batch_size must be an integer > 0, got 12.5"),
        ("schedule: cosine_annealing", "unknown schedule 'cosine_annealing'"),
        ("epochs: .inf", "epochs must be a finite number > 0, got .inf"),
    ])
    func outOfRange(_ line: String, _ message: String) {
        let error = #expect(throws: SpecError.self) {
            try Self.parse("name: t\ngrid: {optimizer: sgd, lr: 0.1, dataset: mnist, model: mlp}\ntrain:\n  \(line)\n")
        }
        #expect(error?.line == 4)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }
}
