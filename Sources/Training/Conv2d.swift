/// A 2-D convolution (cross-correlation, as in every framework) over `[batch, c, h, w]` inputs,
/// computed as im2col followed by one `cblas_sgemm` per chunk of the batch (the calling thread's
/// ``ComputePool`` cuts a batch into a few chunks per thread; the whole batch with one thread).
///
/// With K×K kernels, stride s and zero padding p, the output is
/// `[batch, out, (h + 2p − K)/s + 1, (w + 2p − K)/s + 1]`. im2col lays every receptive field out
/// as a column of the matrix `cols[C·K·K, B·Ho·Wo]`, so that
/// - forward:  Y[O, B·Ho·Wo] = W[O, C·K·K] · cols            (then scattered to `[B, O, Ho, Wo]`, + bias);
/// - backward: ∂W += ∂Y · colsᵀ;  ∂b += Σ ∂Y;  ∂cols = Wᵀ · ∂Y, folded back onto ∂X by col2im.
/// One big product per chunk instead of one per image keeps the matrices large enough for BLAS to
/// run near its peak, and each chunk is worked on from im2col to the output by one thread, with
/// single-threaded BLAS; the price is `cols` memory (C·K·K·B·Ho·Wo floats), reused from step to step.
public final class Conv2d: Layer {
    public var name: String
    public var needsInputGradient = true
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter

    private var geometry = ConvGeometry(batch: 0, channels: 0, height: 0, width: 0, kernel: 1, stride: 1, padding: 0)
    private var cols = Tensor()
    private var product = Tensor()
    private var output = Tensor()
    private var gradInput = Tensor()
    /// Per-chunk partial ∂W and ∂b of chunks 1…, `[chunks − 1, O·C·K·K + O]` (empty with one thread).
    private var partials = Tensor()
    private var hasCachedInput = false

