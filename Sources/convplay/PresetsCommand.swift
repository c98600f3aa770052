import ArgumentParser
import ConvEngine

/// `convplay presets`: the shipped presets with one-line descriptions.
struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "presets", abstract: "List the shipped presets.")

    func run() throws {
        let shipped = Preset.shipped()
        guard !shipped.isEmpty else { throw CommandError.noShippedPresets }
        let width = shipped.map(\.name.count).max() ?? 0
        for preset in shipped {
            print(preset.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + preset.description)
        }
    }
}
