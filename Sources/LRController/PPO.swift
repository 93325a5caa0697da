import Foundation
import Training

/// The PPO settings of the learned schedule (ALGORITHMS.md §3, after Xu et al., arXiv 1909.09712,
/// and Schulman et al., "Proximal Policy Optimization Algorithms", arXiv 1707.06347).
public struct PPOConfig: Sendable, Equatable, Codable {
    /// Discount γ (1: every remaining validation loss counts).
    public var gamma: Double = 1
    /// GAE λ (Schulman et al., arXiv 1506.02438).
    public var gaeLambda: Double = 0.95
    /// Clip range ε of the surrogate.
    public var clipRange: Double = 0.2
    public var valueCoefficient: Double = 0.5
    public var entropyCoefficient: Double = 0.1
    /// Adam's rate for both networks.
    public var learningRate: Double = 3e-3
    /// Passes over each update's transitions…
    public var epochs: Int = 4
    /// …each split into this many minibatches.
    public var minibatches: Int = 4
    /// The gradient of both networks together is rescaled to at most this L2 norm.
    public var maxGradNorm: Double = 0.5
    /// Normalised observations are clipped to ±this.
    public var observationClip: Double = 10
    /// Scaled rewards are clipped to ±this.
    public var rewardClip: Double = 10
    /// Standardise advantages within each minibatch (as the PPO reference implementations do).
    public var normalizeAdvantages: Bool = true
    /// Hidden widths of the actor and of the critic.
    public var hidden: [Int] = [32, 32]

    public init() {}

    /// Every setting, in declaration order; the defaults are those of the paper's reimplementation.
    public init(gamma: Double = 1, gaeLambda: Double = 0.95, clipRange: Double = 0.2, valueCoefficient: Double = 0.5,
                entropyCoefficient: Double = 0.1, learningRate: Double = 3e-3, epochs: Int = 4, minibatches: Int = 4,
                maxGradNorm: Double = 0.5, observationClip: Double = 10, rewardClip: Double = 10,
                hidden: [Int] = [32, 32]) {
        self.gamma = gamma
        self.gaeLambda = gaeLambda
        self.clipRange = clipRange
        self.valueCoefficient = valueCoefficient
        self.entropyCoefficient = entropyCoefficient
        self.learningRate = learningRate
        self.epochs = epochs
        self.minibatches = minibatches
        self.maxGradNorm = maxGradNorm
        self.observationClip = observationClip
        self.rewardClip = rewardClip
        self.hidden = hidden
    }

    /// Checks the settings PPO cannot work with.
    /// - Throws: ``TrainingError/badConfig(_:)`` naming the setting.
    public func validate() throws {
        guard epochs >= 1, minibatches >= 1 else {
            throw TrainingError.badConfig("PPO epochs and minibatches must be at least 1")
        }
        guard !hidden.isEmpty, hidden.allSatisfy({ $0 > 0 }) else {
            throw TrainingError.badConfig("hidden widths must be positive, e.g. 32,32")
        }
        guard (0...1).contains(gamma), (0...1).contains(gaeLambda), clipRange > 0, learningRate > 0,
              maxGradNorm > 0 else {
            throw TrainingError.badConfig("PPO needs γ, λ in [0, 1] and a positive clip range, learning rate and "
                                          + "gradient-norm clip")
        }
    }

    enum CodingKeys: String, CodingKey {
        case gamma, epochs, minibatches, hidden
        case gaeLambda = "gae_lambda", clipRange = "clip_range", valueCoefficient = "value_coef"
        case entropyCoefficient = "entropy_coef", learningRate = "learning_rate", maxGradNorm = "max_grad_norm"
        case observationClip = "observation_clip", rewardClip = "reward_clip"
        case normalizeAdvantages = "normalize_advantages"
    }
}

/// Generalised advantage estimation for one episode that ends after its last transition
/// (Schulman et al., arXiv 1506.02438, eq. 16):
///
///     δ_t = r_t + γ·V(s_{t+1}) − V(s_t)   (V after the last transition = 0),
///     A_t = δ_t + γλ·A_{t+1},   R_t = A_t + V(s_t)  (the critic's target).
public enum GAE {
    public static func estimate(rewards: [Double], values: [Double], gamma: Double,
                                lambda: Double) -> (advantages: [Double], returns: [Double]) {
        precondition(rewards.count == values.count)
        var advantages = [Double](repeating: 0, count: rewards.count)
        var next = 0.0, nextValue = 0.0
        for t in stride(from: rewards.count - 1, through: 0, by: -1) {
            let delta = rewards[t] + gamma * nextValue - values[t]
            next = delta + gamma * lambda * next
            advantages[t] = next
            nextValue = values[t]
        }
        return (advantages, zip(advantages, values).map(+))
    }
}

/// The clipped surrogate objective of PPO (Schulman et al., arXiv 1707.06347, eq. 7) for one
/// sample, as a loss to minimise:
///
///     ρ = exp(log π(a|s) − log π_old(a|s)),   L = −min(ρ·A, clip(ρ, 1 − ε, 1 + ε)·A).
///
/// ∂L/∂log π(a|s) = −ρ·A where the unclipped term is the minimum, 0 where clipping holds it
/// (ρ > 1 + ε with A > 0, or ρ < 1 − ε with A < 0): beyond the trust region the sample pushes no more.
public enum ClippedSurrogate {
    public static func loss(logProbability: Double, oldLogProbability: Double, advantage: Double,
                            clip: Double) -> (loss: Double, dLogProbability: Double) {
        let ratio = exp(logProbability - oldLogProbability)
        let clipped = Swift.min(Swift.max(ratio, 1 - clip), 1 + clip)
        let unclippedTerm = ratio * advantage, clippedTerm = clipped * advantage
        if unclippedTerm <= clippedTerm {
            return (-unclippedTerm, -ratio * advantage)
        }
        return (-clippedTerm, 0)
    }
}

