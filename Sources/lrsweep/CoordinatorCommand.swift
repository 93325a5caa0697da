import ArgumentParser
import Foundation
import Wire

struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Serve a sweep's trials to workers on other machines; resume if --out holds this sweep.",
        discussion: """
            Example (on the head node):
              lrsweep coordinator sweeps/hypergradient.yaml --bind tcp://0.0.0.0:5555
            then on each compute node:
              lrsweep worker --connect tcp://HEAD:5555
            Exits 0 once every trial has ended and the report is written.
            """)

    @Argument(help: "The sweep spec (YAML).")
    var spec: String

    @Option(name: .long, help: "ZeroMQ endpoint to bind, e.g. tcp://0.0.0.0:5555.")
    var bind: String = "tcp://0.0.0.0:5555"

    @Option(name: .long, help: "Output folder (default: runs/<sweep name>/).")
    var out: String?

    @Option(name: .long, help: "Folder of CURVE keys (lrsweep keys generate DIR).")
    var keys: String?

    @Flag(name: .customLong("retry-failed"), help: "Run the failed trials of this sweep's folder again.")
    var retryFailed = false

    @OptionGroup var dashboard: ServeFlags

    func run() throws {
        let sweep = try loadSpec(spec)
        let dir = try outputFolder(out, spec: sweep)
        if keys == nil && !bind.contains("127.0.0.1") && !bind.hasPrefix("ipc://") && !bind.hasPrefix("inproc://") {
            let warning = "warning: \(bind) is reachable from the network and anyone who reaches it can take "
                + "trials; protect it with `lrsweep keys generate KEYS` and --keys KEYS\n"
            FileHandle.standardError.write(Data(warning.utf8))
        }
        let logger = Logs.logger("lrsweep.coordinator", level: .info)
        let outcome = try SweepSession(spec: sweep, outDir: dir, bind: bind, keys: keys.map(KeyFolder.init), logger: logger,
                                  serve: dashboard, retryFailed: retryFailed)
            .run(localWorkers: 0, threads: 1)
        print(outcome.report)
        print("Results: \(dir)/results.sqlite · report: \(dir)/report.md")
    }
}
