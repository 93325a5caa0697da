import Foundation

/// An error reading or writing a key folder; the message says which file and what to do.
public struct KeyError: Error, LocalizedError, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// A folder of CURVE keys as `lrsweep keys generate DIR` writes it (Z85 text, secrets mode 0600):
/// `coordinator.pub`, `coordinator.secret`, `worker.pub`, `worker.secret`, `allowed_workers`
/// (one worker public key a line, `#` comments allowed) and `workers/NAME/` for extra workers.
public struct KeyFolder: Sendable {
    public let path: String

    public init(_ path: String) {
        self.path = path
    }

    /// Creates the folder with a coordinator pair, a worker pair and an allow-list holding that worker.
    public func generate() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: "\(path)/coordinator.secret") {
            throw KeyError("\(path) already holds keys; use `lrsweep keys add-worker \(path) NAME` for more workers")
        }
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        let coordinator = try CurveKeyPair.generate()
        let worker = try CurveKeyPair.generate()
        try write(coordinator.publicKey, to: "coordinator.pub", secret: false)
        try write(coordinator.secretKey, to: "coordinator.secret", secret: true)
        try write(worker.publicKey, to: "worker.pub", secret: false)
        try write(worker.secretKey, to: "worker.secret", secret: true)
        try write("# worker public keys admitted by the coordinator, one a line\n\(worker.publicKey)  # worker",
                  to: "allowed_workers", secret: false)
    }

    /// Writes a new worker pair under `workers/NAME/` with a copy of `coordinator.pub`, and allows it.
    /// - Returns: the folder to hand to that node.
    @discardableResult
    public func addWorker(_ name: String) throws -> String {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw KeyError("worker name '\(name)' must be letters, digits, - _ .")
        }
        let serverKey = try read("coordinator.pub")
        let sub = KeyFolder("\(path)/workers/\(name)")
        if FileManager.default.fileExists(atPath: "\(sub.path)/worker.secret") {
            throw KeyError("\(sub.path) already exists")
        }
        try FileManager.default.createDirectory(atPath: sub.path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let pair = try CurveKeyPair.generate()
        try sub.write(pair.publicKey, to: "worker.pub", secret: false)
        try sub.write(pair.secretKey, to: "worker.secret", secret: true)
        try sub.write(serverKey, to: "coordinator.pub", secret: false)
        let list = "\(path)/allowed_workers"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: list))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n\(pair.publicKey)  # \(name)\n".utf8))
        return sub.path
    }

    /// Writes a folder for the compute nodes: `coordinator.pub` and this folder's worker pair, never
    /// `coordinator.secret`. - Returns: the folder.
    @discardableResult
    public func writeWorkerOnly(to folder: String) throws -> String {
        let (serverKey, pair) = try workerKeys()
        let out = KeyFolder(folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try out.write(serverKey, to: "coordinator.pub", secret: false)
        try out.write(pair.publicKey, to: "worker.pub", secret: false)
        try out.write(pair.secretKey, to: "worker.secret", secret: true)
        return folder
    }

    /// The coordinator's view: its own secret key and the allowed worker keys.
    public func coordinatorKeys() throws -> (secretKey: String, allowed: Set<String>) {
        let secret = try read("coordinator.secret")
        let text = try read("allowed_workers")
        var allowed: Set<String> = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // `#` is also a Z85 character, so a comment is a line starting with `#`, or whatever
            // follows the key after whitespace.
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let line = String(trimmed.prefix { !$0.isWhitespace })
            guard CurveKeyPair.isValidKey(line) else {
                throw KeyError("\(path)/allowed_workers:\(i + 1): not a Z85 public key: '\(line)'")
            }
            allowed.insert(line)
        }
        return (secret, allowed)
    }

    /// A worker's view: the coordinator's public key and its own pair.
    public func workerKeys() throws -> (serverKey: String, keys: CurveKeyPair) {
        (try read("coordinator.pub"), CurveKeyPair(publicKey: try read("worker.pub"), secretKey: try read("worker.secret")))
    }

    func read(_ name: String) throws -> String {
        let file = "\(path)/\(name)"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw KeyError("cannot read \(file): create keys with `lrsweep keys generate \(path)`")
        }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.hasSuffix(".pub") || name.hasSuffix(".secret"), !CurveKeyPair.isValidKey(key) {
            throw KeyError("\(file) does not hold a 40-character Z85 key")
        }
        return key
    }

    func write(_ text: String, to name: String, secret: Bool) throws {
        let file = "\(path)/\(name)"
        guard FileManager.default.createFile(atPath: file, contents: Data((text + "\n").utf8),
                                             attributes: [.posixPermissions: secret ? 0o600 : 0o644]) else {
            throw KeyError("cannot write \(file)")
        }
    }
}
