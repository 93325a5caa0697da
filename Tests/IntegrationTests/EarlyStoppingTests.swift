import Foundation
import Testing

/// Early stopping through the built binary: real workers train real Fashion-MNIST trials, the
/// coordinator stops hopeless rates within each optimizer's group, and the report says what it saved.
@Suite("Early stopping end to end", .serialized)
struct EarlyStoppingTests {
    static let spec = """
        name: es-e2e
        grid:
          optimizer: [sgd, adam]
          lr: [1.0, 1.0e-1, 1.0e-2, 1.0e-3, 1.0e-4, 1.0e-5]
          dataset: fashion-mnist
          model: logreg
        seeds: [1, 2]
        train: {batch_size: 64, steps: 270, eval_every: 10, train_size: 4000, val_size: 1000}
        early_stopping: {method: asha, grace: 10, reduction: 3}
        """

    @Test("ASHA: pruned configurations end whole and keep their curves; every optimizer keeps a full-budget rate")
    func asha() throws {
        let dir = try CLI.tempDir()
        try Self.spec.write(toFile: "\(dir)/es.yaml", atomically: true, encoding: .utf8)
        let plan = try CLI.run(["plan", "\(dir)/es.yaml", "--json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("\"early_stopping\""))
        let run = try CLI.run(["run", "\(dir)/es.yaml", "--workers", "2", "--out", "\(dir)/out"], timeout: 300)
        #expect(run.status == 0, "\(run.stderr)")
        let store = try Store("\(dir)/out/results.sqlite")
        let pruned = try store.int("SELECT COUNT(*) FROM trials WHERE status = 'pruned'")
        #expect(pruned > 0, "nothing was pruned")
        // Every trial ended (a rate as high as 1.0 may diverge before the first rung).
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status NOT IN ('done', 'pruned', 'diverged')") == 0)
        // A configuration is stopped as one: no seed of a pruned rate ran to the end.
        #expect(try store.int("""
            SELECT COUNT(*) FROM (SELECT optimizer, lr FROM trials GROUP BY optimizer, lr
                                  HAVING SUM(status = 'pruned') > 0 AND SUM(status = 'done') > 0)
            """) == 0)
        // Within each optimizer's group at least one rate ran the full budget with both seeds.
        #expect(try store.strings("""
            SELECT DISTINCT optimizer FROM trials WHERE status = 'done' GROUP BY optimizer, lr HAVING COUNT(*) = 2
            ORDER BY optimizer
            """) == ["adam", "sgd"])
        // Pruned trials say where and why they stopped, and keep the curve they had: every pruned
        // configuration has the points its decision was made on (a seed stopped before its first
        // evaluation has none of its own).
        #expect(try store.int("""
            SELECT COUNT(*) FROM trials WHERE status = 'pruned' AND reason LIKE 'pruned at step %' AND stopped_step >= 10
            """) == pruned)
        #expect(try store.int("""
            SELECT COUNT(*) FROM (SELECT optimizer, lr FROM trials WHERE status = 'pruned' GROUP BY optimizer, lr
              HAVING SUM(EXISTS (SELECT 1 FROM metric_points p WHERE p.trial_id = trials.id AND p.step >= 10)) = 0)
            """) == 0)
        #expect(try store.int("SELECT COUNT(*) FROM decisions WHERE promoted = 0") >= 1)
        // Done trials ran the whole budget: the last point of their curve is at step 270.
        #expect(try store.int("""
            SELECT COUNT(*) FROM trials t WHERE status = 'done'
              AND (SELECT MAX(step) FROM metric_points p WHERE p.trial_id = t.id AND p.name = 'val_loss') = 270
            """) == store.int("SELECT COUNT(*) FROM trials WHERE status = 'done'"))
        let report = try String(contentsOfFile: "\(dir)/out/report.md", encoding: .utf8)
        #expect(report.contains("Compute:") && report.contains("pruned"))
        let status = try CLI.run(["status", "\(dir)/out", "--json"])
        #expect(status.stdout.contains("\"pruned\":\(pruned)"), "\(status.stdout)")
    }
}
