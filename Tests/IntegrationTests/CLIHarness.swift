import Foundation
import GRDB
import Testing

/// Runs the built `lrsweep` binary as a user would, the way swift-argument-parser's
/// `AssertExecuteCommand` does: a real process, real arguments, exit code and output captured.
enum CLI {
    /// The `lrsweep` executable next to the test bundle (or `LRSWEEP_BIN`).
    static var binary: String {
        if let env = ProcessInfo.processInfo.environment["LRSWEEP_BIN"] { return env }
        let candidates = [Bundle.main.executableURL, URL(fileURLWithPath: CommandLine.arguments[0])]
            .compactMap { $0?.deletingLastPathComponent() }
        for dir in candidates {
            for d in [dir, dir.deletingLastPathComponent()] {
                let path = d.appendingPathComponent("lrsweep").path
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return "lrsweep"
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `lrsweep args…` to completion (at most `timeout` seconds, then it is killed).
    static func run(_ args: [String], cwd: String? = nil, timeout: Double = 300) throws -> Output {
        let p = try start(args, cwd: cwd)
        let status = p.wait(timeout: timeout)
        return Output(status: status, stdout: p.stdout(), stderr: p.stderr())
    }

    final class Running {
        let process: Process
        let outPath: String
        let errPath: String
        init(process: Process, outPath: String, errPath: String) {
            self.process = process
            self.outPath = outPath
            self.errPath = errPath
        }
        func stdout() -> String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
        func stderr() -> String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
        var pid: Int32 { process.processIdentifier }

        /// Waits for the process to end, killing it after `timeout` seconds.
        @discardableResult
        func wait(timeout: Double) -> Int32 {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// Starts `lrsweep args…` in the background; output goes to files (no pipe can fill up and block it).
    static func start(_ args: [String], cwd: String? = nil) throws -> Running {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lrsweep-cli-\(UUID().uuidString)")
        let outPath = tmp.path + ".out"
        let errPath = tmp.path + ".err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return Running(process: p, outPath: outPath, errPath: errPath)
    }

    /// A fresh temporary folder.
    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrsweep-it-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes.
    static func waitUntil(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }
}

/// Read-only queries on a sweep's results store.
struct Store {
    let db: DatabaseQueue

    init(_ path: String) throws {
        var config = Configuration()
        config.readonly = true
        db = try DatabaseQueue(path: path, configuration: config)
    }

    func int(_ sql: String) throws -> Int { try db.read { try Int.fetchOne($0, sql: sql) ?? -1 } }
    func strings(_ sql: String) throws -> [String] { try db.read { try String.fetchAll($0, sql: sql) } }
}
