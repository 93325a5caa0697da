import SweepKit

/// A learning-rate schedule: a multiplier on the optimizer's initial rate, as a function of the step.
///
/// Schedules are small value types (not closures) so they can be described, compared and shown in
/// reports. `observe(validationLoss:step:)` lets reactive schedules (`plateau`, or a learned
/// controller) change course from what the trainer measured.
public protocol Schedule {
    /// The multiplier for update number `step` (1-based) of `totalSteps`.
    func factor(step: Int, totalSteps: Int) -> Double
    /// Called after each validation evaluation.
    mutating func observe(validationLoss: Double, step: Int)
}

extension Schedule {
    public mutating func observe(validationLoss: Double, step: Int) {}
}

/// The constant schedule: factor 1 throughout.
public struct ConstantSchedule: Schedule, Sendable, Hashable {
    public init() {}
    public func factor(step: Int, totalSteps: Int) -> Double { 1 }
}
