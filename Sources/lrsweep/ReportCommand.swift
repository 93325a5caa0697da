import ArgumentParser
import Foundation
import Reports

/// Report formats.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case md, json
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rank the optimizers of a finished (or running) sweep, from DIR/results.sqlite alone.",
        discussion: "Example: lrsweep report runs/quickstart --format md")

    @Argument(help: "The sweep's output folder (holding results.sqlite).")
    var dir: String

    @Option(name: .long, help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
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
        let text: String
        switch format {
        case .md: text = MarkdownReport.render(data)
        case .json: text = try JSONReport.render(data)
        }
        if let out {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } else {
            print(text)
        }
    }
}
