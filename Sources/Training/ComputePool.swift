import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A persistent pool of compute threads that splits one layer's work into chunks: the engine's
/// multi-threading (`threads > 1` in a trial, `lrsweep train --threads`, `bench train`).
///
/// The calling thread plus `threads − 1` helper threads claim the chunks of a job
/// (``run(_:_:)``) until none is left; the call returns when every chunk is done. Helpers are
/// created once, with the pool, never per step. Between jobs they spin for a short while (the
/// next layer's job usually follows within microseconds, and waking a sleeping thread costs far
/// more than that) and then sleep on a condition variable until the next job.
///
/// Which thread runs a chunk varies, but what a chunk computes and where it writes it depend only
/// on the chunk's index: layers split by a fixed rule (``chunkRange(_:of:count:)``) and combine
/// per-chunk partial sums in chunk order, so a run stays bit-for-bit reproducible for a given seed
/// and thread count.
///
/// A pool belongs to the thread that installed it (``install(threads:)``): layers find it through
/// ``current`` and only that thread submits jobs. OpenBLAS stays single-threaded under a pool; the
/// pool splits large products itself (``Gemm``), so the machine never runs more compute threads
/// than the trial was given.
public final class ComputePool {
    /// Threads that work on a job, the caller included.
    public let threads: Int
    /// Chunks a layer cuts its work into: a few per thread, so that when the machine is shared and
    /// one thread is descheduled mid-step, the others take over most of its share instead of
    /// waiting for its one big chunk (chunks are claimed in order by whichever thread is free).
    public var chunks: Int { threads == 1 ? 1 : threads * Self.chunksPerThread }
    static let chunksPerThread = 4
    /// Split every job however small (tests: the split code paths on inputs small enough for
    /// finite differences); a real pool splits only work worth a hand-off.
    let splitsEverything: Bool

    /// gen (bits 40…63) · chunk count (bits 20…39) · next unclaimed chunk (bits 0…19): one word, so
    /// that a helper's claim can never mix the count of one job with the index of another.
    private let ticket = Atomic<UInt64>(0)
    /// Chunks of the current job not yet finished.
    private let remaining = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    /// Written by the owner before it publishes `ticket` (release), read by a helper only after it
    /// has claimed a chunk of that job, and cleared only once every chunk is done.
    private var job: ((Int) -> Void)?
    private var generation: UInt64 = 0
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Helpers asleep on `wake` (guarded by `mutex`).
    private var sleepers = 0
    private var helpers: [pthread_t] = []

    /// Spins (two atomic loads each) a helper waits for the next job before it goes to sleep: on the
    /// order of 50 µs, longer than the gaps inside a training step, short enough not to hold a core
    /// between evaluations.
    private static let spinsBeforeSleep = 50_000

    private static let indexBits: UInt64 = 20
    private static let mask: UInt64 = (1 << 20) - 1

    /// A pool of `threads` compute threads (the caller and `threads − 1` helpers).
    public convenience init(threads: Int) {
        self.init(threads: threads, splitsEverything: false)
    }

    init(threads: Int, splitsEverything: Bool) {
        precondition(threads >= 1 && threads <= 256, "a compute pool needs 1…256 threads")
        self.threads = threads
        self.splitsEverything = splitsEverything
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        for _ in 1..<max(threads, 1) {
            var thread = pthread_t()
            // The helper holds an unretained reference: deinit joins every helper before the pool goes.
            let context = Unmanaged.passUnretained(self).toOpaque()
            let status = pthread_create(&thread, nil, { raw in
                guard let raw else { return nil }
                Unmanaged<ComputePool>.fromOpaque(raw).takeUnretainedValue().helperLoop()
                return nil
            }, context)
            precondition(status == 0, "pthread_create failed with \(status)")
            helpers.append(thread)
        }
    }

    deinit {
        stopping.store(true, ordering: .releasing)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for thread in helpers { pthread_join(thread, nil) }
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        wake.deallocate()
        mutex.deallocate()
    }

