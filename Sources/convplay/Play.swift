import ArgumentParser
import ConvEngine
import ConvPlayTUI

/// `convplay [PRESET]`: the interactive playground.
struct Play: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Open the playground on a preset (the default, `edges`, when none is named). Press ? inside for keys.")

    @Argument(help: "A shipped preset name or a path to a preset .json file.")
    var preset: String = "edges"

    @Flag(name: .customLong("no-mouse"), help: "Leave the mouse to the terminal (text selection) instead of clicks and the wheel.")
    var noMouse = false

    @Option(name: .customLong("memory-cap"), help: "Largest total of cached activations (and of an edit's weights), in MiB.")
    var memoryCapMiB: Int = defaultMemoryCap >> 20

    func validate() throws {
        guard memoryCapMiB > 0, memoryCapMiB <= Int.max >> 20 else {
            throw ValidationError("--memory-cap \(memoryCapMiB): give a size in MiB from 1 to \(Int.max >> 20)")
        }
    }

    func run() throws {
        try runPlayground(preset: try Preset.load(nameOrPath: preset), memoryCap: memoryCapMiB << 20, mouse: !noMouse)
    }
}
