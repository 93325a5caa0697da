import Foundation
import Logging
import Synchronization
import SweepKit
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
    /// CURVE: the coordinator's public key and this worker's key pair (from `--keys DIR`).
    public var curve: (serverKey: String, keys: CurveKeyPair)?
    /// Devices from `--gpus 0,1`: one slot per device, each trial gets one as `CUDA_VISIBLE_DEVICES`.
    public var gpus: [String]

    public init(endpoint: String, slots: Int = 1, threads: Int = 1, stay: Bool = false, workerID: String? = nil,
                datasets: [String] = [], heartbeatInterval: Double = 1, liveness: Int = 3, gpus: [String] = []) {
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

/// Messages produced by trial threads, waiting for the socket thread to send them, and the
/// attempts this worker is running: one lock for both, so a finishing trial takes it once.
///
/// Posting also writes a byte to a pipe that the socket thread polls next to its socket, so a
/// result is sent the moment it exists rather than when the poll times out.
final class Outbox: Sendable {
    private struct State {
        var queue: [Message] = []
        var running: [String: TrialRef] = [:]
    }
    private let state = Mutex(State())
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

    /// Queues `m` for sending.
    func post(_ m: Message) {
        state.withLock { $0.queue.append(m) }
        wake()
    }

    /// A trial attempt ended: it is no longer running, and `m` (its result, if it is to be sent) goes out.
    func finish(_ trialID: String, sending m: Message?) {
        state.withLock { s in
            s.running[trialID] = nil
            if let m { s.queue.append(m) }
        }
        if m != nil { wake() }
    }

    func started(_ ref: TrialRef) { state.withLock { $0.running[ref.trialID] = ref } }
    var running: [TrialRef] { state.withLock { Array($0.running.values) } }
    var idle: Bool { state.withLock { $0.running.isEmpty } }

    private func wake() {
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
        return state.withLock { s in defer { s.queue = [] }; return s.queue }
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

/// A worker: connects a DEALER to the coordinator, runs the trials it is sent and reports back.
///
/// The socket lives on the thread that calls ``run()``; trials run on one long-lived thread per
/// slot (long BLAS work stays off Swift's cooperative pool) and hand their messages over through
/// an outbox.
public final class Worker {
    public let options: WorkerOptions
    private let runner: TrialRunner
    private let logger: Logger
    private let outbox = Outbox()
    private let stop = StopFlag()
    private let devices: DeviceSlots?
    private var slotThreads: SlotThreads?

    public init(options: WorkerOptions, runner: TrialRunner, logger: Logger) {
        self.options = options
        self.devices = options.gpus.isEmpty ? nil : DeviceSlots(options.gpus)
        self.runner = runner
        self.logger = logger
    }

    /// Asks the worker to stop taking work; running trials are told to stop.
    public func requestStop() { stop.set() }

    /// True once a stop was requested (SIGTERM / SIGINT): leaving then is the normal outcome.
    public var isStopping: Bool { stop.isSet }

    /// A closure that stops the worker, safe to call from a signal handler's queue.
    public var stopper: @Sendable () -> Void {
        let stop = self.stop
        return { stop.set() }
    }

    /// Serves until the coordinator says `bye` (unless `stay`), or until stopped.
    /// - Returns: true if the sweep ended normally.
    public func run() throws -> Bool {
        let context = try ZMQContext()
        let threads = SlotThreads(count: options.slots)
        slotThreads = threads
        defer {
            threads.shutdown()
            slotThreads = nil
        }
        var backoff = 1.0
        while !stop.isSet {
            let outcome = try session(context: context)
            switch outcome {
            case .finished:
                if !options.stay { return true }
                backoff = 1
            case .stopped:
                return false
            case .refused(let reason):
                logger.error("coordinator refused this worker", metadata: ["reason": "\(reason)"])
                return false
            case .lostCoordinator:
                logger.warning("coordinator silent; reconnecting", metadata: ["backoff.seconds": "\(backoff)"])
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 32)
            }
        }
        return false
    }

    enum SessionOutcome { case finished, stopped, refused(String), lostCoordinator }

    /// One connection to the coordinator, until it ends for one of `SessionOutcome`'s reasons.
    private func session(context: ZMQContext) throws -> SessionOutcome {
        let socket = try ZMQSocket(context: context, type: .dealer)
        defer { socket.close() }
        try socket.setOption(ZMQ_ROUTING_ID_OPTION, bytes: Array(options.workerID.utf8))
        if let curve = options.curve {
            try socket.makeCurveClient(serverKey: curve.serverKey, keys: curve.keys)
        }
        try socket.connect(options.endpoint)
        var lastHeard = Date()
        var lastSent = Date.distantPast
        func send(_ m: Message) throws {
            try socket.send(MessageCodec.encode(m))
            lastSent = Date()
        }
        func register() throws {
            let held = outbox.running
            try send(.hello(Hello(workerID: options.workerID, hostname: ProcessInfo.processInfo.hostName,
                                  pid: getpid(), cores: ProcessInfo.processInfo.activeProcessorCount,
                                  slots: options.slots, threads: options.threads, datasets: options.datasets,
                                  running: held)))
            let free = options.slots - held.count
            if free > 0 { try send(.ready(slots: free)) }
        }
        try register()
        while true {
            if stop.isSet && outbox.idle {
                try? send(.bye(reason: "worker stopping"))
                return .stopped
            }
            // Each result frees its slot: one `ready` after the batch returns them all.
            var freed = 0
            for m in outbox.drain() {
                try send(m)
                if case .result = m { freed += 1 }
            }
            if freed > 0, !stop.isSet { try send(.ready(slots: freed)) }
            if try socket.pollIn(milliseconds: 100, orReadable: outbox.wakeFD) {
                while let frames = try socket.receive(dontWait: true) {
                    lastHeard = Date()
                    let message: Message
                    do {
                        message = try MessageCodec.decode(frames)
                    } catch {
                        logger.warning("dropped malformed message from coordinator", metadata: ["error": "\(error)"])
                        continue
                    }
                    switch message {
                    case .trial(let task): start(task)
                    case .heartbeat: break
                    case .bye:
                        logger.info("coordinator says the sweep is over")
                        return .finished
                    case .reject(let reason):
                        if reason.hasPrefix("unknown worker") { try register() } else { return .refused(reason) }
                    case .hello, .ready, .progress, .result, .statusRequest, .statusReply:
                        logger.warning("unexpected message from coordinator", metadata: ["message.type": "\(message.type)"])
                    }
                }
            }
            let now = Date()
            if now.timeIntervalSince(lastSent) >= options.heartbeatInterval { try send(.heartbeat) }
            if now.timeIntervalSince(lastHeard) > options.heartbeatInterval * Double(options.liveness) {
                return .lostCoordinator
            }
        }
    }

    /// Runs `task` on a slot thread; its progress and result go through the outbox.
    private func start(_ task: TrialTask) {
        let ref = TrialRef(trialID: task.trial.id, attempt: task.attempt)
        outbox.started(ref)
        logger.info("trial started", metadata: ["trial.id": "\(task.trial.id)", "trial.attempt": "\(task.attempt)",
                                                "trial.parameters": "\(task.trial.parameters)"])
        let runner = self.runner
        let outbox = self.outbox
        let stop = self.stop
        let devices = self.devices
        guard let threads = slotThreads else { return }
        threads.submit {
            let device = devices?.acquire()
            let result = runner.run(task, device: device, emit: { points in
                outbox.post(.progress(Progress(trialID: task.trial.id, attempt: task.attempt, points: points)))
            }, shouldStop: { stop.isSet })
            if let device { devices?.release(device) }
            // A trial cut short because this worker is stopping is not a failure of the trial: the
            // worker's bye makes the coordinator hand it to another worker.
            outbox.finish(task.trial.id, sending: stop.isSet && result.status == .failed ? nil : .result(result))
        }
    }
}
