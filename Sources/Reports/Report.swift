import Foundation
import SweepKit

/// Everything a report shows, computed once from `ReportData` and shared by every renderer.
///
/// It is also the JSON document (`report --format json`, `results.json`): `sweep`, `trials`
/// [{id, parameters, status, attempts, metrics, curve}], `aggregates` and `ranking`, plus `wins`,
/// `sensitivity`, `time_to_target` and `methods`. Decoding that JSON gives this type back, so the
/// HTML and Markdown reports can be rebuilt from `results.json` alone.
public struct Report: Sendable, Codable {
    /// The sweep: its name, ranking metric and goal, and how many trials ended in each status.
    public struct Sweep: Sendable, Hashable, Codable {
        public var name: String
        public var metric: String
        public var goal: Goal
        /// Trials per status (`done`, `diverged`, `failed`, `pending`, `running`).
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

    enum CodingKeys: String, CodingKey {
        case sweep, trials, aggregates, ranking, wins, sensitivity, methods
        case timeToTarget = "time_to_target"
    }

    /// Computes the report of `data`.
    public init(_ data: ReportData) {
        let aggregates = Aggregation.aggregate(data)
        let ranking = Ranking.rank(aggregates, goal: data.goal)
        var counts: [String: Int] = [:]
        for t in data.trials { counts[t.status.rawValue, default: 0] += 1 }
        sweep = Sweep(name: data.sweepName, metric: data.metric, goal: data.goal, counts: counts)
        trials = data.trials.map { t in
            TrialEntry(id: t.id, parameters: t.parameters, status: t.status, attempts: t.attempts,
                       metrics: t.metrics, reason: t.reason, seconds: t.seconds,
                       curve: (data.curves[t.id] ?? [:]).mapValues { $0.map { [Double($0.step), $0.value] } })
        }
        self.aggregates = aggregates
        self.ranking = ranking
        wins = Ranking.wins(ranking)
        sensitivity = Sensitivity.analyse(aggregates, goal: data.goal)
        timeToTarget = []
        methods = Self.methodStatements(metric: data.metric, goal: data.goal, seeds: aggregates.map(\.seeds))
        timeToTarget = TargetReach.analyse(self)
    }

    /// The trials of a configuration (all statuses), in sweep order.
    public func trials(of a: Aggregate) -> [TrialEntry] {
        trials.filter { t in
            let k = Aggregation.Key(t.parameters)
            return k.dataset == a.dataset && k.model == a.model && k.optimizer == a.optimizer
                && k.variant == a.variant && (k.lr == a.lr || (k.lr.isNaN && a.lr.isNaN))
        }
    }

    /// The aggregates of one dataset × model cell.
    public func aggregates(in cell: CellKey) -> [Aggregate] { aggregates.filter { $0.cell == cell } }

    /// The method statements printed under every report.
    static func methodStatements(metric: String, goal: Goal, seeds: [Int]) -> [String] {
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
        ]
        if maxSeeds < 5 {
            out.append("Caution: at most \(maxSeeds) seed\(maxSeeds == 1 ? "" : "s") per configuration. With so few "
                + "seeds the t-test has little power (a real difference often shows as ≈) and the intervals are wide.")
        }
        return out
    }
}
