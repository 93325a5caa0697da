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

    @Test("a missing controller file is a user error that says how to get one")
    func missingController() throws {
        let show = try CLI.run(["controller", "show", "/nonexistent/controller.json"])
        #expect(show.status == 1)
        #expect(show.stderr.contains("lrsweep controller train"))
    }
}
