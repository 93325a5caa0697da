import Training

/// The trained controller as the engine's policies: how `rl-schedule` (in `Training`, which does
/// not import this module) reaches it.
///
/// A program that trains with `rl-schedule` calls ``register()`` once at start-up; `lrsweep` does in
/// `train`, `worker` and `controller train`. From then on `rl-schedule`'s `controller` option is
/// read as a ``ControllerFile`` and the controller decides through ``LearnedPolicy``.
public enum ControllerPolicies {
    /// Makes ``ControllerFile/load(path:)`` the loader of `rl-schedule`'s `controller` option.
    /// Idempotent: calling it again registers the same loader.
    public static func register() {
        LearnedPolicies.register { path in try ControllerFile.load(path: path).controller }
    }
}

extension RateController: LearnedPolicy {
    /// ``decide(_:rng:)`` on the observation's seven features: the same decision, sampled or
    /// greedy, that the controller takes in its training episodes.
    public func decision(for observation: LRObservation, sampler: inout SplitMix64?) -> PolicyDecision {
        let d = decide(observation.features, rng: &sampler)
        return PolicyDecision(action: d.action, factor: d.factor)
    }
}

/// The controller run greedily as a ``LearningRatePolicy``, so it also drives a
/// ``PolicySchedule`` (the seam the optimizers left for a policy-driven schedule).
public struct GreedyControllerPolicy: LearningRatePolicy {
    public let controller: RateController
    /// The last decision taken, for the `lr_action` curve.
    public private(set) var lastDecision: RateController.Decision?

    public init(controller: RateController) {
        self.controller = controller
    }

    public mutating func multiplier(for observation: LRObservation) -> Double {
        let d = controller.greedy(observation.features)
        lastDecision = d
        return d.factor
    }
}