/// One transition prepared for the update: normalised observation, action, old log-probability,
/// advantage and return.
public struct PPOSample: Sendable, Equatable {
    public var observation: [Double]
    public var action: Double
    public var oldLogProbability: Double
    public var advantage: Double
    public var target: Double

    public init(observation: [Double], action: Double, oldLogProbability: Double, advantage: Double,
                target: Double) {
        self.observation = observation
        self.action = action
        self.oldLogProbability = oldLogProbability
        self.advantage = advantage
        self.target = target
    }
}

/// Loss terms of one minibatch (means over its samples).
public struct PPOLossTerms: Sendable, Equatable {
    public var policy = 0.0
    public var value = 0.0
    public var entropy = 0.0
    /// Fraction of samples whose ratio left [1 − ε, 1 + ε].
    public var clipFraction = 0.0
    /// Mean of log π_old − log π (an estimate of KL(π_old ‖ π)).
    public var approxKL = 0.0

    /// L = L_clip + c_v·L_V − c_H·H, the quantity the gradient descends.
    public func total(_ c: PPOConfig) -> Double {
        policy + c.valueCoefficient * value - c.entropyCoefficient * entropy
    }
}

/// The gradient of the PPO loss with respect to every trainable number of a controller.
public struct PPOGradient: Sendable, Equatable {
    public var actor: [Double]
    public var critic: [Double]
    public var logStd: Double

    /// The L2 norm over all three parts.
    public var norm: Double {
        (actor.reduce(0) { $0 + $1 * $1 } + critic.reduce(0) { $0 + $1 * $1 } + logStd * logStd).squareRoot()
    }
}

extension RateController {
    /// The PPO loss of a minibatch and its exact gradient.
    ///
    /// L = mean_i L_clip,i + c_v·mean_i (V(s_i) − R_i)² − c_H·mean_i H(π(·|s_i)), with advantages
    /// standardised over the minibatch when the config says so. Per sample, with p = softmax(z):
    /// ∂log π(a)/∂z_j = [j = a] − p_j; H = −Σ p log p and ∂H/∂z_j = −p_j·(log p_j + H). For the
    /// Gaussian policy, log π = −(u−μ)²/(2σ²) − log σ − ½ log 2π gives ∂/∂μ = (u−μ)/σ²,
    /// ∂/∂log σ = (u−μ)²/σ² − 1, and H = log σ + ½(1 + log 2π) gives ∂H/∂log σ = 1.
    public func ppoLoss(_ batch: [PPOSample], config: PPOConfig) -> (terms: PPOLossTerms, gradient: PPOGradient) {
        precondition(!batch.isEmpty)
        var advantages = batch.map(\.advantage)
        if config.normalizeAdvantages && batch.count > 1 {
            let m = advantages.reduce(0, +) / Double(advantages.count)
            let sd = (advantages.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(advantages.count - 1)).squareRoot()
            advantages = advantages.map { ($0 - m) / (sd + 1e-8) }
        }
        let n = Double(batch.count)
        var terms = PPOLossTerms()
        var grad = PPOGradient(actor: [Double](repeating: 0, count: actor.parameters.count),
                               critic: [Double](repeating: 0, count: critic.parameters.count), logStd: 0)
        for (i, s) in batch.enumerated() {
            let trace = actor.forward(s.observation)
            var dOut = [Double](repeating: 0, count: actor.outputSize)
            let logp: Double
            switch actions {
            case .discrete:
                let logProbs = Self.logSoftmax(trace.output)
                let a = Int(s.action)
                logp = logProbs[a]
                let (l, dlogp) = ClippedSurrogate.loss(logProbability: logp, oldLogProbability: s.oldLogProbability,
                                                       advantage: advantages[i], clip: config.clipRange)
                terms.policy += l / n
                let p = logProbs.map { exp($0) }
                let h = -zip(p, logProbs).reduce(0) { $0 + $1.0 * $1.1 }
                terms.entropy += h / n
                for j in p.indices {
                    let dLogpDz = (j == a ? 1 : 0) - p[j]
                    let dHDz = -p[j] * (logProbs[j] + h)
                    dOut[j] = (dlogp * dLogpDz - config.entropyCoefficient * dHDz) / n
                }
            case .continuous:
                let mu = trace.output[0]
                let variance = exp(2 * logStd)
                logp = Self.gaussianLogDensity(s.action, mean: mu, logStd: logStd)
                let (l, dlogp) = ClippedSurrogate.loss(logProbability: logp, oldLogProbability: s.oldLogProbability,
                                                       advantage: advantages[i], clip: config.clipRange)
                terms.policy += l / n
                terms.entropy += (logStd + 0.5 * (1 + log(2 * Double.pi))) / n
                dOut[0] = dlogp * (s.action - mu) / variance / n
                grad.logStd += (dlogp * ((s.action - mu) * (s.action - mu) / variance - 1)
                                - config.entropyCoefficient) / n
            }
            let ratio = exp(logp - s.oldLogProbability)
            if abs(ratio - 1) > config.clipRange { terms.clipFraction += 1 / n }
            terms.approxKL += (s.oldLogProbability - logp) / n
            actor.backward(trace, outputGradient: dOut, into: &grad.actor)

            let vTrace = critic.forward(s.observation)
            let err = vTrace.output[0] - s.target
            terms.value += err * err / n
            critic.backward(vTrace, outputGradient: [config.valueCoefficient * 2 * err / n], into: &grad.critic)
        }
        return (terms, grad)
    }
}
