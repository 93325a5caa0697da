import Foundation
import SweepKit
import SweepTesting
import Testing
@testable import SweepCoordinator

@Suite("--retry-failed in the store")
struct RetryFailedTests {
    @Test("failed trials become pending; their attempts so far no longer count against retries, later hand-backs do not either")
    func freshBudget() throws {
        let spec = try SweepSpec.parse(text: """
            name: retry
            grid: {optimizer: sgd, lr: 0.1, dataset: synthetic, model: logreg}
            seeds: [1, 2, 3]
            retries: 1
            """, file: "retry.yaml", catalog: Fixtures.catalog)
        let dir = NSTemporaryDirectory() + "lrsweep-retry-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = try ResultStore(path: "\(dir)/results.sqlite")
        let trials = spec.trials()
        try store.prepare(spec: spec, trials: trials, now: 0)
        let (a, b, c) = (trials[0].id, trials[1].id, trials[2].id)
        // a: handed back once, then lost twice (out of retries); b: lost twice; c: never failed.
        try store.apply([.recordHandBack(trialID: a, attempt: 1, reason: "worker left"),
                         .recordRequeue(trialID: a, attempt: 3, failed: true, reason: "lost; no retries left"),
                         .recordRequeue(trialID: b, attempt: 2, failed: true, reason: "lost; no retries left"),
                         .recordHandBack(trialID: c, attempt: 1, reason: "worker left")], now: 1)
        #expect(try store.loadHandBacks() == [a: 1, c: 1])

        #expect(try store.retryFailed(now: 2) == 2)
        let states = try store.loadStates()
        #expect(states[a] == .pending(attempts: 3))
        #expect(states[b] == .pending(attempts: 2))
        // Every attempt made before is forgiven; c keeps its one hand-back.
        #expect(try store.loadHandBacks() == [a: 3, b: 2, c: 1])
        // A hand-back after the retry adds to the forgiven attempts, as before.
        try store.apply([.recordHandBack(trialID: a, attempt: 4, reason: "worker left")], now: 3)
        #expect(try store.loadHandBacks()[a] == 4)
        // Nothing failed any more: a second retry-failed changes nothing.
        #expect(try store.retryFailed(now: 4) == 0)
        #expect(try store.loadHandBacks()[a] == 4)
    }
}