    public init(name: String = "conv", inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1,
                padding: Int = 0, bias useBias: Bool = true, rng: inout SplitMix64) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "invalid Conv2d configuration")
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        weight = Parameter(name: "weight", shape: [outChannels, inChannels, kernel, kernel])
        bias = Parameter(name: "bias", shape: [outChannels])
        hasBias = useBias
        Initializer.kaiming.fill(weight, fanIn: inChannels * kernel * kernel, fanOut: outChannels * kernel * kernel,
                                 rng: &rng)
    }

    /// Convolutions followed by batch norm drop the bias, which the norm's shift makes redundant.
    public let hasBias: Bool

    public var parameters: [Parameter] { hasBias ? [weight, bias] : [weight] }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        precondition(inputShape.count == 3 && inputShape[0] == inChannels,
                     "\(name) expects [\(inChannels), h, w] inputs, got \(inputShape)")
        let g = ConvGeometry(batch: 1, channels: inChannels, height: inputShape[1], width: inputShape[2],
                             kernel: kernel, stride: stride, padding: padding)
        precondition(g.outHeight > 0 && g.outWidth > 0, "\(name): input \(inputShape) is smaller than the kernel")
        return [outChannels, g.outHeight, g.outWidth]
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[1] == inChannels, "\(name) got input \(x.shape)")
        let g = ConvGeometry(batch: x.shape[0], channels: inChannels, height: x.shape[2], width: x.shape[3],
                             kernel: kernel, stride: stride, padding: padding)
        geometry = g
        let o = outChannels, rows = g.colRows, columns = g.colColumns, plane = g.outHeight * g.outWidth
        cols.resize(to: [rows, columns])
        product.resize(to: [o, columns])
        output.resize(to: [g.batch, o, g.outHeight, g.outWidth])
        let w = weight.value, bias = bias.value, useBias = hasBias
        let chunks = ComputePool.batchChunks(g.batch)
        x.withUnsafeBufferPointer { xs in
            cols.withUnsafeMutableBufferPointer { cs in
                product.withUnsafeMutableBufferPointer { ps in
                    output.withUnsafeMutableBufferPointer { ys in
                        guard let pc = cs.baseAddress, let pp = ps.baseAddress, let py = ys.baseAddress else { return }
                        // Each chunk of images: its im2col columns, its slice of the product, its outputs.
                        ComputePool.runChunks(chunks) { chunk in
                            let images = ComputePool.chunkRange(chunk, of: chunks, count: g.batch)
                            let first = images.lowerBound * plane, n = images.count * plane
                            g.im2col(xs, into: cs, images: images)
                            BLAS.gemm(transA: false, transB: false, m: o, n: n, k: rows, a: w, lda: rows,
                                      b: pc + first, ldb: columns, beta: 0, c: pp + first, ldc: columns)
                            // product is [O, B, Ho·Wo]; the output wants [B, O, Ho·Wo].
                            for b in images {
                                for c in 0..<o {
                                    let src = pp + (c * g.batch + b) * plane, dst = py + (b * o + c) * plane
                                    let shift = useBias ? bias[c] : 0
                                    for i in 0..<plane { dst[i] = src[i] + shift }
                                }
                            }
                        }
                    }
                }
            }
        }
        hasCachedInput = mode == .training
        return output
    }

    /// Backward, chunk by chunk of images: chunk 0 accumulates into the parameter
    /// gradients, the others into their own partial sums, added afterwards in chunk order (so the
    /// sums are fixed for a given thread count, and with one thread they are the unsplit pass's).
    public func backward(_ dy: Tensor) -> Tensor {
        precondition(hasCachedInput, "\(name): backward without a training forward")
        let g = geometry, o = outChannels, rows = g.colRows, columns = g.colColumns
        let plane = g.outHeight * g.outWidth
        precondition(dy.count == g.batch * o * plane, "\(name): gradient \(dy.shape) does not match the output")
        let gw = weight.grad, gb = bias.grad, w = weight.value, useBias = hasBias, needsInput = needsInputGradient
        let chunks = ComputePool.batchChunks(g.batch)
        let partialSize = o * rows + o
        if chunks > 1 { partials.resize(to: [chunks - 1, partialSize]) }
        if needsInput { gradInput.resize(to: [g.batch, inChannels, g.height, g.width]) }
        dy.withUnsafeBufferPointer { dys in
            product.withUnsafeMutableBufferPointer { ps in
                cols.withUnsafeMutableBufferPointer { cs in
                    partials.withUnsafeMutableBufferPointer { partial in
                        gradInput.withUnsafeMutableBufferPointer { dxs in
                            guard let pd = dys.baseAddress, let pp = ps.baseAddress, let pc = cs.baseAddress
                            else { return }
                            let extra = partial.baseAddress
                            ComputePool.runChunks(chunks) { chunk in
                                let images = ComputePool.chunkRange(chunk, of: chunks, count: g.batch)
                                let first = images.lowerBound * plane, n = images.count * plane
                                var gwChunk = gw, gbChunk = gb, beta: Float = 1
                                if chunk > 0, let extra {
                                    gwChunk = extra + (chunk - 1) * partialSize
                                    gbChunk = gwChunk + o * rows
                                    gbChunk.update(repeating: 0, count: o)
                                    beta = 0
                                }
                                // Gather ∂Y into [O, B·Ho·Wo] (the forward product's buffer), summing ∂b.
                                for b in images {
                                    for c in 0..<o {
                                        let src = pd + (b * o + c) * plane
                                        (pp + (c * g.batch + b) * plane).update(from: src, count: plane)
                                        if useBias { gbChunk[c] += Reduce.sum(src, plane) }
                                    }
                                }
                                BLAS.gemm(transA: false, transB: true, m: o, n: rows, k: n, a: pp + first,
                                          lda: columns, b: pc + first, ldb: columns, beta: beta, c: gwChunk,
                                          ldc: rows)
                                guard needsInput else { return }
                                // This chunk's columns are no longer needed: reuse them for ∂cols = Wᵀ · ∂Y.
                                BLAS.gemm(transA: true, transB: false, m: rows, n: n, k: o, a: w, lda: rows,
                                          b: pp + first, ldb: columns, beta: 0, c: pc + first, ldc: columns)
                                g.col2im(UnsafeBufferPointer(cs), into: dxs, images: images)
                            }
                            guard let extra else { return }
                            for chunk in 1..<Swift.max(chunks, 1) {
                                let part = extra + (chunk - 1) * partialSize
                                for i in 0..<(o * rows) { gw[i] += part[i] }
                                if useBias { for c in 0..<o { gb[c] += part[o * rows + c] } }
                            }
                        }
                    }
                }
            }
        }
        hasCachedInput = false
        return gradInput
    }

    public func gemmShapes(inputShape: [Int], batch: Int) -> [GemmShape] {
        let out = outputShape(for: inputShape)
        let rows = inChannels * kernel * kernel, columns = batch * out[1] * out[2]
        var shapes = [GemmShape(m: outChannels, n: columns, k: rows),
                      GemmShape(m: outChannels, n: rows, k: columns, transB: true)]
        if needsInputGradient { shapes.append(GemmShape(m: rows, n: columns, k: outChannels, transA: true)) }
        return shapes
    }
}
