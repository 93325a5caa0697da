extension SweepSpec {
    /// Every configuration of the sweep (a trial's parameters without its seed), in a stable order.
    ///
    /// - List axes are crossed in spec order, the first varying slowest. A conditional axis
    ///   (`sgd-hd.hyper_lr`) multiplies only the configurations it applies to; the others appear
    ///   once, without that key. It is expanded right after the axis it depends on when that one is
    ///   listed later.
    /// - Random and Sobol search then take, for every combination of the list axes, draws
    ///   0 ..< `search.trials` of the distribution axes: the same draws for every combination
    ///   (common random numbers), so optimizers meet the same rates. A draw that repeats an earlier
    ///   configuration of the same combination (a small `choice`, or a combination no drawn axis
    ///   applies to) is left out, so no two trials share an id.
    /// - Conditional list axes whose condition is itself drawn (`optimizer: {choice: …}`) come last.
    ///
    /// - Complexity: O(configurations × axes).
    public func configurations() -> [Parameters] {
        var result: [Parameters] = []
        forEachConfiguration { result.append($0) }
        return result
    }

    /// The value of the parameter that decides `condition` for these parameters: the parameter itself,
    /// or for `schedule` the `train:` section's when no axis sets it.
    func conditionValue(_ key: String, in parameters: Parameters) -> String? {
        if let value = parameters[key] { return value.stringValue ?? value.description }
        return key == "schedule" ? train.schedule : nil
    }

    /// True if `axis` applies to a configuration with these parameters.
    func applies(_ axis: GridAxis, to parameters: Parameters) -> Bool {
        guard let condition = axis.condition else { return true }
        return conditionValue(condition.key, in: parameters) == condition.value
    }

    /// Calls `body` with each configuration in the order of ``configurations()``.
    func forEachConfiguration(_ body: (Parameters) -> Void) {
        let stages = expansionStages()
        let draws = drawnAxes.isEmpty || search.method == .grid ? [] : unitDraws()

        func expand(_ axes: ArraySlice<Int>, _ params: Parameters, _ emit: (Parameters) -> Void) {
            guard let first = axes.first else { return emit(params) }
            let axis = grid[first]
            guard applies(axis, to: params) else { return expand(axes.dropFirst(), params, emit) }
            for value in axis.values {
                var p = params
                p[axis.key] = value
                expand(axes.dropFirst(), p, emit)
            }
        }
        expand(stages.before[...], Parameters()) { combination in
            guard !draws.isEmpty else { return expand(stages.after[...], combination, body) }
            var seen: Set<Parameters> = []
            for point in draws {
                var p = combination
                // Unconditional axes first: a condition may depend on a drawn `choice`.
                for pass in [false, true] {
                    for (d, index) in drawnAxes.enumerated() where (grid[index].condition != nil) == pass {
                        let axis = grid[index]
                        if let distribution = axis.distribution, applies(axis, to: p) {
                            p[axis.key] = distribution.value(at: point[d])
                        }
                    }
                }
                guard seen.insert(p).inserted else { continue }
                expand(stages.after[...], p, body)
            }
        }
    }

    /// Indices of the distribution axes in spec order: dimension `d` of a draw is `drawnAxes[d]`.
    var drawnAxes: [Int] { grid.indices.filter { grid[$0].distribution != nil } }

    /// The order list axes are expanded in: `before` the draws (spec order, a conditional axis
    /// deferred until the axis deciding it is set) and `after` them (conditions on drawn axes).
    func expansionStages() -> (before: [Int], after: [Int]) {
        let listed = Set(grid.map(\.key))
        var known: Set<String> = []
        var before: [Int] = [], pending: [Int] = []
        func ready(_ i: Int) -> Bool {
            guard let key = grid[i].condition?.key else { return true }
            return known.contains(key) || !listed.contains(key)
        }
        for i in grid.indices where grid[i].distribution == nil {
            if ready(i) {
                before.append(i)
                known.insert(grid[i].key)
                while let j = pending.firstIndex(where: ready) {
                    before.append(pending.remove(at: j))
                }
            } else {
                pending.append(i)
            }
        }
        return (before, pending)
    }

    /// Points in [0, 1)^(distribution axes), one per draw, as a function of `search.seed` alone.
    ///
    /// Random search gives each axis its own SplitMix64 stream named by its key, so adding an axis
    /// leaves the others' draws as they were. Sobol search takes points 0 ..< trials of a Sobol
    /// sequence with one dimension per axis (spec order), digitally shifted per dimension by a
    /// seeded stream.
    func unitDraws() -> [[Double]] {
        let keys = drawnAxes.map { grid[$0].key }
        let count = Swift.max(0, search.trials)
        switch search.method {
        case .grid:
            return []
        case .random:
            var columns: [[Double]] = []
            for key in keys {
                var rng = SplitMix64(seed: search.seed, stream: SplitMix64.stream(named: key))
                columns.append((0..<count).map { _ in rng.nextUnit() })
            }
            return (0..<count).map { j in columns.map { $0[j] } }
        case .sobol:
            guard !keys.isEmpty else { return [] }
            let sobol = SobolSequence(dimensions: keys.count)
            let shift = keys.map { key -> UInt32 in
                var rng = SplitMix64(seed: search.seed, stream: SplitMix64.stream(named: "sobol-shift:" + key))
                return UInt32(truncatingIfNeeded: rng.next() >> 32)
            }
            return (0..<count).map { sobol.point(UInt32(truncatingIfNeeded: $0), shift: shift) }
        }
    }
}
