import Foundation
import SweepKit

/// `autodrop`: SGD with (Nesterov) momentum whose learning rate drops by itself when the angular
/// velocity of the weights saturates (Teng, Wang & Choromanska, "AutoDrop: Training Deep Learning
/// Models with Automatic Learning Rate Drop", arXiv 2111.15317; ALGORITHMS.md §4).
///
/// Steps are ``SGD``'s with rate α·s (s the schedule's factor, 1 by default) and weight decay added
/// into the gradient. Every `period` updates (one epoch by default), just after the period's first
/// update (updates 1, P+1, 2P+1, …), the weights are snapshotted: x_e. With s_e = x_e − x_{e−1},
/// the angular velocity is ω_e = ∠(s_e, s_{e−1}) in degrees (arccos of the clamped cosine); the
/// first exists at the third snapshot. When |ω_e − ω_{e−1}| < θ a countdown latches; the next
/// E_extra snapshots x_1 … x_E (numbered j = 1 … E after the latch) are accumulated, and at the
/// last one:
///
///     α ← max(ρ·α, α_min)   (never raised above the current α)
///     θ ← min(θ/ρ, θ_max)
///     x ← Σ j·x_j / Σ j      (when `average_weights`; nothing to average when E_extra = 0)
///
/// After a drop the snapshot history restarts from the current weights (no displacement, no ω), so
/// ω is measured afresh at the new rate and a new latch needs two new ω values.
public final class AutoDrop: Optimizer {
    /// α: the rate before the schedule's factor, lowered at each drop.
    public private(set) var alpha: Double
    /// θ: the current saturation threshold in degrees, raised at each drop.
    public private(set) var theta: Double
    /// The last angular velocity ω in degrees, nil before the first one exists.
    public private(set) var angularVelocity: Double?
    /// Number of drops so far.
    public private(set) var drops = 0
    public let momentum: Double
    public let nesterov: Bool
    public let dropFactor: Double
    public let thetaMax: Double
    public let minLR: Double
    public let extraPeriods: Int
    /// Updates between snapshots.
    public let period: Int
    public let averageWeights: Bool
    public let weightDecay: Double
    public var scheduleFactor: Double = 1
    /// α · scheduleFactor.
    public var learningRate: Double { alpha * scheduleFactor }
    /// `lr`, `lr_drops` and, once it exists, `angular_velocity` (degrees).
    public var metrics: [String: Double] {
        var m = ["lr": learningRate, "lr_drops": Double(drops)]
        if let w = angularVelocity { m["angular_velocity"] = w }
        return m
    }

    private var buffers: [StateBuffer] = []
    private var previousSnapshot: [StateBuffer] = []
    private var previousDisplacement: [StateBuffer] = []
    private var average: [StateBuffer] = []
    private var hasSnapshot = false
    private var hasDisplacement = false
    private var previousOmega: Double?
    /// Snapshots left before the drop, nil when no countdown is latched.
    private var countdown: Int?
    /// j: the number of snapshots accumulated since the latch.
    private var accumulated = 0
    private var t = 0

    public init(learningRate: Double, momentum: Double = 0.9, nesterov: Bool = true, dropFactor: Double = 0.2,
                theta: Double = 0.01, thetaMax: Double = 1, minLR: Double = 1e-4, extraPeriods: Int = 20,
                period: Int, averageWeights: Bool = true, weightDecay: Double = 0) {
        precondition(period > 0 && extraPeriods >= 0 && dropFactor > 0)
        self.alpha = learningRate
        self.theta = theta
        self.momentum = momentum
        self.nesterov = nesterov
        self.dropFactor = dropFactor
        self.thetaMax = thetaMax
        self.minLR = minLR
        self.extraPeriods = extraPeriods
        self.period = period
        self.averageWeights = averageWeights
        self.weightDecay = weightDecay
    }

    public func update(_ parameters: [ParameterView], step: Int) {
        if buffers.isEmpty {
            buffers = StateBuffer.matching(parameters)
            previousSnapshot = StateBuffer.matching(parameters)
            previousDisplacement = StateBuffer.matching(parameters)
            if averageWeights { average = StateBuffer.matching(parameters) }
        }
        StateBuffer.check(buffers, against: parameters, "autodrop")
        let lr = Float(alpha * scheduleFactor), wd = Float(weightDecay), mu = Float(momentum)
        // Nesterov: d = g + μ·b; heavy ball: d = b.
        let onGrad: Float = nesterov ? 1 : 0, onBuffer: Float = nesterov ? mu : 1
        for (k, p) in parameters.enumerated() {
            let x = p.value, g = p.grad, b = buffers[k].pointer
            for i in 0..<x.count {
                let gi = g[i] + wd * x[i]
                let bi = mu * b[i] + gi
                b[i] = bi
                x[i] -= lr * (onGrad * gi + onBuffer * bi)
            }
        }
        t += 1
        if (t - 1) % period == 0 { snapshot(parameters) }
    }

