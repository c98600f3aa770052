import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A preset read from disk: the network plus where it came from, so relative paths inside it
/// (`input.source.image`, `init.weights`) resolve against the preset's own folder.
public struct LoadedPreset: Hashable, Sendable {
    public var network: Network
    /// The file's path as given (or as resolved from a shipped name).
    public var path: String
    /// The folder holding the file; relative paths in the preset start here.
    public var directory: String

    public init(network: Network, path: String) {
        self.network = network
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        self.directory = folder.isEmpty ? "." : folder
    }

    /// `relative` resolved against the preset's folder; absolute paths are returned unchanged.
    public func resolve(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : (directory as NSString).appendingPathComponent(relative)
    }

    /// The input image's path when the input is an image file, resolved against the preset's folder.
    public var inputImagePath: String? {
        if case .image(let path) = network.input.source { return resolve(path) }
        return nil
    }

    /// The weights folder named by `init.weights`, resolved against the preset's folder.
    public var weightsDirectoryPath: String? { network.initialization.weightsDirectory.map(resolve) }
}

extension Preset {
    /// Reads and decodes the preset file at `path`, and the weights folder it names (at most `memoryCap` bytes).
    public static func load(path: String, memoryCap: Int = defaultMemoryCap) throws(PresetError) -> LoadedPreset {
        try load(path: path, resolvingAgainst: nil, memoryCap: memoryCap)
    }

    /// Reads the preset at `path` as `load(path:)` does, its relative paths (input image, weights) resolved against
    /// `directory` when given instead of the file's own folder: a recovery file stands in for the preset it came from.
    public static func load(path: String, resolvingAgainst directory: String?, memoryCap: Int = defaultMemoryCap) throws(PresetError)
        -> LoadedPreset
    {
        let text = try readText(path)
        var loaded = LoadedPreset(network: try decode(json: text), path: path)
        if let directory { loaded.directory = directory.isEmpty ? "." : directory }
        if let weights = loaded.weightsDirectoryPath {
            loaded.network.initialization.loadedWeights =
                weights.hasSuffix(".safetensors")
                ? try loadWeights(safetensors: weights, for: loaded.network, byteLimit: memoryCap)
                : try loadWeights(directory: weights, byteLimit: memoryCap)
        }
        return loaded
    }

    /// Loads a preset named by a path or by a shipped name (`nin-cifar10`), or opens an ONNX model (`.onnx`) as one:
    /// its network with the model's weights.
    public static func load(nameOrPath: String, memoryCap: Int = defaultMemoryCap) throws(PresetError) -> LoadedPreset {
        if nameOrPath.lowercased().hasSuffix(".onnx") {
            do { return LoadedPreset(network: try ONNXImport.network(path: nameOrPath, memoryCap: memoryCap), path: nameOrPath) } catch {
                throw .importFailed(path: nameOrPath, error)
            }
        }
        return try load(path: try resolve(nameOrPath: nameOrPath), memoryCap: memoryCap)
    }

    /// Writes `network` to `path` atomically: a temporary file in the same folder, flushed to disk, then
    /// renamed over the target. A crash or a full disk leaves either the old file or the new one, never a part.
    public static func save(_ network: Network, to path: String) throws(PresetError) {
        do { try AtomicFile.write(Array(encode(network).utf8), to: path) } catch {
            throw .unwritableFile(path: path, reason: error.reason)
        }
    }

    /// A preset or manifest's text: a regular file of at most `SizeLimits.jsonFileBytes`, in UTF-8, with the
    /// operating system's reason on failure (Foundation's messages drop it).
    static func readText(_ path: String) throws(PresetError) -> String {
        let text: String?
        do { text = try FileReader.utf8Text(of: path, limit: SizeLimits.jsonFileBytes) } catch {
            throw .unreadableFile(path: path, error)
        }
        guard let text else { throw .notText(path: path) }
        return text
    }
}

// MARK: - Shipped presets

extension Preset {
    /// The file every shipped presets folder holds; how the search recognises one.
    static let markerFile = "edges.json"

