import Foundation
import Testing
import SweepKit
import LRController
import Training

/// A toy learning-rate environment whose best action is known: the state is log10 of the rate
/// (observation 6, the others noise); actions double it, halve it or keep it; the reward is the
/// negative distance of the new log-rate from log10(1e-3). Moving toward 1e-3 is always right.
struct TargetRateEnvironment {
    static let factors = [2.0, 0.5, 1.0]
    static let target = -3.0

    static func observation(_ logRate: Double, _ rng: inout SplitMix64) -> [Double] {
        (0..<6).map { _ in Double(rng.nextGaussian()) } + [logRate]
    }

    static func episode(_ c: RateController, seed: Int, decisions: Int = 10) -> Trajectory {
        var rng = SplitMix64(seed: UInt64(seed))
        var sampler: SplitMix64? = SplitMix64(seed: UInt64(seed) &+ 99)
        var logRate = -4.5 + 3 * Double(rng.nextUnitFloat())    // 10^−4.5 … 10^−1.5
        var transitions: [Transition] = []
        for _ in 0..<decisions {
            let obs = observation(logRate, &rng)
            let d = c.decide(obs, rng: &sampler)
            logRate += log10(d.factor)
            transitions.append(Transition(observation: obs, action: d.action, logProbability: d.logProbability,
                                          value: d.value, reward: -abs(logRate - target), learningRate: logRate))
        }
        return Trajectory(seed: seed, initialRate: 0, transitions: transitions, finalValidationLoss: 0, diverged: false)
    }
}

@Suite("PPO controller: learning and files")
struct ControllerLearningTests {
    @Test("PPO learns to move the rate toward the target in most states")
    func learnsTarget() {
        let controller = RateController(actions: .discrete(factors: TargetRateEnvironment.factors), seed: 1)
        let learner = PPOLearner(controller: controller, config: PPOConfig(), seed: 1)
        func greedyAccuracy(_ c: RateController) -> Double {
            var rng = SplitMix64(seed: 12_345)
            var right = 0, total = 0
            for i in 0..<60 {
                let logRate = -4.5 + 3 * Double(i) / 59
                guard abs(logRate - TargetRateEnvironment.target) > 0.3 else { continue }
                let a = Int(c.greedy(TargetRateEnvironment.observation(logRate, &rng)).action)
                if a == (logRate < TargetRateEnvironment.target ? 0 : 1) { right += 1 }
                total += 1
            }
            return Double(right) / Double(total)
        }
        var returns: [Double] = []
        for u in 0..<40 {
            let batch = (0..<16).map { TargetRateEnvironment.episode(learner.controller, seed: u * 16 + $0) }
            returns.append(learner.update(batch).meanReturn)
        }
        let accuracy = greedyAccuracy(learner.controller)
        #expect(accuracy >= 0.85, "greedy action right in \(accuracy) of the states")
        #expect(returns.suffix(5).reduce(0, +) > returns.prefix(5).reduce(0, +))
    }

    @Test("a controller file round-trips and acts identically after loading",
          arguments: [ControllerActions.paperDiscrete, ControllerActions.paperContinuous])
    func roundTrip(actions: ControllerActions) throws {
        var c = RateController(actions: actions, seed: 4)
        var rng = SplitMix64(seed: 4)
        c.actor = DenseNetwork(sizes: c.actor.sizes, outputGain: 2, rng: &rng)
        c.logStd = -0.3
        c.observationMoments.update((0..<20).map { _ in (0..<7).map { _ in Double(rng.nextGaussian()) * 1e-3 } })
        var settings = ControllerTrainingSettings(episodes: 16, episodesPerUpdate: 8, seed: 3, actions: actions)
        settings.episode.model = "mlp-32"
        let file = ControllerFile(controller: c, training: ControllerFile.TrainingRecord(
            settings: settings, history: [], returnScale: RunningMoments(dimension: 1), seconds: 1.5))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(to: path)
        let loaded = try ControllerFile.load(path: path)
        // (The record's final return is nan without history, and nan ≠ nan: compare the parts.)
        #expect(loaded.controller == file.controller)
        #expect(loaded.training.settings == file.training.settings)
        #expect(loaded.training.seconds == 1.5)
        var a: SplitMix64? = SplitMix64(seed: 77)
        var b: SplitMix64? = SplitMix64(seed: 77)
        for _ in 0..<50 {
            let obs = (0..<7).map { _ in Double(rng.nextGaussian()) * 2e-3 }
            #expect(loaded.controller.greedy(obs) == c.greedy(obs))
            #expect(loaded.controller.decide(obs, rng: &a) == c.decide(obs, rng: &b))
        }
        #expect(throws: ControllerFileError.self) {
            _ = try ControllerFile.decode(Data("{\"format\": \"other\"}".utf8))
        }
    }
}

@Suite("PPO controller: the comparison sweep")
struct ControllerSweepFileTests {
    @Test("sweeps/rl-schedule.yaml validates and has the 64 trials its comment budgets for")
    func parses() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sweeps/rl-schedule.yaml").path
        let spec = try SweepSpec.load(path: path, catalog: .builtin)
        #expect(spec.trialCount == 64)
        #expect(spec.optimizers["rl-schedule"]?["controller"] == .string("controller.json"))
    }
}
