import Foundation
import Testing
import SweepKit
import Training

@Suite("The optimizer comparison sweeps validate against the built-in catalog")
struct OptimizerSweepFilesTests {
    static let sweeps: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sweeps")

    @Test("each spec parses, and has the trial count its comment block budgets for", arguments: [
        ("hypergradient.yaml", 96), ("autodrop.yaml", 24), ("salr.yaml", 48), ("all-methods.yaml", 132),
    ])
    func parses(file: String, trials: Int) throws {
        let path = Self.sweeps.appendingPathComponent(file).path
        let spec = try SweepSpec.load(path: path, catalog: .builtin)
        #expect(spec.trialCount == trials)
        // Every optimizer the spec configures builds with those options.
        for (name, options) in spec.optimizers {
            let c = OptimizerContext(stepsPerEpoch: 100, totalSteps: 1000, weightDecay: spec.train.weightDecay)
            _ = try OptimizerRegistry.make(name: name, lr: 1e-2, options: options, context: c)
        }
        let c = OptimizerContext(stepsPerEpoch: 100, totalSteps: 1000, weightDecay: 0)
        for schedule in spec.grid.first(where: { $0.key == "schedule" })?.values.compactMap(\.stringValue)
            ?? [spec.train.schedule] {
            _ = try ScheduleRegistry.make(name: schedule, options: spec.train.scheduleOptions, context: c)
        }
    }
}
