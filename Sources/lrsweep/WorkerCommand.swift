import ArgumentParser
import Dispatch
import Foundation
import LRController
import SweepWorker
import Training
import Wire

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Join a coordinator and run the trials it sends; reconnects if the coordinator restarts.",
        discussion: """
            Example: lrsweep worker --connect tcp://head-node:5555 --slots 2 --threads 1
            The worker advertises the datasets it finds (LRSWEEP_DATA, ~/.cache/lrsweep, /usr/share/datasets)
            and only gets trials it can run. SIGTERM or Ctrl-C: it stops taking work, stops its trials and
            tells the coordinator, which hands them to another worker.

            Sweeps with a `trainer:` section run the user's command per trial: its folder {out_dir} is \
            DIR/<trial id>/ and its log (non-JSON stdout, all stderr) DIR/logs/<trial id>.log, DIR being \
            --out. With --gpus 0,1 the worker runs one trial per device, each seeing only its own device \
            in CUDA_VISIBLE_DEVICES.
            """)

    @Option(name: .long, help: "Coordinator endpoint, e.g. tcp://head-node:5555.")
    var connect: String

    @Option(name: .long, help: "Trials to run at once (default 1).")
    var slots: Int?

    @Option(name: .long, help: "Comma-separated device ids, e.g. 0,1: one slot per device (instead of --slots).")
    var gpus: String?

    @Option(name: .long, help: "Folder for external trainers' per-trial outputs and logs.")
    var out: String = "lrsweep-trials"

    @Option(name: .long, help: "BLAS threads per trial.")
    var threads: Int = 1

    @Option(name: .long, help: "Worker id (default: host-pid-random).")
    var id: String?

    @Option(name: .long, help: "Folder of CURVE keys (lrsweep keys generate DIR).")
    var keys: String?

    @Option(name: .customLong("join-timeout"),
            help: ArgumentHelp("Exit 2 when no coordinator has answered for this many seconds (0: keep trying).",
                               discussion: "Default 300, or 0 with --stay."))
    var joinTimeout: Double?

    @Flag(name: .long, help: "Keep serving after the sweep ends (for the next sweep).")
    var stay = false

    /// Warnings only (`bench dispatch`'s workers, whose per-trial lines would measure the log handler).
    @Flag(name: .long, help: .hidden)
    var quiet = false

    /// A worker that serves one sweep gives up after five minutes without a coordinator (a wrong
    /// endpoint or key, a sweep already over); one that stays for the next sweep waits for it.
    var effectiveJoinTimeout: Double? {
        let t = joinTimeout ?? (stay ? 0 : 300)
        return t > 0 ? t : nil
    }

    /// `--gpus` as a list of device ids.
    var gpuList: [String] {
        gpus.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
    }

    func validate() throws {
        guard (slots ?? 1) >= 1 else { throw ValidationError("--slots must be at least 1") }
        if gpus != nil {
            guard slots == nil else {
                throw ValidationError("give either --slots or --gpus (--gpus 0,1 makes one slot per device)")
            }
            guard !gpuList.isEmpty, !gpuList.contains(""), Set(gpuList).count == gpuList.count else {
                throw ValidationError("--gpus must list distinct device ids separated by commas, e.g. --gpus 0,1")
            }
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let t = joinTimeout, !(t >= 0) || !t.isFinite {
            throw ValidationError("--join-timeout must be a number of seconds (0: keep trying)")
        }
    }

    func run() throws {
        // A no-op worker serves `bench dispatch`, whose logs go to a temporary folder that is deleted
        // afterwards: its per-trial lines would only measure the log handler.
        let logger = Logs.logger("lrsweep.worker", level: quiet ? .warning : .info)
        let data = DataLocator()
        var options = WorkerOptions(endpoint: connect, slots: slots ?? 1, threads: threads, stay: stay, workerID: id,
                                    datasets: data.available(), gpus: gpuList, joinTimeout: effectiveJoinTimeout)
        if let keys {
            do {
                options.curve = try KeyFolder(keys).workerKeys()
            } catch let e as KeyError {
                throw UserError(e.message)
            }
        }
        // Each trial goes to the runner of its kind: the engine, the spec's command, or a controller episode.
        let runner = TrialRouter(engine: EngineRunner(data: data), command: CommandRunner(outputRoot: out),
                                 rollout: RolloutRunner(data: data))
        let worker = Worker(options: options, runner: runner, logger: logger)
        let stop = worker.stopper
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { stop() }
            source.resume()
            sources.append(source)
        }
        logger.info("worker joining", metadata: ["worker.id": "\(options.workerID)", "endpoint": "\(connect)",
                                                 "datasets": "\(options.datasets)"])
        let finished: Bool
        do {
            finished = try worker.run()
        } catch {
            throw RuntimeFailure("worker failed: \(error)")
        }
        _ = sources
        // Stopped by a signal after handing its trials back: a clean exit.
        switch worker.outcome {
        case .gaveUp(let why)?:
            throw RuntimeFailure("\(why) at \(connect): is the coordinator running there, is the sweep still "
                                 + "going, and is its coordinator.pub the one in --keys?")
        case .handshakeFailed(let failure)?:
            throw UserError("cannot join \(connect): \(failure)")
        case .refused(let reason)?:
            throw UserError("the coordinator at \(connect) refused this worker: \(reason)")
        default:
            break
        }
        if !finished && !worker.isStopping { throw ExitCode(2) }
    }
}
