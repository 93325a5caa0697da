import Foundation
import Reports

/// Small helpers for the dashboard's hand-written HTML. Every string that comes from a sweep (names,
/// parameters, metric names, log lines, reasons) goes through ``escape(_:)``.
enum HTML {
    static func escape(_ s: String) -> String { SVGText.escape(s) }

    /// A number with 4 significant digits (`0.5123`, `1.2e-05`), `—` for none, `nan` / `inf` as such.
    static func number(_ x: Double?) -> String {
        guard let x else { return "—" }
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        return String(format: "%.4g", x)
    }

    /// `1h 02m`, `3m 20s`, `12s`.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "—" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh %02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm %02ds", s / 60, s % 60) }
        return "\(s)s"
    }

    /// A UTC time stamp (seconds since 1970).
    static func time(_ t: Double?) -> String {
        guard let t else { return "—" }
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        f.timeZone = TimeZone(identifier: "UTC")
        f.locale = Locale(identifier: "en_US_POSIX")
        return f.string(from: Date(timeIntervalSince1970: t))
    }

    /// A table with escaped header cells; `rows` are already HTML.
    static func table(_ header: [String], rows: [String], cls: String = "") -> String {
        "<table\(cls.isEmpty ? "" : " class=\"\(cls)\"")><thead><tr>"
            + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
            + rows.joined(separator: "\n") + "\n</tbody></table>\n"
    }

    /// The whole page around `body`. `events` is the sweep's event stream, for live pages.
    static func page(title: String, body: String, events: String? = nil) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <link rel="stylesheet" href="/static/dashboard.css">
        <script src="/static/dashboard.js" defer></script>
        </head>
        <body>
        <nav><a href="/">lrsweep dashboard</a> · <a href="/">all sweeps</a>\
        \(events == nil ? "" : " · <span id=\"live\" class=\"live\">static</span>")</nav>
        <main\(events.map { " data-events=\"\(escape($0))\"" } ?? "")>
        \(body)</main>
        </body>
        </html>

        """
    }
}
