import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Dashboard

/// A measurement, not a timed test: how long a 100,000-trial sweep's page and trial table take to serve
/// (printed; the issue asks for under 200 ms). What is asserted is only that the pages are right.
///
/// Before each request a curve point is written, as a running sweep does all the time, so nothing cached
/// for the previous state of the store is reused: each request is timed as a first visit.
@Suite("Dashboard on a 100,000-trial store")
struct BigSweepMeasurement {
    @Test("serves a page of the trial table of 100,000 trials (and prints how long it took)")
    func bigTable() async throws {
        let f = try DashboardFixture(trials: 100_000, points: false)
        defer { f.remove() }
        let server = try DashboardServer(options: DashboardOptions(folders: [f.dir], port: 0))
        let app = server.application()
        try await app.test(.router) { client in
            var lines: [String] = []
            for uri in ["/s/sweep", "/s/sweep?page=1000", "/s/sweep/fragment/trials?sort=metric&dir=desc&page=40",
                        "/s/sweep/fragment/trials?status=done&optimizer=adam&sort=lr"] {
                var times: [Double] = []
                var rows = 0
                for k in 0..<5 {
                    try f.addPoint(trial: "t2", step: 10 + k, value: 0.5)
                    let start = DispatchTime.now().uptimeNanoseconds
                    let body = try await client.execute(uri: uri, method: .get) { String(buffer: $0.body) }
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                    rows = body.components(separatedBy: "<tr data-trial=").count - 1
                }
                #expect(rows == TrialQuery.pageSize, "\(uri)")
                times.sort()
                let median = String(format: "%.1f", times[2]), fastest = String(format: "%.1f", times[0])
                lines.append("  \(uri): median \(median) ms (min \(fastest))")
            }
            // Beside the rest of the suite these figures measure the machine's load; run alone for the real ones:
            // swift test -c release … --skip-build --filter BigSweepMeasurement
            print("dashboard, 100,000-trial store, time to serve (5 requests each; alone, not beside other tests):\n"
                + lines.joined(separator: "\n"))
        }
    }
}
