import Foundation

/// A user's training command that stops in the middle of every attempt until the test opens its
/// gate, so that a test acting on a running trial knows it is running: nothing depends on how long
/// a trial lasts on this machine.
///
/// Each attempt prints a first curve point whose value is its attempt number (so a test can tell
/// which attempt a stored curve came from), writes `running-<trial>-<attempt>` holding its pid, and
/// waits for one of `open`, `open-<seed>` or `open-<seed>-<attempt>` in the gate folder. Then it
/// prints two more points, the last one final. It exits by itself when its worker is gone.
struct Gate {
    let dir: String
    let script: String

    init(in parent: String) throws {
        dir = "\(parent)/gate"
        script = "\(parent)/gated-trainer.sh"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
            #!/bin/sh
            gate="$1"; seed="$2"; id="$LRSWEEP_TRIAL_ID"; attempt="$LRSWEEP_ATTEMPT"
            echo "{\\"step\\": 1, \\"val_loss\\": $attempt}"
            echo $$ > "$gate/.running-$id-$attempt" && mv "$gate/.running-$id-$attempt" "$gate/running-$id-$attempt"
            while [ ! -e "$gate/open" ] && [ ! -e "$gate/open-$seed" ] && [ ! -e "$gate/open-$seed-$attempt" ]; do
                kill -0 "$PPID" 2>/dev/null || exit 3
                sleep 0.02
            done
            echo '{"step": 2, "val_loss": 0.5}'
            echo '{"step": 3, "val_loss": 0.25, "final": true}'
            """.write(toFile: script, atomically: true, encoding: .utf8)
    }

    /// A spec of `trials` seeds of one configuration, each trial run by the gated command.
    func spec(name: String, trials seeds: Int, retries: Int = 5) -> String {
        """
        name: \(name)
        grid:
          optimizer: sgd
          lr: 0.05
          dataset: fashion-mnist
          model: mlp
        seeds: [\((1...seeds).map(String.init).joined(separator: ", "))]
        trainer:
          command: [/bin/sh, "\(script)", "\(dir)", "{seed}"]
          grace: 2
        retries: \(retries)
        """
    }

    /// Lets every attempt, present and future, run to its end.
    func openAll() { touch("open") }
    /// Lets the attempts of one seed's trial run to their end.
    func open(seed: Int) { touch("open-\(seed)") }
    /// Lets one attempt of one seed's trial run to its end.
    func open(seed: Int, attempt: Int) { touch("open-\(seed)-\(attempt)") }

    /// The pid of the trainer running `attempt` of `trial`, once it has reached the gate.
    func trainerPID(trial: String, attempt: Int) -> Int32? {
        (try? String(contentsOfFile: "\(dir)/running-\(trial)-\(attempt)", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private func touch(_ name: String) {
        _ = FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: nil)
    }
}

/// A trial that is certainly mid-run: leased to a live worker, its trainer waiting at the gate,
/// and its first point of this attempt in the store.
struct HeldTrial {
    var id: String
    var attempt: Int
    var worker: String
    var trainerPID: Int32
}

extension Cluster {
    /// Waits until a worker not in `excluding` holds a trial that is mid-run (see ``HeldTrial``) and
    /// that `matching` accepts.
    func heldTrial(_ gate: Gate, excluding: Set<String> = [], timeout: Double = 120,
                   matching: (HeldTrial) -> Bool = { _ in true }) -> HeldTrial? {
        var found: HeldTrial?
        _ = CLI.waitUntil(timeout: timeout) {
            let rows = (try? store()?.strings("""
                SELECT t.id || ' ' || t.attempts || ' ' || t.worker FROM trials t
                WHERE t.status = 'running' AND t.worker IS NOT NULL AND EXISTS (
                    SELECT 1 FROM metric_points p WHERE p.trial_id = t.id AND p.step = 1 AND p.value = t.attempts)
                ORDER BY t.id
                """)) ?? []
            for row in rows {
                let parts = row.split(separator: " ").map(String.init)
                guard parts.count == 3, let attempt = Int(parts[1]), !excluding.contains(parts[2]),
                      workers[parts[2]]?.process.isRunning == true,
                      let pid = gate.trainerPID(trial: parts[0], attempt: attempt) else { continue }
                let held = HeldTrial(id: parts[0], attempt: attempt, worker: parts[2], trainerPID: pid)
                guard matching(held) else { continue }
                found = held
                return true
            }
            return false
        }
        return found
    }

    /// The seed of a trial, from the store.
    func seed(of trial: String) -> Int? {
        (try? store()?.int("SELECT seed FROM trials WHERE id = '\(trial)'"))
    }
}
