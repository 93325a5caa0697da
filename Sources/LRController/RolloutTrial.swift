import Foundation
import SweepKit
import Training

/// Episodes of controller training as sweep trials of kind ``TrialKind/rollout``, so that
/// `lrsweep controller train` fans them out to workers like any sweep.
///
/// A rollout trial has parameters `optimizer: rl-schedule` (the child trains under the learned
/// schedule), `model`, `dataset` and `seed` (the episode's); the train config carries batch size,
/// steps, subset sizes and threads; the task's `payload` carries the current controller as JSON
/// text (`controller_json`, networks and normalisation statistics) and the episode's settings.
/// The worker streams the trajectory back as metric points, one step per decision
/// (step = decision index, from 1): `obs0`…`obs6` (raw observations), `action`, `logp`, `value`,
/// `reward` and `lr`; the final metrics are `val_loss` (after the last child step), `return`
/// (Σ rewards), `initial_lr` and `diverged` (0 or 1).
public enum RolloutTrial {

    /// The train config of an episode.
    public static func config(for setup: EpisodeSetup) -> TrainConfig {
        TrainConfig(batchSize: setup.batchSize, steps: setup.steps, evalEvery: setup.interval,
                    trainSize: setup.trainSize, valSize: setup.valSize, threads: setup.threads)
    }

    /// The payload of an episode's trial under `controller`: its settings as JSON.
    public static func payload(controller: RateController, setup: EpisodeSetup) throws -> String {
        String(decoding: try JSONCoding.encoder().encode(try options(controller: controller, setup: setup)),
               as: UTF8.self)
    }

    /// The episode settings under `controller`, by name.
    static func options(controller: RateController, setup: EpisodeSetup) throws -> [String: ParamValue] {
        let json = String(decoding: try JSONCoding.encoder().encode(controller), as: UTF8.self)
        return ["controller_json": .string(json), "interval": .int(setup.interval),
                "initial_rates": .list(setup.initialRates.map { .double($0) }), "rate_noise": .double(setup.rateNoise),
                "rate_bounds": .list([.double(setup.rateBounds.lowerBound), .double(setup.rateBounds.upperBound)])]
    }

    /// The episode and controller a rollout trial describes.
    /// - Throws: ``TrainingError/badConfig(_:)`` for a trial that is not a well-formed rollout.
    public static func episode(parameters p: Parameters, config c: TrainConfig,
                               payload: String?) throws -> (EpisodeSetup, RateController) {
        guard let payload, let o = try? JSONCoding.decoder().decode([String: ParamValue].self, from: Data(payload.utf8))
        else { throw TrainingError.badConfig("a rollout trial needs its episode settings as a JSON payload") }
        guard let model = p.model, let dataset = p.dataset, let seed = p.seed else {
            throw TrainingError.badConfig("a rollout trial needs model, dataset and seed")
        }
        guard let steps = c.steps else { throw TrainingError.badConfig("a rollout trial needs steps") }
        guard let json = o["controller_json"]?.stringValue,
              let controller = try? JSONCoding.decoder().decode(RateController.self, from: Data(json.utf8)) else {
            throw TrainingError.badConfig("a rollout trial needs a valid controller_json option")
        }
        var setup = EpisodeSetup(model: model, dataset: dataset, steps: steps, batchSize: c.batchSize,
                                 trainSize: c.trainSize, valSize: c.valSize, seed: seed, threads: c.threads)
        if let i = o["interval"]?.intValue { setup.interval = i }
        if let r = o["initial_rates"]?.listValue {
            let rates = r.compactMap(\.doubleValue)
            guard rates.count == r.count else { throw TrainingError.badConfig("initial_rates must be numbers") }
            setup.initialRates = rates
        }
        if let n = o["rate_noise"]?.doubleValue { setup.rateNoise = n }
        if let b = o["rate_bounds"]?.listValue, b.count == 2, let lo = b[0].doubleValue, let hi = b[1].doubleValue,
           lo <= hi {
            setup.rateBounds = lo...hi
        }
        return (setup, controller)
    }

    /// The curve names of a trajectory, in point order.
    public static let pointNames = (0..<RateController.observationSize).map { "obs\($0)" }
        + ["action", "logp", "value", "reward", "lr"]

    /// A trajectory as metric points (step = decision index from 1).
    public static func points(_ t: Trajectory) -> [MetricPoint] {
        var points: [MetricPoint] = []
        for (k, x) in t.transitions.enumerated() {
            let values = x.observation + [x.action, x.logProbability, x.value, x.reward, x.learningRate]
            for (name, v) in zip(pointNames, values) { points.append(MetricPoint(step: k + 1, name: name, value: v)) }
        }
        return points
    }

    /// The final metrics of a rollout trial.
    public static func metrics(_ t: Trajectory) -> [String: Double] {
        var m = ["return": t.totalReward, "initial_lr": t.initialRate, "diverged": t.diverged ? 1 : 0]
        if t.finalValidationLoss.isFinite { m["val_loss"] = t.finalValidationLoss }
        return m
    }

    /// Rebuilds a trajectory from its curves (name → values by decision, in step order) and final
    /// metrics, as read back from a results store.
    /// - Throws: ``TrainingError/badConfig(_:)`` when a curve is missing or the curves disagree in length.
    public static func trajectory(seed: Int, curves: [String: [Double]],
                                  metrics: [String: Double]) throws -> Trajectory {
        let count = curves["reward"]?.count ?? 0
        var columns: [[Double]] = []
        for name in pointNames {
            guard let c = curves[name], c.count == count else {
                throw TrainingError.badConfig("rollout of seed \(seed): curve '\(name)' missing or of the wrong length")
            }
            columns.append(c)
        }
        let n = RateController.observationSize
        let transitions = (0..<count).map { k in
            Transition(observation: (0..<n).map { columns[$0][k] }, action: columns[n][k],
                       logProbability: columns[n + 1][k], value: columns[n + 2][k], reward: columns[n + 3][k],
                       learningRate: columns[n + 4][k])
        }
        return Trajectory(seed: seed, initialRate: metrics["initial_lr"] ?? .nan, transitions: transitions,
                          finalValidationLoss: metrics["val_loss"] ?? .nan, diverged: (metrics["diverged"] ?? 0) != 0)
    }
}
