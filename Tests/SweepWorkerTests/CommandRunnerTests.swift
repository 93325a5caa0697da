import Foundation
import SweepKit
import Testing
@testable import SweepWorker

@Suite("CommandRunner runs real trainer processes")
struct CommandRunnerTests {
    @Test("JSON lines become metric points and final metrics; everything else goes to the log")
    func wellBehaved() throws {
        let f = try TrainerFixture()
        let script = try f.shell("""
            echo "starting with $1 $2"
            echo '{"step": 10, "val_loss": 0.9, "lr": 0.01}'
            echo 'a warning' >&2
            echo '{"step": 20, "val_loss": 0.5, "lr": 0.005, "phase": "eval"}'
            echo '{"final": true, "val_loss": 0.5, "val_accuracy": 0.8}'
            """)
        let task = TrainerFixture.task([script, "{optimizer}", "{lr}"])
        let (result, points) = f.run(task)
        #expect(result.status == .done)
        #expect(result.reason == nil)
        #expect(result.metrics == ["val_loss": 0.5, "val_accuracy": 0.8])
        #expect(result.trialID == task.trial.id)
        #expect(points == [MetricPoint(step: 10, name: "lr", value: 0.01),
                           MetricPoint(step: 10, name: "val_loss", value: 0.9),
                           MetricPoint(step: 20, name: "lr", value: 0.005),
                           MetricPoint(step: 20, name: "val_loss", value: 0.5)])
        let log = f.log(of: task)
        #expect(log.contains("starting with adam 0.001"))
        #expect(log.contains("a warning"))
        #expect(!log.contains("\"step\": 10"))
    }

    @Test("a trainer that crashes fails with the tail of its stderr in the reason")
    func crash() throws {
        let f = try TrainerFixture()
        let script = try f.shell("""
            echo '{"step": 1, "val_loss": 2.3}'
            for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do echo "noise $i" >&2; done
            echo 'Traceback (most recent call last):' >&2
            echo 'ValueError: learning rate must be positive' >&2
            exit 3
            """)
        let (result, _) = f.run(TrainerFixture.task([script]))
        #expect(result.status == .failed)
        let reason = try #require(result.reason)
        #expect(reason.contains("exit status 3"))
        #expect(reason.contains("ValueError: learning rate must be positive"))
        #expect(reason.contains("noise 15"))
        #expect(!reason.contains("noise 1\n"), "only the last lines are quoted")
    }

    @Test("a trainer killed by a signal fails and says which")
    func signaled() throws {
        let f = try TrainerFixture()
        let script = try f.shell("echo 'about to abort' >&2; kill -SEGV $$")
        let (result, _) = f.run(TrainerFixture.task([script]))
        #expect(result.status == .failed)
        #expect(result.reason?.contains("SIGSEGV") == true)
        #expect(result.reason?.contains("about to abort") == true)
    }

    @Test("exit 0 without the sweep's metric is a failure, never a silent success",
          arguments: ["echo 'trained!'",
                      #"echo '{"step": 1, "train_loss": 0.3}'; echo '{"final": true, "train_loss": 0.2}'"#])
    func noMetric(body: String) throws {
        let f = try TrainerFixture()
        let (result, _) = f.run(TrainerFixture.task([try f.shell(body)]))
        #expect(result.status == .failed)
        #expect(result.reason?.contains("no metric reported") == true)
        #expect(result.reason?.contains("val_loss") == true)
    }

    @Test("garbage and half-written JSON lines are logged, not fatal; a last line without newline counts")
    func garbage() throws {
        let f = try TrainerFixture()
        let script = try f.shell(#"""
            echo 'Epoch 1/1 [=====>    ]'
            echo '{"step": 5, "val_lo'
            echo '{{{ not json'
            echo '[1, 2, 3]'
            printf '\377\376 binary\n'
            printf '%s' 'no newline yet... ' ; echo 'now'
            echo '{"step": 6, "val_loss": 0.7}'
            printf '{"final": true, "val_loss": 0.7}'
            """#)
        let task = TrainerFixture.task([script])
        let (result, points) = f.run(task)
        #expect(result.status == .done)
        #expect(result.metrics == ["val_loss": 0.7])
        #expect(points == [MetricPoint(step: 6, name: "val_loss", value: 0.7)])
        let log = f.log(of: task)
        for line in ["Epoch 1/1", #"{"step": 5, "val_lo"#, "{{{ not json", "[1, 2, 3]", "binary",
                     "no newline yet... now"] {
            #expect(log.contains(line), "log lacks \(line)")
        }
    }

    @Test("a NaN or infinite metric is a diverged trial", arguments: ["nan", "inf"])
    func diverged(value: String) throws {
        let f = try TrainerFixture()
        let script = try f.python("""
            import json
            print(json.dumps({"step": 1, "val_loss": 1.5}))
            print(json.dumps({"step": 2, "val_loss": float("\(value)")}))
            print(json.dumps({"final": True, "val_loss": float("\(value)")}))
            """)
        let (result, points) = f.run(TrainerFixture.task([script]))
        #expect(result.status == .diverged)
        #expect(result.metrics["val_loss"].map { !$0.isFinite } == true)
        #expect(points.count == 2)
        #expect(points.last.map { !$0.value.isFinite } == true)
    }

    @Test("parameter values with shell metacharacters reach the trainer as one literal argument each")
    func noShell() throws {
        let f = try TrainerFixture()
        let victim = f.dir + "/x"
        try "keep me".write(toFile: victim, atomically: true, encoding: .utf8)
        let script = try f.python("""
            import json, os, sys
            with open(os.path.join(os.environ["LRSWEEP_OUT_DIR"], "argv.json"), "w") as out:
                json.dump({"argv": sys.argv[1:], "env": os.environ["LRSWEEP_PARAM_OPTIMIZER"]}, out)
            print(json.dumps({"final": True, "val_loss": 1.0}))
            """)
        let task = TrainerFixture.task([script, "--optimizer", "{optimizer}", "--tag={tag}", "`id`"],
                                       parameters: ["optimizer": .string("a; rm -rf x"),
                                                    "tag": .string("$(id) | cat &")],
                                       cwd: f.dir)
        let (result, _) = f.run(task)
        #expect(result.status == .done, "\(result.reason ?? "")")
        let written = try #require(f.output("argv.json", of: task))
        let decoded = try JSONDecoder().decode([String: ArgvRecord].self, from: Data("{\"r\": \(written)}".utf8))
        #expect(decoded["r"]?.argv == ["--optimizer", "a; rm -rf x", "--tag=$(id) | cat &", "`id`"])
        #expect(decoded["r"]?.env == "a; rm -rf x")
        #expect(FileManager.default.fileExists(atPath: victim))
    }

    struct ArgvRecord: Decodable {
        var argv: [String]
        var env: String
    }

    @Test("timeout: the whole process group is killed, grandchild included, and the trial fails with 'timeout'")
    func timeoutKillsTheGroup() throws {
        let f = try TrainerFixture()
        let script = try f.shell("""
            sleep 1000 &
            echo $! > "$LRSWEEP_OUT_DIR/grandchild.pid"
            echo $$ > "$LRSWEEP_OUT_DIR/trainer.pid"
            echo '{"step": 1, "val_loss": 2.0}'
            sleep 1000
            """)
        let task = TrainerFixture.task([script], timeout: 1, grace: 60)
        let started = Date()
        let (result, points) = f.run(task)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == .failed)
        #expect(result.reason?.hasPrefix("timeout") == true, "\(result.reason ?? "")")
        #expect(points == [MetricPoint(step: 1, name: "val_loss", value: 2.0)])
        // The timeout is a lower bound on the run; SIGTERM sufficed, so no SIGKILL followed.
        #expect(elapsed >= 1)
        #expect(f.log(of: task).contains("sending SIGTERM"))
        #expect(!f.log(of: task).contains("SIGKILL"), "\(f.log(of: task))")
        let grandchild = try #require(pid(in: f.output("grandchild.pid", of: task)))
        let trainer = try #require(pid(in: f.output("trainer.pid", of: task)))
        #expect(processIsGone(grandchild))
        #expect(processIsGone(trainer))
    }

    @Test("a trainer group that ignores SIGTERM gets SIGKILL after the grace period")
    func sigkillAfterGrace() throws {
        let f = try TrainerFixture()
        let script = try f.shell("""
            trap '' TERM
            sleep 1000 &
            echo $! > "$LRSWEEP_OUT_DIR/grandchild.pid"
            while true; do sleep 0.05; done
            """)
        let task = TrainerFixture.task([script], timeout: 0.5, grace: 0.5)
        let started = Date()
        let (result, _) = f.run(task)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == .failed)
        #expect(result.reason?.hasPrefix("timeout") == true)
        // Timeout then grace: both are lower bounds on the run, and the kill came after the grace.
        #expect(elapsed >= 1)
        #expect(f.log(of: task).contains("still running 0.5 s after SIGTERM; sending SIGKILL"), "\(f.log(of: task))")
        #expect(processIsGone(try #require(pid(in: f.output("grandchild.pid", of: task)))))
    }

    @Test("a worker stopping ends the trainer's group and fails the attempt as 'stopped'")
    func stopRequest() throws {
        let f = try TrainerFixture()
        let script = try f.shell("""
            sleep 1000 &
            echo $! > "$LRSWEEP_OUT_DIR/grandchild.pid"
            touch "$LRSWEEP_OUT_DIR/started"
            wait
            """)
        let task = TrainerFixture.task([script], grace: 2)
        let startedFile = "\(f.outputRoot)/\(task.trial.id)/started"
        let (result, _) = f.run(task, shouldStop: { FileManager.default.fileExists(atPath: startedFile) })
        #expect(result.status == .failed)
        #expect(result.reason?.hasPrefix("stopped") == true)
        #expect(processIsGone(try #require(pid(in: f.output("grandchild.pid", of: task)))))
    }

    @Test("processes a trainer leaves behind after exiting are ended too")
    func leftovers() throws {
        let f = try TrainerFixture()
        let script = try f.shell("""
            sleep 1000 &
            echo $! > "$LRSWEEP_OUT_DIR/leftover.pid"
            echo '{"final": true, "val_loss": 0.25}'
            """)
        let task = TrainerFixture.task([script], grace: 2)
        let (result, _) = f.run(task)
        #expect(result.status == .done)
        #expect(result.metrics["val_loss"] == 0.25)
        #expect(processIsGone(try #require(pid(in: f.output("leftover.pid", of: task)))))
    }

    @Test("a program that does not exist fails the trial with a readable reason")
    func notFound() throws {
        let f = try TrainerFixture()
        let (missing, _) = f.run(TrainerFixture.task(["no-such-trainer-\(UUID().uuidString)", "--lr", "{lr}"]))
        #expect(missing.status == .failed)
        #expect(missing.reason?.contains("command not found") == true)
        let (badDir, _) = f.run(TrainerFixture.task(["true"], cwd: f.dir + "/nowhere"))
        #expect(badDir.reason?.contains("does not exist") == true)
    }

    @Test("the trainer runs in its cwd with the spec's env and a device in CUDA_VISIBLE_DEVICES")
    func cwdEnvDevice() throws {
        let f = try TrainerFixture()
        try FileManager.default.createDirectory(atPath: f.dir + "/work", withIntermediateDirectories: true)
        let script = try f.shell("""
            printf '%s|%s|%s' "$(pwd)" "$RUN" "$CUDA_VISIBLE_DEVICES" > "$LRSWEEP_OUT_DIR/seen"
            echo '{"final": true, "val_loss": 1}'
            """)
        let task = TrainerFixture.task([script], env: ["RUN": "{optimizer}"], cwd: f.dir + "/work")
        let (result, _) = f.run(task, device: "3")
        #expect(result.status == .done)
        let seen = try #require(f.output("seen", of: task))
        let realWork = URL(fileURLWithPath: f.dir + "/work").resolvingSymlinksInPath().path
        #expect(seen == "\(realWork)|adam|3" || seen == "\(f.dir)/work|adam|3")
    }
}
