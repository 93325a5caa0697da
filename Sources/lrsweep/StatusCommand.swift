import ArgumentParser
import Foundation
import Reports
import SweepCoordinator
import SweepKit

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a sweep's progress: trials pending/running/done/failed/diverged, workers, ETA.",
        discussion: """
            Reads DIR/results.sqlite (what is durable) and DIR/status.json (what the running coordinator
            last saw: workers, why trials wait, ETA). Example: lrsweep status runs/quickstart
            """)

    @Argument(help: "The sweep's output folder.")
    var dir: String

    @Flag(name: .long, help: "One JSON object: trials, workers, waiting_reason, eta_seconds.")
    var json = false

    struct Output: Encodable {
        var sweep: String
        var trials: [String: Int]
        var workers: [Worker]
        var waiting_reason: String?
        var eta_seconds: Double?
        var coordinator_running: Bool

        struct Worker: Encodable {
            var id, host: String
            var slots: Int
            var last_heard: Double
            var trials: [String]
        }
    }

    func run() throws {
        let data: ReportData
        do {
            data = try ReportData.load(path: "\(dir)/results.sqlite")
        } catch let e as ReportError {
            throw UserError(e.message)
        }
        var counts: [String: Int] = [:]
        for s in TrialStatus.allCases { counts[s.rawValue] = 0 }
        for t in data.trials { counts[t.status.rawValue, default: 0] += 1 }
        var snapshot: CoordinatorSnapshot?
        if let bytes = FileManager.default.contents(atPath: "\(dir)/status.json") {
            snapshot = try? JSONDecoder().decode(CoordinatorSnapshot.self, from: bytes)
        }
        // A snapshot older than a few seconds is from a coordinator that is no longer running.
        let live = snapshot.map { Date().timeIntervalSince1970 - $0.updated < 5 } ?? false
        let out = Output(
            sweep: data.sweepName, trials: counts,
            workers: live ? (snapshot?.workers ?? []).map {
                .init(id: $0.id, host: $0.host, slots: $0.slots, last_heard: $0.lastHeardSecondsAgo, trials: $0.trials)
            } : [],
            waiting_reason: live ? snapshot?.waitingReason : (counts["pending", default: 0] + counts["running", default: 0] > 0
                                                             ? "coordinator not running" : nil),
            eta_seconds: live ? snapshot?.etaSeconds : nil, coordinator_running: live)
        if json {
            printJSONLine(out)
            return
        }
        let total = data.trials.count
        print("sweep \(data.sweepName): \(total) trials")
        for s in TrialStatus.allCases { print("  \(s.rawValue): \(counts[s.rawValue] ?? 0)") }
        if let reason = out.waiting_reason { print("waiting: \(reason)") }
        if let eta = out.eta_seconds { print("ETA: \(formatDuration(eta))") }
        if out.workers.isEmpty {
            print(live ? "no workers connected" : "coordinator not running")
        } else {
            print("workers:")
            for w in out.workers {
                print("  \(w.id) on \(w.host): \(w.trials.count)/\(w.slots) slots busy, heard "
                      + "\(String(format: "%.1f", w.last_heard)) s ago")
            }
        }
    }
}
