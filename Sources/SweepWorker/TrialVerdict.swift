import SweepKit

/// Turns how an external trainer ended into a trial status and a reason a user can act on.
///
/// - lrsweep ended it (timeout, worker stopping) → `failed`, the reason starting with `timeout` or
///   `stopped`.
/// - non-zero exit or a signal → `failed`, with the last lines of its stderr.
/// - exit 0 without the sweep's metric in the final metrics → `failed` ("no metric reported"): a
///   trainer that forgot to report must never pass for a success.
/// - exit 0 with the metric NaN or infinite → `diverged`.
/// - exit 0 with a finite metric → `done`.
enum TrialVerdict {
    /// Lines of stderr quoted in a reason.
    static let quotedLines = 10

    static func judge(_ outcome: SupervisionOutcome, metric: String,
                      logPath: String) -> (status: TrialStatus, reason: String?) {
        let metrics = outcome.report.finalMetrics
        let seeLog = "log: \(logPath)"
        switch outcome.termination {
        case .timeout(let seconds):
            return (.failed, "timeout: still running after \(formatSeconds(seconds)) (the trainer's `timeout`), "
                    + "so its process group was ended; \(seeLog)\(stderrSuffix(outcome.stderrTail))")
        case .stopped:
            return (.failed, "stopped: the worker is shutting down; \(seeLog)")
        case nil:
            break
        }
        guard outcome.exit == .exited(0) else {
            return (.failed, "trainer \(outcome.exit); \(seeLog)\(stderrSuffix(outcome.stderrTail))")
        }
        guard let value = metrics[metric] else {
            let example = "print e.g. {\"final\": true, \"\(metric)\": 0.41} on stdout"
            if outcome.report.metricLines == 0 {
                return (.failed, "no metric reported: the trainer exited 0 without printing a JSON line on stdout; "
                        + "\(example); \(seeLog)")
            }
            let reported = metrics.isEmpty ? "nothing" : metrics.keys.sorted().joined(separator: ", ")
            return (.failed, "no metric reported: the trainer exited 0 but its final JSON line has no '\(metric)' "
                    + "(it has \(reported)); \(example); \(seeLog)")
        }
        guard value.isFinite else {
            return (.diverged, "\(metric) is \(value) in the trainer's final metrics")
        }
        return (.done, nil)
    }

    /// The last lines of stderr as a block after the reason's first line.
    static func stderrSuffix(_ tail: [String]) -> String {
        let quoted = tail.suffix(quotedLines)
        if quoted.isEmpty { return " (nothing on stderr)" }
        return "\nlast lines of stderr:\n" + quoted.joined(separator: "\n")
    }

    static func formatSeconds(_ s: Double) -> String {
        s.rounded() == s ? "\(Int(s)) s" : "\(s) s"
    }
}
