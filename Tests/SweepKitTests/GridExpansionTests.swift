import Foundation
import SweepKit
import SweepTesting
import Testing

@Suite("Grid expansion and trial ids")
struct GridExpansionTests {
    static let base = """
        name: order
        grid:
          optimizer: [sgd, adam]
          lr: [0.1, 0.01, 0.001]
          dataset: mnist
          model: [logreg, mlp]
        seeds: [1, 2]
        """

    static func parse(_ yaml: String) throws -> SweepSpec {
        try SweepSpec.parse(text: yaml, file: "grid.yaml", catalog: Fixtures.catalog)
    }

    static func ids(_ yaml: String) throws -> [String] { try parse(yaml).trials().map(\.id) }

    @Test("the trial count is the product of the axes times the seeds; single values count once")
    func counts() throws {
        let spec = try Self.parse(Self.base)
        #expect(spec.trialCount == 2 * 3 * 1 * 2 * 2)
        #expect(spec.trials().count == 24)
        #expect(spec.grid.first { $0.key == "dataset" }?.values == [.string("mnist")])
    }

    @Test("the first axis varies slowest and the seed fastest")
    func order() throws {
        let trials = try Self.parse(Self.base).trials()
        func row(_ i: Int) -> String {
            let p = trials[i].parameters
            return "\(p.optimizer ?? "-") \(p.lr ?? 0) \(p.model ?? "-") \(p.seed ?? 0)"
        }
        #expect((0..<6).map(row) == [
            "sgd 0.1 logreg 1", "sgd 0.1 logreg 2", "sgd 0.1 mlp 1", "sgd 0.1 mlp 2",
            "sgd 0.01 logreg 1", "sgd 0.01 logreg 2",
        ])
        #expect(row(12) == "adam 0.1 logreg 1")
        #expect(row(23) == "adam 0.001 mlp 2")
        #expect(trials.map(\.index) == Array(0..<24))
        #expect(trials.allSatisfy { $0.parameters.dataset == "mnist" })
    }

    @Test("every trial of a sweep has its own id")
    func uniqueIDs() throws {
        let ids = try Self.ids(Self.base)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 16 })
    }

    @Test("parsing the same text twice gives the same ids")
    func stableAcrossParses() throws {
        #expect(try Self.ids(Self.base) == Self.ids(Self.base))
    }

    @Test("reordering the grid's keys changes the order of trials but not their ids")
    func keyOrderDoesNotMatter() throws {
        let reordered = """
            name: order
            grid:
              model: [logreg, mlp]
              dataset: mnist
              lr: [0.1, 0.01, 0.001]
              optimizer: [sgd, adam]
            seeds: [1, 2]
            """
        let before = try Self.ids(Self.base)
        let after = try Self.ids(reordered)
        #expect(before != after)
        #expect(Set(before) == Set(after))
    }

    @Test("the way a number is written doesn't change the id", arguments: [
        ("lr: [0.1, 0.01, 0.001]", "lr: [1.0e-1, 1.0e-2, 1.0e-3]"),
        ("lr: [0.1, 0.01, 0.001]", "lr: [0.10, 0.010, 1e-3]"),
    ])
    func numberSpelling(_ original: String, _ respelled: String) throws {
        let changed = Self.base.replacingOccurrences(of: original, with: respelled)
        #expect(changed != Self.base)
        #expect(try Self.ids(changed) == Self.ids(Self.base))
    }

    @Test("an integer lr and the same lr as a double are the same trial")
    func integerLR() throws {
        let a = try Self.parse("name: one\ngrid: {optimizer: sgd, lr: 1, dataset: mnist, model: mlp}\n")
        let b = try Self.parse("name: one\ngrid: {optimizer: sgd, lr: 1.0, dataset: mnist, model: mlp}\n")
        #expect(a.trials().map(\.id) == b.trials().map(\.id))
        #expect(a.trials().first?.parameters["lr"] == .double(1))
    }

    @Test("changing a value changes the ids of exactly the trials that use it")
    func changedValue() throws {
        let changed = Self.base.replacingOccurrences(of: "lr: [0.1, 0.01, 0.001]", with: "lr: [0.2, 0.01, 0.001]")
        let before = try Self.parse(Self.base).trials()
        let after = try Self.parse(changed).trials()
        for (old, new) in zip(before, after) {
            if old.parameters.lr == 0.1 {
                #expect(old.id != new.id)
            } else {
                #expect(old.id == new.id)
            }
        }
    }

    @Test("the sweep name is part of the id")
    func nameInID() throws {
        let renamed = Self.base.replacingOccurrences(of: "name: order", with: "name: order2")
        #expect(Set(try Self.ids(renamed)).isDisjoint(with: try Self.ids(Self.base)))
    }

    @Test("the seed is part of the id")
    func seedInID() throws {
        let trials = try Self.parse(Self.base).trials()
        #expect(trials[0].parameters.seed == 1)
        #expect(trials[1].parameters.seed == 2)
        #expect(trials[0].id != trials[1].id)
        #expect(trials[0].parameters.values.count == trials[1].parameters.values.count)
    }
}
