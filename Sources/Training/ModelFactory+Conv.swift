extension ModelFactory {
    /// LeNet-5 as the learned-schedule paper uses it (LeCun et al. 1998, with ReLU and max-pooling):
    /// conv 6@5×5 pad 2 → ReLU → max-pool 2 → conv 16@5×5 → ReLU → max-pool 2 → 120 → 84 → classes.
    ///
    /// On 28×28 inputs the feature map before the dense layers is 16×5×5; on 32×32 it is 16×6×6.
    static func lenet5(inputShape: [Int], classes: Int, dataset: String, rng: inout SplitMix64) throws -> Sequential {
        guard inputShape.count == 3, inputShape[1] >= 16, inputShape[2] >= 16 else {
            throw TrainingError.incompatibleModel(model: "lenet5", dataset: dataset,
                                                  reason: "needs images of at least 16×16, got \(inputShape)")
        }
        let c = inputShape[0]
        let features = [Conv2d(name: "conv1", inChannels: c, outChannels: 6, kernel: 5, padding: 2, rng: &rng),
                        ReLU(name: "relu1"), MaxPool2d(name: "pool1", kernel: 2),
                        Conv2d(name: "conv2", inChannels: 6, outChannels: 16, kernel: 5, rng: &rng),
                        ReLU(name: "relu2"), MaxPool2d(name: "pool2", kernel: 2)] as [any Layer]
        let flat = features.reduce(inputShape) { $1.outputShape(for: $0) }.reduce(1, *)
        let head: [any Layer] = [
            Flatten(),
            Linear(name: "fc1", inFeatures: flat, outFeatures: 120, initializer: .kaiming, rng: &rng),
            ReLU(name: "relu3"),
            Linear(name: "fc2", inFeatures: 120, outFeatures: 84, initializer: .kaiming, rng: &rng),
            ReLU(name: "relu4"),
            Linear(name: "fc3", inFeatures: 84, outFeatures: classes, initializer: .xavier, rng: &rng),
        ]
        return Sequential(name: "lenet5", inputShape: inputShape, layers: features + head)
    }

    /// The CIFAR ResNet-(6n+2) of He et al. (CVPR 2016, §4.2): conv 3×3 16 → BN → ReLU, three
    /// stages of n basic blocks at 16, 32 and 64 channels (the first block of stages 2 and 3
    /// halves the resolution), global average pooling, then a linear classifier.
    ///
    /// Works on 1×28×28 (28 → 14 → 7) and 3×32×32 (32 → 16 → 8) inputs.
    static func resnet(_ name: String, blocksPerStage n: Int, inputShape: [Int], classes: Int, dataset: String,
                       rng: inout SplitMix64) throws -> Sequential {
        guard inputShape.count == 3, inputShape[1] >= 8, inputShape[2] >= 8 else {
            throw TrainingError.incompatibleModel(model: name, dataset: dataset,
                                                  reason: "needs images of at least 8×8, got \(inputShape)")
        }
        var layers: [any Layer] = [
            Conv2d(name: "conv1", inChannels: inputShape[0], outChannels: 16, kernel: 3, padding: 1, bias: false,
                   rng: &rng),
            BatchNorm(name: "bn1", channels: 16),
            ReLU(name: "relu1"),
        ]
        var channels = 16
        for (stage, width) in [16, 32, 64].enumerated() {
            for block in 0..<n {
                let stride = stage > 0 && block == 0 ? 2 : 1
                layers.append(ResidualBlock(name: "stage\(stage + 1).block\(block + 1)", inChannels: channels,
                                            outChannels: width, stride: stride, rng: &rng))
                channels = width
            }
        }
        layers.append(AvgPool2d(globalNamed: "pool"))
        layers.append(Linear(name: "fc", inFeatures: channels, outFeatures: classes, initializer: .xavier, rng: &rng))
        return Sequential(name: name, inputShape: inputShape, layers: layers)
    }
}
