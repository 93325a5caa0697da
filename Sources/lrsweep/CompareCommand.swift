import ArgumentParser
import Foundation
import Reports

struct CompareCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case md, html, json, latex
    }

    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "One report over several sweeps that rank by the same metric.",
        discussion: """
            Cells are matched by dataset × model; an optimizer name used by more than one sweep is labelled \
            with its sweep (`adam [sweep-a]`). The report ranks, tests and summarises the sweeps' \
            configurations together: rankings per cell, tuning budget, all-tasks summary, divergence. \
            The sweeps must rank by the same metric with the same goal (--metric NAME re-ranks them all).

            Examples:
              lrsweep compare runs/rl-schedule runs/rl-schedule-step-50-0.88
              lrsweep compare runs/a runs/b --format html --out compare.html
              lrsweep compare runs/a runs/b --format latex --out tables.tex
            """)

    @Argument(help: "Two or more sweep output folders (each holding results.sqlite).")
    var dirs: [String]

    @Option(name: .long, help: "Output format.")
    var format: Format = .md

    @Option(name: .long, help: "Rank every sweep by this metric instead of their own.")
    var metric: String?

    @Option(name: .long, help: "Write to this file instead of standard output.")
    var out: String?

    func validate() throws {
        if dirs.count < 2 { throw ValidationError("compare needs at least two sweep folders (got \(dirs.count))") }
    }

    func run() throws {
        let report: Report
        do {
            let sweeps = try dirs.map { dir in
                (dir: dir, data: try ReportData.load(path: "\(dir)/results.sqlite", metric: metric))
            }
            report = Report(try Comparison.merge(sweeps))
        } catch let error as ReportError {
            throw UserError(error.message)
        }
        let text: String
        switch format {
        case .md: text = MarkdownReport.render(report)
        case .html: text = HTMLReport.render(report)
        case .json: text = try JSONReport.render(report)
        case .latex: text = LaTeXReport.render(report)
        }
        if let out {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } else {
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        }
    }
}
