import Foundation

/// SplitMix64 (Steele, Lea & Flood, OOPSLA 2014): a tiny, fast, statistically solid generator.
///
/// Every source of randomness in training (initial weights, shuffling, dropout masks, validation
/// splits) is a `SplitMix64` derived from the trial's seed, never the global generator, so a trial
/// is reproducible from its seed alone.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for a named purpose derived from one seed: independent streams for init,
    /// shuffling and dropout that do not shift when one consumer draws more numbers.
    public init(seed: Int, stream: UInt64) {
        var mixer = SplitMix64(seed: UInt64(bitPattern: Int64(seed)) &+ stream &* 0x9E37_79B9_7F4A_7C15)
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Standard normal by Box–Muller (one of the pair; simplicity over speed, used at init only).
    public mutating func nextGaussian() -> Float {
        let u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let r = (-2 * log(Swift.max(u1, 1e-300))).squareRoot()
        return Float(r * cos(2 * Double.pi * u2))
    }

    /// Streams used by the trainer, fixed so that results do not depend on call order.
    public enum Stream {
        public static let initialization: UInt64 = 1
        public static let shuffling: UInt64 = 2
        public static let dropout: UInt64 = 3
        public static let split: UInt64 = 4
        public static let synthetic: UInt64 = 5
    }
}
