/// One trainable tensor of a model with its gradient, at a fixed address.
///
/// Optimizers receive raw buffers (``ParameterView``) and may keep per-parameter state keyed by
/// position, so the value and gradient memory must never move while the model lives: a final
/// class owning two `UnsafeMutablePointer`s gives exactly that, which a copy-on-write ``Tensor``
/// could not promise.
public final class Parameter {
    /// Dotted name such as `fc1.weight`, set when the model is assembled.
    public internal(set) var name: String
    /// Index of the owning layer among the model's parameterised layers.
    public internal(set) var layer: Int
    public let shape: [Int]
    public let count: Int
    public let value: UnsafeMutablePointer<Float>
    public let grad: UnsafeMutablePointer<Float>

    /// A zero-filled parameter; layers fill `value` from their initialiser.
    public init(name: String, shape: [Int]) {
        self.name = name
        self.layer = 0
        self.shape = shape
        count = shape.reduce(1, *)
        value = .allocate(capacity: Swift.max(count, 1))
        value.initialize(repeating: 0, count: Swift.max(count, 1))
        grad = .allocate(capacity: Swift.max(count, 1))
        grad.initialize(repeating: 0, count: Swift.max(count, 1))
    }

    deinit {
        value.deallocate()
        grad.deallocate()
    }

    /// The values as a buffer (valid while this parameter lives).
    public var values: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: value, count: count) }
    /// The gradient as a buffer (valid while this parameter lives).
    public var gradients: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: grad, count: count) }

    /// What an optimizer sees of this parameter during one update.
    public var view: ParameterView {
        ParameterView(name: name, layer: layer, value: values, grad: gradients)
    }

    /// Clears the gradient before the next backward pass accumulates into it.
    public func zeroGrad() {
        grad.update(repeating: 0, count: count)
    }

    /// Fills the values with independent draws from `draw`.
    public func fill(_ draw: () -> Float) {
        for i in 0..<count { value[i] = draw() }
    }

    /// Copies values from an array (tests, checkpoints).
    public func setValues(_ array: [Float]) {
        precondition(array.count == count, "\(array.count) values for parameter \(name) of \(count)")
        for i in 0..<count { value[i] = array[i] }
    }
}
