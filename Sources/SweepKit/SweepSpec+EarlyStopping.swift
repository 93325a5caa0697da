import Yams

extension SweepSpec {
    /// The keys of an `early_stopping:` section.
    public static let earlyStoppingKeys = ["method", "grace", "reduction", "group_by"]

    /// The comparison group when `group_by` is not given: every grid key but `lr` and the axes drawn
    /// from a numeric distribution.
    ///
    /// `lr` is what early stopping compares within a group, and a drawn `sgd-hd.hyper_lr` is tuned
    /// the same way: each draw holds one rate, so grouping by it would leave every group with a
    /// single configuration and nothing to compare. List option axes (`sgd-hd.hyper_lr: [1e-4, 1e-3]`)
    /// and `choice` axes stay in the group: they change the configuration being compared, as the
    /// optimizer does. (`seed` is never an axis: a configuration's seeds are judged together.)
    public var defaultGroupBy: [String] { Self.defaultGroupBy(of: grid) }

    static func defaultGroupBy(of grid: [GridAxis]) -> [String] {
        grid.filter { $0.key != "lr" && !$0.isNumericDistribution }.map(\.key)
    }

    /// The configuration a trial belongs to: the canonical text of its parameters without `seed`
    /// (`dataset=mnist lr=0.01 model=mlp optimizer=adam`).
    ///
    /// Early stopping judges configurations, not trials: all the seeds of one share this key.
    public func configurationKey(of parameters: Parameters) -> String {
        var p = parameters
        p["seed"] = nil
        return p.canonicalText(separator: " ")
    }

    /// The comparison group of a trial: the canonical text of just its `group_by` keys (those it
    /// has: a conditional option axis is part of the group only for the trials it applies to).
    ///
    /// Configurations are only compared with others of the same group. Without early stopping the
    /// default group (``defaultGroupBy``) is used.
    public func groupKey(of parameters: Parameters) -> String {
        let keys = earlyStopping?.groupBy ?? defaultGroupBy
        return Parameters(parameters.values.filter { keys.contains($0.key) }).canonicalText(separator: " ")
    }

    /// The `early_stopping:` section; nil for `none` or no value.
    ///
    /// `method` is required (`asha`, `median` or `none`; a bare word is short for `{method: …}`).
    /// `grace` (≥ 1) defaults to `train.eval_every`, the first evaluation; `reduction` (η > 1,
    /// ASHA only) to 3; `group_by` to ``defaultGroupBy``. No train length is required: without
    /// `steps` or `epochs` a trial trains one epoch, which the engine knows when it starts, and a
    /// trainer reports its own steps. When every trial's length is known, `grace` must be below the
    /// longest, or no decision would ever be made.
    static func parseEarlyStopping(_ entry: Reader.Entry, grid: [GridAxis], train: TrainConfig, search: SearchSpec,
                                   hasTrainer: Bool, reader: Reader) throws -> EarlyStoppingSpec? {
        if entry.isNull { return nil }
        let words = (EarlyStoppingSpec.Method.allCases.map(\.rawValue) + ["none"]).joined(separator: ", ")
        func method(_ node: Node) throws -> EarlyStoppingSpec.Method? {
            let text = try reader.string(node, "early_stopping method", expected: "one of \(words)")
            if text == "none" { return nil }
            guard let method = EarlyStoppingSpec.Method(rawValue: text) else {
                throw reader.error("early_stopping method must be one of \(words), got '\(text)'", at: node)
            }
            return method
        }
        var spec = EarlyStoppingSpec(method: .asha, grace: train.evalEvery, groupBy: defaultGroupBy(of: grid))
        var graceNode = entry.keyNode
        if case .scalar = entry.value {
            guard let m = try method(entry.value) else { return nil }
            spec.method = m
        } else {
            let entries = try reader.entries(of: entry.value, "the early_stopping section", known: earlyStoppingKeys,
                                             example: "{method: asha, grace: 100, reduction: 3}")
            guard let methodEntry = entries.first(where: { $0.key == "method" }) else {
                throw reader.error("early_stopping is missing 'method' (\(words))", at: entry.keyNode)
            }
            guard let m = try method(methodEntry.value) else { return nil }
            spec.method = m
            for e in entries {
                switch e.key {
                case "grace":
                    spec.grace = try reader.int(e.value, "early_stopping grace", .atLeast(1))
                    graceNode = e.value
                case "reduction":
                    guard m == .asha else {
                        throw reader.error("reduction (η) only applies to method asha; remove it for \(m.rawValue)",
                                           at: e.keyNode)
                    }
                    spec.reduction = try reader.number(e.value, "early_stopping reduction", .above(1))
                case "group_by":
                    spec.groupBy = try parseGroupBy(e, grid: grid, reader: reader)
                default:
                    break
                }
            }
        }
        if !hasTrainer, let longest = longestKnownSteps(grid: grid, train: train, search: search),
           spec.grace >= longest {
            throw reader.error("early_stopping grace (\(spec.grace) steps) is not below the trials' length "
                               + "(\(longest) steps), so no decision would ever be made; set a smaller grace",
                               at: graceNode)
        }
        return spec
    }

    /// `group_by`: a grid key or a list of them, neither `lr` nor `seed`, none repeated.
    static func parseGroupBy(_ entry: Reader.Entry, grid: [GridAxis], reader: Reader) throws -> [String] {
        let items: [Node]
        if case .sequence(let sequence) = entry.value { items = Array(sequence) } else { items = [entry.value] }
        let keys = grid.map(\.key).filter { $0 != "lr" }
        var groupBy: [String] = []
        for item in items {
            let key = try reader.string(item, "a group_by key", expected: "a grid key such as optimizer")
            switch key {
            case "lr":
                throw reader.error("group_by can't include 'lr': early stopping compares the rates of a group, and "
                                   + "grouping by lr would compare each rate only with itself", at: item)
            case "seed":
                throw reader.error("group_by can't include 'seed': seeds are not a grid axis, and the seeds of a "
                                   + "configuration are always judged together", at: item)
            default:
                guard keys.contains(key) else {
                    throw reader.error(unknownNameMessage("group_by key", key, known: keys, knownLabel: "grid keys"),
                                       at: item)
                }
            }
            guard !groupBy.contains(key) else {
                throw reader.error("duplicate group_by key '\(key)'; each key may appear once", at: item)
            }
            groupBy.append(key)
        }
        return groupBy
    }

    /// The most steps any trial trains, when the spec fixes every length (`steps`, or epochs of a
    /// known `train_size`); nil when a length depends on the dataset.
    static func longestKnownSteps(grid: [GridAxis], train: TrainConfig, search: SearchSpec) -> Int? {
        let probe = SweepSpec(name: "probe", grid: grid, train: train, search: search)
        var longest: Int?
        for configuration in probe.configurations() {
            guard let steps = probe.stepsPerTrial(configuration) else { return nil }
            longest = Swift.max(longest ?? steps, steps)
        }
        return longest
    }
}
