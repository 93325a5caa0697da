import Foundation
import SweepKit

/// The training loop of one trial: minibatch steps, periodic validation, final test.
///
/// Each step is the engine's ``TrainingStep`` (the one the controller's episodes take too): a batch
/// from this epoch's seeded permutation, zeroed gradients, forward, fused softmax cross-entropy,
/// backward, then `optimizer.update` over every parameter in a fixed order at the schedule's factor
/// `schedule.factor(step:totalSteps:)`. Weight decay is the optimizer's business
/// (``OptimizerContext/weightDecay``).
///
/// Every `evalEvery` steps and after the last step the validation split is evaluated, the
/// schedule observes the validation loss, and an ``TrainingEvent/evaluation(step:metrics:)`` is
/// sent. A non-finite training or validation loss stops the run with status `.diverged`.
///
/// Determinism: given the seed and the BLAS thread count, every random choice (weights,
/// validation split, shuffles, dropout) comes from seeded ``SplitMix64`` streams and every
/// reduction runs in a fixed order, so two runs give bit-identical losses.
final class Trainer {
    let request: TrainingRequest
    /// The child and its step, shared with the learned controller's episodes.
    let training: TrainingStep
    let optimizer: any Optimizer
    var schedule: any Schedule
    let totalSteps: Int
    let stepsPerEpoch: Int
    let evalEvery: Int

    /// The child network.
    var model: Sequential { training.model }
    /// Which images it trains and validates on.
    var split: DataSplit { training.split }

    init(_ request: TrainingRequest, data: DataLocator) throws {
        self.request = request
        let p = request.parameters, c = request.config
        guard let modelName = p.model else { throw TrainingError.badConfig("no model given") }
        guard let datasetName = p.dataset else { throw TrainingError.badConfig("no dataset given") }
        guard let optimizerName = p.optimizer else { throw TrainingError.badConfig("no optimizer given") }
        guard let lr = p.lr, lr.isFinite else { throw TrainingError.badConfig("no learning rate (lr) given") }
        guard c.batchSize >= 1 else { throw TrainingError.badConfig("batch_size must be at least 1") }
        guard c.threads >= 1 else { throw TrainingError.badConfig("threads must be at least 1") }
        if let s = c.steps, s < 1 { throw TrainingError.badConfig("steps must be at least 1, got \(s)") }
        if let e = c.epochs, !(e > 0) { throw TrainingError.badConfig("epochs must be positive, got \(e)") }
        evalEvery = c.evalEvery
        training = try TrainingStep(model: modelName, dataset: datasetName, seed: p.seed ?? 0, batchSize: c.batchSize,
                                    trainSize: c.trainSize, valSize: c.valSize, threads: c.threads, data: data)
        stepsPerEpoch = training.stepsPerEpoch
        if let s = c.steps {
            totalSteps = s
        } else if let e = c.epochs {
            totalSteps = Swift.max(1, Int((e * Double(stepsPerEpoch)).rounded(.up)))
        } else {
            totalSteps = stepsPerEpoch
        }
        let context = OptimizerContext(stepsPerEpoch: stepsPerEpoch, totalSteps: totalSteps,
                                       weightDecay: c.weightDecay)
        optimizer = try OptimizerRegistry.make(name: optimizerName, lr: lr, options: request.optimizerOptions,
                                               context: context)
        let scheduleName = p.schedule ?? c.schedule
        schedule = try ScheduleRegistry.make(name: scheduleName, options: c.scheduleOptions, context: context)
    }

