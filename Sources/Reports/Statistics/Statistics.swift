import Foundation

/// Descriptive statistics over the seeds of one configuration.
public enum Statistics {
    /// The arithmetic mean; NaN for no values.
    public static func mean(_ xs: [Double]) -> Double {
        xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count)
    }

    /// The sample standard deviation s = √(Σ(xᵢ − x̄)² / (n − 1)) (Bessel's correction, an unbiased
    /// variance estimate); 0 when n < 2, where no spread can be measured.
    public static func sampleStandardDeviation(_ xs: [Double]) -> Double {
        guard xs.count > 1 else { return 0 }
        let m = mean(xs)
        return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)).squareRoot()
    }

    /// The median: the middle value, or the mean of the two middle values for an even count. NaN for none.
    ///
    /// Infinite values sort to the ends as usual, so a median of gaps that include +∞ (a learning rate
    /// whose every seed diverged) is finite as long as fewer than half the values are infinite.
    public static func median(_ xs: [Double]) -> Double {
        let s = xs.filter { !$0.isNaN }.sorted()
        guard !s.isEmpty else { return .nan }
        let mid = s.count / 2
        return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
    }

    /// A two-sided confidence interval for the mean from a Student t distribution:
    ///
    ///     x̄ ± t_{1−α/2, n−1} · s / √n
    ///
    /// It assumes the seeds' values are independent draws from a normal distribution. With few seeds the
    /// t quantile is large (12.71 at n = 2, 4.30 at n = 3 for 95 %), so the interval is honest but wide.
    /// - Returns: nil when n < 2 (no spread, no interval).
    public static func confidenceInterval(_ xs: [Double], level: Double = 0.95) -> ClosedRange<Double>? {
        guard xs.count > 1 else { return nil }
        let m = mean(xs)
        let half = StudentT.quantile(1 - (1 - level) / 2, df: Double(xs.count - 1))
            * sampleStandardDeviation(xs) / Double(xs.count).squareRoot()
        return (m - half)...(m + half)
    }
}

/// The result of Welch's unequal-variances t-test between two samples.
public struct WelchTest: Sendable, Hashable, Codable {
    /// t = (x̄₁ − x̄₂) / √(s₁²/n₁ + s₂²/n₂).
    public var t: Double
    /// Welch–Satterthwaite degrees of freedom: (v₁ + v₂)² / (v₁²/(n₁−1) + v₂²/(n₂−1)) with vᵢ = sᵢ²/nᵢ.
    public var df: Double
    /// Two-sided p-value: the probability, if both means were equal, of a |t| at least this large.
    public var p: Double

    public init(t: Double, df: Double, p: Double) {
        self.t = t
        self.df = df
        self.p = p
    }

    /// Welch's t-test from summary statistics (mean, sample standard deviation, count).
    ///
    /// Unlike Student's pooled test it does not assume equal variances, which matters here: a badly tuned
    /// optimizer's seeds often spread much more than a good one's.
    /// - Returns: nil when either sample has fewer than 2 values (no variance estimate, no test).
    ///   When both variances are 0 the test degenerates: p = 1 for equal means, p = 0 otherwise.
    public static func compare(mean1: Double, std1: Double, n1: Int, mean2: Double, std2: Double,
                               n2: Int) -> WelchTest? {
        guard n1 > 1, n2 > 1, mean1.isFinite, mean2.isFinite else { return nil }
        let v1 = std1 * std1 / Double(n1), v2 = std2 * std2 / Double(n2)
        let diff = mean1 - mean2
        guard v1 + v2 > 0 else {
            return WelchTest(t: diff == 0 ? 0 : (diff > 0 ? .infinity : -.infinity),
                             df: Double(n1 + n2 - 2), p: diff == 0 ? 1 : 0)
        }
        let t = diff / (v1 + v2).squareRoot()
        let df = (v1 + v2) * (v1 + v2) / (v1 * v1 / Double(n1 - 1) + v2 * v2 / Double(n2 - 1))
        return WelchTest(t: t, df: df, p: StudentT.twoSidedPValue(t, df: df))
    }

    /// Welch's t-test between two samples of raw values.
    public static func compare(_ a: [Double], _ b: [Double]) -> WelchTest? {
        compare(mean1: Statistics.mean(a), std1: Statistics.sampleStandardDeviation(a), n1: a.count,
                mean2: Statistics.mean(b), std2: Statistics.sampleStandardDeviation(b), n2: b.count)
    }
}
