import Yams

extension SweepSpec {
    /// The `train:` section, with `schedule_options` checked against every schedule the sweep uses.
    static func parseTrain(_ entry: Reader.Entry, grid: [GridAxis], catalog: Catalog,
                           reader: Reader) throws -> TrainConfig {
        var config = TrainConfig()
        if entry.isNull { return config }
        let entries = try reader.entries(of: entry.value, "the train section", known: TrainConfig.keys,
                                         example: "{batch_size: 128, steps: 500}")
        var optionsEntry: Reader.Entry?
        for e in entries {
            if e.key == "schedule_options" {
                optionsEntry = e
                continue
            }
            let value = try trainValue(e.key, e.value, catalog: catalog, reader: reader)
            switch e.key {
            case "batch_size": config.batchSize = value.intValue ?? config.batchSize
            case "epochs": config.epochs = value.doubleValue
            case "steps": config.steps = value.intValue
            case "eval_every": config.evalEvery = value.intValue ?? config.evalEvery
            case "train_size": config.trainSize = value.intValue
            case "val_size": config.valSize = value.intValue
            case "weight_decay": config.weightDecay = value.doubleValue ?? config.weightDecay
            case "schedule": config.schedule = value.stringValue ?? config.schedule
            case "threads": config.threads = value.intValue ?? config.threads
            default:
                // A key added to TrainConfig.keys without a field to hold it: say so rather than drop it.
                throw reader.error("train key '\(e.key)' is not supported by this version of lrsweep", at: e.keyNode)
            }
        }
        if let optionsEntry {
            var schedules = [config.schedule]
            for value in grid.first(where: { $0.key == "schedule" })?.possibleValues ?? [] {
                if let s = value.stringValue, !schedules.contains(s) { schedules.append(s) }
            }
            config.scheduleOptions = try parseScheduleOptions(optionsEntry, schedules: schedules, catalog: catalog,
                                                              reader: reader)
        }
        return config
    }

    /// One value of a `train:` key (also used for grid axes that override it), checked and normalised:
    /// counts become `.int`, `epochs` and `weight_decay` `.double`, `schedule` a catalog schedule name.
    static func trainValue(_ key: String, _ node: Node, catalog: Catalog, reader: Reader) throws -> ParamValue {
        switch key {
        case "batch_size", "steps", "eval_every", "train_size", "val_size":
            return .int(try reader.int(node, key, .positive))
        case "threads":
            return .int(try reader.int(node, key, .atLeast(1)))
        case "epochs":
            return .double(try reader.number(node, key, .positive))
        case "weight_decay":
            return .double(try reader.number(node, key, .atLeast(0)))
        case "schedule":
            let name = try reader.string(node, "schedule", expected: "a schedule name")
            guard catalog.schedule(named: name) != nil else {
                throw reader.error(unknownNameMessage("schedule", name, known: catalog.schedules.map(\.name),
                                                      knownLabel: "schedules"), at: node)
            }
            return .string(name)
        default:
            return try reader.value(node, key)
        }
    }

    /// `train.schedule_options`: each option must be declared by one of the schedules in use and
    /// acceptable to every schedule that declares it.
    static func parseScheduleOptions(_ entry: Reader.Entry, schedules: [String], catalog: Catalog,
                                     reader: Reader) throws -> [String: ParamValue] {
        if entry.isNull { return [:] }
        let descriptors = schedules.compactMap(catalog.schedule(named:))
        let names = descriptors.map { "'\($0.name)'" }.joined(separator: ", ")
        var options: [String: ParamValue] = [:]
        for e in try reader.entries(of: entry.value, "schedule_options", example: "{step_size: 100, gamma: 0.5}") {
            let declaring = descriptors.filter { $0.option(named: e.key) != nil }
            guard !declaring.isEmpty else {
                var known: [String] = []
                for d in descriptors { known += d.options.map(\.name).filter { !known.contains($0) } }
                let label = descriptors.count == 1 ? "schedule \(names)" : "schedules \(names)"
                let message = known.isEmpty
                    ? "unknown schedule option '\(e.key)': \(label) take\(descriptors.count == 1 ? "s" : "") no options"
                    : unknownNameMessage("option", e.key, known: known, knownLabel: "options of \(label)")
                throw reader.error(message, at: e.keyNode)
            }
            var value = try reader.value(e.value, "schedule option '\(e.key)'")
            for d in declaring {
                guard let option = d.option(named: e.key) else { continue }
                if let problem = option.problem(with: value) {
                    throw reader.error("schedule '\(d.name)': \(problem)", at: e.value)
                }
                value = normalised(value, for: option)
            }
            options[e.key] = value
        }
        return options
    }

    /// The `optimizers:` section: per-optimizer options checked against the catalog's declarations.
    ///
    /// An optimizer listed here but not in the grid is fine (one spec can serve several sweeps). With a
    /// trainer, an optimizer the catalog doesn't know belongs to the user's program and its options
    /// are passed through unchecked.
    static func parseOptimizers(_ entry: Reader.Entry, hasTrainer: Bool, catalog: Catalog,
                                reader: Reader) throws -> [String: [String: ParamValue]] {
        if entry.isNull { return [:] }
        var result: [String: [String: ParamValue]] = [:]
        let example = "{sgd-hd: {hyper_lr: 1.0e-3}}"
        for e in try reader.entries(of: entry.value, "the optimizers section", example: example) {
            let descriptor = catalog.optimizer(named: e.key)
            if descriptor == nil && !hasTrainer {
                throw reader.error(unknownNameMessage("optimizer", e.key, known: catalog.optimizers.map(\.name),
                                                      knownLabel: "optimizers"), at: e.keyNode)
            }
            var options: [String: ParamValue] = [:]
            if !e.isNull {
                let what = "the options of optimizer '\(e.key)'"
                for o in try reader.entries(of: e.value, what, example: "{hyper_lr: 1.0e-3}") {
                    var value = try reader.value(o.value, "option '\(o.key)' of optimizer '\(e.key)'")
                    if let descriptor {
                        guard let option = descriptor.option(named: o.key) else {
                            let known = descriptor.options.map(\.name)
                            let message = known.isEmpty
                                ? "unknown option '\(o.key)': optimizer '\(e.key)' takes no options"
                                : unknownNameMessage("option", o.key, known: known,
                                                     knownLabel: "options of optimizer '\(e.key)'")
                            throw reader.error(message, at: o.keyNode)
                        }
                        if let problem = option.problem(with: value) {
                            throw reader.error("optimizer '\(e.key)': \(problem)", at: o.value)
                        }
                        value = normalised(value, for: option)
                    }
                    options[o.key] = value
                }
            }
            result[e.key] = options
        }
        return result
    }

    /// A value already accepted by `option`, in the option's own type: numbers as `.double`,
    /// integers as `.int`, ranges as two doubles (so `hyper_lr: 1` reads back as `1.0`).
    static func normalised(_ value: ParamValue, for option: OptionDescriptor) -> ParamValue {
        switch option.type {
        case .number:
            return value.doubleValue.map(ParamValue.double) ?? value
        case .integer:
            return value.intValue.map(ParamValue.int) ?? value
        case .range, .numbers:
            guard let list = value.listValue else { return value }
            return .list(list.map { $0.doubleValue.map(ParamValue.double) ?? $0 })
        default:
            return value
        }
    }
}
