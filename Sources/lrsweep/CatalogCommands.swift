import ArgumentParser
import Foundation
import SweepKit
import Training

struct OptimizersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimizers",
        abstract: "List the built-in optimizers and schedules with their options (the keys of a spec's `optimizers:`).")

    @Flag(name: .long, help: "Machine-readable: [{name, summary, options: [{name, type, default, min, max, help}]}].")
    var json = false

    struct OptionJSON: Encodable { var name, type: String; var `default`: ParamValue?; var min, max: Double?; var help: String }
    struct MethodJSON: Encodable { var name, summary: String; var options: [OptionJSON] }

    func run() throws {
        let catalog = Catalog.builtin
        if json {
            printJSONLine(catalog.optimizers.map { m in
                MethodJSON(name: m.name, summary: m.summary, options: m.options.map {
                    OptionJSON(name: $0.name, type: $0.type.description, default: $0.defaultValue, min: $0.min,
                               max: $0.max, help: $0.help)
                })
            })
            return
        }
        print("Optimizers (set options per optimizer in a spec's `optimizers:` section, or --opt KEY=VALUE):\n")
        describe(catalog.optimizers)
        print("Schedules (train: {schedule: NAME, schedule_options: {...}}):\n")
        describe(catalog.schedules)
    }

    private func describe(_ methods: [MethodDescriptor]) {
        for m in methods {
            print("  \(m.name)  —  \(m.summary)")
            for o in m.options {
                var line = "      \(o.name) (\(o.type))"
                if let d = o.defaultValue { line += " default \(d)" }
                if o.min != nil || o.max != nil {
                    line += " in [\(o.min.map { "\($0)" } ?? "-∞"), \(o.max.map { "\($0)" } ?? "∞")]"
                }
                print(line + ": \(o.help)")
            }
            print("")
        }
    }
}

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "List the built-in models.")

    func run() throws {
        let catalog = Catalog.builtin
        for m in catalog.models { print(m) }
        for s in catalog.sizedModels { print("\(s)-N[-N…]  (hidden sizes, e.g. \(s)-256-128)") }
    }
}

struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets", abstract: "List the datasets and whether this machine has them.")

    func run() throws {
        let locator = DataLocator()
        let present = Set(locator.available())
        for d in Catalog.builtin.datasets {
            print("\(d)\(present.contains(d) ? "" : "  (not found: run `make setup`)")")
        }
        print("\nLooked in: \(locator.roots.joined(separator: ", "))")
    }
}
