/// Per-parameter optimizer state (a momentum buffer, a moment estimate, a snapshot): a fixed-size
/// block of Floats, zeroed at creation, owned by one optimizer.
///
/// A class over raw memory rather than `[Float]`, so the hot loops index a plain pointer with no
/// copy-on-write or exclusivity checks. Never shared across threads: optimizers are used by one
/// trainer at a time.
final class StateBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        precondition(count >= 0)
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        pointer.initialize(repeating: 0, count: Swift.max(count, 1))
    }

    deinit { pointer.deallocate() }

    var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    func zero() { pointer.update(repeating: 0, count: count) }

    /// One buffer per parameter, each the size of that parameter.
    static func matching(_ parameters: [ParameterView]) -> [StateBuffer] {
        parameters.map { StateBuffer(count: $0.value.count) }
    }

    /// Checks that the trainer passes the same parameters in the same order as on the first step.
    static func check(_ state: [StateBuffer], against parameters: [ParameterView], _ method: String) {
        precondition(state.count == parameters.count, "\(method): the parameter list changed between steps")
        for (s, p) in zip(state, parameters) {
            precondition(s.count == p.value.count && p.grad.count == p.value.count,
                         "\(method): parameter '\(p.name)' changed size between steps")
        }
    }
}
