import Synchronization

/// A trained learning-rate policy as `rl-schedule` consults it: Training's side of the seam with
/// the `LRController` module, which holds the PPO controller, its networks and its file format.
///
/// Training declares what the optimizer needs — an action for an observation — and never imports
/// the module that learns it (that module trains children with this engine, so the dependency
/// runs the other way). The controller conforms in `LRController`; a hand-written rule can too.
public protocol LearnedPolicy: Sendable {
    /// The action at `observation`: drawn from the policy with `sampler` when one is given (which
    /// it advances), otherwise the most likely action.
    func decision(for observation: LRObservation, sampler: inout SplitMix64?) -> PolicyDecision
}

/// What a ``LearnedPolicy`` decided.
public struct PolicyDecision: Sendable, Equatable {
    /// Index into a discrete action set, or the continuous action u (the `lr_action` curve).
    public var action: Double
    /// The rate's multiplier (×1.05, ÷1.05, 1, or a factor in [1/1.05, 1.05] in the paper).
    public var factor: Double

    public init(action: Double, factor: Double) {
        self.action = action
        self.factor = factor
    }
}

/// How `rl-schedule` turns its `controller` option, a path, into a ``LearnedPolicy``.
///
/// Controller files are the `LRController` module's format, so a program that trains with
/// `rl-schedule` registers that module's loader once at start-up (`ControllerPolicies.register()`);
/// the `lrsweep` commands that train (`train`, `worker`, `controller train`) do. Without a loader,
/// building `rl-schedule` fails with an option error that says so — spec validation, `--help` and
/// `lrsweep optimizers` need none, since the declaration stays in ``OptimizerRegistry``.
public enum LearnedPolicies {
    /// Reads the policy at a path; throws an error whose description names the path and the problem.
    public typealias Loader = @Sendable (_ path: String) throws -> any LearnedPolicy

    private static let loader = Mutex<Loader?>(nil)

    /// Makes `load` the way `rl-schedule` reads its `controller` option (replacing any earlier one).
    public static func register(_ load: @escaping Loader) {
        loader.withLock { $0 = load }
    }

    /// Whether a loader has been registered in this process.
    public static var isRegistered: Bool { loader.withLock { $0 != nil } }

    /// The policy at `path`, through the registered loader; nil when none is registered.
    static func load(path: String) throws -> (any LearnedPolicy)? {
        guard let load = loader.withLock({ $0 }) else { return nil }
        return try load(path)
    }
}

extension SplitMix64.Stream {
    /// Actions sampled from a learned policy (controller episodes, `rl-schedule` with
    /// `deterministic: false`).
    public static let policyActions: UInt64 = 0x5250_4F01
}

/// Learning-rate arithmetic shared by `rl-schedule` and the controller's training episodes.
public enum ControlledRate {
    /// The paper keeps the rate in [1e-5, 0.1].
    public static let paperBounds: ClosedRange<Double> = 1e-5...0.1

    /// `rate · factor`, clamped to `bounds`; a non-finite product keeps the old rate.
    public static func apply(_ factor: Double, to rate: Double, bounds: ClosedRange<Double>) -> Double {
        let next = rate * factor
        guard next.isFinite else { return rate }
        return Swift.min(Swift.max(next, bounds.lowerBound), bounds.upperBound)
    }
}
