import CBLAS
import Foundation

/// Which kernels OpenBLAS runs, and the way out when it picked generic ones on a modern CPU.
///
/// OpenBLAS chooses its kernels once, when the library loads, from the CPU's model number. A
/// release that does not know the model falls back to its generic SSE3 `Prescott` kernels: Debian's
/// OpenBLAS 0.3.21 on Intel's 5th-generation Xeons (family 6, model 207) runs sgemm about 4× slower
/// than with the AVX-512 kernels the CPU's feature flags allow (measured with `bench train`: mlp at
/// one thread, 3,300 against 13,200 samples/s). OpenBLAS honours `OPENBLAS_CORETYPE`, read at load
/// time only, so the fix from inside the program is to set it and start the program again.
public enum BLASCore {
    /// The kernels OpenBLAS chose for this process (`Prescott`, `Haswell`, `SkylakeX`, …).
    public static var current: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Generic kernels OpenBLAS falls back to for a CPU it does not recognise.
    static let genericCores: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom",
                                            "katmai", "coppermine", "northwood", "banias", "unknown", "generic"]

    /// The core type to force when OpenBLAS runs generic kernels (`current`) although the CPU's
    /// feature flags (as in `/proc/cpuinfo`) allow AVX2 or AVX-512 ones; nil when it already runs
    /// suitable kernels or the flags allow nothing better.
    public static func betterCoreType(current: String, cpuFlags: Set<String>) -> String? {
        guard genericCores.contains(current.lowercased()) else { return nil }
        // SkylakeX rather than Cooperlake for bf16 CPUs: the same sgemm kernels, and a name every
        // OpenBLAS release since 0.3.x accepts.
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The flags of the first CPU in `/proc/cpuinfo` (empty where there is no such file).
    static var cpuFlags: Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Starts this program again with `OPENBLAS_CORETYPE` set when OpenBLAS picked generic kernels
    /// on a CPU that allows better ones; returns (doing nothing) otherwise, or when the variable is
    /// already set (a user's choice, or the restarted process itself), or when the restart fails.
    ///
    /// Call it first thing in `main`, before any thread starts.
    public static func restartWithBetterKernelsIfNeeded() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let core = betterCoreType(current: current, cpuFlags: cpuFlags) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Still here: the restart failed; carry on with the kernels we have.
    }
}
