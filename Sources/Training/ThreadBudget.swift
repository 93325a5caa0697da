import Foundation

/// How many compute threads each trial of a worker gets, so that a worker never runs more compute
/// threads than the machine has cores.
///
/// Every trial computes on its own ``ComputePool`` of `threads` threads (OpenBLAS stays
/// single-threaded: its thread count is process-wide and would multiply with the slots), so a
/// worker with `slots` trials at once runs `slots × threads` compute threads. The rule:
/// **slots × threads ≤ cores**. A request above it is lowered to ⌊cores / slots⌋ (at least 1)
/// with a warning; slots themselves are never lowered (they are the worker's promise to the
/// coordinator). Oversubscribing gains nothing here: each thread of a step waits for the slowest
/// chunk, and a descheduled chunk stalls the whole step.
public struct ThreadBudget: Sendable, Equatable {
    /// Threads each trial will use.
    public let threadsPerTrial: Int
    /// Why the request was lowered, for the worker's log; nil when it fitted.
    public let warning: String?

    /// The budget for `requested` threads per trial with `slots` trials at once on `cores` cores.
    public init(requested: Int, slots: Int, cores: Int = ThreadBudget.onlineCores) {
        let slots = Swift.max(1, slots), cores = Swift.max(1, cores), requested = Swift.max(1, requested)
        let fitting = Swift.max(1, cores / slots)
        if requested <= fitting {
            threadsPerTrial = requested
            warning = nil
        } else {
            threadsPerTrial = fitting
            warning = "--threads \(requested) × --slots \(slots) exceeds the \(cores) cores of this machine: "
                + "each trial uses \(fitting) thread\(fitting == 1 ? "" : "s") (rule: slots × threads ≤ cores)"
        }
    }

    /// Cores this process may run on (Foundation reads the affinity mask and the cgroup quota, so a
    /// container's or Slurm's allocation counts, not the machine's).
    public static var onlineCores: Int { Swift.max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
