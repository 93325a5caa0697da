import Foundation

/// A metric curve summarised over seeds: at each evaluation step the mean, the minimum and maximum,
/// and the sample standard deviation of the seeds' values.
///
/// Only steps that every seed evaluated are kept, so the mean at a step always averages the same seeds
/// (seeds of one configuration evaluate at the same steps; a shorter curve would otherwise bias the tail).
public struct SeedBand: Sendable, Hashable {
    public var steps: [Double]
    public var mean: [Double]
    public var min: [Double]
    public var max: [Double]
    public var std: [Double]
    /// How many seeds the band summarises.
    public var seeds: Int

    public var isEmpty: Bool { steps.isEmpty }

    /// The band of `metric` over the finished (`done`) trials among `trials`; nil if none has that curve.
    public static func of(_ trials: [Report.TrialEntry], metric: String) -> SeedBand? {
        let curves = trials.filter { $0.status == .done }.compactMap { $0.curve[metric] }.filter { !$0.isEmpty }
        guard !curves.isEmpty else { return nil }
        var byStep: [Double: [Double]] = [:]
        for curve in curves {
            for point in curve where point.count == 2 && point[1].isFinite {
                byStep[point[0], default: []].append(point[1])
            }
        }
        let steps = byStep.filter { $0.value.count == curves.count }.keys.sorted()
        guard !steps.isEmpty else { return nil }
        var band = SeedBand(steps: steps, mean: [], min: [], max: [], std: [], seeds: curves.count)
        for s in steps {
            let v = byStep[s] ?? []
            band.mean.append(Statistics.mean(v))
            band.min.append(v.min() ?? .nan)
            band.max.append(v.max() ?? .nan)
            band.std.append(Statistics.sampleStandardDeviation(v))
        }
        return band
    }

    /// True if some seed's curve of `metric` is not constant (relative change above 1e-9): the optimizer or
    /// its schedule adapted the learning rate.
    public static func varies(_ trials: [Report.TrialEntry], metric: String) -> Bool {
        for t in trials {
            let values = (t.curve[metric] ?? []).compactMap { $0.count == 2 ? $0[1] : nil }.filter(\.isFinite)
            guard let lo = values.min(), let hi = values.max() else { continue }
            if hi - lo > 1e-9 * Swift.max(abs(hi), abs(lo), 1e-300) { return true }
        }
        return false
    }
}
