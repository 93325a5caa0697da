import Foundation
import SweepKit

/// The machine-readable report (`results.json`, `report --format json`): the `Report` encoded as JSON.
///
/// Non-finite numbers (the NaN mean of a configuration whose every seed diverged, an infinite gap) are
/// written as the strings `"nan"`, `"inf"` and `"-inf"`, the same convention the results store uses,
/// since JSON has no literal for them. `decode(_:)` reads them back.
public enum JSONReport {
    /// The document type: decoding `results.json` gives a `Report`.
    public typealias Document = Report

    public static func document(_ data: ReportData) -> Report { Report(data) }

    public static func render(_ data: ReportData) throws -> String { try render(Report(data)) }

    public static func render(_ report: Report) throws -> String {
        String(decoding: try JSONCoding.encoder(pretty: true).encode(report), as: UTF8.self)
    }

    /// Reads a report back from its JSON.
    /// - Throws: `DecodingError` if the text is not a report.
    public static func decode(_ json: String) throws -> Report {
        try JSONCoding.decoder().decode(Report.self, from: Data(json.utf8))
    }
}
