import ConvEngine
import Foundation

/// A network ready to play with: the network, the file it came from and whether that file is a shipped
/// preset (never overwritten without asking), plus its input tensor.
public struct PlaygroundPreset: Sendable {
    public var network: Network
    /// The preset's file, `nil` for a network built in memory.
    public var file: String?
    public var isShipped: Bool
    public var input: Tensor
    public init(network: Network, file: String?, isShipped: Bool, input: Tensor) {
        self.network = network
        self.file = file
        self.isShipped = isShipped
        self.input = input
    }

    /// A preset loaded from disk, its input made from its own folder.
    public init(_ preset: LoadedPreset) throws(InputError) {
        let input = try preset.network.input.makeTensor(relativeTo: preset.directory)
        self.init(network: preset.network, file: preset.path, isShipped: EnginePresetServices.isShipped(preset.path), input: input)
    }
}

/// One entry of a picker.
public struct PresetChoice: Hashable, Sendable {
    /// What `PlaygroundServices.load` accepts: a shipped name or a path.
    public var nameOrPath: String
    public var summary: String
    /// True for the compare picker's "saved file" entry: the network as last saved, not a file to load.
    public var isSavedVersion: Bool
    public init(nameOrPath: String, summary: String, isSavedVersion: Bool = false) {
        self.nameOrPath = nameOrPath
        self.summary = summary
        self.isSavedVersion = isSavedVersion
    }
}

/// What the playground needs from the preset layer. A protocol so the front can be tested with a fake;
/// `EnginePresetServices` is the real one.
public protocol PlaygroundServices: Sendable {
    /// The shipped presets plus `*.json` files in the working directory.
    func presetChoices() -> [PresetChoice]
    /// Loads a preset by shipped name or path, with its input tensor.
    func load(_ nameOrPath: String) throws -> PlaygroundPreset
    /// Writes `network` to `path` atomically (temp file, then rename).
    func save(_ network: Network, to path: String) throws
    /// True when writing `path` would replace something: an existing file or a shipped preset.
    func wouldOverwrite(_ path: String) -> Bool
    /// The input tensor for `network.input`, relative paths resolved against `file`'s folder.
    func makeInput(for network: Network, relativeTo file: String?) throws -> Tensor
    /// A path the user typed, made absolute against the working directory.
    func absolutePath(typed path: String) -> String
    /// The network a crashed session left, opened (and the recovery file removed).
    func openRecovered() throws -> PlaygroundPreset
    /// Moves the recovery file aside; returns its new path.
    func setAsideRecovery() throws -> String
}

/// The playground's file operations on ConvEngine's `Preset` and `InputSpec`.
public struct EnginePresetServices: PlaygroundServices {
    public let recovery: RecoveryFiles
    public init(recovery: RecoveryFiles = .standard()) { self.recovery = recovery }

    public func presetChoices() -> [PresetChoice] {
        let shipped = Preset.shipped().map { PresetChoice(nameOrPath: $0.name, summary: $0.description) }
        let local = ((try? FileManager.default.contentsOfDirectory(atPath: ".")) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
            .map { PresetChoice(nameOrPath: "./" + $0, summary: "in the working directory") }
        return shipped + local
    }

    public func load(_ nameOrPath: String) throws -> PlaygroundPreset {
        try PlaygroundPreset(try Preset.load(nameOrPath: nameOrPath))
    }

    public func save(_ network: Network, to path: String) throws { try Preset.save(network, to: path) }

    public func wouldOverwrite(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path) || Self.isShipped(path)
    }

    public func makeInput(for network: Network, relativeTo file: String?) throws -> Tensor {
        let folder = file.map { ($0 as NSString).deletingLastPathComponent }
        return try network.input.makeTensor(relativeTo: folder?.isEmpty == false ? folder : nil)
    }

    public func absolutePath(typed path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        guard !expanded.hasPrefix("/") else { return expanded }
        return ((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(expanded) as NSString).standardizingPath
    }

    public func openRecovered() throws -> PlaygroundPreset { try recovery.open() }

    public func setAsideRecovery() throws -> String { try recovery.setAside() }

    /// True when `path` is a file in the shipped presets folder.
    static func isShipped(_ path: String) -> Bool {
        guard let folder = Preset.shippedDirectory() else { return false }
        let resolved = (path as NSString).standardizingPath, shipped = (folder as NSString).standardizingPath
        return (resolved as NSString).deletingLastPathComponent == shipped
            || ((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path) as NSString)
                .standardizingPath.hasPrefix(shipped + "/")
    }
}
