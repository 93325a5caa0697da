import Foundation
import Glibc
import SweepKit

/// Why lrsweep ended a trainer before it ended by itself.
enum Termination: Equatable {
    /// It ran longer than the trainer's `timeout` (seconds).
    case timeout(Double)
    /// The worker is shutting down.
    case stopped
}

/// How a supervised trainer ended and what it said.
struct SupervisionOutcome {
    var exit: ExitStatus
    var termination: Termination?
    var report: TrainerReport
    /// The last lines of its stderr, oldest first.
    var stderrTail: [String]
}

/// Watches one running trainer on the trial's thread: reads its two pipes, parses metric lines,
/// enforces the timeout and the worker's stop request, and makes sure its whole process group is
/// gone before returning.
///
/// One thread, `poll(2)` over both pipes with a short timeout: neither pipe can fill up and block the
/// trainer while the other is waited on, and the same loop notices the exit, the timeout and the stop
/// request within ``tick`` milliseconds.
///
/// Ending the group: SIGTERM to every process in it (`kill(-pgid, …)`), SIGKILL `grace` seconds later
/// if any is left. The same happens when the trainer exits by itself but leaves processes behind in
/// its group (a background job, a data-loader worker): no orphan outlives its trial.
struct TrainerSupervisor {
    var timeout: Double?
    var grace: Double
    /// Milliseconds between looks at the child while it prints nothing.
    var tick: Int32 = 50
    /// Seconds between two `progress` batches.
    var flushInterval: Double = 0.25
    /// Lines of stderr kept for a failure's reason.
    var tailLines = 20

    func supervise(_ child: inout ChildProcess, log: TrialLog, emit: ([MetricPoint]) -> Void,
                   shouldStop: () -> Bool) -> SupervisionOutcome {
        let clock = ContinuousClock()
        let started = clock.now
        var report = TrainerReport()
        var tail: [String] = []
        var pending: [MetricPoint] = []
        var lastFlush = started
        var splitters = [LineSplitter(), LineSplitter()]
        var exit: ExitStatus?
        var termination: Termination?
        var termSent: ContinuousClock.Instant?
        var killSent: ContinuousClock.Instant?
        var groupGoneAt: ContinuousClock.Instant?

        func handle(_ line: String, stream: Int) {
            if stream == 0, let points = report.consume(line) {
                pending += points
                return
            }
            log.write(line)
            if stream == 1 {
                tail.append(line.count > 500 ? String(line.prefix(500)) + "…" : line)
                if tail.count > tailLines { tail.removeFirst(tail.count - tailLines) }
            }
        }

        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            // 1. Output: whatever is there, for at most one tick.
            let fds = [child.stdout, child.stderr]
            var pollFDs = fds.filter { $0 >= 0 }.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&pollFDs, nfds_t(pollFDs.count), tick)
            if ready > 0 {
                for p in pollFDs where p.revents != 0 {
                    let stream = p.fd == child.stdout ? 0 : 1
                    let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                    if n > 0 {
                        let lines = buffer.withUnsafeBytes {
                            splitters[stream].feed(UnsafeRawBufferPointer(rebasing: $0[..<n]))
                        }
                        for line in lines { handle(line, stream: stream) }
                    } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                        if let last = splitters[stream].finish() { handle(last, stream: stream) }
                        child.closeStream(stream)
                    }
                }
            }
            let now = clock.now
            if !pending.isEmpty && (now - lastFlush >= .seconds(flushInterval) || pending.count >= 1000) {
                emit(pending)
                pending = []
                lastFlush = now
            }

            // 2. The leader's exit; then leftovers of its group.
            if exit == nil, let status = child.reapLeader() { exit = status }
            if exit != nil {
                child.reapGroup()
                if child.groupExists {
                    if termSent == nil {
                        log.note("the trainer exited but left processes in its group; sending them SIGTERM")
                        child.signalGroup(SIGTERM)
                        termSent = now
                    }
                } else if groupGoneAt == nil {
                    groupGoneAt = now
                }
            }

            // 3. Timeout and stop request, while the leader runs.
            if exit == nil && termination == nil {
                if let timeout, now - started >= .seconds(timeout) {
                    termination = .timeout(timeout)
                } else if shouldStop() {
                    termination = .stopped
                }
                if let termination {
                    log.note(termination == .stopped ? "the worker is stopping; sending SIGTERM to the trainer's group"
                             : "timeout after \(timeout ?? 0) s; sending SIGTERM to the trainer's process group")
                    child.signalGroup(SIGTERM)
                    termSent = now
                }
            }
            if let termSent, killSent == nil, groupGoneAt == nil, now - termSent >= .seconds(grace) {
                log.note("still running \(grace) s after SIGTERM; sending SIGKILL to the process group")
                child.signalGroup(SIGKILL)
                killSent = now
            }

            // 4. Done when the group is gone and both pipes are drained. A process that left the group
            //    (setsid) but holds a pipe open gets a second, then its output is abandoned.
            if let gone = groupGoneAt {
                let drained = child.stdout < 0 && child.stderr < 0
                if drained || now - gone >= .seconds(1) { break }
            }
            // A process stuck in the kernel (uninterruptible sleep) can outlive SIGKILL; do not hang on it.
            if let killSent, now - killSent >= .seconds(10) {
                log.note("processes of the trainer's group survived SIGKILL for 10 s; giving up on them")
                if exit == nil { exit = .signaled(SIGKILL) }
                break
            }
        }
        for stream in 0..<2 {
            if let last = splitters[stream].finish() { handle(last, stream: stream) }
        }
        child.closeOutput()
        if !pending.isEmpty { emit(pending) }
        // Slurm (scancel, preemption, the time limit) signals every process of the job, trainers
        // included: a trainer killed by a signal lrsweep did not send may be the first sign of the
        // worker's own stop. Give that stop a second to arrive, so the attempt is handed back.
        if termination == nil, case .signaled(let sig)? = exit, [SIGTERM, SIGINT, SIGHUP].contains(sig) {
            let deadline = clock.now + .seconds(1)
            while clock.now < deadline, !shouldStop() { usleep(20_000) }
            if shouldStop() {
                termination = .stopped
                log.note("the trainer got signal \(sig) as the worker was stopping: handed back, not failed")
            }
        }
        // The loop leaves only once `exit` is set (the group is gone only after the leader is reaped).
        return SupervisionOutcome(exit: exit ?? .unknown, termination: termination, report: report, stderrTail: tail)
    }
}
