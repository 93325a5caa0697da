import Yams

extension SweepSpec {
    /// The keys of a `search:` section.
    public static let searchKeys = ["method", "trials", "seed"]

    /// The `search:` section, and the node of its method (where "no distribution axis" points).
    ///
    /// `trials` is required (≥ 1) for random and Sobol search and an error for grid search; `seed`
    /// (≥ 0, default 0) makes the draw reproducible.
    static func parseSearch(_ entry: Reader.Entry, reader: Reader) throws -> (SearchSpec, Node) {
        let example = "{method: random, trials: 24, seed: 7}"
        if entry.isNull { return (SearchSpec(), entry.keyNode) }
        let entries = try reader.entries(of: entry.value, "the search section", known: searchKeys, example: example)
        var search = SearchSpec()
        var methodNode = entry.keyNode
        let words = SearchMethod.allCases.map(\.rawValue).joined(separator: ", ")
        if let e = entries.first(where: { $0.key == "method" }) {
            let text = try reader.string(e.value, "search method", expected: words)
            guard let method = SearchMethod(rawValue: text) else {
                throw reader.error("search method must be one of \(words), got '\(text)'", at: e.value)
            }
            search.method = method
            methodNode = e.value
        }
        if let e = entries.first(where: { $0.key == "seed" }) {
            search.seed = UInt64(try reader.int(e.value, "search seed", .atLeast(0)))
        }
        let trials = entries.first { $0.key == "trials" }
        switch (search.method, trials) {
        case (.grid, let e?):
            throw reader.error("search.trials only applies to random and sobol search (grid search runs every "
                               + "combination once); remove it or set method: random", at: e.keyNode)
        case (.grid, nil):
            break
        case (let method, nil):
            throw reader.error("\(method.rawValue) search needs 'trials': how many configurations to draw for "
                               + "every combination of the list axes, e.g. search: {method: \(method.rawValue), "
                               + "trials: 24}", at: entry.keyNode)
        case (_, let e?):
            search.trials = try reader.int(e.value, "search trials", .atLeast(1))
        }
        return (search, methodNode)
    }

    /// What a `METHOD.OPTION` grid key sets: an option of a catalog optimizer or schedule.
    struct OptionTarget {
        /// `optimizer` or `schedule`: the word for errors, and the parameter that decides the condition.
        let kind: String
        let method: String
        let option: OptionDescriptor

        var condition: AxisCondition { AxisCondition(key: kind, value: method) }
    }

    /// The option a dotted grid key names, or nil for an ordinary key.
    ///
    /// Without a trainer a dotted key must name a catalog method and one of its declared options.
    /// With a trainer a key whose method the catalog doesn't know is the program's own (see
    /// ``parseGrid(_:hasTrainer:search:catalog:reader:)`` for its condition).
    static func optionTarget(_ axis: Reader.Entry, hasTrainer: Bool, catalog: Catalog,
                             reader: Reader) throws -> OptionTarget? {
        guard let dot = axis.key.firstIndex(of: ".") else { return nil }
        let method = String(axis.key[..<dot]), name = String(axis.key[axis.key.index(after: dot)...])
        let descriptor: MethodDescriptor, kind: String
        if let d = catalog.optimizer(named: method) {
            (descriptor, kind) = (d, "optimizer")
        } else if let d = catalog.schedule(named: method) {
            (descriptor, kind) = (d, "schedule")
        } else if hasTrainer {
            return nil
        } else {
            let known = catalog.optimizers.map(\.name) + catalog.schedules.map(\.name)
            throw reader.error(unknownNameMessage("optimizer or schedule", method, known: known,
                                                  knownLabel: "optimizers and schedules")
                               + " (grid key '\(axis.key)': an option axis is written METHOD.OPTION, "
                               + "e.g. sgd-hd.hyper_lr or step.gamma)", at: axis.keyNode)
        }
        guard let option = descriptor.option(named: name) else {
            let known = descriptor.options.map(\.name)
            let message = known.isEmpty
                ? "unknown option '\(name)' in grid key '\(axis.key)': \(kind) '\(method)' takes no options"
                : unknownNameMessage("option", name, known: known, knownLabel: "options of \(kind) '\(method)'")
            throw reader.error(message, at: axis.keyNode)
        }
        return OptionTarget(kind: kind, method: method, option: option)
    }

