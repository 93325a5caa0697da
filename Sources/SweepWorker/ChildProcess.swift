import Foundation
import Glibc

/// Why an external trainer could not be started (or its log not opened); its description is the
/// trial's failure reason.
public struct ExternalTrainerError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A child process leading its own process group, its stdout and stderr on pipes.
///
/// Started with `posix_spawn` and `POSIX_SPAWN_SETPGROUP` (Foundation's `Process` puts the child in
/// the worker's own group, so a signal for the trainer's whole tree could not be aimed at it alone);
/// the process-group id is the child's pid. Every signal disposition is reset to its default and the
/// mask cleared, because the worker ignores SIGTERM and SIGINT itself (it handles them on a dispatch
/// source) and an ignored signal would otherwise stay ignored across `exec`. Stdin is `/dev/null`; no
/// other descriptor of the worker leaks into the child.
///
/// Not thread-safe: one trial thread owns it.
struct ChildProcess {
    let pid: pid_t
    /// Read ends, owned by this value's user (closed by ``closeOutput()``).
    private(set) var stdout: Int32
    private(set) var stderr: Int32

    /// Starts `argv` in `cwd` with exactly `environment`.
    ///
    /// A program name without a `/` is looked up in the child's `PATH` (from `environment`).
    /// - Throws: ``ExternalTrainerError`` naming the program and the reason (not found, not executable,
    ///   bad cwd).
    static func spawn(argv: [String], environment: [String: String], cwd: String) throws -> ChildProcess {
        guard let program = argv.first, !program.isEmpty else { throw ExternalTrainerError("empty command") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: cwd, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ExternalTrainerError("working directory \(cwd) does not exist")
        }
        let path = try resolve(program, path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin", cwd: cwd)

        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        // O_CLOEXEC: a child spawned at the same moment by another trial thread must not inherit our
        // write ends, or our reader would wait for its EOF as long as that other child lives.
        guard let pipe2 = GNU.pipe2, let addchdir = GNU.addchdir else {
            throw ExternalTrainerError("this C library lacks pipe2 or posix_spawn_file_actions_addchdir_np "
                             + "(glibc 2.29 or later is needed)")
        }
        guard pipe2(&outPipe, O_CLOEXEC) == 0 else { throw ExternalTrainerError("pipe: \(errnoText())") }
        guard pipe2(&errPipe, O_CLOEXEC) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw ExternalTrainerError("pipe: \(errnoText())")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Descriptors of the worker opened without O_CLOEXEC (by a library) stay out of the trainer.
        _ = GNU.addclosefrom?(&actions, 3)
        _ = addchdir(&actions, cwd)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF
                                                        | POSIX_SPAWN_SETSIGMASK))

