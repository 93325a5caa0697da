import ArgumentParser
import SweepCoordinator
import Wire

struct ControlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "control",
        abstract: "Steer a running sweep: pause, resume, stop, or cancel trials.",
        usage: """
            lrsweep control DIR ACTION [TRIAL_ID...] [--keys KEYS]
            lrsweep control --connect ENDPOINT ACTION [TRIAL_ID...] [--keys KEYS]
            """,
        discussion: """
            Actions:
              pause     no new trial starts; running trials finish
              resume    trials start again
              stop      running trials finish, no new ones start; the coordinator writes the report
                        and exits 0. Running the same spec again continues the sweep.
              cancel    the named trials (all running ones when none is named) stop now, on their
                        workers, and are recorded as cancelled with the curve they had; without ids
                        the sweep then stops. Cancelled trials run again when the spec is run again.
            Trial ids are in `lrsweep status DIR` and `lrsweep report DIR --format csv`.
            Without keys, a sweep takes control requests from this machine only; with --keys, from
            any holder of a worker key on the coordinator's allow-list.
            Examples: lrsweep control runs/quickstart pause
                      lrsweep control --connect tcp://head-node:5555 --keys keys/ cancel 2caa8a19baa50ab8
            """)

    @Option(name: .long, help: "Ask the coordinator at this endpoint instead of the one serving DIR.")
    var connect: String?

    @Option(name: .long, help: "Key folder, when the coordinator uses CURVE.")
    var keys: String?

    @Argument(help: ArgumentHelp("[DIR] ACTION [TRIAL_ID...]: the sweep's output folder (without --connect), "
                                 + "then pause | resume | stop | cancel.", valueName: "words"))
    var words: [String] = []

    /// The sweep folder (nil with --connect), the action and the trial ids, from the words.
    var parsed: (dir: String?, action: ControlAction, trials: [String]) {
        get throws {
            var rest = words[...]
            let dir = connect == nil ? rest.popFirst() : nil
            let choices = ControlAction.allCases.map(\.rawValue).joined(separator: ", ")
            guard let word = rest.popFirst() else {
                throw ValidationError(connect == nil && dir == nil
                    ? "give the sweep's folder and an action, e.g. lrsweep control runs/NAME pause"
                    : "give an action: \(choices)")
            }
            guard let action = ControlAction(rawValue: word) else {
                throw ValidationError("unknown action '\(word)': choose one of \(choices)")
            }
            if action != .cancel && !rest.isEmpty {
                throw ValidationError("\(action.rawValue) takes no trial ids (only cancel does)")
            }
            return (dir, action, Array(rest))
        }
    }

    func validate() throws { _ = try parsed }

    func run() throws {
        let (dir, action, trials) = try parsed
        let keyFolder = keys.map(KeyFolder.init)
        let client = try dir.map { try CoordinatorClient.forSweep(in: $0, keys: keyFolder) }
            ?? CoordinatorClient(endpoint: connect ?? "", keys: keyFolder)
        let reply = try client.control(ControlRequest(action: action, trials: trials))
        guard reply.ok else { throw UserError(reply.message) }
        print(reply.message)
    }
}
