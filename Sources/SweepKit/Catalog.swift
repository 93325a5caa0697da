/// The type of an optimizer option, as a spec validator and `lrsweep optimizers` see it.
public enum OptionType: Sendable, Hashable, Codable, CustomStringConvertible {
    case number
    case integer
    case boolean
    case string
    /// One of a fixed set of words.
    case choice([String])
    /// Two numbers `[min, max]`.
    case range
    /// A list of numbers, each within the option's bounds (e.g. milestones `[0.3, 0.6, 0.8]`).
    case numbers
    /// A file path.
    case path

    public var description: String {
        switch self {
        case .number: return "number"
        case .integer: return "integer"
        case .boolean: return "boolean"
        case .string: return "string"
        case .choice(let c): return c.joined(separator: " | ")
        case .range: return "[min, max]"
        case .numbers: return "[number, …]"
        case .path: return "path"
        }
    }
}

/// One declared option of an optimizer: validation, `--help` and `lrsweep optimizers` all read this.
public struct OptionDescriptor: Sendable, Hashable {
    public var name: String
    public var type: OptionType
    public var defaultValue: ParamValue?
    public var min: Double?
    public var max: Double?
    public var help: String

    public init(_ name: String, _ type: OptionType, default defaultValue: ParamValue? = nil,
                min: Double? = nil, max: Double? = nil, help: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.min = min
        self.max = max
        self.help = help
    }

    /// Nil if `value` is acceptable, otherwise what was expected, in words.
    public func problem(with value: ParamValue) -> String? {
        func inRange(_ d: Double) -> String? {
            if let lo = min, d < lo { return "\(name) must be ≥ \(lo), got \(d)" }
            if let hi = max, d > hi { return "\(name) must be ≤ \(hi), got \(d)" }
            return nil
        }
        switch type {
        case .number:
            guard let d = value.doubleValue else { return "\(name) must be a number, got '\(value)'" }
            return inRange(d)
        case .integer:
            guard let i = value.intValue else { return "\(name) must be an integer, got '\(value)'" }
            return inRange(Double(i))
        case .boolean:
            return value.boolValue == nil ? "\(name) must be true or false, got '\(value)'" : nil
        case .string, .path:
            return value.stringValue == nil ? "\(name) must be a string, got '\(value)'" : nil
        case .choice(let words):
            guard let s = value.stringValue, words.contains(s) else {
                return "\(name) must be one of \(words.joined(separator: ", ")), got '\(value)'"
            }
            return nil
        case .numbers:
            guard let l = value.listValue, !l.isEmpty, l.allSatisfy({ $0.doubleValue != nil }) else {
                return "\(name) must be a list of numbers, e.g. [0.3, 0.6], got '\(value)'"
            }
            return l.compactMap(\.doubleValue).lazy.compactMap(inRange).first
        case .range:
            guard let l = value.listValue, l.count == 2, let a = l[0].doubleValue, let b = l[1].doubleValue else {
                return "\(name) must be a list of two numbers [min, max], got '\(value)'"
            }
            if a > b { return "\(name): min \(a) is larger than max \(b)" }
            return inRange(a) ?? inRange(b)
        }
    }
}

/// A named, documented thing that a spec can select: an optimizer, a schedule.
public struct MethodDescriptor: Sendable, Hashable {
    public var name: String
    public var summary: String
    public var options: [OptionDescriptor]

    public init(name: String, summary: String, options: [OptionDescriptor] = []) {
        self.name = name
        self.summary = summary
        self.options = options
    }

    public func option(named n: String) -> OptionDescriptor? { options.first { $0.name == n } }
}

/// What a spec may name: the validator checks optimizers, schedules, models and datasets against it.
///
/// `SweepKit` knows no optimizer itself; the `Training` module provides the built-in catalog.
public struct Catalog: Sendable {
    public var optimizers: [MethodDescriptor]
    public var schedules: [MethodDescriptor]
    /// Model names; a name `base-N-N…` (e.g. `mlp-256-128`) is accepted when `base` is in `sizedModels`.
    public var models: [String]
    public var sizedModels: [String]
    public var datasets: [String]

    public init(optimizers: [MethodDescriptor], schedules: [MethodDescriptor], models: [String],
                sizedModels: [String] = [], datasets: [String]) {
        self.optimizers = optimizers
        self.schedules = schedules
        self.models = models
        self.sizedModels = sizedModels
        self.datasets = datasets
    }

    public func optimizer(named n: String) -> MethodDescriptor? { optimizers.first { $0.name == n } }
    public func schedule(named n: String) -> MethodDescriptor? { schedules.first { $0.name == n } }

    public func isKnownModel(_ name: String) -> Bool {
        if models.contains(name) { return true }
        let parts = name.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, sizedModels.contains(parts[0]) else { return false }
        return parts.dropFirst().allSatisfy { Int($0).map { $0 > 0 } ?? false }
    }
}
