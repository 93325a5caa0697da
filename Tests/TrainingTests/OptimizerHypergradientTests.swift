import Foundation
import Testing
import SweepKit
import Training

@Suite("Hypergradient descent (sgd-hd, sgdn-hd, adam-hd) as worked out by hand")
struct OptimizerHypergradientTests {
    @Test("sgd-hd: first step uses α0; α ← α + β·g_t·g_{t−1} before the step")
    func sgdHD() throws {
        let opt = try OptimizerRegistry.make(name: "sgd-hd", lr: 0.1, options: ["hyper_lr": .double(0.01)],
                                             context: noDecay)
        let h = OptimizerHarness([[1, 2]])
        h.step(opt, [1, 2])       // h = 0 (d_0 = 0): α stays 0.1
        #expect(close(opt.learningRate, 0.1))
        #expect(close(h.x, [0.9, 1.8]))
        h.step(opt, [3, 1])       // h = [3, 1]·[1, 2] = 5 → α = 0.1 + 0.01·5 = 0.15, used for this step
        #expect(close(opt.learningRate, 0.15))
        #expect(close(h.x, [0.9 - 0.15 * 3, 1.8 - 0.15 * 1]))
        h.step(opt, [-1, 1])      // h = [−1, 1]·[3, 1] = −2 → α = 0.15 − 0.02 = 0.13
        #expect(close(opt.metrics["lr"], 0.13))
        #expect(close(h.x, [0.45 + 0.13, 1.65 - 0.13]))
    }

    @Test("sgd-hd's hypergradient uses the gradient with weight decay")
    func sgdHDWeightDecay() throws {
        let opt = try OptimizerRegistry.make(name: "sgd-hd", lr: 0.1, options: ["hyper_lr": .double(0.01)],
                                             context: context(weightDecay: 0.5))
        let h = OptimizerHarness([[2]])
        h.step(opt, [0])          // g = 0.5·2 = 1 → θ = 1.9
        #expect(close(h.x, [1.9]))
        h.step(opt, [0])          // g = 0.5·1.9 = 0.95, h = 0.95·1 → α = 0.1 + 0.0095
        #expect(close(opt.learningRate, 0.1095))
        #expect(close(h.x, [1.9 - 0.1095 * 0.95]))
    }

    @Test("sgdn-hd: the hypergradient uses the previous full Nesterov direction g + μ·b")
    func sgdnHD() throws {
        let opt = try OptimizerRegistry.make(name: "sgdn-hd", lr: 0.1,
                                             options: ["hyper_lr": .double(0.01), "momentum": .double(0.5)],
                                             context: noDecay)
        let h = OptimizerHarness([[1, 1]])
        h.step(opt, [1, 0])       // b = [1, 0], d1 = [1.5, 0]
        #expect(close(h.x, [0.85, 1]))
        h.step(opt, [2, 1])       // h = [2, 1]·[1.5, 0] = 3 → α = 0.13; b = [2.5, 1], d2 = [3.25, 1.5]
        #expect(close(opt.learningRate, 0.13))
        #expect(close(h.x, [0.85 - 0.13 * 3.25, 1 - 0.13 * 1.5]))
        // h = [−1, 2]·[3.25, 1.5] = −0.25 (g·g_prev would be 0, g·b_prev −0.5) → α = 0.1275;
        // b = [0.25, 2.5], d3 = [−0.875, 3.25]
        h.step(opt, [-1, 2])
        #expect(close(opt.learningRate, 0.1275))
        #expect(close(h.x, [0.4275 + 0.1275 * 0.875, 0.805 - 0.1275 * 3.25]))
    }

    @Test("adam-hd: skips α at step 1, then h uses the previous step's bias-corrected direction")
    func adamHD() throws {
        let opt = try OptimizerRegistry.make(name: "adam-hd", lr: 0.1, options: ["hyper_lr": .double(0.01)],
                                             context: noDecay)
        let h = OptimizerHarness([[1, -1]])
        h.step(opt, [2, -0.5])    // no α update (1 − β1⁰ = 0 would divide by zero); d1 = [1, −1]
        #expect(opt.learningRate == 0.1)
        #expect(close(h.x, [0.9, -0.9]))
        h.step(opt, [1, 0.5])     // h = [1, 0.5]·[1, −1] = 0.5 → α = 0.105; moments as in the adam test
        let d2 = [(0.28 / 0.19) / (0.004996 / 0.001999).squareRoot(),
                  (0.005 / 0.19) / (0.00049975 / 0.001999).squareRoot()]
        #expect(close(opt.learningRate, 0.105))
        #expect(close(h.x, [0.9 - 0.105 * d2[0], -0.9 - 0.105 * d2[1]], tol: 1e-5))
        h.step(opt, [-1, 1])      // h = [−1, 1]·d2
        #expect(close(opt.learningRate, 0.105 + 0.01 * (-d2[0] + d2[1]), tol: 1e-5))
    }