        let cArgv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let pairs: [String] = environment.map { "\($0.key)=\($0.value)" }.sorted()
        let cEnv: [UnsafeMutablePointer<CChar>?] = pairs.map { strdup($0) } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, cArgv, cEnv)
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw ExternalTrainerError("cannot start \(path): \(String(cString: strerror(rc)))")
        }
        return ChildProcess(pid: pid, stdout: outPipe[0], stderr: errPipe[0])
    }

    /// The file that `program` names: itself if it holds a `/` (relative to `cwd`), else the first
    /// executable of that name in `path`.
    static func resolve(_ program: String, path: String, cwd: String) throws -> String {
        if program.contains("/") {
            let full = program.hasPrefix("/") ? program : cwd + "/" + program
            guard FileManager.default.fileExists(atPath: full) else {
                throw ExternalTrainerError("\(full) does not exist")
            }
            guard FileManager.default.isExecutableFile(atPath: full) else {
                throw ExternalTrainerError("\(full) is not executable (chmod +x it, or start it with its "
                                 + "interpreter: [python3, \(program), …])")
            }
            return full
        }
        for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
            let base = dir.isEmpty ? "." : String(dir)
            let full = (base.hasPrefix("/") ? base : cwd + "/" + base) + "/" + program
            if FileManager.default.isExecutableFile(atPath: full) { return full }
        }
        throw ExternalTrainerError("command not found: \(program) (searched PATH=\(path))")
    }

    /// Sends `signal` to every process of the child's group; false if none is left.
    @discardableResult
    func signalGroup(_ signal: Int32) -> Bool {
        kill(-pid, signal) == 0
    }

    /// True while any process of the child's group exists (zombies included).
    var groupExists: Bool {
        kill(-pid, 0) == 0 || errno == EPERM
    }

    /// Reaps the group leader if it has ended.
    /// - Returns: how it ended, or nil while it runs.
    func reapLeader() -> ExitStatus? {
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return ExitStatus(waitStatus: status) }
            if r == -1 && errno == EINTR { continue }
            // ECHILD: something else in this process reaped it, so how it ended is unknown.
            if r == -1 { return .unknown }
            return nil
        }
    }

    /// Reaps members of the group that have become this process's children and have ended.
    ///
    /// Call only after ``reapLeader()`` returned a status, or this could take the leader's. Orphans
    /// of the trainer (a `sleep 1000 &` whose shell was killed) are re-parented to this process
    /// because ``ChildProcess/becomeSubreaper()`` made it a child subreaper.
    func reapGroup() {
        var status: Int32 = 0
        while true {
            let r = waitpid(-pid, &status, WNOHANG)
            if r > 0 || (r == -1 && errno == EINTR) { continue }
            return
        }
    }

    /// Closes the read end of stdout (`stream` 0) or stderr (1).
    mutating func closeStream(_ stream: Int) {
        if stream == 0, stdout >= 0 {
            close(stdout)
            stdout = -1
        } else if stream == 1, stderr >= 0 {
            close(stderr)
            stderr = -1
        }
    }

    /// Closes both read ends.
    mutating func closeOutput() {
        closeStream(0)
        closeStream(1)
    }

    /// Makes this process a child subreaper (Linux `PR_SET_CHILD_SUBREAPER`), once; true if it is one.
    ///
    /// A trainer's grandchildren whose parent dies are then re-parented to the worker instead of to
    /// PID 1, so the worker can reap them and tell that none is left. In a container whose PID 1 does
    /// not reap, they would otherwise stay zombies forever. `prctl` is variadic and so not callable
    /// from Swift; it is called through a fixed-arity pointer, which the x86-64 and AArch64 Linux
    /// calling conventions pass identically for integer arguments.
    static func becomeSubreaper() -> Bool { subreaper }

    private static let subreaper: Bool = {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        let prSetChildSubreaper: Int32 = 36  // <linux/prctl.h>
        guard let symbol = dlsym(nil, "prctl") else { return false }
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        return prctl(prSetChildSubreaper, 1, 0, 0, 0) == 0
    }()
}

/// How a process ended, from its raw wait status.
enum ExitStatus: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    /// Reaped by someone else: ended, but how is unknown.
    case unknown

    init(waitStatus status: Int32) {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let sig): return "killed by signal \(sig)\(Self.signalName(sig).map { " (\($0))" } ?? "")"
        case .unknown: return "ended (its exit status was collected elsewhere)"
        }
    }

    static func signalName(_ sig: Int32) -> String? {
        switch sig {
        case SIGTERM: return "SIGTERM"
        case SIGKILL: return "SIGKILL"
        case SIGSEGV: return "SIGSEGV"
        case SIGABRT: return "SIGABRT"
        case SIGINT: return "SIGINT"
        case SIGBUS: return "SIGBUS"
        case SIGFPE: return "SIGFPE"
        case SIGILL: return "SIGILL"
        default: return nil
        }
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }

/// glibc functions that Swift's Glibc module does not import (they are declared only under
/// `_GNU_SOURCE`), looked up by name. Their C signatures are fixed (not variadic), so calling them
/// through these pointer types is exactly a direct call.
private enum GNU {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias FileActionsChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?,
                                                 UnsafePointer<CChar>?) -> Int32
    typealias FileActionsClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?,
                                                     Int32) -> Int32

    /// `pipe2(2)`, glibc 2.9.
    static var pipe2: Pipe2? { lookup("pipe2") }
    /// `posix_spawn_file_actions_addchdir_np`, glibc 2.29.
    static var addchdir: FileActionsChdir? { lookup("posix_spawn_file_actions_addchdir_np") }
    /// `posix_spawn_file_actions_addclosefrom_np`, glibc 2.34.
    static var addclosefrom: FileActionsClosefrom? { lookup("posix_spawn_file_actions_addclosefrom_np") }

    private static func lookup<F>(_ name: String) -> F? {
        dlsym(nil, name).map { unsafeBitCast($0, to: F.self) }
    }
}
