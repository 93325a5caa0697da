import ArgumentParser
import Foundation
import LRController
import SweepCoordinator
import SweepKit
import Training

@main
struct LRSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lrsweep",
        abstract: "Run optimizer × learning-rate sweeps across machines and rank the results.",
        discussion: """
            Quick start (a sweep on this machine, then the ranking; the report again):
              lrsweep run sweeps/quickstart.yaml --workers 2
              lrsweep report runs/quickstart --format html

            Several machines (the coordinator on one, a worker on each node):
              lrsweep keys generate keys/
              lrsweep coordinator sweeps/hypergradient.yaml --bind tcp://0.0.0.0:5555 \\
                  --keys keys/
              lrsweep worker --connect tcp://HEAD:5555 --keys keys/

            Exit codes: 0 done, 1 user error (bad spec or flag), 2 runtime failure.
            """,
        subcommands: [RunCommand.self, CoordinatorCommand.self, WorkerCommand.self, ReportCommand.self, StatusCommand.self,
                      ControlCommand.self, TrainCommand.self, BenchCommand.self, KeysCommand.self, OptimizersCommand.self, ModelsCommand.self,
                      DatasetsCommand.self, ControllerCommand.self, PlanCommand.self,
                      CompareCommand.self, ReproductionsCommand.self, ServeCommand.self])

    /// Maps errors to the documented exit codes: 1 for the user's mistakes, 2 for runtime failures.
    static func main() {
        // OpenBLAS falls back to generic kernels on CPUs it does not know; restart with the right ones.
        BLASCore.restartWithBetterKernelsIfNeeded()
        // The engine's rl-schedule optimizer reads controller files through the LRController module.
        ControllerPolicies.register()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withCode: ExitCodes.code(for: error, command: self), error: error)
        }
    }

    static func exit(withCode code: Int32, error: Error) -> Never {
        if code != 0 || !(error is ExitCode) {
            let text = ExitCodes.message(for: error, command: self)
            if !text.isEmpty {
                FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
            }
        }
        Foundation.exit(code)
    }
}

/// Turns thrown errors into exit codes and messages.
enum ExitCodes {
    static func code(for error: Error, command: LRSweep.Type) -> Int32 {
        switch error {
        case let e as ExitCode: return e.rawValue
        case is SpecError, is UserError: return 1
        case is RuntimeFailure: return 2
        case let e as ClientError: return e.isUserError ? 1 : 2
        case let e as LocalSweepError: return e.isUserError ? 1 : 2
        case is RolloutError: return 2
        default:
            let code = command.exitCode(for: error)
            if code == .success { return 0 }
            // Argument parsing and validation errors are the user's: exit 1 as documented.
            if code == .validationFailure { return 1 }
            return 2
        }
    }

    static func message(for error: Error, command: LRSweep.Type) -> String {
        switch error {
        case is ExitCode: return ""  // thrown after the command has said why
        case let e as SpecError: return e.description
        case let e as UserError: return "error: \(e.message)"
        case let e as RuntimeFailure: return "error: \(e.message)"
        case let e as ClientError: return "error: \(e)"
        case let e as LocalSweepError: return "error: \(e)"
        case let e as RolloutError: return "error: \(e)"
        default:
            let text = command.fullMessage(for: error)
            return text.isEmpty ? "error: \(error)" : text
        }
    }
}

/// A mistake the user can fix (exit 1); the message says how.
struct UserError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Something went wrong while running (exit 2).
struct RuntimeFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
