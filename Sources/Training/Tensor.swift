import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The heap block behind a ``Tensor``: a fixed-capacity, 64-byte aligned run of `Float`s.
///
/// A final class so that copy-on-write can ask `isKnownUniquelyReferenced`, and so that the
/// address of the floats never moves while any tensor refers to the block.
final class TensorStorage {
    let capacity: Int
    let pointer: UnsafeMutablePointer<Float>

    /// Counts every block ever allocated, so tests and benchmarks can prove that a warm training
    /// step allocates no tensor memory.
    static let allocations = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: self.capacity * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: self.capacity)
        pointer.initialize(repeating: 0, count: self.capacity)
        TensorStorage.allocations.wrappingAdd(1, ordering: .relaxed)
        // Counted per thread too, where a thread asked for it: a process-wide count is changed by
        // whatever else runs beside the code being measured (other test suites, other trials).
        if let counter = pthread_getspecific(TensorStorage.threadCounterKey) {
            counter.assumingMemoryBound(to: Int.self).pointee += 1
        }
    }

    /// The key of the calling thread's allocation counter (set only inside `Tensor.allocations(in:)`).
    static let threadCounterKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}

/// A dense, row-major array of `Float` with a shape: the value type of the training engine.
///
/// `Tensor` has value semantics with copy-on-write: copies share one ``TensorStorage`` until one
/// of them is written. Layers keep their output and gradient tensors between steps and call
/// ``resize(to:)`` on them; when the storage is uniquely held and large enough that reuses the
/// memory, so a warm training step allocates nothing. Element access in hot loops goes through
/// ``withUnsafeBufferPointer(_:)`` / ``withUnsafeMutableBufferPointer(_:)``, never through
/// per-element subscripts (the subscript exists for tests and small setup code).
public struct Tensor {
    /// Extents, outermost first: `[batch, features]` or `[batch, channels, height, width]`.
    public private(set) var shape: [Int]
    var storage: TensorStorage

    /// Number of elements (the product of `shape`).
    public private(set) var count: Int

    /// A tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        self.shape = shape
        count = shape.reduce(1, *)
        storage = TensorStorage(capacity: count)
        if value != 0 { storage.pointer.update(repeating: value, count: count) }
    }

    /// A tensor holding `values` (row-major) with the given shape.
    public init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { storage.pointer.update(from: base, count: count) }
        }
    }

    /// An empty tensor (shape `[0]`), used as the "nothing cached" value of layers.
    public init() {
        self.init(shape: [0])
    }

    /// Total number of `TensorStorage` blocks allocated by this process so far.
    public static var storageAllocations: Int { TensorStorage.allocations.load(ordering: .relaxed) }

    /// The `TensorStorage` blocks that `body` allocates on the calling thread (whatever other
    /// threads allocate meanwhile is not counted).
    public static func allocations(in body: () throws -> Void) rethrows -> Int {
        let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        counter.initialize(to: 0)
        defer { counter.deallocate() }
        let previous = pthread_getspecific(TensorStorage.threadCounterKey)
        pthread_setspecific(TensorStorage.threadCounterKey, counter)
        defer { pthread_setspecific(TensorStorage.threadCounterKey, previous) }
        try body()
        return counter.pointee
    }

    /// The elements as an array (copies; for tests and small results).
    public var scalars: [Float] {
        withUnsafeBufferPointer { Array($0) }
    }

    /// Reads or writes one element by flat index (slow path: setup code and tests only).
    public subscript(flat index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "index \(index) out of range 0..<\(count)")
            return storage.pointer[index]
        }
        set {
            precondition(index >= 0 && index < count, "index \(index) out of range 0..<\(count)")
            makeUnique()
            storage.pointer[index] = newValue
        }
    }

    /// Calls `body` with the elements, read-only.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try body(UnsafeBufferPointer(start: storage.pointer, count: count))
        }
    }

    /// Calls `body` with the elements, writable; copies first if the storage is shared.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) {
            try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
        }
    }

    /// Gives the tensor a new shape, keeping the storage when it is unshared and large enough.
    ///
    /// The contents after a resize are unspecified (callers overwrite them); this is the
    /// operation that lets layers reuse their buffers from step to step.
    public mutating func resize(to newShape: [Int]) {
        let newCount = newShape.reduce(1, *)
        if newShape != shape { shape = newShape }
        count = newCount
        if newCount > storage.capacity || !isKnownUniquelyReferenced(&storage) {
            storage = TensorStorage(capacity: newCount)
        }
    }

    /// Same elements, new shape with the same element count (shares storage).
    public func reshaped(to newShape: [Int]) -> Tensor {
        var t = self
        let newCount = newShape.reduce(1, *)
        precondition(newCount == count, "cannot reshape \(shape) to \(newShape)")
        t.shape = newShape
        return t
    }

    /// Sets every element to zero.
    public mutating func zero() {
        withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = TensorStorage(capacity: count)
            copy.pointer.update(from: storage.pointer, count: count)
            storage = copy
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(\(shape): [\(head)\(count > 8 ? ", …" : "")])"
    }
}
