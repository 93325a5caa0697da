import Foundation
import SweepKit

/// Everything a report shows, computed once from `ReportData` and shared by every renderer.
///
/// It is also the JSON document (`report --format json`, `results.json`): `sweep`, `trials`
/// [{id, parameters, status, attempts, metrics, curve, stopped_step}], `aggregates` and `ranking`, plus
/// `wins`, `sensitivity`, `time_to_target`, `methods`, `decisions` (early stopping's, in order), `compute`
/// {steps_trained, steps_full_budget, fraction, …} and `lr_sampling`. Decoding that JSON gives this type
/// back (also from files written before the last four existed), so the HTML and Markdown reports can be
/// rebuilt from `results.json` alone.
public struct Report: Sendable, Codable {
    /// The sweep: its name, ranking metric and goal, and how many trials ended in each status.
    public struct Sweep: Sendable, Hashable, Codable {
        public var name: String
        public var metric: String
        public var goal: Goal
        /// Trials per status (`done`, `diverged`, `failed`, `pruned`, `cancelled`, `pending`, `running`).
        public var counts: [String: Int]
    }

    /// One trial with its final metrics and its curves.
    public struct TrialEntry: Sendable, Hashable, Codable {
        public var id: String
        public var parameters: Parameters
        public var status: TrialStatus
        public var attempts: Int
        public var metrics: [String: Double]
        public var reason: String?
        /// Wall-clock seconds of the last attempt, when the store recorded them.
        public var seconds: Double?
        /// Metric name → [[step, value]] in step order (NaN where the value was not finite).
        public var curve: [String: [[Double]]]
        /// Where early stopping stopped it (`pruned` trials); absent otherwise.
        public var stoppedStep: Int?

        enum CodingKeys: String, CodingKey {
            case id, parameters, status, attempts, metrics, reason, seconds, curve
            case stoppedStep = "stopped_step"
        }
    }

    public var sweep: Sweep
    public var trials: [TrialEntry]
    public var aggregates: [Aggregate]
    public var ranking: [RankedCell]
    public var wins: [WinCount]
    public var sensitivity: [Sensitivity]
    public var timeToTarget: [TargetReach]
    /// The statistical methods, in words; every renderer prints them.
    public var methods: [String]
    /// Early stopping's decisions in the order they were made (empty without early stopping).
    public var decisions: [Decision]
    /// Training steps used against the full budget.
    public var compute: Compute
    /// Whether the learning rates were a grid or drawn, and why.
    public var lrSampling: LRSampling
    /// Expected best result after k configurations, per optimizer and cell (``ExpectedBest``).
    public var tuningBudget: [TuningBudget] = []
    /// Mean rank, pairwise record and performance profile over all cells.
    public var overall: Overall = .empty
    /// How much of each optimizer's rate grid diverged.
    public var divergence: [Divergence] = []

    enum CodingKeys: String, CodingKey {
        case sweep, trials, aggregates, ranking, wins, sensitivity, methods, decisions, compute
        case timeToTarget = "time_to_target", lrSampling = "lr_sampling", tuningBudget = "tuning_budget"
        case overall, divergence
    }

