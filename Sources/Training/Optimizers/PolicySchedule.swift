/// What a learned learning-rate controller sees at a decision: the seven observations of Xu et al.,
/// "Learning an Adaptive Learning Rate Schedule" (arXiv 1909.09712; ALGORITHMS.md §3).
///
/// The trainer fills it every ``ObservingSchedule/decisionInterval`` updates; normalisation
/// (running mean and variance, clip to ±10) belongs to the policy, not to the trainer.
public struct LRObservation: Sendable, Hashable, Codable {
    /// Mean training loss over the last minibatches (10 in the paper).
    public var trainLoss: Double
    public var validationLoss: Double
    /// Variance of the validation logits.
    public var logitVariance: Double
    /// Variance of the change of those logits since the last decision (same samples, same order).
    public var logitChangeVariance: Double
    /// Mean and variance of the output layer's weights.
    public var outputWeightMean: Double
    public var outputWeightVariance: Double
    /// The learning rate in use.
    public var learningRate: Double

    public init(trainLoss: Double, validationLoss: Double, logitVariance: Double, logitChangeVariance: Double,
                outputWeightMean: Double, outputWeightVariance: Double, learningRate: Double) {
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.logitVariance = logitVariance
        self.logitChangeVariance = logitChangeVariance
        self.outputWeightMean = outputWeightMean
        self.outputWeightVariance = outputWeightVariance
        self.learningRate = learningRate
    }

    /// The observation vector in the paper's order.
    public var features: [Double] {
        [trainLoss, validationLoss, logitVariance, logitChangeVariance, outputWeightMean, outputWeightVariance,
         learningRate]
    }
}

/// A learning-rate controller: given an observation, the multiplier to apply to the rate
/// (the paper's discrete actions ×1.05, ÷1.05, ×1, or a factor in [1/1.05, 1.05]).
///
/// The PPO controller run greedily conforms to this (`GreedyControllerPolicy` in the `LRController`
/// module); so can a hand-written rule in tests.
public protocol LearningRatePolicy: Sendable {
    mutating func multiplier(for observation: LRObservation) -> Double
}

/// A schedule that the trainer feeds richer observations than the validation loss alone.
///
/// The trainer checks `schedule as? any ObservingSchedule`; every `decisionInterval` updates it
/// builds an ``LRObservation`` (which needs the model's logits and output weights, which only the
/// trainer has) and calls ``observe(_:step:)``. Other schedules are unaffected.
public protocol ObservingSchedule: Schedule {
    /// Updates between decisions (10 in the paper).
    var decisionInterval: Int { get }
    mutating func observe(_ observation: LRObservation, step: Int)
}

/// A schedule whose factor an external policy moves: lets a learned controller drive any optimizer.
///
/// The factor starts at 1 and is multiplied by the policy's answer at each decision, then clamped
/// so that α_0·factor stays within `rateBounds` (the paper keeps the rate in [1e-5, 0.1]).
/// `rl-schedule` itself is registered as an optimizer (`Optimizers/RLSchedule.swift`, Adam as in
/// the paper); this is not in ``ScheduleRegistry``.
public struct PolicySchedule<Policy: LearningRatePolicy>: ObservingSchedule, Sendable {
    public var policy: Policy
    public let decisionInterval: Int
    public let initialRate: Double
    public let rateBounds: ClosedRange<Double>
    public private(set) var current: Double = 1

    public init(policy: Policy, initialRate: Double, decisionInterval: Int = 10,
                rateBounds: ClosedRange<Double> = 1e-5...0.1) {
        precondition(decisionInterval > 0 && initialRate > 0)
        self.policy = policy
        self.decisionInterval = decisionInterval
        self.initialRate = initialRate
        self.rateBounds = rateBounds
    }

    public func factor(step: Int, totalSteps: Int) -> Double { current }

    public mutating func observe(_ observation: LRObservation, step: Int) {
        let next = current * policy.multiplier(for: observation)
        guard next.isFinite else { return }
        let rate = Swift.min(Swift.max(next * initialRate, rateBounds.lowerBound), rateBounds.upperBound)
        current = rate / initialRate
    }
}
