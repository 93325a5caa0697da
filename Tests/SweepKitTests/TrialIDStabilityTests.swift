import Foundation
import SweepKit
import SweepTesting
import Testing

@Suite("Trial ids of plain grid sweeps are what they were before search and option axes")
struct TrialIDStabilityTests {
    /// sweeps/quickstart.yaml's 24 trials in grid order, with the ids computed by `Trial.makeID` at the
    /// commit before random search and option axes (3bdc8a4): resuming an existing run must find them.
    static let quickstart: [(parameters: String, id: String)] = [
        ("dataset=fashion-mnist lr=0.1 model=logreg optimizer=sgd seed=1", "85409593b7c285f1"),
        ("dataset=fashion-mnist lr=0.1 model=logreg optimizer=sgd seed=2", "85409293b7c280d8"),
        ("dataset=fashion-mnist lr=0.1 model=mlp-small optimizer=sgd seed=1", "e114ca19bb58c50a"),
        ("dataset=fashion-mnist lr=0.1 model=mlp-small optimizer=sgd seed=2", "e114c919bb58c357"),
        ("dataset=fashion-mnist lr=0.01 model=logreg optimizer=sgd seed=1", "702426e1253cea65"),
        ("dataset=fashion-mnist lr=0.01 model=logreg optimizer=sgd seed=2", "702423e1253ce54c"),
        ("dataset=fashion-mnist lr=0.01 model=mlp-small optimizer=sgd seed=1", "8c018f2278d62eee"),
        ("dataset=fashion-mnist lr=0.01 model=mlp-small optimizer=sgd seed=2", "8c018e2278d62d3b"),
        ("dataset=fashion-mnist lr=0.001 model=logreg optimizer=sgd seed=1", "bb0ef7929c923ae1"),
        ("dataset=fashion-mnist lr=0.001 model=logreg optimizer=sgd seed=2", "bb0ef4929c9235c8"),
        ("dataset=fashion-mnist lr=0.001 model=mlp-small optimizer=sgd seed=1", "05569d86834cdc7a"),
        ("dataset=fashion-mnist lr=0.001 model=mlp-small optimizer=sgd seed=2", "05569c86834cdac7"),
        ("dataset=fashion-mnist lr=0.1 model=logreg optimizer=adam seed=1", "c3178a6f21ac9874"),
        ("dataset=fashion-mnist lr=0.1 model=logreg optimizer=adam seed=2", "c3178d6f21ac9d8d"),
        ("dataset=fashion-mnist lr=0.1 model=mlp-small optimizer=adam seed=1", "b11707d758878811"),
        ("dataset=fashion-mnist lr=0.1 model=mlp-small optimizer=adam seed=2", "b11704d7588782f8"),
        ("dataset=fashion-mnist lr=0.01 model=logreg optimizer=adam seed=1", "44c127384ab819a0"),
        ("dataset=fashion-mnist lr=0.01 model=logreg optimizer=adam seed=2", "44c12a384ab81eb9"),
        ("dataset=fashion-mnist lr=0.01 model=mlp-small optimizer=adam seed=1", "b5acf01fe846eb3d"),
        ("dataset=fashion-mnist lr=0.01 model=mlp-small optimizer=adam seed=2", "b5aced1fe846e624"),
        ("dataset=fashion-mnist lr=0.001 model=logreg optimizer=adam seed=1", "aabcc84b0c2b05e4"),
        ("dataset=fashion-mnist lr=0.001 model=logreg optimizer=adam seed=2", "aabccb4b0c2b0afd"),
        ("dataset=fashion-mnist lr=0.001 model=mlp-small optimizer=adam seed=1", "9539b7350d9c3d81"),
        ("dataset=fashion-mnist lr=0.001 model=mlp-small optimizer=adam seed=2", "9539b4350d9c3868"),
    ]

    @Test("sweeps/quickstart.yaml expands to the same trials, in the same order, with the same ids")
    func quickstartIDs() throws {
        let path = Fixtures.repositoryPath("sweeps/quickstart.yaml")
        let spec = try SweepSpec.load(path: path, catalog: Fixtures.catalog)
        let trials = spec.trials()
        #expect(trials.map(\.parameters.description) == Self.quickstart.map(\.parameters))
        #expect(trials.map(\.id) == Self.quickstart.map(\.id))
        #expect(trials.map(\.index) == Array(0..<24))
    }

    @Test("the id is still the FNV-1a hash of the sweep name and the canonical parameters")
    func knownParameters() {
        let p = Parameters(["optimizer": .string("sgd"), "lr": .double(0.1), "dataset": .string("fashion-mnist"),
                            "model": .string("logreg"), "seed": .int(1)])
        #expect(Trial.makeID(sweepName: "quickstart", parameters: p) == "85409593b7c285f1")
    }

    @Test("an explicit `search: {method: grid}` and an empty early_stopping change nothing")
    func explicitGrid() throws {
        let path = Fixtures.repositoryPath("sweeps/quickstart.yaml")
        let text = try String(contentsOfFile: path, encoding: .utf8)
            + "search: {method: grid, seed: 5}\nearly_stopping: {method: none}\n"
        let spec = try SweepSpec.parse(text: text, file: "quickstart.yaml", catalog: Fixtures.catalog)
        #expect(spec.trials().map(\.id) == Self.quickstart.map(\.id))
    }

    @Test("every spec in sweeps/ still parses, and counts its trials as it expands them")
    func shippedSpecs() throws {
        let folder = Fixtures.repositoryPath("sweeps")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }
        #expect(files.contains("quickstart.yaml") && files.contains("random-lr.yaml"))
        for file in files.sorted() {
            let spec = try SweepSpec.load(path: folder + "/" + file, catalog: Fixtures.catalog)
            #expect(spec.trialCount == spec.trials().count, "\(file)")
            #expect(Set(spec.trials().map(\.id)).count == spec.trialCount, "\(file)")
        }
    }
}
