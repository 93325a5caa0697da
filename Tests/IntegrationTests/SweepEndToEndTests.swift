import Foundation
import Testing

/// A tiny sweep on the real Fashion-MNIST files: 2 optimizers × 2 LRs × 2 seeds = 8 short trials.
func tinySpec(name: String, steps: Int = 30) -> String {
    """
    name: \(name)
    metric: val_loss
    grid:
      optimizer: [sgd, adam]
      lr: [0.1, 0.001]
      dataset: fashion-mnist
      model: logreg
    seeds: [1, 2]
    train:
      batch_size: 64
      steps: \(steps)
      eval_every: 10
      train_size: 1000
      val_size: 200
    retries: 3
    """
}

@Suite("End to end through the built binary", .serialized)
struct SweepEndToEndTests {
    @Test("a coordinator and two worker processes run every trial exactly once into results.sqlite")
    func coordinatorAndTwoWorkers() throws {
        let dir = try CLI.tempDir()
        let spec = "\(dir)/tiny.yaml"
        try tinySpec(name: "tiny").write(toFile: spec, atomically: true, encoding: .utf8)
        let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        let coordinator = try CLI.start(["coordinator", spec, "--bind", endpoint, "--out", "\(dir)/out"])
        // Paused until both workers have joined and asked for work, so that both take part whatever
        // the machine's speed; then resumed.
        #expect(CLI.waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: "\(dir)/out/status.json") })
        #expect(try CLI.run(["control", "\(dir)/out", "pause"]).status == 0)
        let workers = try (1...2).map { i in
            try CLI.start(["worker", "--connect", endpoint, "--id", "w\(i)", "--out", "\(dir)/trials"])
        }
        #expect(try CLI.waitUntil(timeout: 120) {
            let out = try CLI.run(["status", "--connect", endpoint, "--json"])
            let line = out.stdout.split(separator: "\n").last.map(String.init) ?? ""
            let doc = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            return (doc?["workers"] as? [[String: Any]])?.compactMap { $0["credits"] as? Int } == [1, 1]
        })
        #expect(try CLI.run(["control", "\(dir)/out", "resume"]).status == 0)
        let status = coordinator.wait(timeout: 240)
        #expect(status == 0, "coordinator stderr: \(coordinator.stderr())")
        // Workers leave on the coordinator's bye, with exit 0.
        for w in workers { #expect(w.wait(timeout: 30) == 0, "worker stderr: \(w.stderr())") }

        let store = try Store("\(dir)/out/results.sqlite")
        #expect(try store.int("SELECT COUNT(*) FROM trials") == 8)
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done' AND attempts = 1") == 8)
        // Every trial has its validation curve: steps 10, 20, 30.
        #expect(try store.int("""
            SELECT COUNT(*) FROM (SELECT trial_id FROM metric_points WHERE name = 'val_loss'
                                  GROUP BY trial_id HAVING COUNT(*) = 3)
            """) == 8)
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE metrics LIKE '%test_accuracy%'") == 8)
        // Both workers took part.
        #expect(Set(try store.strings("SELECT DISTINCT worker FROM trials")) == ["w1", "w2"])
        let report = try String(contentsOfFile: "\(dir)/out/report.md", encoding: .utf8)
        #expect(report.contains("## fashion-mnist · logreg"))
        // The ranking is printed: a winner row for the cell.
        #expect(coordinator.stdout().contains("winner"))
    }

    @Test("run: embedded coordinator with local workers prints the ranking; a rerun skips finished trials")
    func runAndResume() throws {
        let dir = try CLI.tempDir()
        let spec = "\(dir)/tiny.yaml"
        try tinySpec(name: "again", steps: 20).write(toFile: spec, atomically: true, encoding: .utf8)
        let first = try CLI.run(["run", spec, "--workers", "2", "--out", "\(dir)/out"])
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stdout.contains("## fashion-mnist · logreg"))
        #expect(first.stdout.contains("winner"))
        let store = try Store("\(dir)/out/results.sqlite")
        let finishedBefore = try store.strings("SELECT id || finished FROM trials ORDER BY id")
        let second = try CLI.run(["run", spec, "--workers", "1", "--out", "\(dir)/out"])
        #expect(second.status == 0, "stderr: \(second.stderr)")
        // Nothing ran again: every trial keeps its first finish time and attempt count.
        #expect(try store.strings("SELECT id || finished FROM trials ORDER BY id") == finishedBefore)
        #expect(try store.int("SELECT MAX(attempts) FROM trials") == 1)
    }

    @Test("a bad spec exits 1 and names file, line and column")
    func badSpec() throws {
        let dir = try CLI.tempDir()
        let spec = "\(dir)/bad.yaml"
        try """
        name: bad
        grid:
          optimizer: [sgd, adamm]
          lr: [0.1]
          dataset: fashion-mnist
          model: logreg
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let out = try CLI.run(["run", spec, "--out", "\(dir)/out"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("bad.yaml:3:"))
        #expect(out.stderr.contains("adamm"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out/results.sqlite"))
    }

    @Test("an unknown flag exits 1 with usage help")
    func badFlag() throws {
        let out = try CLI.run(["run", "--wrokers", "2"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("--wrokers"))
    }
}
