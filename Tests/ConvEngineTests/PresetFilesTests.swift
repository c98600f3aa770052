import Foundation
import Testing

@testable import ConvEngine

/// Where the repository's `presets/` folder is, found from this source file (independent of the lookup under test).
enum PresetFixtures {
    static let folder: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/ConvEngineTests/<file> → repository root
        return url.appendingPathComponent("presets").path
    }()

    static func path(_ name: String) -> String { "\(folder)/\(name).json" }

    /// The presets the design promises, by file name.
    static let shippedNames = [
        "dense-digits", "edges", "googlenet", "inception-3a", "inception-3a-naive", "lateral", "mlpconv-1d", "mobilenet-v2", "nin-cifar10",
        "nin-digits", "nin-imagenet", "nin-shapes", "one-by-one", "plain-shapes", "resnet50", "squeezenet", "tiny-inception-naive-shapes",
        "tiny-inception-shapes",
    ]
}

@Suite struct PresetFilesTests {
    @Test func everyPromisedPresetShipsWithADescription() {
        let shipped = Preset.shipped(in: PresetFixtures.folder)
        #expect(shipped.map(\.name) == PresetFixtures.shippedNames)
        for preset in shipped {
            #expect(!preset.description.isEmpty && !preset.description.contains("\n"), "\(preset.name)")
            #expect(preset.description.count <= 140, "\(preset.name): description too long for one line")
        }
    }

    @Test(arguments: PresetFixtures.shippedNames)
    func shippedPresetLoadsAndInfersShapes(_ name: String) throws {
        let loaded = try Preset.load(path: PresetFixtures.path(name))
        #expect(loaded.directory == PresetFixtures.folder)
        let shapes = try loaded.network.inferShapes()
        #expect(shapes.outputs.count == loaded.network.displayOrder.count)
    }

    /// Every shipped preset encodes, decodes to an equal network, and survives a save and a load.
    @Test(arguments: PresetFixtures.shippedNames)
    func shippedPresetRoundTrips(_ name: String) throws {
        let network = try Preset.load(path: PresetFixtures.path(name)).network
        let text = Preset.encode(network)
        #expect(try Preset.decode(json: text) == network)
        #expect(Preset.encode(try Preset.decode(json: text)) == text, "encoding is stable")

        try withTemporaryFolder("preset-tests") { folder in
            let path = "\(folder)/\(name).json"
            try Preset.save(network, to: path)
            #expect(try Preset.load(path: path).network == network)
        }
    }

    @Test func saveReplacesTheFileAndLeavesNoTemporaryFile() throws {
        try withTemporaryFolder("preset-tests") { folder in
            let path = "\(folder)/mine.json"
            try "old contents".write(toFile: path, atomically: false, encoding: .utf8)
            let network = try Preset.load(path: PresetFixtures.path("mlpconv-1d")).network
            try Preset.save(network, to: path)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["mine.json"])
            #expect(try String(contentsOfFile: path, encoding: .utf8) == Preset.encode(network))
        }
    }

    @Test func saveIntoAMissingFolderFailsWithTheReasonAndWritesNothing() throws {
        let network = try Preset.load(path: PresetFixtures.path("mlpconv-1d")).network
        let path = "/nonexistent-convplay-folder/mine.json"
        #expect(throws: PresetError.unwritableFile(path: path, reason: "No such file or directory")) {
            try Preset.save(network, to: path)
        }
        #expect(
            String(describing: PresetError.unwritableFile(path: path, reason: "No such file or directory"))
                == "cannot write /nonexistent-convplay-folder/mine.json: No such file or directory — the previous file is untouched; choose a writable folder"
        )
    }

    @Test func relativePathsResolveAgainstThePresetFolder() throws {
        let loaded = try Preset.load(path: PresetFixtures.path("edges"))
        #expect(loaded.inputImagePath == "\(PresetFixtures.folder)/chelsea.ppm")
        #expect(loaded.weightsDirectoryPath == nil)
        #expect(loaded.resolve("/abs/w") == "/abs/w")
        #expect(LoadedPreset(network: loaded.network, path: "edges.json").resolve("chelsea.ppm") == "./chelsea.ppm")
    }

    // MARK: - Finding the shipped presets

    @Test func shippedDirectoryPrefersTheEnvironment() {
        let found = Preset.shippedDirectory(
            environment: ["CONVPLAY_PRESETS": PresetFixtures.folder],
            executablePath: "/usr/bin/convplay", currentDirectory: "/")
        #expect(found == PresetFixtures.folder)
    }

    @Test func shippedDirectoryWalksUpFromTheExecutable() {
        let repository = (PresetFixtures.folder as NSString).deletingLastPathComponent
        let found = Preset.shippedDirectory(
            environment: [:], executablePath: "\(repository)/.build/release/convplay",
            currentDirectory: "/")
        #expect(found == PresetFixtures.folder)
    }

    @Test func shippedDirectoryWalksUpFromTheCurrentDirectory() {
        let repository = (PresetFixtures.folder as NSString).deletingLastPathComponent
        let found = Preset.shippedDirectory(
            environment: [:], executablePath: "/usr/bin/convplay",
            currentDirectory: "\(repository)/Sources/ConvEngine")
        #expect(found == PresetFixtures.folder)
    }

    @Test func shippedDirectoryFindsAnInstalledShareFolder() throws {
        try withTemporaryFolder("preset-tests") { prefix in
            try FileManager.default.createDirectory(atPath: "\(prefix)/share/convplay/presets", withIntermediateDirectories: true)
            try "{}".write(toFile: "\(prefix)/share/convplay/presets/edges.json", atomically: true, encoding: .utf8)
            let found = Preset.shippedDirectory(environment: [:], executablePath: "\(prefix)/bin/convplay", currentDirectory: "/")
            #expect(found == "\(prefix)/share/convplay/presets")
        }
    }

    @Test func aShippedNameResolvesToItsFile() throws {
        #expect(try Preset.resolve(name: "nin-cifar10", in: PresetFixtures.folder) == PresetFixtures.path("nin-cifar10"))
        #expect(try Preset.resolve(nameOrPath: "some/folder/mine.json") == "some/folder/mine.json")
    }

    @Test func anUnknownNameListsTheShippedPresets() {
        #expect {
            try Preset.resolve(name: "nin-cifar", in: PresetFixtures.folder)
        } throws: { error in
            String(describing: error) == "no preset file or shipped preset named \"nin-cifar\" — did you mean \"nin-cifar10\"? "
                + "shipped presets are dense-digits, edges, googlenet, inception-3a, inception-3a-naive, lateral, mlpconv-1d, mobilenet-v2, nin-cifar10, nin-digits, nin-imagenet, nin-shapes, one-by-one, plain-shapes, resnet50, squeezenet, tiny-inception-naive-shapes, tiny-inception-shapes, or give a path to a .json file"
        }
    }
}
