import Foundation

/// A user mistake in choosing or configuring an optimizer or a schedule.
///
/// Thrown by ``OptimizerRegistry/make(name:lr:options:context:)`` and
/// ``ScheduleRegistry/make(name:options:context:)``; the text names the method, the option and
/// what was expected, so the CLI can print it as is.
public enum OptimizerError: Error, LocalizedError, CustomStringConvertible, Sendable, Hashable {
    /// No optimizer with this name; `known` lists the ones that exist.
    case unknownOptimizer(String, known: [String])
    /// No schedule with this name; `known` lists the ones that exist.
    case unknownSchedule(String, known: [String])
    /// The method declares no option with this name.
    case unknownOption(method: String, option: String, known: [String])
    /// The option's value has the wrong type or lies outside its range; `problem` says which.
    case invalidOption(method: String, option: String, problem: String)
    /// The initial learning rate is not a finite positive number.
    case invalidLearningRate(method: String, value: Double)
    /// The method needs the epoch length (`context.stepsPerEpoch`) and it is not positive.
    case missingEpochLength(method: String, option: String)

    public var description: String {
        switch self {
        case .unknownOptimizer(let name, let known):
            return "unknown optimizer '\(name)'; choose one of: \(known.joined(separator: ", "))"
        case .unknownSchedule(let name, let known):
            return "unknown schedule '\(name)'; choose one of: \(known.joined(separator: ", "))"
        case .unknownOption(let method, let option, let known):
            let choices = known.isEmpty ? "it takes no options" : "its options are: \(known.joined(separator: ", "))"
            return "\(method) has no option '\(option)'; \(choices)"
        case .invalidOption(let method, _, let problem):
            return "\(method): \(problem)"
        case .invalidLearningRate(let method, let value):
            return "\(method): the learning rate must be a finite number > 0, got \(value)"
        case .missingEpochLength(let method, let option):
            return "\(method): \(option) 0 means one epoch, but the epoch length is unknown; set \(option) in steps"
        }
    }

    public var errorDescription: String? { description }
}
