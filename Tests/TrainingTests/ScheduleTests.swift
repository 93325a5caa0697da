import Foundation
import Testing
import SweepKit
import Training

@Suite("Schedules give the factor worked out by hand")
struct ScheduleTests {
    static func make(_ name: String, _ options: [String: ParamValue] = [:], stepsPerEpoch: Int = 10)
        throws -> any Schedule {
        try ScheduleRegistry.make(name: name, options: options, context: context(stepsPerEpoch: stepsPerEpoch))
    }

    @Test("constant is 1 throughout")
    func constant() throws {
        let s = try Self.make("constant")
        #expect([1, 50, 100].map { s.factor(step: $0, totalSteps: 100) } == [1, 1, 1])
    }

    @Test("step: γ^⌊(t−1)/step_size⌋")
    func step() throws {
        let s = try Self.make("step", ["step_size": .int(10), "gamma": .double(0.5)])
        #expect([1, 10, 11, 20, 21].map { s.factor(step: $0, totalSteps: 100) } == [1, 1, 0.5, 0.5, 0.25])
        let epoch = try Self.make("step", ["gamma": .double(0.5)], stepsPerEpoch: 4)  // step_size 0 = one epoch
        #expect([4, 5, 9].map { epoch.factor(step: $0, totalSteps: 100) } == [1, 0.5, 0.25])
    }

    @Test("multistep: drops by γ after 30 %, 60 % and 80 % of training")
    func multistep() throws {
        let s = try Self.make("multistep", ["milestones": .list([.double(0.3), .double(0.6), .double(0.8)]),
                                            "gamma": .double(0.1)])
        let f = [1, 30, 31, 60, 61, 80, 81, 100].map { s.factor(step: $0, totalSteps: 100) }
        #expect(close(f, [1, 1, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001], tol: 1e-12))
        // Fractions of 200 steps: 60, 120, 160.
        #expect(close(s.factor(step: 61, totalSteps: 200), 0.1, tol: 1e-12))
        let text = try Self.make("multistep", ["milestones": .string("0.5"), "gamma": .double(0.2)])
        #expect(close(text.factor(step: 51, totalSteps: 100), 0.2, tol: 1e-12))
    }

    @Test("exponential: γ^((t−1)/step_size)")
    func exponential() throws {
        let s = try Self.make("exponential", ["gamma": .double(0.5), "step_size": .int(10)])
        #expect(close([1, 6, 11, 21].map { s.factor(step: $0, totalSteps: 100) },
                      [1, 0.5.squareRoot(), 0.5, 0.25], tol: 1e-12))
    }

    @Test("cosine: m + (1 − m)·½(1 + cos(π(t−1)/T))")
    func cosine() throws {
        let s = try Self.make("cosine")
        #expect(close([1, 51, 101].map { s.factor(step: $0, totalSteps: 100) }, [1, 0.5, 0], tol: 1e-12))
        let floor = try Self.make("cosine", ["min_factor": .double(0.1)])
        #expect(close(floor.factor(step: 51, totalSteps: 100), 0.1 + 0.9 * 0.5, tol: 1e-12))
        #expect(close(floor.factor(step: 26, totalSteps: 100), 0.1 + 0.9 * 0.5 * (1 + 0.5.squareRoot()), tol: 1e-12))
    }

    @Test("warmup: min(1, t/warmup_steps)")
    func warmup() throws {
        let s = try Self.make("warmup", ["warmup_steps": .int(4)])
        #expect([1, 2, 3, 4, 5, 100].map { s.factor(step: $0, totalSteps: 100) } == [0.25, 0.5, 0.75, 1, 1, 1])
    }

    @Test("plateau: reduce by factor after more than patience evaluations without improvement")
    func plateau() throws {
        var s = try Self.make("plateau", ["patience": .int(1), "factor": .double(0.5), "min_factor": .double(0.2)])
        var seen: [Double] = []
        for (i, loss) in [1.0, 0.9, 0.95, 0.95, 0.8, 0.85, 0.85, 0.9, 0.9].enumerated() {
            s.observe(validationLoss: loss, step: (i + 1) * 100)
            seen.append(s.factor(step: (i + 1) * 100, totalSteps: 1000))
        }
        // best 1.0, 0.9; bad 1; bad 2 > 1 → 0.5; best 0.8; bad 1; bad 2 → 0.25; bad 1; bad 2 → max(0.125, 0.2)
        #expect(seen == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.2])
    }

    @Test("options of another schedule are ignored (one schedule_options for a schedule axis), unknown ones throw")
    func sharedOptions() throws {
        let s = try Self.make("constant", ["milestones": .list([.double(0.5)]), "gamma": .double(0.1)])
        #expect(s.factor(step: 90, totalSteps: 100) == 1)
        #expect(throws: OptimizerError.self) { _ = try Self.make("step", ["gama": .double(0.1)]) }
    }

    @Test("milestones outside [0, 1] or not numbers throw, naming the option")
    func badMilestones() {
        for bad: ParamValue in [.list([.double(0.3), .double(1.5)]), .list([.string("x")]), .string("0.3,x")] {
            do {
                _ = try Self.make("multistep", ["milestones": bad])
                Issue.record("accepted milestones \(bad)")
            } catch {
                #expect("\(error)".contains("milestones"))
            }
        }
    }

    @Test("a policy-driven schedule multiplies its factor by the policy's answer, within the rate bounds")
    func policySeam() {
        struct Double105: LearningRatePolicy {
            mutating func multiplier(for observation: LRObservation) -> Double { 1.05 }
        }
        var s = PolicySchedule(policy: Double105(), initialRate: 0.05, rateBounds: 1e-5...0.1)
        let o = LRObservation(trainLoss: 1, validationLoss: 1, logitVariance: 1, logitChangeVariance: 0,
                              outputWeightMean: 0, outputWeightVariance: 1, learningRate: 0.05)
        #expect(s.decisionInterval == 10 && o.features.count == 7)
        s.observe(o, step: 10)
        #expect(close(s.factor(step: 11, totalSteps: 100), 1.05, tol: 1e-12))
        for step in 2...30 { s.observe(o, step: step * 10) }
        #expect(close(s.factor(step: 400, totalSteps: 1000), 2, tol: 1e-12))  // 0.1 / 0.05
    }
}
