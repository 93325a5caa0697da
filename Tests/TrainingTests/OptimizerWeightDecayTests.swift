import Testing
import SweepKit
import Training

/// The values of one tensor after each of the steps `gradients`, from `start`, for the optimizer
/// `name` built with learning rate `lr` and weight decay `wd`.
private func trajectory(_ name: String, lr: Double, wd: Double, start: [Float], gradients: [[Float]],
                        options: [String: ParamValue] = [:]) throws -> [[Double]] {
    let opt = try OptimizerRegistry.make(name: name, lr: lr, options: options, context: context(weightDecay: wd))
    let h = OptimizerHarness([start])
    return gradients.map { g in
        h.step(opt, g)
        return h.x
    }
}

/// L2 weight decay as the baselines apply it (`g ← g + wd·θ` before the method's own update), with
/// every value worked out by hand from the method's equations; each test also steps the same
/// gradients with wd = 0 and checks that it lands somewhere else, so a decay that is ignored fails.
@Suite("Baseline optimizers add weight decay into the gradient, as worked out by hand")
struct OptimizerWeightDecayTests {
    @Test("momentum: b ← μ·b + (g + wd·θ), θ ← θ − α·b")
    func momentum() throws {
        // α = 0.1, μ = 0.9 (default), wd = 0.1, θ0 = [1, −2]; g1 = [1, −1], g2 = [0, 0].
        let grads: [[Float]] = [[1, -1], [0, 0]]
        let decayed = try trajectory("momentum", lr: 0.1, wd: 0.1, start: [1, -2], gradients: grads)
        // Step 1: g = [1 + 0.1·1, −1 + 0.1·(−2)] = [1.1, −1.2] = b1; θ1 = [1 − 0.11, −2 + 0.12] = [0.89, −1.88].
        #expect(close(decayed[0], [0.89, -1.88]))
        // Step 2: g = 0.1·θ1 = [0.089, −0.188]; b2 = 0.9·[1.1, −1.2] + g = [1.079, −1.268];
        // θ2 = [0.89 − 0.1079, −1.88 + 0.1268] = [0.7821, −1.7532].
        #expect(close(decayed[1], [0.7821, -1.7532]))

        // wd = 0: b1 = [1, −1], θ1 = [0.9, −1.9]; b2 = [0.9, −0.9], θ2 = [0.81, −1.81].
        let plain = try trajectory("momentum", lr: 0.1, wd: 0, start: [1, -2], gradients: grads)
        #expect(close(plain[0], [0.9, -1.9]) && close(plain[1], [0.81, -1.81]))
        #expect(!close(decayed[0], plain[0], tol: 1e-3) && !close(decayed[1], plain[1], tol: 1e-3))
    }

    @Test("sgdn: b ← μ·b + (g + wd·θ), θ ← θ − α·((g + wd·θ) + μ·b)")
    func nesterov() throws {
        // α = 0.1, μ = 0.9, wd = 0.1, θ0 = [1, −2]; g1 = [1, −1], g2 = [0, 0].
        let grads: [[Float]] = [[1, -1], [0, 0]]
        let options: [String: ParamValue] = ["momentum": .double(0.9)]
        let decayed = try trajectory("sgdn", lr: 0.1, wd: 0.1, start: [1, -2], gradients: grads, options: options)
        // Step 1: g = [1.1, −1.2] = b1; d = g + 0.9·b1 = 1.9·g = [2.09, −2.28];
        // θ1 = [1 − 0.209, −2 + 0.228] = [0.791, −1.772].
        #expect(close(decayed[0], [0.791, -1.772]))
        // Step 2: g = 0.1·θ1 = [0.0791, −0.1772]; b2 = 0.9·[1.1, −1.2] + g = [1.0691, −1.2572];
        // d = g + 0.9·b2 = [0.0791 + 0.96219, −0.1772 − 1.13148] = [1.04129, −1.30868];
        // θ2 = [0.791 − 0.104129, −1.772 + 0.130868] = [0.686871, −1.641132].
        #expect(close(decayed[1], [0.686871, -1.641132]))

        // wd = 0: d1 = 1.9·[1, −1], θ1 = [0.81, −1.81]; b2 = [0.9, −0.9], d2 = 0.9·b2 = [0.81, −0.81],
        // θ2 = [0.729, −1.729].
        let plain = try trajectory("sgdn", lr: 0.1, wd: 0, start: [1, -2], gradients: grads, options: options)
        #expect(close(plain[0], [0.81, -1.81]) && close(plain[1], [0.729, -1.729]))
        #expect(!close(decayed[0], plain[0], tol: 1e-3) && !close(decayed[1], plain[1], tol: 1e-3))
    }

