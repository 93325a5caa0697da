import Foundation

/// A problem with a sweep spec, located at a file, line and column.
///
/// Printed the way compilers print diagnostics, so editors and terminals can jump to it:
/// `quickstart.yaml:7:15: error: unknown optimizer 'adamm' (did you mean 'adam'?); known optimizers: sgd, …`.
/// The message always says what was wrong and what was expected instead.
public struct SpecError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// The spec's path as the user gave it.
    public var file: String
    /// 1-based line; 0 when the problem is with the file as a whole (missing, unreadable).
    public var line: Int
    /// 1-based column (counted in Unicode scalars, as libyaml does); 0 together with `line`.
    public var column: Int
    /// What was wrong and what was expected.
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: error: message`, or `file: error: message` without a position.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column): error: \(message)" : "\(file): error: \(message)"
    }

    public var errorDescription: String? { description }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
///
/// "Close enough" is at most a third of the word's length (and at least one edit), so `adamm`
/// suggests `adam` while `foo` suggests nothing.
func closestMatch(to word: String, in candidates: [String]) -> String? {
    let limit = max(1, word.count / 3)
    var best: (name: String, distance: Int)?
    for candidate in candidates {
        let d = editDistance(word.lowercased(), candidate.lowercased())
        if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
    }
    return best?.name
}

/// Levenshtein distance over characters.
///
/// - Complexity: O(a × b).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// `unknown optimizer 'adamm' (did you mean 'adam'?); known optimizers: sgd, adam`.
func unknownNameMessage(_ what: String, _ name: String, known: [String], knownLabel: String) -> String {
    let hint = closestMatch(to: name, in: known).map { " (did you mean '\($0)'?)" } ?? ""
    let list = known.isEmpty ? "none" : known.joined(separator: ", ")
    return "unknown \(what) '\(name)'\(hint); known \(knownLabel): \(list)"
}
