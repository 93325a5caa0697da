/// Builds the named models with seeded initial weights.
///
/// | name | architecture |
/// |---|---|
/// | `logreg` | multinomial logistic regression: one linear layer inputs → classes |
/// | `mlp` | inputs → 1000 → 1000 → classes, ReLU (the hypergradient paper's MLP) |
/// | `mlp-small` | inputs → 256 → 128 → classes, ReLU (the learned-schedule paper's MLP) |
/// | `mlp-N-N…` | any hidden sizes, e.g. `mlp-64` or `mlp-512-256-128` |
/// | `lenet5` | conv 6@5×5 pad 2, ReLU, max-pool 2, conv 16@5×5, ReLU, max-pool 2, 120, 84, classes |
/// | `resnet8`, `resnet14`, `resnet20` (`resnet` = `resnet8`) | He et al.'s CIFAR ResNet-(6n+2) |
///
/// Dense models flatten any image; convolutional ones need at least 28×28 inputs.
public enum ModelFactory {
    /// Names the catalog lists (sized MLPs come on top, see ``sizedNames``).
    public static let names = ["logreg", "mlp", "mlp-small", "lenet5",
                               "resnet", "resnet8", "resnet14", "resnet20"]
    /// Bases that accept hidden sizes after a dash (`mlp-256-128`).
    public static let sizedNames = ["mlp"]

    /// The model `name` for per-sample inputs of `inputShape` (`[c, h, w]`) and `classes` outputs.
    ///
    /// - Parameter seed: seeds the initial weights (and dropout masks, if any): same seed, same model.
    /// - Throws: ``TrainingError/unknownModel`` or ``TrainingError/incompatibleModel``.
    public static func make(_ name: String, inputShape: [Int], classes: Int, seed: Int,
                            dataset: String = "input") throws -> Sequential {
        var rng = SplitMix64(seed: seed, stream: SplitMix64.Stream.initialization)
        let features = inputShape.reduce(1, *)
        switch name {
        case "logreg":
            return Sequential(name: name, inputShape: inputShape, layers: [
                Flatten(),
                Linear(name: "fc", inFeatures: features, outFeatures: classes, initializer: .xavier, rng: &rng),
            ])
        case "mlp":
            return mlp(name, hidden: [1000, 1000], inputShape: inputShape, classes: classes, rng: &rng)
        case "mlp-small":
            return mlp(name, hidden: [256, 128], inputShape: inputShape, classes: classes, rng: &rng)
        case "lenet5":
            return try lenet5(inputShape: inputShape, classes: classes, dataset: dataset, rng: &rng)
        case "resnet", "resnet8", "resnet14", "resnet20":
            // ResNet-(6n+2): n basic blocks per stage.
            let n = ["resnet14": 2, "resnet20": 3][name] ?? 1
            return try resnet(name, blocksPerStage: n, inputShape: inputShape, classes: classes, dataset: dataset,
                              rng: &rng)
        default:
            let parts = name.split(separator: "-", omittingEmptySubsequences: false)
            if parts.count >= 2, parts[0] == "mlp" {
                let sizes = parts.dropFirst().compactMap { Int($0) }
                if sizes.count == parts.count - 1, sizes.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }) {
                    return mlp(name, hidden: sizes, inputShape: inputShape, classes: classes, rng: &rng)
                }
            }
            throw TrainingError.unknownModel(name, known: names)
        }
    }

    /// Flatten, then Linear + ReLU per hidden size (Kaiming init), then a Xavier-initialised classifier.
    static func mlp(_ name: String, hidden: [Int], inputShape: [Int], classes: Int,
                    rng: inout SplitMix64) -> Sequential {
        var layers: [any Layer] = [Flatten()]
        var width = inputShape.reduce(1, *)
        for (i, h) in hidden.enumerated() {
            layers.append(Linear(name: "fc\(i + 1)", inFeatures: width, outFeatures: h, initializer: .kaiming,
                                 rng: &rng))
            layers.append(ReLU(name: "relu\(i + 1)"))
            width = h
        }
        layers.append(Linear(name: "fc\(hidden.count + 1)", inFeatures: width, outFeatures: classes,
                             initializer: .xavier, rng: &rng))
        return Sequential(name: name, inputShape: inputShape, layers: layers)
    }
}