    /// Runs `body(0)`, …, `body(chunks − 1)` across the pool and returns when all are done.
    ///
    /// Chunks must write disjoint memory. With one thread or one chunk everything runs inline.
    public func run(_ chunks: Int, _ body: @escaping (Int) -> Void) {
        precondition(chunks >= 0 && UInt64(chunks) <= Self.mask, "chunk count \(chunks) out of range")
        if threads == 1 || chunks <= 1 {
            for c in 0..<chunks { body(c) }
            return
        }
        job = body
        remaining.store(chunks, ordering: .relaxed)
        generation = generation == (1 << 24) - 1 ? 1 : generation + 1
        let first = generation << 40 | UInt64(chunks) << Self.indexBits
        ticket.store(first, ordering: .releasing)
        pthread_mutex_lock(mutex)
        if sleepers > 0 { pthread_cond_broadcast(wake) }
        pthread_mutex_unlock(mutex)
        while let c = claim(generation: generation) {
            body(c)
            remaining.subtract(1, ordering: .releasing)
        }
        var spins = 0
        while remaining.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > 2000 { sched_yield() }
        }
        job = nil
    }

    /// Claims the next chunk of job `generation`, or nil when it has none left (or has ended).
    @inline(__always)
    private func claim(generation: UInt64) -> Int? {
        var v = ticket.load(ordering: .acquiring)
        while true {
            let index = v & Self.mask, count = (v >> Self.indexBits) & Self.mask
            guard v >> 40 == generation, index < count else { return nil }
            let (exchanged, original) = ticket.compareExchange(expected: v, desired: v + 1,
                                                               ordering: .acquiringAndReleasing)
            if exchanged { return Int(index) }
            v = original
        }
    }

    /// Runs chunk `c` of the current job. Kept out of line so the helper's reference to the job is
    /// dropped before it reports the chunk done (after which the owner may clear `job`).
    @inline(never)
    private func runChunk(_ c: Int) {
        job?(c)
    }

    private func helperLoop() {
        var seen: UInt64 = 0
        while true {
            var spins = 0
            var current = ticket.load(ordering: .acquiring) >> 40
            while current == seen {
                if stopping.load(ordering: .acquiring) { return }
                spins += 1
                if spins >= Self.spinsBeforeSleep {
                    pthread_mutex_lock(mutex)
                    sleepers += 1
                    while ticket.load(ordering: .acquiring) >> 40 == seen && !stopping.load(ordering: .acquiring) {
                        pthread_cond_wait(wake, mutex)
                    }
                    sleepers -= 1
                    pthread_mutex_unlock(mutex)
                    spins = 0
                }
                current = ticket.load(ordering: .acquiring) >> 40
            }
            seen = current
            while let c = claim(generation: current) {
                runChunk(c)
                remaining.subtract(1, ordering: .releasing)
            }
        }
    }

    /// The half-open range of `0..<count` that chunk `chunk` of `chunks` covers (balanced,
    /// in order, depending on nothing but the three numbers).
    @inline(__always)
    public static func chunkRange(_ chunk: Int, of chunks: Int, count: Int) -> Range<Int> {
        (count * chunk / chunks)..<(count * (chunk + 1) / chunks)
    }
}

extension ComputePool {
    /// The pool of the calling thread, if one was installed (nil: everything runs on this thread).
    public static var current: ComputePool? {
        guard let raw = pthread_getspecific(currentKey) else { return nil }
        return Unmanaged<ComputePool>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Gives the calling thread a pool of `threads` compute threads (kept from an earlier call with
    /// the same count, so a slot's trials share one pool), and makes OpenBLAS single-threaded,
    /// since the pool splits the large products itself.
    ///
    /// The pool lives until the thread installs another one or ends.
    public static func install(threads: Int) {
        BLAS.setThreads(1)
        if let existing = current, existing.threads == threads { return }
        if let raw = pthread_getspecific(currentKey) {
            Unmanaged<ComputePool>.fromOpaque(raw).release()
        }
        let pool = threads > 1 ? Unmanaged.passRetained(ComputePool(threads: threads)).toOpaque() : nil
        pthread_setspecific(currentKey, pool)
    }

    /// Runs `body` with `pool` as the calling thread's pool (nil: none), then restores the one
    /// before.
    static func with<R>(_ pool: ComputePool?, _ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(currentKey)
        let installed = pool.map { Unmanaged.passRetained($0) }
        pthread_setspecific(currentKey, installed?.toOpaque())
        defer {
            pthread_setspecific(currentKey, previous)
            installed?.release()
        }
        return try body()
    }

    /// Runs `body` on a pool of `threads` threads on the calling thread (with single-threaded
    /// OpenBLAS), then restores the calling thread's previous pool.
    public static func withThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        BLAS.setThreads(1)
        if let existing = current, existing.threads == threads { return try body() }
        return try with(threads > 1 ? ComputePool(threads: threads) : nil, body)
    }

    /// Splits `0..<count` into at most ``chunks`` ranges of at least `grain` elements and runs
    /// `body(chunk, chunks, range)` on each, on the calling thread's pool (inline without one).
    ///
    /// The split depends only on `count`, `grain` and the pool's thread count.
    @inline(__always)
    static func forRanges(_ count: Int, grain: Int, _ body: @escaping (Int, Int, Range<Int>) -> Void) {
        guard let pool = current else {
            body(0, 1, 0..<count)
            return
        }
        let grain = pool.splitsEverything ? 1 : grain
        guard count >= 2 * grain else {
            body(0, 1, 0..<count)
            return
        }
        let chunks = Swift.min(pool.chunks, count / Swift.max(grain, 1))
        pool.run(chunks) { c in body(c, chunks, chunkRange(c, of: chunks, count: count)) }
    }

    /// Number of chunks layers split a batch into: the pool's ``chunks`` (1 without a pool),
    /// capped by the batch size.
    static func batchChunks(_ batch: Int) -> Int {
        Swift.max(1, Swift.min(current?.chunks ?? 1, batch))
    }

    /// Runs `body(chunk)` for chunk in `0..<chunks` on the calling thread's pool (inline without one).
    @inline(__always)
    static func runChunks(_ chunks: Int, _ body: @escaping (Int) -> Void) {
        guard chunks > 1, let pool = current else {
            for c in 0..<chunks { body(c) }
            return
        }
        pool.run(chunks, body)
    }

    private static let currentKey: pthread_key_t = {
        var key = pthread_key_t()
        // A thread that ends releases its pool, which joins the pool's helpers.
        pthread_key_create(&key) { raw in
            guard let raw else { return }
            Unmanaged<ComputePool>.fromOpaque(raw).release()
        }
        return key
    }()
}
