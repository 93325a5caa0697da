import Foundation
import Testing
@testable import Training

/// The engine's threads: the pool runs every chunk once, the split layers keep their gradients,
/// and a run is reproducible for a seed and thread count and close to the one-thread run.
@Suite("Compute pool and multi-threaded layers")
struct ComputePoolTests {
    @Test("every chunk of every job runs exactly once, whichever thread claims it")
    func chunksRunOnce() {
        let pool = ComputePool(threads: 3)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 7)
        counts.initialize(repeating: 0, count: 7)
        defer { counts.deallocate() }
        for job in 0..<2000 {
            let chunks = job % 8  // 0…7 chunks, including the inline cases 0 and 1
            pool.run(chunks) { c in counts[c] += 1 }
        }
        // Chunk c ran in every job with more than c chunks: jobs with job % 8 in c+1…7.
        for c in 0..<7 { #expect(counts[c] == 250 * (7 - c), "chunk \(c) ran \(counts[c]) times") }
    }

    @Test("chunk ranges cover 0..<count in order without overlap", arguments: [(10, 3), (7, 7), (128, 2), (5, 8)])
    func chunkRanges(count: Int, chunks: Int) {
        var next = 0
        for c in 0..<chunks {
            let r = ComputePool.chunkRange(c, of: chunks, count: count)
            #expect(r.lowerBound == next)
            next = r.upperBound
        }
        #expect(next == count)
    }

    /// A pool that splits even the tiny inputs of a finite-difference check.
    private func splitting<R>(_ body: () -> R) -> R {
        ComputePool.with(ComputePool(threads: 2, splitsEverything: true), body)
    }

    private func expectGradients(_ layer: any Layer, input: Tensor) {
        let result = splitting { GradientCheck().run(layer, input: input) }
        #expect(result.compared > 0)
        #expect(result.mismatches.isEmpty, "\(layer.name): \(result.mismatches.prefix(5))")
        #expect(result.skipped == 0, "\(layer.name): \(result.skipped) probes looked like kinks")
    }

    @Test("split Conv2d matches finite differences", arguments: [(1, 2, 5), (2, 1, 3)])
    func conv(stride: Int, padding: Int, kernel: Int) {
        var rng = SplitMix64(seed: UInt64(30 + stride))
        let layer = Conv2d(inChannels: 2, outChannels: 3, kernel: kernel, stride: stride, padding: padding, rng: &rng)
        layer.needsInputGradient = true
        layer.bias.fill { rng.nextUnitFloat() - 0.5 }
        expectGradients(layer, input: randomTensor([3, 2, 7, 6], seed: 31))
    }

    @Test("split Linear, ReLU, Tanh and MaxPool2d match finite differences")
    func denseAndPooling() {
        var rng = SplitMix64(seed: 32)
        let linear = Linear(inFeatures: 7, outFeatures: 5, rng: &rng)
        linear.bias.fill { rng.nextUnitFloat() - 0.5 }
        expectGradients(linear, input: randomTensor([4, 7], seed: 33))
        var x = randomTensor([3, 10], seed: 34, in: 0.1...1)
        for i in stride(from: 0, to: x.count, by: 2) { x[flat: i] = -x[flat: i] }
        expectGradients(ReLU(), input: x)
        expectGradients(Tanh(), input: randomTensor([3, 10], seed: 35, in: -2...2))
        var order = SplitMix64(seed: 36)
        let values = (0..<(2 * 3 * 6 * 6)).map { Float($0) * 0.05 }.shuffled(using: &order)
        expectGradients(MaxPool2d(kernel: 2), input: Tensor(shape: [2, 3, 6, 6], values: values))
    }

    @Test("split softmax cross-entropy: same loss, count and gradient as one thread")
    func loss() {
        let logits = randomTensor([9, 5], seed: 37, in: -3...3)
        let labels: [Int32] = [0, 3, 4, 1, 2, 2, 0, 4, 1]
        func evaluate() -> (Double, Int, [Float]) {
            let loss = SoftmaxCrossEntropy()
            let r = labels.withUnsafeBufferPointer { loss.evaluate(logits: logits, labels: $0, computeGradient: true) }
            return (r.loss, r.correct, loss.gradientBuffer.scalars)
        }
        let one = evaluate(), two = splitting { evaluate() }
        #expect(abs(one.0 - two.0) <= 1e-12 * abs(one.0))
        #expect(one.1 == two.1)
        #expect(one.2 == two.2)  // each row's gradient is computed by one thread, the same way
    }

