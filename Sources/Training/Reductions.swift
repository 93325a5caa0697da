/// Vectorised sums for the per-channel statistics of batch norm and the bias gradients.
///
/// A plain `for` loop summing `Float`s cannot be vectorised: IEEE addition is not associative,
/// so the compiler must keep the sequential order. These helpers keep eight independent partial
/// sums in one `SIMD8<Float>` (one AVX register) and add the lanes at the end — a different but
/// fixed order, so results stay bit-for-bit reproducible. The rounding error of this pairwise-like
/// scheme is no worse than the sequential sum's.
enum Reduce {
    /// Σ p[i] for i in 0..<n.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var total = acc.sum()
        while i < n {
            total += p[i]
            i += 1
        }
        return total
    }

    /// Σ (p[i] − mean)² for i in 0..<n.
    @inline(__always)
    static func squaredDeviations(_ p: UnsafePointer<Float>, _ n: Int, mean: Float) -> Float {
        var acc = SIMD8<Float>()
        let m = SIMD8<Float>(repeating: mean)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m
            acc += d * d
            i += 8
        }
        var total = acc.sum()
        while i < n {
            let d = p[i] - mean
            total += d * d
            i += 1
        }
        return total
    }

    /// (Σ a[i], Σ a[i]·b[i]) for i in 0..<n, in one pass.
    @inline(__always)
    static func sumAndDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> (Float, Float) {
        var s = SIMD8<Float>(), d = SIMD8<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 8 <= n {
            let x = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            s += x
            d += x * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var sum = s.sum(), dot = d.sum()
        while i < n {
            sum += a[i]
            dot += a[i] * b[i]
            i += 1
        }
        return (sum, dot)
    }
}
