import Foundation
import SweepKit

/// The wire protocol version, sent as the first frame of every message.
/// Version 2: typed reject reasons, `stop`, `control` and `control-reply`.
public let protocolVersion = 2

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

/// Why the coordinator refused a peer: a code that programs branch on, never the words.
public enum RejectReason: Sendable, Hashable, CustomStringConvertible {
    /// The peer speaks another protocol version: it must be upgraded.
    case protocolVersion(Int)
    /// The coordinator does not know this worker (it restarted, or the worker's leases expired):
    /// the worker registers again with `hello`.
    case unknownWorker
    /// The peer may not do this (a control request from another host on a sweep without keys).
    case notAllowed(String)

    /// The code on the wire.
    public var code: String {
        switch self {
        case .protocolVersion: return "protocol-version"
        case .unknownWorker: return "unknown-worker"
        case .notAllowed: return "not-allowed"
        }
    }

    public var description: String {
        switch self {
        case .protocolVersion(let v):
            return "protocol version \(v) is not \(Wire.protocolVersion): use the same lrsweep version everywhere"
        case .unknownWorker: return "unknown worker: send hello"
        case .notAllowed(let why): return why
        }
    }
}

/// What `lrsweep control` asks of a running sweep.
public enum ControlAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Lease no new trials; running ones finish.
    case pause
    /// Lease trials again.
    case resume
    /// Lease no new trials, let running ones finish, then write the report and exit.
    case stop
    /// Stop the named trials (all running ones when none is named) now, as `cancelled`.
    case cancel
}

public struct ControlRequest: Sendable, Hashable, Codable {
    public var action: ControlAction
    /// Trial ids, for `cancel`.
    public var trials: [String]

    public init(action: ControlAction, trials: [String] = []) {
        self.action = action
        self.trials = trials
    }
}

/// The coordinator's answer to a control request: done (with what happened), or refused (with why).
public struct ControlReply: Sendable, Hashable, Codable {
    public var ok: Bool
    public var message: String

    public init(ok: Bool, message: String) {
        self.ok = ok
        self.message = message
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
    /// Coordinator → peer: refused, with a typed reason.
    case reject(RejectReason)
    /// Coordinator → worker: end this attempt now (it was cancelled); the slot is free again.
    case stop(TrialRef)
    /// `lrsweep control` → coordinator: steer the sweep.
    case control(ControlRequest)
    /// Coordinator → control client.
    case controlReply(ControlReply)
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
        case .stop: return "stop"
        case .control: return "control"
        case .controlReply: return "control-reply"
        }
    }
}
