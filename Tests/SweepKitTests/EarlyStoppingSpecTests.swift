import SweepKit
import SweepTesting
import Testing

@Suite("early_stopping: parsing, defaults, configuration and group keys")
struct EarlyStoppingSpecTests {
    static func parse(_ section: String, grid extra: String = "", train: String = "{steps: 500, eval_every: 50}")
        throws -> SweepSpec {
        try SweepSpec.parse(text: """
            name: es
            grid:
              optimizer: [sgd, sgd-hd]
              lr: [0.1, 0.01]
              dataset: mnist
              model: [logreg, mlp]\(extra)
            train: \(train)
            \(section)
            """, file: "es.yaml", catalog: Fixtures.catalog)
    }

    @Test("a full section parses as written")
    func full() throws {
        let spec = try Self.parse(
            "early_stopping: {method: asha, grace: 100, reduction: 4, group_by: [optimizer, dataset]}")
        #expect(spec.earlyStopping == EarlyStoppingSpec(method: .asha, grace: 100, reduction: 4,
                                                        groupBy: ["optimizer", "dataset"]))
    }

    @Test("defaults: grace is eval_every, η is 3, the group is every grid key but lr")
    func defaults() throws {
        let spec = try Self.parse("early_stopping: {method: median}")
        #expect(spec.earlyStopping == EarlyStoppingSpec(method: .median, grace: 50, reduction: 3,
                                                        groupBy: ["optimizer", "dataset", "model"]))
        #expect(try Self.parse("early_stopping: asha").earlyStopping?.method == .asha)
    }

    @Test("none, or nothing, means no early stopping", arguments: [
        "early_stopping: none", "early_stopping: {method: none, grace: 10}", "early_stopping:", "",
    ])
    func none(_ section: String) throws {
        #expect(try Self.parse(section).earlyStopping == nil)
    }

    @Test("a list option axis is part of the default group; a drawn one is tuned like lr and is not")
    func defaultGroupWithOptionAxes() throws {
        let listed = try Self.parse("early_stopping: {method: asha}", grid: "\n  sgd-hd.hyper_lr: [1.0e-4, 1.0e-3]")
        #expect(listed.earlyStopping?.groupBy == ["optimizer", "dataset", "model", "sgd-hd.hyper_lr"])
        let drawn = try SweepSpec.parse(text: """
            name: es
            search: {method: random, trials: 4}
            grid:
              optimizer: [sgd, sgd-hd]
              lr: {log_uniform: [1.0e-4, 1.0]}
              sgd-hd.hyper_lr: {log_uniform: [1.0e-5, 1.0e-2]}
              dataset: mnist
              model: {choice: [logreg, mlp]}
            early_stopping: {method: asha, grace: 10}
            """, file: "es.yaml", catalog: Fixtures.catalog)
        #expect(drawn.earlyStopping?.groupBy == ["optimizer", "dataset", "model"])
        #expect(drawn.defaultGroupBy == ["optimizer", "dataset", "model"])
    }

    @Test("epochs, or no length at all, are fine: the engine knows the length when it starts")
    func lengthNotRequired() throws {
        #expect(try Self.parse("early_stopping: {method: asha, grace: 10}", train: "{epochs: 2}").earlyStopping != nil)
        #expect(try Self.parse("early_stopping: {method: asha, grace: 10}", train: "{}").earlyStopping != nil)
    }

    @Test("a trainer sweep may stop early (the program reports its steps)")
    func trainer() throws {
        let spec = try SweepSpec.parse(text: """
            name: ext
            grid: {lr: [0.1, 0.01], dropout: [0.1, 0.3]}
            trainer: {command: [./train]}
            early_stopping: {method: median, grace: 5}
            """, file: "ext.yaml", catalog: Fixtures.catalog)
        #expect(spec.earlyStopping?.groupBy == ["dropout"])
    }

    @Test("configurationKey drops the seed; groupKey keeps only the group_by keys the trial has")
    func keys() throws {
        let spec = try Self.parse("early_stopping: {method: asha, group_by: [optimizer, sgd-hd.hyper_lr]}",
                                  grid: "\n  sgd-hd.hyper_lr: [1.0e-4, 1.0e-3]")
        let hd = Parameters(["optimizer": .string("sgd-hd"), "lr": .double(0.1), "dataset": .string("mnist"),
                             "model": .string("mlp"), "sgd-hd.hyper_lr": .double(1e-4), "seed": .int(2)])
        #expect(spec.configurationKey(of: hd)
                == "dataset=mnist lr=0.1 model=mlp optimizer=sgd-hd sgd-hd.hyper_lr=0.0001")
        #expect(spec.groupKey(of: hd) == "optimizer=sgd-hd sgd-hd.hyper_lr=0.0001")
        let sgd = Parameters(["optimizer": .string("sgd"), "lr": .double(0.1), "seed": .int(1)])
        #expect(spec.groupKey(of: sgd) == "optimizer=sgd")
        // The seeds of a configuration share its key; its rates share a group.
        let trials = spec.trials()
        #expect(Set(trials.map { spec.configurationKey(of: $0.parameters) }).count == trials.count)
        #expect(Set(trials.map { spec.groupKey(of: $0.parameters) }).count == 3)
    }

    @Test("without early stopping, groupKey uses the default group")
    func groupKeyWithoutEarlyStopping() throws {
        let spec = try Self.parse("")
        let p = Parameters(["optimizer": .string("sgd"), "lr": .double(0.1), "dataset": .string("mnist"),
                            "model": .string("mlp"), "seed": .int(1)])
        #expect(spec.groupKey(of: p) == "dataset=mnist model=mlp optimizer=sgd")
    }

    static let errors: [BadSpec] = [
        bad("lr in group_by", "  method: asha\n  group_by: [optimizer, lr]", line: 12, column: 25,
            ["group_by can't include 'lr'", "compare each rate only with itself"]),
        bad("seed in group_by", "  method: asha\n  group_by: [seed]", line: 12, column: 14,
            ["group_by can't include 'seed'"]),
        bad("unknown group_by key", "  method: asha\n  group_by: [optimiser]", line: 12, column: 14,
            ["unknown group_by key 'optimiser'", "did you mean 'optimizer'?",
             "known grid keys: optimizer, dataset, model"]),
        bad("duplicate group_by key", "  method: asha\n  group_by: [model, model]", line: 12, column: 21,
            ["duplicate group_by key 'model'"]),
        bad("reduction not above 1", "  method: asha\n  reduction: 1", line: 12, column: 14,
            ["early_stopping reduction must be > 1, got 1"]),
        bad("reduction with the median rule", "  method: median\n  reduction: 2", line: 12, column: 3,
            ["reduction (η) only applies to method asha"]),
        bad("grace below 1", "  method: asha\n  grace: 0", line: 12, column: 10,
            ["early_stopping grace must be ≥ 1, got 0"]),
        bad("grace not below the length", "  method: asha\n  grace: 500", line: 12, column: 10,
            ["early_stopping grace (500 steps) is not below the trials' length (500 steps)"]),
        bad("unknown method", "  method: hyperband", line: 11, column: 11,
            ["early_stopping method must be one of asha, median, none, got 'hyperband'"]),
        bad("missing method", "  grace: 10", line: 10, column: 1,
            ["early_stopping is missing 'method'"]),
        bad("unknown key", "  method: asha\n  rungs: 3", line: 12, column: 3,
            ["unknown key 'rungs'", "method, grace, reduction, group_by"]),
    ]

    static func bad(_ name: String, _ body: String, line: Int, column: Int, _ fragments: [String]) -> BadSpec {
        BadSpec(name: name, yaml: """
            name: bad
            grid:
              optimizer: [sgd, adam]
              lr: [0.1, 0.01]
              dataset: mnist
              model: mlp
            train:
              steps: 500
              eval_every: 50
            early_stopping:
            \(body)
            """, line: line, column: column, fragments: fragments)
    }

    @Test("a bad early_stopping section fails at the key or value and says what was expected", arguments: errors)
    func pointsAtTheMistake(_ bad: BadSpec) {
        bad.expectFailure()
    }
}
