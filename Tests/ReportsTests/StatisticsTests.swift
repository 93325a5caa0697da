import Testing
import Foundation
@testable import Reports

@Suite("Student t distribution and Welch's test")
struct StatisticsTests {
    // Reference values computed once with scipy 1.x (scipy.special.betainc, scipy.stats.t.cdf / .ppf,
    // scipy.stats.ttest_ind(equal_var=False)) and pasted here as literals.

    @Test("regularized incomplete beta matches scipy.special.betainc",
          arguments: [(2.0, 3.0, 0.4, 0.5247999999999999), (0.5, 0.5, 0.1, 0.20483276469913345),
                      (10.0, 2.0, 0.9, 0.6973568802000002), (1.5, 0.5, 0.999, 0.9597433418849682)])
    func incompleteBeta(a: Double, b: Double, x: Double, expected: Double) {
        #expect(abs(StudentT.regularizedIncompleteBeta(x, a: a, b: b) - expected) < 1e-12)
    }

    @Test("incomplete beta: I_x(1, 1) = x and the endpoints")
    func incompleteBetaByHand() {
        // With a = b = 1 the beta density is uniform, so I_x(1, 1) = x.
        #expect(abs(StudentT.regularizedIncompleteBeta(0.3, a: 1, b: 1) - 0.3) < 1e-14)
        #expect(StudentT.regularizedIncompleteBeta(0, a: 2, b: 3) == 0)
        #expect(StudentT.regularizedIncompleteBeta(1, a: 2, b: 3) == 1)
    }

    @Test("t CDF matches scipy.stats.t.cdf, fractional degrees of freedom included",
          arguments: [(0.0, 1.0, 0.5), (1.0, 1.0, 0.75), (2.5, 3.0, 0.9561466764959672),
                      (-1.5, 7.3, 0.08778154640154305), (2.0, 30.0, 0.9726874775185085),
                      (0.5, 0.7, 0.634799156658835)])
    func cdf(t: Double, df: Double, expected: Double) {
        #expect(abs(StudentT.cdf(t, df: df) - expected) < 1e-12)
    }

    @Test("t CDF with one degree of freedom is the Cauchy CDF ½ + atan(t)/π")
    func cauchy() {
        for t in [-3.0, -0.2, 0.7, 5.0] {
            #expect(abs(StudentT.cdf(t, df: 1) - (0.5 + atan(t) / Double.pi)) < 1e-13)
        }
    }

    @Test("97.5 % quantiles match scipy.stats.t.ppf",
          arguments: [(1.0, 12.706204736174694), (2.0, 4.302652729749462), (3.0, 3.1824463052837078),
                      (9.0, 2.262157162798205), (29.0, 2.045229642132703), (100.0, 1.9839715185235518)])
    func quantile(df: Double, expected: Double) {
        #expect(abs(StudentT.quantile(0.975, df: df) - expected) < 1e-9)
        #expect(abs(StudentT.quantile(0.025, df: df) + expected) < 1e-9)
    }

    @Test("Welch's test matches scipy.stats.ttest_ind(equal_var=False)")
    func welch() throws {
        let a = try #require(WelchTest.compare([0.50, 0.52, 0.54], [0.60, 0.65, 0.58]))
        #expect(abs(a.t - -3.7807562268756216) < 1e-12)
        #expect(abs(a.df - 3.124324324324324) < 1e-12)
        #expect(abs(a.p - 0.03021086482366915) < 1e-10)
        let b = try #require(WelchTest.compare([1.0, 1.2], [1.1, 1.5, 1.3, 1.4]))
        #expect(abs(b.t - -1.7110554764160915) < 1e-12)
        #expect(abs(b.df - 2.539879562492319) < 1e-12)
        #expect(abs(b.p - 0.20187753440856007) < 1e-10)
    }

    @Test("Welch's test by hand: t and Welch–Satterthwaite df from summary statistics")
    func welchByHand() throws {
        // v1 = 0.02²/3 = 1.3333e-4, v2 = 0.0141421²/2 = 1e-4; t = 0.06 / √(2.3333e-4) = 3.92792;
        // df = (2.3333e-4)² / ((1.3333e-4)²/2 + (1e-4)²/1) = 5.4444e-8 / 1.8889e-8 = 2.88235.
        let w = try #require(WelchTest.compare(mean1: 0.52, std1: 0.02, n1: 3, mean2: 0.46,
                                               std2: 0.02 / 2.0.squareRoot(), n2: 2))
        #expect(abs(w.t - 0.06 / (0.0004 / 3 + 0.0001).squareRoot()) < 1e-12)
        #expect(abs(w.df - 49.0 / 17.0) < 1e-12)  // exactly (7/3)² / ((4/3)²/2 + 1) = 49/17
        #expect(abs(w.p - 0.0315776404625473) < 1e-10)  // scipy
    }

    @Test("Welch's test is undefined below two seeds and degenerate without spread")
    func welchEdges() throws {
        #expect(WelchTest.compare([0.5], [0.4, 0.6]) == nil)
        let same = try #require(WelchTest.compare([0.5, 0.5], [0.5, 0.5]))
        #expect(same.p == 1)
        let different = try #require(WelchTest.compare([0.5, 0.5], [0.4, 0.4]))
        #expect(different.p == 0)
    }

    @Test("mean, sample standard deviation, median and the t interval by hand")
    func descriptive() throws {
        let xs = [0.60, 0.65, 0.58]
        #expect(abs(Statistics.mean(xs) - 0.61) < 1e-15)
        // deviations −0.01, 0.04, −0.03: (0.0001 + 0.0016 + 0.0009) / 2 = 0.0013
        #expect(abs(Statistics.sampleStandardDeviation(xs) - 0.0013.squareRoot()) < 1e-15)
        #expect(Statistics.sampleStandardDeviation([0.3]) == 0)
        #expect(Statistics.mean([]).isNaN)
        #expect(Statistics.median([3, 1, 2]) == 2)
        #expect(Statistics.median([4, 1, 3, 2]) == 2.5)
        #expect(Statistics.median([0, 0.09, .infinity]) == 0.09)
        // 0.52 ± t(0.975, 2) · 0.02 / √3 = 0.52 ± 4.302652729749462 · 0.011547005 = 0.52 ± 0.0496828
        let ci = try #require(Statistics.confidenceInterval([0.50, 0.52, 0.54]))
        #expect(abs(ci.lowerBound - (0.52 - 0.04968275423500661)) < 1e-9)
        #expect(abs(ci.upperBound - (0.52 + 0.04968275423500661)) < 1e-9)
        #expect(Statistics.confidenceInterval([0.5]) == nil)
    }
}
