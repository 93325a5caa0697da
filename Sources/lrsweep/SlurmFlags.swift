import ArgumentParser
import Foundation

/// `run --slurm`: the coordinator on this host (the login node), the workers as one Slurm job.
struct SlurmFlags: ParsableArguments {
    @Flag(name: .long, help: ArgumentHelp(
        "Run the workers as a Slurm job (sbatch) and the coordinator here, on the login node.",
        discussion: "Keys are made under DIR/keys unless --keys is given; the nodes get DIR/slurm/worker-keys "
            + "(never coordinator.secret). The job script is DIR/slurm/workers.sbatch: `sbatch` it again "
            + "to add or replace workers. The job is cancelled when the sweep ends or on Ctrl-C."))
    var slurm = false

    @Option(name: .long, help: "Slurm: nodes to run workers on, one worker each (default 1).")
    var nodes: Int?

    @Option(name: .customLong("cpus-per-node"),
            help: "Slurm: CPUs per worker, one trial each (default: the partition's smallest node, from sinfo).")
    var cpusPerNode: Int?

    @Option(name: .long, help: "Slurm: partition (default: the cluster's default partition).")
    var partition: String?

    @Option(name: .long, help: "Slurm: the worker job's time limit, e.g. 04:00:00 (default: the partition's).")
    var time: String?

    @Option(name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Slurm: one more sbatch option for the job script, repeatable.",
                               discussion: "Example: --sbatch-arg --account=ml --sbatch-arg --qos=short",
                               valueName: "ARG"))
    var sbatchArgs: [String] = []

    @Option(name: .long, help: "Slurm: the port the coordinator listens on for the nodes (default: a free one).")
    var port: Int?

    @Option(name: .long, help: "Slurm: folder of CURVE keys (default: DIR/keys, made when missing).")
    var keys: String?

    func validate() throws {
        if !slurm {
            let given = [("--nodes", nodes != nil), ("--cpus-per-node", cpusPerNode != nil),
                         ("--partition", partition != nil), ("--time", time != nil),
                         ("--sbatch-arg", !sbatchArgs.isEmpty), ("--port", port != nil), ("--keys", keys != nil)]
            if let flag = given.first(where: \.1)?.0 { throw ValidationError("\(flag) goes with --slurm") }
            return
        }
        if let nodes, nodes < 1 { throw ValidationError("--nodes must be at least 1") }
        if let cpusPerNode, cpusPerNode < 1 { throw ValidationError("--cpus-per-node must be at least 1") }
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
        for value in [partition, time].compactMap({ $0 }) + sbatchArgs where value.contains("\n") {
            throw ValidationError("Slurm options cannot hold line breaks: \(value.debugDescription)")
        }
        if let bad = sbatchArgs.first(where: { !$0.hasPrefix("-") }) {
            throw ValidationError("--sbatch-arg takes an sbatch option such as --account=ml, not '\(bad)'")
        }
    }
}