    /// Computes the report of `data`.
    public init(_ data: ReportData) {
        let sampling = LRSampling.of(specText: data.specText, trials: data.trials)
        let aggregates = Aggregation.aggregate(data, tunedKeys: Set(sampling.tunedKeys))
        let ranking = Ranking.rank(aggregates, goal: data.goal)
        var counts: [String: Int] = [:]
        for t in data.trials { counts[t.status.rawValue, default: 0] += 1 }
        sweep = Sweep(name: data.sweepName, metric: data.metric, goal: data.goal, counts: counts)
        trials = data.trials.map { t in
            TrialEntry(id: t.id, parameters: t.parameters, status: t.status, attempts: t.attempts,
                       metrics: t.metrics, reason: t.reason, seconds: t.seconds,
                       curve: (data.curves[t.id] ?? [:]).mapValues { $0.map { [Double($0.step), $0.value] } },
                       stoppedStep: t.stoppedStep)
        }
        decisions = data.decisions
        compute = Compute.of(trials, decisions: data.decisions)
        lrSampling = sampling
        self.aggregates = aggregates
        self.ranking = ranking
        wins = Ranking.wins(ranking)
        sensitivity = Sensitivity.analyse(aggregates, goal: data.goal)
        timeToTarget = []
        methods = Self.methodStatements(metric: data.metric, goal: data.goal, seeds: aggregates.map(\.seeds),
                                        sampling: sampling, pruned: aggregates.contains(where: \.isPruned))
        timeToTarget = TargetReach.analyse(self)
        divergence = Divergence.analyse(aggregates)
        tuningBudget = ExpectedBest.curves(self)
        overall = Overall.of(ranking, goal: data.goal, values: seedValues)
    }

    /// The trials of a configuration (all statuses), in sweep order.
    public func trials(of a: Aggregate) -> [TrialEntry] {
        let tuned = Set(lrSampling.tunedKeys)
        return trials.filter { Aggregation.Key($0.parameters, tunedKeys: tuned).matches(a) }
    }

    /// The aggregates of one dataset × model cell.
    public func aggregates(in cell: CellKey) -> [Aggregate] { aggregates.filter { $0.cell == cell } }

    /// The method statements printed under every report.
    static func methodStatements(metric: String, goal: Goal, seeds: [Int], sampling: LRSampling,
                                 pruned: Bool) -> [String] {
        let direction = goal == .minimize ? "lower" : "higher"
        let maxSeeds = seeds.max() ?? 0
        var out = [
            "Metric: final `\(metric)` of each trial (\(direction) is better). Statistics use the seeds that "
                + "finished (n); diverged and failed seeds are counted in their own columns, never averaged, "
                + "and a configuration with any diverged seed is marked †.",
            "Spread: mean ± sample standard deviation (n − 1 denominator). 95 % confidence interval: "
                + "mean ± t(0.975, n − 1) · s / √n (Student t, assuming normally distributed seeds); none for n < 2.",
            "Ranking: per dataset × model, each optimizer at the initial LR with the best mean. Each is compared "
                + "with the winner by Welch's unequal-variances t-test (two-sided, 5 % level, Welch–Satterthwaite "
                + "degrees of freedom, t CDF via the regularized incomplete beta function); ≈ marks entries not "
                + "significantly different from the winner, ? entries that cannot be tested (n < 2).",
            "LR sensitivity: the gap between the metric at the best and the worst initial LR; robustness is the "
                + "median gap to the best over the LR grid (best included; an LR whose seeds all diverged counts "
                + "as an infinite gap). Smaller is more robust.",
            "Time to target: the target is the worst ranked optimizer's best mean, so every ranked optimizer "
                + "reaches it; steps (and seconds, from the `seconds` curve) are read from the mean curve over "
                + "finished seeds at the optimizer's best LR, at the first evaluation that reaches the target.",
            "Compute: steps trained is the sum over trials of the last step of each trial's curve (or the step "
                + "where early stopping stopped it); the full budget is every trial run to the largest step any "
                + "finished trial reached.",
        ]
        out.append("Tuning budget: the expected best configuration mean after k configurations drawn at random "
            + "without replacement from an optimizer's tried ones, E = Σᵢ v₍ᵢ₎ · C(i − 1, k − 1) / C(N, k) over its N "
            + "configuration means sorted from worst to best (Dodge et al., EMNLP 2019); a configuration whose every "
            + "seed diverged counts as the worst configuration mean of its cell; beyond its own N an optimizer keeps "
            + "its best. Band: 2.5–97.5 % percentiles over \(ExpectedBest.resamples) resamples of each "
            + "configuration's seeds (with replacement, seeded: the same numbers on every run).")
        out.append("All tasks: mean rank over the cells an optimizer was ranked in (rank 1 best, equal means share "
            + "their average rank), interval from \(Overall.resamples) seed resamples of each optimizer's best "
            + "configuration (2.5–97.5 %); win / tie / loss per pair of optimizers at their best LRs by Welch's "
            + "test at 5 % (untestable pairs, n < 2, count as ties); performance profile (Dolan & Moré 2002): "
            + "ρ(τ) = fraction of cells where the optimizer's mean is within a factor τ of the cell's best "
            + "(ratio value / best, or best / value for a metric to maximise; cells with non-positive values "
            + "are left out).")
        out.append("Divergence: per optimizer, the configurations with any diverged seed over those with an "
            + "outcome, and the largest initial LR whose seeds all finished.")
        if pruned {
            out.append("Early stopping: pruned seeds are never averaged, and a configuration with any pruned seed "
                + "is never ranked (it did not train every seed to the full budget); the full table keeps the mean "
                + "of its finished seeds, if any, while the heatmap and the LR-sensitivity chart show it as pruned, "
                + "with the furthest step its seeds reached. Cancelled seeds count like failed ones.")
        }
        if sampling.sampled {
            out.append("Sampled learning rates (\(sampling.rule)): the LR-sensitivity chart plots every "
                + "configuration on a log axis with a running median per optimizer (a window centred on each "
                + "configuration by rate, max(3, n/5) of its n configurations wide, rounded up to odd); the best LR "
                + "is the best configuration's rate, and the heatmap shows the best configuration per decade of "
                + "rates.")
        }
        if !sampling.tunedKeys.isEmpty {
            out.append("Drawn option axes (" + sampling.tunedKeys.map { "`\($0)`" }.joined(separator: ", ")
                + ") are part of each configuration, like `lr`: each optimizer is ranked at its best drawn "
                + "configuration.")
        }
        if maxSeeds < 5 {
            out.append("Caution: at most \(maxSeeds) seed\(maxSeeds == 1 ? "" : "s") per configuration. With so few "
                + "seeds the t-test has little power (a real difference often shows as ≈) and the intervals are wide.")
        }
        return out
    }
}

