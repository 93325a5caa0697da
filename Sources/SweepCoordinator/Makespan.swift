import Foundation
import GRDB

/// One trial's times as the results store recorded them (wall clock of the coordinator, seconds).
public struct TrialSpan: Sendable, Hashable {
    /// When the store recorded the trial's (last) lease, before the `trial` message was sent.
    public var started: Double
    /// When the store recorded its result.
    public var finished: Double
    /// How long the worker's runner took, as the worker measured it.
    public var seconds: Double

    public init(started: Double, finished: Double, seconds: Double) {
        self.started = started
        self.finished = finished
        self.seconds = seconds
    }
}

extension ResultStore {
    /// The spans of the trials that ended `done`, how many trials the sweep has in all, and how
    /// many workers ran the done ones.
    public func doneSpans() throws -> (spans: [TrialSpan], total: Int, workers: Int) {
        try db.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials") ?? 0
            let workers = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT worker) FROM trials WHERE status = 'done'")
            let spans = try Row.fetchAll(db, sql: """
                SELECT started, finished, seconds FROM trials
                WHERE status = 'done' AND started IS NOT NULL AND finished IS NOT NULL
                """).map { TrialSpan(started: $0["started"], finished: $0["finished"], seconds: $0["seconds"] ?? 0) }
            return (spans, total, workers ?? 0)
        }
    }
}

/// Where a sweep's time went: its makespan against the ideal of `slots` slots that are never idle,
/// and the slot-time lost, split by cause.
///
/// The measured time runs from the first lease the store recorded to the last result it recorded.
/// Summed over the slots it is the trials' lease-to-result times plus the slot-time no trial held
/// (as long as no more than `slots` trials ever ran at once, which ``init(spans:slots:trialSeconds:)``
/// checks):
///
///     slots · measured = Σ (finished − started) + idle
///                      = trials · S + Σ (seconds − S) + Σ (finished − started − seconds) + idle
///
/// So the overhead per trial, (measured − ideal) · slots / trials, is exactly ``runnerExtra`` +
/// ``roundTrip`` + ``rampIdle`` + ``gapIdle`` + ``tailIdle``.
public struct Makespan: Sendable, Hashable {
    public let trials: Int
    public let slots: Int
    /// S: how long each trial's work takes.
    public let trialSeconds: Double
    /// First lease to last result.
    public let measured: Double
    /// Per trial: the worker's runner time beyond S (starting a trainer process, its exit, its log).
    public let runnerExtra: Double
    /// Per trial: lease stored → `trial` message → worker → `result` → result stored, beyond the runner.
    public let roundTrip: Double
    /// Per trial: idle slot-time before every slot first held a trial (workers joining, first leases).
    public let rampIdle: Double
    /// Per trial: idle slot-time between one trial's result and the next lease, once all slots were full.
    public let gapIdle: Double
    /// Per trial: idle slot-time after the last lease, while the last trials finish.
    public let tailIdle: Double
    /// First lease → the moment every slot held a trial; nil if that never happened.
    public let rampSeconds: Double?
    /// Last lease → last result.
    public let tailSeconds: Double
    /// Most trials that ran at once.
    public let peakRunning: Int

    public var ideal: Double { Double(trials) * trialSeconds / Double(slots) }
    /// The shortest makespan whole trials allow, ⌈trials / slots⌉ · S: above ``ideal`` when the trials do
    /// not divide evenly among the slots (the last round leaves some slots idle whatever the scheduler does).
    public var bound: Double { (Double(trials) / Double(slots)).rounded(.up) * trialSeconds }
    public var efficiency: Double { ideal / measured }
    public var overheadPerTrial: Double { (measured - ideal) * Double(slots) / Double(trials) }

    /// Nil when there are no spans, or they cover no time.
    /// - Precondition: `slots` ≥ 1 and `peakRunning` ≤ `slots` (callers check ``peak(of:)`` first).
    public init?(spans: [TrialSpan], slots: Int, trialSeconds: Double) {
        guard let first = spans.map(\.started).min(), let last = spans.map(\.finished).max(), last > first else {
            return nil
        }
        precondition(slots >= 1, "a makespan needs at least one slot")
        let n = Double(spans.count)
        let lastLease = spans.map(\.started).max() ?? first
        trials = spans.count
        self.slots = slots
        self.trialSeconds = trialSeconds
        measured = last - first
        runnerExtra = spans.reduce(0) { $0 + $1.seconds - trialSeconds } / n
        roundTrip = spans.reduce(0) { $0 + ($1.finished - $1.started - $1.seconds) } / n
        tailSeconds = last - lastLease
        var ramp = 0.0, gaps = 0.0, tail = 0.0, running = 0, peak = 0
        var fullAt: Double?
        let events = Self.timeline(spans)
        for (i, (t, delta)) in events.enumerated() {
            running += delta
            peak = max(peak, running)
            if fullAt == nil, running >= slots { fullAt = t }
            guard i + 1 < events.count else { break }
            let idle = Double(slots - running) * (events[i + 1].0 - t)
            if t >= lastLease { tail += idle } else if fullAt == nil { ramp += idle } else { gaps += idle }
        }
        rampIdle = ramp / n
        gapIdle = gaps / n
        tailIdle = tail / n
        rampSeconds = fullAt.map { $0 - first }
        peakRunning = peak
        precondition(peak <= slots, "more trials ran at once than there are slots")
    }

    /// The times where trials start (+1) and end (−1), in order; ends first at equal times, since a
    /// result and the lease it frees a slot for are stored in the same batch.
    static func timeline(_ spans: [TrialSpan]) -> [(time: Double, delta: Int)] {
        spans.flatMap { [($0.started, 1), ($0.finished, -1)] }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    /// Most spans that overlap at once (a result and a lease at the same instant do not overlap).
    public static func peak(of spans: [TrialSpan]) -> Int {
        var running = 0, peak = 0
        for (_, delta) in timeline(spans) {
            running += delta
            peak = max(peak, running)
        }
        return peak
    }
}
