import Foundation

/// Writes every report format of a sweep into its output folder.
public enum ReportWriter {
    /// The files `writeAll` writes, relative to the output folder.
    public static let files = ["report.md", "report.html", "results.csv", "aggregates.csv", "results.json"]

    /// Writes `report.md`, `report.html`, `results.csv` (one row per trial), `aggregates.csv` (one row per
    /// configuration) and `results.json` into `dir`, computing the report once.
    /// - Returns: the Markdown report, which `run` and `coordinator` print.
    /// - Throws: file-system errors, and encoding errors from the JSON encoder.
    @discardableResult
    public static func writeAll(_ data: ReportData, to dir: String) throws -> String {
        let report = Report(data)
        let markdown = MarkdownReport.render(report)
        try write(markdown, dir, "report.md")
        try write(HTMLReport.render(report), dir, "report.html")
        try write(CSVReport.trials(report), dir, "results.csv")
        try write(CSVReport.aggregates(report), dir, "aggregates.csv")
        try write(try JSONReport.render(report), dir, "results.json")
        return markdown
    }

    static func write(_ text: String, _ dir: String, _ name: String) throws {
        try text.write(toFile: (dir as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
}
