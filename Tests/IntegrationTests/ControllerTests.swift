import Foundation
import Testing

@Suite("lrsweep controller train / show and rl-schedule, end to end")
struct ControllerTests {
    static let tiny = ["--model", "mlp-32", "--dataset", "synthetic", "--episodes", "4", "--episodes-per-update", "2",
                       "--steps", "30", "--batch-size", "32", "--train-size", "600", "--val-size", "100"]

    @Test("a controller trained in process is written, shown and used by rl-schedule")
    func trainShowUse() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/controller.json"
        let train = try CLI.run(["controller", "train"] + Self.tiny + ["--workers", "0", "--json", "--out", out])
        #expect(train.status == 0, "\(train.stderr)")
        let lines = train.stdout.split(separator: "\n")
        #expect(lines.count == 3)                       // two updates, then the summary
        #expect(lines.last?.contains("\"final_return\"") == true)
        #expect(FileManager.default.fileExists(atPath: out))

        let show = try CLI.run(["controller", "show", out])
        #expect(show.status == 0)
        #expect(show.stdout.contains("controller trained on mlp-32 / synthetic"))
        #expect(show.stdout.contains("policy on typical observations"))

        let use = try CLI.run(["train", "--model", "mlp-32", "--dataset", "synthetic", "--optimizer", "rl-schedule",
                               "--lr", "1e-3", "--steps", "40", "--eval-every", "10", "--train-size", "600",
                               "--val-size", "100", "--opt", "controller=\(out)", "--json"])
        #expect(use.status == 0, "\(use.stderr)")
        #expect(use.stdout.contains("\"lr_action\""))
    }

    /// The lines of a controller file but its training time, the one thing two runs may differ in.
    static func withoutTiming(_ path: String) throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.contains("\"seconds\"") }
    }

    @Test("the README's claim: episodes over ZeroMQ on 2 worker processes give the controller they give in process",
          arguments: ["discrete", "continuous"])
    func workersAgreeWithInProcess(actions: String) throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let flags = Self.tiny + ["--actions", actions, "--seed", "7", "--json"]
        let local = try CLI.run(["controller", "train"] + flags + ["--workers", "0", "--out", "\(dir)/w0.json"])
        #expect(local.status == 0, "\(local.stderr)")
        // The default backend: 2 local worker processes, episodes as trials over ZeroMQ.
        let remote = try CLI.run(["controller", "train"] + flags + ["--out", "\(dir)/w2.json"])
        #expect(remote.status == 0, "\(remote.stderr)")
        // Both updates really ran as sweeps on the workers.
        for u in ["001", "002"] {
            let store = try Store("\(dir)/w2.json.runs/controller-update-\(u)/results.sqlite")
            #expect(try store.int("SELECT COUNT(*) FROM trials WHERE status = 'done' AND worker LIKE 'local-%'") == 2)
        }
        #expect(FileManager.default.fileExists(atPath: "\(dir)/w2.json.runs/logs/worker-2.log"))
        // Bit-identical: same networks, statistics and per-update history, number for number.
        let a = try Self.withoutTiming("\(dir)/w0.json"), b = try Self.withoutTiming("\(dir)/w2.json")
        #expect(a.count > 100)
        #expect(a == b)
        // …and the same PPO updates along the way (the lines but the summary carry no timing).
        #expect(local.stdout.split(separator: "\n").dropLast() == remote.stdout.split(separator: "\n").dropLast())
    }

    @Test("a missing controller file is a user error that says how to get one")
    func missingController() throws {
        let show = try CLI.run(["controller", "show", "/nonexistent/controller.json"])
        #expect(show.status == 1)
        #expect(show.stderr.contains("lrsweep controller train"))
    }
}
