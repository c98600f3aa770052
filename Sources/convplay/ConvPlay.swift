import ArgumentParser
import ConvEngine
import Foundation

/// The `convplay` command: the playground by default, and the same engine without a screen.
@main
struct ConvPlay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convplay",
        abstract: "A terminal playground for convolutional networks and the ideas around 1×1 convolutions.",
        discussion: """
            PRESET is a shipped preset name (see `convplay presets`), a path to a preset .json file, or an ONNX model (.onnx).
            Errors go to stderr with exit status 2 and say what to change.
            """,
        subcommands: [
            Play.self, Summary.self, Compare.self, Run.self, Verify.self, Train.self, Evaluate.self, Grad.self, Experiment.self,
            BenchTrain.self,
            PresetsCommand.self, Bench.self, BenchUI.self, Export.self, Import.self,
        ],
        defaultSubcommand: Play.self)

    /// Parses and runs; every failure ends in `exit(with:)`.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(with: error)
        }
    }

    /// The one place an error leaves the program. A `UserFacingError` goes to stderr as "convplay: " and its
    /// sentence, exit status 2; an `ExitCode` (verify's failed check) exits with its status; argument-parser's
    /// own errors print its message — help on stdout with status 0, usage errors on stderr with status 2.
    static func exit(with error: any Error) -> Never {
        switch error {
        case let error as any UserFacingError:
            FileHandle.standardError.write(Data("convplay: \(error.description)\n".utf8))
            Foundation.exit(2)
        case let code as ExitCode:
            Foundation.exit(code.rawValue)
        default:
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