    @Test("adam-hd with hyper_lr 0 is exactly adam")
    func adamHDZeroIsAdam() throws {
        let hd = try OptimizerRegistry.make(name: "adam-hd", lr: 0.01, options: ["hyper_lr": .double(0)],
                                            context: context(weightDecay: 0.1))
        let adam = try OptimizerRegistry.make(name: "adam", lr: 0.01, context: context(weightDecay: 0.1))
        let a = OptimizerHarness([[1, -2, 3]]), b = OptimizerHarness([[1, -2, 3]])
        for g: [Float] in [[1, 2, 3], [-1, 0.5, 2], [0.3, -0.2, 0.1]] {
            a.step(hd, g)
            b.step(adam, g)
        }
        #expect(a.x == b.x)
    }

    @Test("multiplicative: α ← α·(1 + β′·cos(g_t, d_{t−1}))")
    func multiplicative() throws {
        let opt = try OptimizerRegistry.make(name: "sgd-hd", lr: 0.1,
                                             options: ["hyper_lr": .double(0.5), "multiplicative": .bool(true)],
                                             context: noDecay)
        let h = OptimizerHarness([[0, 0]])
        h.step(opt, [1, 0])
        h.step(opt, [1, 1])       // cos([1, 1], [1, 0]) = 1/√2
        let a2 = 0.1 * (1 + 0.5 / 2.0.squareRoot())
        #expect(close(opt.learningRate, a2))
        #expect(close(h.x, [-0.1 - a2, -a2]))
        h.step(opt, [-2, 0])      // cos([−2, 0], [1, 1]) = −1/√2 → α = 0.1·(1 + 1/(2√2))(1 − 1/(2√2)) = 0.0875
        #expect(close(opt.learningRate, 0.0875))
    }

    @Test("lr_bounds clamps α after each hypergradient step")
    func bounds() throws {
        let opt = try OptimizerRegistry.make(
            name: "sgd-hd", lr: 0.1,
            options: ["hyper_lr": .double(1), "lr_bounds": .list([.double(0.05), .double(0.2)])], context: noDecay)
        let h = OptimizerHarness([[0]])
        h.step(opt, [1])          // θ = −0.1
        h.step(opt, [1])          // α = 0.1 + 1 = 1.1 → 0.2; θ = −0.3
        #expect(close(opt.learningRate, 0.2))
        #expect(close(h.x, [-0.3]))
        h.step(opt, [-1])         // α = 0.2 − 1 → 0.05; θ = −0.25
        #expect(close(opt.learningRate, 0.05))
        #expect(close(h.x, [-0.25]))
    }

    @Test("adam-hd multiplicative and clamped variants")
    func adamHDVariants() throws {
        let opt = try OptimizerRegistry.make(
            name: "adam-hd", lr: 0.1,
            options: ["hyper_lr": .double(0.5), "multiplicative": .bool(true),
                      "lr_bounds": .list([.double(0.01), .double(0.12)])], context: noDecay)
        let h = OptimizerHarness([[0, 0]])
        h.step(opt, [1, 0])       // d1 = [1, 0] (0/(0 + ε) = 0 for the second coordinate)
        h.step(opt, [1, 1])       // cos([1, 1], [1, 0]) = 1/√2 → α = 0.1·(1 + 0.5/√2) = 0.1354 → clamped to 0.12
        #expect(close(opt.learningRate, 0.12))
    }

    @Test("the schedule's factor scales the step, not the adapted α")
    func scheduleFactor() throws {
        let opt = try OptimizerRegistry.make(name: "sgd-hd", lr: 0.1, options: ["hyper_lr": .double(0.01)],
                                             context: noDecay)
        opt.scheduleFactor = 0.5
        let h = OptimizerHarness([[1]])
        h.step(opt, [1])          // θ = 1 − 0.5·0.1
        h.step(opt, [2])          // α = 0.1 + 0.01·2 = 0.12; θ = 0.95 − 0.5·0.12·2
        #expect(close(h.x, [0.95 - 0.12]))
        #expect(close(opt.learningRate, 0.06))
    }

    @Test("sgd-hd on f(θ) = ½‖θ‖² from α0 = 1e-3 raises α over the first steps")
    func quadraticRaisesRate() throws {
        let opt = try OptimizerRegistry.make(name: "sgd-hd", lr: 1e-3, options: ["hyper_lr": .double(1e-3)],
                                             context: noDecay)
        let h = OptimizerHarness([[1, -2, 3, 0.5]])
        var rates: [Double] = []
        for _ in 0..<20 {
            h.step(opt, h.x.map(Float.init))  // ∇f = θ
            rates.append(opt.learningRate)
        }
        #expect(rates[0] == 1e-3)
        #expect(zip(rates.dropFirst(), rates).allSatisfy { $0 > $1 })
        #expect(rates[19] > 5e-3)
        let squaredNorm = h.x.map { $0 * $0 }.reduce(0, +)
        #expect(squaredNorm < 14.25)  // ‖θ_0‖² = 1 + 4 + 9 + 0.25
    }
}
