import ArgumentParser
import ConvEngine

/// `convplay export`: the network as ONNX, for onnxruntime, Netron and every framework.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a preset's network with its weights as ONNX (opset 14).")

    @OptionGroup var options: PresetOptions
    @Option(help: ArgumentHelp("The .onnx file to write.", valueName: "file"))
    var onnx: String

    func run() throws {
        let loaded = try options.load()
        let session = try options.session(for: loaded)
        try ONNXExport.write(network: session.network, to: onnx)
        print("wrote \(onnx)")
    }
}
