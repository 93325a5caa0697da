import Foundation

/// Small helpers for writing SVG (and HTML) text by hand.
public enum SVGText {
    /// Escapes the five XML special characters, for text content and attribute values alike.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A coordinate with one decimal: enough for screen pixels, short enough to keep files small.
    static func n(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }

    /// `<text>` at (x, y) with an optional class, anchor and rotation.
    static func text(_ s: String, x: Double, y: Double, anchor: String = "start", cls: String? = nil,
                     rotate: Double? = nil, size: Int? = nil) -> String {
        var attrs = "x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\""
        if let cls { attrs += " class=\"\(cls)\"" }
        if let size { attrs += " font-size=\"\(size)\"" }
        if let rotate { attrs += " transform=\"rotate(\(n(rotate)) \(n(x)) \(n(y)))\"" }
        return "<text \(attrs)>\(escape(s))</text>"
    }

    /// Shortens `s` to `limit` characters with an ellipsis, for legends.
    static func truncate(_ s: String, _ limit: Int) -> String {
        s.count <= limit ? s : String(s.prefix(limit - 1)) + "…"
    }
}
