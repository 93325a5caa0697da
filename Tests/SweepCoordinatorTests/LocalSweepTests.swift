import Foundation
import Logging
import SweepCoordinator
import SweepKit
import SweepTesting
import Synchronization
import Testing

@Suite("LocalSweep and its worker processes")
struct LocalSweepTests {
    static func sweep(_ name: String, in dir: String, workers: Int) throws -> LocalSweep {
        let spec = try SweepSpec.parse(text: """
            name: \(name)
            grid: {optimizer: sgd, lr: 0.1, dataset: synthetic, model: logreg}
            seeds: [1, 2]
            """, file: "\(name).yaml", catalog: Fixtures.catalog)
        let store = try ResultStore(path: "\(dir)/\(name).sqlite")
        // `/bin/true` stands in for a worker binary that exits at once (a crash, or a worker that
        // gave up): no trial can ever be served.
        return try LocalSweep(spec: spec, store: store, options: .init(
            bind: "tcp://127.0.0.1:*", workers: workers, executable: "/bin/true", logDir: "\(dir)/logs"),
            logger: Logger(label: "test.local-sweep"))
    }

    @Test("a sweep served by another sweep's --stay workers ends with an error once they have all exited")
    func borrowedWorkersExited() throws {
        let dir = NSTemporaryDirectory() + "lrsweep-localsweep-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try Self.sweep("first", in: dir, workers: 1)
        #expect(throws: LocalSweepError.self) { try first.run() }

        // The next sweep starts no workers of its own (as each update of `controller train` after
        // the first): without the first sweep's workers to watch it would wait forever.
        let second = try Self.sweep("second", in: dir, workers: 0)
        second.servedByWorkers(of: first)
        // Handed to one other thread, which alone uses it from then on.
        nonisolated(unsafe) let served = second
        let outcome = Mutex<String?>(nil)
        let ended = DispatchSemaphore(value: 0)
        Thread {
            do {
                try served.run()
                outcome.withLock { $0 = "finished" }
            } catch {
                outcome.withLock { $0 = "\(error)" }
            }
            ended.signal()
        }.start()
        // A guard against the hang this test is about, not a timing assertion.
        guard ended.wait(timeout: .now() + 120) == .success else {
            Issue.record("the second sweep still waits for workers that exited")
            return
        }
        let message = try #require(outcome.withLock { $0 })
        #expect(message.contains("local workers exited"), "\(message)")
    }
}
