import Foundation

/// Writes every report format of a sweep into its output folder.
public enum ReportWriter {
    /// Writes `report.md` and `results.json` into `dir`.
    /// - Returns: the Markdown report, which `run` and `coordinator` print.
    @discardableResult
    public static func writeAll(_ data: ReportData, to dir: String) throws -> String {
        let markdown = MarkdownReport.render(data)
        try markdown.write(toFile: "\(dir)/report.md", atomically: true, encoding: .utf8)
        try JSONReport.render(data).write(toFile: "\(dir)/results.json", atomically: true, encoding: .utf8)
        return markdown
    }
}
