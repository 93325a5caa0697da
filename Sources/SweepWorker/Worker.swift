import Foundation
import Logging
import Synchronization
import SweepKit
import Training
import Wire

/// How a worker joins and behaves.
public struct WorkerOptions: Sendable {
    public var endpoint: String
    public var slots: Int
    public var threads: Int
    /// Keep serving after the coordinator says the sweep is over (for the next sweep).
    public var stay: Bool
    public var workerID: String
    public var datasets: [String]
    public var heartbeatInterval: Double
    public var liveness: Int
    /// Exit when no coordinator has answered for this many seconds (`--join-timeout`; nil: never).
    public var joinTimeout: Double?
    /// CURVE: the coordinator's public key and this worker's key pair (from `--keys DIR`).
    public var curve: (serverKey: String, keys: CurveKeyPair)?
    /// Devices from `--gpus 0,1`: one slot per device, each trial gets one as `CUDA_VISIBLE_DEVICES`.
    public var gpus: [String]

    public init(endpoint: String, slots: Int = 1, threads: Int = 1, stay: Bool = false, workerID: String? = nil,
                datasets: [String] = [], heartbeatInterval: Double = 1, liveness: Int = 3, gpus: [String] = [],
                joinTimeout: Double? = nil) {
        self.joinTimeout = joinTimeout
        self.endpoint = endpoint
        self.slots = gpus.isEmpty ? slots : gpus.count
        self.gpus = gpus
        self.threads = threads
        self.stay = stay
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        self.workerID = workerID ?? "\(host)-\(getpid())-\(UInt32.random(in: 0...UInt32.max) % 100_000)"
        self.datasets = datasets
        self.heartbeatInterval = heartbeatInterval
        self.liveness = liveness
    }
}

/// Messages produced by trial threads (progress and results), waiting for the socket thread.
///
/// Posting also writes a byte to a pipe that the socket thread polls next to its socket, so a
/// result is sent the moment it exists rather than when the poll times out.
final class Outbox: Sendable {
    private let queue = Mutex<[Message]>([])
    private let signaled = Atomic<Bool>(false)
    /// Read end (polled by the socket thread) and write end of the wake-up pipe.
    let wakeFD: Int32
    private let signalFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        }
        wakeFD = fds[0]
        signalFD = fds[1]
    }

    deinit {
        close(wakeFD)
        close(signalFD)
    }

    /// Queues `m` for the socket thread.
    func post(_ m: Message) {
        queue.withLock { $0.append(m) }
        // One byte wakes the socket thread; while it has not drained yet, more bytes add nothing.
        if !signaled.exchange(true, ordering: .acquiringAndReleasing) {
            var byte: UInt8 = 1
            _ = write(signalFD, &byte, 1)
        }
    }

    func drain() -> [Message] {
        // Clear the flag before taking the queue: a message posted after the take writes a new byte.
        // Not set: nothing was posted since the last drain (a post sets it after queueing), and
        // the pipe is empty; the socket thread then makes no system call here.
        guard signaled.exchange(false, ordering: .sequentiallyConsistent) else { return [] }
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeFD, &buffer, buffer.count) > 0 {}
        return queue.withLock { q in defer { q = [] }; return q }
    }

    /// Waits up to `seconds` for a post (used while there is no connection to poll).
    func wait(seconds: Double) {
        var item = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        _ = poll(&item, 1, Int32(max(0, seconds * 1000)))
    }
}

/// Long-lived trial threads, one per slot, so that starting a trial costs a queue push rather
/// than a thread (a thread per trial made the kernel's clone and stack set-up the largest cost of
/// short trials).
///
/// Waking a sleeping thread is the other cost, so threads hand the job of waking each other on: a
/// submit wakes a thread only when none is already awake and on its way to the queue, and a thread
/// that takes a job while more wait wakes the next. Long trials still start side by side, a wake-up
/// apart; short ones are run by the threads that are already awake.
final class SlotThreads: Sendable {
    private struct State {
        /// `nil` tells one thread to exit.
        var jobs: [(@Sendable () -> Void)?] = []
        var head = 0
        var sleeping = 0
        /// Threads woken and not yet at the queue.
        var searching = 0

        mutating func pop() -> (@Sendable () -> Void)?? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            return .some(job)
        }

        var waiting: Bool { head < jobs.count }

