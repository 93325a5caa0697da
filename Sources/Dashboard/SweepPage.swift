import Foundation
import Reports
import SweepKit

/// The page of one sweep and its live sections (each also served alone, as a fragment, for updates).
struct SweepPage {
    let folder: SweepFolder
    let summary: SweepSummary
    let query: TrialQuery

    var base: String { "/s/\(QueryItems.encode(folder.key))" }

    /// Statuses in the order the progress bar shows them.
    static let order: [TrialStatus] = [.done, .running, .pending, .failed, .diverged, .pruned, .cancelled]

    func render(ranking: String?) throws -> String {
        let q = query.link()
        var body = "<h1>Sweep <code>\(HTML.escape(summary.name))</code></h1>\n"
        body += "<p class=\"note\">\(HTML.escape(folder.dir)) · ranked by <b>\(HTML.escape(summary.metric))</b> "
        body += "(\(summary.goal == .minimize ? "lower" : "higher") is better)</p>\n"
        body += section("progress", on: "store status", src: "progress", html: progress())
        body += section("workers", on: "status", src: "workers", html: workers())
        body += section("trials", on: "store", src: "trials" + q, html: try trials())
        if query.trial != nil {
            body += section("trial", on: "store", src: "trial" + q, html: try trial())
        }
        // The ranking is the costly part (every curve): computed in the background and spaced out.
        let placeholder = "<h2>Ranking and charts</h2><p class=\"note\">computing…</p>"
        body += "<section id=\"ranking\" data-on=\"store\" data-min-interval=\"2000\" "
        body += "data-src=\"\(base)/fragment/ranking\""
        body += ranking == nil ? " data-load=\"now\">\(placeholder)" : ">\(ranking ?? "")"
        body += "</section>\n"
        return HTML.page(title: "lrsweep · \(summary.name)", body: body, events: "\(base)/events")
    }

    func section(_ id: String, on: String, src: String, html: String) -> String {
        "<section id=\"\(id)\" data-on=\"\(on)\" data-src=\"\(HTML.escape("\(base)/fragment/\(src)"))\">\n"
            + html + "</section>\n"
    }

    /// Counts by status as a bar and a line of numbers, throughput and ETA.
    func progress(now: Double = Date().timeIntervalSince1970) -> String {
        let status = folder.status()
        let total = max(summary.total, summary.counts.values.reduce(0, +))
        var out = "<h2>Progress</h2>\n<div class=\"bar\" role=\"img\" aria-label=\"progress\">"
        for s in Self.order {
            let n = summary.counts[s] ?? 0
            guard n > 0, total > 0 else { continue }
            let width = String(format: "%.3f", 100 * Double(n) / Double(total))
            out += "<span class=\"s-\(s.rawValue)\" style=\"width:\(width)%\""
            out += " title=\"\(s.rawValue) \(n)\"></span>"
        }
        out += "</div>\n<p class=\"key\" id=\"counts\">"
        out += Self.order.map { s in
            "<span class=\"s-\(s.rawValue)\"></span>\(s.rawValue) "
                + "<b data-count=\"\(s.rawValue)\">\(summary.counts[s] ?? 0)</b>"
        }.joined(separator: " ")
        out += " · total <b>\(total)</b></p>\n"
        let ended = summary.ended
        let recentRate = Double(summary.recentlyEnded) / SweepSummary.recentWindow * 60
        var overall: Double?
        if let a = summary.firstStart, let b = summary.lastEnd, b > a, ended > 0 {
            overall = Double(ended) / (b - a) * 60
        }
        let live = status?.isLive == true
        let remaining = total - ended
        var eta: Double? = live ? status?.etaSeconds : nil
        if eta == nil, live, recentRate > 0 { eta = Double(remaining) / recentRate * 60 }
        let state: String
        if summary.finished != nil && remaining == 0 { state = "finished" }
        else if live {
            state = status?.paused == true ? "running (paused)" : status?.stopping == true ? "stopping" : "running"
        }
        else { state = "not running" }
        out += "<p>State: <b id=\"state\">\(state)</b> · throughput \(HTML.number(recentRate)) trials/min "
        out += "over the last "
        out += "5 min (\(HTML.number(overall)) overall) · ETA \(remaining == 0 ? "done" : HTML.duration(eta))"
        out += " · started \(HTML.time(summary.started))"
        if let f = summary.finished { out += " · finished \(HTML.time(f))" }
        if live, let reason = status?.waitingReason { out += "<br>Waiting: \(HTML.escape(reason))" }
        return out + "</p>\n"
    }

