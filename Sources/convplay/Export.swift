import ArgumentParser
import ConvEngine

/// `convplay export`: the network as ONNX, for onnxruntime, Netron and every framework.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a preset's network with its weights as ONNX (opset 13).")

    @OptionGroup var options: PresetOptions
    @Option(help: ArgumentHelp("The .onnx file to write.", valueName: "file"))
    var onnx: String

    func run() throws {
        let loaded = try options.load()
        let session = try options.session(for: loaded)
        do { try ONNXExport.write(network: session.network, to: onnx) } catch { throw CommandError.exportFailed(file: onnx, error) }
        print("wrote \(onnx)")
    }
}
