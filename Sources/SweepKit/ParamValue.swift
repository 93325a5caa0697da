/// A scalar (or short list) value of a sweep parameter or an optimizer option.
///
/// Encodes as the plain JSON / YAML scalar it holds, so parameters read naturally in
/// messages, the results store and reports (`{"lr": 0.001, "optimizer": "adam"}`).
public enum ParamValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([ParamValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else {
            self = .list(try c.decode([ParamValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        case .list(let l): try c.encode(l)
        }
    }

    /// The value as a number, if it is one (ints widen to doubles).
    public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    /// The value as an integer, if it is an int or a double with no fractional part.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var listValue: [ParamValue]? {
        if case .list(let l) = self { return l }
        return nil
    }

    /// Canonical text: used for trial ids, placeholders and table cells.
    ///
    /// Doubles print in Swift's shortest round-trip form (`0.001`, `1e-05`), so the same YAML value
    /// always gives the same text and therefore the same trial id.
    public var description: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return "\(d)"
        case .bool(let b): return b ? "true" : "false"
        case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
