import Foundation
import Testing
import LRController
import Training

/// Central difference of `f` with respect to element `i` of `x`.
private func centralDifference(_ x: [Double], _ i: Int, h: Double = 1e-6, _ f: ([Double]) -> Double) -> Double {
    var a = x, b = x
    a[i] += h
    b[i] -= h
    return (f(a) - f(b)) / (2 * h)
}

@Suite("PPO controller: the math worked out by hand")
struct ControllerMathTests {
    @Test("GAE and returns of a three-step episode")
    func gae() {
        // r = [1, 2, 3], V = [0.5, 1, 1.5], γ = 0.9, λ = 0.8, V after the end = 0.
        // δ2 = 3 − 1.5 = 1.5;             A2 = 1.5
        // δ1 = 2 + 0.9·1.5 − 1 = 2.35;    A1 = 2.35 + 0.72·1.5 = 3.43
        // δ0 = 1 + 0.9·1 − 0.5 = 1.4;     A0 = 1.4 + 0.72·3.43 = 3.8696
        let (a, r) = GAE.estimate(rewards: [1, 2, 3], values: [0.5, 1, 1.5], gamma: 0.9, lambda: 0.8)
        #expect(zip(a, [3.8696, 3.43, 1.5]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(r, [4.3696, 4.43, 3.0]).allSatisfy { abs($0 - $1) < 1e-12 })
        // The paper's γ = 1, λ = 0.95 with the same numbers: δ = [1 + 1 − 0.5, 2 + 1.5 − 1, 3 − 1.5]
        // = [1.5, 2.5, 1.5], A2 = 1.5, A1 = 2.5 + 0.95·1.5 = 3.925, A0 = 1.5 + 0.95·3.925 = 5.22875.
        let (b, _) = GAE.estimate(rewards: [1, 2, 3], values: [0.5, 1, 1.5], gamma: 1, lambda: 0.95)
        #expect(zip(b, [5.22875, 3.925, 1.5]).allSatisfy { abs($0 - $1) < 1e-12 })
        // λ = 1, γ = 1: advantages are returns-to-go minus V.
        let (c, d) = GAE.estimate(rewards: [1, 2, 3], values: [0.5, 1, 1.5], gamma: 1, lambda: 1)
        #expect(zip(c, [5.5, 4, 1.5]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(d, [6.0, 5, 3]).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test("clipped surrogate: value and gradient on hand-worked ratios",
          arguments: [
              // (ratio, advantage, loss, ∂loss/∂log π)
              (1.5, 2.0, -2.4, 0.0),     // min(3, 1.2·2) = 2.4: clipped, no gradient
              (1.5, -2.0, 3.0, 3.0),     // min(−3, −2.4) = −3: unclipped, ∂ = −ρA = 3
              (1.1, 1.0, -1.1, -1.1),    // inside the region
              (0.5, -1.0, 0.8, 0.0),     // min(0.5·(−1), 0.8·(−1)) = −0.8: clipped
              (0.5, 1.0, -0.5, -0.5),    // min(0.5, 0.8) = 0.5: unclipped
          ])
    func surrogate(ratio: Double, advantage: Double, loss: Double, gradient: Double) {
        let old = -1.3
        let (l, g) = ClippedSurrogate.loss(logProbability: old + log(ratio), oldLogProbability: old,
                                           advantage: advantage, clip: 0.2)
        #expect(abs(l - loss) < 1e-12)
        #expect(abs(g - gradient) < 1e-12)
    }

    @Test("running moments merged batch by batch equal a two-pass computation")
    func runningMoments() {
        var rng = SplitMix64(seed: 3)
        let batches = [5, 1, 17, 3].map { n in
            (0..<n).map { _ in [Double(rng.nextGaussian()) * 3 + 1, Double(rng.nextUnitFloat()) * 1e-3] }
        }
        var m = RunningMoments(dimension: 2)
        #expect(m.normalize([4, -2], clip: 10) == [4, -2].map { $0 / (1 + 1e-8).squareRoot() })
        for b in batches { m.update(b) }
        let all = batches.flatMap { $0 }
        for k in 0..<2 {
            let mean = all.reduce(0) { $0 + $1[k] } / Double(all.count)
            let variance = all.reduce(0) { $0 + ($1[k] - mean) * ($1[k] - mean) } / Double(all.count)
            #expect(abs(m.mean[k] - mean) < 1e-12 * max(1, abs(mean)))
            #expect(abs(m.variance[k] - variance) < 1e-10 * variance)
        }
        #expect(m.count == Double(all.count))
        let z = m.normalize([m.mean[0] + 100 * m.variance[0].squareRoot(), m.mean[1]], clip: 10)
        #expect(z[0] == 10)
        #expect(abs(z[1]) < 1e-12)
    }

