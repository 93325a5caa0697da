import Yams

extension SweepSpec {
    /// Grid keys the built-in engine needs; optional only with a `trainer:` section.
    public static let requiredGridKeys = ["optimizer", "lr", "dataset", "model"]

    /// Grid keys the built-in engine understands: the required ones, `schedule`, and the `train:` keys
    /// that make sense per trial (everything but `schedule_options`).
    public static var engineGridKeys: [String] {
        var keys = requiredGridKeys
        for key in TrainConfig.keys where !keys.contains(key) && key != "schedule_options" { keys.append(key) }
        return keys
    }

    /// Keys that can never be grid axes, with what to do instead.
    static let reservedGridKeys: [String: String] = [
        "seed": "list seeds under the top-level 'seeds:' key instead",
        "trial_id": "it is a placeholder that the trainer command receives for each trial",
        "out_dir": "it is a placeholder that the trainer command receives for each trial",
        "schedule_options": "set schedule options under train.schedule_options instead",
    ]

    /// The `grid:` section: axes in spec order, each value checked and normalised, with the key
    /// nodes (for errors that need the whole spec).
    ///
    /// Without a trainer the grid must name `optimizer`, `lr`, `dataset` and `model`, may add `schedule`,
    /// `train:` keys and option axes (`METHOD.OPTION`), and every name is checked against the catalog.
    /// With a trainer any key is a parameter of the user's program, and only `lr` and the options of
    /// catalog methods are still checked. A dotted key of a trainer sweep whose method the catalog
    /// doesn't know but the optimizer axis lists is that optimizer's option, passed through unchecked.
    static func parseGrid(_ entry: Reader.Entry, hasTrainer: Bool, search: SearchSpec, catalog: Catalog,
                          reader: Reader) throws -> (axes: [GridAxis], keyNodes: [String: Node]) {
        let example = "{optimizer: [sgd, adam], lr: [0.1, 0.01], dataset: fashion-mnist, model: mlp}"
        if entry.isNull {
            throw reader.error("grid is empty; expected a mapping like \(example)", at: entry.keyNode)
        }
        var axes: [GridAxis] = []
        var keyNodes: [String: Node] = [:]
        var drawn = 0
        for axis in try reader.entries(of: entry.value, "the grid", example: example) {
            let key = axis.key
            if let instead = reservedGridKeys[key] {
                throw reader.error("'\(key)' can't be a grid axis: \(instead)", at: axis.keyNode)
            }
            guard key.unicodeScalars.allSatisfy(isNameCharacter) else {
                throw reader.error("grid key '\(key)' must be made of letters, digits, '-', '_' and '.' "
                                   + "(it is also a {placeholder} name)", at: axis.keyNode)
            }
            let target = try optionTarget(axis, hasTrainer: hasTrainer, catalog: catalog, reader: reader)
            if !hasTrainer && target == nil && !engineGridKeys.contains(key) {
                throw reader.error("grid key '\(key)' is not a parameter of the built-in engine, which takes "
                                   + engineGridKeys.joined(separator: ", ")
                                   + " and METHOD.OPTION (e.g. sgd-hd.hyper_lr)"
                                   + "; extra grid keys are only allowed with a `trainer:` section", at: axis.keyNode)
            }
            let parsed = try parseAxis(axis, target: target, hasTrainer: hasTrainer, search: search,
                                       catalog: catalog, reader: reader)
            if parsed.distribution != nil {
                drawn += 1
                if search.method == .sobol && drawn > SobolSequence.maxDimensions {
                    throw reader.error("sobol search supports at most \(SobolSequence.maxDimensions) distribution "
                                       + "axes (Joe–Kuo direction numbers for \(SobolSequence.maxDimensions) "
                                       + "dimensions); '\(key)' is number \(drawn): use method: random or list "
                                       + "some of them", at: axis.keyNode)
                }
            }
            axes.append(parsed)
            keyNodes[key] = axis.keyNode
        }
        if !hasTrainer {
            for key in requiredGridKeys where !axes.contains(where: { $0.key == key }) {
                throw reader.error("grid is missing '\(key)'; without a `trainer:` section the grid needs "
                                   + requiredGridKeys.joined(separator: ", "), at: entry.keyNode)
            }
        } else if let optimizers = axes.first(where: { $0.key == "optimizer" }) {
            // The program's own optimizers: `lion.beta1` applies to the trials whose optimizer is lion.
            let names = Set(optimizers.possibleValues.compactMap(\.stringValue))
            for i in axes.indices where axes[i].condition == nil {
                guard let dot = axes[i].key.firstIndex(of: ".") else { continue }
                let method = String(axes[i].key[..<dot])
                if names.contains(method) { axes[i].condition = AxisCondition(key: "optimizer", value: method) }
            }
        }
        return (axes, keyNodes)
    }

