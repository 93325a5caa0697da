import SweepKit
import Testing
@testable import Training

/// One evaluation event of a run.
struct Evaluation {
    let step: Int
    let metrics: [String: Double]
    subscript(_ key: String) -> Double { metrics[key] ?? .nan }
}

/// A real training run (the trainer `runTraining` builds) that also reports the model's validation
/// loss and accuracy before the first update and the final parameters.
func trainObserved(_ request: TrainingRequest) throws
    -> (initial: (loss: Double, accuracy: Double), summary: TrainingSummary, evaluations: [Evaluation],
        parameters: [[Float]]) {
    let trainer = try Trainer(request, data: DataLocator())
    let initial = trainer.evaluate(trainer.split.data.train, indices: trainer.split.validationIndices)
    var evaluations: [Evaluation] = []
    let summary = trainer.run(shouldStop: { false }, onEvent: {
        if case let .evaluation(step, metrics) = $0 { evaluations.append(Evaluation(step: step, metrics: metrics)) }
    })
    return (initial, summary, evaluations, parameters(of: trainer))
}

/// A copy of the trainer's parameters. The views point into storage the model owns, so the trainer is
/// kept alive until the copy is made.
func parameters(of trainer: Trainer) -> [[Float]] {
    withExtendedLifetime(trainer) { trainer.model.parameterViews.map { Array($0.value) } }
}

/// Every value of `ps`, flattened, as Doubles.
private func flat(_ ps: [[Float]]) -> [Double] { ps.flatMap { $0.map(Double.init) } }

/// A short logistic-regression run on the synthetic set, evaluated after every update.
private func logreg(optimizer: String = "sgd", lr: Double = 0.1, steps: Int, schedule: String = "constant",
                    scheduleOptions: [String: ParamValue] = [:], weightDecay: Double = 0,
                    evalEvery: Int = 1) -> TrainingRequest {
    request(optimizer: optimizer, lr: lr, seed: 3,
            config: TrainConfig(batchSize: 50, steps: steps, evalEvery: evalEvery, trainSize: 1_000, valSize: 200,
                                weightDecay: weightDecay, schedule: schedule, scheduleOptions: scheduleOptions,
                                threads: 1))
}

@Suite("Schedules and weight decay in real training runs")
struct TrainerScheduleTests {
    @Test("step schedule: the lr curve drops by γ after every step_size updates; constant stays at α")
    func stepScheduleCurve() throws {
        let stepped = try trainObserved(logreg(steps: 15, schedule: "step",
                                               scheduleOptions: ["step_size": .int(5), "gamma": .double(0.1)]))
        #expect(stepped.summary.status == .done)
        #expect(stepped.evaluations.map(\.step) == Array(1...15))
        // factor(t) = 0.1^⌊(t−1)/5⌋: updates 1–5 at 0.1, 6–10 at 0.01, 11–15 at 0.001.
        let expected = [Double](repeating: 0.1, count: 5) + [Double](repeating: 0.01, count: 5)
            + [Double](repeating: 0.001, count: 5)
        #expect(close(stepped.evaluations.map { $0["lr"] / 0.1 }, expected.map { $0 / 0.1 }, tol: 1e-9))
        #expect(close(stepped.summary.metrics["final_lr"].map { $0 / 0.1 }, 0.01, tol: 1e-9))  // update 15: 0.001

        let constant = try trainObserved(logreg(steps: 15))
        #expect(constant.evaluations.count == 15)
        #expect(constant.evaluations.allSatisfy { close($0["lr"], 0.1, tol: 1e-12) })
        // Same seed, same batches, same first five updates: the runs agree until the drop, then part.
        #expect(close(stepped.evaluations[4]["val_loss"], constant.evaluations[4]["val_loss"], tol: 1e-12))
        #expect(abs(stepped.evaluations[14]["val_loss"] - constant.evaluations[14]["val_loss"]) > 1e-4)
    }

    @Test("step schedule with γ = 0: the updates use the factor, so the model is frozen after step_size")
    func stepScheduleFreezes() throws {
        // sgd with α·0 = 0 leaves every weight exactly as it was, so the validation loss (a fixed set,
        // logreg has no batch statistics) repeats from the evaluation at step 5 on.
        let frozen = try trainObserved(logreg(steps: 10, schedule: "step",
                                              scheduleOptions: ["step_size": .int(5), "gamma": .double(0)]))
        #expect(frozen.summary.status == .done)
        let atDrop = frozen.evaluations[4]["val_loss"]
        #expect(frozen.evaluations[4].step == 5 && atDrop.isFinite)
        #expect(frozen.evaluations[5...].allSatisfy { abs($0["val_loss"] - atDrop) <= 1e-12 })
        #expect(frozen.evaluations[5...].allSatisfy { abs($0["lr"]) <= 1e-12 })
        // The first five updates did move it: the loss at step 5 is below the untrained model's.
        #expect(atDrop < frozen.initial.loss - 0.05)

        // The constant schedule keeps moving the model after step 5.
        let moving = try trainObserved(logreg(steps: 10))
        #expect(close(moving.evaluations[4]["val_loss"], atDrop, tol: 1e-12))
        #expect(moving.evaluations[5...].allSatisfy { abs($0["val_loss"] - atDrop) > 1e-6 })
    }

