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

    @OptionGroup var memoryCap: MemoryCapOption

    @OptionGroup var dataCap: DataCapOption

    func run() throws {
        let cap = try memoryCap.bytes()
        try runPlayground(
            preset: try Preset.load(nameOrPath: preset, memoryCap: cap), memoryCap: cap, dataCap: try dataCap.bytes(), mouse: !noMouse)
    }
}
