import ArgumentParser
import Foundation
import Reports

/// Report formats.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case md, html, csv, json, latex
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rank the optimizers of a finished (or running) sweep, from DIR/results.sqlite alone.",
        discussion: """
            Formats: md (terminal-friendly tables), html (one self-contained file with inline SVG charts), \
            csv (one row per trial), json (sweep, trials with curves, aggregates, ranking, sensitivity, \
            time to target, tuning budget, all-tasks summary, divergence), latex (booktabs tables for a paper: \
            one per dataset × model and the all-tasks table; compiles with pdflatex). At the end of a sweep, run and coordinator write all of them into DIR \
            (report.md, report.html, results.csv, aggregates.csv, results.json).

            Examples:
              lrsweep report runs/quickstart
              lrsweep report runs/quickstart --format html --out /tmp/quickstart.html
              lrsweep report runs/quickstart --metric val_accuracy --format csv
              lrsweep report runs/quickstart --format latex --out tables.tex && pdflatex tables.tex
            """)

    @Argument(help: "The sweep's output folder (holding results.sqlite).")
    var dir: String

    @Option(name: .long, help: "Output format (csv: one row per trial).")
    var format: ReportFormat = .md

    @Option(name: .long, help: "Rank by this metric instead of the sweep's (e.g. val_accuracy, test_loss).")
    var metric: String?

    @Option(name: .long, help: "Write to this file instead of standard output.")
    var out: String?

    func run() throws {
        let data: ReportData
        do {
            data = try ReportData.load(path: "\(dir)/results.sqlite", metric: metric)
        } catch let error as ReportError {
            throw UserError(error.message)
        }
        let report = Report(data)
        let text: String
        switch format {
        case .md: text = MarkdownReport.render(report)
        case .html: text = HTMLReport.render(report)
        case .csv: text = CSVReport.trials(report)
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
