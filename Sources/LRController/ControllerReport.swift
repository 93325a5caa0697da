import Foundation
import Training

/// The text of `lrsweep controller show` and of `controller train`'s progress lines and summary.
public enum ControllerReport {
    /// Short names of the seven observations, in ``LRObservation/features`` order.
    public static let featureNames = ["train loss", "val loss", "logit var", "logit Δ var", "out W mean", "out W var",
                                      "lr"]

    /// What a controller was trained on, how training went, its observation statistics and its
    /// policy on typical observations (`lrsweep controller show FILE`).
    public static func text(_ f: ControllerFile) -> String {
        let s = f.training.settings, e = s.episode, c = f.controller
        var lines: [String] = []
        lines.append("controller trained on \(e.model) / \(e.dataset): \(s.episodes) episodes of \(e.steps) steps "
                     + "(batch \(e.batchSize), \(e.valSize.map(String.init) ?? "default") validation images), "
                     + "decision every \(e.interval) steps, seed \(s.seed)")
        lines.append("initial LRs \(e.initialRates.map { String(format: "%g", $0) }.joined(separator: ", ")) "
                     + "with ±\(e.rateNoise) decade noise, LR kept in [\(e.rateBounds.lowerBound), "
                     + "\(e.rateBounds.upperBound)]")
        lines.append("actions: \(c.actions.labels.joined(separator: ", ")); actor \(c.actor.sizes), critic "
                     + "\(c.critic.sizes); PPO: γ \(s.ppo.gamma), λ \(s.ppo.gaeLambda), clip \(s.ppo.clipRange), "
                     + "lr \(s.ppo.learningRate), \(s.ppo.epochs)×\(s.ppo.minibatches) minibatches")
        lines.append(String(format: "training: %d updates in %@, final mean return %.3f, final val loss %.4f",
                            f.training.history.count, duration(f.training.seconds), f.training.finalReturn,
                            f.training.finalValidationLoss))
        lines.append("returns by update: "
                     + f.training.history.map { String(format: "%.2f", $0.meanReturn) }.joined(separator: " "))
        lines.append("")
        lines.append("observation statistics (running mean ± std over \(Int(c.observationMoments.count)) decisions):")
        for (k, name) in featureNames.enumerated() {
            lines.append("  " + name.padding(toLength: 13, withPad: " ", startingAt: 0)
                         + String(format: "%12.5g ± %.3g", c.observationMoments.mean[k],
                                  c.observationMoments.variance[k].squareRoot()))
        }
        lines.append("")
        lines.append("policy on typical observations (others at their mean):")
        let header = c.actions.labels
        if case .discrete = c.actions {
            lines.append("  " + "situation".padding(toLength: 28, withPad: " ", startingAt: 0)
                         + header.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined()
                         + "greedy   V(s)")
        } else {
            lines.append("  " + "situation".padding(toLength: 28, withPad: " ", startingAt: 0) + "factor    V(s)")
        }
        for (label, obs) in situations(c.observationMoments) {
            let d = c.greedy(obs)
            var row = "  " + label.padding(toLength: 28, withPad: " ", startingAt: 0)
            if case .discrete = c.actions {
                row += c.actionProbabilities(obs).map { String(format: "%-9.3f", $0) }.joined()
                row += (header[Int(d.action)]).padding(toLength: 9, withPad: " ", startingAt: 0)
            } else {
                row += String(format: "%-10.4f", d.factor)
            }
            row += String(format: "%.3f", d.value)
            lines.append(row)
        }
        return lines.joined(separator: "\n")
    }

    /// The mean observation, then one feature at a time moved by ±1 std, then a few learning rates.
    public static func situations(_ m: RunningMoments) -> [(String, [Double])] {
        let mean = m.mean
        let sd = m.variance.map { $0.squareRoot() }
        var out: [(String, [Double])] = [("all at mean", mean)]
        for (k, name) in featureNames.enumerated() where k != 6 && k != 4 {
            for sign in [-1.0, 1.0] {
                var x = mean
                x[k] += sign * sd[k]
                out.append(("\(name) \(sign < 0 ? "−" : "+")1 std", x))
            }
        }
        for lr in [1e-4, 1e-3, 1e-2, 5e-2] {
            var x = mean
            x[6] = lr
            out.append(("lr = \(String(format: "%g", lr))", x))
        }
        return out
    }

    /// The first line of `controller train`: what is about to be trained.
    public static func header(_ s: ControllerTrainingSettings) -> String {
        "training a controller: \(s.episodes) episodes of \(s.episode.steps) steps "
            + "(\(s.episode.model) on \(s.episode.dataset)), \(s.updates) PPO updates"
    }

    /// One PPO update as a line of text (update `u` from 0, of `updates`).
    public static func updateLine(_ u: Int, of updates: Int, _ s: PPOUpdateStats) -> String {
        String(format: "update %d/%d: mean return %.3f · final val loss %.4f · entropy %.3f · KL %.4f · clipped %.2f%@",
               u + 1, updates, s.meanReturn, s.meanFinalValidationLoss, s.entropy, s.approxKL, s.clipFraction,
               s.diverged > 0 ? " · \(s.diverged) diverged" : "")
    }

    /// One PPO update as a `--json` line (update `u` from 0; non-finite values left out).
    public static func updateJSON(_ u: Int, _ s: PPOUpdateStats) -> [String: Double] {
        let line: [String: Double] = ["update": Double(u + 1), "mean_return": s.meanReturn,
                                      "mean_final_val_loss": s.meanFinalValidationLoss,
                                      "policy_loss": s.policyLoss, "value_loss": s.valueLoss, "entropy": s.entropy,
                                      "approx_kl": s.approxKL, "clip_fraction": s.clipFraction,
                                      "diverged": Double(s.diverged)]
        return line.filter { $0.value.isFinite }
    }

    /// The last line of `controller train` once `file` is written to `out`.
    public static func summaryLine(_ file: ControllerFile, out: String) -> String {
        "wrote \(out) in \(duration(file.training.seconds)); "
            + "use it with `optimizer: rl-schedule` and `controller: \(out)`"
    }

    /// Seconds as `1m05s`.
    static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "?" }
        let total = Int(s.rounded())
        return total >= 60 ? "\(total / 60)m\(String(format: "%02d", total % 60))s" : "\(total)s"
    }
}

/// The `--json` summary of `controller train`: the last line.
public struct ControllerTrainingSummary: Encodable, Sendable {
    public var out: String
    public var finalReturn: Double
    public var finalValLoss: Double
    public var seconds: Double
    public var updates: Int

    enum CodingKeys: String, CodingKey {
        case out, seconds, updates
        case finalReturn = "final_return", finalValLoss = "final_val_loss"
    }

    public init(_ file: ControllerFile, out: String) {
        self.out = out
        finalReturn = file.training.finalReturn
        finalValLoss = file.training.finalValidationLoss
        seconds = file.training.seconds
        updates = file.training.history.count
    }
}
