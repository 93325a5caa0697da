/// One cell of the sweep grid with one seed: the unit of work that a worker runs.
public struct Trial: Sendable, Hashable, Codable, Identifiable {
    /// Stable id: a hash of the sweep name and the parameters (seed included), 16 hex digits.
    public let id: String
    /// Position in the expanded grid (stable order), used for display and ordering only.
    public let index: Int
    public let parameters: Parameters

    public init(sweepName: String, index: Int, parameters: Parameters) {
        self.id = Trial.makeID(sweepName: sweepName, parameters: parameters)
        self.index = index
        self.parameters = parameters
    }

    /// A trial as it arrives over the wire: the id was computed by the coordinator.
    public init(id: String, index: Int, parameters: Parameters) {
        self.id = id
        self.index = index
        self.parameters = parameters
    }

    /// FNV-1a (64 bit) over `name` and the canonical `key=value` text of the parameters.
    ///
    /// Stable across processes and Swift versions (unlike `Hasher`), which is what resume needs:
    /// re-reading the same spec yields the same ids, so finished trials are recognised.
    public static func makeID(sweepName: String, parameters: Parameters) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let text = sweepName + "\u{1F}" + parameters.canonicalText(separator: "\u{1F}")
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Where a trial stands. `diverged` is a result (NaN or inf loss), not an error.
public enum TrialStatus: String, Sendable, Codable, CaseIterable {
    case pending, running, done, failed, diverged
    /// Stopped by early stopping; its curve so far is kept and it does not run again.
    case pruned
    /// Stopped by `lrsweep control … cancel`; its curve so far is kept, and it runs again when the
    /// spec is run again.
    case cancelled

    /// True once the trial will not run again, in this run or a later one.
    public var isFinal: Bool { self == .done || self == .failed || self == .diverged || self == .pruned }

    /// True once the trial has ended for this run of the sweep (final, or cancelled).
    public var hasEnded: Bool { isFinal || self == .cancelled }
}

/// One value of one metric at one training step (a point of a curve).
public struct MetricPoint: Sendable, Hashable, Codable {
    public var step: Int
    public var name: String
    public var value: Double

    public init(step: Int, name: String, value: Double) {
        self.step = step
        self.name = name
        self.value = value
    }
}

/// The outcome of one attempt at a trial, as a worker reports it.
public struct TrialResult: Sendable, Hashable, Codable {
    public var trialID: String
    public var attempt: Int
    public var status: TrialStatus
    /// Final metrics (`val_loss`, `val_accuracy`, `test_loss`, `test_accuracy`, `train_loss`, `final_lr`, …).
    public var metrics: [String: Double]
    /// Why a trial failed or diverged, in words a user can act on.
    public var reason: String?
    public var seconds: Double

    public init(trialID: String, attempt: Int, status: TrialStatus, metrics: [String: Double],
                reason: String? = nil, seconds: Double = 0) {
        self.trialID = trialID
        self.attempt = attempt
        self.status = status
        self.metrics = metrics
        self.reason = reason
        self.seconds = seconds
    }
}
