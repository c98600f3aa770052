// TEMPORARY launcher for the playground (remove at merge: `convplay [PRESET]` calls runPlayground itself).
import ConvEngine
import ConvPlayTUI
import Foundation

let name = CommandLine.arguments.dropFirst().first ?? "edges"
do {
    exit(runPlayground(preset: try Preset.load(nameOrPath: name)))
} catch {
    FileHandle.standardError.write(Data("convplay: \(error)\n".utf8))
    exit(2)
}
