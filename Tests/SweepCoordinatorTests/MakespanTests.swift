import SweepCoordinator
import Testing

@Suite("makespan efficiency and where the time goes")
struct MakespanTests {
    /// Two slots, S = 1 s, three trials (lease, result, runner seconds), worked out by hand:
    /// slot A runs [0, 1.5) then [1.5, 3); slot B runs [0.5, 2) then idles to 3.
    let spans = [TrialSpan(started: 0, finished: 1.5, seconds: 1.2), TrialSpan(started: 0.5, finished: 2, seconds: 1.1),
                 TrialSpan(started: 1.5, finished: 3, seconds: 1.0)]

    @Test("ideal, measured, efficiency and the bound of whole trials")
    func figures() throws {
        let m = try #require(Makespan(spans: spans, slots: 2, trialSeconds: 1))
        #expect(m.measured == 3)
        #expect(m.ideal == 1.5)
        #expect(m.efficiency == 0.5)
        #expect(m.bound == 2)            // ⌈3 / 2⌉ · 1
        #expect(m.peakRunning == 2)
        #expect(m.rampSeconds == 0.5)    // B's first lease
        #expect(m.tailSeconds == 1.5)    // last lease at 1.5, last result at 3
    }

    @Test("the overhead per trial is exactly the sum of its parts")
    func breakdown() throws {
        let m = try #require(Makespan(spans: spans, slots: 2, trialSeconds: 1))
        #expect(abs(m.overheadPerTrial - 1.0) < 1e-12)            // (3 − 1.5) · 2 / 3
        #expect(abs(m.runnerExtra - 0.1) < 1e-12)                 // (0.2 + 0.1 + 0) / 3
        #expect(abs(m.roundTrip - 0.4) < 1e-12)                   // (0.3 + 0.4 + 0.5) / 3
        #expect(abs(m.rampIdle - 0.5 / 3) < 1e-12)                // B idle over [0, 0.5)
        #expect(m.gapIdle == 0)
        #expect(abs(m.tailIdle - 1.0 / 3) < 1e-12)                // B idle over [2, 3)
        let parts = m.runnerExtra + m.roundTrip + m.rampIdle + m.gapIdle + m.tailIdle
        #expect(abs(parts - m.overheadPerTrial) < 1e-12)
    }

    @Test("a result and a lease at the same instant do not overlap; no spans give no figures")
    func edges() {
        #expect(Makespan.peak(of: [TrialSpan(started: 0, finished: 1, seconds: 1),
                                   TrialSpan(started: 1, finished: 2, seconds: 1)]) == 1)
        #expect(Makespan.peak(of: spans) == 2)
        #expect(Makespan(spans: [], slots: 1, trialSeconds: 1) == nil)
    }
}
