import ArgumentParser
import LRController

/// `lrsweep controller show FILE`: what a controller was trained on and how it acts.
struct ControllerShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print what a controller was trained on and how it acts on typical observations.",
        discussion: "Example: lrsweep controller show controller.json")

    @Argument(help: "A controller file from `lrsweep controller train`.") var file: String

    func run() throws {
        let f: ControllerFile
        do {
            f = try ControllerFile.load(path: file)
        } catch let e as ControllerFileError {
            throw UserError(e.description)
        }
        print(ControllerReport.text(f))
    }
}
