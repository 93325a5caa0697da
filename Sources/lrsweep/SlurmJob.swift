import Foundation
import Wire

/// The worker job of `run --slurm`: its key folder, its script, and Slurm's commands for it.
///
/// Files under the sweep folder DIR: `keys/` (when no `--keys`), `slurm/worker-keys/` (what the
/// nodes read), `slurm/workers.sbatch` (the job script, reusable by hand), `slurm/worker-JOBID.out`
/// (each job's output), `trials/` (command trials' outputs and logs).
struct SlurmJob {
    let flags: SlurmFlags
    let sweepName: String
    /// The sweep folder, absolute (the nodes read and write under it).
    let folder: String

    init(flags: SlurmFlags, sweepName: String, folder: String) {
        self.flags = flags
        self.sweepName = sweepName
        self.folder = URL(fileURLWithPath: folder).standardizedFileURL.path
    }

    var slurmFolder: String { "\(folder)/slurm" }
    var scriptPath: String { "\(slurmFolder)/workers.sbatch" }

    /// The job name: the sweep's name and a hash of its folder, so that `scancel --name` ends this
    /// sweep's jobs (resubmitted ones too) and no other sweep's.
    var jobName: String {
        var hash: UInt32 = 2_166_136_261
        for byte in folder.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let safe = String(sweepName.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }.prefix(40))
        return "lrsweep-\(safe)-\(String(hash % 0xFFFFFF, radix: 16))"
    }

    /// The coordinator's keys (made under DIR/keys when none are given) and the nodes' worker-only copy.
    func prepareKeys() throws -> KeyFolder {
        let keys = KeyFolder(flags.keys ?? "\(folder)/keys")
        do {
            if flags.keys == nil, !FileManager.default.fileExists(atPath: "\(keys.path)/coordinator.secret") {
                try keys.generate()
            }
            try keys.writeWorkerOnly(to: "\(slurmFolder)/worker-keys")
        } catch let e as KeyError {
            throw UserError(e.message)
        }
        return keys
    }

    /// CPUs per worker: `--cpus-per-node`, else the smallest node of the partition as `sinfo` says.
    func cpusPerWorker() throws -> Int {
        if let c = flags.cpusPerNode { return c }
        var args = ["-h", "-o", "%c"]
        if let p = flags.partition { args += ["-p", p] }
        let out = try Self.command("sinfo", args)
        let counts = out.split(whereSeparator: \.isNewline).compactMap { Int($0.prefix(while: \.isNumber)) }
        guard let smallest = counts.min(), smallest > 0 else {
            throw UserError("sinfo shows no nodes\(flags.partition.map { " in partition \($0)" } ?? ""): "
                            + "check the partition, or give --cpus-per-node")
        }
        return smallest
    }

    /// The job script: one worker per node, trials at once = CPUs per worker.
    func script(endpoint: String, cpus: Int, executable: String) -> String {
        var lines = ["#!/bin/bash",
                     "# Workers of sweep '\(sweepName)', written by `lrsweep run --slurm`.",
                     "# `sbatch \(scriptPath)` adds workers to the running sweep (or replaces preempted ones).",
                     "#SBATCH --job-name=\(jobName)",
                     "#SBATCH --nodes=\(flags.nodes ?? 1)",
                     "#SBATCH --ntasks-per-node=1",
                     "#SBATCH --cpus-per-task=\(cpus)",
                     "#SBATCH --output=\(slurmFolder)/worker-%j.out",
                     // Preemption and the time limit: SIGTERM a minute early, so trials are handed back.
                     "#SBATCH --signal=TERM@60"]
        if let p = flags.partition { lines.append("#SBATCH --partition=\(p)") }
        if let t = flags.time { lines.append("#SBATCH --time=\(t)") }
        lines += flags.sbatchArgs.map { "#SBATCH \($0)" }
        if let data = ProcessInfo.processInfo.environment["LRSWEEP_DATA"] {
            lines.append("export LRSWEEP_DATA=\(Self.quoted(data))")
        }
        let worker = [executable, "worker", "--connect", endpoint, "--keys", "\(slurmFolder)/worker-keys",
                      "--slots", String(cpus), "--threads", "1", "--out", "\(folder)/trials"]
        // srun is told the CPUs itself: since Slurm 22.05 a step does not inherit --cpus-per-task.
        lines.append("exec srun --kill-on-bad-exit=0 --cpus-per-task=\(cpus) "
                     + worker.map(Self.quoted).joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the script and submits it. - Returns: the job id.
    func submit(endpoint: String, executable: String) throws -> String {
        let cpus = try cpusPerWorker()
        try FileManager.default.createDirectory(atPath: slurmFolder, withIntermediateDirectories: true)
        try script(endpoint: endpoint, cpus: cpus, executable: executable)
            .write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let out = try Self.command("sbatch", ["--parsable", scriptPath])
        let id = String(out.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !id.isEmpty else { throw RuntimeFailure("sbatch printed no job id: \(out)") }
        return id
    }

    /// Ends this sweep's jobs: pending ones at once; running ones get `grace` seconds to end by
    /// themselves (their workers leave on the coordinator's bye, and the job shows COMPLETED).
    func cancel(grace: Double) {
        _ = try? Self.command("scancel", ["--name", jobName, "--state", "PENDING"])
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, !((try? Self.command("squeue", ["-h", "-n", jobName, "-o", "%i"])) ?? "").isEmpty {
            Thread.sleep(forTimeInterval: 0.5)
        }
        _ = try? Self.command("scancel", ["--name", jobName])
    }

    /// Runs a Slurm command; its standard output, or an error that says what failed.
    static func command(_ name: String, _ args: [String]) throws -> String {
        guard let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map({ "\($0)/\(name)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw UserError("\(name) not found: --slurm needs Slurm's commands (sbatch, sinfo, squeue, scancel) "
                            + "on this host, the cluster's login node")
        }
        let p = Process(), out = Pipe(), err = Pipe()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw UserError("\(name) \(args.joined(separator: " ")) failed (exit \(p.terminationStatus)): "
                            + problem.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return text
    }

    /// A word for bash, quoted when it needs to be.
    static func quoted(_ s: String) -> String {
        if !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-:=,+@%".contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
