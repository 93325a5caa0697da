import Foundation
import SweepKit
import Testing
import LRController
import Training

@Suite("PPO controller: observations, episodes and rl-schedule")
struct ControllerObservationTests {
    @Test("the seven observations of a fixed 2→3 linear model on two images, by hand")
    func observationByHand() {
        var rng = SplitMix64(seed: 1)
        let fc = Linear(name: "fc", inFeatures: 2, outFeatures: 3, rng: &rng)
        let model = Sequential(inputShape: [2], layers: [fc])
        fc.weight.setValues([1, 0, 0, 1, 1, -1])   // W = [[1, 0], [0, 1], [1, −1]]
        fc.bias.setValues([0, 0.5, 0])
        let set = LabeledImages(pixels: [1, 2, 0.5, 0, 9, 9], labels: [0, 2, 1], sampleShape: [2], classes: 3)
        let probe = ObservationProbe(set: set, indices: [0, 1])  // images 0 and 1, in that order
        probe.recordInitialLogits(model)
        // The losses of twelve minibatches: the observation keeps the last ten.
        for l in [9.0, 9.0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] { probe.record(batchLoss: l) }

        // Then a "step" changes the weights.
        fc.weight.setValues([1, 0, 0, 2, 1, -1])   // W = [[1, 0], [0, 2], [1, −1]]
        let o = probe.observe(model, learningRate: 3e-3)

        // Image 0 x = (1, 2): z = (1, 4.5, −1); image 1 x = (0.5, 0): z = (0.5, 0.5, 0.5).
        let z: [Double] = [1, 4.5, -1, 0.5, 0.5, 0.5]
        func lse(_ v: [Double]) -> Double { log(v.reduce(0) { $0 + exp($1) }) }
        let loss0 = lse([1, 4.5, -1]) - 1          // label 0
        let loss1 = lse([0.5, 0.5, 0.5]) - 0.5     // label 2: log 3
        #expect(abs(o.validationLoss - (loss0 + loss1) / 2) < 1e-6)
        func variance(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)
        }
        #expect(abs(o.logitVariance - variance(z)) < 1e-6)
        // Before the step: image 0 z = (1, 2.5, −1), image 1 z = (0.5, 0.5, 0.5): the change is
        // (0, 2, 0, 0, 0, 0).
        #expect(abs(o.logitChangeVariance - variance([0, 2, 0, 0, 0, 0])) < 1e-6)
        #expect(abs(o.outputWeightMean - 0.5) < 1e-9)                         // (1 + 0 + 0 + 2 + 1 − 1)/6
        #expect(abs(o.outputWeightVariance - variance([1, 0, 0, 2, 1, -1])) < 1e-9)
        #expect(o.trainLoss == 5.5)                                           // mean of 1…10
        #expect(o.learningRate == 3e-3)

