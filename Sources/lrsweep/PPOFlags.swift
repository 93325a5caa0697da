import ArgumentParser
import LRController

/// PPO's settings as flags (defaults from ALGORITHMS.md §3).
struct PPOFlags: ParsableArguments {
    @Option(name: .long, help: "Discount γ.") var gamma: Double = 1
    @Option(name: .customLong("gae-lambda"), help: "GAE λ.") var gaeLambda: Double = 0.95
    @Option(name: .customLong("clip-range"), help: "Clip range ε of the surrogate.") var clipRange: Double = 0.2
    @Option(name: .customLong("value-coef"), help: "Value-loss coefficient.") var valueCoef: Double = 0.5
    @Option(name: .customLong("entropy-coef"), help: "Entropy-bonus coefficient.") var entropyCoef: Double = 0.1
    @Option(name: .customLong("ppo-lr"), help: "Adam learning rate of the controller's networks.")
    var ppoLR: Double = 3e-3
    @Option(name: .customLong("ppo-epochs"), help: "Epochs per PPO update.") var ppoEpochs: Int = 4
    @Option(name: .long, help: "Minibatches per epoch.") var minibatches: Int = 4
    @Option(name: .customLong("max-grad-norm"), help: "Gradient-norm clip of both networks together.")
    var maxGradNorm: Double = 0.5
    @Option(name: .customLong("obs-clip"), help: "Normalised observations are clipped to ±this.")
    var obsClip: Double = 10
    @Option(name: .customLong("reward-clip"), help: "Scaled rewards are clipped to ±this.")
    var rewardClip: Double = 10
    @Option(name: .long, help: "Hidden widths of actor and critic, comma-separated.") var hidden: String = "32,32"

    func config() throws -> PPOConfig {
        guard let widths = commaList(hidden, Int.self), widths.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--hidden must be positive widths separated by commas, e.g. 32,32")
        }
        guard ppoEpochs >= 1, minibatches >= 1 else {
            throw ValidationError("--ppo-epochs and --minibatches must be at least 1")
        }
        guard (0...1).contains(gamma), (0...1).contains(gaeLambda), clipRange > 0, ppoLR > 0, maxGradNorm > 0 else {
            throw ValidationError("need γ, λ in [0, 1] and a positive clip range, --ppo-lr and --max-grad-norm")
        }
        return PPOConfig(gamma: gamma, gaeLambda: gaeLambda, clipRange: clipRange, valueCoefficient: valueCoef,
                         entropyCoefficient: entropyCoef, learningRate: ppoLR, epochs: ppoEpochs,
                         minibatches: minibatches, maxGradNorm: maxGradNorm, observationClip: obsClip,
                         rewardClip: rewardClip, hidden: widths)
    }
}

/// `1e-2,1e-3` as numbers; nil when empty or when an item does not parse.
func commaList<T: LosslessStringConvertible>(_ text: String, _: T.Type) -> [T]? {
    let items = text.split(separator: ",").map { T($0.trimmingCharacters(in: .whitespaces)) }
    return items.isEmpty || items.contains { $0 == nil } ? nil : items.compactMap { $0 }
}