    /// Runs to the end, to divergence, or until `shouldStop` returns true.
    func run(shouldStop: () -> Bool, onEvent: (TrainingEvent) -> Void) -> TrainingSummary {
        training.useThreads()
        let clock = ContinuousClock()
        let start = clock.now
        func elapsed() -> Double {
            let d = clock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        let progressEvery = Swift.max(1, (totalSteps + 99) / 100)  // at most ~100 progress events
        var lossSum = 0.0
        var lossCount = 0
        var metrics: [String: Double] = [:]
        var lastEvaluated = 0

        func finish(_ status: TrialStatus, steps: Int, reason: String?) -> TrainingSummary {
            metrics["final_lr"] = optimizer.learningRate
            return TrainingSummary(status: status, metrics: metrics.filter { $0.value.isFinite }, steps: steps,
                                   seconds: elapsed(), reason: reason)
        }

        for step in 1...totalSteps {
            if shouldStop() { return finish(.failed, steps: step - 1, reason: "stopped") }
            let batchLoss = training.computeGradients()
            guard batchLoss.isFinite else {
                return finish(.diverged, steps: step - 1, reason: "loss became \(batchLoss) at step \(step)")
            }
            // rl-schedule hook (Optimizers/RLSchedule.swift): an optimizer that observes the model decides here.
            (optimizer as? any TrainingObserver)?.willUpdate(step: step, batchLoss: batchLoss, training: training)
            training.apply(optimizer, scheduleFactor: schedule.factor(step: step, totalSteps: totalSteps), step: step)
            lossSum += batchLoss
            lossCount += 1

            if step % progressEvery == 0 || step == totalSteps {
                onEvent(.progress(step: step, totalSteps: totalSteps))
            }
            if (evalEvery > 0 && step % evalEvery == 0) || step == totalSteps {
                let (valLoss, valAccuracy) = evaluate(training.images, indices: training.validationIndices)
                lastEvaluated = step
                metrics["train_loss"] = lossSum / Double(Swift.max(lossCount, 1))
                lossSum = 0
                lossCount = 0
                guard valLoss.isFinite else {
                    return finish(.diverged, steps: step, reason: "validation loss became \(valLoss) at step \(step)")
                }
                metrics["val_loss"] = valLoss
                metrics["val_accuracy"] = valAccuracy
                schedule.observe(validationLoss: valLoss, step: step)
                var event = optimizer.metrics
                event["lr"] = optimizer.learningRate
                event["train_loss"] = metrics["train_loss"]
                event["val_loss"] = valLoss
                event["val_accuracy"] = valAccuracy
                event["seconds"] = elapsed()
                onEvent(.evaluation(step: step, metrics: event.filter { $0.value.isFinite }))
            }
        }
        precondition(lastEvaluated == totalSteps, "the last step is always evaluated")
        let test = training.testImages
        let (testLoss, testAccuracy) = evaluate(test, indices: Array(0..<test.count))
        metrics["test_loss"] = testLoss
        metrics["test_accuracy"] = testAccuracy
        return finish(.done, steps: totalSteps, reason: nil)
    }

    /// Mean loss and accuracy of the model (evaluation mode) on `indices` of `set`
    /// (``TrainingStep/evaluate(_:indices:)``).
    func evaluate(_ set: LabeledImages, indices: [Int]) -> (loss: Double, accuracy: Double) {
        training.evaluate(set, indices: indices)
    }
}

/// Trains one trial with the built-in engine and returns how it ended.
///
/// - Parameters:
///   - request: the trial's parameters (`model`, `dataset`, `optimizer`, `lr`, `seed`, optional
///     `schedule`), its train config and optimizer options.
///   - data: where datasets are looked for.
///   - shouldStop: polled before every step; when it returns true the run ends with status
///     `.failed` and reason "stopped", keeping the metrics measured so far.
///   - onEvent: receives evaluations and progress, on the calling thread.
/// - Returns: the summary; a diverging run is a summary with status `.diverged`, not an error.
/// - Throws: ``TrainingError`` for missing data, unknown names or bad settings, and the
///   optimizer registry's error for unknown optimizers, schedules or options.
public func runTraining(_ request: TrainingRequest, data: DataLocator = DataLocator(),
                        shouldStop: () -> Bool = { false },
                        onEvent: (TrainingEvent) -> Void = { _ in }) throws -> TrainingSummary {
    let trainer = try Trainer(request, data: data)
    return trainer.run(shouldStop: shouldStop, onEvent: onEvent)
}
