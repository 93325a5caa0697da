import Foundation
import Testing
import SweepKit
import Training

@Suite("Optimizer and schedule registries")
struct OptimizerRegistryTests {
    static let optimizers = ["sgd", "momentum", "sgdn", "adam", "adamw", "rmsprop", "sgd-hd", "sgdn-hd", "adam-hd",
                             "salr", "autodrop"]

    @Test("every method of the issue is registered")
    func names() {
        #expect(Array(OptimizerRegistry.all.map(\.name).prefix(11)) == Self.optimizers)
        #expect(ScheduleRegistry.all.map(\.name) == ["constant", "step", "multistep", "exponential", "cosine",
                                                     "plateau", "warmup"])
    }

    @Test("every optimizer builds from its defaults and takes finite steps, reporting lr",
          arguments: optimizers)
    func defaults(name: String) throws {
        let opt = try OptimizerRegistry.make(name: name, lr: 1e-2, context: context(weightDecay: 1e-4,
                                                                                     stepsPerEpoch: 2))
        let h = OptimizerHarness([[0.5, -0.25, 1], [0.1, 0.2]], layers: [0, 0])
        for t in 0..<12 {
            let s = Float(t % 3) - 1
            h.step(opt, [[s, 1, -0.5], [0.3, s * 2]])
        }
        #expect(h.x.allSatisfy { $0.isFinite })
        #expect(opt.metrics["lr"].map { $0 > 0 && $0.isFinite } == true)
    }

    @Test("declared defaults follow ALGORITHMS.md")
    func declaredDefaults() throws {
        func value(_ method: String, _ option: String) -> ParamValue? {
            OptimizerRegistry.descriptor(named: method)?.option(named: option)?.defaultValue
        }
        #expect(value("sgd-hd", "hyper_lr") == .double(1e-3))
        #expect(value("sgdn-hd", "hyper_lr") == .double(1e-3))
        #expect(value("sgdn-hd", "momentum") == .double(0.9))
        #expect(value("adam-hd", "hyper_lr") == .double(1e-7))
        #expect(value("adam-hd", "beta2") == .double(0.999))
        #expect(value("autodrop", "drop_factor") == .double(0.2))
        #expect(value("autodrop", "nesterov") == .bool(true))
        #expect(value("sgd-hd", "lr_bounds") == nil)
        let options = try #require(OptimizerRegistry.descriptor(named: "salr")).options.map(\.name)
        #expect(options == ["hyper_lr_global", "hyper_lr_layer", "hyper_lr_element", "pull", "lr_bounds", "base"])
    }

    @Test("an option outside its range throws with the option's name", arguments: [
        ("momentum", "momentum", ParamValue.double(1.5)),
        ("adam-hd", "beta1", ParamValue.double(-0.1)),
        ("autodrop", "extra_periods", ParamValue.int(-1)),
        ("sgd-hd", "hyper_lr", ParamValue.string("fast")),
        ("sgd-hd", "lr_bounds", ParamValue.list([.double(1), .double(0.1)])),
        ("salr", "base", ParamValue.string("rmsprop")),
        ("sgd-hd", "hyper_lr", ParamValue.double(1.5)),  // with multiplicative below
    ])
    func outOfRange(method: String, option: String, value: ParamValue) {
        var options = [option: value]
        if case .double(1.5) = value, option == "hyper_lr" { options["multiplicative"] = .bool(true) }
        do {
            _ = try OptimizerRegistry.make(name: method, lr: 0.1, options: options, context: noDecay)
            Issue.record("\(method) accepted \(option) = \(value)")
        } catch let error as OptimizerError {
            #expect(error.description.contains(option))
            #expect(error.errorDescription == error.description)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("unknown names and options throw readable errors")
    func unknown() {
        #expect(throws: OptimizerError.unknownOption(method: "sgd", option: "momentum", known: [])) {
            _ = try OptimizerRegistry.make(name: "sgd", lr: 0.1, options: ["momentum": .double(0.9)],
                                           context: noDecay)
        }
        do {
            _ = try OptimizerRegistry.make(name: "adagrad", lr: 0.1, context: noDecay)
            Issue.record("made adagrad")
        } catch {
            #expect("\(error)".contains("adagrad") && "\(error)".contains("adam-hd"))
        }
        #expect(throws: OptimizerError.self) { _ = try ScheduleRegistry.make(name: "linear", context: noDecay) }
        #expect(throws: OptimizerError.self) { _ = try OptimizerRegistry.make(name: "sgd", lr: 0, context: noDecay) }
        #expect(throws: OptimizerError.self) {
            _ = try OptimizerRegistry.make(name: "sgd", lr: .nan, context: noDecay)
        }
    }

    @Test("every declared default passes its own validation")
    func defaultsValid() {
        let mine = OptimizerRegistry.all.filter { Self.optimizers.contains($0.name) }
        for method in mine + ScheduleRegistry.all {
            for option in method.options {
                guard let d = option.defaultValue, option.name != "milestones" else { continue }
                #expect(option.problem(with: d) == nil, "\(method.name).\(option.name)")
                #expect(!option.help.isEmpty)
            }
        }
    }
}
