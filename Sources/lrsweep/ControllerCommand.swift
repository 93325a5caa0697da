import ArgumentParser
import Foundation
import Logging
import Reports
import SweepCoordinator
import SweepKit
import SweepWorker
import Synchronization
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

/// PPO's settings as flags (defaults from ALGORITHMS.md §3).
struct PPOFlags: ParsableArguments {
    @Option(name: .long, help: "Discount γ.") var gamma: Double = 1
    @Option(name: .customLong("gae-lambda"), help: "GAE λ.") var gaeLambda: Double = 0.95
    @Option(name: .customLong("clip-range"), help: "Clip range ε of the surrogate.") var clipRange: Double = 0.2
    @Option(name: .customLong("value-coef"), help: "Value-loss coefficient.") var valueCoef: Double = 0.5
    @Option(name: .customLong("entropy-coef"), help: "Entropy-bonus coefficient.") var entropyCoef: Double = 0.1
    @Option(name: .customLong("ppo-lr"), help: "Adam learning rate of the controller's networks.")
    var ppoLR: Double = 3e-3
    @Option(name: .customLong("ppo-epochs"), help: "Epochs per PPO update.") var ppoEpochs: Int = 4
    @Option(name: .long, help: "Minibatches per epoch.") var minibatches: Int = 4
    @Option(name: .customLong("max-grad-norm"), help: "Gradient-norm clip of both networks together.")
    var maxGradNorm: Double = 0.5
    @Option(name: .customLong("obs-clip"), help: "Normalised observations are clipped to ±this.")
    var obsClip: Double = 10
    @Option(name: .customLong("reward-clip"), help: "Scaled rewards are clipped to ±this.")
    var rewardClip: Double = 10
    @Option(name: .long, help: "Hidden widths of actor and critic, comma-separated.") var hidden: String = "32,32"

    func config() throws -> PPOConfig {
        var c = PPOConfig()
        c.gamma = gamma
        c.gaeLambda = gaeLambda
        c.clipRange = clipRange
        c.valueCoefficient = valueCoef
        c.entropyCoefficient = entropyCoef
        c.learningRate = ppoLR
        c.epochs = ppoEpochs
        c.minibatches = minibatches
        c.maxGradNorm = maxGradNorm
        c.observationClip = obsClip
        c.rewardClip = rewardClip
        let widths = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !widths.isEmpty, widths.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--hidden must be positive widths separated by commas, e.g. 32,32")
        }
        c.hidden = widths.compactMap { $0 }
        guard ppoEpochs >= 1, minibatches >= 1 else {
            throw ValidationError("--ppo-epochs and --minibatches must be at least 1")
        }
        guard (0...1).contains(gamma), (0...1).contains(gaeLambda), clipRange > 0, ppoLR > 0, maxGradNorm > 0 else {
            throw ValidationError("need γ, λ in [0, 1] and a positive clip range, --ppo-lr and --max-grad-norm")
        }
        return c
    }
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
        _ = try rates()
        _ = try ppo.config()
    }

    func rates() throws -> [Double] {
        let r = initialLRs.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !r.isEmpty, r.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--initial-lrs must be positive numbers separated by commas, e.g. 1e-2,1e-3,1e-4")
        }
        return r.compactMap { $0 }
    }

    func run() throws {
        guard Catalog.builtin.isKnownModel(model) else {
            throw UserError("unknown model '\(model)'; see `lrsweep models`")
        }
        let episode = EpisodeSetup(model: model, dataset: dataset, steps: steps, batchSize: batchSize,
                                   trainSize: trainSize, valSize: valSize, interval: interval, seed: 0,
                                   initialRates: try rates(), rateNoise: lrNoise, threads: threads)
        let settings = ControllerTrainingSettings(
            episode: episode, episodes: episodes, episodesPerUpdate: episodesPerUpdate, seed: seed,
            actions: actions == .discrete ? .paperDiscrete : .paperContinuous, ppo: try ppo.config())
        // Fail early, with the install hint, if the data is not there.
        do {
            _ = try DatasetCache.load(dataset)
        } catch let e as TrainingError {
            throw UserError(e.description)
        }
        let workDir = work ?? out + ".runs"
        let backend: any RolloutBackend
        var sweepBackend: SweepRollouts?
        if connect == nil && workers == 0 && inprocWorkers == 0 {
            backend = InProcessRollouts(jobs: jobs)
        } else {
            let b = try SweepRollouts(bind: connect ?? "tcp://127.0.0.1:*", workDir: workDir,
                                      localWorkers: connect == nil ? workers : 0, inProcessWorkers: inprocWorkers,
                                      threads: threads, showProgress: !json)
            sweepBackend = b
            backend = b
        }
        defer { sweepBackend?.shutdown() }
        let updates = settings.updates
        if !json {
            FileHandle.standardError.write(Data(("training a controller: \(episodes) episodes of \(steps) steps "
                + "(\(model) on \(dataset)), \(updates) PPO updates\n").utf8))
        }
        let file: ControllerFile
        do {
            file = try trainController(settings, backend: backend) { u, s in
                if json {
                    var line: [String: Double] = ["update": Double(u + 1), "mean_return": s.meanReturn,
                                                  "mean_final_val_loss": s.meanFinalValidationLoss,
                                                  "policy_loss": s.policyLoss, "value_loss": s.valueLoss,
                                                  "entropy": s.entropy, "approx_kl": s.approxKL,
                                                  "clip_fraction": s.clipFraction, "diverged": Double(s.diverged)]
                    line = line.filter { $0.value.isFinite }
                    printJSONLine(line)
                } else {
                    print(String(format: "update %d/%d: mean return %.3f · final val loss %.4f · entropy %.3f · "
                                 + "KL %.4f · clipped %.2f%@", u + 1, updates, s.meanReturn,
                                 s.meanFinalValidationLoss, s.entropy, s.approxKL, s.clipFraction,
                                 s.diverged > 0 ? " · \(s.diverged) diverged" : ""))
                }
            }
        } catch let e as TrainingError {
            throw UserError(e.description)
        }
        do {
            try file.write(to: out)
        } catch {
            throw RuntimeFailure("cannot write \(out): \(error.localizedDescription)")
        }
        if json {
            printJSONLine(ControllerSummary(out: out, finalReturn: file.training.finalReturn,
                                            finalValLoss: file.training.finalValidationLoss,
                                            seconds: file.training.seconds, updates: updates))
        } else {
            print("wrote \(out) in \(formatDuration(file.training.seconds)); "
                  + "use it with `optimizer: rl-schedule` and `controller: \(out)`")
        }
    }
}

