import SweepKit

/// Every built-in optimizer by its spec name, with its declared options.
///
/// The spec validator, `lrsweep optimizers` and `--help` read ``all``; the trainer calls
/// ``make(name:lr:options:context:)``. Both come from one table, so a declared option is always
/// one the optimizer understands.
///
/// How a schedule combines with each optimizer: every optimizer has a ``Optimizer/scheduleFactor``
/// that the trainer sets from the schedule before each update. Baselines step with α_0·factor; the
/// adaptive methods (`sgd-hd`, `sgdn-hd`, `adam-hd`, `salr`, `autodrop`) multiply their own adapted
/// rate by it when taking the step, and adapt as if it were 1 (the default `constant` schedule).
public enum OptimizerRegistry {
    struct Entry: Sendable {
        let descriptor: MethodDescriptor
        let build: @Sendable (_ lr: Double, _ options: ResolvedOptions, _ context: OptimizerContext) throws
            -> any Optimizer
    }

    static let entries: [Entry] = [
        Entry(descriptor: SGD.plainDescriptor) { lr, _, c in SGD(learningRate: lr, weightDecay: c.weightDecay) },
        Entry(descriptor: SGD.momentumDescriptor) { lr, o, c in
            SGD(learningRate: lr, momentum: o.double("momentum"), weightDecay: c.weightDecay)
        },
        Entry(descriptor: SGD.nesterovDescriptor) { lr, o, c in
            let mu = o.double("momentum")
            guard mu > 0 else { throw o.invalid("momentum", "must be > 0 for Nesterov momentum, got \(mu)") }
            return SGD(learningRate: lr, momentum: mu, nesterov: true, weightDecay: c.weightDecay)
        },
        Entry(descriptor: Adam.adamDescriptor) { lr, o, c in
            Adam(learningRate: lr, beta1: o.double("beta1"), beta2: o.double("beta2"), epsilon: o.double("eps"),
                 weightDecay: c.weightDecay)
        },
        Entry(descriptor: Adam.adamWDescriptor) { lr, o, c in
            Adam(learningRate: lr, beta1: o.double("beta1"), beta2: o.double("beta2"), epsilon: o.double("eps"),
                 weightDecay: c.weightDecay, decoupledWeightDecay: true)
        },
        Entry(descriptor: RMSProp.descriptor) { lr, o, c in
            RMSProp(learningRate: lr, decay: o.double("decay"), epsilon: o.double("eps"),
                    momentum: o.double("momentum"), weightDecay: c.weightDecay)
        },
        Entry(descriptor: HypergradientSGD.sgdDescriptor) { lr, o, c in
            let rule = try HypergradientRule.from(o)
            return HypergradientSGD(learningRate: lr, hyperLR: rule.hyperLR, multiplicative: rule.multiplicative,
                                    bounds: rule.bounds, weightDecay: c.weightDecay)
        },
        Entry(descriptor: HypergradientSGD.nesterovDescriptor) { lr, o, c in
            let rule = try HypergradientRule.from(o)
            let mu = o.double("momentum")
            guard mu > 0 else { throw o.invalid("momentum", "must be > 0 for Nesterov momentum, got \(mu)") }
            return HypergradientSGD(learningRate: lr, momentum: mu, hyperLR: rule.hyperLR,
                                    multiplicative: rule.multiplicative, bounds: rule.bounds,
                                    weightDecay: c.weightDecay)
        },
        Entry(descriptor: AdamHD.descriptor) { lr, o, c in
            let rule = try HypergradientRule.from(o)
            return AdamHD(learningRate: lr, beta1: o.double("beta1"), beta2: o.double("beta2"),
                          epsilon: o.double("eps"), hyperLR: rule.hyperLR, multiplicative: rule.multiplicative,
                          bounds: rule.bounds, weightDecay: c.weightDecay)
        },
        Entry(descriptor: SALR.descriptor) { lr, o, c in
            guard let bounds = o.range("lr_bounds"), bounds.lowerBound > 0 else {
                throw o.invalid("lr_bounds", "must be [min, max] with 0 < min ≤ max")
            }
            guard let base = SALR.Base(rawValue: o.string("base")) else {
                throw o.invalid("base", "must be sgd or adam")
            }
            return SALR(learningRate: lr, base: base, hyperLRGlobal: o.double("hyper_lr_global"),
                        hyperLRLayer: o.double("hyper_lr_layer"), hyperLRElement: o.double("hyper_lr_element"),
                        pull: o.double("pull"), bounds: bounds, weightDecay: c.weightDecay)
        },
        Entry(descriptor: AutoDrop.descriptor) { lr, o, c in
            var period = o.int("period")
            if period == 0 {
                guard c.stepsPerEpoch > 0 else { throw OptimizerError.missingEpochLength(method: "autodrop",
                                                                                        option: "period") }
                period = c.stepsPerEpoch
            }
            return AutoDrop(learningRate: lr, momentum: o.double("momentum"), nesterov: o.bool("nesterov"),
                            dropFactor: o.double("drop_factor"), theta: o.double("theta"),
                            thetaMax: o.double("theta_max"), minLR: o.double("min_lr"),
                            extraPeriods: o.int("extra_periods"), period: period,
                            averageWeights: o.bool("average_weights"), weightDecay: c.weightDecay)
        },
        Entry(descriptor: RLSchedule.descriptor) { lr, o, c in try RLSchedule.make(lr: lr, options: o, context: c) },
    ]

    /// Every optimizer with its options (name, type, default, min, max, help), in catalog order.
    public static let all: [MethodDescriptor] = entries.map(\.descriptor)

    /// The declaration of the optimizer called `name`, if there is one.
    public static func descriptor(named name: String) -> MethodDescriptor? {
        entries.first { $0.descriptor.name == name }?.descriptor
    }

    /// Builds the optimizer `name` with initial learning rate `lr`.
    ///
    /// Options not given take their declared defaults. Weight decay comes from
    /// `context.weightDecay` (the spec's `train.weight_decay`), not from the options.
    ///
    /// - Throws: ``OptimizerError`` naming the problem: an unknown optimizer or option, a value of
    ///   the wrong type or out of its declared range, a learning rate that is not finite and > 0.
    public static func make(name: String, lr: Double, options: [String: ParamValue] = [:],
                            context: OptimizerContext) throws -> any Optimizer {
        guard let entry = entries.first(where: { $0.descriptor.name == name }) else {
            throw OptimizerError.unknownOptimizer(name, known: all.map(\.name))
        }
        guard lr.isFinite, lr > 0 else { throw OptimizerError.invalidLearningRate(method: name, value: lr) }
        let resolved = try ResolvedOptions(options, for: entry.descriptor)
        return try entry.build(lr, resolved, context)
    }
}