extension Report {
    /// Decodes a report, also from `results.json` files written before `decisions`, `compute` and
    /// `lr_sampling` existed (they read as no decisions, the compute of the trials, and a grid).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sweep = try c.decode(Sweep.self, forKey: .sweep)
        trials = try c.decode([TrialEntry].self, forKey: .trials)
        aggregates = try c.decode([Aggregate].self, forKey: .aggregates)
        ranking = try c.decode([RankedCell].self, forKey: .ranking)
        wins = try c.decode([WinCount].self, forKey: .wins)
        sensitivity = try c.decode([Sensitivity].self, forKey: .sensitivity)
        timeToTarget = try c.decode([TargetReach].self, forKey: .timeToTarget)
        methods = try c.decode([String].self, forKey: .methods)
        decisions = try c.decodeIfPresent([Decision].self, forKey: .decisions) ?? []
        compute = try c.decodeIfPresent(Compute.self, forKey: .compute) ?? Compute.of(trials, decisions: decisions)
        lrSampling = try c.decodeIfPresent(LRSampling.self, forKey: .lrSampling)
            ?? LRSampling(method: nil, earlyStopping: nil, sampled: false, rule: "not recorded", tunedKeys: [])
        // Files written before these existed: recomputed from the trials and aggregates they hold.
        divergence = try c.decodeIfPresent([Divergence].self, forKey: .divergence) ?? Divergence.analyse(aggregates)
        tuningBudget = try c.decodeIfPresent([TuningBudget].self, forKey: .tuningBudget) ?? ExpectedBest.curves(self)
        overall = try c.decodeIfPresent(Overall.self, forKey: .overall)
            ?? Overall.of(ranking, goal: sweep.goal, values: seedValues)
    }
}
