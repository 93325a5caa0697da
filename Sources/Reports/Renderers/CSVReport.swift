import Foundation
import SweepKit

/// CSV for further analysis (RFC 4180: comma-separated, fields with commas, quotes or newlines quoted,
/// quotes doubled): `results.csv` with one row per trial and `aggregates.csv` with one row per configuration.
///
/// Missing values are empty fields; non-finite values are written as `nan` / `inf`, which pandas and R read.
public enum CSVReport {
    /// The leading parameter columns, in this order when present; other swept keys follow alphabetically.
    static let leadingParameters = ["dataset", "model", "optimizer", "lr", "seed"]

    /// One row per trial: id, status, attempts, seconds, every parameter, every final metric, reason, and
    /// `stopped_step` (where early stopping stopped a pruned trial; empty otherwise). The new column comes
    /// last so scripts that read columns by position keep working.
    public static func trials(_ report: Report) -> String {
        let keys = Set(report.trials.flatMap(\.parameters.sortedKeys))
        let params = leadingParameters.filter(keys.contains) + keys.subtracting(leadingParameters).sorted()
        let metrics = Set(report.trials.flatMap(\.metrics.keys)).sorted()
        var rows = [["id", "status", "attempts", "seconds"] + params + metrics + ["reason", "stopped_step"]]
        for t in report.trials {
            rows.append([t.id, t.status.rawValue, String(t.attempts), t.seconds.map(number) ?? ""]
                + params.map { t.parameters[$0]?.description ?? "" }
                + metrics.map { t.metrics[$0].map(number) ?? "" }
                + [t.reason ?? "", t.stoppedStep.map(String.init) ?? ""])
        }
        return encode(rows)
    }

    /// One row per configuration (aggregate) with its statistics over seeds; the pruned, cancelled,
    /// stopped-step and tuned-axes columns come last.
    public static func aggregates(_ report: Report) -> String {
        var rows = [["dataset", "model", "optimizer", "variant", "lr", "metric", "seeds", "n", "mean", "std",
                     "ci_low", "ci_high", "diverged", "failed", "pending", "val_accuracy", "pruned", "cancelled",
                     "stopped_step", "tuned"]]
        for a in report.aggregates {
            rows.append([a.dataset, a.model, a.optimizer, a.variant, number(a.lr), report.sweep.metric,
                         String(a.seeds), String(a.n), number(a.mean), number(a.std),
                         a.ciLow.map(number) ?? "", a.ciHigh.map(number) ?? "", String(a.diverged),
                         String(a.failed), String(a.pending), a.accuracy.map(number) ?? "", String(a.pruned),
                         String(a.cancelled), a.stoppedStep.map(String.init) ?? "", a.tuned])
        }
        return encode(rows)
    }

    /// A number in Swift's shortest round-trip form, `nan`, `inf` or `-inf`.
    static func number(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return "\(x)"
    }

    /// Joins rows into CSV text, quoting where RFC 4180 requires it; lines end with `\n`.
    static func encode(_ rows: [[String]]) -> String {
        rows.map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
