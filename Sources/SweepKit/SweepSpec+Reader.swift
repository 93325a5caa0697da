import Yams

extension SweepSpec {
    /// Typed access to a composed YAML tree, where every mismatch becomes a ``SpecError`` at the node.
    ///
    /// Scalars follow the YAML 1.2 core schema rather than libyaml's YAML 1.1 defaults: only
    /// `true`/`false` are booleans (so a dataset called `no` or an option value `on` stays a string),
    /// dates stay strings, and quoted scalars are always strings (`"3"` is text, `3` is a number).
    struct Reader {
        /// The spec's path as the user gave it, used in every error.
        let file: String

        /// One `key: value` pair of a mapping, with the key's node kept for error positions.
        struct Entry {
            let key: String
            let keyNode: Node
            let value: Node

            /// True if the value is absent (`key:` with nothing after it, `~` or `null`).
            var isNull: Bool { Reader.isNull(value) }
        }

        /// An error located at `node` (line 1, column 1 if the node has no mark).
        func error(_ message: String, at node: Node?) -> SpecError {
            let mark = node?.mark
            return SpecError(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message)
        }

        /// The pairs of a mapping node in document order.
        ///
        /// - Parameters:
        ///   - what: how errors name this mapping (`the train section`).
        ///   - known: if given, keys outside it are errors that list the known keys.
        ///   - example: shown when the node is not a mapping, e.g. `{hyper_lr: 1.0e-3}`.
        /// - Throws: ``SpecError`` if the node is not a mapping, a key is not a plain string, or is unknown.
        func entries(of node: Node, _ what: String, known: [String]? = nil, example: String? = nil) throws -> [Entry] {
            guard case .mapping(let mapping) = node else {
                let hint = example.map { " like \($0)" } ?? ""
                throw error("\(what) must be a mapping of keys to values\(hint), got \(describe(node))", at: node)
            }
            var result: [Entry] = []
            for (keyNode, value) in mapping {
                guard case .scalar(let scalar) = keyNode, !scalar.string.isEmpty else {
                    throw error("keys of \(what) must be plain words, got \(describe(keyNode))", at: keyNode)
                }
                let key = scalar.string
                if let known, !known.contains(key) {
                    throw error(unknownNameMessage("key", key, known: known, knownLabel: "keys of \(what)"),
                                at: keyNode)
                }
                result.append(Entry(key: key, keyNode: keyNode, value: Reader.locatingEmptyValue(value, at: keyNode)))
            }
            return result
        }

        /// `key:` with nothing after it gives an empty scalar that libyaml marks where the *next* token
        /// starts (often the next line); errors about it should point at the key instead.
        static func locatingEmptyValue(_ value: Node, at keyNode: Node) -> Node {
            guard case .scalar(var scalar) = value, scalar.string.isEmpty,
                  scalar.style == .plain || scalar.style == .any else { return value }
            scalar.mark = keyNode.mark
            return .scalar(scalar)
        }

        /// The value of a scalar, or of a list of scalars (nested lists allowed), never null.
        ///
        /// - Parameter what: how errors name the value (`grid axis 'lr'`).
        /// - Throws: ``SpecError`` for null, for a mapping, or for a null inside a list.
        func value(_ node: Node, _ what: String) throws -> ParamValue {
            switch node {
            case .scalar:
                guard let v = Reader.scalarValue(node) else {
                    throw error("\(what) has no value (null); expected a value", at: node)
                }
                return v
            case .sequence(let sequence):
                return .list(try sequence.map { try value($0, what) })
            case .mapping, .alias:
                throw error("\(what) must be a value or a list of values, got \(describe(node))", at: node)
            }
        }

        /// A string scalar.
        func string(_ node: Node, _ what: String, expected: String = "a string") throws -> String {
            guard case .string(let s)? = Reader.scalarValue(node) else {
                throw error("\(what) must be \(expected), got \(describe(node))", at: node)
            }
            return s
        }

