import Foundation
import GRDB
import Testing

@Suite("bench scale: makespan efficiency")
struct BenchScaleTests {
    func lines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// What follows from the definition whatever the machine's speed: every trial sleeps at least S in
    /// a slot, so the makespan is at least ⌈M/slots⌉·S ≥ M·S/slots, and the efficiency is in (0, 1].
    func checkDefinition(_ line: [String: Any], trials: Int, slots: Int) throws {
        let seconds = try #require(line["seconds"] as? Double)
        let ideal = try #require(line["ideal_seconds"] as? Double)
        let bound = try #require(line["bound_seconds"] as? Double)
        let efficiency = try #require(line["efficiency"] as? Double)
        #expect(line["trials"] as? Int == trials)  // done trials in the store; the command fails unless all are
        #expect(line["slots"] as? Int == slots)
        #expect(efficiency > 0 && efficiency <= 1)
        #expect(seconds >= ideal && seconds >= bound && bound >= ideal)
        let parts = ["runner_extra", "round_trip", "idle_ramp", "idle_gaps", "idle_tail"]
            .compactMap { line[$0] as? Double }.reduce(0, +)
        #expect(abs(parts - (try #require(line["overhead_per_trial"] as? Double))) < 1e-6)
    }

    @Test("a tiny run of both kinds: efficiency in (0, 1], measured ≥ ideal, every trial done")
    func tinyRun() throws {
        let out = try CLI.run(["bench", "scale", "--workers", "2", "--trials", "8", "--trial-seconds", "0.2",
                               "--json"], timeout: 120)
        #expect(out.status == 0, "\(out.stderr)")
        let results = try lines(out.stdout)
        #expect(results.map { $0["kind"] as? String } == ["command", "engine"])
        for line in results { try checkDefinition(line, trials: 8, slots: 2) }
    }

    @Test("--store computes the figures from a finished sweep's store: first lease to last result")
    func fromStore() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            name: scale-store
            grid: {sleep_seconds: 0.2}
            seeds: [1, 2, 3, 4]
            trainer:
              command: [/bin/sh, -c, 'sleep "$1" && echo "{\\"final\\": true, \\"val_loss\\": 0}"', sh, "{sleep_seconds}"]
            """.write(toFile: "\(dir)/spec.yaml", atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", "\(dir)/spec.yaml", "--workers", "2", "--out", "\(dir)/out"], cwd: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let store = "\(dir)/out/results.sqlite"
        let out = try CLI.run(["bench", "scale", "--store", store, "--slots-total", "2", "--trial-seconds", "0.2",
                               "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let line = try #require(try lines(out.stdout).last)
        try checkDefinition(line, trials: 4, slots: 2)
        let (done, span) = try DatabaseQueue(path: store).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials WHERE status = 'done'"),
             try Double.fetchOne(db, sql: "SELECT max(finished) - min(started) FROM trials"))
        }
        #expect(done == 4)
        #expect(abs((line["seconds"] as? Double ?? 0) - (span ?? -1)) < 1e-9)
        let missing = try CLI.run(["bench", "scale", "--store", store, "--trial-seconds", "0.2"])
        #expect(missing.status == 1 && missing.stderr.contains("--slots-total"))
    }
}
