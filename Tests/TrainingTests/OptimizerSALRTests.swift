import Foundation
import Testing
import SweepKit
import Training

@Suite("salr: structured self-adaptive rates")
struct OptimizerSALRTests {
    static let options: [String: ParamValue] = [
        "hyper_lr_global": .double(0.1), "hyper_lr_layer": .double(0.2), "hyper_lr_element": .double(0.05),
        "pull": .double(0.5), "lr_bounds": .list([.double(1e-3), .double(1)]),
    ]

    @Test("three steps over two layers, each level moved by its normalised hypergradient")
    func handWorked() throws {
        let opt = try OptimizerRegistry.make(name: "salr", lr: 0.1, options: Self.options, context: noDecay)
        let h = OptimizerHarness([[1], [1]], layers: [0, 1])

        // Step 1: s_0 = 0, nothing adapts; A = 0.1 everywhere; s_1 = A·g = [0.1, 0.1].
        h.step(opt, [[1], [1]])
        #expect(close(h.x, [0.9, 0.9]))
        #expect(close(opt.metrics["lr"], 0.1))
        #expect(close(opt.metrics["lr_mean"], 0.1))

        // Step 2, g = [2, −1]. Global: cos = (0.2 − 0.1)/(√5·√0.02) = 0.1/√0.1.
        // Layer 0: cos = +1 → 0.2; layer 1: cos = −1 → −0.2. Elements: ±0.05.
        h.step(opt, [[2], [-1]])
        let g2 = log(0.1) + 0.1 * (0.1 / 0.1.squareRoot())
        let a2 = [exp(g2 + 0.2 + 0.05), exp(g2 - 0.2 - 0.05)]
        #expect(close(opt.metrics["lr"], exp(g2)))
        #expect(close(opt.metrics["lr_mean"], (a2[0] + a2[1]) / 2))
        let x2 = [0.9 - a2[0] * 2, 0.9 + a2[1]]
        #expect(close(h.x, x2))
        let rates2 = (opt as? SALR)?.rates(h.views) ?? []
        #expect(close(rates2.flatMap { $0 }, a2))

        // Step 3, g = [1, 1]; s_2 = [2·a2[0], −a2[1]].
        // Global: cos = (s0 + s1)/(√2·‖s_2‖). Layer 0: cos = +1 → 0.5·0.2 + 0.2 = 0.3; layer 1: −0.3.
        // Elements: 0.5·0.05 + 0.05 = 0.075 and −0.075.
        h.step(opt, [[1], [1]])
        let s2 = [2 * a2[0], -a2[1]]
        let norm = (s2[0] * s2[0] + s2[1] * s2[1]).squareRoot()
        let g3 = g2 + 0.1 * (s2[0] + s2[1]) / (2.0.squareRoot() * norm)
        let a3 = [exp(g3 + 0.3 + 0.075), exp(g3 - 0.3 - 0.075)]
        #expect(close(opt.metrics["lr"], exp(g3)))
        #expect(close(h.x, [x2[0] - a3[0], x2[1] - a3[1]], tol: 1e-5))
    }

    @Test("on long tensors every coordinate steps by its own rate A_i·g_i")
    func longTensors() throws {
        let opt = try OptimizerRegistry.make(name: "salr", lr: 0.05, options: Self.options, context: noDecay)
        let n = 21  // two full 8-lane chunks and a tail of 5
        let h = OptimizerHarness([(0..<n).map { Float($0) / 10 }])
        let g1 = (0..<n).map { Float($0 % 3) - 1 }
        let g2 = (0..<n).map { Float($0 % 4) - 1.5 }
        h.step(opt, g1)
        let before = h.x
        h.step(opt, g2)
        let rates = ((opt as? SALR)?.rates(h.views) ?? []).flatMap { $0 }
        #expect(rates.count == n)
        for i in 0..<n {
            // Element offsets moved by ±β_e or 0 (where g1 = 0): each coordinate has its own rate.
            #expect(close(h.x[i], before[i] - rates[i] * Double(g2[i]), tol: 1e-6))
        }
        #expect(Set(rates.map { ($0 * 1e6).rounded() }).count == 3)
    }

