import Foundation
import SweepKit

/// An optimizer that watches the model it trains: the trainer calls it just before each update,
/// after the minibatch's backward pass (the seam `rl-schedule` needs: its observations use the
/// validation logits and the output layer's weights, which only the trainer holds).
///
/// At that moment the weights are those after `step − 1` updates, so an observer deciding every
/// `k` updates sees exactly the model the next `k` updates start from.
protocol TrainingObserver: AnyObject {
    func willUpdate(step: Int, batchLoss: Double, training: TrainingStep)
}

/// `rl-schedule`: Adam whose learning rate a trained PPO controller drives (Xu et al., "Learning an
/// Adaptive Learning Rate Schedule", arXiv 1909.09712; ALGORITHMS.md §3).
///
/// The controller reaches this optimizer as a ``LearnedPolicy``: the `LRController` module, which
/// trains and stores controllers, registers how to load one (``LearnedPolicies``), so the engine
/// never imports it.
///
/// Every `interval` updates (10) the controller observes the child — training loss over the last
/// 10 minibatches, validation loss, variance of the validation logits, variance of their change
/// since the previous decision, mean and variance of the output layer's weights, the rate — and
/// multiplies the rate by its action's factor (×1.05, ÷1.05, keep; or a factor in
/// [1/1.05, 1.05]), clamped to `lr_bounds`. By default it takes the most likely action
/// (`deterministic: true`), as the paper evaluates its controllers. The observations are measured
/// exactly as during the controller's training episodes (same ``ObservationProbe``), so the
/// policy sees the same inputs it learned from.
///
/// The Adam step itself is ``Adam``'s (β1 0.9, β2 0.999, ε 1e-8, weight decay added into g) at
/// α = controller rate × schedule factor (1 with the default `constant` schedule).
///
/// Curves: `lr`, `lr_action` (the last action: index into the factors, or u), `lr_factor` (its
/// multiplier), `lr_raises` and `lr_cuts` (decisions so far that raised or cut the rate).
public final class RLSchedule: Optimizer, TrainingObserver {
    public let policy: any LearnedPolicy
    public let interval: Int
    public let bounds: ClosedRange<Double>
    /// Validation images observed at each decision (the first ones of the validation split; 0 = all).
    public let observeSize: Int
    public var scheduleFactor: Double = 1
    /// The controller's rate (before the schedule's factor).
    public private(set) var rate: Double
    public private(set) var decisions = 0
    private let adam: Adam
    private var probe: ObservationProbe?
    private var sampler: SplitMix64?
    private var lastAction = Double.nan
    private var lastFactor = 1.0
    private var raises = 0
    private var cuts = 0

    public init(learningRate: Double, policy: any LearnedPolicy, interval: Int = 10,
                bounds: ClosedRange<Double> = ControlledRate.paperBounds, deterministic: Bool = true,
                observeSize: Int = 0, weightDecay: Double = 0, samplingSeed: Int = 0) {
        precondition(interval >= 1 && bounds.lowerBound > 0 && learningRate > 0)
        self.policy = policy
        self.interval = interval
        self.bounds = bounds
        self.observeSize = observeSize
        rate = Swift.min(Swift.max(learningRate, bounds.lowerBound), bounds.upperBound)
        adam = Adam(learningRate: rate, weightDecay: weightDecay)
        sampler = deterministic ? nil : SplitMix64(seed: samplingSeed, stream: SplitMix64.Stream.policyActions)
    }

    public var learningRate: Double { rate * scheduleFactor }

    public var metrics: [String: Double] {
        ["lr": learningRate, "lr_action": lastAction, "lr_factor": lastFactor, "lr_raises": Double(raises),
         "lr_cuts": Double(cuts)]
    }

    public func update(_ parameters: [ParameterView], step: Int) {
        adam.scheduleFactor = learningRate / adam.initialLearningRate
        adam.update(parameters, step: step)
    }

    func willUpdate(step: Int, batchLoss: Double, training: TrainingStep) {
        let probe: ObservationProbe
        if let existing = self.probe {
            probe = existing
        } else {
            probe = ObservationProbe(validationOf: training, limit: observeSize)
            probe.recordInitialLogits(training.model)  // before update 1: the untrained model
            self.probe = probe
        }
        if step > 1 && (step - 1) % interval == 0 {
            let observation = probe.observe(training.model, learningRate: rate)
            let decision = policy.decision(for: observation, sampler: &sampler)
            rate = ControlledRate.apply(decision.factor, to: rate, bounds: bounds)
            decisions += 1
            lastAction = decision.action
            lastFactor = decision.factor
            if decision.factor > 1 { raises += 1 } else if decision.factor < 1 { cuts += 1 }
        }
        probe.record(batchLoss: batchLoss)
    }
}

extension RLSchedule {
    static let descriptor = MethodDescriptor(
        name: "rl-schedule",
        summary: "Adam whose LR a trained PPO controller changes every 10 steps (Xu et al. 2019, arXiv 1909.09712)",
        options: [
            OptionDescriptor("controller", .path,
                             help: "controller file from `lrsweep controller train … --out FILE` (required)"),
            OptionDescriptor("interval", .integer, default: .int(10), min: 1,
                             help: "updates between the controller's decisions"),
            OptionDescriptor("deterministic", .boolean, default: .bool(true),
                             help: "take the most likely action (false: sample from the policy)"),
            OptionDescriptor("lr_bounds", .range, default: .list([.double(1e-5), .double(0.1)]), min: 0,
                             help: "the controller's rate stays within [min, max]"),
            OptionDescriptor("observe_size", .integer, default: .int(0), min: 0,
                             help: "validation images observed per decision (the first ones; 0 = all)"),
        ])

    /// Builds `rl-schedule` from its resolved options (the registry's entry).
    static func make(lr: Double, options o: ResolvedOptions, context c: OptimizerContext) throws -> RLSchedule {
        guard let path = o.values["controller"]?.stringValue, !path.isEmpty else {
            throw o.invalid("controller", "is required: the path of a file from `lrsweep controller train`")
        }
        guard let bounds = o.range("lr_bounds"), bounds.lowerBound > 0 else {
            throw o.invalid("lr_bounds", "must be [min, max] with 0 < min ≤ max")
        }
        let loaded: (any LearnedPolicy)?
        do {
            loaded = try LearnedPolicies.load(path: path)
        } catch {
            throw o.invalid("controller", String(describing: error))
        }
        guard let policy = loaded else {
            throw o.invalid("controller", "cannot be read: this program registered no controller loader "
                            + "(LRController's ControllerPolicies.register())")
        }
        return RLSchedule(learningRate: lr, policy: policy, interval: o.int("interval"), bounds: bounds,
                          deterministic: o.bool("deterministic"), observeSize: o.int("observe_size"),
                          weightDecay: c.weightDecay)
    }
}
