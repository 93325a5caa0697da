import Foundation
import SweepKit

/// A method's options after checking them against its declaration and filling in the defaults.
///
/// Accessors are only called with names the method itself declares with a default, so a missing
/// value is a programmer mistake (a `precondition`), never a user one.
struct ResolvedOptions {
    let method: String
    private(set) var values: [String: ParamValue]

    /// Checks `given` against `descriptor` and fills the declared defaults.
    ///
    /// - Parameter ignoring: names that are not this method's but are tolerated silently (the
    ///   options of another schedule when `schedule` is a grid axis sharing one `schedule_options`).
    /// - Throws: ``OptimizerError/unknownOption(method:option:known:)`` or
    ///   ``OptimizerError/invalidOption(method:option:problem:)``.
    /// - Parameter numberLists: options declared `.string` that take a list of numbers, each within
    ///   the option's `min`/`max` (`OptionType` has no list case yet); a comma-separated string of
    ///   numbers is accepted too.
    init(_ given: [String: ParamValue], for descriptor: MethodDescriptor, ignoring: Set<String> = [],
         numberLists: Set<String> = []) throws {
        method = descriptor.name
        var values: [String: ParamValue] = [:]
        for (key, value) in given.sorted(by: { $0.key < $1.key }) {
            guard let option = descriptor.option(named: key) else {
                if ignoring.contains(key) { continue }
                throw OptimizerError.unknownOption(method: descriptor.name, option: key,
                                                   known: descriptor.options.map(\.name))
            }
            if numberLists.contains(key) {
                let list = try Self.numberList(value, option: option, method: descriptor.name)
                values[key] = .list(list.map { .double($0) })
                continue
            }
            if let problem = option.problem(with: value) {
                throw OptimizerError.invalidOption(method: descriptor.name, option: key, problem: problem)
            }
            values[key] = value
        }
        for option in descriptor.options where values[option.name] == nil {
            if let d = option.defaultValue { values[option.name] = d }
        }
        self.values = values
    }

    private static func numberList(_ value: ParamValue, option: OptionDescriptor, method: String) throws -> [Double] {
        let items: [Double?]
        if let l = value.listValue {
            items = l.map(\.doubleValue)
        } else if let s = value.stringValue {
            items = s.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        } else {
            items = [nil]
        }
        let numbers = items.compactMap { $0 }
        guard numbers.count == items.count else {
            throw OptimizerError.invalidOption(method: method, option: option.name,
                                               problem: "\(option.name) must be a list of numbers, got '\(value)'")
        }
        for d in numbers {
            if let lo = option.min, d < lo {
                throw OptimizerError.invalidOption(method: method, option: option.name,
                                                   problem: "\(option.name) values must be ≥ \(lo), got \(d)")
            }
            if let hi = option.max, d > hi {
                throw OptimizerError.invalidOption(method: method, option: option.name,
                                                   problem: "\(option.name) values must be ≤ \(hi), got \(d)")
            }
        }
        return numbers
    }

    func double(_ name: String) -> Double {
        guard let d = values[name]?.doubleValue else { preconditionFailure("\(method): no number '\(name)'") }
        return d
    }

    func int(_ name: String) -> Int {
        guard let i = values[name]?.intValue else { preconditionFailure("\(method): no integer '\(name)'") }
        return i
    }

    func bool(_ name: String) -> Bool {
        guard let b = values[name]?.boolValue else { preconditionFailure("\(method): no boolean '\(name)'") }
        return b
    }

    func string(_ name: String) -> String {
        guard let s = values[name]?.stringValue else { preconditionFailure("\(method): no string '\(name)'") }
        return s
    }

    /// A `[min, max]` option, or nil when it is absent (no default declared).
    func range(_ name: String) -> ClosedRange<Double>? {
        guard let l = values[name]?.listValue, l.count == 2, let a = l[0].doubleValue, let b = l[1].doubleValue,
              a <= b else { return nil }
        return a...b
    }

    /// A list of numbers, or nil when absent or not all numbers.
    func numbers(_ name: String) -> [Double]? {
        guard let l = values[name]?.listValue else { return nil }
        let d = l.compactMap(\.doubleValue)
        return d.count == l.count ? d : nil
    }

    func invalid(_ name: String, _ problem: String) -> OptimizerError {
        .invalidOption(method: method, option: name, problem: "\(name) \(problem)")
    }
}
