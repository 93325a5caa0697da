import Foundation

/// Throughput of the training engine for one model, with BLAS's own throughput on the same
/// matrix shapes as the yardstick (`lrsweep bench train`).
public struct TrainBenchmark: Sendable, Codable {
    public var model: String
    public var batchSize: Int
    public var threads: Int
    /// Timed training steps (after warm-up).
    public var steps: Int
    /// Wall-clock seconds of the timed steps.
    public var seconds: Double
    public var samplesPerSecond: Double
    /// `cblas_sgemm` throughput on exactly the products one step performs, same threads.
    public var sgemmGflops: Double
    /// Matrix-product FLOPs of a step (forward + backward) divided by the step's time.
    public var modelGflops: Double
    /// `modelGflops / sgemmGflops`: the share of the step's time spent doing useful BLAS work;
    /// the rest is im2col, pooling, activations, the loss, the optimizer and data movement.
    public var efficiency: Double
    /// Matrix-product FLOPs per step.
    public var flopsPerStep: Double
    /// The products of one step, in the order they run.
    public var gemmShapes: [String]
}

/// Times training steps of `model` on synthetic inputs (1×28×28, 10 classes) with plain SGD on a
/// ``ComputePool`` of `threads` threads, then times `cblas_sgemm` alone (OpenBLAS's own threading,
/// same thread count) on the same shapes, in the same process.
///
/// Both phases are warmed up first (a tenth of `steps`, at least 3) so that first-touch page
/// faults and OpenBLAS's thread start-up are not measured; then each runs in up to five rounds
/// and keeps its fastest round (robust to other processes sharing the cores), training first.
///
/// - Throws: ``TrainingError`` for an unknown model or non-positive sizes.
public func benchmarkTraining(model name: String, batchSize: Int, threads: Int, steps: Int) throws -> TrainBenchmark {
    guard batchSize >= 1, threads >= 1, steps >= 1 else {
        throw TrainingError.badConfig("batch size, threads and steps must all be at least 1")
    }
    // The engine's threads: a pool on this thread, single-threaded OpenBLAS inside it.
    return try ComputePool.withThreads(threads) {
        try measureTraining(model: name, batchSize: batchSize, threads: threads, steps: steps)
    }
}

private func measureTraining(model name: String, batchSize: Int, threads: Int, steps: Int) throws -> TrainBenchmark {
    let inputShape = [1, 28, 28], classes = 10
    let model = try ModelFactory.make(name, inputShape: inputShape, classes: classes, seed: 1, dataset: "synthetic")
    let context = OptimizerContext(stepsPerEpoch: steps, totalSteps: steps, weightDecay: 0)
    let optimizer = try OptimizerRegistry.make(name: "sgd", lr: 1e-3, options: [:], context: context)
    var rng = SplitMix64(seed: 7, stream: SplitMix64.Stream.synthetic)
    var input = Tensor(shape: [batchSize] + inputShape)
    input.withUnsafeMutableBufferPointer { xs in
        for i in 0..<xs.count { xs[i] = rng.nextUnitFloat() }
    }
    let labels = (0..<batchSize).map { _ in Int32(rng.next() % UInt64(classes)) }
    let loss = SoftmaxCrossEntropy()
    let views = model.parameterViews
    func trainStep(_ step: Int) {
        model.zeroGradients()
        let logits = model.forward(input, mode: .training)
        _ = labels.withUnsafeBufferPointer { loss.evaluate(logits: logits, labels: $0, computeGradient: true) }
        _ = model.backward(loss.gradientBuffer)
        optimizer.update(views, step: step)
    }
    let warmUp = Swift.max(3, steps / 10)
    for s in 0..<warmUp { trainStep(s + 1) }
    let shapes = model.gemmShapes(inputShape: inputShape, batch: batchSize)
    let flopsPerStep = shapes.reduce(0) { $0 + $1.flops }
    let gemms = GemmTimer(shapes, rng: &rng)
    // The yardstick is OpenBLAS itself at the same thread count (its own threading), switched on
    // around the product phase only.
    func gemmPhase(_ body: () -> Void) -> Double {
        BLAS.setThreads(threads)
        defer { BLAS.setThreads(1) }
        return timed(body)
    }

    // Each phase in rounds, keeping its fastest round: on a shared machine another process's burst
    // then slows one round, not the figure. The phases do not alternate: after a threaded product
    // OpenBLAS's worker threads keep spinning for a while, and would compete with the pool's
    // threads in the next training round (a cost no trial pays: trials never thread OpenBLAS).
    let rounds = Swift.min(5, steps)
    var bestStep = Double.infinity, bestGemm = Double.infinity
    var done = 0
    for round in 0..<rounds {
        let n = (steps * (round + 1)) / rounds - (steps * round) / rounds
        let t = timed { for s in 0..<n { trainStep(warmUp + done + s + 1) } }
        done += n
        bestStep = Swift.min(bestStep, t / Double(n))
    }
    _ = gemmPhase { for _ in 0..<warmUp { gemms.runOnce() } }
    for round in 0..<rounds {
        let n = (steps * (round + 1)) / rounds - (steps * round) / rounds
        let g = gemmPhase { for _ in 0..<n { gemms.runOnce() } }
        bestGemm = Swift.min(bestGemm, g / Double(n))
    }
    let trainSeconds = bestStep * Double(steps), gemmSeconds = bestGemm * Double(steps)
    let modelGflops = flopsPerStep * Double(steps) / trainSeconds / 1e9
    let sgemmGflops = flopsPerStep * Double(steps) / gemmSeconds / 1e9
    return TrainBenchmark(model: name, batchSize: batchSize, threads: threads, steps: steps, seconds: trainSeconds,
                          samplesPerSecond: Double(batchSize * steps) / trainSeconds, sgemmGflops: sgemmGflops,
                          modelGflops: modelGflops, efficiency: modelGflops / sgemmGflops,
                          flopsPerStep: flopsPerStep, gemmShapes: shapes.map(\.description))
}

