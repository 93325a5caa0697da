/// Eight-lane access to a Float buffer for the optimizers' hot loops.
///
/// Swift on Linux does not auto-vectorise loops containing `squareRoot()`, division chains or
/// `exp`, so the Adam-family, RMSProp and `salr` loops are written over `SIMD8<Float>` (AVX on the
/// `haswell` target). `load`/`store` move 8 lanes at a time; the last partial chunk of a buffer is
/// zero-padded on load and only its valid lanes are stored, so one loop body serves every length.
struct FloatLanes {
    typealias Vector = SIMD8<Float>
    static let width = 8

    let base: UnsafeMutablePointer<Float>

    init(_ pointer: UnsafeMutablePointer<Float>) { base = pointer }

    /// Nil for an empty buffer (whose base address is nil): there is nothing to iterate.
    init?(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard let b = buffer.baseAddress else { return nil }
        base = b
    }

    /// Lanes `i ..< i + k` (k ≤ 8), zero beyond k.
    @inline(__always)
    func load(_ i: Int, _ k: Int) -> Vector {
        if k == Self.width { return UnsafeRawPointer(base + i).loadUnaligned(as: Vector.self) }
        var v = Vector(repeating: 0)
        for j in 0..<k { v[j] = base[i + j] }
        return v
    }

    /// Stores the first k lanes of `v` at `i ..< i + k`.
    @inline(__always)
    func store(_ v: Vector, _ i: Int, _ k: Int) {
        if k == Self.width {
            UnsafeMutableRawPointer(base + i).storeBytes(of: v, as: Vector.self)
            return
        }
        for j in 0..<k { base[i + j] = v[j] }
    }

    /// Calls `body(i, k)` for each chunk of at most 8 lanes covering `0 ..< count`.
    @inline(__always)
    static func chunks(_ count: Int, _ body: (Int, Int) -> Void) {
        var i = 0
        while i < count {
            body(i, Swift.min(width, count - i))
            i += width
        }
    }
}

extension SIMD8 where Scalar == Float {
    /// Lane-wise clamp, written with masked replacement because `clamped` and `pointwiseMin` are
    /// not lowered to vector instructions here.
    @inline(__always)
    func clamp(_ lower: Float, _ upper: Float) -> SIMD8<Float> {
        var v = self
        v.replace(with: lower, where: v .< lower)
        v.replace(with: upper, where: v .> upper)
        return v
    }

    /// Lane-wise √x for x ≥ 0, within a few ulps, with vector instructions only.
    ///
    /// `squareRoot()` lowers to scalar `sqrtf` calls here (errno semantics), which keeps the Adam
    /// loops scalar. Instead: 1/√x from the exponent-halving bit trick (constant 0x5F375A86,
    /// Lomont 2003) refined by three Newton steps y ← y·(1.5 − 0.5·x·y²) (relative error 2e-3, 5e-6,
    /// then below Float's rounding), and √x = x·(1/√x). √0 = 0. For subnormal x the result is
    /// inexact, which does not matter where it is used (next to ε ≥ 1e-12 or in a sum of squares).
    @inline(__always)
    func squareRootFast() -> SIMD8<Float> {
        // Same size (8 × 32 bits): reinterpreting lanes between Float and UInt32 is exact.
        let bits = unsafeBitCast(self, to: SIMD8<UInt32>.self)
        var y = unsafeBitCast(0x5F37_5A86 &- (bits &>> 1), to: SIMD8<Float>.self)
        let half = self * 0.5
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        return self * y
    }

    /// Lane-wise eˣ, relative error about 2e-7 on [−87, 88] (inputs are clamped to that range).
    ///
    /// eˣ = 2ⁿ · e^r with n = round(x·log₂e) and r = x − n·ln 2 ∈ [−0.35, 0.35]; e^r by its Taylor
    /// series to degree 7 (remainder < 0.35⁸/8! ≈ 6e-9), 2ⁿ by writing n + 127 into the exponent
    /// bits. Rounding uses the 1.5·2²³ trick (adding it leaves n in the low mantissa bits), since
    /// `rounded()` and Float→Int conversions are not vectorised here.
    @inline(__always)
    func exp() -> SIMD8<Float> {
        let x = clamp(-87, 88)
        let shifted = x * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        // ln 2 split into a high part exact in Float and a small correction (Cody–Waite).
        let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6
        var p = SIMD8<Float>(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // Same size (8 × 32 bits): reinterpreting lanes between Float and Int32 is exact. The low
        // bits of `shifted` hold n (two's complement) above the pattern of 1.5·2²³, 0x4B40_0000.
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)
        return p * scale
    }
}
