import CBLAS

/// The sizes of one matrix product C[m×n] = op(A)[m×k] · op(B)[k×n], as the layers issue them.
///
/// Layers report the products a training step performs (``Layer/gemmShapes(batch:)``), which
/// gives the FLOP count of a step and lets the benchmark time `cblas_sgemm` on exactly those
/// shapes for its efficiency figure.
public struct GemmShape: Sendable, Hashable, CustomStringConvertible {
    public var m: Int
    public var n: Int
    public var k: Int
    public var transA: Bool
    public var transB: Bool

    public init(m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false) {
        self.m = m
        self.n = n
        self.k = k
        self.transA = transA
        self.transB = transB
    }

    /// Multiply-adds count twice: 2·m·n·k floating-point operations.
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    public var description: String {
        "\(m)×\(k)\(transA ? "ᵀ" : "") · \(k)×\(n)\(transB ? "ᵀ" : "")"
    }
}

/// Thin, typed wrappers over OpenBLAS.
enum BLAS {
    /// C ← α·op(A)·op(B) + β·C for row-major matrices with the natural leading dimensions.
    ///
    /// `a` is m×k (or k×m when `transA`), `b` is k×n (or n×k when `transB`), `c` is m×n.
    @inline(__always)
    static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                     alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                     beta: Float, c: UnsafeMutablePointer<Float>) {
        guard m > 0, n > 0, k > 0 else { return }
        let lda = transA ? m : k
        let ldb = transB ? k : n
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(n))
    }

    /// C ← α·op(A)·op(B) + β·C with explicit leading dimensions (sub-matrices of larger ones).
    @inline(__always)
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0, k > 0 else { return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Products below this many FLOPs run whole on the calling thread: splitting them costs more
    /// in hand-off and in BLAS's per-call packing than the second thread gains. Measured with
    /// `bench train`: logreg's 2.5 MFLOP products gain from the cut on an idle machine, LeNet-5's
    /// 0.2 MFLOP classifier does not.
    static let parallelMinimumFlops = 400_000.0

    /// `gemm` over the calling thread's ``ComputePool``: C is cut into row blocks (or column
    /// blocks, whichever dimension is longer) of whole 16-wide panels, one single-threaded
    /// `cblas_sgemm` per block.
    ///
    /// Every element of C is still one dot product over the full k; the cut depends only on the
    /// shape and the thread count, so a run is reproducible for a given thread count (BLAS may
    /// round an element at a block's edge differently from the uncut product).
    static func parallelGemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                             beta: Float, c: UnsafeMutablePointer<Float>) {
        let lda = transA ? m : k, ldb = transB ? k : n
        let flops = 2 * Double(m) * Double(n) * Double(k)
        let pool = ComputePool.current
        let width = pool?.splitsEverything == true ? 1 : 16
        let long = Swift.max(m, n), panels = (long + width - 1) / width
        guard let pool, flops >= parallelMinimumFlops || pool.splitsEverything, panels >= 2 else {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c, ldc: n)
            return
        }
        // Two blocks per thread: some slack for a descheduled thread, while each block stays large
        // enough for BLAS's packing to pay off.
        let chunks = Swift.min(2 * pool.threads, panels), splitRows = m >= n
        pool.run(chunks) { chunk in
            let p = ComputePool.chunkRange(chunk, of: chunks, count: panels)
            let lo = p.lowerBound * width, hi = Swift.min(p.upperBound * width, long)
            guard hi > lo else { return }
            if splitRows {
                let sa = transA ? a + lo : a + lo * lda
                gemm(transA: transA, transB: transB, m: hi - lo, n: n, k: k, a: sa, lda: lda, b: b, ldb: ldb,
                     beta: beta, c: c + lo * n, ldc: n)
            } else {
                let sb = transB ? b + lo * ldb : b + lo
                gemm(transA: transA, transB: transB, m: m, n: hi - lo, k: k, a: a, lda: lda, b: sb, ldb: ldb,
                     beta: beta, c: c + lo, ldc: n)
            }
        }
    }

    /// Sets the number of OpenBLAS threads for this process.
    ///
    /// OpenBLAS splits one product across threads in a fixed way for a given thread count, so a
    /// run is bit-for-bit reproducible for a given seed *and* thread count.
    static func setThreads(_ threads: Int) {
        openblas_set_num_threads(Int32(Swift.max(1, threads)))
    }

    static var threads: Int { Int(openblas_get_num_threads()) }
}

extension Tensor {
    /// The matrix product `self · other` of two rank-2 tensors (setup code and tests; layers call
    /// `BLAS.gemm` directly into their own reused buffers).
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(shape.count == 2 && other.shape.count == 2, "matmul needs matrices")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let k2 = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == k2, "inner sizes differ: \(shape) · \(other.shape)")
        var result = Tensor(shape: [m, n])
        withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    guard let pa = a.baseAddress, let pb = b.baseAddress, let pc = c.baseAddress else { return }
                    BLAS.gemm(transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k,
                              a: pa, b: pb, beta: 0, c: pc)
                }
            }
        }
        return result
    }
}
