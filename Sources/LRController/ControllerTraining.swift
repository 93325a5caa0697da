import Foundation
import Synchronization
import Training

/// Where a PPO update's episodes run: in this process, or fanned out to sweep workers as trials
/// (`lrsweep controller train --workers N | --connect EP`).
///
/// The episodes of one update are independent given the controller, which is why they can run
/// anywhere and in any order; results come back in the order of `episodes`.
public protocol RolloutBackend {
    /// Runs one episode per setup, sampling actions from `controller`.
    func collect(_ controller: RateController, episodes: [EpisodeSetup]) throws -> [Trajectory]
}

/// Runs the episodes in this process on `jobs` threads (each episode on one thread).
public struct InProcessRollouts: RolloutBackend {
    public var data: DataLocator
    public var jobs: Int

    public init(data: DataLocator = DataLocator(), jobs: Int = 1) {
        self.data = data
        self.jobs = Swift.max(1, jobs)
    }

    public func collect(_ controller: RateController, episodes: [EpisodeSetup]) throws -> [Trajectory] {
        guard !episodes.isEmpty else { return [] }
        let results = Mutex<[Int: Result<Trajectory, any Error>]>([:])
        let next = Atomic<Int>(0)
        let data = self.data
        DispatchQueue.concurrentPerform(iterations: Swift.min(jobs, episodes.count)) { _ in
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < episodes.count else { return }
                let r = Result { try runEpisode(episodes[i], controller: controller, sample: true, data: data) }
                results.withLock { $0[i] = r }
            }
        }
        return try results.withLock { done in try episodes.indices.map { i in try done[i, default: .failure(
            TrainingError.badConfig("episode \(i) did not run"))].get() } }
    }
}

/// How to train a controller: the environment, the budget and PPO's settings.
public struct ControllerTrainingSettings: Sendable, Equatable, Codable {
    /// The child setup of every episode (its `seed` is replaced per episode).
    public var episode: EpisodeSetup
    /// Episodes in all…
    public var episodes: Int
    /// …in batches of this many per PPO update.
    public var episodesPerUpdate: Int
    public var seed: Int
    public var actions: ControllerActions
    public var ppo: PPOConfig

    enum CodingKeys: String, CodingKey {
        case episode, episodes, seed, actions, ppo
        case episodesPerUpdate = "episodes_per_update"
    }

    public init(episode: EpisodeSetup = EpisodeSetup(seed: 0), episodes: Int = 96, episodesPerUpdate: Int = 8,
                seed: Int = 1, actions: ControllerActions = .paperDiscrete, ppo: PPOConfig = PPOConfig()) {
        self.episode = episode
        self.episodes = episodes
        self.episodesPerUpdate = episodesPerUpdate
        self.seed = seed
        self.actions = actions
        self.ppo = ppo
    }

    /// PPO updates: ⌈episodes / episodesPerUpdate⌉.
    public var updates: Int { (episodes + episodesPerUpdate - 1) / episodesPerUpdate }

    /// The setups of update `u` (0-based): distinct seeds derived from the training seed.
    public func episodes(ofUpdate u: Int) -> [EpisodeSetup] {
        let first = u * episodesPerUpdate
        return (first..<Swift.min(first + episodesPerUpdate, episodes)).map { k in
            var e = episode
            e.seed = seed * 100_000 + k + 1
            return e
        }
    }
}

/// Trains a controller with PPO: for each update, the update's episodes run on `backend` with the
/// current controller sampling its actions, then ``PPOLearner/update(_:)`` learns from them.
///
/// - Parameter onUpdate: called after each update with its index (0-based) and statistics.
/// - Returns: the controller file (networks, statistics, what it was trained on).
/// - Throws: ``TrainingError`` for settings that cannot work, or whatever the backend throws.
public func trainController(_ settings: ControllerTrainingSettings, backend: any RolloutBackend,
                            onUpdate: (Int, PPOUpdateStats) -> Void = { _, _ in }) throws -> ControllerFile {
    guard settings.episodes >= 1, settings.episodesPerUpdate >= 1 else {
        throw TrainingError.badConfig("episodes and episodes per update must be at least 1")
    }
    try settings.ppo.validate()
    try settings.episode.validate()
    let clock = ContinuousClock()
    let start = clock.now
    let learner = PPOLearner(controller: RateController(actions: settings.actions, hidden: settings.ppo.hidden,
                                                      observationClip: settings.ppo.observationClip,
                                                      seed: settings.seed),
                             config: settings.ppo, seed: settings.seed)
    var history: [PPOUpdateStats] = []
    for u in 0..<settings.updates {
        let trajectories = try backend.collect(learner.controller, episodes: settings.episodes(ofUpdate: u))
        let stats = learner.update(trajectories)
        history.append(stats)
        onUpdate(u, stats)
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return ControllerFile(controller: learner.controller,
                          training: ControllerFile.TrainingRecord(settings: settings, history: history,
                                                                  returnScale: learner.returnMoments,
                                                                  seconds: seconds))
}