    /// One value of an option axis, checked against the option's declaration and normalised.
    static func optionValue(_ node: Node, _ target: OptionTarget, reader: Reader) throws -> ParamValue {
        let value = try reader.value(node, "option '\(target.option.name)' of \(target.kind) '\(target.method)'")
        if let problem = target.option.problem(with: value) {
            throw reader.error("\(target.kind) '\(target.method)': \(problem)", at: node)
        }
        return normalised(value, for: target.option)
    }

    /// A distribution axis (`lr: {log_uniform: [1.0e-5, 1.0]}`), checked for its key.
    ///
    /// `choice` is allowed for any axis (each value checked as a list value would be). The numeric
    /// distributions are allowed for `lr`, for numeric option axes (integer options: `int_uniform`
    /// only) and, with a trainer, for the program's own keys. Bounds: `0 < a < b` for log_uniform,
    /// `a < b` for uniform, integers `a ≤ b` for int_uniform; both bounds must be valid values of the key.
    static func parseDistribution(_ axis: Reader.Entry, target: OptionTarget?, hasTrainer: Bool,
                                  search: SearchSpec, catalog: Catalog, reader: Reader) throws -> Distribution {
        let key = axis.key
        let example = "{log_uniform: [1.0e-5, 1.0]}"
        let entries = try reader.entries(of: axis.value, "the distribution of grid axis '\(key)'", example: example)
        guard entries.count == 1, let e = entries.first else {
            throw reader.error("grid axis '\(key)' must be a list of values, a single value, or one distribution "
                               + "(\(Distribution.names.joined(separator: ", "))) like \(example)", at: axis.value)
        }
        guard Distribution.names.contains(e.key) else {
            throw reader.error(unknownNameMessage("distribution", e.key, known: Distribution.names,
                                                  knownLabel: "distributions") + " (grid axis '\(key)')", at: e.keyNode)
        }
        if search.method == .grid {
            throw reader.error("grid axis '\(key)' draws from \(e.key), which needs random or sobol search: set "
                               + "`search: {method: random, trials: 20}` at the top level, or list the values",
                               at: e.keyNode)
        }
        if e.key == "choice" {
            guard case .sequence(let sequence) = e.value, !sequence.isEmpty else {
                throw reader.error("choice must be a non-empty list of values, e.g. choice: [sgd, adam], got "
                                   + reader.describe(e.value), at: e.isNull ? e.keyNode : e.value)
            }
            var values: [ParamValue] = []
            for item in sequence {
                let value = try target.map { try optionValue(item, $0, reader: reader) }
                    ?? gridValue(key, item, hasTrainer: hasTrainer, catalog: catalog, reader: reader)
                guard !values.contains(value) else {
                    throw reader.error("duplicate value \(value) in the choice of grid axis '\(key)'; each value "
                                       + "may appear once", at: item)
                }
                values.append(value)
            }
            return .choice(values)
        }
        // Drawn values take the key's own type: reals for lr and number options, integers for integer options.
        let integers: Bool
        if let target {
            guard target.option.type == .number || target.option.type == .integer else {
                throw reader.error("grid axis '\(key)' can't be drawn from \(e.key): option '\(target.option.name)' "
                                   + "is \(target.option.type), not a number; list its values or use choice: [...]",
                                   at: e.keyNode)
            }
            integers = target.option.type == .integer
        } else if key == "lr" || hasTrainer {
            integers = key != "lr" && e.key == "int_uniform"
        } else {
            throw reader.error("grid axis '\(key)' can't be drawn from \(e.key): only lr and numeric METHOD.OPTION "
                               + "axes are; list its values or use choice: [...]", at: e.keyNode)
        }
        if integers != (e.key == "int_uniform") {
            let instead = integers ? "int_uniform: [a, b]" : "log_uniform or uniform"
            throw reader.error("grid axis '\(key)' takes \(integers ? "integers" : "real numbers"): draw it from "
                               + "\(instead), not \(e.key)", at: e.keyNode)
        }
        guard case .sequence(let sequence) = e.value, sequence.count == 2 else {
            throw reader.error("\(e.key) takes two bounds [a, b], e.g. \(e.key): "
                               + (e.key == "int_uniform" ? "[1, 10]" : "[1.0e-5, 1.0]")
                               + ", got \(reader.describe(e.value))", at: e.isNull ? e.keyNode : e.value)
        }
        let (lowNode, highNode) = (sequence[0], sequence[1])
        /// A bound must itself be a value the key accepts (the range between two valid values is valid).
        func checkBound(_ value: ParamValue, _ node: Node) throws {
            if key == "lr", let d = value.doubleValue, !(d > 0) {
                throw reader.error("lr must be > 0, got \(value) (the lower bound of \(e.key))", at: node)
            }
            if let target, let problem = target.option.problem(with: value) {
                throw reader.error("\(target.kind) '\(target.method)': \(problem)", at: node)
            }
        }
        if e.key == "int_uniform" {
            let a = try reader.int(lowNode, "the lower bound of int_uniform", .any)
            let b = try reader.int(highNode, "the upper bound of int_uniform", .any)
            guard a <= b else {
                throw reader.error("int_uniform needs integers a ≤ b, got [\(a), \(b)]", at: e.value)
            }
            try checkBound(.int(a), lowNode)
            try checkBound(.int(b), highNode)
            return .intUniform(a, b)
        }
        let a = try reader.number(lowNode, "the lower bound of \(e.key)", .any)
        let b = try reader.number(highNode, "the upper bound of \(e.key)", .any)
        if e.key == "log_uniform" && !(a > 0) {
            throw reader.error("log_uniform needs 0 < a < b: a must be > 0, got \(a)", at: lowNode)
        }
        guard a < b else {
            throw reader.error("\(e.key) needs a < b, got [\(a), \(b)]", at: e.value)
        }
        try checkBound(.double(a), lowNode)
        try checkBound(.double(b), highNode)
        return e.key == "log_uniform" ? .logUniform(a, b) : .uniform(a, b)
    }

