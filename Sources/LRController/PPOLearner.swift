import Foundation
import Training

/// Adam (Kingma & Ba, ICLR 2015, Algorithm 1) over one flat `Double` vector: the optimizer of the
/// controller's networks (PyTorch's defaults β1 0.9, β2 0.999, ε 1e-8).
struct VectorAdam: Sendable {
    var rate: Double
    var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    private var m: [Double]
    private var v: [Double]
    private var t = 0

    init(count: Int, rate: Double) {
        self.rate = rate
        m = [Double](repeating: 0, count: count)
        v = [Double](repeating: 0, count: count)
    }

    mutating func step(_ x: inout [Double], gradient g: [Double]) {
        precondition(x.count == m.count && g.count == m.count)
        t += 1
        let c1 = 1 / (1 - pow(beta1, Double(t))), c2 = 1 / (1 - pow(beta2, Double(t)))
        for i in x.indices {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            x[i] -= rate * (m[i] * c1) / ((v[i] * c2).squareRoot() + epsilon)
        }
    }
}

/// What one PPO update saw and did.
public struct PPOUpdateStats: Sendable, Equatable, Codable {
    /// Mean undiscounted return Σ_t r_t of the update's episodes (unscaled: −Σ validation losses).
    public var meanReturn: Double
    /// Mean validation loss at the end of the episodes (diverged ones excluded).
    public var meanFinalValidationLoss: Double
    public var episodes: Int
    public var diverged: Int
    public var transitions: Int
    /// Loss terms averaged over the last epoch's minibatches.
    public var policyLoss: Double
    public var valueLoss: Double
    public var entropy: Double
    public var approxKL: Double
    public var clipFraction: Double

    enum CodingKeys: String, CodingKey {
        case episodes, diverged, transitions, entropy
        case meanReturn = "mean_return", meanFinalValidationLoss = "mean_final_val_loss"
        case policyLoss = "policy_loss", valueLoss = "value_loss", approxKL = "approx_kl"
        case clipFraction = "clip_fraction"
    }
}

/// Proximal policy optimisation of a ``RateController`` (Schulman et al., arXiv 1707.06347,
/// Algorithm 1, with the settings of ALGORITHMS.md §3).
///
/// One ``update(_:)`` per batch of episodes:
/// 1. the raw observations join the running observation statistics;
/// 2. rewards are divided by the running standard deviation of the discounted return
///    R_t = γ·R_{t−1} + r_t (restarted each episode), then clipped to ±`rewardClip`;
/// 3. with the updated statistics, log π_old(a|s) and V_old(s) are recomputed by the networks as
///    they are before this update — so the ratio starts at exactly 1 — and GAE(γ, λ) gives the
///    advantages and the critic's targets;
/// 4. `epochs` passes, each over `minibatches` random minibatches: the loss of
///    ``RateController/ppoLoss(_:config:)``, the joint gradient of both networks rescaled to at most
///    `maxGradNorm`, one Adam step.
///
/// Recomputing step 3 rather than keeping the log-probabilities recorded during the episodes
/// matters only through the normaliser's drift between two updates (the episodes were played
/// with the statistics of the previous update); it keeps the first update — whose episodes ran
/// with empty statistics — from learning on unnormalised inputs.
public final class PPOLearner {
    public private(set) var controller: RateController
    public let config: PPOConfig
    public private(set) var returnMoments = RunningMoments(dimension: 1)
    private var adam: VectorAdam
    private var rng: SplitMix64

    public init(controller: RateController, config: PPOConfig, seed: Int) {
        self.controller = controller
        self.config = config
        let count = controller.actor.parameters.count + controller.critic.parameters.count + 1
        adam = VectorAdam(count: count, rate: config.learningRate)
        rng = SplitMix64(seed: seed, stream: 0x5050_4F00)
    }

    /// Reward scaling of step 2, for one batch of episodes (updates the running statistics).
    public func scaledRewards(_ trajectories: [Trajectory]) -> [[Double]] {
        var discounted: [[Double]] = []
        for t in trajectories {
            var r = 0.0
            for x in t.transitions {
                r = config.gamma * r + x.reward
                discounted.append([r])
            }
        }
        returnMoments.update(discounted)
        let scale = 1 / (returnMoments.variance[0] + 1e-8).squareRoot()
        return trajectories.map { t in
            t.transitions.map { Swift.min(Swift.max($0.reward * scale, -config.rewardClip), config.rewardClip) }
        }
    }