    /// One axis: a list of values, a single value, or (random and Sobol search) a distribution.
    static func parseAxis(_ axis: Reader.Entry, target: OptionTarget?, hasTrainer: Bool, search: SearchSpec,
                          catalog: Catalog, reader: Reader) throws -> GridAxis {
        let key = axis.key
        let items: [Node]
        switch axis.value {
        case .sequence(let sequence):
            items = Array(sequence)
            guard !items.isEmpty else {
                throw reader.error("empty grid axis '\(key)'; give at least one value", at: axis.value)
            }
        case .mapping:
            let distribution = try parseDistribution(axis, target: target, hasTrainer: hasTrainer, search: search,
                                                     catalog: catalog, reader: reader)
            return GridAxis(key: key, values: [], distribution: distribution, condition: target?.condition)
        default:
            guard !axis.isNull else {
                throw reader.error("grid axis '\(key)' has no value; give a value or a list of values",
                                   at: axis.keyNode)
            }
            items = [axis.value]
        }
        if let target, target.option.type == .range || target.option.type == .numbers,
           items.allSatisfy({ if case .scalar = $0 { return true } else { return false } }) {
            throw reader.error("option '\(target.option.name)' takes a list, so the axis '\(key)' is a list of "
                               + "lists, e.g. \(key): [[0.3, 0.6], [0.5]]", at: axis.value)
        }
        var values: [ParamValue] = []
        for item in items {
            let value = try target.map { try optionValue(item, $0, reader: reader) }
                ?? gridValue(key, item, hasTrainer: hasTrainer, catalog: catalog, reader: reader)
            guard !values.contains(value) else {
                throw reader.error("duplicate value \(value) in grid axis '\(key)'; each value may appear once",
                                   at: item)
            }
            values.append(value)
        }
        return GridAxis(key: key, values: values, condition: target?.condition)
    }

    /// One value of axis `key`, checked against the catalog (without a trainer) and normalised.
    ///
    /// `lr` values become `.double` even when written as integers, so `lr: [0.1, 1]` displays and
    /// hashes as `0.1` and `1.0` whichever way the number was typed.
    static func gridValue(_ key: String, _ node: Node, hasTrainer: Bool, catalog: Catalog,
                          reader: Reader) throws -> ParamValue {
        if key == "lr" {
            return .double(try reader.number(node, "lr", .positive))
        }
        if hasTrainer {
            return try reader.value(node, "grid axis '\(key)'")
        }
        switch key {
        case "optimizer":
            let name = try reader.string(node, "optimizer", expected: "an optimizer name")
            guard catalog.optimizer(named: name) != nil else {
                throw reader.error(unknownNameMessage("optimizer", name, known: catalog.optimizers.map(\.name),
                                                      knownLabel: "optimizers"), at: node)
            }
            return .string(name)
        case "dataset":
            let name = try reader.string(node, "dataset", expected: "a dataset name")
            guard catalog.datasets.contains(name) else {
                throw reader.error(unknownNameMessage("dataset", name, known: catalog.datasets,
                                                      knownLabel: "datasets"), at: node)
            }
            return .string(name)
        case "model":
            let name = try reader.string(node, "model", expected: "a model name")
            guard catalog.isKnownModel(name) else {
                let sized = catalog.sizedModels.map { "\($0)-N-N… (e.g. \($0)-256-128)" }
                throw reader.error(unknownNameMessage("model", name, known: catalog.models + sized,
                                                      knownLabel: "models"), at: node)
            }
            return .string(name)
        default:
            return try trainValue(key, node, catalog: catalog, reader: reader)
        }
    }
}
