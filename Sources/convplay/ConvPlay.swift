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
        version: "convplay \(version) (presets format \(PresetError.currentFormat), ONNX opset 14)",
        subcommands: [
            Play.self, Summary.self, Compare.self, Run.self, Verify.self, Train.self, Evaluate.self, Grad.self, Experiment.self,
            BenchTrain.self,
            PresetsCommand.self, Bench.self, BenchUI.self, Export.self, Import.self,
        ],
        defaultSubcommand: Play.self)

    /// This program's version.
    static let version = "0.1.0"

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
    /// own errors: help and `--version` on stdout with status 0, a usage error as one line on stderr naming the
    /// help to read, status 2.
    static func exit(with error: any Error) -> Never {
        switch error {
        case let error as any UserFacingError:
            printError(error.description)
        case let code as ExitCode:
            Foundation.exit(code.rawValue)
        default:
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            printError(usageLine(message(for: error)))
        }
    }

    /// Writes "convplay: " and `sentence` as one line to stderr and exits with status 2.
    private static func printError(_ sentence: String) -> Never {
        FileHandle.standardError.write(Data("convplay: \(sentence)\n".utf8))
        Foundation.exit(2)
    }

    /// argument-parser's message on one line, lower-cased at the start, with the help to read for the subcommand
    /// the arguments name: "unknown option '--bogus' — see convplay run --help".
    static func usageLine(_ message: String, arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> String {
        var line = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        if line.hasPrefix("Error: ") { line.removeFirst(7) }
        if let first = line.first, line.dropFirst().first?.isLowercase ?? true { line = first.lowercased() + line.dropFirst() }
        let names = configuration.subcommands.map { $0._commandName }
        let subcommand = arguments.first { names.contains($0) }.map { " " + $0 } ?? ""
        return visible(line, limit: 300) + " — see convplay\(subcommand) --help"
    }
}
