import Foundation
import Training

/// One episode of the learned-schedule environment (Xu et al., arXiv 1909.09712; ALGORITHMS.md §3):
/// a child model trained with Adam for `steps` minibatches while the controller changes its
/// learning rate every `interval` steps.
public struct EpisodeSetup: Sendable, Equatable, Codable {
    public var model: String
    public var dataset: String
    /// Child steps (minibatches) per episode.
    public var steps: Int
    public var batchSize: Int
    /// Optional subset of the training split; validation images held out of it.
    public var trainSize: Int?
    public var valSize: Int?
    /// Child steps between decisions (10 in the paper).
    public var interval: Int
    /// Seeds the child (weights, split, shuffling), the initial rate and the sampled actions.
    public var seed: Int
    /// The initial rate is one of these, drawn uniformly ({1e-2, 1e-3, 1e-4} in the paper)…
    public var initialRates: [Double]
    /// …times 10^U(−noise, noise): "small noise" (0.1 decade by default, a factor 0.79–1.26).
    public var rateNoise: Double
    /// The rate never leaves these bounds ([1e-5, 0.1] in the paper).
    public var rateBounds: ClosedRange<Double>
    /// BLAS threads.
    public var threads: Int

    enum CodingKeys: String, CodingKey {
        case model, dataset, steps, interval, seed, threads
        case batchSize = "batch_size", trainSize = "train_size", valSize = "val_size"
        case initialRates = "initial_rates", rateNoise = "rate_noise", rateBounds = "rate_bounds"
    }

    public init(model: String = "mlp-small", dataset: String = "fashion-mnist", steps: Int = 300,
                batchSize: Int = 256, trainSize: Int? = nil, valSize: Int? = 2_000, interval: Int = 10, seed: Int,
                initialRates: [Double] = [1e-2, 1e-3, 1e-4], rateNoise: Double = 0.1,
                rateBounds: ClosedRange<Double> = ControlledRate.paperBounds, threads: Int = 1) {
        self.model = model
        self.dataset = dataset
        self.steps = steps
        self.batchSize = batchSize
        self.trainSize = trainSize
        self.valSize = valSize
        self.interval = interval
        self.seed = seed
        self.initialRates = initialRates
        self.rateNoise = rateNoise
        self.rateBounds = rateBounds
        self.threads = threads
    }

    /// Decisions per episode: one after every `interval` steps that leaves steps to train.
    public var decisions: Int { (steps - 1) / interval }

    /// Checks what would make an episode meaningless.
    public func validate() throws {
        guard interval >= 1 else { throw TrainingError.badConfig("interval must be at least 1") }
        guard steps > interval else {
            throw TrainingError.badConfig("steps (\(steps)) must exceed the decision interval (\(interval))")
        }
        guard batchSize >= 1, threads >= 1 else {
            throw TrainingError.badConfig("batch size and threads must be at least 1")
        }
        guard !initialRates.isEmpty, initialRates.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw TrainingError.badConfig("initial rates must be positive numbers")
        }
        guard rateBounds.lowerBound > 0 else { throw TrainingError.badConfig("rate bounds must be positive") }
    }

    /// The episode's initial rate: drawn from `initialRates` with noise, by the seed alone.
    public func initialRate() -> Double {
        var rng = SplitMix64(seed: seed, stream: Self.rateStream)
        let base = initialRates[Int(rng.next() % UInt64(initialRates.count))]
        let u = Double(rng.nextUnitFloat()) * 2 - 1
        return Swift.min(Swift.max(base * pow(10, rateNoise * u), rateBounds.lowerBound), rateBounds.upperBound)
    }

    static let rateStream: UInt64 = 0x5250_4F00
    /// The sampled actions: the stream `rl-schedule` samples from with `deterministic: false`.
    static let actionStream = SplitMix64.Stream.policyActions
}

/// One decision of an episode, with everything PPO needs.
public struct Transition: Sendable, Equatable, Codable {
    /// The seven raw (unnormalised) observations, in ``LRObservation/features`` order.
    public var observation: [Double]
    /// Action index (discrete) or u (continuous).
    public var action: Double
    /// log π_old(a|s) when the action was taken.
    public var logProbability: Double
    /// V_old(s) when the action was taken.
    public var value: Double
    /// −(validation loss at the next decision, or at the end of the episode).
    public var reward: Double
    /// The rate after the action.
    public var learningRate: Double

