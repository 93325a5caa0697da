import Foundation

/// Student's t distribution, computed from first principles (no statistics library on Linux).
///
/// The cumulative distribution function of t with ν degrees of freedom is expressed through the
/// regularized incomplete beta function I_x(a, b):
///
///     P(T ≤ t) = 1 − ½ · I_{ν/(ν+t²)}(ν/2, ½)   for t ≥ 0,   and by symmetry ½ · I_{ν/(ν+t²)}(ν/2, ½) for t < 0.
///
/// I_x(a, b) is evaluated by its continued fraction (Numerical Recipes §6.4, modified Lentz's method),
/// which converges quickly for x < (a + 1)/(a + b + 2); above that point the symmetry
/// I_x(a, b) = 1 − I_{1−x}(b, a) is used. ν need not be an integer (Welch's test produces fractional ν).
public enum StudentT {
    /// The regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), for a, b > 0 and 0 ≤ x ≤ 1.
    ///
    /// - Complexity: at most 300 continued-fraction terms; about 10⁻¹⁴ relative accuracy in practice.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        precondition(a > 0 && b > 0, "I_x(a, b) needs a, b > 0")
        if x.isNaN { return .nan }
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        // log of x^a (1−x)^b / B(a, b), the factor in front of the continued fraction.
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    /// The continued fraction of I_x(a, b) (Numerical Recipes `betacf`), by the modified Lentz method:
    /// 1/(1+ d₁/(1+ d₂/(1+ …))) with d₂ₘ₊₁ = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)) and d₂ₘ = m(b−m)x / ((a+2m−1)(a+2m)).
    static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }

    /// P(T ≤ t) for Student's t with `df` degrees of freedom (df > 0, not necessarily an integer).
    public static func cdf(_ t: Double, df: Double) -> Double {
        precondition(df > 0, "degrees of freedom must be positive")
        if t.isNaN { return .nan }
        if t == .infinity { return 1 }
        if t == -.infinity { return 0 }
        let tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// Two-sided p-value P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, ½), computed directly (no 1 − cdf cancellation).
    public static func twoSidedPValue(_ t: Double, df: Double) -> Double {
        precondition(df > 0, "degrees of freedom must be positive")
        if t.isNaN { return .nan }
        if t.isInfinite { return 0 }
        return regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// The quantile t_p with P(T ≤ t_p) = p, by bisection on the CDF (which is strictly increasing).
    ///
    /// Used for confidence intervals: t_{0.975, n−1} is 12.71 for n = 2, 4.30 for n = 3, 2.26 for n = 10.
    public static func quantile(_ p: Double, df: Double) -> Double {
        precondition(p > 0 && p < 1 && df > 0, "quantile needs 0 < p < 1 and df > 0")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, df: df) }
        var lo = 0.0, hi = 1.0
        while cdf(hi, df: df) < p && hi < 1e300 { lo = hi; hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if cdf(mid, df: df) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-13 * hi { break }
        }
        return (lo + hi) / 2
    }
}
