/// Sizes of one convolution or pooling window pass, and the im2col / col2im rearrangements.
///
/// Column layout: row `r = (c·K + ki)·K + kj` of `cols` holds, for every output position
/// `(b, oh, ow)` (column `(b·Ho + oh)·Wo + ow`), the input pixel `x[b, c, oh·s − p + ki, ow·s − p + kj]`
/// or 0 where that falls in the padding. col2im is the adjoint: it adds every column entry back
/// onto the pixel it came from, which is exactly the input gradient of im2col.
struct ConvGeometry {
    let batch: Int
    let channels: Int
    let height: Int
    let width: Int
    let kernel: Int
    let stride: Int
    let padding: Int

    var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    var colRows: Int { channels * kernel * kernel }
    var colColumns: Int { batch * outHeight * outWidth }

    /// The output columns `ow` whose input column `ow·s − p + kj` lies inside `0..<width`.
    @inline(__always)
    func validColumns(kj: Int) -> Range<Int> {
        let offset = kj - padding
        // smallest ow with ow·s + offset ≥ 0, and one past the largest with ow·s + offset < width
        let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let hi = width - offset <= 0 ? 0 : Swift.min(outWidth, (width - offset - 1) / stride + 1)
        return lo..<Swift.max(lo, hi)
    }

    /// Writes the columns of `images` (all of them by default) into `cols`; other columns are left alone.
    func im2col(_ x: UnsafeBufferPointer<Float>, into cols: UnsafeMutableBufferPointer<Float>,
                images: Range<Int>? = nil) {
        guard let px = x.baseAddress, let pc = cols.baseAddress else { return }
        let images = images ?? 0..<batch
        let ho = outHeight, wo = outWidth, k = kernel, s = stride, p = padding
        let columns = colColumns
        for c in 0..<channels {
            for ki in 0..<k {
                for kj in 0..<k {
                    let rowBase = pc + ((c * k + ki) * k + kj) * columns
                    let valid = validColumns(kj: kj)
                    let offset = kj - p
                    for b in images {
                        let image = px + (b * channels + c) * height * width
                        for oh in 0..<ho {
                            let dst = rowBase + (b * ho + oh) * wo
                            let ih = oh * s - p + ki
                            guard ih >= 0 && ih < height else {
                                dst.update(repeating: 0, count: wo)
                                continue
                            }
                            let src = image + ih * width + offset
                            if valid.lowerBound > 0 { dst.update(repeating: 0, count: valid.lowerBound) }
                            if s == 1 {
                                // Rows are short (≤ a few dozen floats): a plain loop the compiler
                                // vectorises beats a memmove call per row.
                                for ow in valid { dst[ow] = src[ow] }
                            } else {
                                for ow in valid { dst[ow] = src[ow * s] }
                            }
                            if valid.upperBound < wo {
                                (dst + valid.upperBound).update(repeating: 0, count: wo - valid.upperBound)
                            }
                        }
                    }
                }
            }
        }
    }

    /// dx ← col2im(cols): zeroes `dx`, then adds every column entry onto its source pixel.
    ///
    /// With `images`, only those images of `dx` are zeroed and filled (one chunk of a batch).
    func col2im(_ cols: UnsafeBufferPointer<Float>, into dx: UnsafeMutableBufferPointer<Float>,
                images: Range<Int>? = nil) {
        guard let pd = dx.baseAddress, let pc = cols.baseAddress else { return }
        let images = images ?? 0..<batch
        let imageSize = channels * height * width
        (pd + images.lowerBound * imageSize).update(repeating: 0, count: images.count * imageSize)
        let ho = outHeight, wo = outWidth, k = kernel, s = stride, p = padding
        let columns = colColumns
        for c in 0..<channels {
            for ki in 0..<k {
                for kj in 0..<k {
                    let rowBase = pc + ((c * k + ki) * k + kj) * columns
                    let valid = validColumns(kj: kj)
                    let offset = kj - p
                    for b in images {
                        let image = pd + (b * channels + c) * height * width
                        for oh in 0..<ho {
                            let ih = oh * s - p + ki
                            guard ih >= 0 && ih < height else { continue }
                            let src = rowBase + (b * ho + oh) * wo
                            let dst = image + ih * width + offset
                            if s == 1 {
                                for ow in valid { dst[ow] += src[ow] }
                            } else {
                                for ow in valid { dst[ow * s] += src[ow] }
                            }
                        }
                    }
                }
            }
        }
    }
}
