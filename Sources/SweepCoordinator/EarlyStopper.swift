import SweepKit

/// Early stopping within comparison groups, as a pure value: it observes the sweep's metric at
/// the evaluation steps trials report and answers with decisions.
///
/// A configuration is only ever compared with the configurations of its own group (by default,
/// the same optimizer, dataset and model at other rates): a plain ranking of all trials would stop
/// every rate of an optimizer that starts slower, and the comparison of optimizers with it.
///
/// - ASHA (Li et al., "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020), in its
///   stopping form: rungs at grace·η^k steps. When a configuration first reaches a rung, its mean
///   there (over the seeds that reached it) is recorded; it goes on if it is among the best
///   ⌈n/η⌉ of the n configurations of its group recorded at that rung, else it stops. Nothing
///   waits for a rung to fill.
/// - Median rule (Golovin et al., "Google Vizier", KDD 2017): at an evaluation step t ≥ grace, a
///   configuration stops when its best value so far is worse than the median of the running
///   averages (mean of the values up to t) of the other configurations of its group that reached
///   t; at least two others must have.
public struct EarlyStopper: Sendable {
    public let spec: EarlyStoppingSpec
    public let goal: Goal
    /// The full budget of a trial in steps, when known: no decision is made at or after it (a
    /// configuration that ran its whole budget is never stopped).
    public let budget: Int?

    /// Per configuration, per seed, the metric by step.
    private var curves: [String: [Int: [Int: Double]]] = [:]
    /// The configurations seen in each group (the median rule compares with them on every point).
    private var members: [String: Set<String>] = [:]
    /// ASHA: per group, per rung step, each configuration's recorded mean.
    private var rungs: [String: [Int: [String: Double]]] = [:]
    /// Rungs (or median steps) already decided, per configuration.
    private var decided: [String: Set<Int>] = [:]
    public private(set) var stopped: Set<String> = []
    public private(set) var decisions: [StoppingDecision] = []

    public init(spec: EarlyStoppingSpec, goal: Goal, budget: Int? = nil) {
        self.spec = spec
        self.goal = goal
        self.budget = budget
    }

    /// The rung steps up to `limit`: grace, grace·η, grace·η², …
    public func rungSteps(upTo limit: Int) -> [Int] {
        var steps: [Int] = []
        var r = Double(spec.grace)
        while Int(r.rounded()) <= limit, steps.count < 64 {
            let s = Int(r.rounded())
            if steps.last != s { steps.append(s) }
            r *= spec.reduction
        }
        return steps
    }

    /// A point of the metric: `seed` of `configuration` (in `group`) measured `value` at `step`.
    /// - Returns: the decisions this makes (about this configuration only).
    public mutating func observe(configuration c: String, group g: String, seed: Int, step: Int,
                                 value: Double) -> [StoppingDecision] {
        members[g, default: []].insert(c)
        curves[c, default: [:]][seed, default: [:]][step] = value
        guard step >= spec.grace else { return [] }
        if let budget, step >= budget, spec.method == .median { return [] }
        switch spec.method {
        case .asha: return asha(c, group: g, step: step)
        case .median: return stopped.contains(c) ? [] : median(c, group: g, step: step)
        }
    }

    /// The configuration's value at `step`: the mean over its seeds of each seed's first point at or
    /// after `step` (a seed that has not reached `step` does not count). Nil before any seed has.
    func value(of c: String, at step: Int) -> Double? {
        let values = (curves[c] ?? [:]).values.compactMap { points -> Double? in
            points.keys.filter { $0 >= step }.min().flatMap { points[$0] }
        }
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    private func isWorse(_ a: Double, than b: Double) -> Bool { goal.isBetter(b, than: a) || (a.isNaN && !b.isNaN) }

    private mutating func asha(_ c: String, group g: String, step: Int) -> [StoppingDecision] {
        var out: [StoppingDecision] = []
        for rung in rungSteps(upTo: budget.map { min(step, $0 - 1) } ?? step) {
            guard let mean = value(of: c, at: rung) else { continue }
            // Keep the record current as more seeds reach the rung: later decisions of others use it.
            rungs[g, default: [:]][rung, default: [:]][c] = mean
            // A stopped configuration's values still count in the records that others are compared with.
            guard !stopped.contains(c), decided[c, default: []].insert(rung).inserted else { continue }
            let recorded = Array((rungs[g]?[rung] ?? [:]).values)
            let better = recorded.filter { isWorse(mean, than: $0) }.count
            let keep = max(1, Int((Double(recorded.count) / spec.reduction).rounded(.up)))
            let promoted = better < keep
            out.append(decide(c, group: g, step: rung, value: mean, promoted: promoted, detail: promoted
                ? "rung \(rung): rank \(better + 1) of \(recorded.count), in the best \(keep)"
                : "rung \(rung): rank \(better + 1) of \(recorded.count), not in the best \(keep)"))
            if !promoted { break }
        }
        return out
    }

    private mutating func median(_ c: String, group g: String, step: Int) -> [StoppingDecision] {
        guard decided[c, default: []].insert(step).inserted, let current = value(of: c, at: step) else { return [] }
        let own = meanCurve(c).filter { $0.key <= step }.values
        guard let best = own.min(by: { goal.isBetter($0, than: $1) }) else { return [] }
        let others = (members[g] ?? []).subtracting([c]).compactMap { other -> Double? in
            // Only configurations that have reached this step count, with their average up to it.
            guard (curves[other] ?? [:]).values.contains(where: { $0.keys.contains { $0 >= step } }) else { return nil }
            let upTo = meanCurve(other).filter { $0.key <= step }.values
            return upTo.isEmpty ? nil : upTo.reduce(0, +) / Double(upTo.count)
        }
        guard others.count >= 2 else { return [] }
        let sorted = others.sorted()
        let mid = sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        guard isWorse(best, than: mid) else { return [] }
        return [decide(c, group: g, step: step, value: current, promoted: false,
                       detail: "step \(step): best \(best) worse than the median \(mid) of \(others.count) others")]
    }

    /// Mean over seeds at each step any seed reported.
    private func meanCurve(_ c: String) -> [Int: Double] {
        var sums: [Int: (Double, Int)] = [:]
        for points in (curves[c] ?? [:]).values {
            for (s, v) in points { sums[s, default: (0, 0)].0 += v; sums[s, default: (0, 0)].1 += 1 }
        }
        return sums.mapValues { $0.0 / Double($0.1) }
    }

    private mutating func decide(_ c: String, group g: String, step: Int, value: Double, promoted: Bool,
                                 detail: String) -> StoppingDecision {
        let d = StoppingDecision(configuration: c, group: g, step: step, value: value, promoted: promoted,
                                 detail: detail)
        decisions.append(d)
        if !promoted { stopped.insert(c) }
        return d
    }

    /// Restores decisions made before a restart (stopped configurations stay stopped; decided rungs
    /// are not decided again).
    public mutating func restore(_ previous: [StoppingDecision]) {
        for d in previous {
            decided[d.configuration, default: []].insert(d.step)
            members[d.group, default: []].insert(d.configuration)
            if !d.promoted { stopped.insert(d.configuration) }
            decisions.append(d)
        }
    }
}
