import Foundation
import SweepKit
import Testing

/// The byte-level JSON writer and reader behind the per-trial messages, checked against
/// Foundation's JSONSerialization as the reference parser.
@Suite("JSON writer and reader")
struct JSONBytesTests {
    @Test("commas and nesting are right at every depth, including past 64 levels")
    func nesting() throws {
        for depth in [1, 2, 63, 64, 65, 130] {
            var w = JSONWriter()
            for _ in 0..<depth {
                w.beginArray()
                w.int(1)
            }
            for _ in 0..<depth { w.endArray() }
            var value: Any = try JSONSerialization.jsonObject(with: Data(w.bytes))
            for level in 0..<depth {
                let array = try #require(value as? [Any], "level \(level) of \(depth)")
                #expect(array.count == (level == depth - 1 ? 1 : 2))
                #expect(array.first as? Int == 1)
                if level < depth - 1 { value = array[1] }
            }
        }
    }

    @Test("strings round-trip through Foundation, escaped only where JSON needs it")
    func strings() throws {
        let samples = ["plain", "", "quote \" back \\ slash /", "tab\tnl\ncr\r\u{1}\u{1f}", "é 😀 ∑", "x".padding(
            toLength: 300, withPad: "yz", startingAt: 0)]
        for s in samples {
            var w = JSONWriter()
            w.beginObject()
            w.key("k")
            w.string(s)
            w.endObject()
            let back = try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: String]
            #expect(back == ["k": s])
            var r = JSONReader(w.bytes)
            var read: String?
            try r.object { key, r in
                #expect(key == "k")
                read = try r.string()
            }
            #expect(read == s)
        }
        var w = JSONWriter()
        w.string("plain/text")
        #expect(String(decoding: w.bytes, as: UTF8.self) == #""plain/text""#)
    }

    @Test("numbers: integral values read as integers the way Foundation's decoder does")
    func numbers() throws {
        let cases: [(String, Double, Int?)] = [("1", 1, 1), ("1.0", 1, 1), ("1e2", 100, 100), ("-0", 0, 0),
                                               ("1.5", 1.5, nil), ("1e-5", 1e-5, nil), ("1e20", 1e20, nil)]
        for (text, d, i) in cases {
            var r = JSONReader(Array(text.utf8))
            let n = try r.number()
            #expect(n.double == d && n.int == i, "\(text)")
            let foundation = try? JSONDecoder().decode(Int.self, from: Data(text.utf8))
            #expect(foundation == i, "\(text): Foundation reads \(String(describing: foundation))")
        }
        for bad in ["01", "1.", "-", ".5", "1e", "+1", "1e999"] {
            var r = JSONReader(Array(bad.utf8))
            #expect(throws: JSONReadError.self, "\(bad)") {
                _ = try r.number()
                try r.end()
            }
        }
    }

    @Test("lenient mode reads Python's bare NaN and Infinity and replaces lone surrogates; strict mode refuses both")
    func lenient() throws {
        for (text, expected) in [("NaN", Double.nan), ("Infinity", .infinity), ("-Infinity", -.infinity)] {
            var strict = JSONReader(Array(text.utf8))
            #expect(throws: JSONReadError.self) { _ = try strict.number() }
            var loose = JSONReader(Array(text.utf8), lenient: true)
            let n = try loose.number().double
            #expect(n == expected || (n.isNaN && expected.isNaN))
            try loose.end()
        }
        for text in [#""a\ud800b""#, #""a\udc00b""#, #""a\ud800\u0041b""#] {
            var strict = JSONReader(Array(text.utf8))
            #expect(throws: JSONReadError.self, "\(text)") { _ = try strict.string() }
            var loose = JSONReader(Array(text.utf8), lenient: true)
            #expect(try loose.string() == "a\u{FFFD}b", "\(text)")
        }
    }
}
