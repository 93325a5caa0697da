import Testing
import Training

@Suite("Tensor storage and products")
struct TensorTests {
    @Test("copies are independent once written (copy-on-write)")
    func copyOnWrite() {
        var a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let b = a
        a[flat: 0] = 42
        #expect(a.scalars == [42, 2, 3, 4, 5, 6])
        #expect(b.scalars == [1, 2, 3, 4, 5, 6])
    }

    @Test("resize reuses unshared storage that is large enough")
    func resizeReuses() {
        var t = Tensor(shape: [4, 8])
        // Counted on this thread only: other suites allocate tensors in parallel with this one.
        #expect(Tensor.allocations {
            t.resize(to: [2, 8])
            t.resize(to: [4, 8])
        } == 0)
        #expect(t.shape == [4, 8] && t.count == 32)
        #expect(Tensor.allocations { t.resize(to: [8, 8]) } == 1, "larger than the capacity: must allocate")
    }

    @Test("matmul agrees with the schoolbook product, with and without transposes")
    func matmul() {
        let a = randomTensor([3, 4], seed: 1), b = randomTensor([4, 5], seed: 2)
        let av = a.scalars, bv = b.scalars
        func naive(_ i: Int, _ j: Int) -> Float { (0..<4).reduce(0) { $0 + av[i * 4 + $1] * bv[$1 * 5 + j] } }
        let c = a.matmul(b)
        #expect(c.shape == [3, 5])
        for i in 0..<3 {
            for j in 0..<5 { #expect(abs(c[flat: i * 5 + j] - naive(i, j)) < 1e-5) }
        }
        // (Bᵀ)ᵀ·… : build Aᵀ explicitly and ask for the transposed product.
        var at = Tensor(shape: [4, 3])
        for i in 0..<3 {
            for k in 0..<4 { at[flat: k * 3 + i] = av[i * 4 + k] }
        }
        let c2 = at.matmul(b, transposeSelf: true)
        #expect(c2.scalars == c.scalars)
    }

    @Test("a warm training step allocates no tensor storage")
    func noAllocationWhenWarm() {
        var rng = SplitMix64(seed: 3)
        let model = Sequential(inputShape: [1, 8, 8], layers: [
            Conv2d(name: "conv", inChannels: 1, outChannels: 4, kernel: 3, padding: 1, rng: &rng),
            BatchNorm(name: "bn", channels: 4), ReLU(), MaxPool2d(kernel: 2), Flatten(),
            Linear(name: "fc", inFeatures: 64, outFeatures: 10, rng: &rng),
        ])
        let x = randomTensor([16, 1, 8, 8], seed: 4)
        let labels = (0..<16).map { Int32($0 % 10) }
        let loss = SoftmaxCrossEntropy()
        func step() {
            // The logits must be released before the next forward pass (as the trainer's loop body
            // does), or the last layer's output is shared and has to be copied.
            do {
                model.zeroGradients()
                let logits = model.forward(x, mode: .training)
                _ = labels.withUnsafeBufferPointer { loss.evaluate(logits: logits, labels: $0, computeGradient: true) }
                _ = model.backward(loss.gradientBuffer)
            }
            _ = model.forward(x, mode: .evaluation)
        }
        step()
        step()
        // Counted on this thread only: other suites allocate tensors in parallel with this one.
        #expect(Tensor.allocations { for _ in 0..<5 { step() } } == 0)
    }
}
