import ArgumentParser
import Dashboard
import Foundation

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a live dashboard of sweeps in the browser (read-only).",
        discussion: """
            Each DIR is a sweep's output folder (it holds results.sqlite). The dashboard lists the sweeps, shows
            one page per sweep that updates by itself while the sweep runs (progress, workers, a sortable and
            filterable trial table, a trial's curves and log, the ranking and charts of report.html), and
            compares two or more sweeps in one ranking. It only reads: the store through read-only SQLite
            connections, which never block the coordinator.

            On loopback (the default) no token is needed. On any other address every request needs a token:
            --token, or one generated and printed once; open the printed address (…/?token=…, which sets a
            cookie) or send `Authorization: Bearer TOKEN`.

            Examples:
              lrsweep serve runs/quickstart
              lrsweep serve runs/* --bind 0.0.0.0:8080
            """)

    @Argument(help: "Sweep output folders, e.g. runs/quickstart.")
    var dirs: [String] = []

    @Option(name: .long, help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT"))
    var bind: String = "127.0.0.1:8080"

    @Option(name: .long, help: "Access token (at least 16 letters and digits); generated off loopback if not given.")
    var token: String?

    func validate() throws {
        guard !dirs.isEmpty else { throw ValidationError("give at least one sweep folder, e.g. runs/quickstart") }
        for dir in dirs where !FileManager.default.fileExists(atPath: "\(dir)/results.sqlite") {
            throw ValidationError("\(dir) holds no results.sqlite: give a sweep's output folder, e.g. runs/quickstart")
        }
    }

    func run() throws {
        let (options, generated) = try Dashboards.options(bind: bind, token: token, folders: dirs)
        let server: DashboardServer
        do { server = try DashboardServer(options: options) } catch { throw UserError("\(error)") }
        let running = try Dashboards.start(server, generatedToken: generated)
        // Serves until SIGINT or SIGTERM ends the process.
        let done = DispatchSemaphore(value: 0)
        Task {
            _ = await running.task.result
            done.signal()
        }
        done.wait()
    }
}
