import ConvEngine
import Foundation
import Testing

@testable import ConvPlayTUI

/// The recovery files a crash leaves, read as a hostile user could have left them: a FIFO, garbage or a file past
/// the size a preset may have is no recovery (a message, the file moved aside), never a hang or a crash.
@Suite struct RecoveryFilesTests {
    /// Runs `body` with the recovery files of a fresh temporary folder, removed after.
    static func withFiles(_ body: (RecoveryFiles) throws -> Void) throws {
        try withTemporaryFolder("recovery") { try body(RecoveryFiles(directory: $0)) }
    }

    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    /// Where `setAside(now:)` moves the network: recovery-<date>.json in the folder (the date in local time).
    static func asidePath(_ files: RecoveryFiles) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return files.directory + "/recovery-\(formatter.string(from: now)).json"
    }

    @Test func nothingLeftIsNoOffer() throws {
        try Self.withFiles { files in
            #expect(files.offer() == .none)
        }
    }

    @Test func aNetworkAndItsSourceAreOffered() throws {
        try Self.withFiles { files in
            try Preset.save(Fixture.tiny, to: files.network)
            try "/work/tiny.json".write(toFile: files.source, atomically: true, encoding: .utf8)
            #expect(files.offer() == .network(source: "/work/tiny.json"))
        }
    }

    /// A FIFO at recovery.source is never waited on: the network is offered as one never saved.
    @Test func aFIFOAsTheSourceIsNoSource() throws {
        try Self.withFiles { files in
            try Preset.save(Fixture.tiny, to: files.network)
            #expect(mkfifo(files.source, 0o644) == 0)
            #expect(files.offer() == .network(source: nil))
        }
    }

    @Test(arguments: ["fifo", "garbage", "huge", "folder"])
    func aDamagedRecoveryFileIsSetAsideWithASentence(_ kind: String) throws {
        try Self.withFiles { files in
            let reason: String
            switch kind {
            case "fifo":
                #expect(mkfifo(files.network, 0o644) == 0)
                reason = "cannot read \(files.network): it is a FIFO (named pipe), not a regular file — name a regular file"
            case "garbage":
                try Data([0x7B, 0x22, 0xFF]).write(to: URL(fileURLWithPath: files.network))
                reason = "cannot read \(files.network): it is not UTF-8 text — save it as UTF-8 JSON"
            case "huge":
                // A sparse file past the 64 MiB a preset may have: refused from its size, never read.
                #expect(FileManager.default.createFile(atPath: files.network, contents: nil))
                #expect(truncate(files.network, 65 << 20) == 0)
                reason = "cannot read \(files.network): it is 65.0 MiB, over the 64.0 MiB this file may have — use a smaller file"
            default:
                try FileManager.default.createDirectory(atPath: files.network, withIntermediateDirectories: true)
                reason = "cannot read \(files.network): it is a folder, not a regular file — name a regular file"
            }
            let aside = Self.asidePath(files)
            #expect(
                files.offer(now: Self.now)
                    == .damaged(
                        "the recovery file \(files.network) holds no network (\(reason)) — moved aside as \(aside), starting without it"))
            #expect(FileManager.default.fileExists(atPath: aside), "nothing lost")
            #expect(files.offer() == .none, "never offered again")
        }
    }

    /// Weights trained in the playground and never saved are written beside the network, which names them: opening
    /// the recovery gives the trained values back, not the seed's.
    @Test func trainedWeightsComeBackWithTheNetwork() throws {
        try Self.withFiles { files in
            var trained = Network(
                name: "trained", input: InputSpec(shape: Fixture.ramp.shape), nodes: [Node("mix", Conv(outChannels: 2, kernel: Size2(1)))])
            let mix = try #require(trained.node(at: trained.executionOrder[0]))
            let values = LayerParameters(weight: [3, -7], weightShape: [2, 1, 1, 1], bias: [0.5, 0.25])
            trained.initialization.weightsDirectory = "weights"  // where a save would put them: never written
            trained.initialization.loadedWeights = [mix.name: LoadedParameters(parameters: values, file: "weights")]
            var state = try AppState(preset: PlaygroundPreset(network: trained, file: nil, isShipped: false, input: Fixture.ramp))
            state.savedNetwork = nil
            state.trainedWeightsUnsaved = true
            let crash = CrashRecovery(files: files)
            crash.update(state)
            #expect(FileManager.default.fileExists(atPath: files.weights))
            // What the crash handler would write: the armed network, as recovery.json.
            try Preset.save(try #require(crash.armedNetwork), to: files.network)
            #expect(try #require(crash.armedNetwork).initialization.weightsDirectory == files.weights)
            let recovered = try files.open()
            #expect(recovered.network.initialization.loadedWeights[mix.name]?.parameters.weight == [3, -7])
            #expect(recovered.network.initialization.loadedWeights[mix.name]?.parameters.bias == [0.5, 0.25])
            #expect(!FileManager.default.fileExists(atPath: files.weights), "removed once opened")
        }
    }
}