    @Test("dense network gradient matches central differences")
    func denseGradient() {
        var rng = SplitMix64(seed: 11)
        let net = DenseNetwork(sizes: [4, 6, 5, 3], outputGain: 1, rng: &rng)
        let x = [0.3, -1.2, 0.7, 2.0]
        let w = [0.5, -1.5, 2.0]  // L = w·y
        let trace = net.forward(x)
        var g = [Double](repeating: 0, count: net.parameters.count)
        net.backward(trace, outputGradient: w, into: &g)
        for i in stride(from: 0, to: net.parameters.count, by: 3) {
            let fd = centralDifference(net.parameters, i) { p in
                zip(DenseNetwork(sizes: net.sizes, parameters: p)(x), w).reduce(0) { $0 + $1.0 * $1.1 }
            }
            #expect(abs(fd - g[i]) < 1e-6, "parameter \(i)")
        }
    }

    @Test("PPO loss gradient matches central differences (discrete and continuous)",
          arguments: [ControllerActions.paperDiscrete, ControllerActions.paperContinuous])
    func ppoGradient(actions: ControllerActions) {
        var c = RateController(actions: actions, seed: 5)
        var rng = SplitMix64(seed: 9)
        c.actor = DenseNetwork(sizes: c.actor.sizes, outputGain: 1, rng: &rng)  // a non-uniform policy
        c.logStd = -0.4
        var config = PPOConfig()
        config.clipRange = 0.3
        var batch: [PPOSample] = []
        for i in 0..<6 {
            let x = (0..<7).map { _ in Double(rng.nextGaussian()) }
            let action: Double
            if case .discrete = actions { action = Double(i % 3) } else { action = Double(rng.nextGaussian()) }
            // Old log-probabilities a little off the current ones: some ratios in, some out of the region.
            let current: Double
            switch actions {
            case .discrete: current = RateController.logSoftmax(c.actor(x))[Int(action)]
            case .continuous: current = RateController.gaussianLogDensity(action, mean: c.actor(x)[0], logStd: c.logStd)
            }
            let old = current + [0.05, -0.5, 0.4, -0.1, 0.7, -0.02][i]
            batch.append(PPOSample(observation: x, action: action, oldLogProbability: old,
                                   advantage: Double(rng.nextGaussian()), target: Double(rng.nextGaussian())))
        }
        let (_, g) = c.ppoLoss(batch, config: config)
        func loss(_ m: RateController) -> Double { m.ppoLoss(batch, config: config).terms.total(config) }
        for i in stride(from: 0, to: c.actor.parameters.count, by: 7) {
            let fd = centralDifference(c.actor.parameters, i) { p in
                var m = c
                m.actor.parameters = p
                return loss(m)
            }
            #expect(abs(fd - g.actor[i]) < 1e-6, "actor parameter \(i)")
        }
        for i in stride(from: 0, to: c.critic.parameters.count, by: 7) {
            let fd = centralDifference(c.critic.parameters, i) { p in
                var m = c
                m.critic.parameters = p
                return loss(m)
            }
            #expect(abs(fd - g.critic[i]) < 1e-6, "critic parameter \(i)")
        }
        if case .continuous = actions {
            let fd = centralDifference([c.logStd], 0) { p in
                var m = c
                m.logStd = p[0]
                return loss(m)
            }
            #expect(abs(fd - g.logStd) < 1e-6)
        }
    }

    @Test("actions change the rate by exactly ×1.05, ÷1.05 or nothing, within [1e-5, 0.1]")
    func actions() {
        let a = ControllerActions.paperDiscrete
        let b = ControlledRate.paperBounds
        #expect(ControlledRate.apply(a.factor(of: 0), to: 1e-3, bounds: b) == 1e-3 * 1.05)
        #expect(ControlledRate.apply(a.factor(of: 1), to: 1e-3, bounds: b) == 1e-3 * (1 / 1.05))
        #expect(ControlledRate.apply(a.factor(of: 2), to: 1e-3, bounds: b) == 1e-3)
        #expect(ControlledRate.apply(a.factor(of: 0), to: 0.099, bounds: b) == 0.1)
        #expect(ControlledRate.apply(a.factor(of: 1), to: 1.02e-5, bounds: b) == 1e-5)
        var rate = 0.05
        for _ in 0..<100 { rate = ControlledRate.apply(1.05, to: rate, bounds: b) }
        #expect(rate == 0.1)
        let c = ControllerActions.paperContinuous
        #expect(c.factor(of: 0) == 1)
        #expect(c.factor(of: 1) == 1.05)
        #expect(c.factor(of: 7) == 1.05)
        #expect(abs(c.factor(of: -1) - 1 / 1.05) < 1e-15)
        #expect(abs(c.factor(of: 0.5) - 1.05.squareRoot()) < 1e-15)
    }
}
