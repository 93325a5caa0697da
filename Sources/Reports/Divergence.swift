import Foundation
import SweepKit

/// Divergence as a result: per optimizer and cell, how much of its rate grid diverged and the largest
/// rate at which every seed stayed finite.
public struct Divergence: Sendable, Hashable, Codable {
    public var dataset: String
    public var model: String
    public var optimizer: String
    /// Configurations with an outcome (a finished or a diverged seed).
    public var configurations: Int
    /// Configurations where at least one seed diverged.
    public var diverged: Int
    /// diverged / configurations.
    public var fraction: Double
    /// Seeds that diverged, over all its configurations.
    public var divergedSeeds: Int
    /// The largest initial LR whose seeds all finished without diverging; nil when none did.
    public var largestStableLR: Double?

    enum CodingKeys: String, CodingKey {
        case dataset, model, optimizer, configurations, diverged, fraction
        case divergedSeeds = "diverged_seeds", largestStableLR = "largest_stable_lr"
    }

    /// Every optimizer of every cell. Pruned configurations and those without an outcome (only failed,
    /// cancelled or pending seeds) say nothing about divergence and are left out.
    public static func analyse(_ aggregates: [Aggregate]) -> [Divergence] {
        var keys: [String] = []
        var groups: [String: [Aggregate]] = [:]
        for a in aggregates where !a.isPruned && (a.n > 0 || a.diverged > 0) {
            let k = [a.dataset, a.model, a.label].joined(separator: "\u{1F}")
            if groups[k] == nil { keys.append(k) }
            groups[k, default: []].append(a)
        }
        return keys.compactMap { k in
            guard let grid = groups[k], let first = grid.first else { return nil }
            let diverged = grid.filter { $0.diverged > 0 }.count
            let stable = grid.filter { $0.diverged == 0 && $0.n > 0 && $0.lr.isFinite }.map(\.lr).max()
            return Divergence(dataset: first.dataset, model: first.model, optimizer: first.label,
                              configurations: grid.count, diverged: diverged,
                              fraction: Double(diverged) / Double(grid.count),
                              divergedSeeds: grid.map(\.diverged).reduce(0, +), largestStableLR: stable)
        }
    }

    /// Header and rows of the divergence table, shared by the Markdown, HTML and LaTeX reports.
    static func columns(_ rows: [Divergence]) -> (header: [String], rows: [[String]]) {
        (["dataset · model", "optimizer", "configurations", "diverged", "fraction", "diverged seeds",
          "largest stable lr"],
         rows.map { d in
             ["\(d.dataset) · \(d.model)", d.optimizer, "\(d.configurations)", "\(d.diverged)",
              String(format: "%.0f %%", 100 * d.fraction), "\(d.divergedSeeds)",
              d.largestStableLR.map(Format.lr) ?? "none"]
         })
    }
}
