import Foundation
import Synchronization
import SweepKit
@testable import SweepWorker

/// Small trainer scripts in a temporary folder, and the tasks that run them.
struct TrainerFixture {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("lrsweep-worker-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    /// The folder given to the runner as its output root.
    var outputRoot: String { dir + "/trials" }

    /// Writes an executable script `name` holding `body` (with its `#!` line) and returns its path.
    func script(_ name: String, _ body: String) throws -> String {
        let path = dir + "/" + name
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    /// A `/bin/sh` script with `body` after `set -u`.
    func shell(_ body: String, name: String = "train.sh") throws -> String {
        try script(name, "#!/bin/sh\nset -u\n" + body + "\n")
    }

    /// A Python 3 script.
    func python(_ body: String, name: String = "train.py") throws -> String {
        try script(name, "#!/usr/bin/env python3\n" + body + "\n")
    }

    /// A task of a sweep whose trainer runs `command`.
    static func task(_ command: [String], parameters: [String: ParamValue] = ["optimizer": .string("adam"),
                                                                               "lr": .double(0.001)],
                     seed: Int = 1, metric: String = "val_loss", timeout: Double? = nil, grace: Double = 10,
                     env: [String: String] = [:], cwd: String? = nil) -> TrialTask {
        var p = Parameters(parameters)
        p["seed"] = .int(seed)
        let trial = Trial(sweepName: "fixture-\(UUID().uuidString)", index: 0, parameters: p)
        return TrialTask(trial: trial, attempt: 1, train: TrainConfig(), optimizerOptions: [:], metric: metric,
                         trainer: TrainerSpec(command: command, timeout: timeout, grace: grace, env: env, cwd: cwd))
    }

    /// Runs `task` with a ``CommandRunner`` writing under ``outputRoot``, collecting the emitted points.
    func run(_ task: TrialTask, device: String? = nil,
             shouldStop: @escaping @Sendable () -> Bool = { false }) -> (TrialResult, [MetricPoint]) {
        let points = Collector<MetricPoint>()
        let result = CommandRunner(outputRoot: outputRoot).run(task, device: device, emit: { points.append($0) },
                                                               shouldStop: shouldStop)
        return (result, points.items)
    }

    /// The log of `task`'s trial.
    func log(of task: TrialTask) -> String {
        (try? String(contentsOfFile: "\(outputRoot)/logs/\(task.trial.id).log", encoding: .utf8)) ?? ""
    }

    /// A file the trainer wrote into its `{out_dir}`.
    func output(_ name: String, of task: TrialTask) -> String? {
        try? String(contentsOfFile: "\(outputRoot)/\(task.trial.id)/\(name)", encoding: .utf8)
    }
}

/// Items appended from any thread.
final class Collector<T: Sendable>: Sendable {
    private let storage = Mutex<[T]>([])
    func append(_ items: [T]) { storage.withLock { $0 += items } }
    var items: [T] { storage.withLock { $0 } }
}

/// True if no process (not even a zombie) has this pid.
func processIsGone(_ pid: pid_t) -> Bool {
    kill(pid, 0) == -1 && errno == ESRCH
}

/// The pid written (alone, as text) in `text`.
func pid(in text: String?) -> pid_t? {
    text.flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
}