    /// Adam's first step is sign(g)·α whatever |g| is (m̂/√v̂ = g/|g|), so the decay only shows on
    /// step 1 where it flips the sign of g + wd·θ (the second element), and on step 2 everywhere.
    @Test("adam: wd·θ enters g, so it flips the sign of a small gradient and changes the moments")
    func adam() throws {
        // α = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8, wd = 0.5, θ0 = [1, −1]; g1 = [0.01, 0.01], g2 = [−0.3, 0.01].
        let grads: [[Float]] = [[0.01, 0.01], [-0.3, 0.01]]
        let decayed = try trajectory("adam", lr: 0.1, wd: 0.5, start: [1, -1], gradients: grads)
        // Step 1: g = [0.01 + 0.5, 0.01 − 0.5] = [0.51, −0.49]; m1 = 0.1·g = [0.051, −0.049],
        // v1 = 0.001·g² = [0.0002601, 0.0002401]; m̂/√v̂ = g/|g| = [1, −1]; θ1 = [0.9, −0.9].
        #expect(close(decayed[0], [0.9, -0.9], tol: 1e-5))
        // Step 2: g = [−0.3 + 0.45, 0.01 − 0.45] = [0.15, −0.44];
        // m2 = 0.9·m1 + 0.1·g = [0.0459 + 0.015, −0.0441 − 0.044] = [0.0609, −0.0881];
        // v2 = 0.999·v1 + 0.001·g² = [0.0002598399 + 0.0000225, 0.0002398599 + 0.0001936]
        //    = [0.0002823399, 0.0004334599]; 1 − β1² = 0.19, 1 − β2² = 0.001999;
        // d = (m2/0.19)/(√(v2/0.001999) + ε) ≈ [0.85287, −0.99576]; θ2 ≈ [0.81471, −0.80042].
        let d0 = (0.0609 / 0.19) / ((0.0002823399 / 0.001999).squareRoot() + 1e-8)
        let d1 = (-0.0881 / 0.19) / ((0.0004334599 / 0.001999).squareRoot() + 1e-8)
        #expect(close(decayed[1], [0.9 - 0.1 * d0, -0.9 - 0.1 * d1], tol: 1e-5))

        // wd = 0. Step 1: d = [1, 1], θ1 = [0.9, −1.1] (the second element moves the other way).
        // Step 2: m1 = [0.001, 0.001], v1 = [1e-7, 1e-7]; m2 = [0.0009 − 0.03, 0.0009 + 0.001] = [−0.0291, 0.0019],
        // v2 = [0.0000000999 + 0.00009, 0.0000000999 + 0.0000001] = [0.0000900999, 0.0000001999];
        // d = [(−0.0291/0.19)/√(0.0000900999/0.001999), (0.0019/0.19)/√(0.0000001999/0.001999)]
        //   ≈ [−0.72141, 1]; θ2 ≈ [0.97214, −1.2].
        let plain = try trajectory("adam", lr: 0.1, wd: 0, start: [1, -1], gradients: grads)
        #expect(close(plain[0], [0.9, -1.1], tol: 1e-5))
        let p0 = (-0.0291 / 0.19) / ((0.0000900999 / 0.001999).squareRoot() + 1e-8)
        let p1 = (0.0019 / 0.19) / ((0.0000001999 / 0.001999).squareRoot() + 1e-8)
        #expect(close(plain[1], [0.9 - 0.1 * p0, -1.1 - 0.1 * p1], tol: 1e-5))
        #expect(!close(decayed[0], plain[0], tol: 1e-3) && !close(decayed[1], plain[1], tol: 1e-3))
    }

    /// Without momentum RMSProp's first step is also sign(g)·α/√(1−ρ): the same two-step construction.
    @Test("rmsprop: wd·θ enters g before the square average and the step")
    func rmsprop() throws {
        // α = 0.01, ρ = 0.99, ε = 1e-8, wd = 0.5, θ0 = [1, −1]; g1 = [0.01, 0.01], g2 = [−0.3, 0.01].
        let grads: [[Float]] = [[0.01, 0.01], [-0.3, 0.01]]
        let decayed = try trajectory("rmsprop", lr: 0.01, wd: 0.5, start: [1, -1], gradients: grads)
        // Step 1: g = [0.51, −0.49]; v1 = 0.01·g² = [0.002601, 0.002401]; g/√v1 = 10·sign(g) = [10, −10];
        // θ1 = [1 − 0.1, −1 + 0.1] = [0.9, −0.9].
        #expect(close(decayed[0], [0.9, -0.9], tol: 1e-5))
        // Step 2: g = [−0.3 + 0.45, 0.01 − 0.45] = [0.15, −0.44];
        // v2 = 0.99·v1 + 0.01·g² = [0.00257499 + 0.000225, 0.00237699 + 0.001936] = [0.00279999, 0.00431299];
        // θ2 = θ1 − 0.01·g/(√v2 + ε) ≈ [0.9 − 0.028347, −0.9 + 0.066998] = [0.871653, −0.833002].
        let s0 = 0.15 / (0.00279999.squareRoot() + 1e-8)
        let s1 = -0.44 / (0.00431299.squareRoot() + 1e-8)
        #expect(close(decayed[1], [0.9 - 0.01 * s0, -0.9 - 0.01 * s1], tol: 1e-5))

        // wd = 0. Step 1: v1 = [1e-6, 1e-6], g/√v1 = [10, 10], θ1 = [0.9, −1.1].
        // Step 2: v2 = [0.00000099 + 0.0009, 0.00000099 + 0.000001] = [0.00090099, 0.00000199];
        // θ2 = [0.9 + 0.003/√0.00090099, −1.1 − 0.0001/√0.00000199] ≈ [0.999945, −1.170888].
        let plain = try trajectory("rmsprop", lr: 0.01, wd: 0, start: [1, -1], gradients: grads)
        #expect(close(plain[0], [0.9, -1.1], tol: 1e-5))
        let p0 = -0.3 / (0.00090099.squareRoot() + 1e-8)
        let p1 = 0.01 / (0.00000199.squareRoot() + 1e-8)
        #expect(close(plain[1], [0.9 - 0.01 * p0, -1.1 - 0.01 * p1], tol: 1e-5))
        #expect(!close(decayed[0], plain[0], tol: 1e-3) && !close(decayed[1], plain[1], tol: 1e-3))
    }
}
