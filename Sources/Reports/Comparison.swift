import Foundation
import SweepKit

/// One report over several sweeps (`lrsweep compare`): their trials in one `ReportData`, so every
/// renderer and statistic works on it unchanged.
///
/// Cells match by dataset × model. An optimizer name used by more than one sweep is labelled with its
/// sweep (`adam [sweep-a]`, `adam [sweep-b]`), so the same method run twice stays two rows; names used by
/// one sweep only keep their name.
public enum Comparison {
    /// The merged data of `sweeps` (folder, data), in order.
    /// - Throws: `ReportError` when fewer than two sweeps are given, or their metrics or goals differ.
    public static func merge(_ sweeps: [(dir: String, data: ReportData)]) throws -> ReportData {
        guard sweeps.count > 1 else { throw ReportError("compare needs at least two sweep folders") }
        let first = sweeps[0]
        for s in sweeps.dropFirst() {
            if s.data.metric != first.data.metric {
                throw ReportError("cannot compare \(first.dir) and \(s.dir): they rank by different metrics "
                    + "(\(first.data.metric) and \(s.data.metric)); pass --metric NAME to rank both by the same one")
            }
            if s.data.goal != first.data.goal {
                throw ReportError("cannot compare \(first.dir) and \(s.dir): \(first.data.metric) is to be "
                    + "\(first.data.goal.rawValue)d in one and \(s.data.goal.rawValue)d in the other")
            }
        }
        let names = labels(sweeps)
        var owners: [String: Set<Int>] = [:]
        for (i, s) in sweeps.enumerated() {
            for t in s.data.trials { owners[t.parameters.optimizer ?? "-", default: []].insert(i) }
        }
        var trials: [TrialRecord] = []
        var curves: [String: [String: [CurvePoint]]] = [:]
        for (i, s) in sweeps.enumerated() {
            for t in s.data.trials {
                var t2 = t
                let optimizer = t.parameters.optimizer ?? "-"
                if (owners[optimizer]?.count ?? 0) > 1 { t2.parameters["optimizer"] = .string("\(optimizer) [\(names[i])]") }
                // Trial ids hash the sweep name, but two copies of one sweep would share them.
                t2.id = "\(i + 1):\(t.id)"
                t2.index = trials.count
                curves[t2.id] = s.data.curves[t.id]
                trials.append(t2)
            }
        }
        return ReportData(sweepName: names.joined(separator: " + "), metric: first.data.metric,
                          goal: first.data.goal, trials: trials, curves: curves)
    }

    /// A label per sweep: its name, or its folder's name where two sweeps share a name, or its position.
    static func labels(_ sweeps: [(dir: String, data: ReportData)]) -> [String] {
        let names = sweeps.map(\.data.sweepName)
        let folders = sweeps.map { URL(fileURLWithPath: $0.dir).standardizedFileURL.lastPathComponent }
        let chosen = names.enumerated().map { i, n in names.filter { $0 == n }.count > 1 ? folders[i] : n }
        return chosen.enumerated().map { i, n in chosen.filter { $0 == n }.count > 1 ? "\(n) #\(i + 1)" : n }
    }
}
