import Foundation
import Yams

extension SweepSpec {
    /// The top-level keys of a spec, in the order errors list them.
    public static let specKeys = ["name", "metric", "goal", "grid", "seeds", "train", "optimizers", "retries",
                                  "trainer", "search", "early_stopping"]

    /// Reads and validates the spec file at `path`.
    ///
    /// - Parameters:
    ///   - path: the spec's path; errors name it exactly as given.
    ///   - catalog: what the spec may name (optimizers, schedules, models, datasets).
    /// - Returns: the validated spec, with `sourceText` and `sourcePath` set.
    /// - Throws: ``SpecError``; one with `line` 0 if the file can't be read at all.
    public static func load(path: String, catalog: Catalog) throws -> SweepSpec {
        let text: String
        do {
            text = try readSpecFile(path)
        } catch let problem as FileProblem {
            throw SpecError(file: path, line: 0, column: 0, message: problem.message)
        }
        return try parse(text: text, file: path, catalog: catalog)
    }

    /// Parses and validates a spec's YAML text.
    ///
    /// Errors point at the offending key or value; a YAML syntax error is reported the same way.
    /// Only the first problem is reported.
    ///
    /// - Parameters:
    ///   - text: the YAML.
    ///   - file: the name errors give the text (a path, or e.g. `<stdin>`).
    ///   - catalog: what the spec may name.
    /// - Throws: ``SpecError``.
    public static func parse(text: String, file: String, catalog: Catalog) throws -> SweepSpec {
        let reader = Reader(file: file)
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, file: file, text: text)
        }
        guard let root = composed, !Reader.isNull(root) else {
            throw SpecError(file: file, line: 1, column: 1,
                            message: "the spec is empty; expected a mapping with at least 'name' and 'grid'")
        }
        let entries = try reader.entries(of: root, "the spec", known: specKeys,
                                         example: "name: my-sweep, grid: {…}")
        var section: [String: Reader.Entry] = [:]
        for entry in entries { section[entry.key] = entry }

        guard let nameEntry = section["name"] else {
            throw reader.error("missing required key 'name' (it names the output folder, e.g. name: my-sweep)",
                               at: root)
        }
        guard let gridEntry = section["grid"] else {
            throw reader.error("missing required key 'grid' (the values to sweep, e.g. grid: {optimizer: [sgd, "
                               + "adam], lr: [0.1, 0.01], dataset: fashion-mnist, model: mlp})", at: root)
        }
        let name = try parseName(nameEntry.value, reader: reader)
        let metric = try section["metric"].map { try parseMetric($0.value, reader: reader) } ?? "val_loss"
        let goal = try section["goal"].map { try parseGoal($0.value, reader: reader) }
        let seeds = try section["seeds"].map { try parseSeeds($0.value, reader: reader) } ?? [1]
        let retries = try section["retries"].map { try reader.int($0.value, "retries", .atLeast(0)) } ?? 2
        let hasTrainer = section["trainer"] != nil
        let (search, methodNode) = try section["search"].map { try parseSearch($0, reader: reader) }
            ?? (SearchSpec(), nil)
        let (grid, keyNodes) = try parseGrid(gridEntry, hasTrainer: hasTrainer, search: search, catalog: catalog,
                                             reader: reader)
        let train = try section["train"].map {
            try parseTrain($0, grid: grid, catalog: catalog, reader: reader)
        } ?? TrainConfig()
        try checkSearch(grid: grid, keyNodes: keyNodes, train: train, search: search, methodNode: methodNode,
                        reader: reader)
        let optimizers = try section["optimizers"].map {
            try parseOptimizers($0, hasTrainer: hasTrainer, catalog: catalog, reader: reader)
        } ?? [:]
        let trainer = try section["trainer"].map { try parseTrainer($0, grid: grid, reader: reader) }
        let earlyStopping = try section["early_stopping"].flatMap {
            try parseEarlyStopping($0, grid: grid, train: train, search: search, hasTrainer: hasTrainer,
                                   reader: reader)
        }

        return SweepSpec(name: name, metric: metric, goal: goal, grid: grid, seeds: seeds, train: train,
                         optimizers: optimizers, retries: retries, trainer: trainer, search: search,
                         earlyStopping: earlyStopping, sourceText: text, sourcePath: file)
    }

    // MARK: - Top-level scalars

    /// A name usable as a folder name: letters, digits, `-`, `_`, `.`, not `.` or `..`.
    static func parseName(_ node: Node, reader: Reader) throws -> String {
        let expected = "a non-empty name made of letters, digits, '-', '_' and '.' (it names the output folder)"
        let name = try reader.string(node, "name", expected: expected)
        guard !name.isEmpty, name != ".", name != "..", name.unicodeScalars.allSatisfy(isNameCharacter) else {
            throw reader.error("name must be \(expected), got '\(name)'", at: node)
        }
        return name
    }

    static func parseMetric(_ node: Node, reader: Reader) throws -> String {
        let expected = "a metric name such as val_loss or val_accuracy"
        let metric = try reader.string(node, "metric", expected: expected)
        guard !metric.isEmpty, metric.unicodeScalars.allSatisfy(isNameCharacter) else {
            throw reader.error("metric must be \(expected), got '\(metric)'", at: node)
        }
        return metric
    }

    static func parseGoal(_ node: Node, reader: Reader) throws -> Goal {
        let words = Goal.allCases.map(\.rawValue).joined(separator: " or ")
        let text = try reader.string(node, "goal", expected: words)
        guard let goal = Goal(rawValue: text) else {
            throw reader.error("goal must be \(words), got '\(text)'", at: node)
        }
        return goal
    }

    /// `seeds: 3` or `seeds: [1, 2, 3]`: non-negative, distinct integers.
    static func parseSeeds(_ node: Node, reader: Reader) throws -> [Int] {
        let items: [Node]
        if case .sequence(let sequence) = node {
            items = Array(sequence)
            guard !items.isEmpty else {
                throw reader.error("seeds is an empty list; give at least one seed, e.g. seeds: [1, 2, 3]", at: node)
            }
        } else {
            items = [node]
        }
        var seeds: [Int] = []
        for item in items {
            let seed = try reader.int(item, "a seed", .atLeast(0))
            guard !seeds.contains(seed) else {
                throw reader.error("duplicate seed \(seed); each seed may appear once", at: item)
            }
            seeds.append(seed)
        }
        return seeds
    }

    /// Letters, digits, `-`, `_` and `.`: safe in folder names, placeholders and metric names.
    static func isNameCharacter(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" || c == "_" || c == "."
    }

    // MARK: - Errors from outside the tree

    /// A YAML syntax error from Yams, as a located ``SpecError``.
    static func syntaxError(_ error: YamlError, file: String, text: String) -> SpecError {
        func located(_ mark: Mark, _ message: String) -> SpecError {
            SpecError(file: file, line: mark.line, column: mark.column, message: message)
        }
        func phrase(_ context: YamlError.Context?, _ problem: String) -> String {
            let what = context.map { "\($0.text) at \($0.mark.line):\($0.mark.column), " } ?? ""
            return "YAML syntax error: \(what)\(problem)"
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _):
            return located(mark, phrase(context, problem))
        case let .composer(context, problem, mark, _):
            return located(mark, phrase(context, problem))
        case let .duplicatedKeysInMapping(duplicates, context):
            // Yams marks the first occurrence of the first duplicated key; point at the repeat when we can.
            let first = context.mark
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            guard let key = duplicates.first,
                  let (line, column) = repeatedKey(key, after: first, in: text) else {
                return located(first, "duplicate key \(keys) in one mapping; each key may appear once")
            }
            return SpecError(file: file, line: line, column: column,
                             message: "duplicate key \(keys) (first at \(first.line):\(first.column)); "
                                 + "each key may appear once in a mapping")
        case let .reader(problem, offset, _, _):
            let (line, column) = offset.map { lineAndColumn(ofCharacterOffset: $0, in: text) } ?? (1, 1)
            return SpecError(file: file, line: line, column: column,
                             message: "the spec is not readable text: \(problem)")
        default:
            return SpecError(file: file, line: 1, column: 1, message: "YAML error: \(error)")
        }
    }

    /// Where block-style `key:` appears again at the same indentation after `first`, if it does.
    static func repeatedKey(_ key: String, after first: Mark, in text: String) -> (Int, Int)? {
        let indent = first.column - 1
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where index >= first.line {
            let scalars = Array(line.unicodeScalars)
            guard let start = scalars.firstIndex(where: { $0 != " " }), scalars[start] != "#" else { continue }
            if start < indent { return nil }  // the mapping ended before any repeat
            if start > indent { continue }
            var rest = String(String.UnicodeScalarView(scalars[indent...]))
            if rest.first == "\"" || rest.first == "'" { rest.removeFirst() }
            guard rest.hasPrefix(key) else { continue }
            let after = rest.dropFirst(key.count).drop { $0 == " " || $0 == "\"" || $0 == "'" }
            if after.first == ":" { return (index + 1, first.column) }
            // Same indentation but another key: the mapping may go on, keep looking.
        }
        return nil
    }

    /// 1-based line and column of the character at `offset`.
    static func lineAndColumn(ofCharacterOffset offset: Int, in text: String) -> (Int, Int) {
        var line = 1, column = 1
        for c in text.prefix(offset) {
            if c == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    /// Why a spec file could not be read, in words.
    struct FileProblem: Error {
        let message: String
    }

    /// The file's text, or a ``FileProblem`` that says what to fix.
    static func readSpecFile(_ path: String) throws -> String {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileProblem(message: "no such spec file; check the path (specs live in sweeps/, "
                              + "e.g. sweeps/quickstart.yaml)")
        }
        guard !isDirectory.boolValue else {
            throw FileProblem(message: "is a directory; expected a YAML spec file such as sweeps/quickstart.yaml")
        }
        guard let data = files.contents(atPath: path) else {
            throw FileProblem(message: "cannot read the spec file; check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileProblem(message: "the spec file is not UTF-8 text; save it as UTF-8")
        }
        return text
    }
}