    private func snapshot(_ parameters: [ParameterView]) {
        guard hasSnapshot else {
            for (k, p) in parameters.enumerated() { _ = previousSnapshot[k].buffer.update(fromContentsOf: p.value) }
            hasSnapshot = true
            return
        }
        var dot = 0.0, nn = 0.0, dd = 0.0
        for (k, p) in parameters.enumerated() {
            let x = p.value, last = previousSnapshot[k].pointer, d = previousDisplacement[k].pointer
            for i in 0..<x.count {
                let si = x[i] - last[i]
                let di = Double(d[i]), sd = Double(si)
                dot += sd * di
                nn += sd * sd
                dd += di * di
                d[i] = si
                last[i] = x[i]
            }
        }
        var omega: Double?
        if hasDisplacement, nn > 0, dd > 0 {
            let cosine = Swift.min(Swift.max(dot / (nn * dd).squareRoot(), -1), 1)
            omega = acos(cosine) * 180 / Double.pi
        }
        hasDisplacement = true
        if let w = omega { angularVelocity = w }

        if let left = countdown {
            accumulated += 1
            if averageWeights {
                let j = Float(accumulated)
                for (k, p) in parameters.enumerated() {
                    let x = p.value, a = average[k].pointer
                    for i in 0..<x.count { a[i] += j * x[i] }
                }
            }
            countdown = left - 1
        } else if let w = omega, let w0 = previousOmega, abs(w - w0) < theta {
            countdown = extraPeriods
            accumulated = 0
            for a in average { a.zero() }
        }
        if let w = omega { previousOmega = w }
        if countdown == 0 { drop(parameters) }
    }

    private func drop(_ parameters: [ParameterView]) {
        alpha = Swift.min(alpha, Swift.max(dropFactor * alpha, minLR))
        theta = Swift.min(theta / dropFactor, thetaMax)
        drops += 1
        if averageWeights && accumulated > 0 {
            // Σ_{j=1}^{n} j = n(n+1)/2
            let scale = Float(2.0 / Double(accumulated * (accumulated + 1)))
            for (k, p) in parameters.enumerated() {
                let x = p.value, a = average[k].pointer
                for i in 0..<x.count { x[i] = a[i] * scale }
            }
        }
        countdown = nil
        accumulated = 0
        for (k, p) in parameters.enumerated() { _ = previousSnapshot[k].buffer.update(fromContentsOf: p.value) }
        hasDisplacement = false
        previousOmega = nil
    }
}

extension AutoDrop {
    static let descriptor = MethodDescriptor(
        name: "autodrop",
        summary: "AutoDrop (Teng et al. 2021): momentum SGD whose α drops by ρ when the angular velocity of the "
            + "weights saturates",
        options: [
            OptionDescriptor("momentum", .number, default: .double(0.9), min: 0, max: 0.999999,
                             help: "momentum coefficient μ"),
            OptionDescriptor("nesterov", .boolean, default: .bool(true), help: "Nesterov momentum (else heavy ball)"),
            OptionDescriptor("drop_factor", .number, default: .double(0.2), min: 1e-6, max: 1,
                             help: "ρ: α ← max(ρ·α, min_lr) and θ ← min(θ/ρ, theta_max) at each drop"),
            OptionDescriptor("theta", .number, default: .double(0.01), min: 0, max: 180,
                             help: "initial saturation threshold θ_0 on |ω_e − ω_{e−1}|, degrees (authors: 0.01; "
                                 + "short runs need ~1)"),
            OptionDescriptor("theta_max", .number, default: .double(1), min: 0, max: 180,
                             help: "upper limit of θ, degrees"),
            OptionDescriptor("min_lr", .number, default: .double(1e-4), min: 0, help: "α_min: no drop below it"),
            OptionDescriptor("extra_periods", .integer, default: .int(20), min: 0,
                             help: "E_extra: snapshots between the latch and the drop (authors: 20 epochs; short "
                                 + "runs 2–3)"),
            OptionDescriptor("period", .integer, default: .int(0), min: 0,
                             help: "steps between weight snapshots; 0 = one epoch"),
            OptionDescriptor("average_weights", .boolean, default: .bool(true),
                             help: "at a drop, replace the weights by Σ j·x_j / Σ j over the countdown's snapshots"),
        ])
}
