import Foundation

/// A map from data values to pixels along one axis, with "nice" tick positions.
///
/// Linear scales round their domain out to multiples of a step of 1, 2 or 5 × 10ᵏ chosen for about five
/// ticks. Log scales (base 10: learning rates, which sweeps space by decades) round out to whole decades
/// and tick each decade, adding 2 and 5 within it when the domain spans less than two decades.
public struct Scale: Sendable {
    public enum Kind: String, Sendable { case linear, log }

    public let kind: Kind
    /// The (rounded) data domain.
    public let lower: Double
    public let upper: Double
    /// The pixel positions of `lower` and `upper` (for a y axis, `start` is the bottom).
    public let start: Double
    public let end: Double
    public let ticks: [Double]

    /// A scale covering `values` (non-finite values ignored; for `.log`, non-positive ones too).
    /// `integer` keeps a linear scale's ticks on whole numbers (counts such as a tuning budget's k).
    public init(_ kind: Kind, covering values: [Double], from start: Double, to end: Double, integer: Bool = false) {
        self.start = start
        self.end = end
        let usable = values.filter { $0.isFinite && (kind == .linear || $0 > 0) }
        let lo = usable.min() ?? (kind == .log ? 1 : 0), hi = usable.max() ?? (kind == .log ? 10 : 1)
        self.kind = kind
        switch kind {
        case .log:
            var a = floor(log10(lo)), b = ceil(log10(hi))
            if a == b { a -= 0.5; b += 0.5 }
            lower = pow(10, a)
            upper = pow(10, b)
            var ticks: [Double] = []
            let decades = Int(ceil(b)) - Int(floor(a))
            for e in Int(floor(a))...Int(ceil(b)) {
                for m in decades < 2 ? [1.0, 2, 5] : [1.0] {
                    let v = m * pow(10, Double(e))
                    if v >= lower * (1 - 1e-9) && v <= upper * (1 + 1e-9) { ticks.append(v) }
                }
            }
            self.ticks = ticks
        case .linear:
            var a = lo, b = hi
            if a == b {
                let pad = a == 0 ? 1 : abs(a) * 0.1
                a -= pad
                b += pad
            }
            let step = integer ? max(1, Self.niceStep((b - a) / 5)) : Self.niceStep((b - a) / 5)
            let first = floor(a / step) * step, last = ceil(b / step) * step
            lower = first
            upper = last
            ticks = (0...Int(((last - first) / step).rounded())).map { first + Double($0) * step }
        }
    }

    /// 1, 2 or 5 × 10ᵏ, the smallest such number ≥ `raw`.
    static func niceStep(_ raw: Double) -> Double {
        let p = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * p >= raw * (1 - 1e-12) { return m * p }
        return 10 * p
    }

    /// The pixel position of `value` (clamped to the domain, so outliers stay on the plot's edge).
    public func callAsFunction(_ value: Double) -> Double {
        let t: Double
        switch kind {
        case .linear: t = (value - lower) / (upper - lower)
        case .log: t = value > 0 ? (log10(value) - log10(lower)) / (log10(upper) - log10(lower)) : 0
        }
        return start + (end - start) * min(max(t, 0), 1)
    }

    /// The text of a tick: `%g` on log scales (`0.001`, `1e-05`), fixed decimals matching the step otherwise.
    public func label(_ value: Double) -> String {
        switch kind {
        case .log:
            return String(format: "%g", value)
        case .linear:
            let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
            let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
            let v = abs(value) < step * 1e-9 ? 0 : value
            if abs(v) >= 1e5 { return String(format: "%.0e", v) }
            return String(format: "%.\(decimals)f", v)
        }
    }
}
