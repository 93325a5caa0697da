/// A JSON value as an external trainer prints it, parsed leniently.
///
/// Lenient in one way only: the bare tokens `NaN`, `Infinity` and `-Infinity` are numbers. Python's
/// `json.dumps(float("nan"))` writes them, and a trainer whose loss blew up must be seen as diverged,
/// not as printing garbage. Everything else follows RFC 8259.
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

    /// Parses one complete JSON text (surrounding whitespace allowed).
    ///
    /// - Returns: nil if `text` is not exactly one JSON value (a half-written line, garbage, two values).
    static func parse(_ text: some StringProtocol) -> JSONValue? {
        var parser = Parser(bytes: Array(text.utf8))
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipWhitespace()
        return parser.atEnd ? value : nil
    }

    /// A recursive-descent parser over UTF-8 bytes; every method returns nil on malformed input.
    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        /// Nesting deeper than this is refused rather than risking the stack on hostile input.
        static let maxDepth = 64

        var atEnd: Bool { index >= bytes.count }
        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { index += 1 }
        }

        mutating func literal(_ word: String) -> Bool {
            let w = Array(word.utf8)
            guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else { return false }
            index += w.count
            return true
        }

        mutating func value(depth: Int) -> JSONValue? {
            guard depth < Self.maxDepth else { return nil }
            skipWhitespace()
            guard let c = current else { return nil }
            switch c {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map(JSONValue.string)
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "N"): return literal("NaN") ? .number(.nan) : nil
            case UInt8(ascii: "I"): return literal("Infinity") ? .number(.infinity) : nil
            case UInt8(ascii: "-") where literal("-Infinity"): return .number(-.infinity)
            default: return number()
            }
        }

        mutating func object(depth: Int) -> JSONValue? {
            index += 1  // "{"
            var members: [(key: String, value: JSONValue)] = []
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\""), let key = string() else { return nil }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let v = value(depth: depth + 1) else { return nil }
                members.append((key, v))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"): index += 1; return .object(members)
                default: return nil
                }
            }
        }

        mutating func array(depth: Int) -> JSONValue? {
            index += 1  // "["
            var items: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"): index += 1; return .array(items)
                default: return nil
                }
            }
        }

        mutating func string() -> String? {
            index += 1  // opening quote
            var out: [UInt8] = []
            while let c = current {
                index += 1
                switch c {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let e = current else { return nil }
                    index += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: return nil
                    }
                case 0x00..<0x20:
                    return nil  // raw control characters are not allowed inside strings
                default:
                    out.append(c)
                }
            }
            return nil  // unterminated: a half-written line
        }

        /// The scalar of a `\uXXXX` escape (after the `u`), combining a surrogate pair; lone
        /// surrogates become U+FFFD rather than failing the whole line.
        mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let high = hex4() else { return nil }
            if (0xD800..<0xDC00).contains(high), literal("\\u") {
                guard let low = hex4() else { return nil }
                if (0xDC00..<0xE000).contains(low) {
                    return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                }
                return Unicode.Scalar(0xFFFD)
            }
            return Unicode.Scalar(high) ?? Unicode.Scalar(0xFFFD)
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            let text = String(decoding: bytes[index..<index + 4], as: UTF8.self)
            guard let v = UInt32(text, radix: 16) else { return nil }
            index += 4
            return v
        }

        mutating func number() -> JSONValue? {
            let start = index
            if current == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { index += 1 }
            guard index > digitsStart else { return nil }
            // No leading zeros: `0` alone, or `0.` / `0e` followed by more.
            if bytes[digitsStart] == UInt8(ascii: "0") && index - digitsStart > 1 { return nil }
            if current == UInt8(ascii: ".") {
                index += 1
                let fractionStart = index
                while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { index += 1 }
                guard index > fractionStart else { return nil }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                let exponentStart = index
                while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { index += 1 }
                guard index > exponentStart else { return nil }
            }
            return Double(String(decoding: bytes[start..<index], as: UTF8.self)).map(JSONValue.number)
        }
    }
}
