import SweepKit
import Wire

extension Scheduler {
    /// A trial's configuration (its parameters without the seed) and comparison group (the values of
    /// the `group_by` keys), as canonical text.
    static func identity(of p: Parameters, groupBy: [String]) -> (configuration: String, group: String, seed: Int) {
        var configuration = p
        configuration.values["seed"] = nil
        let group = Parameters(p.values.filter { groupBy.contains($0.key) })
        return (configuration.canonicalText(separator: " "), group.canonicalText(separator: " "), p.seed ?? 0)
    }

    /// Feeds the sweep's metric of a trial to early stopping and stops the configurations it decides
    /// against: their running trials are told to stop and end as `pruned`, with the curve they had;
    /// their seeds that have not started never start.
    mutating func observe(_ trialID: String, points: [MetricPoint], now: Double) -> [SchedulerAction] {
        guard stopper != nil, let id = configurations[trialID] else { return [] }
        var actions: [SchedulerAction] = []
        for point in points where point.name == metric && point.value.isFinite {
            guard let decisions = stopper?.observe(configuration: id.configuration, group: id.group, seed: id.seed,
                                                   step: point.step, value: point.value) else { continue }
            for d in decisions {
                actions.append(.recordDecision(d))
                if !d.promoted { actions += prune(configuration: d.configuration, step: d.step, detail: d.detail) }
            }
        }
        return actions
    }

    /// Replays metric points stored before a restart, in step order, so that early stopping continues
    /// with the same rung records; configurations it stops then (or had stopped) are pruned.
    public mutating func replay(_ points: [(trialID: String, point: MetricPoint)]) -> [SchedulerAction] {
        guard let stopper else { return [] }
        var actions: [SchedulerAction] = []
        for configuration in stopper.stopped {
            actions += prune(configuration: configuration, step: 0, detail: "stopped before the restart")
        }
        for (trialID, point) in points.sorted(by: { $0.point.step < $1.point.step }) {
            actions += observe(trialID, points: [point], now: 0)
        }
        return actions
    }

    private mutating func prune(configuration: String, step: Int, detail: String) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for trialID in trialsOfConfiguration[configuration] ?? [] {
            let reason = "pruned at step \(step) by \(stopper?.spec.method.rawValue ?? "early stopping"): \(detail)"
            switch states[trialID] {
            case .running(let worker, let attempt)?:
                setState(trialID, .finished(.pruned, attempts: attempt))
                workers[worker]?.leases.remove(trialID)
                actions += [.recordPrune(trialID: trialID, step: step, reason: reason),
                            .send(worker: worker, .stop(TrialRef(trialID: trialID, attempt: attempt)))]
            case .pending(let attempts)?:
                setState(trialID, .finished(.pruned, attempts: attempts))
                actions.append(.recordPrune(trialID: trialID, step: step, reason: reason))
            case .finished?, nil:
                continue
            }
        }
        return actions
    }

    /// Early stopping's decisions so far (for `status` and the report).
    public var stoppingDecisions: [StoppingDecision] { stopper?.decisions ?? [] }

    /// Early stopping in a line for `status`: the rungs decided so far, with how many configurations
    /// each promoted and stopped; nil without early stopping.
    public var stoppingSummary: String? {
        guard let stopper else { return nil }
        var byStep: [Int: (promoted: Int, stopped: Int)] = [:]
        for d in stopper.decisions {
            if d.promoted { byStep[d.step, default: (0, 0)].promoted += 1 } else { byStep[d.step, default: (0, 0)].stopped += 1 }
        }
        let rungs = byStep.sorted { $0.key < $1.key }.map { "step \($0.key): \($0.value.promoted) on, \($0.value.stopped) stopped" }
        return "\(stopper.spec.method.rawValue), \(stopper.stopped.count) configuration(s) stopped"
            + (rungs.isEmpty ? "" : " · " + rungs.joined(separator: " · "))
    }
}
