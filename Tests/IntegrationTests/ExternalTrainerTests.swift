import Foundation
import SweepKit
import Testing

/// The repository's root folder (this file is Tests/IntegrationTests/ExternalTrainerTests.swift).
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// True if `python3 -c code` exits 0 (e.g. `import torch`).
private func python(succeeds code: String) -> Bool {
    (try? runPython(["-c", code], timeout: 60).status) == 0
}

/// Runs `python3 args…`, its stdout to a file (no pipe can fill up), killed after `timeout` seconds.
private func runPython(_ args: [String], timeout: Double) throws -> (status: Int32, stdout: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3"] + args
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("lrsweep-py-\(UUID().uuidString)").path
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    p.standardError = FileHandle.nullDevice
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if p.isRunning { p.terminate() }
    p.waitUntilExit()
    return (p.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
}

/// The last line of `text` that is a JSON object, decoded.
private func lastJSONObject(_ text: String) -> [String: Any]? {
    text.split(separator: "\n").reversed().lazy.compactMap { line in
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }.first
}

@Suite("External trainers: the user's own training command through the built binary", .serialized)
struct ExternalTrainerTests {
    @Test("a sweep of the numpy example: every trial done, curves and metrics stored, 1e-5 never ranked first",
          .enabled(if: python(succeeds: "import numpy")))
    func numpySweep() throws {
        let dir = try CLI.tempDir()
        let script = "\(repositoryRoot)/examples/numpy-logreg/train.py"
        let spec = "\(dir)/numpy.yaml"
        try """
            name: external-numpy-it
            metric: val_loss
            grid:
              optimizer: [sgd, adam]
              lr: [1.0e-1, 1.0e-3, 1.0e-5]
              dataset: fashion-mnist
              model: logreg
            seeds: [1, 2]
            trainer:
              command: [python3, "\(script)", --optimizer, "{optimizer}", --lr, "{lr}", --seed, "{seed}",
                        --steps, "40", --train-size, "3000", --val-size, "1000", --eval-every, "10",
                        --out-dir, "{out_dir}"]
              timeout: 2m
              grace: 5
              env: {OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1"}
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        // `run` gives its local workers DIR/trials/ for the trials' folders and logs.
        let run = try CLI.run(["run", spec, "--workers", "2", "--out", "\(dir)/out"], cwd: dir, timeout: 120)
        #expect(run.status == 0, "stderr: \(run.stderr)")

        let store = try Store("\(dir)/out/results.sqlite")
        #expect(try store.int("SELECT COUNT(*) FROM trials") == 12)
        let outcomes = try store.strings("SELECT status || ' ' || IFNULL(reason, '') FROM trials")
        #expect(outcomes.filter { $0.hasPrefix("done") }.count == 12, "\(outcomes)")
        #expect(try store.int("""
            SELECT COUNT(*) FROM trials WHERE json_extract(metrics, '$.val_loss') > 0
              AND json_extract(metrics, '$.test_accuracy') > 0
            """) == 12)
        // The curves: val_loss at steps 10, 20, 30, 40 for every trial.
        #expect(try store.int("""
            SELECT COUNT(*) FROM (SELECT trial_id FROM metric_points WHERE name = 'val_loss'
                                  GROUP BY trial_id HAVING COUNT(DISTINCT step) = 4)
            """) == 12)
        // Ranking by mean val_loss over seeds: neither overall nor for any optimizer is 1e-5 the best rate.
        let best = try store.strings("""
            SELECT optimizer || ' ' || lr FROM (
              SELECT optimizer, lr, AVG(json_extract(metrics, '$.val_loss')) AS m FROM trials GROUP BY optimizer, lr
            ) AS cell WHERE m = (SELECT MIN(m2) FROM (
              SELECT optimizer AS o2, AVG(json_extract(metrics, '$.val_loss')) AS m2 FROM trials
              GROUP BY optimizer, lr) WHERE o2 = cell.optimizer)
            ORDER BY m
            """)
        #expect(best.count == 2)
        #expect(best.allSatisfy { !$0.hasSuffix(" 1e-05") }, "best rates per optimizer: \(best)")
        // Each trial's folder and log, in the sweep's folder.
        for id in try store.strings("SELECT id FROM trials") {
            #expect(FileManager.default.fileExists(atPath: "\(dir)/out/trials/\(id)/weights.npz"))
            let log = (try? String(contentsOfFile: "\(dir)/out/trials/logs/\(id).log", encoding: .utf8)) ?? ""
            #expect(log.contains("data from"), "log of \(id): \(log)")
        }
    }

    @Test("a trainer that reports no metric fails its trial with that reason in the store")
    func noMetricThroughTheSweep() throws {
        let dir = try CLI.tempDir()
        let spec = "\(dir)/forgetful.yaml"
        try """
            name: forgetful
            metric: val_loss
            grid:
              optimizer: [good, forgetful]
              lr: 0.1
            seeds: [1]
            trainer:
              command: [/bin/sh, -c, "if [ \\"$0\\" = good ]; then echo '{\\"final\\": true, \\"val_loss\\": 0.5}';
                        else echo 'trained, I think'; fi", "{optimizer}"]
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", spec, "--workers", "1", "--out", "\(dir)/out"], cwd: dir, timeout: 240)
        let store = try Store("\(dir)/out/results.sqlite")
        #expect(try store.strings("SELECT optimizer || ' ' || status FROM trials ORDER BY optimizer")
                == ["forgetful failed", "good done"], "stderr: \(run.stderr)")
        #expect(try store.int("SELECT COUNT(*) FROM trials WHERE reason LIKE '%no metric reported%'") == 1)
    }

    @Test("the shipped specs (sweeps/external-numpy.yaml, examples/pytorch/sweep.yaml) are valid")
    func shippedSpec() throws {
        let catalog = Catalog(optimizers: [], schedules: [], models: [], datasets: [])
        let spec = try SweepSpec.load(path: "\(repositoryRoot)/sweeps/external-numpy.yaml", catalog: catalog)
        let trainer = try #require(spec.trainer)
        #expect(trainer.command.prefix(2) == ["python3", "examples/numpy-logreg/train.py"])
        #expect(FileManager.default.fileExists(atPath: "\(repositoryRoot)/\(trainer.command[1])"))
        #expect(spec.trialCount == 24)
        #expect(spec.grid.first { $0.key == "lr" }?.values.contains(.double(1e-5)) == true)
        let pytorch = try SweepSpec.load(path: "\(repositoryRoot)/examples/pytorch/sweep.yaml", catalog: catalog)
        let command = try #require(pytorch.trainer?.command)
        #expect(FileManager.default.fileExists(atPath: "\(repositoryRoot)/\(command[1])"))
    }

    @Test("the PyTorch example speaks the protocol", .enabled(if: python(succeeds: "import torch")))
    func pytorchExample() throws {
        let result = try runPython(["\(repositoryRoot)/examples/pytorch/train.py", "--optimizer", "adam",
                                    "--lr", "1e-3", "--steps", "30", "--train-size", "2000", "--val-size", "500",
                                    "--eval-every", "10"], timeout: 120)
        #expect(result.status == 0)
        let final = try #require(lastJSONObject(result.stdout))
        #expect(final["final"] as? Bool == true)
        #expect((final["val_loss"] as? Double).map { $0.isFinite && $0 < 2.3 } == true)
    }
}
