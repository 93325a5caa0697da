/// The basic residual block of He et al. (CVPR 2016): y = ReLU(F(x) + S(x)).
///
/// F is conv 3×3 (stride s) → batch norm → ReLU → conv 3×3 → batch norm. The shortcut S is the
/// identity when shapes agree, otherwise a 1×1 convolution with stride s followed by batch norm
/// (the paper's option B). Backward: with g = ∂y · [y > 0], ∂x = ∂F/∂x·g + ∂S/∂x·g — both
/// branches receive the same gradient and their input gradients add.
public final class ResidualBlock: Layer {
    public var name: String
    public var needsInputGradient = true {
        didSet {
            mainPath.first?.needsInputGradient = needsInputGradient
            shortcut.first?.needsInputGradient = needsInputGradient
        }
    }
    public let mainPath: [any Layer]
    public let shortcut: [any Layer]

    private var output = Tensor()
    private var gradSum = Tensor()
    private var gradInput = Tensor()

    public init(name: String = "block", inChannels: Int, outChannels: Int, stride: Int, rng: inout SplitMix64) {
        self.name = name
        mainPath = [
            Conv2d(name: "conv1", inChannels: inChannels, outChannels: outChannels, kernel: 3, stride: stride,
                   padding: 1, bias: false, rng: &rng),
            BatchNorm(name: "bn1", channels: outChannels),
            ReLU(name: "relu1"),
            Conv2d(name: "conv2", inChannels: outChannels, outChannels: outChannels, kernel: 3, stride: 1,
                   padding: 1, bias: false, rng: &rng),
            BatchNorm(name: "bn2", channels: outChannels),
        ]
        if stride != 1 || inChannels != outChannels {
            shortcut = [
                Conv2d(name: "shortcut", inChannels: inChannels, outChannels: outChannels, kernel: 1, stride: stride,
                       padding: 0, bias: false, rng: &rng),
                BatchNorm(name: "shortcut_bn", channels: outChannels),
            ]
        } else {
            shortcut = []
        }
    }

    public var children: [any Layer] { mainPath + shortcut }
    public var parameters: [Parameter] { children.flatMap(\.parameters) }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let out = mainPath.reduce(inputShape) { $1.outputShape(for: $0) }
        let side = shortcut.reduce(inputShape) { $1.outputShape(for: $0) }
        precondition(out == side, "\(name): branches disagree, \(out) vs \(side)")
        return out
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        var main = x
        for layer in mainPath { main = layer.forward(main, mode: mode) }
        var side = x
        for layer in shortcut { side = layer.forward(side, mode: mode) }
        output.resize(to: main.shape)
        main.withUnsafeBufferPointer { ms in
            side.withUnsafeBufferPointer { ss in
                output.withUnsafeMutableBufferPointer { ys in
                    for i in 0..<ys.count { ys[i] = Swift.max(ms[i] + ss[i], 0) }
                }
            }
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.count == output.count, "\(name): gradient \(dy.shape) does not match the output")
        gradSum.resize(to: dy.shape)
        dy.withUnsafeBufferPointer { dys in
            output.withUnsafeBufferPointer { ys in
                gradSum.withUnsafeMutableBufferPointer { gs in
                    for i in 0..<gs.count { gs[i] = ys[i] > 0 ? dys[i] : 0 }
                }
            }
        }
        var main = gradSum
        for layer in mainPath.reversed() { main = layer.backward(main) }
        var side = gradSum
        for layer in shortcut.reversed() { side = layer.backward(side) }
        guard needsInputGradient else { return main }
        gradInput.resize(to: main.shape)
        main.withUnsafeBufferPointer { ms in
            side.withUnsafeBufferPointer { ss in
                gradInput.withUnsafeMutableBufferPointer { dxs in
                    for i in 0..<dxs.count { dxs[i] = ms[i] + ss[i] }
                }
            }
        }
        return gradInput
    }

    public func gemmShapes(inputShape: [Int], batch: Int) -> [GemmShape] {
        var result: [GemmShape] = []
        for path in [mainPath, shortcut] {
            var shape = inputShape
            for layer in path {
                result += layer.gemmShapes(inputShape: shape, batch: batch)
                shape = layer.outputShape(for: shape)
            }
        }
        return result
    }
}
