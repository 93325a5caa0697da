/// Max pooling over K×K windows with stride s (default s = K), no padding.
///
/// Forward remembers, per output, the flat index of the winning input; backward routes each
/// output gradient to that input alone (the max's derivative is 1 for the winner, 0 elsewhere;
/// ties go to the first maximum in window order).
public final class MaxPool2d: Layer {
    public var name: String
    public var needsInputGradient = true
    public let kernel: Int
    public let stride: Int
    private var output = Tensor()
    private var gradInput = Tensor()
    private var winners: [Int32] = []
    private var inputShape: [Int] = []

    /// Fewest planes worth handing to another thread (a 28×28 plane is ~1 µs of work).
    static let planeGrain = 32

    public init(name: String = "pool", kernel: Int, stride: Int? = nil) {
        precondition(kernel > 0 && (stride ?? kernel) > 0, "invalid pooling window")
        self.name = name
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func outputShape(for s: [Int]) -> [Int] {
        precondition(s.count == 3 && s[1] >= kernel && s[2] >= kernel, "\(name) cannot pool \(s)")
        return [s[0], (s[1] - kernel) / stride + 1, (s[2] - kernel) / stride + 1]
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        let b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let out = outputShape(for: [c, h, w]), ho = out[1], wo = out[2]
        if inputShape != x.shape { inputShape = x.shape }
        output.resize(to: [b, c, ho, wo])
        let total = b * c * ho * wo
        if winners.count != total { winners = [Int32](repeating: 0, count: total) }
        let k = kernel, s = stride
        x.withUnsafeBufferPointer { xs in
            output.withUnsafeMutableBufferPointer { ys in
                winners.withUnsafeMutableBufferPointer { buffer in
                    let ws = buffer
                    // Planes (one channel of one image) are independent: one range of them per thread.
                    ComputePool.forRanges(b * c, grain: Self.planeGrain) { _, _, planes in
                        if k == 2 && s == 2 {
                            Self.pool2x2(xs, ys, ws, planes: planes, h: h, w: w, ho: ho, wo: wo)
                            return
                        }
                        for plane in planes {
                            let inBase = plane * h * w, outBase = plane * ho * wo
                            for oh in 0..<ho {
                                for ow in 0..<wo {
                                    var best = inBase + oh * s * w + ow * s
                                    var bestValue = xs[best]
                                    for ki in 0..<k {
                                        let row = inBase + (oh * s + ki) * w + ow * s
                                        for kj in 0..<k where xs[row + kj] > bestValue {
                                            bestValue = xs[row + kj]
                                            best = row + kj
                                        }
                                    }
                                    ys[outBase + oh * wo + ow] = bestValue
                                    ws[outBase + oh * wo + ow] = Int32(best)
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// The common 2×2, stride-2 window unrolled (same tie rule: first maximum in window order).
    private static func pool2x2(_ xs: UnsafeBufferPointer<Float>, _ ys: UnsafeMutableBufferPointer<Float>,
                                _ ws: UnsafeMutableBufferPointer<Int32>,
                                planes: Range<Int>, h: Int, w: Int, ho: Int, wo: Int) {
        for plane in planes {
            let inBase = plane * h * w, outBase = plane * ho * wo
            for oh in 0..<ho {
                let top = inBase + 2 * oh * w, out = outBase + oh * wo
                for ow in 0..<wo {
                    let i0 = top + 2 * ow, i2 = i0 + w
                    var best = i0
                    if xs[i0 + 1] > xs[best] { best = i0 + 1 }
                    if xs[i2] > xs[best] { best = i2 }
                    if xs[i2 + 1] > xs[best] { best = i2 + 1 }
                    ys[out + ow] = xs[best]
                    ws[out + ow] = Int32(best)
                }
            }
        }
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.count == winners.count, "\(name): gradient \(dy.shape) does not match the output")
        gradInput.resize(to: inputShape)
        let inPlane = inputShape[2] * inputShape[3], planes = inputShape[0] * inputShape[1]
        let outPlane = dy.count / Swift.max(planes, 1)
        gradInput.withUnsafeMutableBufferPointer { dxs in
            dy.withUnsafeBufferPointer { dys in
                winners.withUnsafeBufferPointer { ws in
                    // Every winner lies in its output's plane, so ranges of planes never collide.
                    ComputePool.forRanges(planes, grain: Self.planeGrain) { _, _, range in
                        let inputs = (range.lowerBound * inPlane)..<(range.upperBound * inPlane)
                        UnsafeMutableBufferPointer(rebasing: dxs[inputs]).update(repeating: 0)
                        for i in (range.lowerBound * outPlane)..<(range.upperBound * outPlane) {
                            dxs[Int(ws[i])] += dys[i]
                        }
                    }
                }
            }
        }
        return gradInput
    }
}

/// Average pooling over K×K windows with stride s (default K); `global` averages each whole
/// channel to one number, `[b, c, h, w] → [b, c]` (the ResNet head).
///
/// Each input in a window receives ∂y / K² of that window's gradient.
public final class AvgPool2d: Layer {
    public var name: String
    public var needsInputGradient = true
    /// Nil for global pooling.
    public let kernel: Int?
    public let stride: Int
    private var output = Tensor()
    private var gradInput = Tensor()
    private var inputShape: [Int] = []

    public init(name: String = "avgpool", kernel: Int, stride: Int? = nil) {
        precondition(kernel > 0, "invalid pooling window")
        self.name = name
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    /// Global average pooling.
    public init(globalNamed name: String = "gap") {
        self.name = name
        kernel = nil
        stride = 1
    }

    private func window(_ h: Int, _ w: Int) -> (kh: Int, kw: Int, ho: Int, wo: Int) {
        guard let k = kernel else { return (h, w, 1, 1) }
        return (k, k, (h - k) / stride + 1, (w - k) / stride + 1)
    }

    public func outputShape(for s: [Int]) -> [Int] {
        precondition(s.count == 3, "\(name) needs [c, h, w] inputs, got \(s)")
        let g = window(s[1], s[2])
        return kernel == nil ? [s[0]] : [s[0], g.ho, g.wo]
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        let b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let g = window(h, w), s = kernel == nil ? 1 : stride
        if inputShape != x.shape { inputShape = x.shape }
        output.resize(to: kernel == nil ? [b, c] : [b, c, g.ho, g.wo])
        let scale = 1 / Float(g.kh * g.kw)
        x.withUnsafeBufferPointer { xs in
            output.withUnsafeMutableBufferPointer { ys in
                for plane in 0..<(b * c) {
                    for oh in 0..<g.ho {
                        for ow in 0..<g.wo {
                            var sum: Float = 0
                            for ki in 0..<g.kh {
                                let row = plane * h * w + (oh * s + ki) * w + ow * s
                                for kj in 0..<g.kw { sum += xs[row + kj] }
                            }
                            ys[(plane * g.ho + oh) * g.wo + ow] = sum * scale
                        }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let b = inputShape[0], c = inputShape[1], h = inputShape[2], w = inputShape[3]
        let g = window(h, w), s = kernel == nil ? 1 : stride
        let scale = 1 / Float(g.kh * g.kw)
        gradInput.resize(to: inputShape)
        gradInput.withUnsafeMutableBufferPointer { dxs in
            dxs.update(repeating: 0)
            dy.withUnsafeBufferPointer { dys in
                for plane in 0..<(b * c) {
                    for oh in 0..<g.ho {
                        for ow in 0..<g.wo {
                            let share = dys[(plane * g.ho + oh) * g.wo + ow] * scale
                            for ki in 0..<g.kh {
                                let row = plane * h * w + (oh * s + ki) * w + ow * s
                                for kj in 0..<g.kw { dxs[row + kj] += share }
                            }
                        }
                    }
                }
            }
        }
        return gradInput
    }
}
