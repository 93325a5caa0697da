import Foundation

/// Writes JSON straight into a byte buffer: the encoder of the messages that cross the wire once
/// per trial (`trial`, `result`, `ready`, `progress`, `heartbeat`) and of the store's metric rows.
///
/// It follows ``JSONCoding``'s convention (non-finite numbers as the strings `"nan"`,
/// `"inf"`, `"-inf"`); callers write keys in sorted order, as that convention does.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Open objects and arrays, and for each whether a value has been written in it yet: one bit
    /// per level (no allocation for the usual shallow documents), an array past 64 levels.
    private var depth = 0
    private var startedBits: UInt64 = 0
    private var deepStarted: [Bool] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        open()
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        close()
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        open()
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        close()
    }

    private mutating func open() {
        if depth < 64 { startedBits &= ~(1 << UInt64(depth)) } else { deepStarted.append(false) }
        depth += 1
    }

    private mutating func close() {
        depth -= 1
        if depth >= 64 { deepStarted.removeLast() }
    }

    /// Writes `"name":`; the value written next belongs to it.
    public mutating func key(_ name: String) {
        separate()
        writeString(name)
        bytes.append(UInt8(ascii: ":"))
        // The value that follows must not get a comma of its own.
        pendingValue = true
    }

    public mutating func string(_ s: String) {
        separate()
        writeString(s)
    }

    public mutating func int(_ i: Int) {
        separate()
        bytes.append(contentsOf: String(i).utf8)
    }

    public mutating func double(_ d: Double) {
        separate()
        if d.isNaN {
            bytes.append(contentsOf: #""nan""#.utf8)
        } else if d.isInfinite {
            bytes.append(contentsOf: (d > 0 ? #""inf""# : #""-inf""#).utf8)
        } else {
            // Swift's shortest round-trip form ("0.001", "1e-05", "1.0") is valid JSON.
            bytes.append(contentsOf: d.description.utf8)
        }
    }

    public mutating func bool(_ b: Bool) {
        separate()
        bytes.append(contentsOf: (b ? "true" : "false").utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// Splices in `json`, one complete JSON value produced elsewhere.
    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
    }

    /// True right after `key(_:)`: the next value needs no comma.
    private var pendingValue = false

    private mutating func separate() {
        if pendingValue {
            pendingValue = false
            return
        }
        guard depth > 0 else { return }
        let level = depth - 1
        let started: Bool
        if level < 64 {
            started = startedBits & (1 << UInt64(level)) != 0
            startedBits |= 1 << UInt64(level)
        } else {
            started = deepStarted[level - 64]
            deepStarted[level - 64] = true
        }
        if started { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        // Most strings (ids, names, keys) need no escaping: copy them whole.
        let copied = s.withUTF8 { utf8 -> Bool in
            guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                return false
            }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !copied { escape(s) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ s: String) {
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
    }
}

/// A key of a JSON object as ``JSONReader`` meets it: compare it with a literal in a `switch`
/// (`case "trial":`) or take its ``string``.
public struct JSONKey: CustomStringConvertible {
    /// The key's UTF-8 (unescaped).
    public let bytes: ArraySlice<UInt8>

    public var string: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { string }

    public static func ~= (pattern: StaticString, key: JSONKey) -> Bool {
        let count = pattern.utf8CodeUnitCount
        guard key.bytes.count == count else { return false }
        return key.bytes.withUnsafeBytes { k in memcmp(k.baseAddress!, pattern.utf8Start, count) == 0 }
    }

    public static func == (key: JSONKey, literal: StaticString) -> Bool { literal ~= key }
}

/// Why a JSON body could not be read, with the byte offset where reading stopped.
public struct JSONReadError: Error, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 reader over UTF-8 bytes, for the hot messages' bodies.
///
/// Callers walk the document themselves (``object(_:)``, ``string()``, ``number()``…), so no
/// intermediate tree is built; ``skipValue()`` checks and steps over a value whose bytes are
/// handed to another decoder. Every method throws ``JSONReadError`` on malformed input.
public struct JSONReader {
    public let bytes: [UInt8]
    public private(set) var index = 0
    private var depth = 0
    /// Nesting deeper than this is refused rather than risking the stack on hostile input.
    public static let maxDepth = 64

    /// Read what other programs print, as well as strict JSON: Python's bare `NaN`, `Infinity` and
    /// `-Infinity` are numbers, and a lone surrogate escape is U+FFFD rather than an error.
    public let lenient: Bool

    public init(_ bytes: [UInt8], lenient: Bool = false) {
        self.bytes = bytes
        self.lenient = lenient
    }

    public func fail(_ message: String) -> JSONReadError { JSONReadError(message: message, offset: index) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    public mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Requires that nothing but whitespace is left.
    public mutating func end() throws {
        skipWhitespace()
        guard index == bytes.count else { throw fail("trailing characters") }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard current == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// True (and consumed) if the next value is `null`.
    public mutating func null() -> Bool {
        skipWhitespace()
        guard bytes[index...].starts(with: "null".utf8) else { return false }
        index += 4
        return true
    }

    /// What the next value is, without consuming it.
    public mutating func peek() -> UInt8? {
        skipWhitespace()
        return current
    }

    /// Reads an object, calling `member` with each key; `member` must read (or skip) the value.
    public mutating func object(_ member: (JSONKey, inout JSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        defer { depth -= 1 }
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try self.key()
            try expect(UInt8(ascii: ":"))
            try member(key, &self)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    /// Reads an array, calling `element` once per element; `element` must read (or skip) it.
    public mutating func array(_ element: (inout JSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        defer { depth -= 1 }
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try element(&self)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    /// An object's key: its bytes as they stand when it has no escapes (the usual case, which then
    /// costs no String), else the decoded string's.
    private mutating func key() throws -> JSONKey {
        let start = index + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"),
              bytes[end] >= 0x20, bytes[end] < 0x80 {
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            index = end + 1
            return JSONKey(bytes: bytes[start..<end])
        }
        return JSONKey(bytes: ArraySlice(try string().utf8))
    }

    public mutating func bool() throws -> Bool {
        skipWhitespace()
        if bytes[index...].starts(with: "true".utf8) {
            index += 4
            return true
        }
        if bytes[index...].starts(with: "false".utf8) {
            index += 5
            return false
        }
        throw fail("expected true or false")
    }

    public mutating func string() throws -> String {
        skipWhitespace()
        guard current == UInt8(ascii: "\"") else { throw fail("expected a string") }
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            guard bytes[index] >= 0x20 else { throw fail("control character in string") }
            index += 1
        }
        guard index < bytes.count else { throw fail("unterminated string") }
        var out = Array(bytes[start..<index])
        while bytes[index] != UInt8(ascii: "\"") {
            // bytes[index] is a backslash.
            index += 1
            guard let e = current else { throw fail("unterminated string") }
            index += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    if bytes[index...].starts(with: "\\u".utf8) {
                        index += 2
                        let low = try hex4()
                        scalar = (0xDC00..<0xE000).contains(low) ? 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            : 0xDC00  // not a pair: left invalid, below
                    }
                }
                guard let u = Unicode.Scalar(scalar) ?? (lenient ? Unicode.Scalar(0xFFFD) : nil) else {
                    throw fail("unpaired surrogate or invalid \\u escape")
                }
                out.append(contentsOf: String(Character(u)).utf8)
            default: throw fail("invalid escape")
            }
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                guard bytes[index] >= 0x20 else { throw fail("control character in string") }
                out.append(bytes[index])
                index += 1
            }
            guard index < bytes.count else { throw fail("unterminated string") }
        }
        index += 1
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8 in string") }
        return s
    }

    /// Steps over a string, checking its escapes but building nothing. Its UTF-8 is left to whoever
    /// decodes the skipped bytes.
    private mutating func skipString() throws {
        index += 1  // the opening quote
        let start = index
        var ascii = true
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                if !ascii, String(validating: bytes[start..<index], as: UTF8.self) == nil {
                    throw fail("invalid UTF-8 in string")
                }
                index += 1
                return
            case UInt8(ascii: "\\"):
                index += 1
                guard let e = current else { throw fail("unterminated string") }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"): break
                case UInt8(ascii: "u"): _ = try hex4()
                default: throw fail("invalid escape")
                }
            case 0..<0x20: throw fail("control character in string")
            case 0x80...: ascii = false; index += 1
            default: index += 1
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("bad hex digit in \\u escape")
            }
            v = v << 4 | digit
            index += 1
        }
        return v
    }

    /// A JSON number token: its value, and the same as an `Int` when it is integral and fits
    /// (`1`, `1.0` and `1e2` all are, as Foundation's decoder reads them).
    public mutating func number() throws -> (double: Double, int: Int?) {
        skipWhitespace()
        if lenient {
            for (word, value) in [("NaN", Double.nan), ("Infinity", .infinity), ("-Infinity", -.infinity)]
            where bytes[index...].starts(with: word.utf8) {
                index += word.utf8.count
                return (value, nil)
            }
        }
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw fail("expected a number")
        }
        var integer = true
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            digits()
        }
        if current == UInt8(ascii: ".") {
            integer = false
            index += 1
            guard digits() > 0 else { throw fail("expected digits after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integer = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("expected digits in exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let d = Double(text), d.isFinite else { throw fail("number \(text.prefix(24)) is out of range") }
        if integer, let i = Int(text) { return (d, i) }
        if d.rounded() == d, d >= -9.223372036854775e18, d <= 9.223372036854775e18 { return (d, Int(d)) }
        return (d, nil)
    }

    /// A number that may also be one of the strings `"nan"`, `"inf"`, `"-inf"` (JSONCoding's convention).
    public mutating func double() throws -> Double {
        if peek() == UInt8(ascii: "\"") {
            switch try string() {
            case "nan": return .nan
            case "inf": return .infinity
            case "-inf": return -.infinity
            case let s: throw fail("expected a number, got the string '\(s.prefix(20))'")
            }
        }
        return try number().double
    }

    public mutating func int() throws -> Int {
        guard let i = try number().int else { throw fail("expected an integer") }
        return i
    }

    @discardableResult
    private mutating func digits() -> Int {
        let start = index
        while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { index += 1 }
        return index - start
    }

    /// Checks the next value and steps over it, returning its bytes.
    public mutating func skipValue() throws -> ArraySlice<UInt8> {
        skipWhitespace()
        let start = index
        switch current {
        case UInt8(ascii: "{"): try object { _, r in _ = try r.skipValue() }
        case UInt8(ascii: "["): try array { r in _ = try r.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try bool()
        case UInt8(ascii: "n"): guard null() else { throw fail("unexpected character") }
        case nil: throw fail("unexpected end")
        default: _ = try number()
        }
        return bytes[start..<index]
    }
}

extension JSONWriter {
    /// `{"name": value, …}` in name order, non-finite values as strings: a result's metrics as the
    /// wire and the results store both write them.
    public static func metrics(_ metrics: [String: Double]) -> [UInt8] {
        var w = JSONWriter(capacity: 32 * metrics.count + 2)
        w.metrics(metrics)
        return w.bytes
    }

    public mutating func metrics(_ metrics: [String: Double]) {
        beginObject()
        for name in metrics.keys.sorted() {
            key(name)
            double(metrics[name] ?? .nan)
        }
        endObject()
    }
}