        /// Marks one sleeper as woken if nobody is already on the way; true if one must be signalled.
        mutating func shouldWake() -> Bool {
            guard waiting, searching == 0, sleeping > 0 else { return false }
            sleeping -= 1
            searching += 1
            return true
        }
    }

    private final class Shared: Sendable {
        let state = Mutex(State())
        let wake = DispatchSemaphore(value: 0)
    }

    private let shared = Shared()
    private let count: Int

    init(count: Int, stackSize: Int = 8 << 20) {
        self.count = count
        for i in 0..<count {
            let thread = Thread { [shared] in
                var woken = false
                while true {
                    let (next, wakeNext): ((@Sendable () -> Void)??, Bool) = shared.state.withLock { s in
                        if woken {
                            s.searching -= 1
                            woken = false
                        }
                        guard let job = s.pop() else {
                            s.sleeping += 1
                            return (nil, false)
                        }
                        return (job, s.shouldWake())
                    }
                    if wakeNext { shared.wake.signal() }
                    switch next {
                    case .some(.some(let job)): job()
                    case .some(.none): return
                    case .none:
                        shared.wake.wait()
                        woken = true
                    }
                }
            }
            thread.name = "lrsweep-slot-\(i)"
            thread.stackSize = stackSize
            thread.start()
        }
    }

    /// Runs `job` on the next free thread (or when one frees up).
    func submit(_ job: @escaping @Sendable () -> Void) { push([job]) }

    /// Threads asleep with nothing to do (tests wait for this instead of sleeping).
    var sleepingCount: Int { shared.state.withLock { $0.sleeping } }
    /// Jobs submitted and not yet taken by a thread.
    var queuedCount: Int { shared.state.withLock { $0.jobs.count - $0.head } }

    /// Lets every thread finish its current job and exit.
    func shutdown() { push(Array(repeating: nil, count: count)) }

    private func push(_ items: [(@Sendable () -> Void)?]) {
        let wake = shared.state.withLock { s in
            s.jobs.append(contentsOf: items)
            return s.shouldWake()
        }
        if wake { shared.wake.signal() }
    }
}

/// A flag that trial threads poll.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// The stop flags of the attempts running on a worker.
final class StopFlags: Sendable {
    private let flags = Mutex<[TrialRef: StopFlag]>([:])
    func add(_ flag: StopFlag, for ref: TrialRef) { flags.withLock { $0[ref] = flag } }
    func remove(_ ref: TrialRef) { flags.withLock { $0[ref] = nil } }
    func flag(of ref: TrialRef) -> StopFlag? { flags.withLock { $0[ref] } }
    func setAll() { for flag in flags.withLock({ Array($0.values) }) { flag.set() } }
}

/// A worker: joins a coordinator, runs the trials it is sent and reports back.
///
/// The protocol is the ``WorkerSession`` state machine; this type performs its actions. The
/// transport lives on the thread that calls ``run()`` (or ``step(timeout:)``); trials run on one
/// long-lived thread per slot (long BLAS work stays off Swift's cooperative pool) and hand their
/// messages over through an outbox.
public final class Worker {
    public let options: WorkerOptions
    private let runner: TrialRunner
    private let logger: Logger
    private let outbox = Outbox()
    private let stop = StopFlag()
    private let devices: DeviceSlots?
    private let connect: () throws -> PeerTransport
    private let clock: @Sendable () -> Double
    private var transport: PeerTransport?
    private var session: WorkerSession
    private var slotThreads: SlotThreads?
    private var warnedAboutThreads = false
    /// Stop flags of the running attempts, by trial id.
    private let trialStops = StopFlags()
    private var stopNoted = false
    public private(set) var outcome: WorkerOutcome?

    /// A worker over ZeroMQ (one DEALER connection at a time, CURVE with `options.curve`).
    public convenience init(options: WorkerOptions, runner: TrialRunner, logger: Logger) {
        let context = Result { try ZMQContext() }
        self.init(options: options, runner: runner, logger: logger, connect: {
            try ZMQDealerTransport(context: try context.get(), endpoint: options.endpoint,
                                   identity: options.workerID, curve: options.curve)
        })
    }

    /// - Parameters:
    ///   - connect: opens a new connection to the coordinator.
    ///   - clock: seconds on a monotonic clock; the real one by default.
    public init(options: WorkerOptions, runner: TrialRunner, logger: Logger,
                connect: @escaping () throws -> PeerTransport, clock: (@Sendable () -> Double)? = nil) {
        self.options = options
        self.devices = options.gpus.isEmpty ? nil : DeviceSlots(options.gpus)
        self.runner = runner
        self.logger = logger
        self.connect = connect
        let clock = clock ?? monotonicSeconds()
        self.clock = clock
        let hello = Hello(workerID: options.workerID, hostname: ProcessInfo.processInfo.hostName, pid: getpid(),
                          cores: ProcessInfo.processInfo.activeProcessorCount, slots: options.slots,
                          threads: options.threads, datasets: options.datasets)
        session = WorkerSession(config: .init(heartbeatInterval: options.heartbeatInterval, liveness: options.liveness,
                                              stay: options.stay, joinTimeout: options.joinTimeout),
                                hello: hello, now: clock())
    }

    deinit { slotThreads?.shutdown() }

    /// Asks the worker to stop taking work; running trials are told to stop.
    public func requestStop() { stop.set() }

    /// True once a stop was requested (SIGTERM / SIGINT): leaving then is the normal outcome.
    public var isStopping: Bool { stop.isSet }

    /// A closure that stops the worker, safe to call from a signal handler's queue.
    public var stopper: @Sendable () -> Void {
        let stop = self.stop
        return { stop.set() }
    }

    /// The session's state (for tests and logs).
    public var state: WorkerSession.State { session.state }