    /// All weights of `model` after `steps` SGD-with-momentum steps on one synthetic batch.
    private func trainedWeights(_ model: String, threads: Int, steps: Int) throws -> [Float] {
        try ComputePool.withThreads(threads) {
            let net = try ModelFactory.make(model, inputShape: [1, 28, 28], classes: 10, seed: 3)
            let optimizer = SGD(learningRate: 0.02, momentum: 0.9)
            var rng = SplitMix64(seed: 4)
            var input = Tensor(shape: [64, 1, 28, 28])
            input.withUnsafeMutableBufferPointer { xs in
                for i in 0..<xs.count { xs[i] = rng.nextUnitFloat() }
            }
            let labels = (0..<64).map { _ in Int32(rng.next() % 10) }
            let loss = SoftmaxCrossEntropy()
            for step in 1...steps {
                net.zeroGradients()
                let logits = net.forward(input, mode: .training)
                _ = labels.withUnsafeBufferPointer { loss.evaluate(logits: logits, labels: $0, computeGradient: true) }
                _ = net.backward(loss.gradientBuffer)
                optimizer.update(net.parameterViews, step: step)
            }
            return net.parameters.flatMap { Array($0.values) }
        }
    }

    @Test("same seed and thread count: bit-identical weights", arguments: ["lenet5", "mlp-small"])
    func reproducible(model: String) throws {
        let first = try trainedWeights(model, threads: 2, steps: 6)
        let second = try trainedWeights(model, threads: 2, steps: 6)
        #expect(first == second)
    }

    @Test("two threads train to the one-thread weights within rounding", arguments: ["lenet5", "mlp", "logreg"])
    func twoThreadsMatchOne(model: String) throws {
        let one = try trainedWeights(model, threads: 1, steps: 6)
        let two = try trainedWeights(model, threads: 2, steps: 6)
        #expect(one.count == two.count)
        // Only the order of a few sums differs (per-chunk partial ∂W and ∂b): float rounding, relative
        // to the weights' scale, after six steps.
        let scale = one.reduce(Float(0)) { Swift.max($0, abs($1)) }
        let worst = zip(one, two).reduce(Float(0)) { Swift.max($0, abs($1.0 - $1.1)) }
        #expect(worst <= 1e-5 * scale, "\(model): largest difference \(worst) at weight scale \(scale)")
        #expect(one != Array(repeating: 0, count: one.count))
    }

    @Test("thread budget: slots × threads ≤ cores", arguments: [
        (2, 1, 2, 2, false), (2, 2, 2, 1, true), (4, 3, 8, 2, true), (1, 4, 2, 1, false), (3, 2, 8, 3, false),
    ])
    func budget(requested: Int, slots: Int, cores: Int, expected: Int, warns: Bool) {
        let b = ThreadBudget(requested: requested, slots: slots, cores: cores)
        #expect(b.threadsPerTrial == expected)
        #expect((b.warning != nil) == warns)
        #expect(b.threadsPerTrial * slots <= max(cores, slots))
    }
}

@Suite("OpenBLAS kernel choice")
struct BLASCoreTests {
    @Test("generic kernels on an AVX2 / AVX-512 CPU are replaced; suitable ones and old CPUs are left alone")
    func betterCore() {
        let avx2: Set<String> = ["sse4_2", "avx", "avx2", "fma"]
        let avx512 = avx2.union(["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"])
        #expect(BLASCore.betterCoreType(current: "Prescott", cpuFlags: avx512.union(["avx512_bf16"])) == "SkylakeX")
        #expect(BLASCore.betterCoreType(current: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(BLASCore.betterCoreType(current: "Nehalem", cpuFlags: avx2) == "Haswell")
        #expect(BLASCore.betterCoreType(current: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
        #expect(BLASCore.betterCoreType(current: "Haswell", cpuFlags: avx512) == nil)
        #expect(BLASCore.betterCoreType(current: "Zen", cpuFlags: avx2) == nil)
    }

    @Test("this process reports the kernels OpenBLAS loaded")
    func currentCore() {
        #expect(!BLASCore.current.isEmpty)
    }
}