    @Test("base adam: the rate multiplies the bias-corrected Adam direction")
    func adamBase() throws {
        var options = Self.options
        options["base"] = .string("adam")
        let opt = try OptimizerRegistry.make(name: "salr", lr: 0.1, options: options, context: noDecay)
        let h = OptimizerHarness([[1, 1]])
        h.step(opt, [4, -0.25])   // d = m̂/(√v̂ + ε) = g/|g|
        #expect(close(h.x, [0.9, 1.1]))
    }

    @Test("rates stay positive, finite and within lr_bounds under adversarial gradients", arguments: [0, 1, 2])
    func adversarial(pattern: Int) throws {
        let options: [String: ParamValue] = [
            "hyper_lr_global": .double(1), "hyper_lr_layer": .double(1), "hyper_lr_element": .double(1),
            "pull": .double(0), "lr_bounds": .list([.double(1e-4), .double(0.5)]),
        ]
        let opt = try OptimizerRegistry.make(name: "salr", lr: 0.01, options: options, context: noDecay)
        let h = OptimizerHarness([[0.5, -0.5, 1], [2, 0]], layers: [0, 1])
        var rng = SplitMix(seed: UInt64(pattern))
        for t in 0..<300 {
            let gradients: [[Float]]
            switch pattern {
            case 0:  // always the same direction: every hypergradient pushes the rates up
                gradients = [[1e6, 1e6, -1e6], [1e6, 1e6]]
            case 1:  // flipping sign every step: every hypergradient pushes them down
                let s: Float = t % 2 == 0 ? 1 : -1
                gradients = [[s * 1e5, s, -s * 1e-5], [s * 1e3, s]]
            default:  // huge random magnitudes, tiny ones and exact zeros
                gradients = [[rng.wild(), rng.wild(), 0], [rng.wild(), rng.wild()]]
            }
            h.step(opt, gradients)
            let rates = ((opt as? SALR)?.rates(h.views) ?? []).flatMap { $0 }
            #expect(rates.count == 5)
            #expect(rates.allSatisfy { $0 > 0 && $0.isFinite && $0 >= 1e-4 * (1 - 1e-6) && $0 <= 0.5 * (1 + 1e-6) })
            let lr = opt.metrics["lr"] ?? .nan, mean = opt.metrics["lr_mean"] ?? .nan
            #expect(lr > 0 && lr <= 0.5 * (1 + 1e-6) && mean > 0 && mean <= 0.5 * (1 + 1e-6))
        }
        let final = ((opt as? SALR)?.rates(h.views) ?? []).flatMap { $0 }
        if pattern == 0 { #expect(final.allSatisfy { abs($0 - 0.5) < 1e-6 }) }
        if pattern == 1 { #expect(final.allSatisfy { abs($0 - 1e-4) < 1e-9 }) }
    }

    @Test("lr_bounds must be positive")
    func boundsPositive() {
        #expect(throws: OptimizerError.self) {
            _ = try OptimizerRegistry.make(name: "salr", lr: 0.1,
                                           options: ["lr_bounds": .list([.double(0), .double(1)])], context: noDecay)
        }
    }

    @Test("its summary says it is ours, after the paper's abstract")
    func summary() throws {
        let d = try #require(OptimizerRegistry.descriptor(named: "salr"))
        #expect(d.summary.contains("Our") && d.summary.contains("abstract") && d.summary.contains("2210.10290"))
    }
}

/// SplitMix64, so the adversarial pattern is the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A random sign times 10^k for k in −8…8, or zero.
    mutating func wild() -> Float {
        let r = next()
        if r % 7 == 0 { return 0 }
        let sign: Float = (r >> 8) % 2 == 0 ? 1 : -1
        return sign * Float(pow(10, Double(Int((r >> 16) % 17) - 8)))
    }
}
