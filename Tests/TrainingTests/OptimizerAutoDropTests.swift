import Foundation
import Testing
import SweepKit
import Training

@Suite("autodrop: angular velocity, latch, drop and weight averaging")
struct OptimizerAutoDropTests {
    /// α0 = 1 and momentum 0, so each update moves the weights by exactly −g and the displacement
    /// between per-step snapshots (period 1) is −g.
    static func make(minLR: Double = 1e-4, average: Bool = true) throws -> any Optimizer {
        try OptimizerRegistry.make(
            name: "autodrop", lr: 1,
            options: ["momentum": .double(0), "period": .int(1), "theta": .double(1), "theta_max": .double(1.5),
                      "drop_factor": .double(0.5), "extra_periods": .int(2), "min_lr": .double(minLR),
                      "average_weights": .bool(average)],
            context: noDecay)
    }

    static func unit(_ degrees: Double) -> [Float] {
        [Float(cos(degrees * .pi / 180)), Float(sin(degrees * .pi / 180))]
    }

    /// Gradients for steps 1…7: directions 0°, 45°, 91.5°, 138.7° at steps 2–5 give
    /// ω3 = 45°, ω4 = 46.5° (|Δω| = 1.5 ≥ θ = 1: no latch), ω5 = 47.2° (|Δω| = 0.7 < 1: latch).
    static let gradients: [[Float]] = [[1, 1], unit(0), unit(45), unit(91.5), unit(138.7), [0.5, 0], [0, 0.5]]

    @Test("ω is the angle in degrees between successive displacements; first at the third snapshot")
    func angle() throws {
        let opt = try Self.make()
        let h = OptimizerHarness([[0, 0]])
        h.step(opt, Self.gradients[0])
        h.step(opt, Self.gradients[1])
        #expect(opt.metrics["angular_velocity"] == nil)
        h.step(opt, Self.gradients[2])
        #expect(close(opt.metrics["angular_velocity"], 45, tol: 1e-4))
        h.step(opt, Self.gradients[3])
        #expect(close(opt.metrics["angular_velocity"], 46.5, tol: 1e-4))
        h.step(opt, Self.gradients[4])
        #expect(close(opt.metrics["angular_velocity"], 47.2, tol: 1e-4))
        #expect(opt.metrics["lr_drops"] == 0)
        #expect(opt.metrics["lr"] == 1)
    }

    @Test("latch at |Δω| < θ, drop E_extra snapshots later: α ← ρα, θ ← min(θ/ρ, θ_max), weighted average")
    func dropAndAverage() throws {
        let opt = try Self.make()
        let h = OptimizerHarness([[0, 0]])
        var x: [[Double]] = []  // x_k after step k, worked out as x_{k−1} − g_k
        var position = [0.0, 0.0]
        for (k, g) in Self.gradients.enumerated() {
            h.step(opt, g)
            position = [position[0] - Double(g[0]), position[1] - Double(g[1])]
            x.append(position)
            if k < 6 {
                #expect(close(h.x, position, tol: 1e-6))
                #expect(opt.metrics["lr_drops"] == 0)
            }
        }
        // Latched at snapshot 5; snapshot 6 is j = 1, snapshot 7 is j = 2 and triggers the drop.
        let x6 = x[5], x7 = x[6]
        let average = [(1 * x6[0] + 2 * x7[0]) / 3, (1 * x6[1] + 2 * x7[1]) / 3]
        #expect(close(h.x, average, tol: 1e-6))
        #expect(opt.metrics["lr_drops"] == 1)
        #expect(opt.metrics["lr"] == 0.5)
        #expect((opt as? AutoDrop)?.theta == 1.5)  // min(1/0.5, 1.5)
        #expect(close(opt.metrics["angular_velocity"], 90, tol: 1e-4))  // ∠([0, 0.5], [0.5, 0])

        // The next step uses the dropped rate.
        h.step(opt, [1, -1])
        #expect(close(h.x, [average[0] - 0.5, average[1] + 0.5], tol: 1e-6))
    }

    @Test("the drop respects min_lr, and average_weights: false leaves the weights alone")
    func minLRAndNoAverage() throws {
        let opt = try Self.make(minLR: 0.8, average: false)
        let h = OptimizerHarness([[0, 0]])
        var position = [0.0, 0.0]
        for g in Self.gradients {
            h.step(opt, g)
            position = [position[0] - Double(g[0]), position[1] - Double(g[1])]
        }
        #expect(opt.metrics["lr"] == 0.8)  // max(0.5·1, 0.8)
        #expect(opt.metrics["lr_drops"] == 1)
        #expect(close(h.x, position, tol: 1e-6))
    }

    @Test("no latch while |Δω| stays ≥ θ")
    func noLatch() throws {
        let opt = try Self.make()
        let h = OptimizerHarness([[0, 0]])
        // ω = 30°, 40°, 50°, 60°, …: |Δω| = 10° every time.
        var direction = 0.0, turn = 30.0
        h.step(opt, [1, 1])
        for _ in 0..<12 {
            h.step(opt, Self.unit(direction))
            direction += turn
            turn += 10
        }
        #expect(opt.metrics["lr_drops"] == 0)
        #expect(opt.metrics["lr"] == 1)
    }

    @Test("period counts steps between snapshots")
    func period() throws {
        let opt = try OptimizerRegistry.make(name: "autodrop", lr: 1,
                                             options: ["momentum": .double(0), "period": .int(2)], context: noDecay)
        let h = OptimizerHarness([[0, 0]])
        // Snapshots after steps 1, 3, 5: the first ω exists after step 5.
        for step in 1...4 {
            h.step(opt, step % 2 == 0 ? [1, 0] : [0, 1])
            #expect(opt.metrics["angular_velocity"] == nil)
        }
        h.step(opt, [0, 1])
        // s(3) = x3 − x1 = −[1, 1] (steps 2, 3); s(5) = −[1, 1] too: ω = 0
        #expect(close(opt.metrics["angular_velocity"], 0, tol: 1e-2))
    }

    @Test("steps are Nesterov momentum SGD by default, heavy ball with nesterov: false")
    func momentumSteps() throws {
        let nesterov = try OptimizerRegistry.make(name: "autodrop", lr: 0.1, context: noDecay)
        let h = OptimizerHarness([[1]])
        h.step(nesterov, [1])     // b = 1, d = 1 + 0.9 = 1.9
        h.step(nesterov, [1])     // b = 1.9, d = 1 + 1.71
        #expect(close(h.x, [1 - 0.19 - 0.271]))

        let heavy = try OptimizerRegistry.make(name: "autodrop", lr: 0.1, options: ["nesterov": .bool(false)],
                                               context: noDecay)
        let h2 = OptimizerHarness([[1]])
        h2.step(heavy, [1])       // b = 1
        h2.step(heavy, [1])       // b = 1.9
        #expect(close(h2.x, [1 - 0.1 - 0.19]))
    }

    @Test("period 0 means one epoch and needs the epoch length")
    func epochPeriod() {
        #expect(throws: OptimizerError.self) {
            _ = try OptimizerRegistry.make(name: "autodrop", lr: 0.1, context: context(stepsPerEpoch: 0))
        }
        #expect(throws: Never.self) {
            _ = try OptimizerRegistry.make(name: "autodrop", lr: 0.1, context: context(stepsPerEpoch: 50))
        }
    }
}