struct ControllerSummary: Encodable {
    var out: String
    var finalReturn: Double
    var finalValLoss: Double
    var seconds: Double
    var updates: Int

    enum CodingKeys: String, CodingKey {
        case out, seconds, updates
        case finalReturn = "final_return", finalValLoss = "final_val_loss"
    }
}

struct ControllerShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print what a controller was trained on and how it acts on typical observations.",
        discussion: "Example: lrsweep controller show controller.json")

    @Argument(help: "A controller file from `lrsweep controller train`.") var file: String

    func run() throws {
        let f: ControllerFile
        do {
            f = try ControllerFile.load(path: file)
        } catch let e as ControllerFileError {
            throw UserError(e.description)
        }
        print(ControllerDescription.text(f))
    }
}

/// The text of `controller show`.
enum ControllerDescription {
    static let featureNames = ["train loss", "val loss", "logit var", "logit Δ var", "out W mean", "out W var", "lr"]

    static func text(_ f: ControllerFile) -> String {
        let s = f.training.settings, e = s.episode, c = f.controller
        var lines: [String] = []
        lines.append("controller trained on \(e.model) / \(e.dataset): \(s.episodes) episodes of \(e.steps) steps "
                     + "(batch \(e.batchSize), \(e.valSize.map(String.init) ?? "default") validation images), "
                     + "decision every \(e.interval) steps, seed \(s.seed)")
        lines.append("initial LRs \(e.initialRates.map { String(format: "%g", $0) }.joined(separator: ", ")) "
                     + "with ±\(e.rateNoise) decade noise, LR kept in [\(e.rateBounds.lowerBound), "
                     + "\(e.rateBounds.upperBound)]")
        lines.append("actions: \(c.actions.labels.joined(separator: ", ")); actor \(c.actor.sizes), critic "
                     + "\(c.critic.sizes); PPO: γ \(s.ppo.gamma), λ \(s.ppo.gaeLambda), clip \(s.ppo.clipRange), "
                     + "lr \(s.ppo.learningRate), \(s.ppo.epochs)×\(s.ppo.minibatches) minibatches")
        lines.append(String(format: "training: %d updates in %@, final mean return %.3f, final val loss %.4f",
                            f.training.history.count, formatDuration(f.training.seconds), f.training.finalReturn,
                            f.training.finalValidationLoss))
        lines.append("returns by update: "
                     + f.training.history.map { String(format: "%.2f", $0.meanReturn) }.joined(separator: " "))
        lines.append("")
        lines.append("observation statistics (running mean ± std over \(Int(c.observationMoments.count)) decisions):")
        for (k, name) in featureNames.enumerated() {
            lines.append("  " + name.padding(toLength: 13, withPad: " ", startingAt: 0)
                         + String(format: "%12.5g ± %.3g", c.observationMoments.mean[k],
                                  c.observationMoments.variance[k].squareRoot()))
        }
        lines.append("")
        lines.append("policy on typical observations (others at their mean):")
        let header = c.actions.labels
        if case .discrete = c.actions {
            lines.append("  " + "situation".padding(toLength: 28, withPad: " ", startingAt: 0)
                         + header.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined()
                         + "greedy   V(s)")
        } else {
            lines.append("  " + "situation".padding(toLength: 28, withPad: " ", startingAt: 0) + "factor    V(s)")
        }
        for (label, obs) in situations(c.observationMoments) {
            let d = c.greedy(obs)
            var row = "  " + label.padding(toLength: 28, withPad: " ", startingAt: 0)
            if case .discrete = c.actions {
                row += c.actionProbabilities(obs).map { String(format: "%-9.3f", $0) }.joined()
                row += (header[Int(d.action)]).padding(toLength: 9, withPad: " ", startingAt: 0)
            } else {
                row += String(format: "%-10.4f", d.factor)
            }
            row += String(format: "%.3f", d.value)
            lines.append(row)
        }
        return lines.joined(separator: "\n")
    }

