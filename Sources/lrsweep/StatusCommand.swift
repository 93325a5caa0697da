import ArgumentParser
import Foundation
import Reports
import SweepCoordinator
import SweepKit
import Wire

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a sweep's progress: trials by status, paused or not, workers, ETA.",
        discussion: """
            With DIR: reads DIR/results.sqlite (what is durable) and DIR/status.json (what the running
            coordinator last saw: workers, why trials wait, ETA). With --connect: asks a running coordinator.
            Examples: lrsweep status runs/quickstart
                      lrsweep status --connect tcp://head-node:5555 --keys keys/
            """)

    @Argument(help: "The sweep's output folder.")
    var dir: String?

    @Option(name: .long, help: "Ask the coordinator at this endpoint instead of reading a folder.")
    var connect: String?

    @Option(name: .long, help: "Key folder, when the coordinator uses CURVE (--connect only).")
    var keys: String?

    func validate() throws {
        if (dir == nil) == (connect == nil) {
            throw ValidationError("give either a sweep folder (lrsweep status runs/NAME) or --connect ENDPOINT")
        }
    }

    @Flag(name: .long, help: "One JSON object: trials, workers, waiting_reason, eta_seconds.")
    var json = false

    struct Output: Encodable {
        var sweep: String
        var trials: [String: Int]
        var workers: [Worker]
        var waiting_reason: String?
        var eta_seconds: Double?
        var coordinator_running: Bool
        /// No new trials start until `lrsweep control … resume`.
        var paused: Bool
        /// Early stopping's rungs so far.
        var early_stopping: String?

        struct Worker: Encodable {
            var id, host: String
            var slots: Int
            var last_heard: Double
            var trials: [String]
            var credits: Int

            init(_ w: WorkerSummary) {
                credits = w.credits
                id = w.id
                host = w.host
                slots = w.slots
                last_heard = w.lastHeardSecondsAgo
                trials = w.trials
            }
        }
    }

    func run() throws {
        if let connect {
            let snap = try CoordinatorClient(endpoint: connect, keys: keys.map(KeyFolder.init)).status()
            var counts: [String: Int] = [:]
            for s in TrialStatus.allCases { counts[s.rawValue] = snap.counts[s] ?? 0 }
            show(Output(sweep: connect, trials: counts, workers: snap.workers.map(Output.Worker.init),
                        waiting_reason: snap.waitingReason, eta_seconds: snap.etaSeconds, coordinator_running: true,
                        paused: snap.paused, early_stopping: snap.earlyStopping),
                 total: snap.total)
            return
        }
        let dir = self.dir ?? "."
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
            snapshot = try? JSONCoding.decoder().decode(CoordinatorSnapshot.self, from: bytes)
        }
        // A snapshot older than a few seconds is from a coordinator that is no longer running.
        let live = snapshot.map { !$0.finished && Date().timeIntervalSince1970 - $0.updated < 5 } ?? false
        let out = Output(
            sweep: data.sweepName, trials: counts,
            workers: live ? (snapshot?.workers ?? []).map(Output.Worker.init) : [],
            waiting_reason: live ? snapshot?.waitingReason : (counts["pending", default: 0] + counts["running", default: 0] > 0
                                                             ? "coordinator not running" : nil),
            eta_seconds: live ? snapshot?.etaSeconds : nil, coordinator_running: live,
            paused: live && snapshot?.paused == true, early_stopping: snapshot?.earlyStopping)
        show(out, total: data.trials.count)
    }

    private func show(_ out: Output, total: Int) {
        if json {
            printJSONLine(out)
            return
        }
        print("sweep \(out.sweep): \(total) trials")
        for s in TrialStatus.allCases { print("  \(s.rawValue): \(out.trials[s.rawValue] ?? 0)") }
        if out.paused { print("paused: resume with lrsweep control DIR resume") }
        if let es = out.early_stopping { print("early stopping: \(es)") }
        if let reason = out.waiting_reason { print("waiting: \(reason)") }
        if let eta = out.eta_seconds { print("ETA: \(formatDuration(eta))") }
        if out.workers.isEmpty {
            print(out.coordinator_running ? "no workers connected" : "coordinator not running")
        } else {
            print("workers:")
            for w in out.workers {
                print("  \(w.id) on \(w.host): \(w.trials.count)/\(w.slots) slots busy, heard "
                      + "\(String(format: "%.1f", w.last_heard)) s ago")
            }
        }
    }
}
