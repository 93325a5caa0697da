import Foundation
import Training

/// The PPO learning-rate controller of Xu et al., "Learning an Adaptive Learning Rate Schedule"
/// (arXiv 1909.09712; ALGORITHMS.md §3): an actor and a separate critic, both 7 → 32 → 32 ReLU
/// MLPs, reading the seven observations normalised by running statistics and clipped to ±10.
///
/// Discrete actions: π(a|s) = softmax(actor(s))_a over the factors {×1.05, ÷1.05, keep}.
/// Continuous: u ~ 𝒩(actor(s), σ²) with a state-independent log σ, factor 1.05^clamp(u, −1, 1).
/// The critic estimates V(s), the expected sum of the remaining rewards (γ = 1).
public struct RateController: Sendable, Equatable, Codable {
    public var actions: ControllerActions
    public var actor: DenseNetwork
    public var critic: DenseNetwork
    /// log σ of the continuous policy (unused, 0, for discrete actions).
    public var logStd: Double
    /// Running mean and variance of the raw observations.
    public var observationMoments: RunningMoments
    /// Normalised observations are clipped to ±this (10).
    public var observationClip: Double

    enum CodingKeys: String, CodingKey {
        case actions, actor, critic
        case logStd = "log_std"
        case observationMoments = "observation_moments"
        case observationClip = "observation_clip"
    }

    /// Number of observation features (the paper's seven).
    public static let observationSize = 7

    /// A fresh controller: He-initialised hidden layers, a near-zero policy head (nearly uniform
    /// initial policy), σ = 1 for continuous actions, empty observation statistics.
    public init(actions: ControllerActions = .paperDiscrete, hidden: [Int] = [32, 32], observationClip: Double = 10,
                seed: Int) {
        var rng = SplitMix64(seed: seed, stream: SplitMix64.Stream.initialization)
        let n = Self.observationSize
        self.actions = actions
        actor = DenseNetwork(sizes: [n] + hidden + [actions.actorOutputs], outputGain: 0.01, rng: &rng)
        critic = DenseNetwork(sizes: [n] + hidden + [1], outputGain: 1, rng: &rng)
        logStd = 0
        observationMoments = RunningMoments(dimension: n)
        self.observationClip = observationClip
    }

    /// The observation as the networks see it.
    public func normalized(_ raw: [Double]) -> [Double] {
        observationMoments.normalize(raw, clip: observationClip)
    }

    /// One decision: the action, its log-probability under the current policy and V(s).
    public struct Decision: Sendable, Equatable {
        /// Index into the discrete factors, or u for the continuous policy.
        public var action: Double
        public var factor: Double
        public var logProbability: Double
        public var value: Double
    }

    /// Chooses an action for the raw observation `raw`: sampled from π when `rng` is given
    /// (training episodes), otherwise the most likely action (argmax of π, or u = μ).
    public func decide(_ raw: [Double], rng: inout SplitMix64?) -> Decision {
        let x = normalized(raw)
        let out = actor(x)
        let value = critic(x)[0]
        let action: Double
        switch actions {
        case .discrete:
            let logp = Self.logSoftmax(out)
            if var r = rng {
                let u = Double(r.next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
                rng = r
                var acc = 0.0
                var pick = logp.count - 1
                for (i, l) in logp.enumerated() {
                    acc += exp(l)
                    if u < acc {
                        pick = i
                        break
                    }
                }
                action = Double(pick)
            } else {
                action = Double(logp.indices.max { logp[$0] < logp[$1] } ?? 0)
            }
            return Decision(action: action, factor: actions.factor(of: action), logProbability: logp[Int(action)],
                            value: value)
        case .continuous:
            if var r = rng {
                action = out[0] + exp(logStd) * Double(r.nextGaussian())
                rng = r
            } else {
                action = out[0]
            }
            return Decision(action: action, factor: actions.factor(of: action),
                            logProbability: Self.gaussianLogDensity(action, mean: out[0], logStd: logStd),
                            value: value)
        }
    }

    /// The greedy decision (no sampling).
    public func greedy(_ raw: [Double]) -> Decision {
        var none: SplitMix64? = nil
        return decide(raw, rng: &none)
    }

    /// π(·|s) for a discrete controller (empty for a continuous one).
    public func actionProbabilities(_ raw: [Double]) -> [Double] {
        guard case .discrete = actions else { return [] }
        return Self.logSoftmax(actor(normalized(raw))).map { exp($0) }
    }

    /// log softmax(z), stable: z_j − m − log Σ_k e^{z_k − m}.
    public static func logSoftmax(_ z: [Double]) -> [Double] {
        let m = z.max() ?? 0
        let lse = m + log(z.reduce(0) { $0 + exp($1 - m) })
        return z.map { $0 - lse }
    }

    /// log 𝒩(u; μ, σ²) = −(u − μ)²/(2σ²) − log σ − ½ log 2π.
    public static func gaussianLogDensity(_ u: Double, mean: Double, logStd: Double) -> Double {
        let s = exp(logStd)
        return -(u - mean) * (u - mean) / (2 * s * s) - logStd - 0.5 * log(2 * Double.pi)
    }
}