        // The next decision measures the change from this one.
        let again = probe.observe(model, learningRate: 3e-3)
        #expect(again.logitChangeVariance == 0)
        #expect(o.features == [o.trainLoss, o.validationLoss, o.logitVariance, o.logitChangeVariance,
                               o.outputWeightMean, o.outputWeightVariance, o.learningRate])
    }

    /// A controller that always prefers `action` (its output bias dominates).
    static func fixedController(action: Int) -> RateController {
        var c = RateController(seed: 2)
        var p = c.actor.parameters.map { _ in 0.0 }
        p[p.count - 3 + action] = 5
        c.actor = DenseNetwork(sizes: c.actor.sizes, parameters: p)
        return c
    }

    /// Writes `c` to a controller file for `rl-schedule`, which reads it through the loader that
    /// ``ControllerPolicies/register()`` gives the engine.
    static func write(_ c: RateController) throws -> String {
        ControllerPolicies.register()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(UUID().uuidString).json").path
        let record = ControllerFile.TrainingRecord(settings: ControllerTrainingSettings(), history: [],
                                                   returnScale: RunningMoments(dimension: 1), seconds: 0)
        try ControllerFile(controller: c, training: record).write(to: path)
        return path
    }

    static func rlRequest(controller path: String, lr: Double, steps: Int = 50, interval: Int = 10,
                          seed: Int = 1) -> TrainingRequest {
        TrainingRequest(parameters: Parameters(["model": .string("mlp-32"), "dataset": .string("synthetic"),
                                                "optimizer": .string("rl-schedule"), "lr": .double(lr),
                                                "seed": .int(seed)]),
                        config: TrainConfig(batchSize: 32, steps: steps, evalEvery: interval, trainSize: 600,
                                            valSize: 100),
                        optimizerOptions: ["controller": .string(path), "interval": .int(interval)])
    }

    @Test("rl-schedule multiplies the rate by exactly 1.05 / 1/1.05 / 1 per decision, within its bounds",
          arguments: [(0, 1.05), (1, 1 / 1.05), (2, 1.0)])
    func rlScheduleActions(action: Int, factor: Double) throws {
        let path = try Self.write(Self.fixedController(action: action))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lrs: [Int: Double] = [:]
        var acts: [Double] = []
        let summary = try runTraining(Self.rlRequest(controller: path, lr: 1e-3), onEvent: {
            if case .evaluation(let step, let m) = $0 {
                lrs[step] = m["lr"]
                if let a = m["lr_action"] { acts.append(a) }
            }
        })
        #expect(summary.status == .done)
        // Decisions come before updates 11, 21, 31, 41: the evaluation after step 10j has seen j − 1.
        var expected = 1e-3
        for j in 1...5 {
            #expect(lrs[10 * j] == expected, "step \(10 * j)")
            expected *= factor
        }
        #expect(acts.allSatisfy { $0 == Double(action) })
        // Bounds: starting near the top, ×1.05 stops at 0.1.
        if action == 0 {
            let top = try runTraining(Self.rlRequest(controller: path, lr: 0.095))
            #expect(top.metrics["final_lr"] == 0.1)
        }
    }

    @Test("an episode's rewards are the next validation losses and its rates follow the actions")
    func episodeBookkeeping() throws {
        let c = Self.fixedController(action: 0)
        let setup = EpisodeSetup(model: "mlp-32", dataset: "synthetic", steps: 45, batchSize: 32, trainSize: 600,
                                 valSize: 100, interval: 10, seed: 4, initialRates: [1e-3], rateNoise: 0)
        let t = try runEpisode(setup, controller: c, sample: false)
        #expect(t.transitions.count == 4)           // after steps 10, 20, 30, 40
        #expect(t.initialRate == 1e-3)
        for (k, x) in t.transitions.enumerated() {
            #expect(x.observation[6] == (k == 0 ? 1e-3 : t.transitions[k - 1].learningRate))
            #expect(x.learningRate == x.observation[6] * 1.05)
            let next = k + 1 < t.transitions.count ? t.transitions[k + 1].observation[1] : t.finalValidationLoss
            #expect(x.reward == -next)
        }
        // The trial encoding round-trips.
        let back = try RolloutTrial.trajectory(seed: 4, curves: Dictionary(grouping: RolloutTrial.points(t),
                                                                           by: \.name).mapValues { $0.map(\.value) },
                                               metrics: RolloutTrial.metrics(t))
        #expect(back == t)
    }

    @Test("rl-schedule in the trainer sees exactly what the controller saw in an episode")
    func sameObservationsAsEpisodes() throws {
        var c = RateController(seed: 8)
        var rng = SplitMix64(seed: 8)
        c.actor = DenseNetwork(sizes: c.actor.sizes, outputGain: 3, rng: &rng)   // a decisive, state-dependent policy
        let setup = EpisodeSetup(model: "mlp-32", dataset: "synthetic", steps: 60, batchSize: 32, trainSize: 600,
                                 valSize: 100, interval: 10, seed: 3, initialRates: [2e-3], rateNoise: 0)
        // Observation statistics from a first episode, so the inputs are normalised as in training.
        var stats = RunningMoments(dimension: 7)
        stats.update(try runEpisode(setup, controller: c, sample: true).transitions.map(\.observation))
        c.observationMoments = stats
        let episode = try runEpisode(setup, controller: c, sample: false)
        let path = try Self.write(c)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lrs: [Int: Double] = [:]
        _ = try runTraining(Self.rlRequest(controller: path, lr: 2e-3, steps: 60, seed: 3), onEvent: {
            if case .evaluation(let step, let m) = $0 { lrs[step] = m["lr"] }
        })
        // The rate after decision k (taken after step 10k) is in force at the evaluation after step 10(k+1).
        for (k, x) in episode.transitions.enumerated() {
            #expect(lrs[10 * (k + 2)] == x.learningRate, "decision \(k + 1)")
        }
        #expect(Set(episode.transitions.map(\.action)).count >= 1)
    }
}
