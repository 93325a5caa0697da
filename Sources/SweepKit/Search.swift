import Foundation

/// How a sweep chooses its configurations (`search:` in the spec).
public enum SearchMethod: String, Sendable, Hashable, CaseIterable {
    /// Every combination of the list axes (the default).
    case grid
    /// Distribution axes drawn at random, `trials` times for every combination of the list axes.
    case random
    /// Distribution axes drawn from a scrambled Sobol sequence (low discrepancy), likewise.
    case sobol
}

/// The `search:` section.
public struct SearchSpec: Sendable, Hashable {
    public var method: SearchMethod
    /// Random and Sobol search: configurations drawn for every combination of the list axes (each
    /// runs with every seed). Every combination gets the same draws (common random numbers), so
    /// optimizers are compared at the same rates.
    public var trials: Int
    /// The draw is a function of this seed alone (accepted, and unused, by grid search).
    public var seed: UInt64

    public init(method: SearchMethod = .grid, trials: Int = 0, seed: UInt64 = 0) {
        self.method = method
        self.trials = trials
        self.seed = seed
    }
}

/// A distribution axis of random or Sobol search (`lr: {log_uniform: [1.0e-5, 1.0]}`).
public enum Distribution: Sendable, Hashable, CustomStringConvertible {
    case logUniform(Double, Double)
    case uniform(Double, Double)
    /// Integers from the first to the second bound, both included.
    case intUniform(Int, Int)
    case choice([ParamValue])

    /// The spec's words for the distributions, in the order errors list them.
    public static let names = ["log_uniform", "uniform", "int_uniform", "choice"]

    /// The spec's word for this distribution (`log_uniform`, …).
    public var name: String {
        switch self {
        case .logUniform: return "log_uniform"
        case .uniform: return "uniform"
        case .intUniform: return "int_uniform"
        case .choice: return "choice"
        }
    }

    /// As the spec writes it: `log_uniform [1e-05, 1.0]`, `choice [sgd, adam]`.
    public var description: String {
        switch self {
        case .logUniform(let a, let b), .uniform(let a, let b): return "\(name) [\(a), \(b)]"
        case .intUniform(let a, let b): return "\(name) [\(a), \(b)]"
        case .choice(let values): return "\(name) \(ParamValue.list(values))"
        }
    }

    /// The value at `u` ∈ [0, 1): the inverse CDF of the distribution.
    ///
    /// Reals are rounded to 6 significant digits and kept inside the bounds: the text of a value is
    /// part of the trial id, so it must not depend on the last bit of a platform's `exp` or `log`
    /// (a sweep resumed on another machine must find its trials again), and short values read
    /// better in tables. Integers and choices take the ⌊u·n⌋-th of their n values.
    public func value(at u: Double) -> ParamValue {
        let u = Swift.min(Swift.max(u, 0), 1)
        switch self {
        case .logUniform(let a, let b):
            return .double(Self.rounded(exp(log(a) + u * (log(b) - log(a))), within: a, b))
        case .uniform(let a, let b):
            return .double(Self.rounded(a + u * (b - a), within: a, b))
        case .intUniform(let a, let b):
            let count = Double(b - a) + 1
            return .int(a + Swift.min(Int((u * count).rounded(.down)), b - a))
        case .choice(let values):
            return values[Swift.min(Int((u * Double(values.count)).rounded(.down)), values.count - 1)]
        }
    }

    /// `x` to 6 significant digits (correctly rounded, through its decimal text), clamped to [a, b].
    static func rounded(_ x: Double, within a: Double, _ b: Double) -> Double {
        let r = Double(String(format: "%.5e", x)) ?? x
        return Swift.min(Swift.max(r, a), b)
    }
}

/// When a grid axis applies: only to trials whose `key` parameter is `value`.
///
/// An option axis (`sgd-hd.hyper_lr`) applies to the trials of its optimizer (`optimizer` is
/// `sgd-hd`), a schedule option axis (`step.gamma`) to the trials whose schedule is `step` (the
/// `schedule` axis, or `train.schedule` when there is none).
public struct AxisCondition: Sendable, Hashable, CustomStringConvertible {
    /// `optimizer` or `schedule`.
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// `optimizer=sgd-hd`.
    public var description: String { "\(key)=\(value)" }
}

/// The `early_stopping:` section: stop hopeless configurations within each comparison group.
public struct EarlyStoppingSpec: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable, CaseIterable {
        /// Asynchronous successive halving (Li et al., 2020): at rungs grace·η^k steps, a
        /// configuration worse than the best 1/η of its group at that rung stops.
        case asha
        /// The median stopping rule (Golovin et al., 2017): after `grace` steps, a configuration
        /// whose best value so far is worse than the median of the others' running averages at
        /// the same step stops.
        case median
    }

    public var method: Method
    /// Steps before the first decision.
    public var grace: Int
    /// ASHA's η: the best 1/η of a rung go on (rungs at grace·η^k steps).
    public var reduction: Double
    /// The grid keys whose values make a comparison group (default: every axis but `lr` and `seed`,
    /// and but the axes drawn from a numeric distribution, which are tuned like `lr`; see
    /// ``SweepSpec/defaultGroupBy``): configurations are only ever compared within their group, so
    /// every optimizer keeps its best rate.
    public var groupBy: [String]

    public init(method: Method, grace: Int, reduction: Double = 3, groupBy: [String]) {
        self.method = method
        self.grace = grace
        self.reduction = reduction
        self.groupBy = groupBy
    }
}
