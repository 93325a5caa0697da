import Foundation

/// What can go wrong before or around training, in words a user can act on.
///
/// A diverging run is not an error: it comes back as a ``TrainingSummary`` with status
/// `.diverged`. These cases are the user's or the machine's mistakes: missing data, names that
/// do not exist, settings that cannot work.
public enum TrainingError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// A dataset's files are not in any data root. `install` says how to get them.
    case datasetMissing(dataset: String, files: [String], searched: [String], install: String)
    /// A file exists but is not what its name promises.
    case corruptDataset(path: String, problem: String)
    case unknownDataset(String, known: [String])
    case unknownModel(String, known: [String])
    /// The model cannot take this dataset's inputs (e.g. `lenet5` wants 28×28 or 32×32 images).
    case incompatibleModel(model: String, dataset: String, reason: String)
    case badConfig(String)

    public var description: String {
        switch self {
        case let .datasetMissing(dataset, files, searched, install):
            return "dataset '\(dataset)' not found: looked for \(files.joined(separator: ", ")) in "
                + searched.joined(separator: ", ") + ". " + install
        case let .corruptDataset(path, problem):
            return "\(path) is not a valid dataset file: \(problem). Delete it and run `make setup` again."
        case let .unknownDataset(name, known):
            return "unknown dataset '\(name)'; known datasets: \(known.joined(separator: ", "))"
        case let .unknownModel(name, known):
            return "unknown model '\(name)'; known models: \(known.joined(separator: ", ")), "
                + "or mlp-N-N… with any hidden sizes (e.g. mlp-256-128)"
        case let .incompatibleModel(model, dataset, reason):
            return "model '\(model)' cannot train on '\(dataset)': \(reason)"
        case let .badConfig(problem):
            return "invalid training settings: \(problem)"
        }
    }

    public var errorDescription: String? { description }
}
