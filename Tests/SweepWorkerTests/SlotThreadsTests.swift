import Foundation
import Synchronization
import Testing
@testable import SweepWorker

/// The worker's trial threads: long trials must run side by side (one per slot), short ones must
/// each run exactly once, however the threads hand the waking on.
@Suite("Slot threads")
struct SlotThreadsTests {
    final class Counter: Sendable {
        let value = Mutex(0)
        let seen = Mutex<[Int: Int]>([:])
    }

    @Test("as many long jobs as threads all run at the same time")
    func longJobsRunSideBySide() {
        let threads = SlotThreads(count: 4)
        defer { threads.shutdown() }
        #expect(waitUntil(timeout: 30) { threads.sleepingCount == 4 })  // every thread asleep: the jobs must wake them
        let started = Counter()
        let allStarted = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        for _ in 0..<4 {
            threads.submit {
                if started.value.withLock({ $0 += 1; return $0 }) == 4 { allStarted.signal() }
                // Hold the thread until every job has started: only four threads at once get past here.
                _ = release.wait(timeout: .now() + 60)
            }
        }
        #expect(allStarted.wait(timeout: .now() + 60) == .success, "the four jobs did not all start together")
        for _ in 0..<4 { release.signal() }
    }

    @Test("a fifth long job waits for a free thread")
    func fifthJobWaits() {
        let threads = SlotThreads(count: 2)
        defer { threads.shutdown() }
        #expect(waitUntil(timeout: 30) { threads.sleepingCount == 2 })
        let started = Counter()
        let release = DispatchSemaphore(value: 0)
        let thirdRan = DispatchSemaphore(value: 0)
        for i in 0..<3 {
            threads.submit {
                started.value.withLock { $0 += 1 }
                if i == 2 {
                    thirdRan.signal()
                } else {
                    _ = release.wait(timeout: .now() + 60)
                }
            }
        }
        // Both threads are held inside the first two jobs: the third stays queued, not run.
        #expect(waitUntil(timeout: 30) { started.value.withLock { $0 } == 2 })
        #expect(threads.queuedCount == 1 && threads.sleepingCount == 0)
        #expect(thirdRan.wait(timeout: .now()) == .timedOut, "a third job ran while both threads were busy")
        release.signal()
        #expect(thirdRan.wait(timeout: .now() + 60) == .success)
        release.signal()
    }

    @Test("thousands of short jobs from bursts each run exactly once")
    func shortJobsRunOnce() {
        let threads = SlotThreads(count: 8)
        defer { threads.shutdown() }
        let counter = Counter()
        let done = DispatchSemaphore(value: 0)
        let total = 5_000
        for burst in 0..<50 {
            for j in 0..<100 {
                let id = burst * 100 + j
                threads.submit {
                    counter.seen.withLock { $0[id, default: 0] += 1 }
                    if counter.value.withLock({ $0 += 1; return $0 }) == total { done.signal() }
                }
            }
            if burst % 7 == 0 { usleep(200) }  // let threads fall asleep between some bursts
        }
        #expect(done.wait(timeout: .now() + 120) == .success)
        let seen = counter.seen.withLock { $0 }
        #expect(seen.count == total)
        #expect(seen.values.allSatisfy { $0 == 1 })
    }
}