    /// The folder of shipped presets, found from any working directory: `$CONVPLAY_PRESETS`, then
    /// `<executable dir>/../share/convplay/presets`, then a `presets/` folder holding `edges.json` in the
    /// executable's directory or any parent (repo/.build/release/convplay finds repo/presets), then the same
    /// walk from the current directory. `nil` when none exists.
    public static func shippedDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executablePath: String? = currentExecutablePath(),
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) -> String? {
        shippedDirectoryCandidates(
            environment: environment, executablePath: executablePath,
            currentDirectory: currentDirectory
        ).first(where: isPresetsFolder)
    }

    /// Every place `shippedDirectory` looks, in order (for the error that lists them).
    static func shippedDirectoryCandidates(
        environment: [String: String], executablePath: String?,
        currentDirectory: String
    ) -> [String] {
        var candidates: [String] = []
        if let fromEnvironment = environment["CONVPLAY_PRESETS"], !fromEnvironment.isEmpty {
            candidates.append(fromEnvironment)
        }
        func walkUp(from start: String) {
            var folder = (start as NSString).standardizingPath
            while true {
                candidates.append((folder as NSString).appendingPathComponent("presets"))
                let parent = (folder as NSString).deletingLastPathComponent
                if parent == folder || parent.isEmpty { break }
                folder = parent
            }
        }
        if let executablePath {
            let executableFolder = (executablePath as NSString).deletingLastPathComponent
            candidates.append(
                ((executableFolder as NSString).appendingPathComponent("../share/convplay/presets") as NSString).standardizingPath)
            walkUp(from: executableFolder)
        }
        walkUp(from: currentDirectory)
        var seen = Set<String>()
        return candidates.filter { seen.insert($0).inserted }
    }

    private static func isPresetsFolder(_ folder: String) -> Bool {
        FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(markerFile))
    }

    /// The running executable's path (`/proc/self/exe` on Linux), `nil` if unknown.
    public static func currentExecutablePath() -> String? {
        #if os(Linux)
            if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments.first
    }

    /// The shipped presets by file name (without `.json`) with their one-line descriptions, sorted by name.
    /// A file that does not parse is listed with the reason instead of its description.
    public static func shipped() -> [(name: String, description: String)] {
        guard let folder = shippedDirectory() else { return [] }
        return shipped(in: folder)
    }

    /// The presets in `folder`, as `shipped()` lists them.
    public static func shipped(in folder: String) -> [(name: String, description: String)] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }.sorted().map { name in
            let file = name + ".json"
            let path = (folder as NSString).appendingPathComponent(file)
            do {
                let value = try JSONParser.parse(try readText(path))
                if case .string(let description)? = value["description"] { return (name, description) }
                return (name, "")
            } catch {
                return (name, "(unreadable: \(error))")
            }
        }
    }

    /// A preset file's path from a path or a shipped name. Anything with a `/`, a `.json` ending, or naming
    /// an existing file is a path; otherwise it is looked up among the shipped presets.
    public static func resolve(nameOrPath: String) throws(PresetError) -> String {
        let looksLikePath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".json")
        if looksLikePath || FileManager.default.fileExists(atPath: nameOrPath) { return nameOrPath }
        let environment = ProcessInfo.processInfo.environment
        let executable = currentExecutablePath()
        let here = FileManager.default.currentDirectoryPath
        guard let folder = shippedDirectory(environment: environment, executablePath: executable, currentDirectory: here) else {
            throw .shippedPresetsNotFound(
                searched: shippedDirectoryCandidates(
                    environment: environment, executablePath: executable, currentDirectory: here))
        }
        return try resolve(name: nameOrPath, in: folder)
    }

    /// `name`'s file in the shipped `folder`, or an error listing the names that exist.
    static func resolve(name: String, in folder: String) throws(PresetError) -> String {
        let path = (folder as NSString).appendingPathComponent("\(name).json")
        if FileManager.default.fileExists(atPath: path) { return path }
        let names = shipped(in: folder).map(\.name)
        throw .unknownPreset(name: name, suggestion: nearest(name, in: names), shipped: names)
    }
}
