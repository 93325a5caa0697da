import SweepKit
import Testing
import Training

@Suite("Model construction")
struct ModelTests {
    @Test("every named model maps 1×28×28 inputs to 10 logits",
          arguments: ModelFactory.names + ["mlp-64", "mlp-32-16"])
    func shapes(name: String) throws {
        let model = try ModelFactory.make(name, inputShape: [1, 28, 28], classes: 10, seed: 1)
        #expect(model.outputShape(for: [1, 28, 28]) == [10])
        let y = model.forward(randomTensor([2, 1, 28, 28], seed: 2, in: 0...1), mode: .evaluation)
        #expect(y.shape == [2, 10])
        #expect(y.scalars.allSatisfy { $0.isFinite })
    }

    @Test("convolutional models also take 3×32×32 (CIFAR) images", arguments: ["lenet5", "resnet8"])
    func cifarShapes(name: String) throws {
        let model = try ModelFactory.make(name, inputShape: [3, 32, 32], classes: 10, seed: 1)
        #expect(model.forward(randomTensor([2, 3, 32, 32], seed: 3), mode: .evaluation).shape == [2, 10])
    }

    @Test("parameters come in a fixed order with dotted names and per-layer indices")
    func parameterOrder() throws {
        let mlp = try ModelFactory.make("mlp-64", inputShape: [1, 28, 28], classes: 10, seed: 1)
        #expect(mlp.parameters.map(\.name) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        #expect(mlp.parameters.map(\.layer) == [0, 0, 1, 1])
        #expect(mlp.parameterCount == 784 * 64 + 64 + 64 * 10 + 10)
        let resnet = try ModelFactory.make("resnet20", inputShape: [1, 28, 28], classes: 10, seed: 1)
        // 1 stem conv + 9 blocks × 2 convs + 2 projection shortcuts + fc = 22 weight layers.
        let convs = resnet.parameters.filter { $0.name.hasSuffix("weight") && $0.shape.count == 4 }
        #expect(convs.count == 21)
        #expect(resnet.parameters.contains { $0.name == "stage2.block1.shortcut.weight" })
        let indices = resnet.parameters.map(\.layer)
        #expect(indices == indices.sorted())
    }

    @Test("the same seed gives the same initial weights, another seed different ones")
    func seededInit() throws {
        let a = try ModelFactory.make("lenet5", inputShape: [1, 28, 28], classes: 10, seed: 5)
        let b = try ModelFactory.make("lenet5", inputShape: [1, 28, 28], classes: 10, seed: 5)
        let c = try ModelFactory.make("lenet5", inputShape: [1, 28, 28], classes: 10, seed: 6)
        #expect(Array(a.parameters[0].values) == Array(b.parameters[0].values))
        #expect(Array(a.parameters[0].values) != Array(c.parameters[0].values))
    }

    @Test("unknown and malformed model names are rejected by name", arguments: ["vgg16", "mlp-", "mlp-0", "mlp-x"])
    func unknownModel(name: String) {
        #expect(throws: TrainingError.self) {
            _ = try ModelFactory.make(name, inputShape: [1, 28, 28], classes: 10, seed: 1)
        }
    }

    @Test("the built-in catalog lists models, sized MLPs, datasets, optimizers and schedules")
    func catalog() {
        let catalog = Catalog.builtin
        #expect(catalog.isKnownModel("lenet5") && catalog.isKnownModel("mlp-256-128"))
        #expect(!catalog.isKnownModel("mlp-abc"))
        #expect(catalog.datasets.contains("fashion-mnist") && catalog.datasets.contains("synthetic"))
        #expect(catalog.optimizer(named: "sgd") != nil && catalog.optimizer(named: "adam") != nil)
        #expect(catalog.schedule(named: "constant") != nil)
    }
}
