/// The Sobol low-discrepancy sequence in up to ``maxDimensions`` dimensions, with the direction
/// numbers of Joe and Kuo.
///
/// Point `i` (from 0) in dimension `d` is the XOR of the direction numbers `v[d][k]` for the bits
/// `k` set in the Gray code of `i` (Antonov and Saleev's ordering, as in Joe and Kuo's own
/// generator and SciPy's): the first 2^k points of every dimension are then exactly the multiples
/// of 2^-k in some order, and the first 4^k points of the first two dimensions put one point in
/// each cell of a 2^k × 2^k grid of the unit square.
///
/// Direction numbers: S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better
/// two-dimensional projections", SIAM J. Sci. Comput. 30 (2008) 2635–2654, file
/// `new-joe-kuo-6.21201` (dimension 1 is the van der Corput sequence in base 2). For a degree-`s`
/// primitive polynomial with coefficients `a` and initial numbers `m₁…m_s`, `v_k = m_k / 2^k` and
/// then `v_k = v_{k−s} ⊕ v_{k−s}/2^s ⊕ (⊕_{j=1}^{s−1} a_j v_{k−j})` (their equation 3), in 32-bit
/// fixed point here.
public struct SobolSequence: Sendable, Hashable {
    /// Dimensions with bundled direction numbers.
    public static let maxDimensions = 1 + primitives.count

    /// Joe–Kuo rows for dimensions 2…21: degree `s`, coefficients `a`, initial numbers `m`.
    static let primitives: [(s: Int, a: UInt32, m: [UInt32])] = [
        (1, 0, [1]),
        (2, 1, [1, 3]),
        (3, 1, [1, 3, 1]),
        (3, 2, [1, 1, 1]),
        (4, 1, [1, 1, 3, 3]),
        (4, 4, [1, 3, 5, 13]),
        (5, 2, [1, 1, 5, 5, 17]),
        (5, 4, [1, 1, 5, 5, 5]),
        (5, 7, [1, 1, 7, 11, 19]),
        (5, 11, [1, 1, 5, 1, 1]),
        (5, 13, [1, 1, 1, 3, 11]),
        (5, 14, [1, 3, 5, 5, 31]),
        (6, 1, [1, 3, 3, 9, 7, 49]),
        (6, 13, [1, 1, 1, 15, 21, 21]),
        (6, 16, [1, 3, 1, 13, 27, 49]),
        (6, 19, [1, 1, 1, 15, 7, 5]),
        (6, 22, [1, 3, 1, 15, 13, 25]),
        (6, 25, [1, 1, 5, 5, 19, 61]),
        (7, 1, [1, 3, 7, 11, 23, 15, 103]),
        (7, 4, [1, 3, 7, 13, 13, 15, 69]),
    ]

    /// Bits of each coordinate: points 0 ..< 2^32 are distinct.
    static let bits = 32

    public let dimensions: Int
    /// `directions[d][k]`: the direction number for bit `k` (from 0) of dimension `d`, as a 32-bit fraction.
    private let directions: [[UInt32]]

    /// - Precondition: 1 ≤ `dimensions` ≤ ``maxDimensions`` (the spec parser says so in words first).
    public init(dimensions: Int) {
        precondition(dimensions >= 1 && dimensions <= Self.maxDimensions,
                     "Sobol dimensions must be 1…\(Self.maxDimensions), got \(dimensions)")
        self.dimensions = dimensions
        var all: [[UInt32]] = [(0..<Self.bits).map { UInt32(1) << (31 - $0) }]
        for (s, a, m) in Self.primitives.prefix(dimensions - 1) {
            var v = [UInt32](repeating: 0, count: Self.bits)
            for k in 0..<Self.bits {
                if k < s {
                    v[k] = m[k] << (31 - k)
                } else {
                    var x = v[k - s] ^ (v[k - s] >> s)
                    for j in 1..<s where (a >> (s - 1 - j)) & 1 == 1 { x ^= v[k - j] }
                    v[k] = x
                }
            }
            all.append(v)
        }
        directions = all
    }

    /// Point `index` as 32-bit fractions (coordinate / 2^32), unscrambled.
    ///
    /// - Complexity: O(dimensions × 32), with random access: no state carried from point to point.
    public func integerPoint(_ index: UInt32) -> [UInt32] {
        let gray = index ^ (index >> 1)
        return directions.map { v in
            var x: UInt32 = 0
            var g = gray, k = 0
            while g != 0 {
                if g & 1 == 1 { x ^= v[k] }
                g >>= 1
                k += 1
            }
            return x
        }
    }

    /// Point `index` in [0, 1)^dimensions, digitally shifted by `shift` (XOR of each coordinate's
    /// bits with the shift's, one shift a dimension; none by default).
    ///
    /// A digital shift keeps the points in the unit cube and keeps every stratification property
    /// above (it permutes the elementary intervals), unlike a plain additive shift of the leading point.
    public func point(_ index: UInt32, shift: [UInt32]? = nil) -> [Double] {
        precondition(shift.map { $0.count == dimensions } ?? true, "one shift per dimension")
        let x = integerPoint(index)
        return x.indices.map { d in Double(x[d] ^ (shift?[d] ?? 0)) / 4_294_967_296.0 }
    }
}

/// Steele, Lea and Flood's SplitMix64: a small, fast, seedable generator (the one `Training` uses
/// for trials; `SweepKit` cannot import it, hence this copy, internal so the two never clash).
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// A generator for a named purpose derived from one seed: streams that do not shift when another
    /// consumer draws more numbers.
    init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed &+ stream &* 0x9E37_79B9_7F4A_7C15)
        state = mixer.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 bits.
    mutating func nextUnit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// FNV-1a of `text`: a stream number that names its purpose (an axis key).
    static func stream(named text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
