import SweepKit

/// Spec fixtures for tests: a catalog that mirrors the built-in one, and small specs.
///
/// The catalog is written out here rather than taken from `Training`, so spec tests don't depend
/// on the training engine. Its names are the real ones; its options are a realistic subset.
public enum Fixtures {
    /// Optimizers, schedules, models and datasets as the built-in catalog names them.
    public static let catalog = Catalog(
        optimizers: optimizers, schedules: schedules,
        models: ["logreg", "mlp", "mlp-small", "lenet5", "resnet8", "resnet20"],
        sizedModels: ["mlp"],
        datasets: ["fashion-mnist", "mnist", "cifar10", "synthetic"])

    static let momentum = OptionDescriptor("momentum", .number, default: .double(0.9), min: 0, max: 0.999999,
                                           help: "momentum coefficient μ")
    static let hyperLR = OptionDescriptor("hyper_lr", .number, default: .double(1e-3), min: 0,
                                          help: "hyper-learning-rate β")
    static let beta1 = OptionDescriptor("beta1", .number, default: .double(0.9), min: 0, max: 0.999999,
                                        help: "decay rate β1 of the first moment")
    static let beta2 = OptionDescriptor("beta2", .number, default: .double(0.999), min: 0, max: 0.99999999,
                                        help: "decay rate β2 of the second moment")
    static let eps = OptionDescriptor("eps", .number, default: .double(1e-8), min: 0, max: 1, help: "ε")

    static let optimizers: [MethodDescriptor] = [
        MethodDescriptor(name: "sgd", summary: "plain SGD"),
        MethodDescriptor(name: "momentum", summary: "heavy-ball momentum", options: [momentum]),
        MethodDescriptor(name: "sgdn", summary: "Nesterov momentum", options: [momentum]),
        MethodDescriptor(name: "adam", summary: "Adam", options: [beta1, beta2, eps]),
        MethodDescriptor(name: "adamw", summary: "AdamW", options: [beta1, beta2, eps]),
        MethodDescriptor(name: "rmsprop", summary: "RMSProp", options: [
            OptionDescriptor("decay", .number, default: .double(0.99), min: 0, max: 0.999999, help: "ρ"), eps,
        ]),
        MethodDescriptor(name: "sgd-hd", summary: "SGD with hypergradient descent", options: [
            hyperLR,
            OptionDescriptor("multiplicative", .boolean, default: .bool(false), help: "multiplicative rule"),
        ]),
        MethodDescriptor(name: "sgdn-hd", summary: "Nesterov SGD with hypergradient descent",
                         options: [hyperLR, momentum]),
        MethodDescriptor(name: "adam-hd", summary: "Adam with hypergradient descent",
                         options: [hyperLR, beta1, beta2, eps]),
        MethodDescriptor(name: "salr", summary: "structured self-adaptive rate", options: [
            OptionDescriptor("hyper_lr_global", .number, default: .double(0.05), min: 0, max: 1, help: "global step"),
            OptionDescriptor("lr_bounds", .range, default: .list([.double(1e-6), .double(1)]), min: 1e-12,
                             help: "clamp [min, max] on every rate"),
            OptionDescriptor("base", .choice(["sgd", "adam"]), default: .string("sgd"), help: "base direction"),
        ]),
        MethodDescriptor(name: "autodrop", summary: "AutoDrop", options: [
            OptionDescriptor("drop_factor", .number, default: .double(0.5), min: 0, max: 1, help: "LR cut"),
            OptionDescriptor("patience", .integer, default: .int(1), min: 1, help: "epochs of slowing"),
        ]),
    ]

    static let schedules: [MethodDescriptor] = [
        MethodDescriptor(name: "constant", summary: "factor 1 throughout"),
        MethodDescriptor(name: "step", summary: "× gamma every step_size steps", options: [
            OptionDescriptor("step_size", .integer, default: .int(100), min: 1, help: "steps between drops"),
            OptionDescriptor("gamma", .number, default: .double(0.1), min: 0, max: 1, help: "factor per drop"),
        ]),
        MethodDescriptor(name: "multistep", summary: "× gamma at fractions of training", options: [
            OptionDescriptor("gamma", .number, default: .double(0.1), min: 0, max: 1, help: "factor per drop"),
        ]),
        MethodDescriptor(name: "exponential", summary: "× gamma every step", options: [
            OptionDescriptor("gamma", .number, default: .double(0.999), min: 0, max: 1, help: "factor per step"),
        ]),
        MethodDescriptor(name: "cosine", summary: "cosine decay", options: [
            OptionDescriptor("min_factor", .number, default: .double(0), min: 0, max: 1, help: "final factor"),
        ]),
        MethodDescriptor(name: "plateau", summary: "× factor when validation loss stalls", options: [
            OptionDescriptor("factor", .number, default: .double(0.1), min: 0, max: 1, help: "factor per drop"),
            OptionDescriptor("patience", .integer, default: .int(2), min: 0, help: "evaluations to wait"),
        ]),
        MethodDescriptor(name: "warmup", summary: "linear warmup, then constant", options: [
            OptionDescriptor("warmup_steps", .integer, default: .int(100), min: 0, help: "steps of warmup"),
        ]),
    ]

    /// A tiny engine sweep: 2 optimizers × 2 LRs × synthetic × logreg × 1 seed = 4 short trials.
    public static let tinySpecYAML = """
        name: tiny
        grid:
          optimizer: [sgd, adam]
          lr: [1.0e-1, 1.0e-2]
          dataset: synthetic
          model: logreg
        seeds: [1]
        train:
          batch_size: 16
          steps: 20
          eval_every: 10
          train_size: 256
          val_size: 64
        retries: 1

        """

    /// A sweep that runs an external command: 2 LRs × 2 dropouts × 2 seeds = 8 trials.
    public static let trainerSpecYAML = """
        name: external
        metric: val_accuracy
        grid:
          lr: [0.1, 0.01]
          dropout: [0.1, 0.3]
        seeds: [1, 2]
        trainer:
          command: [python3, train.py, --lr, "{lr}", --dropout, "{dropout}", --seed, "{seed}", --out, "{out_dir}"]
          timeout: 30m
          grace: 5
          env: {OMP_NUM_THREADS: "1"}

        """

    /// The tiny spec, parsed against ``catalog``.
    public static func tinySpec() throws -> SweepSpec {
        try SweepSpec.parse(text: tinySpecYAML, file: "tiny.yaml", catalog: catalog)
    }

    /// The absolute path of a file in this repository, e.g. `repositoryPath("sweeps/quickstart.yaml")`.
    ///
    /// Found from this source file's location (`Sources/SweepTesting/Fixtures.swift`), so it works
    /// whatever the test's working directory is.
    public static func repositoryPath(_ relative: String) -> String {
        var parts = thisFile.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return (parts + [Substring(relative)]).joined(separator: "/")
    }

    /// This file's path at compile time (a default argument would give the caller's instead).
    private static let thisFile: String = #filePath
}
