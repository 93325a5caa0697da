import Yams

extension SweepSpec {
    /// The keys of a `trainer:` section.
    public static let trainerKeys = ["command", "timeout", "grace", "env", "cwd"]

    /// Placeholders a trainer command may use besides the grid keys.
    public static let builtinPlaceholders = ["seed", "trial_id", "out_dir"]

    /// The `{name}` placeholders in one argument, in order of appearance.
    ///
    /// Only braces around a name made of letters, digits, `-`, `_` and `.` count, so an argument that
    /// happens to hold JSON (`{"a": 1}`) is left alone.
    public static func placeholders(in argument: String) -> [String] {
        var names: [String] = []
        var rest = Substring(argument)
        while let open = rest.firstIndex(of: "{") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(where: { $0 == "}" || $0 == "{" }) else { break }
            if rest[close] == "}" {
                let name = rest[afterOpen..<close]
                if !name.isEmpty, name.unicodeScalars.allSatisfy(isNameCharacter) { names.append(String(name)) }
                rest = rest[rest.index(after: close)...]
            } else {
                rest = rest[close...]
            }
        }
        return names
    }

    /// Seconds in a duration such as `90s`, `30m`, `2h`, `1h30m`, `1.5h` or a plain number of seconds.
    ///
    /// - Returns: nil if the text is not such a duration.
    public static func seconds(inDuration text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let plain = Double(text) { return plain }
        var total = 0.0
        var number = ""
        var sawUnit = false
        for c in text {
            if c.isNumber || c == "." {
                number.append(c)
            } else if let unit = units[c], let value = Double(number) {
                total += value * unit
                number = ""
                sawUnit = true
            } else {
                return nil
            }
        }
        return number.isEmpty && sawUnit ? total : nil
    }

    /// The `trainer:` section: a user's program to run per trial, as argv with placeholders.
    static func parseTrainer(_ entry: Reader.Entry, grid: [GridAxis], reader: Reader) throws -> TrainerSpec {
        let example = "{command: [python3, train.py, --lr, \"{lr}\"]}"
        if entry.isNull {
            throw reader.error("trainer has no value; expected a mapping like \(example)", at: entry.keyNode)
        }
        let entries = try reader.entries(of: entry.value, "the trainer section", known: trainerKeys,
                                         example: example)
        guard let commandEntry = entries.first(where: { $0.key == "command" }) else {
            throw reader.error("trainer is missing 'command' (the program to run, as a list: \(example))",
                               at: entry.keyNode)
        }
        var trainer = TrainerSpec(command: try parseCommand(commandEntry, grid: grid, reader: reader))
        for e in entries {
            switch e.key {
            case "timeout":
                trainer.timeout = try duration(e, reader: reader, bound: .positive)
            case "grace":
                trainer.grace = try duration(e, reader: reader, bound: .atLeast(0))
            case "env":
                trainer.env = try parseEnvironment(e, reader: reader)
            case "cwd":
                let cwd = try reader.string(e.value, "cwd", expected: "a directory path")
                guard !cwd.isEmpty else {
                    throw reader.error("cwd must be a directory path, got an empty string", at: e.value)
                }
                trainer.cwd = cwd
            default:
                break
            }
        }
        return trainer
    }

    /// `command:` as argv; every `{placeholder}` must name a grid key, `seed`, `trial_id` or `out_dir`.
    static func parseCommand(_ entry: Reader.Entry, grid: [GridAxis], reader: Reader) throws -> [String] {
        guard case .sequence(let sequence) = entry.value else {
            throw reader.error("command must be a list of arguments (argv, never a shell string), e.g. "
                               + "[python3, train.py, --lr, \"{lr}\"], got \(reader.describe(entry.value))",
                               at: Reader.isNull(entry.value) ? entry.keyNode : entry.value)
        }
        guard !sequence.isEmpty else {
            throw reader.error("command is an empty list; give the program and its arguments, e.g. "
                               + "[python3, train.py]", at: entry.value)
        }
        let known = grid.map(\.key) + builtinPlaceholders.filter { key in !grid.contains { $0.key == key } }
        var argv: [String] = []
        for item in sequence {
            // A number stays as written (`1e-3`, not `0.001`): it is text for the program's argv.
            guard case .scalar(let scalar) = item, !Reader.isNull(item) else {
                throw reader.error("command arguments must be strings, got \(reader.describe(item))", at: item)
            }
            for name in placeholders(in: scalar.string) where !known.contains(name) {
                throw reader.error(unknownNameMessage("placeholder", "{\(name)}", known: known.map { "{\($0)}" },
                                                      knownLabel: "placeholders (the grid keys and seed, "
                                                          + "trial_id, out_dir)"), at: item)
            }
            for name in placeholders(in: scalar.string) {
                // Trials the axis doesn't apply to have no such parameter: the braces would reach the program.
                guard let condition = grid.first(where: { $0.key == name })?.condition else { continue }
                throw reader.error("placeholder {\(name)} names an option axis that only trials with "
                                   + "\(condition) have; read it from the LRSWEEP_PARAMS_JSON environment "
                                   + "variable instead", at: item)
            }
            argv.append(scalar.string)
        }
        return argv
    }

    /// A number of seconds, or a duration string such as `30m`.
    static func duration(_ entry: Reader.Entry, reader: Reader, bound: Bound) throws -> Double {
        let expected = "a duration such as 90s, 30m, 2h or a number of seconds\(bound.phrase)"
        guard case .scalar(let scalar) = entry.value, !entry.isNull,
              let seconds = seconds(inDuration: scalar.string), seconds.isFinite else {
            throw reader.error("\(entry.key) must be \(expected), got \(reader.describe(entry.value))",
                               at: entry.isNull ? entry.keyNode : entry.value)
        }
        guard bound.admits(seconds) else {
            throw reader.error("\(entry.key) must be\(bound.phrase), got \(scalar.string)", at: entry.value)
        }
        return seconds
    }

    /// `env:` as names to strings; numbers and booleans are taken as written (`OMP_NUM_THREADS: 1`).
    static func parseEnvironment(_ entry: Reader.Entry, reader: Reader) throws -> [String: String] {
        if entry.isNull { return [:] }
        var env: [String: String] = [:]
        for e in try reader.entries(of: entry.value, "env", example: "{OMP_NUM_THREADS: \"1\"}") {
            guard !e.key.contains("=") else {
                throw reader.error("environment variable name '\(e.key)' must not contain '='", at: e.keyNode)
            }
            guard case .scalar(let scalar) = e.value, !e.isNull else {
                throw reader.error("env \(e.key) must be a string, got \(reader.describe(e.value))",
                                   at: e.isNull ? e.keyNode : e.value)
            }
            env[e.key] = scalar.string
        }
        return env
    }
}
