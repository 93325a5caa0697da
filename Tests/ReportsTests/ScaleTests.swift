import Foundation
import Testing
@testable import Reports

@Suite("Chart scales and palette")
struct ScaleTests {
    @Test("linear scales round out to nice ticks")
    func linear() {
        let s = Scale(.linear, covering: [0.43, 0.81], from: 0, to: 100)
        // span 0.38 / 5 = 0.076 → step 0.1; domain [0.4, 0.9].
        #expect(s.ticks.count == 6)
        #expect(abs(s.lower - 0.4) < 1e-12 && abs(s.upper - 0.9) < 1e-12)
        #expect(s.label(s.ticks[1]) == "0.5")
        #expect(abs(s(0.65) - 50) < 1e-9)
    }

    @Test("log scales tick whole decades, and map them evenly")
    func log() {
        let s = Scale(.log, covering: [1e-3, 1e-2, 0.1], from: 0, to: 200)
        #expect(s.ticks.count == 3)
        #expect(s.ticks.map(s.label) == ["0.001", "0.01", "0.1"])
        #expect(abs(s(0.01) - 100) < 1e-9)
        // Less than two decades: 1, 2 and 5 within each.
        let short = Scale(.log, covering: [0.02, 0.08], from: 0, to: 100)
        #expect(short.ticks.map(short.label) == ["0.01", "0.02", "0.05", "0.1"])
    }

    @Test("a constant series still gets a non-empty domain")
    func constant() {
        let s = Scale(.linear, covering: [0.5, 0.5], from: 0, to: 10)
        #expect(s.lower < 0.5 && s.upper > 0.5)
    }

    @Test("Okabe–Ito colours cycle, and dashes tell repeats apart")
    func palette() {
        #expect(Palette.color(0) == "#0072B2")
        #expect(Palette.color(8) == Palette.color(0))
        #expect(Palette.dash(0) == nil && Palette.dash(8) != nil)
        #expect(Palette.viridis(0) == "#440154" && Palette.viridis(1) == "#FDE725")
    }
}
