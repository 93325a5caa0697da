import SweepKit
import SweepTesting
import Testing

@Suite("The shipped specs")
struct QuickstartTests {
    @Test("sweeps/quickstart.yaml is 2 optimizers × 3 LRs × 2 models × 2 seeds on a small Fashion-MNIST subset")
    func quickstart() throws {
        let spec = try SweepSpec.load(path: Fixtures.repositoryPath("sweeps/quickstart.yaml"),
                                      catalog: Fixtures.catalog)
        #expect(spec.name == "quickstart")
        #expect(spec.trialCount == 24)
        #expect(spec.trials().count == 24)
        #expect(spec.grid.first { $0.key == "optimizer" }?.values == [.string("sgd"), .string("adam")])
        #expect(spec.grid.first { $0.key == "dataset" }?.values == [.string("fashion-mnist")])
        #expect(spec.seeds == [1, 2])
        #expect(spec.train.batchSize == 128)
        #expect(spec.train.trainSize == 5000)
        #expect(spec.train.valSize == 1000)
        #expect(spec.train.threads == 1)
        // Small enough for "about a minute on two cores": at most a few hundred steps per trial.
        #expect((spec.train.steps ?? .max) <= 200)
        #expect(spec.goal == .minimize)
    }

    @Test("the tiny fixture spec parses and expands")
    func tinyFixture() throws {
        let spec = try Fixtures.tinySpec()
        #expect(spec.trialCount == 4)
        #expect(spec.retries == 1)
    }

    @Test("the trainer fixture spec parses with its placeholders")
    func trainerFixture() throws {
        let spec = try SweepSpec.parse(text: Fixtures.trainerSpecYAML, file: "external.yaml",
                                       catalog: Fixtures.catalog)
        #expect(spec.trialCount == 8)
        #expect(spec.goal == .maximize)
        #expect(spec.trainer?.timeout == 1800)
        #expect(spec.trainer?.grace == 5)
    }
}