    public init(observation: [Double], action: Double, logProbability: Double, value: Double, reward: Double,
                learningRate: Double) {
        self.observation = observation
        self.action = action
        self.logProbability = logProbability
        self.value = value
        self.reward = reward
        self.learningRate = learningRate
    }
}

/// A finished episode.
public struct Trajectory: Sendable, Equatable, Codable {
    public var seed: Int
    public var initialRate: Double
    public var transitions: [Transition]
    /// Validation loss after the last child step (nan when the child diverged).
    public var finalValidationLoss: Double
    public var diverged: Bool

    public init(seed: Int, initialRate: Double, transitions: [Transition], finalValidationLoss: Double,
                diverged: Bool) {
        self.seed = seed
        self.initialRate = initialRate
        self.transitions = transitions
        self.finalValidationLoss = finalValidationLoss
        self.diverged = diverged
    }

    /// Σ rewards: the undiscounted return (γ = 1).
    public var totalReward: Double { transitions.reduce(0) { $0 + $1.reward } }
}

/// Runs one episode: Adam on the child, the controller deciding every `interval` steps.
///
/// Step t (1-based) is the engine's ``TrainingStep`` — the trainer's own step, so a child trains
/// here exactly as in a trial — with an Adam update at the current rate. After step t with t a
/// multiple of `interval` and t < steps, the controller observes the child (see
/// ``ObservationProbe``), acts (sampled when `sample`, else greedily) and the new rate holds for
/// the next `interval` steps. The reward of a decision is −(validation loss at the next decision,
/// or after the last step). A child whose training loss becomes non-finite ends the episode: the
/// open decision and every decision it would still have made are charged the worst validation
/// loss seen (at least 10), so diverging never pays.
///
/// - Throws: ``TrainingError`` for missing data, unknown models or a setup that cannot work.
public func runEpisode(_ setup: EpisodeSetup, controller: RateController, sample: Bool,
                       data: DataLocator = DataLocator(), shouldStop: () -> Bool = { false }) throws -> Trajectory {
    try setup.validate()
    let training = try TrainingStep(model: setup.model, dataset: setup.dataset, seed: setup.seed,
                                    batchSize: setup.batchSize, trainSize: setup.trainSize, valSize: setup.valSize,
                                    threads: setup.threads, data: data)
    training.useThreads()  // as the trainer does: same threads, same sums, same episode
    let rate0 = setup.initialRate()
    let adam = Adam(learningRate: rate0)
    var rate = rate0
    var actionRNG: SplitMix64? = sample ? SplitMix64(seed: setup.seed, stream: EpisodeSetup.actionStream) : nil
    let probe = ObservationProbe(validationOf: training)
    probe.recordInitialLogits(training.model)

    var transitions: [Transition] = []
    var worstLoss = 10.0
    // The episode so far, ended by a diverged child: the open decision and the ones never taken
    // are charged the worst loss seen.
    func diverged() -> Trajectory {
        let remaining = setup.decisions - transitions.count + 1
        if !transitions.isEmpty { transitions[transitions.count - 1].reward = -worstLoss * Double(remaining) }
        return Trajectory(seed: setup.seed, initialRate: rate0, transitions: transitions, finalValidationLoss: .nan,
                          diverged: true)
    }
    for step in 1...setup.steps {
        if shouldStop() { throw CancellationError() }
        let batchLoss = training.computeGradients()
        guard batchLoss.isFinite else { return diverged() }
        training.apply(adam, scheduleFactor: rate / rate0, step: step)
        probe.record(batchLoss: batchLoss)

        let deciding = step % setup.interval == 0 && step < setup.steps
        guard deciding || step == setup.steps else { continue }
        let observation = probe.observe(training.model, learningRate: rate)
        guard observation.validationLoss.isFinite else { return diverged() }
        worstLoss = Swift.max(worstLoss, observation.validationLoss)
        if !transitions.isEmpty { transitions[transitions.count - 1].reward = -observation.validationLoss }
        guard deciding else {
            return Trajectory(seed: setup.seed, initialRate: rate0, transitions: transitions,
                              finalValidationLoss: observation.validationLoss, diverged: false)
        }
        let decision = controller.decide(observation.features, rng: &actionRNG)
        rate = ControlledRate.apply(decision.factor, to: rate, bounds: setup.rateBounds)
        transitions.append(Transition(observation: observation.features, action: decision.action,
                                      logProbability: decision.logProbability, value: decision.value, reward: 0,
                                      learningRate: rate))
    }
    preconditionFailure("the last step always returns")
}
