import Foundation

// The built-in learning-rate schedules. Each gives a multiplier on the optimizer's rate for update
// number `step` (1-based) of `totalSteps`; baselines step with α_0·factor, the adaptive methods
// multiply their own adapted rate by it.

/// `step`: multiply by γ every `stepSize` updates (PyTorch's `StepLR` stepped per update):
/// factor(t) = γ^⌊(t−1)/stepSize⌋.
public struct StepSchedule: Schedule, Sendable, Hashable, Codable {
    public var stepSize: Int
    public var gamma: Double

    public init(stepSize: Int, gamma: Double) {
        precondition(stepSize > 0)
        self.stepSize = stepSize
        self.gamma = gamma
    }

    public func factor(step: Int, totalSteps: Int) -> Double {
        pow(gamma, Double(Swift.max(step - 1, 0) / stepSize))
    }
}

/// `multistep`: multiply by γ at each milestone, given as fractions of training (PyTorch's
/// `MultiStepLR` with milestones at round(fraction·totalSteps)): factor(t) = γ^#{m : m < t}.
/// With milestones [0.3, 0.6, 0.8] of 100 updates, updates 1–30 use 1, 31–60 γ, 61–80 γ², 81– γ³.
public struct MultiStepSchedule: Schedule, Sendable, Hashable, Codable {
    public var milestones: [Double]
    public var gamma: Double

    public init(milestones: [Double], gamma: Double) {
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    public func factor(step: Int, totalSteps: Int) -> Double {
        let passed = milestones.filter { Int(($0 * Double(totalSteps)).rounded()) < step }.count
        return pow(gamma, Double(passed))
    }
}

/// `exponential`: a smooth decay by γ per `stepSize` updates: factor(t) = γ^((t−1)/stepSize).
public struct ExponentialSchedule: Schedule, Sendable, Hashable, Codable {
    public var gamma: Double
    public var stepSize: Int

    public init(gamma: Double, stepSize: Int) {
        precondition(stepSize > 0)
        self.gamma = gamma
        self.stepSize = stepSize
    }

    public func factor(step: Int, totalSteps: Int) -> Double {
        pow(gamma, Double(Swift.max(step - 1, 0)) / Double(stepSize))
    }
}

/// `cosine`: cosine annealing over the whole run without restarts (Loshchilov & Hutter, ICLR 2017,
/// eq. 5): factor(t) = m + (1 − m)·½·(1 + cos(π·(t−1)/T)), m the final `minFactor`, T = totalSteps.
public struct CosineSchedule: Schedule, Sendable, Hashable, Codable {
    public var minFactor: Double

    public init(minFactor: Double = 0) { self.minFactor = minFactor }

    public func factor(step: Int, totalSteps: Int) -> Double {
        guard totalSteps > 0 else { return 1 }
        let progress = Swift.min(Swift.max(Double(step - 1) / Double(totalSteps), 0), 1)
        return minFactor + (1 - minFactor) * 0.5 * (1 + cos(Double.pi * progress))
    }
}

/// `warmup`: linear warm-up then constant (Goyal et al., "Accurate, Large Minibatch SGD", 2017, §2.2):
/// factor(t) = min(1, t/warmupSteps), so update `warmupSteps` is the first at the full rate.
public struct WarmupSchedule: Schedule, Sendable, Hashable, Codable {
    public var warmupSteps: Int

    public init(warmupSteps: Int) {
        precondition(warmupSteps > 0)
        self.warmupSteps = warmupSteps
    }

    public func factor(step: Int, totalSteps: Int) -> Double {
        Swift.min(1, Double(Swift.max(step, 0)) / Double(warmupSteps))
    }
}

/// `plateau`: reduce on a validation plateau (PyTorch's `ReduceLROnPlateau`, mode min, relative
/// threshold). After each evaluation, a loss below best·(1 − threshold) is an improvement; after
/// more than `patience` evaluations in a row without one, the factor is multiplied by `reduction`
/// (never below `minFactor`) and the count restarts.
public struct PlateauSchedule: Schedule, Sendable, Hashable, Codable {
    public var patience: Int
    public var reduction: Double
    public var threshold: Double
    public var minFactor: Double
    public private(set) var current: Double = 1
    public private(set) var best: Double = .infinity
    public private(set) var badEvaluations = 0

    public init(patience: Int, reduction: Double, threshold: Double = 1e-4, minFactor: Double = 0) {
        self.patience = patience
        self.reduction = reduction
        self.threshold = threshold
        self.minFactor = minFactor
    }

    public func factor(step: Int, totalSteps: Int) -> Double { current }

    public mutating func observe(validationLoss: Double, step: Int) {
        guard !validationLoss.isNaN else { return }
        if validationLoss < best * (1 - threshold) {
            best = validationLoss
            badEvaluations = 0
            return
        }
        badEvaluations += 1
        if badEvaluations > patience {
            current = Swift.max(current * reduction, minFactor)
            badEvaluations = 0
        }
    }
}
