import Foundation

/// How `lrsweep serve` (or `run|coordinator --serve`) is set up: what it serves, where it listens and
/// who may read it.
public struct DashboardOptions: Sendable {
    /// Sweep output folders (each holds `results.sqlite`, and `status.json` while its coordinator runs).
    public var folders: [String]
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int
    /// Required on every request when set; always set off loopback (see ``resolvingToken()``).
    public var token: String?
    /// How often the live feed looks for new rows in each store.
    public var pollInterval: Double = 0.2
    /// Requests per second (averaged) and in a burst, for the whole server, before it answers 429.
    public var requestRate = 200.0
    public var requestBurst = 400.0
    /// Live event streams open at once, before it answers 503.
    public var maxStreams = 64

    public init(folders: [String], host: String = "127.0.0.1", port: Int = 8080, token: String? = nil) {
        self.folders = folders
        self.host = host
        self.port = port
        self.token = token
    }

    /// Parses `HOST:PORT` (`127.0.0.1:8080`, `0.0.0.0:80`, `[::1]:8080`, or `:8080` for loopback).
    public static func parseBind(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":") else {
            throw DashboardError("--bind/--serve '\(text)' needs HOST:PORT, e.g. 127.0.0.1:8080")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "127.0.0.1" }
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw DashboardError("--bind/--serve '\(text)': the port must be a number from 0 to 65535")
        }
        return (host, port)
    }

    /// True for addresses only this machine reaches (127.0.0.0/8, ::1, localhost).
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The options with a token: off loopback a server never runs without one, so a missing one is
    /// generated (32 hex digits from the system's secure generator). Returns whether it was generated.
    public func resolvingToken() -> (options: DashboardOptions, generated: Bool) {
        guard token == nil, !isLoopback else { return (self, false) }
        var rng = SystemRandomNumberGenerator()
        var copy = self
        copy.token = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 0...UInt32.max, using: &rng)) }
            .joined()
        return (copy, true)
    }
}

/// A mistake in what the dashboard was asked to serve (exit 1), or a failure to start it.
public struct DashboardError: Error, LocalizedError, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
