import ArgumentParser
import Foundation
import Reports

struct ReproductionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproductions",
        abstract: "Write docs/reproductions.md: the seed papers' claims checked on runs' results.json.",
        discussion: """
            DIR holds one folder per run, as scripts/reproductions.sh (`make reproductions`) writes them: \
            hypergradient, autodrop, salr, rl-schedule and the step-decay cells rl-schedule-step-*. Every table \
            and verdict is computed from their results.json.

            Example:
              lrsweep reproductions runs/reproductions --out docs/reproductions.md
            """)

    @Argument(help: "The folder holding the runs' output folders.")
    var dir: String

    @Option(name: .long, help: "Write to this file instead of standard output.")
    var out: String?

    @Option(name: .long, help: "The command to name in the file's header.")
    var command = "make reproductions"

    func run() throws {
        let runs: [String: Report]
        do {
            runs = try Reproductions.load(dir)
        } catch let error as ReportError {
            throw UserError(error.message)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let text = Reproductions.render(runs, command: command, date: formatter.string(from: Date()))
        if let out {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } else {
            print(text, terminator: "")
        }
    }
}
