import Foundation
import SweepKit

/// Exactly how one trial's external trainer is started: argv, environment, folders.
///
/// Pure: built from the task and the worker's settings, so tests check it without starting anything.
///
/// - `{name}` placeholders in the command (and in `cwd` and `env` values) take the trial's parameter
///   values as text (`{lr}` → `0.001`, `{optimizer}` → `adam`), plus `{seed}`, `{trial_id}` and
///   `{out_dir}`. Each argument stays one argv element whatever the value holds: there is no shell.
/// - `{out_dir}` is `<output root>/<trial id>/`, created before the start; the log (the trainer's
///   non-JSON stdout and all its stderr) is `<output root>/logs/<trial id>.log`.
/// - The environment is the worker's, then `PYTHONUNBUFFERED=1` (so Python streams its lines; the
///   spec may override it), then the spec's `env:`, then `LRSWEEP_TRIAL_ID`, `LRSWEEP_ATTEMPT`,
///   `LRSWEEP_METRIC`, `LRSWEEP_OUT_DIR`, `LRSWEEP_PARAMS_JSON` and one `LRSWEEP_PARAM_<NAME>` per
///   parameter, and last `CUDA_VISIBLE_DEVICES` when the worker assigned a device.
public struct TrainerInvocation: Sendable, Equatable {
    public var argv: [String]
    public var environment: [String: String]
    /// Absolute working directory of the trainer.
    public var cwd: String
    /// Absolute per-trial folder, the value of `{out_dir}`.
    public var outDir: String
    /// Absolute path of the trial's log file.
    public var logPath: String

    /// - Parameters:
    ///   - outputRoot: the worker's folder for trial outputs (relative paths are taken from `workingDirectory`).
    ///   - device: the device assigned to this trial, exported as `CUDA_VISIBLE_DEVICES`.
    ///   - baseEnvironment: the environment the trainer inherits (the worker's own).
    ///   - workingDirectory: the worker's current directory; a relative `cwd:` is taken from it.
    public init(task: TrialTask, trainer: TrainerSpec, outputRoot: String, device: String? = nil,
                baseEnvironment: [String: String] = ProcessInfo.processInfo.environment,
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        let root = Self.absolute(outputRoot, from: workingDirectory)
        let id = task.trial.id
        outDir = root + "/" + id
        logPath = root + "/logs/" + id + ".log"

        var values: [String: String] = [:]
        for (key, value) in task.trial.parameters.values { values[key] = value.description }
        values["trial_id"] = id
        values["out_dir"] = outDir
        let substituted = values
        argv = trainer.command.map { Self.substitute($0, values: substituted) }
        cwd = Self.absolute(trainer.cwd.map { Self.substitute($0, values: substituted) } ?? ".",
                            from: workingDirectory)

        var env = baseEnvironment
        if env["PYTHONUNBUFFERED"] == nil { env["PYTHONUNBUFFERED"] = "1" }
        for (name, value) in trainer.env { env[name] = Self.substitute(value, values: substituted) }
        env["LRSWEEP_TRIAL_ID"] = id
        env["LRSWEEP_ATTEMPT"] = String(task.attempt)
        env["LRSWEEP_METRIC"] = task.metric
        env["LRSWEEP_OUT_DIR"] = outDir
        env["LRSWEEP_PARAMS_JSON"] = Self.json(task.trial.parameters)
        for (key, value) in task.trial.parameters.values {
            env["LRSWEEP_PARAM_" + Self.environmentName(key)] = value.description
        }
        if let device { env["CUDA_VISIBLE_DEVICES"] = device }
        environment = env
    }

    /// `argument` with every `{name}` whose name is in `values` replaced by its value, in one pass
    /// (a value that itself holds `{lr}` is not expanded again); other braces are left as they are.
    public static func substitute(_ argument: String, values: [String: String]) -> String {
        var out = ""
        var rest = Substring(argument)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"),
               let value = values[String(rest[afterOpen..<close])] {
                out += value
                rest = rest[rest.index(after: close)...]
            } else {
                out += "{"
                rest = rest[afterOpen...]
            }
        }
        return out + rest
    }

    /// The environment-variable form of a parameter name: upper case, anything but letters, digits and
    /// `_` turned into `_` (`batch-size` → `BATCH_SIZE`).
    public static func environmentName(_ key: String) -> String {
        String(key.uppercased().unicodeScalars.map { scalar -> Character in
            let isPlain = ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
            return isPlain ? Character(scalar) : "_"
        })
    }

    /// The environment as `NAME=value` strings, sorted (for `posix_spawn`).
    var environmentStrings: [String] { environment.map { "\($0.key)=\($0.value)" }.sorted() }

    static func absolute(_ path: String, from base: String) -> String {
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }

    static func json(_ parameters: Parameters) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Parameters hold strings, finite numbers, booleans and lists: encoding cannot fail; "{}" is a fallback.
        return (try? encoder.encode(parameters)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