        /// An integer scalar within `bound` (a number with no fractional part counts, `128.0` is 128).
        func int(_ node: Node, _ what: String, _ bound: Bound) throws -> Int {
            guard case .scalar(let scalar) = node, let i = Reader.scalarValue(node)?.intValue else {
                throw error("\(what) must be an integer\(bound.phrase), got \(describe(node))", at: node)
            }
            guard bound.admits(Double(i)) else {
                throw error("\(what) must be\(bound.phrase), got \(scalar.string)", at: node)
            }
            return i
        }

        /// A finite number within `bound`.
        func number(_ node: Node, _ what: String, _ bound: Bound) throws -> Double {
            guard case .scalar(let scalar) = node, let d = Reader.scalarValue(node)?.doubleValue,
                  d.isFinite else {
                throw error("\(what) must be a finite number\(bound.phrase), got \(describe(node))", at: node)
            }
            guard bound.admits(d) else {
                throw error("\(what) must be\(bound.phrase), got \(scalar.string)", at: node)
            }
            return d
        }

        /// How a node reads in an error's "got …": `the string 'big'`, `a list`, `-1`, `nothing (null)`.
        func describe(_ node: Node) -> String {
            switch node {
            case .scalar(let scalar):
                switch Reader.scalarValue(node) {
                case nil: return "nothing (null)"
                case .string(let s)?: return "the string '\(s)'"
                default: return scalar.string
                }
            case .sequence: return "a list"
            case .mapping: return "a mapping"
            case .alias: return "an alias"
            }
        }

        /// True for `~`, `null` and an empty plain scalar.
        static func isNull(_ node: Node) -> Bool {
            guard case .scalar = node else { return false }
            return scalarValue(node) == nil
        }

        /// The typed value of a scalar node; nil for null and for lists and mappings.
        static func scalarValue(_ node: Node) -> ParamValue? {
            guard case .scalar(let scalar) = node else { return nil }
            return scalarValue(scalar, tag: tagName(node))
        }

        /// The node's resolved tag (`Tag.name` itself is internal to Yams; its description is the name).
        static func tagName(_ node: Node) -> Tag.Name {
            Tag.Name(rawValue: node.tag.description)
        }

        /// A scalar's typed value under the YAML 1.2 core schema; nil for null.
        ///
        /// `tag` is the node's resolved tag: libyaml's resolver decides int / float / bool / null for
        /// plain scalars, and quoted scalars arrive tagged as strings.
        static func scalarValue(_ scalar: Node.Scalar, tag: Tag.Name) -> ParamValue? {
            let text = scalar.string
            switch tag {
            case .null:
                return nil
            case .int:
                if let i = Int.construct(from: scalar) ?? Int(text) { return .int(i) }
                return .string(text)
            case .float:
                if let d = Double.construct(from: scalar) ?? Double(text) { return .double(d) }
                return .string(text)
            case .bool:
                // YAML 1.1's yes / no / on / off are strings in YAML 1.2, and surprising as booleans.
                switch text {
                case "true", "True", "TRUE": return .bool(true)
                case "false", "False", "FALSE": return .bool(false)
                default: return .string(text)
                }
            default:
                return .string(text)
            }
        }
    }

    /// The admissible range of a number in a spec, and how messages state it.
    enum Bound {
        case any
        case positive
        case atLeast(Double)
        case above(Double)

        func admits(_ d: Double) -> Bool {
            switch self {
            case .any: return true
            case .positive: return d > 0
            case .atLeast(let lo): return d >= lo
            case .above(let lo): return d > lo
            }
        }

        /// ` > 0`, ` ≥ 1`, or nothing.
        var phrase: String {
            switch self {
            case .any: return ""
            case .positive: return " > 0"
            case .atLeast(let lo):
                return lo == lo.rounded() && abs(lo) < 1e15 ? " ≥ \(Int(lo))" : " ≥ \(lo)"
            case .above(let lo):
                return lo == lo.rounded() && abs(lo) < 1e15 ? " > \(Int(lo))" : " > \(lo)"
            }
        }
    }
}
