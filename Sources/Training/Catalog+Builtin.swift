import SweepKit

extension Catalog {
    /// Everything the built-in engine can run: its optimizers and schedules (from the optimizer
    /// registries), models (plus `mlp-N-N…`) and datasets. The spec validator checks against this.
    public static let builtin = Catalog(optimizers: OptimizerRegistry.all, schedules: ScheduleRegistry.all,
                                        models: ModelFactory.names, sizedModels: ModelFactory.sizedNames,
                                        datasets: DatasetLibrary.names)
}
