import ArgumentParser
import Foundation
import SweepCoordinator
import SweepKit
import Training

struct BenchScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Makespan efficiency: the ideal time of M trials of S seconds on every slot, over the time measured.",
        discussion: """
            ideal = M·S / slots, where slots = workers × --slots. The measured time is read from the results \
            store: from the first lease it recorded to the last result it recorded (worker start-up before \
            the first lease and shutdown after the last result are not counted; workers that join late are). \
            Kinds: `command` trials run `/bin/sh -c 'sleep S; echo <final metric line>'` as a trainer: \
            command; `engine` trials are the worker's no-op trials told to wait S seconds (sleep_seconds). \
            The overhead per trial, (measured − ideal)·slots/M, is split into the runner's time beyond S, \
            the lease-to-result round trip beyond the runner, and idle slot-time (ramp-up, gaps, tail).

            Example: lrsweep bench scale --workers 64 --trial-seconds 0.5 --trials 2000
            From a finished sweep's store: lrsweep bench scale --store DIR/results.sqlite --slots-total 16 \
            --trial-seconds 0.5
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable { case command, engine, both }

    @Option(name: .long, help: "Worker processes, started on this machine over loopback.")
    var workers: Int = 64
    @Option(name: .customLong("trial-seconds"), help: "S: how long each trial sleeps.")
    var trialSeconds: Double = 0.5
    @Option(name: .long, help: "M: trials in the sweep.")
    var trials: Int = 2000
    @Option(name: .long, help: "Trials each worker runs at once.")
    var slots: Int = 1
    @Option(name: .long, help: "What the trials run (\(Kind.allCases.map(\.rawValue).joined(separator: ", "))).")
    var kind: Kind = .both
    @Option(name: .long, help: "Compute the figures from this finished sweep's results.sqlite instead of running one.")
    var store: String?
    @Option(name: .customLong("slots-total"), help: "With --store: the slots of all the sweep's workers together.")
    var slotsTotal: Int?
    @Flag(name: .long, help: """
        One JSON line per kind: trials, workers, trial_seconds, seconds, ideal_seconds, efficiency, and the \
        breakdown (per trial: overhead_per_trial, runner_extra, round_trip, idle_ramp, idle_gaps, idle_tail).
        """)
    var json = false

    func validate() throws {
        guard workers >= 1, trials >= 1, slots >= 1 else {
            throw ValidationError("--workers, --trials and --slots must be at least 1")
        }
        guard trialSeconds.isFinite, trialSeconds > 0 else { throw ValidationError("--trial-seconds must be above 0") }
        guard (store == nil) == (slotsTotal == nil) else {
            throw ValidationError("--store and --slots-total go together (the store does not know its workers' slots)")
        }
        if let slotsTotal, slotsTotal < 1 { throw ValidationError("--slots-total must be at least 1") }
    }

    func run() throws {
        if let store, let slotsTotal {
            guard FileManager.default.fileExists(atPath: store) else { throw UserError("no such store: \(store)") }
            try report(try figures(ResultStore(path: store), slots: slotsTotal), kind: "store", usage: nil)
            return
        }
        for k in kind == .both ? [Kind.command, .engine] : [kind] { try measure(k) }
    }

    private func measure(_ kind: Kind) throws {
        let spec = kind == .command
            ? try SweepSpec.parse(text: commandSpecText(), file: "(bench scale)", catalog: Catalog.builtin)
            : try SweepSpec.noopBenchmark(name: "bench-scale", trials: trials, seconds: trialSeconds)
        let dir = NSTemporaryDirectory() + "lrsweep-scale-\(getpid())-\(kind.rawValue)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var keep = false
        defer { if !keep { try? FileManager.default.removeItem(atPath: dir) } }
        let store = try ResultStore(path: "\(dir)/results.sqlite")
        let before = CPUUsage.now(), started = Date()
        let sweep = try LocalSweep(spec: spec, store: store, options: .init(
            bind: "tcp://127.0.0.1:*", workers: workers, workerArguments: ["--quiet", "--slots", String(slots)],
            executable: currentExecutable(), logDir: "\(dir)/logs"),
            logger: Logs.logger("lrsweep.bench", level: .error))
        defer { sweep.finish(waiting: 5) }
        do {
            try sweep.run()
            sweep.finish(waiting: 10)
            let usage = (cpu: CPUUsage.now() - before, wall: Date().timeIntervalSince(started))
            try report(try figures(store, slots: workers * slots), kind: kind.rawValue, usage: usage)
        } catch {
            keep = true
            throw RuntimeFailure("\(error) (store and worker logs kept in \(dir))")
        }
    }

    /// Every trial a seed; the trainer sleeps S seconds, then prints the final line the protocol needs.
    private func commandSpecText() -> String {
        """
        name: bench-scale
        metric: val_loss
        grid: {sleep_seconds: \(trialSeconds)}
        seeds: [\((1...trials).map(String.init).joined(separator: ", "))]
        retries: 0
        trainer:
          command: [/bin/sh, -c, 'sleep "$1" && echo "{\\"final\\": true, \\"val_loss\\": 0}"', sh, "{sleep_seconds}"]
        """
    }

    private func figures(_ store: ResultStore, slots: Int) throws -> (Makespan, workers: Int) {
        let (spans, total, workerCount) = try store.doneSpans()
        guard spans.count == total else {
            throw RuntimeFailure("only \(spans.count) of the store's \(total) trials are done; efficiency needs all")
        }
        let peak = Makespan.peak(of: spans)
        guard peak <= slots else { throw UserError("\(peak) trials ran at once, more than the \(slots) slots given") }
        guard let m = Makespan(spans: spans, slots: slots, trialSeconds: trialSeconds) else {
            throw RuntimeFailure("the store recorded no trial times")
        }
        return (m, workerCount)
    }

    private func report(_ f: (Makespan, workers: Int), kind: String, usage: (cpu: Double, wall: Double)?) throws {
        let (m, cores) = (f.0, ProcessInfo.processInfo.activeProcessorCount)
        if json {
            struct Line: Encodable {
                var kind: String
                var trials, workers, slots, peak_running, cores: Int
                var trial_seconds, seconds, ideal_seconds, bound_seconds, efficiency, overhead_per_trial, runner_extra,
                    round_trip, idle_ramp, idle_gaps, idle_tail, tail_seconds: Double
                var ramp_seconds, cpu_seconds, wall_seconds: Double?
            }
            printJSONLine(Line(kind: kind, trials: m.trials, workers: f.workers, slots: m.slots,
                               peak_running: m.peakRunning, cores: cores, trial_seconds: m.trialSeconds,
                               seconds: m.measured, ideal_seconds: m.ideal, bound_seconds: m.bound,
                               efficiency: m.efficiency, overhead_per_trial: m.overheadPerTrial,
                               runner_extra: m.runnerExtra, round_trip: m.roundTrip, idle_ramp: m.rampIdle,
                               idle_gaps: m.gapIdle, idle_tail: m.tailIdle, tail_seconds: m.tailSeconds, ramp_seconds: m.rampSeconds,
                               cpu_seconds: usage?.cpu, wall_seconds: usage?.wall))
            return
        }
        print(String(format: "%@: %d trials × %.2f s on %d slots (%d workers): measured %.2f s (first lease → last "
                     + "result, from the store), ideal %.2f s → efficiency %.3f", kind, m.trials, m.trialSeconds,
                     m.slots, f.workers, m.measured, m.ideal, m.efficiency))
        print(String(format: "  overhead per trial %.4f s = runner beyond S %.4f + round trip %.4f + idle: ramp-up "
                     + "%.4f, between trials %.4f, tail %.4f", m.overheadPerTrial, m.runnerExtra, m.roundTrip,
                     m.rampIdle, m.gapIdle, m.tailIdle))
        let ramp = m.rampSeconds.map { String(format: "%.2f s", $0) } ?? "never (peak \(m.peakRunning) running)"
        print(String(format: "  all slots busy after %@ · last lease → last result %.2f s · whole trials need at least "
                     + "⌈M/slots⌉·S = %.2f s", ramp, m.tailSeconds, m.bound)
              + (usage.map { String(format: " · CPU %.1f s over %.1f s wall on %d cores (%.0f%% busy)", $0.cpu,
                                    $0.wall, cores, 100 * $0.cpu / ($0.wall * Double(cores))) } ?? ""))
    }
}
