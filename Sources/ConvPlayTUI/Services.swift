import ConvEngine
import Foundation

/// A network ready to play with: the network, the file it came from and whether that file is a shipped
/// preset (never overwritten without asking), plus its input tensor.
public struct LoadedPreset {
    public var network: Network
    /// The preset's file, `nil` for a network built in memory.
    public var file: String?
    public var isShipped: Bool
    public var input: Tensor
    public init(network: Network, file: String?, isShipped: Bool, input: Tensor) {
        self.network = network; self.file = file; self.isShipped = isShipped; self.input = input
    }
}

/// One entry of the open picker.
public struct PresetChoice: Hashable, Sendable {
    /// What `PlaygroundServices.load` accepts: a shipped name or a path.
    public var nameOrPath: String
    public var summary: String
    public init(nameOrPath: String, summary: String) { self.nameOrPath = nameOrPath; self.summary = summary }
}

/// What the playground needs from the preset layer (`Preset.load`, `Preset.save`, `Preset.shipped`,
/// `InputSpec.makeTensor`). A protocol so the front can be tested with a fake and the CLI passes the real one.
public protocol PlaygroundServices: Sendable {
    /// The shipped presets plus `*.json` files in the working directory.
    func presetChoices() -> [PresetChoice]
    /// Loads a preset by shipped name or path, with its input tensor.
    func load(_ nameOrPath: String) throws -> LoadedPreset
    /// Writes `network` to `path` atomically (temp file, then rename).
    func save(_ network: Network, to path: String) throws
    /// True when writing `path` would replace something: an existing file or a shipped preset.
    func wouldOverwrite(_ path: String) -> Bool
    /// The input tensor for `network.input`, relative paths resolved against `file`'s folder.
    func makeInput(for network: Network, relativeTo file: String?) throws -> Tensor
}
