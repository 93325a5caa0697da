import Foundation
import SweepKit
import Testing
@testable import SweepWorker

@Suite("How a trainer command is built from a trial")
struct TrainerInvocationTests {
    let task = TrainerFixture.task(
        ["python3", "train.py", "--optimizer", "{optimizer}", "--lr={lr}", "--out", "{out_dir}/model.pt",
         "--id", "{trial_id}", "--seed", "{seed}", "--batch-size", "{batch-size}", "{\"json\": 1}", "{unknown}"],
        parameters: ["optimizer": .string("adam"), "lr": .double(1e-5), "batch-size": .int(64)],
        seed: 3, env: ["OMP_NUM_THREADS": "1", "RUN_NAME": "{optimizer}-{lr}"], cwd: "sub/{optimizer}")

    func invocation(device: String? = nil) throws -> TrainerInvocation {
        let trainer = try #require(task.trainer)
        return TrainerInvocation(task: task, trainer: trainer, outputRoot: "out", device: device,
                                 baseEnvironment: ["PATH": "/usr/bin", "HOME": "/root"], workingDirectory: "/work/w")
    }

    @Test("placeholders take the parameters' canonical text; other braces stay as written")
    func placeholders() throws {
        let inv = try invocation()
        let id = task.trial.id
        #expect(inv.argv == ["python3", "train.py", "--optimizer", "adam", "--lr=1e-05", "--out",
                             "/work/w/out/\(id)/model.pt", "--id", id, "--seed", "3", "--batch-size", "64",
                             "{\"json\": 1}", "{unknown}"])
        #expect(inv.outDir == "/work/w/out/\(id)")
        #expect(inv.logPath == "/work/w/out/logs/\(id).log")
        #expect(inv.cwd == "/work/w/sub/adam")
    }

    @Test("the environment carries the spec's env, the trial's parameters and the device")
    func environment() throws {
        let inv = try invocation(device: "1")
        let env = inv.environment
        #expect(env["PATH"] == "/usr/bin")
        #expect(env["OMP_NUM_THREADS"] == "1")
        #expect(env["RUN_NAME"] == "adam-1e-05")
        #expect(env["PYTHONUNBUFFERED"] == "1")
        #expect(env["LRSWEEP_TRIAL_ID"] == task.trial.id)
        #expect(env["LRSWEEP_METRIC"] == "val_loss")
        #expect(env["LRSWEEP_OUT_DIR"] == inv.outDir)
        #expect(env["LRSWEEP_PARAM_OPTIMIZER"] == "adam")
        #expect(env["LRSWEEP_PARAM_LR"] == "1e-05")
        #expect(env["LRSWEEP_PARAM_BATCH_SIZE"] == "64")
        #expect(env["LRSWEEP_PARAM_SEED"] == "3")
        #expect(env["CUDA_VISIBLE_DEVICES"] == "1")
        let json = try #require(env["LRSWEEP_PARAMS_JSON"])
        let decoded = try JSONDecoder().decode(Parameters.self, from: Data(json.utf8))
        #expect(decoded == task.trial.parameters)
        #expect(try invocation().environment["CUDA_VISIBLE_DEVICES"] == nil)
    }

    @Test("substitution is one pass: a value holding a placeholder is not expanded again")
    func onePass() {
        #expect(TrainerInvocation.substitute("{a}{b}", values: ["a": "{b}", "b": "x"]) == "{b}x")
        #expect(TrainerInvocation.substitute("{{a}}", values: ["a": "1"]) == "{1}")
        #expect(TrainerInvocation.substitute("{a", values: ["a": "1"]) == "{a")
        #expect(TrainerInvocation.environmentName("batch-size.v2") == "BATCH_SIZE_V2")
    }
}
