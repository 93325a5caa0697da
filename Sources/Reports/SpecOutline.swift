import Foundation

/// The few facts a report needs from the spec's YAML (`sweep.spec_text`): the search method, the
/// early-stopping method, and which grid keys are drawn from a numeric distribution.
///
/// Reports cannot parse the spec with `SweepSpec.parse`: that validates names against the training
/// catalog, which `Reports` does not link (and a report must render even when the catalog has changed
/// since the sweep ran). So this reads the text leniently: block (`search:` then indented `method: random`)
/// and flow (`search: {method: random, trials: 24}`) mappings, `#` comments ignored. Whatever it cannot
/// find is nil or empty, and the report falls back to what the trials show.
struct SpecOutline: Sendable, Hashable {
    /// `grid`, `random` or `sobol` from `search: {method: …}`; nil when the spec has no `search:` section.
    var searchMethod: String?
    /// `asha` or `median` from `early_stopping: {method: …}`; nil without early stopping.
    var earlyStopping: String?
    /// Grid keys whose value is a numeric distribution (`log_uniform`, `uniform`, `int_uniform`), in the
    /// order the spec lists them. `choice` axes are categorical and are not listed.
    var distributionKeys: [String]

    static let numericDistributions = ["log_uniform", "uniform", "int_uniform"]

    init(searchMethod: String? = nil, earlyStopping: String? = nil, distributionKeys: [String] = []) {
        self.searchMethod = searchMethod
        self.earlyStopping = earlyStopping
        self.distributionKeys = distributionKeys
    }

    /// Reads the outline of `text`; an empty or unreadable text gives an empty outline.
    init(specText text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(Self.stripComment)
        let search = Self.section("search", in: lines)
        let stopping = Self.section("early_stopping", in: lines)
        let grid = Self.section("grid", in: lines)
        self.init(searchMethod: search.flatMap { Self.scalar("method", in: $0) } ?? search.map { _ in "grid" },
                  earlyStopping: stopping.flatMap { Self.scalar("method", in: $0) },
                  distributionKeys: grid.map(Self.distributionKeys) ?? [])
    }

    /// A line without its `# comment` (a `#` at the start or after a space, outside quotes).
    static func stripComment(_ line: Substring) -> String {
        var quote: Character?
        var previous: Character = " "
        for (i, c) in zip(line.indices, line) {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" && (previous == " " || previous == "\t") {
                return String(line[..<i])
            }
            previous = c
        }
        return String(line)
    }

    /// The text of the top-level key `key`: the rest of its line and, for a block mapping, the indented
    /// lines under it; for a flow mapping, everything up to its closing brace. Nil if the key is absent.
    static func section(_ key: String, in lines: [String]) -> String? {
        guard let start = lines.firstIndex(where: { $0.hasPrefix(key + ":") }) else { return nil }
        var text = String(lines[start].dropFirst(key.count + 1))
        if text.trimmingCharacters(in: .whitespaces).hasPrefix("{") {
            var depth = 0
            var i = start
            while true {
                for c in (i == start ? text : lines[i]) {
                    if c == "{" { depth += 1 } else if c == "}" { depth -= 1 }
                }
                if depth <= 0 || i + 1 >= lines.count { break }
                i += 1
                text += "\n" + lines[i]
            }
            return text
        }
        for line in lines[(start + 1)...] {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty, !(line.first?.isWhitespace ?? false) { break }
            text += "\n" + line
        }
        return text
    }

    /// The plain word after `key:` in `text` (`method: random` or `{method: random, …}`).
    static func scalar(_ key: String, in text: String) -> String? {
        firstMatch(#"(?:^|[\s{,])"# + NSRegularExpression.escapedPattern(for: key) + #"\s*:\s*["']?([A-Za-z0-9_\-]+)"#,
                   in: text).first
    }

    /// The keys of `grid`'s text whose value is a numeric distribution, flow (`lr: {log_uniform: […]}`)
    /// or block (`lr:` then an indented `log_uniform: […]`).
    static func distributionKeys(_ grid: String) -> [String] {
        let names = numericDistributions.joined(separator: "|")
        let flow = #"([A-Za-z0-9_.\-]+)["']?\s*:\s*\{\s*(?:"# + names + #")\s*:"#
        let block = #"([A-Za-z0-9_.\-]+)["']?\s*:[ \t]*\n[ \t]+(?:"# + names + #")\s*:"#
        var keys: [String] = []
        let found = allMatches(flow, in: grid) + allMatches(block, in: grid)
        for (_, key) in found.sorted(by: { $0.offset < $1.offset }) where !keys.contains(key) { keys.append(key) }
        return keys
    }

    static func firstMatch(_ pattern: String, in text: String) -> [String] {
        allMatches(pattern, in: text).first.map { [$0.key] } ?? []
    }

    /// The first capture group of every match, with the match's offset (for document order).
    static func allMatches(_ pattern: String, in text: String) -> [(offset: Int, key: String)] {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) else { return [] }
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).compactMap { m in
            guard m.numberOfRanges > 1, m.range(at: 1).location != NSNotFound else { return nil }
            return (m.range.location, ns.substring(with: m.range(at: 1)))
        }
    }
}
