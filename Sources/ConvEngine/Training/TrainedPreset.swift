import Foundation

extension TrainableNetwork {
    /// The network as a preset that starts from the current parameters: layers lose the values their preset
    /// wrote out, every layer's parameters are loaded by name from a `weights` folder beside the preset, and an
    /// image input relative to `presetDirectory` becomes absolute.
    public func trainedNetwork(presetDirectory: String) -> Network {
        var trained = network.loadingWeights(from: "weights", presetDirectory: presetDirectory)
        for (path, p) in parameters {
            trained.initialization.loadedWeights[network.node(at: path)!.name] = LoadedParameters(parameters: p, file: "weights")
        }
        return trained
    }

    /// Refuses a `--save` folder `saveTrained` would refuse (a file, a folder of other files), before the training
    /// whose result it would hold.
    public static func checkSaveFolder(_ directory: String) throws(ExportError) {
        try DumpWriter.checkReplaceable(directory, marker: savedPresetFile)
    }

    /// The file that makes a folder a trained preset.
    static let savedPresetFile = "preset.json"

    /// Writes `directory/preset.json` and `directory/weights/` (a `run --dump` of the trained network on its own
    /// input, which is what a preset's `"init": {"weights": …}` reads), whole or not at all: into a sibling
    /// folder first, then swapped in for an old one.
    public func saveTrained(to directory: String, presetDirectory: String, input: Tensor) throws(ExportError) {
        let trained = trainedNetwork(presetDirectory: presetDirectory)
        let session: ForwardSession
        do { session = try ForwardSession(network: trained, input: input) } catch {
            throw .writeFailed(path: directory, reason: "\(error)")
        }
        try DumpWriter.writeWhole(directory, marker: Self.savedPresetFile) { writer throws(ExportError) in
            try ActivationDump.write(session: session, to: writer.directory + "/weights", presetName: network.name)
            do { try Preset.save(trained, to: writer.directory + "/" + Self.savedPresetFile) } catch {
                throw .writeFailed(path: directory + "/preset.json", reason: "\(error)")
            }
        }
    }
}

extension Network {
    /// The network as a preset whose every layer loads its parameters from `weights` (a weights folder or a
    /// `.safetensors` file, relative to the preset): layers lose the values their preset wrote out, and an image
    /// input relative to `presetDirectory` becomes absolute.
    public func loadingWeights(from weights: String, presetDirectory: String) -> Network {
        func strip(_ nodes: [Node]) -> [Node] {
            nodes.map { node in
                var node = node
                switch node.kind {
                case .layer(let layer): node.kind = .layer(Self.dropWritten(layer.kind))
                case .parallel(var block):
                    block.branches = block.branches.map(strip)
                    node.kind = .parallel(block)
                }
                return node
            }
        }
        var loading = self
        loading.nodes = strip(nodes)
        loading.initialization.weightsDirectory = weights
        loading.initialization.loadedWeights = [:]
        if case .image(let path) = input.source, !path.hasPrefix("/") {
            loading.input.source = .image(path: (presetDirectory as NSString).appendingPathComponent(path))
        }
        return loading
    }

    private static func dropWritten(_ kind: some LayerKind) -> Layer { Layer(kind.droppingWrittenParameters()) }
}