    /// Checks that need the whole spec: every conditional axis applies to some trial, and random or
    /// Sobol search has something to draw.
    static func checkSearch(grid: [GridAxis], keyNodes: [String: Node], train: TrainConfig, search: SearchSpec,
                            methodNode: Node?, reader: Reader) throws {
        for axis in grid {
            guard let condition = axis.condition else { continue }
            let decider = grid.first { $0.key == condition.key }
            let possible = decider.map { $0.possibleValues.map { $0.stringValue ?? $0.description } }
                ?? (condition.key == "schedule" ? [train.schedule] : [])
            guard !possible.contains(condition.value) else { continue }
            let used: String
            if decider != nil {
                used = "the \(condition.key) axis has \(possible.joined(separator: ", "))"
            } else if condition.key == "schedule" {
                used = "train.schedule is \(train.schedule) and there is no schedule axis"
            } else {
                used = "the grid has no \(condition.key) axis"
            }
            throw reader.error("grid key '\(axis.key)' sets an option of \(condition.key) '\(condition.value)', but "
                               + "no trial of this sweep uses \(condition.value) (\(used)); add it or remove "
                               + "this axis", at: keyNodes[axis.key])
        }
        if search.method != .grid && !grid.contains(where: { $0.distribution != nil }) {
            throw reader.error("\(search.method.rawValue) search draws distribution axes, but the grid has none; "
                               + "give one, e.g. lr: {log_uniform: [1.0e-4, 1.0]}, or use method: grid",
                               at: methodNode)
        }
    }
}
