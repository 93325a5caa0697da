import ArgumentParser
import Foundation
import LRController
import SweepKit
import Training

/// `lrsweep controller train | show`: the PPO learning-rate controller of `rl-schedule`
/// (Xu et al., arXiv 1909.09712; ALGORITHMS.md §3).
struct ControllerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Train a PPO learning-rate controller for the rl-schedule optimizer, or show one.",
        discussion: """
            Train (default budget ≈ 5 minutes on 2 cores, 10 at most: mlp-small on Fashion-MNIST, 96 episodes
            of 300 child steps at batch 256, 2,000 validation images, 12 PPO updates of 8 episodes):
              lrsweep controller train --model mlp-small --dataset fashion-mnist --out controller.json
            Use it in a sweep: optimizer rl-schedule with `optimizers: {rl-schedule: {controller: controller.json}}`.
            """,
        subcommands: [ControllerTrainCommand.self, ControllerShowCommand.self])
}

enum ActionChoice: String, ExpressibleByArgument, CaseIterable {
    case discrete, continuous
}

struct ControllerTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a learning-rate controller with PPO; its episodes run as trials on workers.",
        discussion: """
            Each episode trains a child (Adam) for --steps steps; every --interval steps the controller
            sees 7 numbers (training loss, validation loss, variance of the validation logits and of their
            change, mean and variance of the output weights, the LR) and multiplies the LR by 1.05, divides
            it by 1.05 or keeps it; the reward is −validation loss. Initial LRs are drawn from --initial-lrs
            with --lr-noise decades of noise and the LR stays within [1e-5, 0.1]. The episodes of one PPO
            update run in parallel: on --workers local worker processes (over ZeroMQ, like a sweep), on the
            workers of a cluster (--connect: this command binds that endpoint; start workers with
            `lrsweep worker --connect EP --stay`), or in this process (--workers 0, on --jobs threads).

            Budget: the defaults (mlp-small, fashion-mnist, 96 episodes × 300 steps at batch 256, 2,000
            validation images, 12 PPO updates) take about 5 minutes on 2 cores (4m39s measured on a shared
            machine), 10 at most; time grows with episodes × steps.

            Example:
              lrsweep controller train --model mlp-small --dataset fashion-mnist --out controller.json
              lrsweep controller show controller.json
            """)

    @Option(name: .long, help: "Child model (see `lrsweep models`).") var model: String = "mlp-small"
    @Option(name: .long, help: "Child dataset (see `lrsweep datasets`).") var dataset: String = "fashion-mnist"
    @Option(name: .long, help: "Episodes in all.") var episodes: Int = 96
    @Option(name: .customLong("episodes-per-update"), help: "Episodes per PPO update.")
    var episodesPerUpdate: Int = 8
    @Option(name: .long, help: "Child steps per episode.") var steps: Int = 300
    @Option(name: .customLong("batch-size"), help: "Child minibatch size.") var batchSize: Int = 256
    @Option(name: .customLong("train-size"), help: "Use only this many training images.") var trainSize: Int?
    @Option(name: .customLong("val-size"), help: "Validation images the controller observes.") var valSize: Int = 2_000
    @Option(name: .long, help: "Child steps between decisions.") var interval: Int = 10
    @Option(name: .customLong("initial-lrs"), help: "Initial LRs of the episodes, comma-separated.")
    var initialLRs: String = "1e-2,1e-3,1e-4"
    @Option(name: .customLong("lr-noise"), help: "Noise on the initial LR, in decades (×10^U(−n, n)).")
    var lrNoise: Double = 0.1
    @Option(name: .long, help: "Action set: discrete (×1.05, ÷1.05, keep) or continuous (factor in [1/1.05, 1.05]).")
    var actions: ActionChoice = .discrete
    @Option(name: .long, help: "Seed of the controller and of the episodes.") var seed: Int = 1
    @Option(name: .long, help: "Local worker processes (0: run episodes in this process).") var workers: Int = 2
    @Option(name: .long, help: "Bind this endpoint and use the cluster's workers instead of local ones.")
    var connect: String?
    @Option(name: .long, help: "Threads for in-process episodes (--workers 0).") var jobs: Int = 2
    @Option(name: .long, help: "BLAS threads per episode.") var threads: Int = 1
    @Option(name: .long, help: "Folder for the rollouts' result stores and worker logs (default: FILE.runs/).")
    var work: String?
    @Option(name: .long, help: "Where to write the controller (JSON).") var out: String
    @Flag(name: .long, help: "One JSON object per PPO update on stdout; the last line is the summary.")
    var json = false
    @Option(name: .customLong("inproc-workers"), help: .hidden) var inprocWorkers: Int = 0
    @OptionGroup var ppo: PPOFlags

    func validate() throws {
        guard episodes >= 1, episodesPerUpdate >= 1 else {
            throw ValidationError("--episodes and --episodes-per-update must be at least 1")
        }
        guard interval >= 1, steps > interval else { throw ValidationError("--steps must exceed --interval (≥ 1)") }
        guard batchSize >= 1, valSize >= 1, threads >= 1, jobs >= 1, workers >= 0 else {
            throw ValidationError("--batch-size, --val-size, --threads and --jobs must be ≥ 1, --workers ≥ 0")
        }
        guard lrNoise >= 0 else { throw ValidationError("--lr-noise must be ≥ 0") }
        guard commaList(initialLRs, Double.self)?.allSatisfy({ $0 > 0 }) == true else {
            throw ValidationError("--initial-lrs must be positive numbers separated by commas, e.g. 1e-2,1e-3,1e-4")
        }
        _ = try ppo.config()
    }

    func run() throws {
        guard Catalog.builtin.isKnownModel(model) else {
            throw UserError("unknown model '\(model)'; see `lrsweep models`")
        }
        do {
            _ = try DatasetCache.load(dataset)  // fail early, with the install hint, if the data is not there
            let episode = EpisodeSetup(model: model, dataset: dataset, steps: steps, batchSize: batchSize,
                                       trainSize: trainSize, valSize: valSize, interval: interval, seed: 0,
                                       initialRates: commaList(initialLRs, Double.self) ?? [], rateNoise: lrNoise,
                                       threads: threads)
            let settings = ControllerTrainingSettings(
                episode: episode, episodes: episodes, episodesPerUpdate: episodesPerUpdate, seed: seed,
                actions: actions == .discrete ? .paperDiscrete : .paperContinuous, ppo: try ppo.config())
            var bar: ProgressBar?
            let sweep = connect == nil && workers == 0 && inprocWorkers == 0 ? nil : try SweepRollouts(
                bind: connect ?? "tcp://127.0.0.1:*", workDir: work ?? out + ".runs",
                localWorkers: connect == nil ? workers : 0, inProcessWorkers: inprocWorkers, threads: threads,
                executable: currentExecutable(), logger: Logs.logger("lrsweep.controller", level: .warning)) {
                    switch $0 {
                    case .waitingForWorkers(let endpoint):
                        FileHandle.standardError.write(Data(("rollout coordinator listening on \(endpoint); "
                            + "start workers with: lrsweep worker --connect \(endpoint) --stay\n").utf8))
                    case .progress(let u, let done, let total, let workers, let seconds):
                        if json { return }
                        bar = bar ?? ProgressBar(label: "update \(u) episodes")
                        bar?.update(done: done, total: total, detail: "workers \(workers) · \(formatDuration(seconds))",
                                    force: done == total)
                    case .updateEnded:
                        bar?.finish()
                        bar = nil
                    }
                }
            defer { sweep?.shutdown() }
            if !json { FileHandle.standardError.write(Data((ControllerReport.header(settings) + "\n").utf8)) }
            let file = try trainController(settings, backend: sweep ?? InProcessRollouts(jobs: jobs)) { u, stats in
                if json { printJSONLine(ControllerReport.updateJSON(u, stats)) } else {
                    print(ControllerReport.updateLine(u, of: settings.updates, stats))
                }
            }
            do {
                try file.write(to: out)
            } catch {
                throw RuntimeFailure("cannot write \(out): \(error.localizedDescription)")
            }
            if json { printJSONLine(ControllerTrainingSummary(file, out: out)) } else {
                print(ControllerReport.summaryLine(file, out: out))
            }
        } catch let e as TrainingError {
            throw UserError(e.description)
        }
    }
}
