import SweepKit
import Training

/// Spec fixtures for tests: the built-in catalog, and small specs parsed against it.
///
/// The catalog is `Training`'s own ``Catalog/builtin``, never a copy: a copy drifts from the
/// optimizers' declarations, and spec tests then check options, defaults and ranges that users
/// never see.
public enum Fixtures {
    /// What `lrsweep` validates specs against: the optimizers, schedules, models and datasets that
    /// `Training` declares.
    public static let catalog: Catalog = .builtin

    /// A tiny engine sweep: 2 optimizers × 2 LRs × synthetic × logreg × 1 seed = 4 short trials.
    public static let tinySpecYAML = """
        name: tiny
        grid:
          optimizer: [sgd, adam]
          lr: [1.0e-1, 1.0e-2]
          dataset: synthetic
          model: logreg
        seeds: [1]
        train:
          batch_size: 16
          steps: 20
          eval_every: 10
          train_size: 256
          val_size: 64
        retries: 1

        """

    /// A sweep that runs an external command: 2 LRs × 2 dropouts × 2 seeds = 8 trials.
    public static let trainerSpecYAML = """
        name: external
        metric: val_accuracy
        grid:
          lr: [0.1, 0.01]
          dropout: [0.1, 0.3]
        seeds: [1, 2]
        trainer:
          command: [python3, train.py, --lr, "{lr}", --dropout, "{dropout}", --seed, "{seed}", --out, "{out_dir}"]
          timeout: 30m
          grace: 5
          env: {OMP_NUM_THREADS: "1"}

        """

    /// The tiny spec, parsed against ``catalog``.
    public static func tinySpec() throws -> SweepSpec {
        try SweepSpec.parse(text: tinySpecYAML, file: "tiny.yaml", catalog: catalog)
    }

    /// The absolute path of a file in this repository, e.g. `repositoryPath("sweeps/quickstart.yaml")`.
    ///
    /// Found from this source file's location (`Sources/SweepTesting/Fixtures.swift`), so it works
    /// whatever the test's working directory is.
    public static func repositoryPath(_ relative: String) -> String {
        var parts = thisFile.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return (parts + [Substring(relative)]).joined(separator: "/")
    }

    /// This file's path at compile time (a default argument would give the caller's instead).
    private static let thisFile: String = #filePath
}
