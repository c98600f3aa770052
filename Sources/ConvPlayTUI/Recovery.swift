import CNCurses
import ConvEngine
import Foundation

/// The recovery file a crash leaves: `recovery.json` (the unsaved network, as a preset) and `recovery.source`
/// (the file it was opened from, empty for a new network) in convplay's state folder —
/// `$XDG_STATE_HOME/convplay`, else `~/.local/state/convplay`.
public struct RecoveryFiles: Sendable {
    public let directory: String
    public var network: String { directory + "/recovery.json" }
    public var source: String { directory + "/recovery.source" }

    public init(directory: String) { self.directory = directory }

    /// The folder from the environment.
    public static func standard(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> RecoveryFiles {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return RecoveryFiles(directory: state + "/convplay") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return RecoveryFiles(directory: home + "/.local/state/convplay")
    }

    /// When a crashed session left a network: the file it came from (`nil` for a network never saved).
    public func pending() -> String?? {
        guard FileManager.default.fileExists(atPath: network) else { return nil }
        let source = (try? String(contentsOfFile: self.source, encoding: .utf8)) ?? ""
        return .some(source.isEmpty ? nil : source)
    }

    /// The recovered network, its input made from its source's folder; the files are removed once it opened.
    public func open() throws -> PlaygroundPreset {
        let text = try String(contentsOfFile: network, encoding: .utf8)
        let network = try Preset.decode(json: text)
        let source = pending() ?? nil
        let folder = source.map { ($0 as NSString).deletingLastPathComponent }
        let input = try network.input.makeTensor(relativeTo: folder?.isEmpty == false ? folder : nil)
        let preset = PlaygroundPreset(
            network: network, file: source, isShipped: source.map(EnginePresetServices.isShipped) ?? false, input: input)
        try? FileManager.default.removeItem(atPath: self.network)
        try? FileManager.default.removeItem(atPath: self.source)
        return preset
    }

    /// Moves the recovered network aside as `recovery-<date>.json` (nothing lost, never offered again) and
    /// returns where it went.
    public func setAside(now: Date = Date()) throws -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let target = directory + "/recovery-\(formatter.string(from: now)).json"
        try FileManager.default.moveItem(atPath: network, toPath: target)
        try? FileManager.default.removeItem(atPath: source)
        return target
    }
}

/// Keeps the crash handler's copy of the unsaved network current: after every change it hands the encoded
/// network (or nothing, once saved) to the C handler, which writes it only if the process crashes.
final class CrashRecovery {
    private let files: RecoveryFiles
    private var armed: Network?
    private var ready = false

    init(files: RecoveryFiles) {
        self.files = files
        ready =
            (try? FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)) != nil
            && cnc_recovery_paths(files.directory) == 0
    }

    /// Encodes the state's network when it is unsaved and has changed since the last call.
    func update(_ state: AppState) {
        guard ready else { return }
        let wanted = state.dirty ? state.network : nil
        guard wanted != armed else { return }
        armed = wanted
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
