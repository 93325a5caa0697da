import ArgumentParser
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a sweep on this machine: a coordinator and N local worker processes, then the report.",
        discussion: """
            Trials go over ZeroMQ (loopback) to worker processes started from this binary; every trial and
            metric point is stored in DIR/results.sqlite, and the ranking is printed and written to
            DIR/report.md. Running the same spec into the same folder again resumes: finished trials are
            skipped.

            Example: lrsweep run sweeps/quickstart.yaml --workers 2

            On a Slurm cluster's login node, --slurm starts the coordinator here and the workers as a job:
              lrsweep run sweeps/hypergradient.yaml --slurm --nodes 4 --time 02:00:00
            """)

    @Argument(help: "The sweep spec (YAML), e.g. sweeps/quickstart.yaml.")
    var spec: String

    @Option(name: .long, help: "Local worker processes to start.")
    var workers: Int = 2

    @Option(name: .long, help: "Output folder (default: runs/<sweep name>/).")
    var out: String?

    @Option(name: .long, help: "BLAS threads per worker.")
    var threads: Int = 1

    @Flag(name: .customLong("retry-failed"), help: "Run the failed trials of this sweep's folder again.")
    var retryFailed = false

    @OptionGroup(title: "Slurm") var slurm: SlurmFlags

    @OptionGroup var dashboard: ServeFlags

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let sweep = try loadSpec(spec)
        let dir = try outputFolder(out, spec: sweep)
        let logger = Logs.logger("lrsweep.coordinator", level: .warning)
        var session = SweepSession(spec: sweep, outDir: dir, bind: "tcp://127.0.0.1:*", logger: logger,
                                   serve: dashboard, retryFailed: retryFailed)
        if slurm.slurm {
            let job = SlurmJob(flags: slurm, sweepName: sweep.name, folder: dir)
            session = SweepSession(spec: sweep, outDir: dir, bind: "tcp://0.0.0.0:\(slurm.port.map(String.init) ?? "*")",
                                   keys: try job.prepareKeys(), logger: logger, serve: dashboard,
                                   retryFailed: retryFailed, slurm: job)
        }
        let outcome = try session.run(localWorkers: slurm.slurm ? 0 : workers, threads: threads)
        print(outcome.report)
        print("Results: \(dir)/results.sqlite · report: \(dir)/report.md")
        if outcome.interrupted { throw ExitCode(130) }
    }
}
