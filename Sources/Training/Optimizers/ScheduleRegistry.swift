import SweepKit

/// Every built-in learning-rate schedule by its spec name, with its declared options.
///
/// `rl-schedule` is not a schedule here: it is registered as an optimizer (an Adam child whose rate
/// the PPO controller drives, `Optimizers/RLSchedule.swift`). ``PolicySchedule`` is the seam for
/// letting a policy drive any optimizer's factor instead.
public enum ScheduleRegistry {
    struct Entry: Sendable {
        let descriptor: MethodDescriptor
        let build: @Sendable (_ options: ResolvedOptions, _ context: OptimizerContext) throws -> any Schedule
    }

    /// Options declared `.string` that really take a list of numbers (`OptionType` has no list case).
    static let numberLists: Set<String> = ["milestones"]

    static let entries: [Entry] = [
        Entry(descriptor: MethodDescriptor(name: "constant", summary: "factor 1 throughout")) { _, _ in
            ConstantSchedule()
        },
        Entry(descriptor: MethodDescriptor(
            name: "step", summary: "multiply by gamma every step_size updates: γ^⌊(t−1)/step_size⌋",
            options: [stepSizeOption("updates between drops"), gammaOption(0.1, "factor at each drop")]
        )) { o, c in
            StepSchedule(stepSize: try epochDefault(o.int("step_size"), "step", "step_size", c),
                         gamma: o.double("gamma"))
        },
        Entry(descriptor: MethodDescriptor(
            name: "multistep", summary: "multiply by gamma at each milestone, a fraction of training",
            options: [
                OptionDescriptor("milestones", .numbers, default: .list([.double(0.3), .double(0.6), .double(0.8)]),
                                 min: 0, max: 1,
                                 help: "fractions of training at which to drop, e.g. [0.3, 0.6, 0.8]"),
                gammaOption(0.1, "factor at each milestone"),
            ]
        )) { o, _ in
            MultiStepSchedule(milestones: o.numbers("milestones") ?? [], gamma: o.double("gamma"))
        },
        Entry(descriptor: MethodDescriptor(
            name: "exponential", summary: "smooth decay by gamma per step_size updates: γ^((t−1)/step_size)",
            options: [gammaOption(0.95, "factor per step_size updates"), stepSizeOption("updates per factor gamma")]
        )) { o, c in
            ExponentialSchedule(gamma: o.double("gamma"),
                                stepSize: try epochDefault(o.int("step_size"), "exponential", "step_size", c))
        },
        Entry(descriptor: MethodDescriptor(
            name: "cosine", summary: "cosine annealing over the run (Loshchilov & Hutter 2017), no restarts",
            options: [OptionDescriptor("min_factor", .number, default: .double(0), min: 0, max: 1,
                                       help: "factor reached at the end of training")]
        )) { o, _ in
            CosineSchedule(minFactor: o.double("min_factor"))
        },
        Entry(descriptor: MethodDescriptor(
            name: "plateau", summary: "reduce by factor after patience evaluations without validation improvement",
            options: [
                OptionDescriptor("patience", .integer, default: .int(3), min: 0,
                                 help: "evaluations without improvement tolerated before a reduction"),
                OptionDescriptor("factor", .number, default: .double(0.1), min: 0, max: 1,
                                 help: "multiplier at each reduction"),
                OptionDescriptor("threshold", .number, default: .double(1e-4), min: 0, max: 1,
                                 help: "relative improvement of the validation loss that counts"),
                OptionDescriptor("min_factor", .number, default: .double(0), min: 0, max: 1,
                                 help: "the factor never falls below this"),
            ]
        )) { o, _ in
            PlateauSchedule(patience: o.int("patience"), reduction: o.double("factor"),
                            threshold: o.double("threshold"), minFactor: o.double("min_factor"))
        },
        Entry(descriptor: MethodDescriptor(
            name: "warmup", summary: "linear warm-up over warmup_steps updates, then constant: min(1, t/warmup_steps)",
            options: [OptionDescriptor("warmup_steps", .integer, default: .int(0), min: 0,
                                       help: "updates of linear warm-up; 0 = one epoch")]
        )) { o, c in
            WarmupSchedule(warmupSteps: try epochDefault(o.int("warmup_steps"), "warmup", "warmup_steps", c))
        },
    ]

    private static func stepSizeOption(_ help: String) -> OptionDescriptor {
        OptionDescriptor("step_size", .integer, default: .int(0), min: 0, help: "\(help); 0 = one epoch")
    }

    private static func gammaOption(_ d: Double, _ help: String) -> OptionDescriptor {
        OptionDescriptor("gamma", .number, default: .double(d), min: 0, max: 1, help: help)
    }

    /// `value`, or one epoch when it is 0.
    private static func epochDefault(_ value: Int, _ method: String, _ option: String,
                                     _ context: OptimizerContext) throws -> Int {
        guard value == 0 else { return value }
        guard context.stepsPerEpoch > 0 else { throw OptimizerError.missingEpochLength(method: method, option: option) }
        return context.stepsPerEpoch
    }

    /// Every schedule with its options, in catalog order.
    public static let all: [MethodDescriptor] = entries.map(\.descriptor)

    /// The declaration of the schedule called `name`, if there is one.
    public static func descriptor(named name: String) -> MethodDescriptor? {
        entries.first { $0.descriptor.name == name }?.descriptor
    }

    /// Builds the schedule `name`.
    ///
    /// A spec has one `schedule_options` map even when `schedule` is a grid axis, so options that
    /// belong to another built-in schedule are ignored here; an option that no schedule declares is
    /// an error. `milestones` takes a list of numbers (or a comma-separated string of them).
    ///
    /// - Throws: ``OptimizerError`` for an unknown schedule or option, or a value out of range.
    public static func make(name: String, options: [String: ParamValue] = [:],
                            context: OptimizerContext) throws -> any Schedule {
        guard let entry = entries.first(where: { $0.descriptor.name == name }) else {
            throw OptimizerError.unknownSchedule(name, known: all.map(\.name))
        }
        let others = Set(all.flatMap { $0.options.map(\.name) })
        let resolved = try ResolvedOptions(options, for: entry.descriptor, ignoring: others, numberLists: numberLists)
        return try entry.build(resolved, context)
    }
}
