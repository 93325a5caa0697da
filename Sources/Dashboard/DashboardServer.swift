import Foundation
import Hummingbird
import Logging
import Synchronization

/// `lrsweep serve`: a read-only HTTP server (Hummingbird 2) over sweep folders.
///
/// Routes: `/` lists the sweeps; `/s/KEY` is a sweep's page (trial table state in the query: `sort`, `dir`,
/// `status`, `optimizer`, `lr`, `metric_min`, `metric_max`, `page`, `trial`); `/s/KEY/fragment/NAME` one of
/// its live sections (`progress`, `workers`, `trials`, `trial`, `ranking`); `/s/KEY/events` its server-sent
/// events (`store` when the store changed, `status` when the coordinator wrote a snapshot; `?limit=N` ends the
/// stream after N events); `/compare?s=KEY&s=KEY…` several sweeps in one ranking.
public final class DashboardServer: Sendable {
    public let options: DashboardOptions
    let folders: [SweepFolder]
    let feed: LiveFeed
    let ranking = RankingCache()
    let limiter: RateLimiter
    let logger: Logger

    /// - Throws: ``DashboardError`` when `options` has no folder, or no token off loopback.
    public init(options: DashboardOptions, logger: Logger = Logger(label: "lrsweep.dashboard")) throws {
        guard !options.folders.isEmpty else { throw DashboardError("give at least one sweep folder to serve") }
        guard options.isLoopback || options.token != nil else {
            throw DashboardError("serving on \(options.host) needs a token (--token, or let one be generated)")
        }
        self.options = options
        self.logger = logger
        var used: Set<String> = []
        folders = options.folders.map { dir in
            let trimmed = dir.hasSuffix("/") && dir.count > 1 ? String(dir.dropLast()) : dir
            let name = URL(fileURLWithPath: trimmed).lastPathComponent
            var key = String(name.unicodeScalars.map {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0))
                    ? Character($0) : "-"
            })
            if key.isEmpty { key = "sweep" }
            var unique = key, n = 2
            while used.contains(unique) { unique = "\(key)-\(n)"; n += 1 }
            used.insert(unique)
            return SweepFolder(key: unique, dir: trimmed)
        }
        feed = LiveFeed(interval: options.pollInterval, maxStreams: options.maxStreams)
        limiter = RateLimiter(rate: options.requestRate, burst: options.requestBurst)
    }

    /// Sweeps up to this many trials get their ranking computed for the page itself.
    static let inlineRankingLimit = 2000

    func folder(_ context: some RequestContext) throws -> SweepFolder {
        let key = context.parameters.get("key") ?? ""
        guard let f = folders.first(where: { $0.key == key }) else {
            throw NotFound("No sweep '\(key)' is served here.")
        }
        return f
    }

    static func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func summary(_ folder: SweepFolder) throws -> SweepSummary {
        guard let s = try folder.summary() else { throw NotFound("Sweep '\(folder.key)' has no results yet.") }
        return s
    }

    /// The router with every route behind ``AccessControl``.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: AccessControl(token: options.token, limiter: limiter))
        router.get("/") { _, _ in Self.html(try IndexPages.list(self.folders)) }
        router.get("/static/dashboard.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: Assets.css)))
        }
        router.get("/static/dashboard.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: Assets.javascript)))
        }
        router.get("/compare") { request, _ in
            let keys = try QueryItems(request.uri.query).all("s")
            var chosen: [SweepFolder] = []
            for key in keys where !chosen.contains(where: { $0.key == key }) {
                guard let f = self.folders.first(where: { $0.key == key }) else { throw NotFound("No sweep '\(key)'.") }
                chosen.append(f)
            }
            guard chosen.count >= 2 else { throw BadRequest("Choose two or more sweeps to compare (?s=A&s=B).") }
            return Self.html(try IndexPages.compare(chosen))
        }
        router.get("/s/:key") { request, context in
            let folder = try self.folder(context)
            let query = try TrialQuery(QueryItems(request.uri.query))
            let summary = try self.summary(folder)
            let page = SweepPage(folder: folder, summary: summary, query: query)
            // The ranking comes inline when cached or quick to compute (small sweeps); otherwise the page
            // fetches it once loaded, so a big sweep's page never waits for every curve to be read.
            let ranking = summary.total <= Self.inlineRankingLimit
                ? try self.ranking.sections(folder) : self.ranking.cached(folder, version: folder.dataVersion())
            return Self.html(try page.render(ranking: ranking))
        }
        router.get("/s/:key/fragment/:part") { request, context in
            let folder = try self.folder(context)
            let query = try TrialQuery(QueryItems(request.uri.query))
            let page = SweepPage(folder: folder, summary: try self.summary(folder), query: query)
            switch context.parameters.get("part") ?? "" {
            case "progress": return Self.html(page.progress())
            case "workers": return Self.html(page.workers())
            case "trials": return Self.html(try page.trials())
            case "trial": return Self.html(try page.trial())
            case "ranking": return Self.html(try self.ranking.sections(folder))
            default: throw NotFound("No such section.")
            }
        }
        router.get("/s/:key/events") { request, context in
            let folder = try self.folder(context)
            let items = try QueryItems(request.uri.query)
            var limit = Int.max
            if let l = items["limit"] {
                guard let n = Int(l), n >= 1 else { throw BadRequest("limit must be a positive number") }
                limit = n
            }
            return try self.events(folder, limit: limit)
        }
        return router
    }

    /// The event stream of one sweep: a `hello` at once, then `store` / `status` events as they happen.
    func events(_ folder: SweepFolder, limit: Int) throws -> Response {
        guard let (id, stream) = feed.subscribe(folder) else {
            return AccessControl<BasicRequestContext>.error(.serviceUnavailable, "Too many live pages are open.")
        }
        let feed = self.feed
        let body = ResponseBody { writer in
            do {
                let hello = "retry: 1000\nevent: hello\ndata: \(folder.dataVersion())\n\n"
                try await writer.write(ByteBuffer(string: hello))
                var sent = 0
                for await event in stream where sent < limit {
                    try await writer.write(ByteBuffer(string: event.text))
                    if event != .ping { sent += 1 }
                    if sent >= limit { break }
                }
                feed.unsubscribe(folder, id: id)
                try await writer.finish(nil)
            } catch {
                feed.unsubscribe(folder, id: id)
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                        body: body)
    }

    /// The application: `lrsweep serve` and `--serve` run it, tests drive it with HummingbirdTesting.
    public func application(onRunning: @escaping @Sendable (Int) -> Void = { _ in })
        -> Application<RouterResponder<BasicRequestContext>> {
        var quiet = logger
        quiet.logLevel = .warning
        return Application(router: router(),
                           configuration: .init(address: .hostname(options.host, port: options.port),
                                                serverName: "lrsweep"),
                           onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
                           logger: quiet)
    }

    /// The address to open, with the token for a first visit when there is one.
    public func address(port: Int) -> String {
        // A wildcard address is reached by the machine's name.
        var host = ["0.0.0.0", "::"].contains(options.host) ? ProcessInfo.processInfo.hostName : options.host
        if host.contains(":") { host = "[\(host)]" }
        return "http://\(host):\(port)/" + (options.token.map { "?token=\($0)" } ?? "")
    }
}
