import ArgumentParser
import Dashboard
import Dispatch
import Foundation
import Synchronization

/// `--serve HOST:PORT` on `run` and `coordinator`: the live dashboard of the sweep, from this process.
struct ServeFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Also serve the live dashboard of this sweep at HOST:PORT, e.g. 127.0.0.1:8080 (see `lrsweep serve`).",
        valueName: "HOST:PORT"))
    var serve: String?

    func validate() throws {
        if let serve {
            do { _ = try DashboardOptions.parseBind(serve) } catch { throw ValidationError("\(error)") }
        }
    }

    /// Starts the dashboard of `folder` when asked to; stop it with the returned handle.
    func start(folder: String) throws -> Dashboards.Running? {
        guard let serve else { return nil }
        let options = try Dashboards.options(bind: serve, token: nil, folders: [folder])
        return try Dashboards.start(DashboardServer(options: options.options), generatedToken: options.generated)
    }
}

/// Starting the dashboard server from the CLI's synchronous commands.
enum Dashboards {
    static func options(bind: String, token: String?, folders: [String]) throws
        -> (options: DashboardOptions, generated: Bool) {
        let address: (host: String, port: Int)
        do { address = try DashboardOptions.parseBind(bind) } catch { throw UserError("\(error)") }
        if let token, token.count < 16 || !token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            throw UserError("--token must be at least 16 letters and digits")
        }
        return DashboardOptions(folders: folders, host: address.host, port: address.port, token: token)
            .resolvingToken()
    }

    /// Prints where the dashboard is, once (with the generated token, which is shown nowhere else).
    static func announce(_ server: DashboardServer, port: Int, generatedToken: Bool) {
        var text = "dashboard: \(server.address(port: port))\n"
        if generatedToken {
            text += "dashboard: generated access token (shown once): \(server.options.token ?? "")\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Whether the server listens (its port) or failed to, set once from the server's task.
    final class Outcome: Sendable {
        let value = Mutex<Result<Int, any Error>?>(nil)
    }

    final class Running: Sendable {
        let task: Task<Void, any Error>
        let port: Int
        init(task: Task<Void, any Error>, port: Int) {
            self.task = task
            self.port = port
        }
        func stop() { task.cancel() }
    }

    /// Starts `server` in the background and returns once it listens.
    /// - Throws: ``RuntimeFailure`` when it cannot listen (address in use, not this machine's).
    ///
    /// SIGINT and SIGTERM keep their default action, ending the process at once: the server only reads, so
    /// there is nothing to flush, and a graceful shutdown would wait for the open event streams.
    static func start(_ server: DashboardServer, generatedToken: Bool) throws -> Running {
        let listening = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        let task = Task {
            do {
                let app = server.application { port in
                    outcome.value.withLock { $0 = .success(port) }
                    listening.signal()
                }
                try await app.run()
            } catch {
                outcome.value.withLock { if $0 == nil { $0 = .failure(error) } }
                listening.signal()
                throw error
            }
        }
        guard listening.wait(timeout: .now() + 30) == .success, let result = outcome.value.withLock({ $0 }) else {
            task.cancel()
            throw RuntimeFailure("the dashboard did not start listening on "
                + "\(server.options.host):\(server.options.port)")
        }
        switch result {
        case .success(let port):
            announce(server, port: port, generatedToken: generatedToken)
            return Running(task: task, port: port)
        case .failure(let error):
            throw RuntimeFailure("cannot serve the dashboard on \(server.options.host):\(server.options.port): "
                + "\(error)")
        }
    }
}
