import CNCurses
import ConvEngine
import Foundation

/// The recovery files a crash leaves: `recovery.json` (the unsaved network, as a preset), `recovery.source`
/// (the file it was opened from, empty for a new network) and, for a network trained in the playground and not
/// yet saved, `recovery.safetensors` (its weights, which `recovery.json` names) in convplay's state folder —
/// `$XDG_STATE_HOME/convplay`, else `~/.local/state/convplay`.
public struct RecoveryFiles: Sendable {
    public let directory: String
    public var network: String { directory + "/recovery.json" }
    public var source: String { directory + "/recovery.source" }
    public var weights: String { directory + "/recovery.safetensors" }

    public init(directory: String) { self.directory = directory }

    /// The folder from the environment.
    public static func standard(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> RecoveryFiles {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return RecoveryFiles(directory: state + "/convplay") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return RecoveryFiles(directory: home + "/.local/state/convplay")
    }

    /// What a start finds in the folder.
    public enum Offer: Hashable, Sendable {
        /// Nothing left by a crash.
        case none
        /// A network to offer: the file it came from (`nil` for a network never saved).
        case network(source: String?)
        /// Something at `recovery.json` that is no network (damaged, not a regular file, too large): the sentence
        /// saying so and where it was moved aside; the start goes on as if nothing was left.
        case damaged(String)
    }

    /// What a crashed session left, checked without trusting it: read through `FileReader` (regular files only,
    /// never waited on, within the size a preset may have) and decoded; a damaged file is moved aside, never
    /// offered, never a crash.
    public func offer(now: Date = Date()) -> Offer {
        var info = stat()
        guard lstat(network, &info) == 0 else { return .none }
        do {
            _ = try Preset.decode(json: try Self.text(network, limit: SizeLimits.jsonFileBytes))
        } catch {
            let reason = "\(error)"
            let kept = (try? setAside(now: now)).map { "moved aside as \(visible($0))" } ?? "left in place"
            return .damaged("the recovery file \(visible(network)) holds no network (\(reason)) — \(kept), starting without it")
        }
        let source = (try? Self.text(self.source, limit: 4096)) ?? ""
        return .network(source: source.isEmpty || source.contains("\0") ? nil : source)
    }

    /// The recovered network, its relative paths resolved against its source's folder and its weights loaded;
    /// the files are removed once it opened.
    public func open(memoryCap: Int = defaultMemoryCap) throws -> PlaygroundPreset {
        guard case .network(let source) = offer() else { throw PresetError.unreadableFile(path: network, .notFound) }
        let folder = source.map { ($0 as NSString).deletingLastPathComponent }
        let loaded = try Preset.load(
            path: network, resolvingAgainst: folder ?? FileManager.default.currentDirectoryPath, memoryCap: memoryCap)
        let input = try loaded.network.input.makeTensor(relativeTo: loaded.directory, memoryCap: memoryCap)
        let preset = PlaygroundPreset(
            network: loaded.network, file: source, isShipped: source.map(EnginePresetServices.isShipped) ?? false, input: input)
        for file in [network, self.source, weights] { try? FileManager.default.removeItem(atPath: file) }
        return preset
    }

    /// Moves the recovered network aside as `recovery-<date>.json` (nothing lost, never offered again) and
    /// returns where it went; trained weights it names go aside beside it.
    public func setAside(now: Date = Date()) throws -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let stem = directory + "/recovery-\(formatter.string(from: now))"
        guard rename(network, stem + ".json") == 0 else { throw FileWriteError(reason: String(cString: strerror(errno))) }
        // The moved network still names recovery.safetensors; a later crash's weights go there, so keep these apart.
        if rename(weights, stem + ".safetensors") == 0, let text = try? Self.text(stem + ".json", limit: SizeLimits.jsonFileBytes),
            var moved = try? Preset.decode(json: text)
        {
            moved.initialization.weightsDirectory = stem + ".safetensors"
            try? Preset.save(moved, to: stem + ".json")
        }
        try? FileManager.default.removeItem(atPath: source)
        return stem + ".json"
    }

    /// A recovery file's text, read as any file a user could have put there.
    private static func text(_ path: String, limit: Int) throws(PresetError) -> String {
        let bytes: [UInt8]
        do { bytes = try FileReader.contents(of: path, limit: limit) } catch { throw .unreadableFile(path: path, error) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw PresetError.notText(path: path) }
        return text
    }
}

/// Keeps the crash handler's copy of the unsaved network current: after every change it hands the encoded
/// network (or nothing, once saved) to the C handler, which writes it only if the process crashes.
final class CrashRecovery {
    private let files: RecoveryFiles
    /// The state's network when it was last handed over (`nil`: saved), to see changes.
    private var armed: Network?
    /// What the handler holds: `armed`, naming the weights written for it.
    private(set) var armedNetwork: Network?
    private var ready = false
    /// When trained weights were last written (seconds, monotonic).
    private var weightsWritten = -Double.infinity
    /// Seconds between two writes of the weights while training runs.
    static let weightsInterval = 5.0

    init(files: RecoveryFiles) {
        self.files = files
        ready =
            (try? FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)) != nil
            && cnc_recovery_paths(files.directory) == 0
    }

    /// Encodes the state's network when it is unsaved and has changed since the last call. Weights trained here
    /// and not yet saved live only in memory: they are written to `recovery.safetensors` first (at most every few
    /// seconds while training runs) and the armed network names that file, so a crash loses no trained weights.
    func update(_ state: AppState, now: Double = Double(DispatchTime.now().uptimeNanoseconds) / 1e9) {
        guard ready else { return }
        var wanted = state.dirty ? state.network : nil
        guard wanted != armed else { return }
        if state.trainedWeightsUnsaved, let network = wanted {
            if state.training?.isRunning == true, now - weightsWritten < Self.weightsInterval { return }
            do {
                try Safetensors.write(network.stateDict(shapes: state.session.shapes), to: files.weights)
                weightsWritten = now
                wanted?.initialization.weightsDirectory = files.weights
            } catch {
                // The network is armed anyway: its structure and edits are worth keeping without the weights.
                wanted?.initialization.weightsDirectory = nil
            }
        }
        armed = state.dirty ? state.network : nil
        armedNetwork = wanted
        guard let network = wanted else {
            cnc_recovery_set(nil, 0, nil, 0)
            return
        }
        let json = Array(Preset.encode(network).utf8CString)
        let file = state.file.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
        let source = Array((file ?? "").utf8CString)
        // Lengths leave out the terminating NULs utf8CString adds.
        cnc_recovery_set(json, json.count - 1, source, source.count - 1)
    }

    /// Forgets the copy (a clean quit).
    func disarm() {
        guard ready else { return }
        cnc_recovery_set(nil, 0, nil, 0)
    }
}
