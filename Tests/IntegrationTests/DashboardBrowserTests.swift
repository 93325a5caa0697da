import Foundation
import Testing

/// The live dashboard in a real browser: headless Chromium opens the page of a running sweep, and a trial
/// that finishes afterwards shows up on that same page because the live update reached it.
@Suite("Dashboard in a browser", .serialized)
struct DashboardBrowserTests {
    @Test("a trial that finished after the page was opened appears on it, pushed by the server")
    func liveUpdateReachesThePage() throws {
        guard let chromium = DevToolsBrowser.binary() else {
            print("SKIPPED dashboard browser test: Chromium is not installed (make setup installs it as root: "
                + "apt-get install chromium)")
            return
        }
        let port = CLI.freePort()
        let cluster = try Cluster { $0.spec(name: "browser", trials: 2) }
        cluster.extraCoordinatorArgs = ["--serve", "127.0.0.1:\(port)"]
        try cluster.startCoordinator()
        try cluster.startWorker("a", extra: ["--slots", "2"])
        defer { cluster.gate.openAll() }
        let held = try #require(cluster.heldTrial(cluster.gate))
        let seed = try #require(cluster.seed(of: held.id))
        #expect(try #require(cluster.coordinator).stderr().contains("dashboard: http://127.0.0.1:\(port)/"))

        let browser = try DevToolsBrowser(binary: chromium)
        try browser.open("http://127.0.0.1:\(port)/s/out?trial=\(held.id)")
        // Once the page's event stream is open, mark the page (a reload would lose the mark) and read the row.
        let row = "document.querySelector('tr[data-trial=\"\(held.id)\"]')"
        let before = try openedPage(browser, row: row)
        #expect(before == "running")

        cluster.gate.open(seed: seed)
        // Wait in the page for the row, then the open trial's section, to show it done; record when the row
        // changed, in the page's clock (the same machine's as the store's time stamps).
        let after = try browser.evaluate("""
            new Promise((resolve, reject) => {
              let rowAt = 0;
              const check = () => {
                const r = \(row), t = document.querySelector("[data-trial-status]");
                if (!rowAt && r && r.dataset.status === "done") rowAt = Date.now();
                if (rowAt && t && t.textContent === "done") {
                  resolve({ at: rowAt, mark: window.lrsweepTestMark || "", dom: document.documentElement.outerHTML });
                  return true;
                }
                return false;
              };
              if (check()) return;
              new MutationObserver(() => check()).observe(document.body, { childList: true, subtree: true });
              setTimeout(() => reject(new Error("no live update within 120 s")), 120000);
            })
            """, timeout: 150) as? [String: Any]
        let result = try #require(after)
        #expect(result["mark"] as? String == "opened", "the page was reloaded instead of updated")
        let dom = try #require(result["dom"] as? String)
        #expect(dom.contains("<tr data-trial=\"\(held.id)\" data-status=\"done\""))
        #expect(dom.contains("data-count=\"done\">1</b>") || dom.contains("data-count=\"done\">2</b>"))
        // The open trial's section refreshed too.
        #expect(dom.contains("<span data-trial-status=\"\">done</span>"))
        if let shownAt = result["at"] as? Double,
           let stored = try cluster.store()?.int(
               "SELECT CAST(finished * 1000 AS INTEGER) FROM trials WHERE id = '\(held.id)'") {
            print("dashboard: trial result stored → shown in the browser: \(Int(shownAt) - stored) ms")
        }
        cluster.gate.openAll()
        #expect(try #require(cluster.coordinator).wait(timeout: 240) == 0)
    }

    @Test("serve and --serve refuse what they cannot serve, with exit 1 and the reason")
    func refusals() throws {
        let empty = try CLI.tempDir()
        let noStore = try CLI.run(["serve", empty])
        #expect(noStore.status == 1)
        #expect(noStore.stderr.contains("holds no results.sqlite"))
        let badBind = try CLI.run(["run", "sweeps/quickstart.yaml", "--serve", "localhost"])
        #expect(badBind.status == 1)
        #expect(badBind.stderr.contains("needs HOST:PORT"))
        _ = FileManager.default.createFile(atPath: "\(empty)/results.sqlite", contents: nil)
        let shortToken = try CLI.run(["serve", empty, "--token", "abc", "--bind", "127.0.0.1:0"])
        #expect(shortToken.status == 1)
        #expect(shortToken.stderr.contains("--token must be at least 16 letters and digits"))
    }

    /// Waits until the page has loaded and its event stream is open, marks it, and returns the row's status.
    func openedPage(_ browser: DevToolsBrowser, row: String) throws -> String? {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            // Right after opening, the page may still be about:blank, or navigating (which destroys the context).
            let value = try? browser.evaluate("""
                new Promise((resolve) => {
                  const started = Date.now();
                  const check = () => {
                    if (location.protocol === "http:" && document.body && document.body.dataset.live === "open") {
                      window.lrsweepTestMark = "opened";
                      const r = \(row);
                      resolve(r ? r.dataset.status : "missing");
                    } else if (Date.now() - started > 5000) resolve(null);
                    else setTimeout(check, 20);
                  };
                  check();
                })
                """, timeout: 30)
            if let status = value as? String { return status }
        }
        return nil
    }
}