    /// Serves until the coordinator says `bye` (unless `stay`), until stopped, refused, or the join
    /// timeout passes.
    /// - Returns: true if the sweep ended normally.
    public func run() throws -> Bool {
        defer {
            slotThreads?.shutdown()
            slotThreads = nil
        }
        while outcome == nil { try step(timeout: 0.1) }
        if case .refused(let reason) = outcome {
            logger.error("coordinator refused this worker", metadata: ["reason": "\(reason)"])
        }
        if case .gaveUp(let why) = outcome {
            logger.error("giving up", metadata: ["reason": "\(why)"])
        }
        if case .handshakeFailed(let failure) = outcome {
            logger.error("cannot join the coordinator", metadata: ["reason": "\(failure)"])
        }
        if outcome == .stopped {
            logger.notice("stopping: handed back \(session.handedBack) trial(s)")
        }
        return outcome == .finished
    }

    /// One turn of the loop: what arrived within `timeout` seconds (or sooner, when a trial thread
    /// posts), what trial threads posted, then the timer.
    public func step(timeout: Double) throws {
        guard outcome == nil else { return }
        var inbound: [Result<Message, WireError>] = []
        if let transport {
            inbound = try transport.receive(timeout: timeout, wakeFD: outbox.wakeFD)
        } else {
            outbox.wait(seconds: timeout)
        }
        var actions: [WorkerAction] = []
        // A stop requested while this turn waited comes before what arrived meanwhile: a lease that
        // reaches a stopping worker is never started, and its `bye` hands it back.
        if stop.isSet && !stopNoted {
            stopNoted = true
            if !session.running.isEmpty {
                logger.notice("stopping: handing \(session.running.count) trial(s) back to the coordinator")
            }
            actions += session.stopRequested(now: clock())
        }
        for item in inbound {
            switch item {
            case .success(let m): actions += session.received(m, now: clock())
            case .failure(let e):
                logger.warning("dropped malformed message from coordinator", metadata: ["error": "\(e)"])
            }
        }
        if let failure = transport?.handshakeFailure() { actions += session.handshakeFailed(failure, now: clock()) }
        try perform(actions)
        var results: [TrialResult] = []
        for m in outbox.drain() {
            if case .result(let r) = m {
                results.append(r)
            } else if session.state == .serving || session.state == .joining {
                try transport?.send(m)
            }
        }
        actions = results.isEmpty ? [] : session.trialsFinished(results, now: clock())
        actions += session.tick(now: clock())
        try perform(actions)
    }

    private func perform(_ actions: [WorkerAction]) throws {
        for action in actions {
            switch action {
            case .send(let m):
                try transport?.send(m)
            case .startTrial(let task):
                start(task)
            case .stopTrial(let ref):
                logger.info("trial stopped by the coordinator", metadata: ["trial.id": "\(ref.trialID)",
                                                                         "trial.attempt": "\(ref.attempt)"])
                trialStops.flag(of: ref)?.set()
            case .stopAllTrials:
                trialStops.setAll()
            case .connect:
                transport = try connect()
            case .disconnect:
                logger.warning("coordinator silent; reconnecting", metadata: ["worker.state": "\(session.state)"])
                transport?.close()
                transport = nil
            case .unexpected(let type):
                logger.warning("unexpected message from coordinator", metadata: ["message.type": "\(type)"])
            case .exit(let outcome):
                if outcome == .finished { logger.info("coordinator says the sweep is over") }
                self.outcome = outcome
                transport?.close()
                transport = nil
            }
            if case .connect = action { try perform(session.connected(now: clock())) }
        }
    }

    /// Runs `task` on a slot thread; its progress and result go through the outbox.
    private func start(_ task: TrialTask) {
        // Threads per trial: the spec's or the worker's --threads, whichever is larger, lowered so
        // that slots × threads never exceeds this machine's cores.
        let budget = ThreadBudget(requested: Swift.max(task.train.threads, options.threads), slots: options.slots)
        let task = { var t = task; t.train.threads = budget.threadsPerTrial; return t }()
        if let warning = budget.warning, !warnedAboutThreads {
            warnedAboutThreads = true
            logger.warning("\(warning)")
        }
        logger.info("trial started", metadata: ["trial.id": "\(task.trial.id)", "trial.attempt": "\(task.attempt)",
                                                "trial.parameters": "\(task.trial.parameters)"])
        if slotThreads == nil { slotThreads = SlotThreads(count: options.slots) }
        let flag = StopFlag()
        let ref = TrialRef(trialID: task.trial.id, attempt: task.attempt)
        trialStops.add(flag, for: ref)
        // Only the session stops a trial (through its flag): a trial stopped because this worker is
        // leaving then always ends after the session knows it is leaving, and is handed back.
        let runner = self.runner, outbox = self.outbox, devices = self.devices
        let trialStops = self.trialStops
        slotThreads?.submit {
            let device = devices?.acquire()
            let result = runner.run(task, device: device, emit: { points in
                outbox.post(.progress(Progress(trialID: task.trial.id, attempt: task.attempt, points: points)))
            }, shouldStop: { flag.isSet })
            if let device { devices?.release(device) }
            trialStops.remove(ref)
            outbox.post(.result(result))
        }
    }
}
