import Foundation
import SweepKit

/// What an external trainer has reported on stdout so far, read by the metrics protocol.
///
/// The protocol: every stdout line that is a JSON object is a metric point. Its numeric members
/// other than `step` become one ``MetricPoint`` each at that step (`{"step": 120, "val_loss": 0.41,
/// "lr": 0.003}` gives `val_loss` and `lr` at step 120). A line with `"final": true` holds the final
/// metrics; without one, the last object does. Non-finite values may be written as the bare tokens
/// `NaN`, `Infinity`, `-Infinity` (what Python's `json` prints) or as the strings `"nan"`, `"inf"`,
/// `"-inf"`. Any other line (text, garbage, a half-written object) is not a metric line and belongs in
/// the trial's log.
struct TrainerReport {
    /// Members of the last `"final": true` line, if one came.
    private(set) var finalLine: [String: Double]?
    /// Members of the last metric line, final or not.
    private(set) var lastLine: [String: Double]?
    /// Metric lines read so far.
    private(set) var metricLines = 0

    /// The final metrics: the `"final": true` line's, or else the last metric line's.
    var finalMetrics: [String: Double] { finalLine ?? lastLine ?? [:] }

    /// Reads one line of the trainer's stdout.
    ///
    /// - Returns: the line's metric points (possibly none) if it is a metric line; nil if it is not
    ///   and should go to the log.
    mutating func consume(_ line: String) -> [MetricPoint]? {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.first == "{", case .object(let members)? = JSONValue.parse(trimmed) else { return nil }
        var values: [String: Double] = [:]
        var step: Int?
        var isFinal = false
        for (key, value) in members {
            switch key {
            case "step":
                if case .number(let s) = value, s.isFinite, s.rounded() == s, abs(s) < 1e15 { step = Int(s) }
            case "final":
                if case .bool(let b) = value { isFinal = b }
            default:
                if let v = Self.number(value) { values[key] = v }
            }
        }
        // A line without a step takes its position among the metric lines, so a curve still has an x axis.
        let x = step ?? metricLines
        metricLines += 1
        lastLine = values
        if isFinal { finalLine = values }
        // A final line is a summary; it is also a point of the curves only if it says at which step.
        if isFinal && step == nil { return [] }
        return values.sorted { $0.key < $1.key }.map { MetricPoint(step: x, name: $0.key, value: $0.value) }
    }

    /// A member's value as a metric, if it is a number or a string spelling a non-finite one.
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let d):
            return d
        case .string(let s):
            switch s.lowercased() {
            case "nan", "-nan": return .nan
            case "inf", "+inf", "infinity", "+infinity": return .infinity
            case "-inf", "-infinity": return -.infinity
            default: return nil
            }
        default:
            return nil
        }
    }
}
