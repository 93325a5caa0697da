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

    /// The `grid:` section: axes in spec order, each value checked and normalised.
    ///
    /// Without a trainer the grid must name `optimizer`, `lr`, `dataset` and `model`, may add `schedule`
    /// and `train:` keys, and every name is checked against the catalog. With a trainer any key is a
    /// parameter of the user's program, and only `lr` is still checked (it must be a positive number).
    static func parseGrid(_ entry: Reader.Entry, hasTrainer: Bool, catalog: Catalog,
                          reader: Reader) throws -> [GridAxis] {
        let example = "{optimizer: [sgd, adam], lr: [0.1, 0.01], dataset: fashion-mnist, model: mlp}"
        if entry.isNull {
            throw reader.error("grid is empty; expected a mapping like \(example)", at: entry.keyNode)
        }
        var axes: [GridAxis] = []
        for axis in try reader.entries(of: entry.value, "the grid", example: example) {
            let key = axis.key
            if let instead = reservedGridKeys[key] {
                throw reader.error("'\(key)' can't be a grid axis: \(instead)", at: axis.keyNode)
            }
            guard key.unicodeScalars.allSatisfy(isNameCharacter) else {
                throw reader.error("grid key '\(key)' must be made of letters, digits, '-', '_' and '.' "
                                   + "(it is also a {placeholder} name)", at: axis.keyNode)
            }
            if !hasTrainer && !engineGridKeys.contains(key) {
                throw reader.error("grid key '\(key)' is not a parameter of the built-in engine, which takes "
                                   + engineGridKeys.joined(separator: ", ")
                                   + "; extra grid keys are only allowed with a `trainer:` section", at: axis.keyNode)
            }
            axes.append(try parseAxis(axis, hasTrainer: hasTrainer, catalog: catalog, reader: reader))
        }
        if !hasTrainer {
            for key in requiredGridKeys where !axes.contains(where: { $0.key == key }) {
                throw reader.error("grid is missing '\(key)'; without a `trainer:` section the grid needs "
                                   + requiredGridKeys.joined(separator: ", "), at: entry.keyNode)
            }
        }
        return axes
    }

    /// One axis: a list of values or a single value, none repeated.
    static func parseAxis(_ axis: Reader.Entry, hasTrainer: Bool, catalog: Catalog,
                          reader: Reader) throws -> GridAxis {
        let key = axis.key
        let items: [Node]
        switch axis.value {
        case .sequence(let sequence):
            items = Array(sequence)
            guard !items.isEmpty else {
                throw reader.error("empty grid axis '\(key)'; give at least one value", at: axis.value)
            }
        case .mapping:
            throw reader.error("grid axis '\(key)' must be a list of values or a single value, got a mapping",
                               at: axis.value)
        default:
            guard !axis.isNull else {
                throw reader.error("grid axis '\(key)' has no value; give a value or a list of values",
                                   at: axis.keyNode)
            }
            items = [axis.value]
        }
        var values: [ParamValue] = []
        for item in items {
            let value = try gridValue(key, item, hasTrainer: hasTrainer, catalog: catalog, reader: reader)
            guard !values.contains(value) else {
                throw reader.error("duplicate value \(value) in grid axis '\(key)'; each value may appear once",
                                   at: item)
            }
            values.append(value)
        }
        return GridAxis(key: key, values: values)
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