/// One thread against `threads` threads on the same model, measured in the same run.
public struct ThreadComparison: Sendable {
    /// The one-thread figures (nil when `threads` is 1).
    public var single: TrainBenchmark?
    public var threaded: TrainBenchmark
    /// threaded samples/s ÷ one-thread samples/s.
    public var speedup: Double? { single.map { threaded.samplesPerSecond / $0.samplesPerSecond } }
}

/// ``benchmarkTraining(model:batchSize:threads:steps:)`` at one thread and at `threads`,
/// alternating twice (1, T, 1, T) and keeping each side's faster run, so that a burst of other
/// work on the machine slows one run rather than one side of the comparison.
public func compareThreads(model: String, batchSize: Int, threads: Int, steps: Int) throws -> ThreadComparison {
    guard threads > 1 else {
        return ThreadComparison(single: nil, threaded: try benchmarkTraining(model: model, batchSize: batchSize,
                                                                             threads: threads, steps: steps))
    }
    var single: TrainBenchmark?, threaded: TrainBenchmark?
    func faster(_ a: TrainBenchmark?, _ b: TrainBenchmark) -> TrainBenchmark {
        guard let a, a.samplesPerSecond >= b.samplesPerSecond else { return b }
        return a
    }
    for _ in 0..<2 {
        single = faster(single, try benchmarkTraining(model: model, batchSize: batchSize, threads: 1, steps: steps))
        threaded = faster(threaded, try benchmarkTraining(model: model, batchSize: batchSize, threads: threads,
                                                          steps: steps))
    }
    guard let threaded else { preconditionFailure("two rounds ran") }
    return ThreadComparison(single: single, threaded: threaded)
}

/// Seconds `body` takes on the monotonic clock.
func timed(_ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    let d = clock.measure(body)
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Runs the products of one training step, once per call, on private random matrices.
private final class GemmTimer {
    struct Operands {
        let shape: GemmShape
        let a: UnsafeMutablePointer<Float>
        let b: UnsafeMutablePointer<Float>
        let c: UnsafeMutablePointer<Float>
    }

    private let operands: [Operands]

    init(_ shapes: [GemmShape], rng: inout SplitMix64) {
        func buffer(_ n: Int, _ rng: inout SplitMix64) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            for i in 0..<n { p[i] = rng.nextUnitFloat() - 0.5 }
            return p
        }
        var list: [Operands] = []
        for s in shapes {
            list.append(Operands(shape: s, a: buffer(s.m * s.k, &rng), b: buffer(s.k * s.n, &rng),
                                 c: buffer(s.m * s.n, &rng)))
        }
        operands = list
    }

    deinit {
        for o in operands {
            o.a.deallocate()
            o.b.deallocate()
            o.c.deallocate()
        }
    }

    func runOnce() {
        for o in operands {
            // β = 0 throughout: the accumulating (β = 1) products cost the same in OpenBLAS.
            BLAS.gemm(transA: o.shape.transA, transB: o.shape.transB, m: o.shape.m, n: o.shape.n, k: o.shape.k,
                      a: o.a, b: o.b, beta: 0, c: o.c)
        }
    }
}
