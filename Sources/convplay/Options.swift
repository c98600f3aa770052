import ArgumentParser
import ConvEngine
import Foundation

/// Options every engine subcommand shares: which preset, which input, which seed, the memory cap.
struct PresetOptions: ParsableArguments {
    @Argument(help: "A shipped preset name (e.g. nin-cifar10) or a path to a preset .json file.")
    var preset: String

    @Option(
        help: ArgumentHelp(
            "Override the input: a generator (gradient, checkerboard, shapes, noise, digit; add :SEED, e.g. noise:3) or an image path (PGM/PPM/PNG).",
            valueName: "source"))
    var input: String?

    @Option(help: "Override the initialisation seed.")
    var seed: UInt64?

    @Option(name: .customLong("memory-cap"), help: "Largest total of cached activations, in MiB.")
    var memoryCapMiB: Int = defaultMemoryCap >> 20

    var memoryCap: Int { memoryCapMiB << 20 }

    /// The preset with command-line overrides applied.
    func load() throws -> LoadedPreset {
        var loaded = try Preset.load(nameOrPath: preset)
        if let seed { loaded.network.initialization.seed = seed }
        if let input { loaded.network.input.source = try Self.parseSource(input) }
        return loaded
    }

    /// A session over the loaded preset: shapes checked, input made, nothing computed yet.
    func session(for loaded: LoadedPreset) throws -> ForwardSession {
        let tensor = try loaded.network.input.makeTensor(relativeTo: loaded.directory)
        do { return try ForwardSession(network: loaded.network, input: tensor, memoryCap: memoryCap) } catch {
            throw CommandError.impossibleNetwork(preset: preset, error)
        }
    }

    /// The loaded preset's shapes under the memory cap, without making its input.
    func shapes(for loaded: LoadedPreset) throws -> ShapeTable {
        do { return try loaded.network.inferShapes(memoryCap: memoryCap) } catch {
            throw CommandError.impossibleNetwork(preset: preset, error)
        }
    }

    static func parseSource(_ text: String) throws -> InputSource {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        if let pattern = SyntheticPattern(rawValue: parts[0]) {
            guard parts.count == 1 || UInt64(parts[1]) != nil else {
                throw CommandError.inputSeedNotANumber(source: text, pattern: parts[0])
            }
            return .synthetic(pattern, seed: parts.count > 1 ? UInt64(parts[1])! : 0)
        }
        let cwd = FileManager.default.currentDirectoryPath
        return .image(path: text.hasPrefix("/") ? text : cwd + "/" + text)
    }
}
