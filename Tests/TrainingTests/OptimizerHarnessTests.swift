import Testing
import SweepKit
import Training

// Test support for the optimizer and schedule suites (named to match the Optimizer*Tests.swift files
// that the optimizer owner keeps).

/// Small parameter tensors in memory this harness owns, fed with chosen gradients step by step.
final class OptimizerHarness {
    let values: [UnsafeMutableBufferPointer<Float>]
    let grads: [UnsafeMutableBufferPointer<Float>]
    let views: [ParameterView]
    private(set) var steps = 0

    /// - Parameters:
    ///   - initial: one array per tensor.
    ///   - layers: the layer index of each tensor (default: tensor k in layer k).
    init(_ initial: [[Float]], layers: [Int]? = nil) {
        var values: [UnsafeMutableBufferPointer<Float>] = []
        var grads: [UnsafeMutableBufferPointer<Float>] = []
        var views: [ParameterView] = []
        for (k, tensor) in initial.enumerated() {
            let v = UnsafeMutableBufferPointer<Float>.allocate(capacity: tensor.count)
            _ = v.initialize(from: tensor)
            let g = UnsafeMutableBufferPointer<Float>.allocate(capacity: tensor.count)
            g.initialize(repeating: 0)
            values.append(v)
            grads.append(g)
            views.append(ParameterView(name: "p\(k)", layer: layers?[k] ?? k, value: v, grad: g))
        }
        self.values = values
        self.grads = grads
        self.views = views
    }

    deinit {
        for v in values { v.deallocate() }
        for g in grads { g.deallocate() }
    }

    /// One update with these gradients (one array per tensor).
    func step(_ optimizer: any Optimizer, _ gradients: [[Float]]) {
        precondition(gradients.count == grads.count)
        for (g, given) in zip(grads, gradients) {
            precondition(g.count == given.count)
            for i in given.indices { g[i] = given[i] }
        }
        steps += 1
        optimizer.update(views, step: steps)
    }

    /// Shorthand for a single tensor.
    func step(_ optimizer: any Optimizer, _ gradient: [Float]) { step(optimizer, [gradient]) }

    /// The current values of every tensor, flattened, as Doubles.
    var x: [Double] { values.flatMap { $0.map(Double.init) } }
}

let noDecay = OptimizerContext(stepsPerEpoch: 10, totalSteps: 100, weightDecay: 0)

func context(weightDecay: Double = 0, stepsPerEpoch: Int = 10, totalSteps: Int = 100) -> OptimizerContext {
    OptimizerContext(stepsPerEpoch: stepsPerEpoch, totalSteps: totalSteps, weightDecay: weightDecay)
}

/// |a − b| ≤ tol·max(1, |b|) for every element.
func close(_ a: [Double], _ b: [Double], tol: Double = 2e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol * max(1, abs($1)) }
}

func close(_ a: Double?, _ b: Double, tol: Double = 2e-6) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tol * max(1, abs(b))
}
