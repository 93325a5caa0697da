import Foundation
import Testing

/// `lrsweep compare` and `report --format latex` through the built binary, on real tiny sweeps.
@Suite("compare and LaTeX through the built binary")
struct CompareCommandTests {
    /// Runs a 2-optimizer × 2-rate × 2-model synthetic sweep named `name` into `dir/name`.
    static func sweep(_ name: String, optimizers: String, metric: String = "val_loss", in dir: String) throws -> String {
        let spec = """
            name: \(name)
            metric: \(metric)
            grid:
              optimizer: [\(optimizers)]
              lr: [1.0e-2, 1.0e-3]
              dataset: synthetic
              model: [logreg, mlp-small]
            seeds: [1, 2]
            train: {batch_size: 16, steps: 8, eval_every: 4, threads: 1}
            """
        let path = "\(dir)/\(name).yaml"
        try spec.write(toFile: path, atomically: true, encoding: .utf8)
        let out = try CLI.run(["run", path, "--workers", "2", "--out", "\(dir)/\(name)"], timeout: 240)
        #expect(out.status == 0, "\(out.stderr)")
        return "\(dir)/\(name)"
    }

    @Test("two sweeps in one report: shared cells, clashing names labelled by sweep, JSON and LaTeX")
    func compareTwo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try Self.sweep("alpha", optimizers: "sgd, adam", in: dir)
        let b = try Self.sweep("beta", optimizers: "adam, sgd-hd", in: dir)
        let md = try CLI.run(["compare", a, b])
        #expect(md.status == 0, "\(md.stderr)")
        for label in ["adam [alpha]", "adam [beta]", "| sgd ", "| sgd-hd ", "## All tasks (2 dataset × model cells)",
                      "## Tuning budget"] {
            #expect(md.stdout.contains(label), "missing \(label)")
        }
        #expect(!md.stdout.contains("sgd [alpha]"))
        let json = "\(dir)/compare.json"
        let written = try CLI.run(["compare", a, b, "--format", "json", "--out", json])
        #expect(written.status == 0 && written.stdout.isEmpty)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        #expect((object?["tuning_budget"] as? [Any])?.isEmpty == false)
        #expect((object?["overall"] as? [String: Any])?["mean_rank"] != nil)
        let latex = try CLI.run(["report", a, "--format", "latex"])
        #expect(latex.status == 0 && latex.stdout.contains("\\toprule") && latex.stdout.contains("\\textbf{"))
        // A sweep ranked by another metric cannot join.
        let c = try Self.sweep("gamma", optimizers: "sgd", metric: "val_accuracy", in: dir)
        let clash = try CLI.run(["compare", a, c])
        #expect(clash.status == 1)
        #expect(clash.stderr.contains("different metrics (val_loss and val_accuracy)"))
    }
}
