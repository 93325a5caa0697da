import SweepKit

/// One trainable tensor as an optimizer sees it during one update.
///
/// The buffers point into the model's parameter storage and are valid only for the duration of
/// the ``Optimizer/update(_:step:)`` call that receives them. The optimizer may write into `grad`
/// (for example to add weight decay) as well as into `value`.
public struct ParameterView {
    /// Dotted name such as `fc1.weight`.
    public let name: String
    /// Index of the layer the tensor belongs to (weights and bias of one layer share it), for
    /// methods with per-layer state such as `salr`.
    public let layer: Int
    public let value: UnsafeMutableBufferPointer<Float>
    public let grad: UnsafeMutableBufferPointer<Float>

    public init(name: String, layer: Int, value: UnsafeMutableBufferPointer<Float>,
                grad: UnsafeMutableBufferPointer<Float>) {
        self.name = name
        self.layer = layer
        self.value = value
        self.grad = grad
    }
}

/// Facts about the training run that some methods need (AutoDrop's epoch, schedules' horizon).
public struct OptimizerContext: Sendable, Hashable {
    public var stepsPerEpoch: Int
    public var totalSteps: Int
    /// L2 weight decay `wd`: methods add `wd·θ` to the gradient (AdamW decouples it).
    public var weightDecay: Double

    public init(stepsPerEpoch: Int, totalSteps: Int, weightDecay: Double) {
        self.stepsPerEpoch = stepsPerEpoch
        self.totalSteps = totalSteps
        self.weightDecay = weightDecay
    }
}

/// An optimizer: one call per step over all parameters at once (S4TF's `update(_:along:)` shape),
/// so that hypergradient methods can take the global dot product g_t · d_{t−1}.
///
/// Per-parameter state is keyed by the parameter's index in the array passed to `update`, which
/// the trainer keeps in the same order on every step.
public protocol Optimizer: AnyObject {
    /// Applies one update. `step` counts from 1.
    func update(_ parameters: [ParameterView], step: Int)
    /// Multiplier on the learning rate set by the schedule before each update (1 when constant).
    var scheduleFactor: Double { get set }
    /// The learning rate the last (or next) update uses: α for single-rate methods, a
    /// representative value (the global factor) for per-parameter methods.
    var learningRate: Double { get }
    /// Values recorded as metric curves at each evaluation; always holds `lr`.
    var metrics: [String: Double] { get }
}

extension Optimizer {
    public var metrics: [String: Double] { ["lr": learningRate] }
}
