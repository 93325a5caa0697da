/// Sweeps that lrsweep builds itself rather than reads from a file, checked like a file's.
extension SweepSpec {
    /// Where the errors of a built sweep point (it has no file).
    static let builtFile = "(built-in sweep)"

    /// The parameter of a no-op trial that makes it wait that many seconds before finishing
    /// (`lrsweep bench scale`); without it a no-op trial finishes at once.
    public static let noopSleepKey = "sleep_seconds"

    /// `lrsweep bench dispatch` and `bench scale`: `trials` no-op trials (one a seed). With `seconds`
    /// 0 each finishes at once on its worker, so that only the dispatch path is measured; above 0 each
    /// waits that long first (the ``noopSleepKey`` parameter), standing in for a trial's work.
    /// - Throws: ``SpecError`` for fewer than one trial or a negative or non-finite `seconds`.
    public static func noopBenchmark(name: String = "bench-dispatch", trials: Int, seconds: Double = 0) throws
        -> SweepSpec {
        guard trials >= 1 else {
            throw SpecError(file: builtFile, line: 1, column: 1, message: "a benchmark needs at least 1 trial, got \(trials)")
        }
        guard seconds.isFinite, seconds >= 0 else {
            throw SpecError(file: builtFile, line: 1, column: 1,
                            message: "a no-op trial's seconds must be a number ≥ 0, got \(seconds)")
        }
        let grid = seconds > 0 ? [GridAxis(key: noopSleepKey, values: [.double(seconds)])] : []
        return SweepSpec(name: name, grid: grid, seeds: Array(1...trials), retries: 0, kind: .noop,
                         sourcePath: builtFile)
    }

    /// The episodes of one `lrsweep controller train` update: one trial a seed, each training a
    /// `model` on `dataset` under the learned schedule (`rl-schedule`) whose controller and
    /// episode settings travel in `payload`.
    /// - Throws: ``SpecError`` for an unknown model or dataset, no seeds, or a config without steps.
    public static func rollouts(name: String, model: String, dataset: String, seeds: [Int], train: TrainConfig,
                                payload: String, retries: Int = 2, catalog: Catalog) throws -> SweepSpec {
        func fail(_ message: String) -> SpecError { SpecError(file: builtFile, line: 1, column: 1, message: message) }
        guard catalog.isKnownModel(model) else { throw fail("unknown model '\(model)' for controller episodes") }
        guard catalog.datasets.contains(dataset) else { throw fail("unknown dataset '\(dataset)' for controller episodes") }
        guard !seeds.isEmpty, Set(seeds).count == seeds.count else { throw fail("episodes need distinct seeds") }
        guard let steps = train.steps, steps >= 1, train.batchSize >= 1 else {
            throw fail("controller episodes need at least one step of a batch of at least one")
        }
        guard catalog.optimizer(named: "rl-schedule") != nil else { throw fail("this catalog has no rl-schedule") }
        return SweepSpec(name: name, grid: [GridAxis(key: "optimizer", values: [.string("rl-schedule")]),
                                            GridAxis(key: "model", values: [.string(model)]),
                                            GridAxis(key: "dataset", values: [.string(dataset)])],
                         seeds: seeds, train: train, retries: retries, kind: .rollout, payload: payload,
                         sourcePath: builtFile)
    }
}