    func workers() -> String {
        var out = "<h2>Workers</h2>\n"
        guard let status = folder.status(), status.isLive else {
            return out + "<p class=\"note\">No coordinator is running for this sweep (no fresh status.json).</p>\n"
        }
        guard !status.workers.isEmpty else { return out + "<p class=\"note\">No worker connected.</p>\n" }
        out += HTML.table(["worker", "host", "slots", "last heard", "trials"], rows: status.workers.map { w in
            let trials = w.trials.map {
                "<a href=\"\(HTML.escape(base + query.link(["trial": $0])))\">\(HTML.escape($0))</a>"
            }
            return "<tr><td>\(HTML.escape(w.id))</td><td>\(HTML.escape(w.host))</td><td class=\"num\">\(w.slots)</td>"
                + "<td class=\"num\">\(String(format: "%.1f", w.lastHeardSecondsAgo)) s ago</td>"
                + "<td>\(trials.joined(separator: " "))</td></tr>"
        })
        return out
    }

    /// The filter form, the table page and the pager.
    func trials() throws -> String {
        let (rows, matching) = try folder.trials(query, metric: summary.metric)
        var out = "<h2>Trials</h2>\n<form class=\"filters\" method=\"get\" action=\"\(HTML.escape(base))\">"
        func select(_ name: String, _ values: [String], _ current: String?) -> String {
            "<label>\(name)<select name=\"\(name)\"><option value=\"\">all</option>"
                + values.map { v in
                    "<option value=\"\(HTML.escape(v))\"\(v == current ? " selected" : "")>\(HTML.escape(v))</option>"
                }.joined() + "</select></label>"
        }
        func field(_ name: String, _ label: String, _ value: Double?) -> String {
            let text = value.map { "\($0)" } ?? ""
            return "<label>\(HTML.escape(label))<input name=\"\(name)\" size=\"8\" value=\"\(text)\"></label>"
        }
        out += select("status", TrialStatus.allCases.map(\.rawValue), query.status?.rawValue)
        out += select("optimizer", summary.optimizers, query.optimizer)
        out += field("lr", "lr", query.lr)
        out += field("metric_min", "\(summary.metric) ≥", query.metricMin)
        out += field("metric_max", "\(summary.metric) ≤", query.metricMax)
        if query.sort != .index { out += "<input type=\"hidden\" name=\"sort\" value=\"\(query.sort.rawValue)\">" }
        if query.descending { out += "<input type=\"hidden\" name=\"dir\" value=\"desc\">" }
        out += "<button>filter</button> <a href=\"\(HTML.escape(base))\">clear</a></form>\n"
        func header(_ title: String, _ sort: TrialQuery.Sort?) -> String {
            guard let sort else { return "<th>\(HTML.escape(title))</th>" }
            let active = query.sort == sort
            let dir = active && !query.descending ? "desc" : "asc"
            let arrow = active ? (query.descending ? " ▼" : " ▲") : ""
            let href = base + query.link(["sort": sort.rawValue, "dir": dir, "page": nil])
            return "<th><a href=\"\(HTML.escape(href))\">\(HTML.escape(title))\(arrow)</a></th>"
        }
        out += "<table class=\"trials\"><thead><tr>" + header("#", .index) + header("trial", nil)
            + header("optimizer", .optimizer) + header("lr", .lr) + header("parameters", nil)
            + header("status", .status) + header(summary.metric, .metric) + header("seconds", .seconds)
            + header("worker", nil) + "</tr></thead>\n<tbody>\n"
        for r in rows {
            let others = r.parameters.sortedKeys.filter { !["optimizer", "lr"].contains($0) }
                .map { "\($0)=\(r.parameters[$0]?.description ?? "")" }.joined(separator: " ")
            let href = base + query.link(["trial": r.id])
            out += "<tr data-trial=\"\(HTML.escape(r.id))\" data-status=\"\(r.status.rawValue)\""
            out += query.trial == r.id ? " class=\"selected\">" : ">"
            out += "<td class=\"num\">\(r.index)</td>"
            out += "<td><a href=\"\(HTML.escape(href))\"><code>\(HTML.escape(r.id))</code></a></td>"
            out += "<td>\(HTML.escape(r.parameters.optimizer ?? "—"))</td>"
            out += "<td class=\"num\">\(HTML.number(r.parameters.lr))</td>"
            out += "<td>\(HTML.escape(others))</td><td class=\"status\">\(r.status.rawValue)"
            out += r.attempts > 1 ? " (attempt \(r.attempts))</td>" : "</td>"
            out += "<td class=\"num\">\(HTML.number(r.metrics[summary.metric]))</td>"
            out += "<td class=\"num\">\(HTML.number(r.seconds))</td><td>\(HTML.escape(r.worker ?? ""))</td></tr>\n"
        }
        out += "</tbody></table>\n"
        let pages = max(1, (matching + TrialQuery.pageSize - 1) / TrialQuery.pageSize)
        out += "<p class=\"pager\">"
        if query.page > 1 {
            out += "<a href=\"\(HTML.escape(base + query.link(["page": String(query.page - 1)])))\">← previous</a>"
        }
        out += "<span>page \(query.page) of \(pages) · \(matching) trial\(matching == 1 ? "" : "s") match</span>"
        if query.page < pages {
            out += "<a href=\"\(HTML.escape(base + query.link(["page": String(query.page + 1)])))\">next →</a>"
        }
        return out + "</p>\n"
    }