    @Test("plateau: with an lr too small to move the loss, the lr halves after every patience + 1 flat evaluations")
    func plateauReduces() throws {
        // α = 1e-30 changes no weight by more than a rounding error, so the validation loss is the same at
        // every evaluation: the first sets best, and every later one is "no improvement" (threshold 1e-4).
        // patience 1, factor 0.5: evaluations 1 best; 2 bad (1); 3 bad (2 > 1) → ×0.5; 4 bad (1); 5 → ×0.25;
        // 6; 7 → ×0.125; 8; 9 → ×0.0625. The lr reported at step t is the one update t used, and observe
        // runs after it, so updates 1–3 use 1, 4–5 use 0.5, 6–7 0.25, 8–9 0.125 (times α).
        let lr = 1e-30
        let run = try trainObserved(logreg(lr: lr, steps: 9, schedule: "plateau",
                                           scheduleOptions: ["patience": .int(1), "factor": .double(0.5)]))
        #expect(run.summary.status == .done)
        let losses = run.evaluations.map { $0["val_loss"] }
        #expect(losses.allSatisfy { abs($0 - run.initial.loss) <= 1e-6 * run.initial.loss })  // the premise
        #expect(close(run.evaluations.map { $0["lr"] / lr }, [1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125],
                      tol: 1e-9))
        #expect(close(run.summary.metrics["final_lr"].map { $0 / lr }, 0.125, tol: 1e-9))

        // The same flat run with a constant schedule keeps α throughout.
        let constant = try trainObserved(logreg(lr: lr, steps: 9))
        #expect(constant.evaluations.allSatisfy { close($0["lr"] / lr, 1, tol: 1e-9) })
    }

    @Test("plateau leaves the lr alone while the validation loss keeps improving")
    func plateauHoldsWhileImproving() throws {
        // patience 0: a single evaluation without a 1e-4 relative improvement would cut the lr tenfold.
        let run = try trainObserved(logreg(steps: 40, schedule: "plateau",
                                           scheduleOptions: ["patience": .int(0), "factor": .double(0.1)],
                                           evalEvery: 10))
        let losses = [run.initial.loss] + run.evaluations.map { $0["val_loss"] }
        #expect(losses.count == 5)
        // The premise: each evaluation improves on the previous one by more than the threshold.
        #expect(zip(losses.dropFirst(), losses).allSatisfy { $0 < $1 * (1 - 1e-4) }, "\(losses)")
        #expect(run.evaluations.allSatisfy { close($0["lr"], 0.1, tol: 1e-12) })
    }

    @Test("weight decay in a real sgd step: θ1(wd) − θ1(0) = −α·wd·θ0 for every weight")
    func weightDecayOneStep() throws {
        // One update from the same θ0 on the same batch: θ1 = θ0 − α·(g + wd·θ0), so the two runs differ
        // by −α·wd·θ0 = −0.1·0.5·θ0 = −0.05·θ0 (biases start at 0 and agree).
        let plainRequest = logreg(steps: 1, weightDecay: 0)
        let initial = parameters(of: try Trainer(plainRequest, data: DataLocator()))
        let plain = try trainObserved(plainRequest)
        let decayed = try trainObserved(logreg(steps: 1, weightDecay: 0.5))
        let theta0 = flat(initial), a = flat(plain.parameters), b = flat(decayed.parameters)
        #expect(theta0.count == 784 * 10 + 10 && a.count == theta0.count && b.count == theta0.count)
        let difference = zip(b, a).map { $0 - $1 }
        #expect(close(difference, theta0.map { -0.05 * $0 }, tol: 1e-6))
        // The decay is not vanishingly small: Xavier weights are up to √(6/794) ≈ 0.087, so up to ≈ 0.0043.
        #expect((difference.map(abs).max() ?? 0) > 0.002)
    }

    /// wd·θ pulls every weight toward 0 on every update, so with everything else equal (seed, batches,
    /// 60 updates) the final weights are clearly smaller. adamw decays by α·wd·θ per update (α = 0.01),
    /// so it gets a larger wd to shrink as much as the others: 0.99^60 ≈ 0.55 on the initial weights.
    @Test("weight decay shrinks the final weights of sgd, momentum, adam and adamw runs and changes the loss",
          arguments: [("sgd", 0.1, 0.1), ("momentum", 0.1, 0.1), ("adam", 0.01, 0.1), ("adamw", 0.01, 1.0)])
    func weightDecayShrinks(optimizer: String, lr: Double, wd: Double) throws {
        let plain = try trainObserved(logreg(optimizer: optimizer, lr: lr, steps: 60, weightDecay: 0, evalEvery: 60))
        let decayed = try trainObserved(logreg(optimizer: optimizer, lr: lr, steps: 60, weightDecay: wd,
                                               evalEvery: 60))
        #expect(plain.summary.status == .done && decayed.summary.status == .done)
        func norm(_ ps: [[Float]]) -> Double { flat(ps).reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let n0 = norm(plain.parameters), n1 = norm(decayed.parameters)
        #expect(n1 < 0.9 * n0, "\(optimizer): ‖θ‖ = \(n1) with wd \(wd), \(n0) without")
        let l0 = try #require(plain.summary.metrics["val_loss"]), l1 = try #require(decayed.summary.metrics["val_loss"])
        #expect(abs(l1 - l0) > 1e-4, "\(optimizer): val_loss \(l1) with wd \(wd), \(l0) without")
    }
}
