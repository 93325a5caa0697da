import SweepKit
import SweepTesting
import Testing
import Training

@Suite("The spec fixtures use the built-in catalog")
struct FixtureCatalogTests {
    @Test("Fixtures.catalog lists exactly the optimizers Training declares, with their options, defaults and ranges")
    func optimizersAreTheRealOnes() throws {
        let fixture = Fixtures.catalog.optimizers
        #expect(fixture.map(\.name) == OptimizerRegistry.all.map(\.name))
        for real in OptimizerRegistry.all {
            let method = try #require(Fixtures.catalog.optimizer(named: real.name))
            #expect(method.options.map(\.name) == real.options.map(\.name), "optimizer '\(real.name)'")
            for option in real.options {
                let copy = try #require(method.option(named: option.name))
                let label = "\(real.name).\(option.name)"
                #expect(copy.defaultValue == option.defaultValue, "default of \(label)")
                #expect(copy.min == option.min, "min of \(label)")
                #expect(copy.max == option.max, "max of \(label)")
                #expect(copy.type == option.type, "type of \(label)")
            }
            #expect(method == real, "optimizer '\(real.name)' differs from its declaration")
        }
    }

    @Test("Fixtures.catalog lists exactly Training's schedules, models and datasets")
    func restIsTheRealOne() {
        #expect(Fixtures.catalog.schedules == ScheduleRegistry.all)
        #expect(Fixtures.catalog.models == ModelFactory.names)
        #expect(Fixtures.catalog.sizedModels == ModelFactory.sizedNames)
        #expect(Fixtures.catalog.datasets == Catalog.builtin.datasets)
        #expect(Fixtures.catalog.datasets == ["fashion-mnist", "mnist", "cifar10", "synthetic"])
    }

    @Test("an out-of-range autodrop drop_factor is reported at the value with the declared lower bound")
    func autodropDropFactorDiagnostic() {
        let yaml = """
            name: bad
            grid: {optimizer: autodrop, lr: 0.1, dataset: mnist, model: mlp}
            optimizers:
              autodrop: {drop_factor: 0}
            """
        let error = #expect(throws: SpecError.self) {
            try SweepSpec.parse(text: yaml, file: "sweeps/autodrop.yaml", catalog: Fixtures.catalog)
        }
        // drop_factor is declared with min 1e-6: at a drop θ ← min(θ/ρ, theta_max), so ρ = 0 divides by zero.
        #expect(error?.description
                    == "sweeps/autodrop.yaml:4:27: error: optimizer 'autodrop': drop_factor must be ≥ 1e-06, got 0.0")
    }

    @Test("every built-in optimizer, rl-schedule included, is accepted on the optimizer axis")
    func everyOptimizerOnTheAxis() throws {
        let names = ["sgd", "momentum", "sgdn", "adam", "adamw", "rmsprop", "sgd-hd", "sgdn-hd", "adam-hd", "salr",
                     "autodrop", "rl-schedule"]
        let spec = try SweepSpec.parse(text: """
            name: all
            grid: {optimizer: [\(names.joined(separator: ", "))], lr: 0.01, dataset: mnist, model: mlp}
            optimizers:
              rl-schedule: {controller: controller.json}
            """, file: "all.yaml", catalog: Fixtures.catalog)
        #expect(spec.grid.first { $0.key == "optimizer" }?.values == names.map(ParamValue.string))
        #expect(spec.trialCount == names.count)
        #expect(spec.optimizers["rl-schedule"] == ["controller": .string("controller.json")])
    }
}
