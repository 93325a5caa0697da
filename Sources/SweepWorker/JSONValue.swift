import SweepKit

/// A JSON value as an external trainer prints it, parsed leniently: the bare tokens `NaN`,
/// `Infinity` and `-Infinity` are numbers (Python's `json.dumps(float("nan"))` writes them, and a
/// trainer whose loss blew up must be seen as diverged, not as printing garbage), and a lone
/// surrogate escape is U+FFFD. Everything else follows RFC 8259.
enum JSONValue: Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// Parses one complete JSON text (surrounding whitespace allowed), with SweepKit's
    /// ``JSONReader`` in its lenient mode.
    ///
    /// - Returns: nil if `text` is not exactly one JSON value (a half-written line, garbage, two values).
    static func parse(_ text: some StringProtocol) -> JSONValue? {
        var reader = JSONReader(Array(text.utf8), lenient: true)
        guard let value = try? read(&reader), (try? reader.end()) != nil else { return nil }
        return value
    }

    private static func read(_ r: inout JSONReader) throws -> JSONValue {
        switch r.peek() {
        case UInt8(ascii: "{"):
            var members: [(key: String, value: JSONValue)] = []
            try r.object { key, r in members.append((key.string, try read(&r))) }
            return .object(members)
        case UInt8(ascii: "["):
            var items: [JSONValue] = []
            try r.array { r in items.append(try read(&r)) }
            return .array(items)
        case UInt8(ascii: "\""): return .string(try r.string())
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool(try r.bool())
        case UInt8(ascii: "n"):
            guard r.null() else { throw r.fail("expected null") }
            return .null
        default: return .number(try r.number().double)
        }
    }
}
