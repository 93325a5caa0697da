import Foundation
import Reports
import SweepKit

/// The list of served sweeps, and the comparison of several in one ranking.
enum IndexPages {
    static func list(_ folders: [SweepFolder]) throws -> String {
        var rows: [String] = []
        for f in folders {
            let href = "/s/\(QueryItems.encode(f.key))"
            let check = "<td><input type=\"checkbox\" name=\"s\" value=\"\(HTML.escape(f.key))\"></td>"
            guard let s = try f.summary() else {
                rows.append("<tr>\(check)<td><a href=\"\(HTML.escape(href))\">\(HTML.escape(f.key))</a></td>"
                    + "<td colspan=\"4\" class=\"note\">no results yet (\(HTML.escape(f.dir)))</td></tr>")
                continue
            }
            let live = f.status()?.isLive == true
            let state = s.finished != nil && s.ended == s.total ? "finished" : live ? "running" : "not running"
            rows.append("<tr data-sweep=\"\(HTML.escape(f.key))\">\(check)<td><a href=\"\(HTML.escape(href))\">"
                + "\(HTML.escape(s.name))</a></td><td>\(HTML.escape(s.metric))</td>"
                + "<td class=\"num\">\(s.ended) / \(s.total)</td><td>\(state)</td>"
                + "<td>\(HTML.time(s.started))</td></tr>")
        }
        var body = "<h1>Sweeps</h1>\n<form method=\"get\" action=\"/compare\">\n"
        body += HTML.table(["", "sweep", "metric", "ended / trials", "state", "started"], rows: rows)
        body += "<button>compare the checked sweeps</button></form>\n"
        return HTML.page(title: "lrsweep dashboard", body: body)
    }

    /// Two or more sweeps as one: every trial keeps its parameters plus `sweep=NAME`, so each optimizer of
    /// each sweep is its own entry of one ranking per dataset × model (e.g. rl-schedule against step decay).
    static func compare(_ folders: [SweepFolder]) throws -> String {
        var datas: [ReportData] = []
        for f in folders {
            guard FileManager.default.fileExists(atPath: f.storePath) else {
                throw BadRequest("\(f.key) has no results yet")
            }
            datas.append(try ReportData.load(path: f.storePath))
        }
        let merged = merge(datas)
        let report = Report(merged)
        var body = "<h1>Comparison</h1>\n"
        // The sweeps side by side: how far each has got.
        var rows: [String] = []
        for (f, d) in zip(folders, datas) {
            let counts = SweepPage.order.map { s in d.trials.filter { $0.status == s }.count }
            rows.append("<tr><td><a href=\"/s/\(HTML.escape(QueryItems.encode(f.key)))\"><code>"
                + "\(HTML.escape(d.sweepName))</code></a></td><td>\(HTML.escape(d.metric))</td>"
                + "<td class=\"num\">\(d.trials.count)</td>"
                + counts.map { "<td class=\"num\">\($0)</td>" }.joined() + "</tr>")
        }
        body += HTML.table(["sweep", "metric", "trials"] + SweepPage.order.map(\.rawValue), rows: rows)
        body += "<p class=\"note\">One ranking per dataset × model by <b>\(HTML.escape(merged.metric))</b> "
        body += "(\(merged.goal == .minimize ? "lower" : "higher") is better); each entry is an optimizer of one "
        body += "sweep (<code>sweep=NAME</code>) at its best initial LR.</p>\n"
        let metrics = Set(datas.map(\.metric))
        if metrics.count > 1 {
            let names = HTML.escape(metrics.sorted().joined(separator: ", "))
            body += "<p class=\"note\">The sweeps rank by different metrics (\(names)); "
            body += "this page uses the first one's.</p>\n"
        }
        body += HTMLReport.cellSections(report)
        return HTML.page(title: "lrsweep · comparison", body: body)
    }

    static func merge(_ datas: [ReportData]) -> ReportData {
        var trials: [TrialRecord] = []
        var curves: [String: [String: [CurvePoint]]] = [:]
        var decisions: [Report.Decision] = []
        for (i, d) in datas.enumerated() {
            for t in d.trials {
                var copy = t
                copy.id = "\(i)/\(t.id)"
                copy.index = trials.count
                copy.parameters["sweep"] = .string(d.sweepName)
                trials.append(copy)
                if let c = d.curves[t.id] { curves[copy.id] = c }
            }
            decisions += d.decisions
        }
        let first = datas[0]
        return ReportData(sweepName: datas.map(\.sweepName).joined(separator: " vs "), metric: first.metric,
                          goal: first.goal, trials: trials, curves: curves, decisions: decisions)
    }
}