    /// The mean observation, then one feature at a time moved by ±1 std, then a few learning rates.
    static func situations(_ m: RunningMoments) -> [(String, [Double])] {
        let mean = m.mean
        let sd = m.variance.map { $0.squareRoot() }
        var out: [(String, [Double])] = [("all at mean", mean)]
        for (k, name) in featureNames.enumerated() where k != 6 && k != 4 {
            for sign in [-1.0, 1.0] {
                var x = mean
                x[k] += sign * sd[k]
                out.append(("\(name) \(sign < 0 ? "−" : "+")1 std", x))
            }
        }
        for lr in [1e-4, 1e-3, 1e-2, 5e-2] {
            var x = mean
            x[6] = lr
            out.append(("lr = \(String(format: "%g", lr))", x))
        }
        return out
    }
}

/// Runs each PPO update's episodes as a sweep: an in-memory spec whose trials are the episodes,
/// a ``Coordinator`` on a fixed endpoint, and workers that stay between updates (`--stay`).
final class SweepRollouts: RolloutBackend {
    private var bind: String
    private let workDir: String
    private let localWorkers: Int
    private let inProcessWorkers: Int
    private let threads: Int
    private let showProgress: Bool
    /// The first update's sweep, which started the local worker processes that serve every update.
    private var pool: LocalSweep?
    private var inProcess: [@Sendable () -> Void] = []
    private var update = 0
    private let logger: Logger

    init(bind: String, workDir: String, localWorkers: Int, inProcessWorkers: Int, threads: Int,
         showProgress: Bool) throws {
        self.bind = bind
        self.workDir = workDir
        self.localWorkers = localWorkers
        self.inProcessWorkers = inProcessWorkers
        self.threads = threads
        self.showProgress = showProgress
        logger = Logs.logger("lrsweep.controller", level: .warning)
        do {
            try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        } catch {
            throw RuntimeFailure("cannot create \(workDir): \(error.localizedDescription)")
        }
    }

