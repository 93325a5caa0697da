import Foundation

/// Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: the browser
/// reads commands on fd 3 and writes answers on fd 4, each a JSON object ended by a NUL byte).
///
/// `--dump-dom` prints the DOM once the page has loaded, before any live update can arrive; the protocol
/// lets a test read the DOM of the same open page after an event it caused.
final class DevToolsBrowser {
    let pid: pid_t
    private let commands: Int32
    private let answers: Int32
    private var buffer: [UInt8] = []
    private var nextID = 1
    private var session: String?
    let profile: String

    /// The Chromium binary: Debian's (`/usr/lib/chromium/chromium`, behind the `/usr/bin/chromium` wrapper), or
    /// `chromium` / `chromium-browser` on the PATH; nil when none is installed.
    static func binary() -> String? {
        var candidates = ["/usr/lib/chromium/chromium"]
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            candidates += ["\(dir)/chromium", "\(dir)/chromium-browser"]
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    init(binary: String) throws {
        profile = try CLI.tempDir()
        var toBrowser: [Int32] = [0, 0], fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw BrowserError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "\(profile)/chromium.log", O_WRONLY | O_CREAT, 0o644)
        let args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                    "--remote-debugging-pipe", "--user-data-dir=\(profile)", "about:blank"]
        var argv = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, binary, &actions, nil, &argv, environ)
        close(toBrowser[0])
        close(fromBrowser[1])
        guard rc == 0 else { throw BrowserError("cannot start \(binary): error \(rc)") }
        pid = child
        commands = toBrowser[1]
        answers = fromBrowser[0]
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(commands)
        close(answers)
        try? FileManager.default.removeItem(atPath: profile)
    }

    /// Sends a command (to the attached page when `page`) and returns its `result`, skipping events.
    @discardableResult
    func send(_ method: String, _ params: [String: Any] = [:], page: Bool = false, timeout: Double = 60) throws
        -> [String: Any] {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if page { message["sessionId"] = session }
        var data = [UInt8](try JSONSerialization.data(withJSONObject: message))
        data.append(0)
        var written = 0
        while written < data.count {
            let n = data[written...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            guard n > 0 else { throw BrowserError("the browser closed its pipe") }
            written += n
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let bytes = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                guard let answer = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                      answer["id"] as? Int == id else { continue }
                if let error = answer["error"] { throw BrowserError("\(method): \(error)") }
                return answer["result"] as? [String: Any] ?? [:]
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw BrowserError("no answer to \(method) within \(timeout) s") }
            var fd = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            guard poll(&fd, 1, Int32(min(left, 1) * 1000)) >= 0 else { throw BrowserError("poll failed") }
            guard fd.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(answers, &chunk, chunk.count)
            guard n > 0 else { throw BrowserError("the browser exited; its log: \(profile)/chromium.log") }
            buffer += chunk[..<n]
        }
    }

    /// Opens `url` in a new page and attaches to it.
    func open(_ url: String) throws {
        let target = try send("Target.createTarget", ["url": url])
        let attached = try send("Target.attachToTarget", ["targetId": target["targetId"] ?? "", "flatten": true])
        session = attached["sessionId"] as? String
    }

    /// Evaluates `expression` in the page, awaiting a promise, and returns its value.
    func evaluate(_ expression: String, timeout: Double = 60) throws -> Any? {
        let r = try send("Runtime.evaluate", ["expression": expression, "awaitPromise": true, "returnByValue": true],
                         page: true, timeout: timeout)
        if let exception = r["exceptionDetails"] { throw BrowserError("script failed: \(exception)") }
        return (r["result"] as? [String: Any])?["value"]
    }
}

struct BrowserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
