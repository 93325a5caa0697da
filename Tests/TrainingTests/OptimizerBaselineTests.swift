import Foundation
import Testing
import SweepKit
import Training

@Suite("Baseline optimizers step as worked out by hand")
struct OptimizerBaselineTests {
    @Test("sgd: θ ← θ − α·g")
    func sgd() throws {
        let opt = try OptimizerRegistry.make(name: "sgd", lr: 0.1, context: noDecay)
        let h = OptimizerHarness([[1, -2, 0.5]])
        h.step(opt, [1, 1, -2])
        #expect(close(h.x, [1 - 0.1, -2 - 0.1, 0.5 + 0.2]))
        h.step(opt, [0.5, 0, 1])
        #expect(close(h.x, [0.9 - 0.05, -2.1, 0.7 - 0.1]))
        #expect(close(opt.learningRate, 0.1))
        #expect(close(opt.metrics["lr"], 0.1))
    }

    @Test("sgd adds weight decay wd·θ into the gradient")
    func sgdWeightDecay() throws {
        let opt = try OptimizerRegistry.make(name: "sgd", lr: 0.1, context: context(weightDecay: 0.1))
        let h = OptimizerHarness([[1, -2]])
        h.step(opt, [0, 0])
        // g = 0 + 0.1·θ = [0.1, −0.2]
        #expect(close(h.x, [1 - 0.1 * 0.1, -2 + 0.1 * 0.2]))
    }

    @Test("momentum: b ← μ·b + g, θ ← θ − α·b")
    func momentum() throws {
        let opt = try OptimizerRegistry.make(name: "momentum", lr: 0.1, context: noDecay)  // μ = 0.9 by default
        let h = OptimizerHarness([[1, 2]])
        h.step(opt, [1, -1])      // b = [1, −1]
        #expect(close(h.x, [0.9, 2.1]))
        h.step(opt, [1, 1])       // b = [0.9 + 1, −0.9 + 1] = [1.9, 0.1]
        #expect(close(h.x, [0.9 - 0.19, 2.1 - 0.01]))
        h.step(opt, [0, 0])       // b = [1.71, 0.09]
        #expect(close(h.x, [0.71 - 0.171, 2.09 - 0.009]))
    }

    @Test("sgdn: b ← μ·b + g, θ ← θ − α·(g + μ·b)")
    func nesterov() throws {
        let opt = try OptimizerRegistry.make(name: "sgdn", lr: 0.1, options: ["momentum": .double(0.9)],
                                             context: noDecay)
        let h = OptimizerHarness([[1, 2]])
        h.step(opt, [1, -1])      // b = [1, −1], d = g + 0.9·b = [1.9, −1.9]
        #expect(close(h.x, [1 - 0.19, 2 + 0.19]))
        h.step(opt, [1, 1])       // b = [1.9, 0.1], d = [1 + 1.71, 1 + 0.09]
        #expect(close(h.x, [0.81 - 0.271, 2.19 - 0.109]))
        h.step(opt, [0, 0])       // b = [1.71, 0.09], d = [1.539, 0.081]
        #expect(close(h.x, [0.539 - 0.1539, 2.081 - 0.0081]))
    }

    @Test("adam: bias-corrected m̂/(√v̂ + ε)")
    func adam() throws {
        let opt = try OptimizerRegistry.make(name: "adam", lr: 0.1, context: noDecay)
        let h = OptimizerHarness([[1, -1]])
        // Step 1: m̂ = g, v̂ = g², so d = g/|g| = [1, −1] (ε = 1e-8 is negligible).
        h.step(opt, [2, -0.5])
        #expect(close(h.x, [0.9, -0.9]))
        // Step 2, g = [1, 0.5]: m = 0.9·[0.2, −0.05] + 0.1·g = [0.28, 0.005],
        // v = 0.999·[0.004, 0.00025] + 0.001·g² = [0.004996, 0.00049975]; 1−β1² = 0.19, 1−β2² = 0.001999.
        h.step(opt, [1, 0.5])
        let d0 = (0.28 / 0.19) / (0.004996 / 0.001999).squareRoot()
        let d1 = (0.005 / 0.19) / (0.00049975 / 0.001999).squareRoot()
        #expect(close(h.x, [0.9 - 0.1 * d0, -0.9 - 0.1 * d1], tol: 1e-5))
    }

