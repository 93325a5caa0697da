import ArgumentParser
import Foundation
import Logging
import SweepCoordinator
import SweepKit
import Training
import Wire

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure speed against a baseline taken in the same run.",
        subcommands: [BenchTrainCommand.self, BenchDispatchCommand.self, BenchScaleCommand.self])
}

struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training samples/s of a model, and its efficiency against sgemm at the same shapes and threads.")

    @Option(name: .long, help: "Model (logreg, mlp, lenet5, …).")
    var model: String = "mlp"

    @Option(name: .customLong("batch-size"), help: "Minibatch size.")
    var batchSize: Int = 128

    @Option(name: .long, help: "Compute threads; above 1, one thread is measured in the same run for the speed-up.")
    var threads: Int = 1

    @Option(name: .long, help: "Timed training steps (after warm-up).")
    var steps: Int = 50

    @Flag(name: .long, help: """
        One JSON line: samples_per_sec, sgemm_gflops, model_gflops, efficiency (at --threads), and with \
        --threads above 1 samples_per_sec_1_thread and speedup.
        """)
    var json = false

    func run() throws {
        let c = try compareThreads(model: model, batchSize: batchSize, threads: threads, steps: steps)
        let b = c.threaded
        if json {
            struct Line: Encodable {
                var model: String
                var batch_size, threads: Int
                var samples_per_sec, sgemm_gflops, model_gflops, efficiency: Double
                var samples_per_sec_1_thread, speedup: Double?
            }
            printJSONLine(Line(model: model, batch_size: batchSize, threads: threads,
                               samples_per_sec: b.samplesPerSecond, sgemm_gflops: b.sgemmGflops,
                               model_gflops: b.modelGflops, efficiency: b.efficiency,
                               samples_per_sec_1_thread: c.single?.samplesPerSecond, speedup: c.speedup))
            return
        }
        for r in [c.single, c.threaded].compactMap({ $0 }) {
            print(String(format: "%@ batch %d threads %d: %.0f samples/s · %.1f GFLOP/s of sgemm's %.1f at the same "
                         + "shapes → efficiency %.2f", model, batchSize, r.threads, r.samplesPerSecond, r.modelGflops,
                         r.sgemmGflops, r.efficiency))
        }
        if let speedup = c.speedup {
            print(String(format: "%@: %d threads / 1 thread = %.2f×", model, threads, speedup))
        }
    }
}

struct BenchDispatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "No-op trials per second through the real coordinator, SQLite store and worker processes.",
        discussion: """
            Every trial finishes at once on the worker, so this measures what lrsweep adds to a sweep: \
            ZeroMQ round trips, scheduling and durable writes. The baseline printed next to it is the \
            raw ZeroMQ request/reply rate measured on the same machine in the same run.
            """)

    @Option(name: .long, help: "Worker processes.")
    var workers: Int = 8

    @Option(name: .long, help: "Trials in the sweep.")
    var trials: Int = 20_000

    @Option(name: .long, help: "Trials each worker holds at once (credit).")
    var slots: Int = 16

    @Flag(name: .long, help: "One JSON line: trials, workers, seconds, trials_per_sec.")
    var json = false

    func run() throws {
        let spec = try SweepSpec.noopBenchmark(trials: max(1, trials))
        // The baseline first, while nothing else of this run is on the machine: raw round trips
        // with as many messages in flight as the workers hold trials.
        let raw = try LoopbackBaseline.roundTripsPerSecond(count: max(20_000, trials), window: workers * slots)
        let dir = NSTemporaryDirectory() + "lrsweep-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try ResultStore(path: "\(dir)/results.sqlite")
        let sweep = try LocalSweep(spec: spec, store: store, options: .init(
            bind: "tcp://127.0.0.1:*", workers: workers, workerArguments: ["--quiet", "--slots", String(slots)],
            executable: currentExecutable(), logDir: "\(dir)/logs"), logger: Logs.logger("lrsweep.bench", level: .error))
        defer { sweep.finish(waiting: 5) }
        try sweep.run()
        // Timed by the store itself: from the first lease it recorded to the last result, so worker
        // start-up and shutdown are not counted, and nothing before the first commit is.
        guard let span = try store.activeSpan() else { throw RuntimeFailure("the bench sweep recorded no trials") }
        let seconds = span.last - span.first
        let rate = Double(trials) / max(seconds, 1e-9)
        if json {
            struct Line: Encodable {
                var trials, workers: Int
                var seconds, trials_per_sec, zmq_round_trips_per_sec, ratio: Double
            }
            printJSONLine(Line(trials: trials, workers: workers, seconds: seconds, trials_per_sec: rate,
                               zmq_round_trips_per_sec: raw, ratio: rate / raw))
        } else {
            print(String(format: "%d no-op trials through %d workers in %.2f s: %.0f trials/s; raw ZeroMQ round "
                         + "trips on loopback in the same run: %.0f/s → ratio %.3f", trials, workers, seconds, rate,
                         raw, rate / raw))
        }
    }
}