    /// Steps 1–3: the samples of one update.
    public func prepare(_ trajectories: [Trajectory]) -> [PPOSample] {
        let episodes = trajectories.filter { !$0.transitions.isEmpty }
        controller.observationMoments.update(episodes.flatMap { $0.transitions.map(\.observation) })
        let rewards = scaledRewards(episodes)
        var samples: [PPOSample] = []
        for (e, t) in episodes.enumerated() {
            let obs = t.transitions.map { controller.normalized($0.observation) }
            let values = obs.map { controller.critic($0)[0] }
            let (adv, ret) = GAE.estimate(rewards: rewards[e], values: values, gamma: config.gamma,
                                          lambda: config.gaeLambda)
            for (i, x) in t.transitions.enumerated() {
                samples.append(PPOSample(observation: obs[i], action: x.action,
                                         oldLogProbability: logProbability(of: x.action, at: obs[i]),
                                         advantage: adv[i], target: ret[i]))
            }
        }
        return samples
    }

    /// log π(a|s) for a normalised observation.
    func logProbability(of action: Double, at x: [Double]) -> Double {
        let out = controller.actor(x)
        switch controller.actions {
        case .discrete: return RateController.logSoftmax(out)[Int(action)]
        case .continuous: return RateController.gaussianLogDensity(action, mean: out[0], logStd: controller.logStd)
        }
    }

    /// One PPO update on a batch of finished episodes.
    @discardableResult
    public func update(_ trajectories: [Trajectory]) -> PPOUpdateStats {
        let samples = prepare(trajectories)
        var last = PPOLossTerms()
        if !samples.isEmpty {
            let m = Swift.max(1, Swift.min(config.minibatches, samples.count))
            for _ in 0..<config.epochs {
                let order = Array(samples.indices).shuffled(using: &rng)
                var epochTerms = PPOLossTerms()
                for b in 0..<m {
                    let lo = b * order.count / m, hi = (b + 1) * order.count / m
                    let (terms, gradient) = controller.ppoLoss(order[lo..<hi].map { samples[$0] }, config: config)
                    step(gradient)
                    epochTerms.policy += terms.policy / Double(m)
                    epochTerms.value += terms.value / Double(m)
                    epochTerms.entropy += terms.entropy / Double(m)
                    epochTerms.approxKL += terms.approxKL / Double(m)
                    epochTerms.clipFraction += terms.clipFraction / Double(m)
                }
                last = epochTerms
            }
        }
        let finished = trajectories.filter { !$0.diverged }
        let meanReturn = trajectories.isEmpty ? .nan
            : trajectories.reduce(0) { $0 + $1.totalReward } / Double(trajectories.count)
        let meanLoss = finished.isEmpty ? .nan
            : finished.reduce(0) { $0 + $1.finalValidationLoss } / Double(finished.count)
        return PPOUpdateStats(meanReturn: meanReturn, meanFinalValidationLoss: meanLoss,
                              episodes: trajectories.count, diverged: trajectories.count - finished.count,
                              transitions: samples.count, policyLoss: last.policy, valueLoss: last.value,
                              entropy: last.entropy, approxKL: last.approxKL, clipFraction: last.clipFraction)
    }

    /// Gradient-norm clipping over both networks together, then one Adam step.
    private func step(_ g: PPOGradient) {
        let norm = g.norm
        let scale = norm > config.maxGradNorm ? config.maxGradNorm / (norm + 1e-6) : 1
        let continuous: Bool
        if case .continuous = controller.actions { continuous = true } else { continuous = false }
        var x = controller.actor.parameters + controller.critic.parameters + [controller.logStd]
        let flat = (g.actor + g.critic + [continuous ? g.logStd : 0]).map { $0 * scale }
        adam.step(&x, gradient: flat)
        let na = controller.actor.parameters.count, nc = controller.critic.parameters.count
        controller.actor.parameters = Array(x[0..<na])
        controller.critic.parameters = Array(x[na..<(na + nc)])
        controller.logStd = x[na + nc]
    }
}
