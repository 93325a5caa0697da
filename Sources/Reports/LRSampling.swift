import Foundation
import SweepKit

/// How the sweep chose its learning rates, which decides how the report draws them.
///
/// A grid sweep tries a few rates, usually decades apart: the LR-sensitivity chart joins them with a
/// line and the heatmap has one column per rate. A random or Sobol sweep draws many distinct rates:
/// the chart becomes a scatter on a log axis with a running median per optimizer, and the heatmap bins
/// the rates by decade.
///
/// The rule, in this order:
/// 1. The spec has a `search:` section: the rates are sampled when its method is `random` or `sobol` and
///    the grid's `lr` is a numeric distribution (`lr: {log_uniform: […]}`); with `grid`, or an `lr` list
///    under random search (which draws other axes only), they are a grid.
/// 2. No `search:` section (older specs, or no spec text in the store): the rates count as sampled when
///    some optimizer, within one dataset × model cell, has more than ``gridLimit`` distinct rates. Past
///    that a one-column-per-rate heatmap no longer fits the page (12 × 92 px), and no sensible grid
///    (1-2-5 per decade over four decades is 12 rates) is larger.
///
/// Keys other than `lr` that the spec draws from a numeric distribution (e.g. `sgd-hd.hyper_lr`) are
/// `tunedKeys`: they are part of a configuration but, like `lr`, not of the optimizer's label, so each
/// optimizer is ranked at its best drawn configuration instead of once per drawn value.
public struct LRSampling: Sendable, Hashable, Codable {
    /// `grid`, `random` or `sobol` from the spec; nil when the spec does not say.
    public var method: String?
    /// `asha` or `median` when the spec stops configurations early; nil otherwise.
    public var earlyStopping: String?
    /// True when the rates are drawn rather than a small grid.
    public var sampled: Bool
    /// Why `sampled` is what it is, in words (for the report's methods list).
    public var rule: String
    /// Distribution axes other than `lr` (sorted).
    public var tunedKeys: [String]

    enum CodingKeys: String, CodingKey {
        case method, sampled, rule
        case earlyStopping = "early_stopping", tunedKeys = "tuned_keys"
    }

    /// More distinct rates than this, for one optimizer in one cell, count as sampled (rule 2).
    public static let gridLimit = 12

    public init(method: String?, earlyStopping: String?, sampled: Bool, rule: String, tunedKeys: [String]) {
        self.method = method
        self.earlyStopping = earlyStopping
        self.sampled = sampled
        self.rule = rule
        self.tunedKeys = tunedKeys
    }

    /// How `trials` of a sweep whose spec is `specText` chose their rates.
    static func of(specText: String, trials: [TrialRecord]) -> LRSampling {
        let outline = SpecOutline(specText: specText)
        let tuned = outline.distributionKeys.filter { !Aggregation.configurationKeys.contains($0) }.sorted()
        if let method = outline.searchMethod {
            let drawn = method != "grid" && outline.distributionKeys.contains("lr")
            let rule = drawn
                ? "the spec draws `lr` by \(method) search"
                : method == "grid" ? "the spec searches a grid" : "the spec lists `lr` values under \(method) search"
            return LRSampling(method: method, earlyStopping: outline.earlyStopping, sampled: drawn, rule: rule,
                              tunedKeys: method == "grid" ? [] : tuned)
        }
        var rates: [String: Set<Double>] = [:]
        for t in trials {
            let k = Aggregation.Key(t.parameters, tunedKeys: [])
            rates[[k.dataset, k.model, k.optimizer, k.variant].joined(separator: "\u{1F}"), default: []].insert(k.lr)
        }
        let most = rates.values.map(\.count).max() ?? 0
        let sampled = most > gridLimit
        return LRSampling(method: nil, earlyStopping: outline.earlyStopping, sampled: sampled,
                          rule: "the spec names no search method; an optimizer has \(most) distinct rate"
                              + (most == 1 ? "" : "s") + (sampled ? " (more than " : " (at most ") + "\(gridLimit))",
                          tunedKeys: [])
    }
}
