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
            PRESET is a shipped preset name (see `convplay presets`) or a path to a preset .json file.
            Errors go to stderr with exit status 2 and say what to change.
            """,
        subcommands: [Play.self, Summary.self, Run.self, Verify.self, PresetsCommand.self, Bench.self, BenchUI.self, Export.self],
        defaultSubcommand: Play.self)

    /// Parses and runs, sending every failure to stderr with exit status 2 (help and --version exit 0).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as UserError {
            FileHandle.standardError.write(Data("convplay: \(error.message)\n".utf8))
            Foundation.exit(2)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let status = exitCode(for: error)
            if status == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

/// A user-facing failure: one message, exit status 2.
struct UserError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
