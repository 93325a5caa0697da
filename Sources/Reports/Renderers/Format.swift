import Foundation

/// Number formatting shared by the renderers, so every format shows the same digits.
enum Format {
    /// A metric value with 4 decimals; `–` when not finite (no finished seed).
    static func value(_ x: Double, digits: Int = 4) -> String {
        x.isFinite ? String(format: "%.\(digits)f", x) : (x == .infinity ? "∞" : "–")
    }

    /// An optional value; `–` when absent.
    static func value(_ x: Double?, digits: Int = 4) -> String {
        x.map { value($0, digits: digits) } ?? "–"
    }

    /// A learning rate in the shortest form (`0.1`, `0.001`, `1e-05`).
    static func lr(_ x: Double) -> String {
        x.isFinite ? String(format: "%g", x) : "–"
    }

    /// `mean ± std`, or `–` when there is no finished seed.
    static func meanStd(_ mean: Double, _ std: Double, n: Int) -> String {
        guard n > 0, mean.isFinite else { return "–" }
        return n > 1 ? "\(value(mean)) ± \(value(std))" : value(mean)
    }

    /// A 95 % confidence interval `[lo, hi]`, or why there is none.
    static func interval(_ lo: Double?, _ hi: Double?) -> String {
        guard let lo, let hi else { return "n < 2" }
        return "[\(value(lo)), \(value(hi))]"
    }

    /// A p-value with 3 decimals, `< 0.001` below that.
    static func p(_ p: Double) -> String {
        p < 0.001 ? "< 0.001" : String(format: "%.3f", p)
    }

    /// Seconds as `12.3 s` or `4 min 05 s`.
    static func seconds(_ s: Double?) -> String {
        guard let s, s.isFinite else { return "–" }
        if s < 60 { return String(format: "%.1f s", s) }
        return String(format: "%d min %02d s", Int(s) / 60, Int(s) % 60)
    }

    /// The mark a ranking entry carries next to its name: ≈ not significantly different from the winner,
    /// ? untested, nothing for the winner and for significantly worse entries.
    static func mark(_ s: Significance) -> String {
        switch s {
        case .winner: return "winner"
        case .notSignificant: return "≈"
        case .worse: return ""
        case .untested: return "?"
        }
    }

    /// The ranked table of a cell, shared by the Markdown and HTML reports: header, right-aligned (numeric)
    /// columns and rows. The `val_accuracy` column appears only when some entry has an accuracy (it is left
    /// out when the ranking metric is itself the accuracy).
    static func rankingColumns(_ cell: RankedCell, metric: String)
        -> (header: [String], numeric: Set<Int>, rows: [[String]]) {
        let accuracy = cell.entries.contains { $0.aggregate.accuracy != nil }
        var header = ["#", "optimizer", "best lr", "\(metric) mean ± sd", "95 % CI", "seeds"]
        if accuracy { header.append("val_accuracy") }
        header.append("vs winner")
        let rows = cell.entries.map { e in
            let a = e.aggregate
            var row = ["\(e.rank)", a.markedLabel, Format.lr(a.lr), Format.meanStd(a.mean, a.std, n: a.n),
                       Format.interval(a.ciLow, a.ciHigh), MarkdownReport.seeds(a)]
            if accuracy { row.append(Format.value(a.accuracy)) }
            row.append(Format.comparison(e))
            return row
        }
        return (header, Set(0..<(header.count - 1)).subtracting([1]), rows)
    }

    /// The LR-sensitivity table, shared by the Markdown and HTML reports; a `pruned` column (configurations
    /// of that optimizer stopped early, left out of best, worst and gap) appears when early stopping pruned any.
    static func sensitivityColumns(_ report: Report) -> (header: [String], numeric: Set<Int>, rows: [[String]]) {
        let anyPruned = report.aggregates.contains(where: \.isPruned)
        var header = ["dataset · model", "optimizer", "best lr", "best", "worst lr", "worst", "gap",
                      "robustness (median gap)"]
        if anyPruned { header.append("pruned") }
        let rows = report.sensitivity.map { s in
            var row = ["\(s.dataset) · \(s.model)", s.optimizer, Format.lr(s.bestLR), Format.value(s.best),
                       Format.lr(s.worstLR), s.worst.isFinite ? Format.value(s.worst) : "diverged",
                       Format.value(s.gap), Format.value(s.robustness)]
            if anyPruned {
                let pruned = report.aggregates.filter {
                    $0.dataset == s.dataset && $0.model == s.model && $0.label == s.optimizer && $0.isPruned
                }
                row.append("\(pruned.count)")
            }
            return row
        }
        return (header, Set(2..<header.count), rows)
    }

    /// How many decisions each format lists (results.json has them all).
    static let decisionLimit = (markdown: 20, html: 200)

    /// `promoted` or `stopped`, with the decision's own words.
    static func decision(_ d: Report.Decision) -> String {
        (d.promoted ? "promoted" : "stopped") + (d.detail.isEmpty ? "" : " — \(d.detail)")
    }

    /// The comparison column: `winner`, or `≈ p = 0.21`, `p < 0.001`, `? (n < 2)`.
    static func comparison(_ e: RankEntry) -> String {
        switch e.significance {
        case .winner: return "winner"
        case .untested: return "? (n < 2)"
        case .notSignificant, .worse:
            let p = e.welch.map { Format.p($0.p) } ?? "–"
            let text = p.hasPrefix("<") ? "p \(p)" : "p = \(p)"
            return e.significance == .notSignificant ? "≈ \(text)" : text
        }
    }
}

/// A Markdown table whose columns are padded to equal width, so it reads well in a terminal too.
struct MarkdownTable {
    enum Alignment { case left, right }
    var header: [String]
    var alignment: [Alignment]
    var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        header = columns.map(\.0)
        alignment = columns.map(\.1)
    }

    mutating func add(_ row: [String]) {
        precondition(row.count == header.count, "a table row needs one cell per column")
        rows.append(row.map { $0.replacingOccurrences(of: "|", with: "\\|") })
    }

    func render() -> String {
        let widths = header.indices.map { i in max(3, ([header] + rows).map { $0[i].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return alignment[i] == .right ? pad + c : c + pad
            }.joined(separator: " | ") + " |\n"
        }
        let rule = "|" + widths.enumerated().map { i, w in
            let dashes = String(repeating: "-", count: w)
            return alignment[i] == .right ? " " + dashes.dropLast() + ": " : " " + dashes + " "
        }.joined(separator: "|") + "|\n"
        return line(header) + rule + rows.map(line).joined()
    }
}
