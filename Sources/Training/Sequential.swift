/// A model: layers applied in order, with the flat, ordered parameter list optimizers need.
///
/// On assembly every parameter gets its dotted name (`conv1.weight`, `block2.conv1.weight`) and
/// the index of its layer among the parameterised layers, and the leading layers are told that
/// no one needs the gradient with respect to the input data.
public final class Sequential: Layer {
    public var name: String
    public let layers: [any Layer]
    /// Per-sample input shape (`[784]` or `[c, h, w]`).
    public let inputShape: [Int]
    public private(set) var parameters: [Parameter] = []
    /// Views of all parameters in their fixed order, built once: the buffers never move.
    public private(set) var parameterViews: [ParameterView] = []

    /// False once assembled: a model's input is data. Setting it applies to the leading layers.
    public var needsInputGradient: Bool {
        get { layers.first?.needsInputGradient ?? false }
        set {
            for layer in layers {
                layer.needsInputGradient = newValue
                if !layer.parameters.isEmpty { break }
            }
        }
    }

    public init(name: String = "model", inputShape: [Int], layers: [any Layer]) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
        // Layers up to and including the first one with parameters only see data: no input gradient.
        for layer in layers {
            layer.needsInputGradient = false
            if !layer.parameters.isEmpty { break }
        }
        var layerIndex = 0
        func collect(_ layer: any Layer, prefix: String) {
            let path = prefix.isEmpty ? layer.name : prefix + "." + layer.name
            let own = layer.parameters.filter { p in !layer.children.contains { $0.parameters.contains { $0 === p } } }
            if !own.isEmpty {
                for p in own {
                    p.name = path + "." + (p.name.split(separator: ".").last.map(String.init) ?? p.name)
                    p.layer = layerIndex
                    parameters.append(p)
                }
                layerIndex += 1
            }
            for child in layer.children { collect(child, prefix: path) }
        }
        for layer in layers { collect(layer, prefix: "") }
        parameterViews = parameters.map(\.view)
        _ = outputShape(for: inputShape)  // fails early on a layer that cannot take its input
    }

    public var children: [any Layer] { layers }

    /// Number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        layers.reduce(inputShape) { $1.outputShape(for: $0) }
    }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        var x = input
        for layer in layers { x = layer.forward(x, mode: mode) }
        return x
    }

    /// Backpropagates through the layers; stops after the first layer (from the top) that needs no
    /// input gradient, since the layers below it have no parameters. The result is ∂L/∂input only
    /// when ``needsInputGradient`` is true.
    public func backward(_ gradOutput: Tensor) -> Tensor {
        var g = gradOutput
        for layer in layers.reversed() {
            g = layer.backward(g)
            if !layer.needsInputGradient { break }
        }
        return g
    }

    public func gemmShapes(inputShape: [Int], batch: Int) -> [GemmShape] {
        var shape = inputShape
        var result: [GemmShape] = []
        for layer in layers {
            result += layer.gemmShapes(inputShape: shape, batch: batch)
            shape = layer.outputShape(for: shape)
        }
        return result
    }

    /// Clears every parameter gradient (before a step's backward pass accumulates).
    public func zeroGradients() {
        for p in parameters { p.zeroGrad() }
    }
}
