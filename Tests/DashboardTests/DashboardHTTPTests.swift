import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Dashboard

/// The dashboard's pages over HTTP, through Hummingbird's router test client (every request passes the
/// same middleware and handlers as a live server's).
@Suite("Dashboard over HTTP")
struct DashboardHTTPTests {
    func server(_ dirs: [String], host: String = "127.0.0.1", token: String? = nil) throws -> DashboardServer {
        var options = DashboardOptions(folders: dirs, host: host, port: 0, token: token)
        options.pollInterval = 0.02
        return try DashboardServer(options: options)
    }

    func get(_ client: some TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws
        -> (status: Int, body: String, headers: HTTPFields) {
        try await client.execute(uri: uri, method: .get, headers: headers) { r in
            (Int(r.status.code), String(buffer: r.body), r.headers)
        }
    }

    /// The trial ids of the table's rows, in order.
    func rowIDs(_ html: String) -> [String] {
        html.components(separatedBy: "<tr data-trial=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    @Test("the sweep list, a sweep's page with its progress and table, and the ranking drawn by the report code")
    func pages() async throws {
        let f = try DashboardFixture(trials: 24)
        defer { f.remove() }
        let app = try server([f.dir]).application()
        try await app.test(.router) { client in
            let list = try await get(client, "/")
            #expect(list.status == 200)
            #expect(list.body.contains("href=\"/s/sweep\">fixture</a>"))
            let page = try await get(client, "/s/sweep")
            #expect(page.status == 200)
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            // 24 trials over 8 statuses: 6 done, 3 of each other one.
            #expect(page.body.contains("data-count=\"done\">6</b>"))
            #expect(page.body.contains("data-count=\"pruned\">3</b>"))
            #expect(page.body.contains("data-count=\"cancelled\">3</b>"))
            #expect(rowIDs(page.body) == (0..<24).map { "t\($0)" })
            #expect(page.body.contains("data-events=\"/s/sweep/events\""))
            let ranking = try await get(client, "/s/sweep/fragment/ranking")
            #expect(ranking.status == 200)
            #expect(ranking.body.contains("<svg"))
            #expect(ranking.body.contains("fashion-mnist · logreg"))
            #expect(ranking.body.contains("<td>sgd (tag=plain)</td>"))
            // Once computed, the page carries it inline (a reload shows it without waiting).
            let again = try await get(client, "/s/sweep")
            #expect(again.body.contains("fashion-mnist · logreg"))
            let css = try await get(client, "/static/dashboard.css")
            #expect(css.body.contains("svg.chart"))
            let js = try await get(client, "/static/dashboard.js")
            #expect(js.body.contains("EventSource"))
        }
    }

    @Test("the trial table sorts, filters and pages on the server")
    func trialTable() async throws {
        let f = try DashboardFixture(trials: 130)
        defer { f.remove() }
        let app = try server([f.dir]).application()
        try await app.test(.router) { client in
            let third = try await get(client, "/s/sweep/fragment/trials?page=3")
            #expect(rowIDs(third.body) == (100..<130).map { "t\($0)" })
            #expect(third.body.contains("page 3 of 3 · 130 trials match"))
            let failed = try await get(client, "/s/sweep/fragment/trials?status=failed")
            #expect(rowIDs(failed.body) == (0..<130).filter { $0 % 8 == 4 }.map { "t\($0)" })
            let adamSmallLR = try await get(client, "/s/sweep/fragment/trials?optimizer=adam&lr=0.01")
            let adamIDs = (0..<130).filter { $0 % 2 == 1 && $0 % 4 >= 2 }.map { "t\($0)" }
            #expect(rowIDs(adamSmallLR.body) == adamIDs)
            let best = try await get(client, "/s/sweep/fragment/trials?sort=metric&dir=desc&metric_max=1.05")
            let done = (0..<130).filter { $0 % 8 < 2 && DashboardFixture.value($0) <= 1.05 }
            #expect(rowIDs(best.body) == done.reversed().map { "t\($0)" })
        }
    }

    @Test("a trial's curves and the tail of its log, every line escaped")
    func trialDetail() async throws {
        let f = try DashboardFixture(trials: 8)
        defer { f.remove() }
        try FileManager.default.createDirectory(atPath: "\(f.dir)/trials/logs", withIntermediateDirectories: true)
        try "epoch 1\n<b>loss</b> & \"more\"\n".write(toFile: "\(f.dir)/trials/logs/t2.log", atomically: true,
                                                        encoding: .utf8)
        let app = try server([f.dir]).application()
        try await app.test(.router) { client in
            let page = try await get(client, "/s/sweep?trial=t2")
            #expect(page.status == 200)
            #expect(page.body.contains("<tr data-trial=\"t2\" data-status=\"running\" class=\"selected\">"))
            #expect(page.body.contains("<svg"))
            #expect(page.body.contains("&lt;b&gt;loss&lt;/b&gt; &amp; &quot;more&quot;"))
            #expect(!page.body.contains("<b>loss</b>"))
        }
    }

    @Test("unknown sweeps are 404, malformed requests 400, anything but GET 405")
    func errors() async throws {
        let f = try DashboardFixture(trials: 4)
        defer { f.remove() }
        let app = try server([f.dir]).application()
        try await app.test(.router) { client in
            #expect(try await get(client, "/s/nope").status == 404)
            #expect(try await get(client, "/s/nope/events").status == 404)
            #expect(try await get(client, "/nothing/here").status == 404)
            #expect(try await get(client, "/s/sweep?page=0").status == 400)
            #expect(try await get(client, "/s/sweep?sort=evil").status == 400)
            #expect(try await get(client, "/s/sweep?lr=abc").status == 400)
            #expect(try await get(client, "/s/sweep?optimizer=%ZZ").status == 400)
            #expect(try await get(client, "/s/sweep?trial=../../etc/passwd").status == 400)
            #expect(try await get(client, "/s/sweep/fragment/bogus").status == 404)
            #expect(try await get(client, "/compare?s=sweep").status == 400)
            #expect(try await get(client, "/s/sweep/" + String(repeating: "x", count: 5000)).status == 400)
            let post = try await client.execute(uri: "/s/sweep", method: .post, body: ByteBuffer(string: "x")) {
                $0.status
            }
            #expect(post == .methodNotAllowed)
        }
    }

    @Test("past the request budget the server answers 429 instead of reading the store")
    func rateLimit() async throws {
        let f = try DashboardFixture(trials: 4)
        defer { f.remove() }
        var options = DashboardOptions(folders: [f.dir], port: 0)
        options.requestRate = 0
        options.requestBurst = 2
        let app = try DashboardServer(options: options).application()
        try await app.test(.router) { client in
            #expect(try await get(client, "/s/sweep").status == 200)
            #expect(try await get(client, "/").status == 200)
            let third = try await get(client, "/s/sweep")
            #expect(third.status == 429)
            #expect(!third.body.contains("fixture"))
        }
    }

    @Test("off loopback every request needs the token: bearer, or ?token= once, which sets a cookie")
    func token() async throws {
        let f = try DashboardFixture(trials: 4)
        defer { f.remove() }
        #expect(throws: DashboardError.self) { try server([f.dir], host: "0.0.0.0") }
        let generated = DashboardOptions(folders: [f.dir], host: "0.0.0.0").resolvingToken()
        #expect(generated.generated && generated.options.token?.count == 32)
        let secret = "s3cr3tT0kenForTests0123"
        let app = try server([f.dir], host: "0.0.0.0", token: secret).application()
        try await app.test(.router) { client in
            for uri in ["/", "/s/sweep", "/s/sweep/events", "/static/dashboard.js", "/s/nope"] {
                let denied = try await get(client, uri)
                #expect(denied.status == 401, "\(uri)")
                #expect(!denied.body.contains("fixture"))
            }
            #expect(try await get(client, "/s/sweep", headers: [.authorization: "Bearer wrong"]).status == 401)
            #expect(try await get(client, "/s/sweep?token=wrong").status == 401)
            let bearer = try await get(client, "/s/sweep", headers: [.authorization: "Bearer \(secret)"])
            #expect(bearer.status == 200 && bearer.body.contains("fixture"))
            let first = try await get(client, "/s/sweep?trial=t1&token=\(secret)")
            #expect(first.status == 303)
            #expect(first.headers[.location] == "/s/sweep?trial=t1")
            let cookie = try #require(first.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            let name = String(cookie.prefix { $0 != ";" })
            let withCookie = try await get(client, "/s/sweep?trial=t1", headers: [.cookie: name])
            #expect(withCookie.status == 200 && withCookie.body.contains("data-trial-status"))
        }
    }

    @Test("every user string is escaped: a sweep whose name and parameters hold <script> and quotes")
    func escaping() async throws {
        let evil = "<script>alert(\"x\")</script>'q'"
        let f = try DashboardFixture(folder: "evil", name: evil, trials: 8, tag: evil)
        defer { f.remove() }
        let g = try DashboardFixture(folder: "other", trials: 8)
        defer { g.remove() }
        let app = try server([f.dir, g.dir]).application()
        try await app.test(.router) { client in
            for uri in ["/", "/s/evil", "/s/evil?trial=t1&optimizer=%3Cscript%3E", "/s/evil/fragment/ranking",
                        "/s/evil/fragment/trials?optimizer=%22%3E%3Cscript%3E", "/compare?s=evil&s=other",
                        "/s/%3Cscript%3E"] {
                let r = try await get(client, uri)
                #expect(!r.body.contains("<script>alert"), "\(uri)")
                #expect(!r.body.contains("'q'"), "\(uri)")
                #expect(!r.body.contains("\"><script>"), "\(uri)")
                if r.status == 200 && uri != "/s/evil/fragment/trials?optimizer=%22%3E%3Cscript%3E" {
                    #expect(r.body.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&apos;q&apos;"), "\(uri)")
                }
            }
        }
    }

    @Test("two sweeps compared in one ranking, each optimizer of each sweep an entry")
    func compare() async throws {
        let a = try DashboardFixture(folder: "a", name: "step-decay", trials: 16)
        defer { a.remove() }
        let b = try DashboardFixture(folder: "b", name: "rl-schedule", trials: 16)
        defer { b.remove() }
        let app = try server([a.dir, b.dir]).application()
        try await app.test(.router) { client in
            let r = try await get(client, "/compare?s=a&s=b")
            #expect(r.status == 200)
            for label in ["sgd (sweep=step-decay tag=plain)", "adam (sweep=step-decay tag=plain)",
                          "sgd (sweep=rl-schedule tag=plain)", "adam (sweep=rl-schedule tag=plain)"] {
                #expect(r.body.contains(label), "\(label)")
            }
            #expect(r.body.components(separatedBy: "<h2>fashion-mnist · logreg</h2>").count == 2)
            // Side by side: each sweep's row with its trials (16) and done count (16 / 8 statuses × 2).
            #expect(r.body.contains("<code>step-decay</code></a></td><td>val_loss</td><td class=\"num\">16</td>"
                + "<td class=\"num\">4</td>"))
            #expect(r.body.contains("<code>rl-schedule</code></a></td><td>val_loss</td><td class=\"num\">16</td>"))
            #expect(try await get(client, "/compare?s=a&s=zzz").status == 404)
        }
    }

    @Test("the events stream pushes a store event when a point lands after the page subscribed")
    func events() async throws {
        let f = try DashboardFixture(trials: 4)
        defer { f.remove() }
        let server = try server([f.dir])
        let app = server.application()
        try await app.test(.router) { client in
            typealias Reply = (status: Int, body: String, headers: HTTPFields)
            try await withThrowingTaskGroup(of: Reply?.self) { group in
                group.addTask { try await get(client, "/s/sweep/events?limit=1") }
                // Write only once the stream is subscribed, so the point certainly lands after it. The
                // stream's task may wait long for a thread while other suites hold the pool; the
                // guards only stop a hang (a point written before the subscription is never pushed).
                let subscribed = Date().addingTimeInterval(600)
                while server.feed.subscriberCount == 0 && Date() < subscribed {
                    try await Task.sleep(nanoseconds: 1_000_000)
                }
                guard server.feed.subscriberCount == 1 else {
                    Issue.record("the event stream never subscribed")
                    group.cancelAll()
                    return
                }
                try f.addPoint(trial: "t2", step: 4, value: 0.5)
                group.addTask {
                    try await Task.sleep(nanoseconds: 600_000_000_000)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                guard let r = first else {
                    Issue.record("no store event reached the stream after the point was written")
                    return
                }
                #expect(r.status == 200)
                #expect(r.headers[.contentType] == "text/event-stream")
                #expect(r.body.hasPrefix("retry: 1000\nevent: hello\n"))
                #expect(r.body.contains("event: store\n"))
                #expect(server.feed.subscriberCount == 0)
            }
        }
    }

    @Test("a reader never blocks the coordinator's writes (WAL): a write succeeds inside a dashboard read")
    func readersDoNotBlockWriters() throws {
        let f = try DashboardFixture(trials: 4)
        defer { f.remove() }
        let folder = SweepFolder(key: "sweep", dir: f.dir)
        let inside = try folder.read { db -> Int in
            let before = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metric_points") ?? -1
            try f.addPoint(trial: "t2", step: 9, value: 0.1)  // the writer fails at once if blocked
            // The read transaction keeps its snapshot.
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metric_points") == before)
            return before
        }
        let after = try folder.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM metric_points") }
        #expect(after == (inside ?? 0) + 1)
    }
}
