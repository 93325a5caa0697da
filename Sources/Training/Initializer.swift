/// How a layer draws its initial weights (biases start at zero).
///
/// Both schemes keep the variance of activations roughly constant from layer to layer, which is
/// what lets a deep network start training at all:
/// - Kaiming / He (He et al., ICCV 2015): N(0, 2/fan_in), for layers followed by a ReLU, which
///   zeroes half of its inputs and so halves the variance.
/// - Xavier / Glorot (Glorot & Bengio, AISTATS 2010): U(−√(6/(fan_in+fan_out)), +…), for linear
///   or tanh outputs such as the final classifier.
public enum Initializer: Sendable {
    case kaiming
    case xavier
    case zeros

    /// Fills `parameter` given the fan-in and fan-out of its layer.
    public func fill(_ parameter: Parameter, fanIn: Int, fanOut: Int, rng: inout SplitMix64) {
        switch self {
        case .kaiming:
            let std = (2 / Float(Swift.max(fanIn, 1))).squareRoot()
            parameter.fill { rng.nextGaussian() * std }
        case .xavier:
            let limit = (6 / Float(Swift.max(fanIn + fanOut, 1))).squareRoot()
            parameter.fill { (rng.nextUnitFloat() * 2 - 1) * limit }
        case .zeros:
            parameter.fill { 0 }
        }
    }
}