    /// The selected trial: parameters, status, one chart per curve, and its log's tail.
    func trial() throws -> String {
        guard let id = query.trial else { return "" }
        guard let t = try folder.trial(id) else {
            return "<h2>Trial <code>\(HTML.escape(id))</code></h2><p class=\"note\">No such trial in this sweep.</p>\n"
        }
        let r = t.row
        var out = "<h2>Trial <code>\(HTML.escape(r.id))</code> · "
        out += "<span data-trial-status>\(r.status.rawValue)</span></h2>\n"
        out += "<p><code>\(HTML.escape(r.parameters.description))</code> · attempt \(r.attempts)"
        if let s = r.seconds { out += " · \(HTML.number(s)) s" }
        if let w = r.worker { out += " · worker \(HTML.escape(w))" }
        if let reason = r.reason { out += "<br>\(HTML.escape(reason))" }
        out += "</p>\n"
        if !r.metrics.isEmpty {
            out += "<p>" + r.metrics.keys.sorted().map { "\(HTML.escape($0)) = \(HTML.number(r.metrics[$0]))" }
                .joined(separator: " · ") + "</p>\n"
        }
        if t.curves.isEmpty {
            out += "<p class=\"note\">No curve points yet.</p>\n"
        } else {
            out += "<div class=\"charts\">\n"
            for (i, c) in t.curves.prefix(12).enumerated() {
                let chart = LineChart(title: c.name, xLabel: "step", yLabel: c.name,
                                      series: [.init(name: c.name, color: i, x: c.steps, y: c.values)])
                out += "<figure>\(chart.render())</figure>\n"
            }
            out += "</div>\n"
        }
        if let lines = folder.logTail(trial: r.id) {
            out += "<h3>Log (last \(lines.count) lines)</h3>\n<pre class=\"log\">"
            out += lines.map(HTML.escape).joined(separator: "\n") + "</pre>\n"
        }
        return out
    }
}
