import Foundation
import SweepKit

/// The wire protocol version, sent as the first frame of every message.
public let protocolVersion = 1

/// What a worker announces about itself when it joins.
public struct Hello: Sendable, Hashable, Codable {
    public var workerID: String
    public var hostname: String
    public var pid: Int32
    public var cores: Int
    /// Trials it can run at once.
    public var slots: Int
    /// BLAS threads each trial uses.
    public var threads: Int
    /// Datasets found on its disk: the coordinator leases only trials it can run.
    public var datasets: [String]
    public var protocolVersion: Int
    /// Trials it is still running from before a coordinator restart (trial id, attempt).
    public var running: [TrialRef]

    public init(workerID: String, hostname: String, pid: Int32, cores: Int, slots: Int, threads: Int,
                datasets: [String], protocolVersion: Int = Wire.protocolVersion, running: [TrialRef] = []) {
        self.workerID = workerID
        self.hostname = hostname
        self.pid = pid
        self.cores = cores
        self.slots = slots
        self.threads = threads
        self.datasets = datasets
        self.protocolVersion = protocolVersion
        self.running = running
    }
}

/// One attempt at one trial.
public struct TrialRef: Sendable, Hashable, Codable {
    public var trialID: String
    public var attempt: Int

    public init(trialID: String, attempt: Int) {
        self.trialID = trialID
        self.attempt = attempt
    }
}

/// A batch of metric points of a running trial.
public struct Progress: Sendable, Hashable, Codable {
    public var trialID: String
    public var attempt: Int
    public var points: [MetricPoint]

    public init(trialID: String, attempt: Int, points: [MetricPoint]) {
        self.trialID = trialID
        self.attempt = attempt
        self.points = points
    }
}

/// A protocol message. On the wire: `[version, type, JSON body]` (a ROUTER prepends the peer id).
public enum Message: Sendable, Hashable {
    /// Worker → coordinator: join (or re-join after a coordinator restart).
    case hello(Hello)
    /// Worker → coordinator: this many more trials may be sent (credit-based flow control).
    case ready(slots: Int)
    /// Coordinator → worker: run this.
    case trial(TrialTask)
    /// Worker → coordinator: metric points of a running trial.
    case progress(Progress)
    /// Worker → coordinator: an attempt ended.
    case result(TrialResult)
    /// Both ways: "still here". Any message counts as one.
    case heartbeat
    /// Both ways: leaving (coordinator: the sweep is over; worker: shutting down).
    case bye(reason: String)
    /// Coordinator → worker: refused, with the reason (e.g. protocol version, unknown worker).
    case reject(reason: String)
    /// `lrsweep status --connect` → coordinator: how is the sweep going?
    case statusRequest
    /// Coordinator → status client: the coordinator's snapshot as a JSON object.
    case statusReply(json: String)

    public var type: String {
        switch self {
        case .hello: return "hello"
        case .ready: return "ready"
        case .trial: return "trial"
        case .progress: return "progress"
        case .result: return "result"
        case .heartbeat: return "heartbeat"
        case .bye: return "bye"
        case .reject: return "reject"
        case .statusRequest: return "status"
        case .statusReply: return "status-reply"
        }
    }
}
