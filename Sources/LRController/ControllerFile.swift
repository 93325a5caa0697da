import Foundation
import SweepKit
import Training

/// A trained learning-rate controller on disk (`lrsweep controller train … --out controller.json`).
///
/// JSON with sorted keys:
///
///     {"format": "lrsweep-controller", "version": 1,
///      "controller": {"actions": …,
///                     "actor": {"sizes": [7,32,32,3], "layers": [{"weight": [[…]], "bias": […]}, …]},
///                     "critic": {…}, "log_std": 0, "observation_clip": 10,
///                     "observation_moments": {"count": …, "mean": [7 numbers], "variance": [7 numbers]}},
///      "training": {"settings": {"episode": {"model": …, "dataset": …, "steps": …, …}, "episodes": …,
///                                "ppo": {…}},
///                   "history": [per-update statistics], "final_return": …, "final_val_loss": …,
///                   "return_moments": {…}, "seconds": …}}
///
/// Doubles are written in their shortest round-trip form, so a loaded controller acts exactly as
/// the one that was saved.
public struct ControllerFile: Sendable, Equatable, Codable {
    public static let formatName = "lrsweep-controller"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    public var controller: RateController
    public var training: TrainingRecord

    /// What the controller was trained on and how training went.
    public struct TrainingRecord: Sendable, Equatable, Codable {
        public var settings: ControllerTrainingSettings
        /// One entry per PPO update.
        public var history: [PPOUpdateStats]
        /// Mean undiscounted return (−Σ validation losses) of the last update's episodes.
        public var finalReturn: Double
        /// Mean final validation loss of the last update's episodes.
        public var finalValidationLoss: Double
        /// Running statistics of the discounted return (the reward scale at the end of training).
        public var returnMoments: RunningMoments
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case settings, history, seconds
            case finalReturn = "final_return", finalValidationLoss = "final_val_loss"
            case returnMoments = "return_moments"
        }

        public init(settings: ControllerTrainingSettings, history: [PPOUpdateStats], returnScale: RunningMoments,
                    seconds: Double) {
            self.settings = settings
            self.history = history
            finalReturn = history.last?.meanReturn ?? .nan
            finalValidationLoss = history.last?.meanFinalValidationLoss ?? .nan
            returnMoments = returnScale
            self.seconds = seconds
        }
    }

    public init(controller: RateController, training: TrainingRecord) {
        format = Self.formatName
        version = Self.currentVersion
        self.controller = controller
        self.training = training
    }

    /// The file's JSON text.
    public func encoded() throws -> Data {
        try JSONCoding.encoder(pretty: true).encode(self)
    }

    /// Writes the file atomically.
    public func write(to path: String) throws {
        try encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Decodes a controller file.
    /// - Throws: ``ControllerFileError`` naming the path and the problem.
    public static func decode(_ data: Data, path: String = "controller") throws -> ControllerFile {
        let d = JSONCoding.decoder()
        let file: ControllerFile
        do {
            file = try d.decode(ControllerFile.self, from: data)
        } catch {
            throw ControllerFileError(path: path, problem: "not a controller file (\(error))")
        }
        guard file.format == formatName else {
            throw ControllerFileError(path: path, problem: "format is '\(file.format)', not '\(formatName)'")
        }
        guard file.version <= currentVersion else {
            throw ControllerFileError(path: path, problem: "version \(file.version) is newer than this lrsweep "
                                          + "reads (\(currentVersion)): upgrade lrsweep")
        }
        let c = file.controller
        guard c.actor.inputSize == RateController.observationSize, c.critic.inputSize == RateController.observationSize,
              c.actor.outputSize == c.actions.actorOutputs, c.critic.outputSize == 1,
              c.observationMoments.dimension == RateController.observationSize else {
            throw ControllerFileError(path: path, problem: "network shapes do not match its action set")
        }
        return file
    }

    /// Reads a controller file.
    public static func load(path: String) throws -> ControllerFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ControllerFileError(path: path, problem: "no such file (train one with `lrsweep controller train`)")
        }
        return try decode(data, path: path)
    }
}

/// A controller file that cannot be used.
public struct ControllerFileError: Error, LocalizedError, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String

    public var description: String { "controller \(path): \(problem)" }
    public var errorDescription: String? { description }
}
