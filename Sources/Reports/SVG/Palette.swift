/// Colours for charts that people with any common colour-vision deficiency can tell apart.
///
/// Series use the Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2002), ordered so the first
/// colours are the most distinct on white (yellow, the faintest, comes last); past eight series the
/// colours repeat with a dash pattern. The heatmap uses viridis (perceptually uniform, readable in grey).
public enum Palette {
    /// Okabe–Ito: blue, vermillion, bluish green, reddish purple, orange, sky blue, black, yellow.
    public static let okabeIto = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
                                  "#F0E442"]

    /// The colour of series `index`.
    public static func color(_ index: Int) -> String {
        okabeIto[((index % okabeIto.count) + okabeIto.count) % okabeIto.count]
    }

    /// The `stroke-dasharray` of series `index`: solid for the first eight, then dashed, then dotted.
    public static func dash(_ index: Int) -> String? {
        switch (max(index, 0) / okabeIto.count) % 3 {
        case 0: return nil
        case 1: return "6 3"
        default: return "2 2"
        }
    }

    /// Viridis anchors (matplotlib), from dark purple to yellow.
    static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
    ]

    /// Viridis at `t` ∈ [0, 1], linearly interpolated between its anchors.
    public static func viridis(_ t: Double) -> String {
        let t = t.isFinite ? min(max(t, 0), 1) : 0
        let x = t * Double(viridis.count - 1)
        let i = min(Int(x), viridis.count - 2)
        let f = x - Double(i)
        let a = viridis[i], b = viridis[i + 1]
        func mix(_ u: Double, _ v: Double) -> Int { Int((u + (v - u) * f).rounded()) }
        return hex(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// True if text on viridis at `t` should be dark (the light, yellow-green end) rather than white.
    public static func viridisNeedsDarkText(_ t: Double) -> Bool { t > 0.55 }

    static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
        "#" + [r, g, b].map { v in
            let s = String(min(max(v, 0), 255), radix: 16, uppercase: true)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }
}
