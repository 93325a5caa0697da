import ArgumentParser
import Foundation
import Wire

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create CURVE keys so that only your workers can join a coordinator.",
        discussion: """
            lrsweep keys generate keys/            # coordinator + one worker pair, allowed_workers
            lrsweep keys add-worker keys/ node7    # keys/workers/node7/ to copy to that node
            lrsweep coordinator SPEC --bind tcp://0.0.0.0:5555 --keys keys/
            lrsweep worker --connect tcp://HEAD:5555 --keys keys/            (or keys/workers/node7/)
            """,
        subcommands: [Generate.self, AddWorker.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write coordinator.pub/.secret, worker.pub/.secret and allowed_workers into DIR (secrets 0600).")

        @Argument(help: "Folder to create.")
        var dir: String

        func run() throws {
            guard ZMQContext.hasCurve else {
                throw RuntimeFailure("this libzmq has no CURVE support (install Debian's libzmq3-dev)")
            }
            do {
                try KeyFolder(dir).generate()
            } catch let e as KeyError {
                throw UserError(e.message)
            }
            print("keys written to \(dir)/: coordinator.pub coordinator.secret worker.pub worker.secret allowed_workers")
        }
    }

    struct AddWorker: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-worker",
            abstract: "Write another worker pair under DIR/workers/NAME/ and allow it.")

        @Argument(help: "Key folder made by `lrsweep keys generate`.")
        var dir: String

        @Argument(help: "Worker name (letters, digits, - _ .).")
        var name: String

        func run() throws {
            do {
                let path = try KeyFolder(dir).addWorker(name)
                print("worker keys in \(path)/: copy that folder to the node and start "
                      + "`lrsweep worker --connect … --keys \(path)`; restart the coordinator to admit it")
            } catch let e as KeyError {
                throw UserError(e.message)
            }
        }
    }
}
