import ArgumentParser
import Foundation
import LRController
import SweepKit
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one model locally with one optimizer (no coordinator), printing metrics as it goes.",
        discussion: """
            Example: lrsweep train --model mlp --dataset fashion-mnist --optimizer adam-hd --lr 1e-3 --epochs 1
            With --json: one JSON object per evaluation, the last line is the summary
            (status, train_loss, val_loss, val_accuracy, test_loss, test_accuracy, steps, seconds, final_lr).
            """)

    @Option(name: .long, help: "Model: logreg, mlp, mlp-small, mlp-N-N…, lenet5, resnet8, resnet20 (see `lrsweep models`).")
    var model: String = "logreg"

    @Option(name: .long, help: "Dataset: fashion-mnist, mnist, cifar10, synthetic (see `lrsweep datasets`).")
    var dataset: String = "fashion-mnist"

    @Option(name: .long, help: "Optimizer (see `lrsweep optimizers`).")
    var optimizer: String = "sgd"

    @Option(name: .long, help: "Initial learning rate.")
    var lr: Double = 0.1

    @Option(name: .long, help: "Training steps (minibatches); wins over --epochs.")
    var steps: Int?

    @Option(name: .long, help: "Epochs over the training split (default 1 when --steps is not given).")
    var epochs: Double?

    @Option(name: .long, help: "Random seed (initialisation, split, shuffling).")
    var seed: Int = 1

    @Option(name: .customLong("batch-size"), help: "Minibatch size.")
    var batchSize: Int = 128

    @Option(name: .customLong("weight-decay"), help: "L2 weight decay.")
    var weightDecay: Double = 0

    @Option(name: .long, help: "LR schedule: constant, step, multistep, exponential, cosine, plateau, warmup.")
    var schedule: String = "constant"

    @Option(name: .customLong("eval-every"), help: "Steps between validation evaluations.")
    var evalEvery: Int = 100

    @Option(name: .customLong("train-size"), help: "Use only this many training images.")
    var trainSize: Int?

    @Option(name: .customLong("val-size"), help: "Validation images held out from the training split.")
    var valSize: Int?

    @Option(name: .customLong("opt"), help: "Optimizer option KEY=VALUE (repeatable), e.g. --opt hyper_lr=1e-3.")
    var opts: [String] = []

    @Option(name: .long, help: "BLAS threads.")
    var threads: Int = 1

    @Flag(name: .long, help: "Machine-readable output: one JSON object per line.")
    var json = false

    func run() throws {
        var params = Parameters()
        params["model"] = .string(model)
        params["dataset"] = .string(dataset)
        params["optimizer"] = .string(optimizer)
        params["lr"] = .double(lr)
        params["seed"] = .int(seed)
        let catalog = Catalog.builtin
        guard let descriptor = catalog.optimizer(named: optimizer) else {
            throw UserError("unknown optimizer '\(optimizer)'; known: "
                            + catalog.optimizers.map(\.name).joined(separator: ", "))
        }
        guard catalog.isKnownModel(model) else {
            throw UserError("unknown model '\(model)'; known: " + catalog.models.joined(separator: ", "))
        }
        guard lr > 0 else { throw UserError("--lr must be > 0") }
        var options: [String: ParamValue] = [:]
        for o in opts {
            let parts = o.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let option = descriptor.option(named: parts[0]) else {
                throw UserError("--opt \(o): expected KEY=VALUE with KEY one of "
                                + descriptor.options.map(\.name).joined(separator: ", "))
            }
            let value = parseOptionValue(parts[1])
            if let problem = option.problem(with: value) { throw UserError("--opt \(o): \(problem)") }
            options[parts[0]] = value
        }
        let config = TrainConfig(batchSize: batchSize, epochs: epochs, steps: steps, evalEvery: evalEvery,
                                 trainSize: trainSize, valSize: valSize, weightDecay: weightDecay,
                                 schedule: schedule, threads: threads)
        let bar = json ? nil : ProgressBar(label: "\(model)/\(optimizer)")
        let summary: TrainingSummary
        do {
            let request = TrainingRequest(parameters: params, config: config, optimizerOptions: options)
            summary = try runTraining(request, onEvent: { event in
                switch event {
                case .evaluation(let step, let metrics):
                    if json {
                        var line = metrics
                        line["step"] = Double(step)
                        printJSONLine(line)
                    } else {
                        bar?.finish()
                        let shown = ["train_loss", "val_loss", "val_accuracy", "lr"].compactMap { k in
                            metrics[k].map { "\(k) \(String(format: "%.4g", $0))" }
                        }
                        print("step \(step): " + shown.joined(separator: " · "))
                    }
                case .progress(let step, let total):
                    bar?.update(done: step, total: total, detail: "")
                }
            })
        } catch let error as TrainingError {
            throw UserError(error.description)
        }
        bar?.finish()
        if json {
            var line: [String: ParamValue] = summary.metrics.mapValues { .double($0) }
            line["status"] = .string(summary.status.rawValue)
            line["steps"] = .int(summary.steps)
            line["seconds"] = .double(summary.seconds)
            if let r = summary.reason { line["reason"] = .string(r) }
            printJSONLine(line)
        } else {
            print("\(summary.status.rawValue) after \(summary.steps) steps in \(formatDuration(summary.seconds))"
                  + (summary.reason.map { " (\($0))" } ?? ""))
            for k in summary.metrics.keys.sorted() {
                print("  \(k): \(String(format: "%.4f", summary.metrics[k] ?? .nan))")
            }
        }
        if summary.status == .failed { throw ExitCode(2) }
    }
}

/// Reads an option value as a YAML-ish scalar: number, true/false, [a, b] list, or text.
func parseOptionValue(_ text: String) -> ParamValue {
    let t = text.trimmingCharacters(in: .whitespaces)
    if t == "true" { return .bool(true) }
    if t == "false" { return .bool(false) }
    if let i = Int(t) { return .int(i) }
    if let d = Double(t) { return .double(d) }
    if t.hasPrefix("["), t.hasSuffix("]") {
        return .list(t.dropFirst().dropLast().split(separator: ",").map { parseOptionValue(String($0)) })
    }
    return .string(t)
}
