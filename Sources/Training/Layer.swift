/// Whether a forward pass is part of a training step or an evaluation.
///
/// Training caches what backward needs, samples dropout masks and uses batch statistics in
/// batch norm; evaluation caches nothing, disables dropout and uses running statistics.
public enum ForwardMode: Sendable {
    case training
    case evaluation
}

/// A differentiable building block with a hand-written backward pass.
///
/// Tensors are batch-first: `[batch, features]` for dense layers and `[batch, channels, height,
/// width]` for convolutional ones. A layer owns its output and gradient buffers and reuses them
/// from step to step (see ``Tensor/resize(to:)``), so a warm step allocates nothing.
///
/// Contract of one training step: `forward(x, .training)` once, then `backward(dy)` once with
/// ∂L/∂y of the same shape as the output; backward returns ∂L/∂x and *adds* ∂L/∂θ into each
/// parameter's `grad` (the trainer zeroes gradients before the step).
public protocol Layer: AnyObject {
    /// Short name used as the prefix of parameter names (`fc1`, `conv2`, `block3`).
    var name: String { get set }
    /// Trainable tensors in a fixed order (weights before biases).
    var parameters: [Parameter] { get }
    /// When false, `backward` may skip computing ∂L/∂x (the first layer's input is data, whose
    /// gradient nobody needs; for a first convolution that saves the whole col2im pass).
    var needsInputGradient: Bool { get set }

    func forward(_ input: Tensor, mode: ForwardMode) -> Tensor
    func backward(_ gradOutput: Tensor) -> Tensor

    /// The per-sample output shape for a per-sample input shape (`[features]` or `[c, h, w]`).
    func outputShape(for inputShape: [Int]) -> [Int]
    /// The matrix products one training step (forward and backward) performs at `batch` samples.
    func gemmShapes(inputShape: [Int], batch: Int) -> [GemmShape]
    /// Sub-layers whose parameters this layer exposes (for naming and layer indices).
    var children: [any Layer] { get }
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var children: [any Layer] { [] }
    public func gemmShapes(inputShape: [Int], batch: Int) -> [GemmShape] { [] }
    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
}

/// Helpers shared by the layer implementations.
extension Tensor {
    /// The batch size (first extent).
    var batch: Int { shape.first ?? 0 }

    /// Elements per sample.
    var sampleSize: Int { batch == 0 ? 0 : count / batch }
}