    func collect(_ controller: LRController, episodes: [EpisodeSetup]) throws -> [Trajectory] {
        guard let first = episodes.first else { return [] }
        update += 1
        let name = String(format: "controller-update-%03d", update)
        let dir = "\(workDir)/\(name)"
        try? FileManager.default.removeItem(atPath: dir)  // never resume: the controller has changed
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let options = try RolloutTrial.options(controller: controller, setup: first)
        let spec = SweepSpec(
            name: name, metric: "val_loss",
            grid: [GridAxis(key: "optimizer", values: [.string(RolloutTrial.optimizerName)]),
                   GridAxis(key: "model", values: [.string(first.model)]),
                   GridAxis(key: "dataset", values: [.string(first.dataset)])],
            seeds: episodes.map(\.seed), train: RolloutTrial.config(for: first),
            optimizers: [RolloutTrial.optimizerName: options], retries: 2, sourcePath: "(controller train)")
        let store = try ResultStore(path: "\(dir)/results.sqlite")
        // Local worker processes start with the first update and stay (`--stay`) for the next ones,
        // which bind the same port.
        let sweep = try LocalSweep(spec: spec, store: store, options: .init(
            bind: bind, workers: pool == nil ? localWorkers : 0,
            workerArguments: ["--threads", String(threads), "--stay"], executable: currentExecutable(),
            logDir: "\(workDir)/logs"), logger: logger)
        if bind.hasSuffix(":*") { bind = sweep.endpoint }
        try startInProcessWorkers(endpoint: sweep.endpoint)
        if update == 1 && localWorkers == 0 && inProcessWorkers == 0 {
            FileHandle.standardError.write(Data(("rollout coordinator listening on \(sweep.endpoint); "
                + "start workers with: lrsweep worker --connect \(sweep.endpoint) --stay\n").utf8))
        }
        let bar = showProgress ? ProgressBar(label: "update \(update) episodes") : nil
        try sweep.run { snap in
            let finished = snap.counts.filter { $0.key.hasEnded }.map(\.value).reduce(0, +)
            bar?.update(done: finished, total: snap.total,
                        detail: "workers \(snap.workers.count) · \(formatDuration(snap.elapsed))",
                        force: finished == snap.total)
        }
        bar?.finish()
        if pool == nil { pool = sweep }
        let data = try ReportData.load(path: store.path)
        var bySeed: [Int: TrialRecord] = [:]
        for t in data.trials { if let s = t.parameters.seed { bySeed[s] = t } }
        var trajectories: [Trajectory] = []
        var problems: [String] = []
        for e in episodes {
            guard let t = bySeed[e.seed], t.status == .done else {
                problems.append("episode \(e.seed): \(bySeed[e.seed]?.reason ?? "no result")")
                continue
            }
            let curves = (data.curves[t.id] ?? [:]).mapValues { $0.map(\.value) }
            trajectories.append(try RolloutTrial.trajectory(seed: e.seed, curves: curves, metrics: t.metrics))
        }
        if trajectories.isEmpty {
            throw RuntimeFailure("every episode of update \(update) failed: " + problems.joined(separator: "; ")
                                 + (problems.contains { $0.contains("ppo-rollout") }
                                    ? " (do the workers run RolloutRunner?)" : ""))
        }
        for p in problems { logger.warning("episode failed", metadata: ["detail": "\(p)"]) }
        return trajectories
    }

    /// Starts the in-process workers once, after the first coordinator has bound its port.
    private func startInProcessWorkers(endpoint: String) throws {
        if inProcess.isEmpty && inProcessWorkers > 0 {
            let data = DataLocator()
            let workerLogger = Logs.logger("lrsweep.worker", level: .warning)
            for i in 1...inProcessWorkers {
                let options = WorkerOptions(endpoint: endpoint, slots: 1, threads: threads, stay: true,
                                            workerID: "inproc-\(i)", datasets: data.available())
                let stopper = Mutex<(@Sendable () -> Void)?>(nil)
                let started = DispatchSemaphore(value: 0)
                let thread = Thread {
                    let worker = Worker(options: options, runner: RolloutRunner(fallback: EngineRunner(data: data),
                                                                                data: data),
                                        logger: workerLogger)
                    stopper.withLock { $0 = worker.stopper }
                    started.signal()
                    _ = try? worker.run()
                }
                thread.stackSize = 8 << 20
                thread.start()
                started.wait()
                if let stop = stopper.withLock({ $0 }) { inProcess.append(stop) }
            }
        }
    }

    func shutdown() {
        pool?.finish(waiting: 0)
        for stop in inProcess { stop() }
    }
}