    @Test("adamw decouples weight decay: θ ← θ − α·(d + wd·θ)")
    func adamW() throws {
        let opt = try OptimizerRegistry.make(name: "adamw", lr: 0.1, context: context(weightDecay: 0.5))
        let h = OptimizerHarness([[1]])
        h.step(opt, [2])          // d = 1; θ = 1 − 0.1·(1 + 0.5·1)
        #expect(close(h.x, [0.85]))
        // m = 0.38, v = 0.007996 → m̂ = 0.38/0.19 = 2, v̂ = 0.007996/0.001999 = 4, d = 1
        h.step(opt, [2])
        #expect(close(h.x, [0.85 - 0.1 * (1 + 0.5 * 0.85)], tol: 1e-5))

        // adam instead adds wd·θ into g: g = 2.5 on step 1, still d = 1.
        let l2 = try OptimizerRegistry.make(name: "adam", lr: 0.1, context: context(weightDecay: 0.5))
        let h2 = OptimizerHarness([[1]])
        h2.step(l2, [2])
        #expect(close(h2.x, [0.9]))
    }

    @Test("rmsprop: v ← ρ·v + (1−ρ)·g², θ ← θ − α·g/(√v + ε), with and without momentum")
    func rmsprop() throws {
        let opt = try OptimizerRegistry.make(name: "rmsprop", lr: 0.01, context: noDecay)
        let h = OptimizerHarness([[1]])
        h.step(opt, [1])          // v = 0.01, d = 1/0.1 = 10
        #expect(close(h.x, [0.9]))
        h.step(opt, [1])          // v = 0.0099 + 0.01 = 0.0199
        #expect(close(h.x, [0.9 - 0.01 / 0.0199.squareRoot()], tol: 1e-5))

        let withMomentum = try OptimizerRegistry.make(name: "rmsprop", lr: 0.01, options: ["momentum": .double(0.5)],
                                                      context: noDecay)
        let h2 = OptimizerHarness([[1]])
        h2.step(withMomentum, [1])  // b = 10
        h2.step(withMomentum, [1])  // b = 0.5·10 + 1/√0.0199
        #expect(close(h2.x, [0.9 - 0.01 * (5 + 1 / 0.0199.squareRoot())], tol: 1e-5))
    }

    @Test("the schedule's factor scales a baseline's step and its reported rate")
    func scheduleFactor() throws {
        let opt = try OptimizerRegistry.make(name: "sgd", lr: 0.1, context: noDecay)
        opt.scheduleFactor = 0.5
        let h = OptimizerHarness([[1]])
        h.step(opt, [1])
        #expect(close(h.x, [0.95]))
        #expect(close(opt.metrics["lr"], 0.05))
    }

    @Test("adam and rmsprop on tensors longer than one 8-lane chunk match the formula element by element")
    func longTensors() throws {
        let n = 19  // two full chunks of 8 and a tail of 3
        let start = (0..<n).map { Float($0) * 0.1 - 1 }
        let grads = (0..<n).map { Float($0 % 5) - 2 + 0.25 }
        let adam = try OptimizerRegistry.make(name: "adam", lr: 0.01, context: context(weightDecay: 0.1))
        let rms = try OptimizerRegistry.make(name: "rmsprop", lr: 0.01, context: noDecay)
        let a = OptimizerHarness([start]), r = OptimizerHarness([start])
        a.step(adam, grads)
        r.step(rms, grads)
        for i in 0..<n {
            let g = Double(grads[i]) + 0.1 * Double(start[i])
            // step 1: m̂ = g, v̂ = g² → d = g/(|g| + 1e-8)
            #expect(close(a.x[i], Double(start[i]) - 0.01 * g / (abs(g) + 1e-8), tol: 1e-6))
            // v = 0.01·g², d = g/(0.1·|g| + 1e-8)
            let gr = Double(grads[i])
            #expect(close(r.x[i], Double(start[i]) - 0.01 * gr / (0.1 * abs(gr) + 1e-8), tol: 1e-6))
        }
    }
}
