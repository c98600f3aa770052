import ArgumentParser
import ConvEngine

/// `convplay export`: the network as ONNX, for onnxruntime, Netron and every framework, and as a PyTorch module
/// with its weights, to train at scale.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a preset's network with its weights as ONNX (opset 14) and/or a PyTorch module.",
        discussion: """
            --pytorch DIR writes model.py (an nn.Module), weights.safetensors (its state_dict), train.py (distributed
            training with torchrun on convplay's data sets), preset.json (the network loading weights.safetensors) and
            README.md; the digits go into DIR/data when the preset trains on them.
            """)

    @OptionGroup var options: PresetOptions
    @Option(help: ArgumentHelp("The .onnx file to write.", valueName: "file"))
    var onnx: String?
    @Option(
        help: ArgumentHelp("The folder to write model.py, weights.safetensors, train.py, preset.json and README.md into.", valueName: "dir")
    )
    var pytorch: String?

    func validate() throws {
        guard onnx != nil || pytorch != nil else {
            throw ValidationError("say what to write: --onnx FILE, --pytorch DIR, or both")
        }
    }

    func run() throws {
        let loaded = try options.load()
        let session = try options.session(for: loaded)
        if let onnx {
            try ONNXExport.write(network: session.network, to: onnx)
            print("wrote \(onnx)")
        }
        if let pytorch {
            try PyTorchExport.write(network: session.network, to: pytorch, source: loaded.path, presetDirectory: loaded.directory)
            print(
                "wrote \(pytorch)/\(PyTorchExport.modelFile), \(PyTorchExport.weightsFile), \(PyTorchExport.trainFile), "
                    + "\(PyTorchExport.presetFile) and \(PyTorchExport.readmeFile)")
        }
    }
}
