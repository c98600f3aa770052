import ArgumentParser
import ConvEngine
import Foundation

/// Options every engine subcommand shares: which preset, which input, which seed, the memory cap.
/// Number flags are read as text (a negative number is a value, not an option) and checked by `run`.
struct PresetOptions: ParsableArguments {
    @Argument(help: "A shipped preset name (e.g. nin-cifar10) or a path to a preset .json file.")
    var preset: String

    @Option(
        help: ArgumentHelp(
            "Override the input: a generator (gradient, checkerboard, shapes, noise, digit; add :SEED, e.g. noise:3) or an image path (PGM/PPM/PNG).",
            valueName: "source"))
    var input: String?

    @Option(name: .customLong("seed"), parsing: .unconditional, help: ArgumentHelp("Override the initialisation seed.", valueName: "seed"))
    var seedText: String?

    @OptionGroup var memory: MemoryCapOption

    /// The `--seed` value, if given.
    func seed() throws(CommandError) -> UInt64? {
        try seedText.map { text throws(CommandError) in try wholeNumber(text, flag: "--seed", 0...UInt64.max, what: "a seed") }
    }

    /// The `--memory-cap` value in bytes.
    func memoryCap() throws(CommandError) -> Int { try memory.bytes() }

    /// The preset with command-line overrides applied.
    func load() throws -> LoadedPreset {
        let cap = try memoryCap()
        var loaded = try Preset.load(nameOrPath: preset, memoryCap: cap)
        if let seed = try seed() { loaded.network.initialization.seed = seed }
        if let input { loaded.network.input.source = try Self.parseSource(input) }
        return loaded
    }

    /// A session over the loaded preset: shapes and memory checked first, then the input made, nothing
    /// computed yet.
    func session(for loaded: LoadedPreset) throws -> ForwardSession {
        let cap = try memoryCap()
        _ = try shapes(for: loaded)
        let tensor: Tensor
        do { tensor = try loaded.network.input.makeTensor(relativeTo: loaded.directory, memoryCap: cap) } catch {
            throw CommandError.unreadableInput(preset: preset, error)
        }
        do { return try ForwardSession(network: loaded.network, input: tensor, memoryCap: cap) } catch {
            throw CommandError.impossibleNetwork(preset: preset, error)
        }
    }

    /// The loaded preset's shapes under the memory cap, without making its input.
    func shapes(for loaded: LoadedPreset) throws -> ShapeTable {
        let cap = try memoryCap()
        do { return try loaded.network.inferShapes(memoryCap: cap) } catch {
            throw CommandError.impossibleNetwork(preset: preset, error)
        }
    }

    static func parseSource(_ text: String) throws(CommandError) -> InputSource {
        guard !text.isEmpty else { throw .emptyInputSource }
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if let pattern = SyntheticPattern(rawValue: parts[0]) {
            guard parts.count == 1 || UInt64(parts[1]) != nil else {
                throw .inputSeedNotANumber(source: text, pattern: parts[0])
            }
            return .synthetic(pattern, seed: parts.count > 1 ? UInt64(parts[1])! : 0)
        }
        let cwd = FileManager.default.currentDirectoryPath
        return .image(path: text.hasPrefix("/") ? text : cwd + "/" + text)
    }
}

/// The data set `train` and `evaluate` read and the cap on its bytes: its own budget, apart from --memory-cap.
struct DataOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("digits, shapes[:COUNT], mnist:DIR, cifar10:DIR or folder:DIR (default: the preset's).", valueName: "source"))
    var data: String?

    @OptionGroup var cap: DataCapOption

    /// The `--data-cap` value in bytes.
    func dataCap() throws(CommandError) -> Int { try cap.bytes() }
}

/// `--memory-cap`: the bytes a network may take (every engine command and the playground).
struct MemoryCapOption: ParsableArguments {
    @Option(
        name: .customLong("memory-cap"), parsing: .unconditional,
        help: ArgumentHelp("Memory for weights, activations, input and kernel scratch together, in MiB.", valueName: "MiB"))
    var text = "\(defaultMemoryCap >> 20)"

    /// The cap in bytes, or the one-line error saying what the flag takes.
    func bytes() throws(CommandError) -> Int { try mebibytes(text, flag: "--memory-cap") }
}

/// `--data-cap`: the bytes a training data set may take (`train`, `evaluate`, and the playground's training view).
struct DataCapOption: ParsableArguments {
    @Option(
        name: .customLong("data-cap"), parsing: .unconditional,
        help: ArgumentHelp("Memory for the data set's training and held-out images together, in MiB.", valueName: "MiB"))
    var text = "\(defaultDataCap >> 20)"

    /// The cap in bytes, or the one-line error saying what the flag takes.
    func bytes() throws(CommandError) -> Int { try mebibytes(text, flag: "--data-cap") }
}

/// A cap flag's MiB (1 to `SizeLimits.memoryCap` in MiB) in bytes, or the one-line error saying what `flag` takes.
private func mebibytes(_ text: String, flag: String) throws(CommandError) -> Int {
    try wholeNumber(text, flag: flag, 1...(SizeLimits.memoryCap >> 20), what: "the cap in MiB") << 20
}

/// A whole-number flag value in `range`, or the one-line error saying what `flag` takes (`what`: "a seed").
func wholeNumber<Number: FixedWidthInteger>(
    _ text: String, flag: String, _ range: ClosedRange<Number>, what: String
) throws(CommandError) -> Number {
    guard let value = Number(text), range.contains(value) else {
        throw .badNumber(
            flag: flag, text: text, requirement: "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
    }
    return value
}

/// A finite decimal flag value that `isAllowed` accepts, or the one-line error saying what `flag` takes
/// (`requirement`: "the momentum must be a number from 0 up to, not including, 1"). nan and inf are refused.
func decimalNumber<Number: BinaryFloatingPoint & LosslessStringConvertible>(
    _ text: String, flag: String, requirement: String, _ isAllowed: (Number) -> Bool
) throws(CommandError) -> Number {
    guard let value = Number(text), value.isFinite, isAllowed(value) else {
        throw .badNumber(flag: flag, text: text, requirement: requirement)
    }
    return value
}

/// The `--threads` value, when given: 1 to `SizeLimits.threads`.
func threadCount(_ text: String?) throws(CommandError) -> Int? {
    try text.map { text throws(CommandError) in try wholeNumber(text, flag: "--threads", 1...SizeLimits.threads, what: "the thread count") }
}

/// Most epochs a training command runs, and most images in one step: far past any real run, small enough that
/// their products with a data set's size stay far inside an `Int`.
let epochLimit = 100_000
let batchLimit = 65_536
