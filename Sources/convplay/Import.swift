import ArgumentParser
import ConvEngine
import Foundation

/// `convplay import`: an ONNX model as a preset plus its weights, to open, edit and save like any other.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn an ONNX model into a preset (.json) and its weights (.safetensors beside it).",
        discussion: """
            Every subcommand also opens MODEL.onnx directly; import writes a preset you can edit and save. The preset's
            init.weights names the .safetensors file written beside it. --labels names the classes, so every view shows
            "tabby" where it would show [281].
            """)

    @Argument(help: "The .onnx model to read.")
    var model: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The preset to write (default: the model's name with .json).", valueName: "file"))
    var output: String?

    @Option(
        help: ArgumentHelp(
            "Class names for the model's outputs: a text file, one name per line in output order (as imagenet_classes.txt).",
            valueName: "file"))
    var labels: String?

    func run() throws {
        // The names are read first: a wrong list costs no import.
        let names = try labels.map { path throws(ClassNameListError) in try ClassNameList.read(path) }
        var network: Network
        do { network = try ONNXImport.network(path: model) } catch { throw PresetError.importFailed(path: model, error) }
        let presetPath = output ?? ((model as NSString).lastPathComponent as NSString).deletingPathExtension + ".json"
        let weightsPath = (presetPath as NSString).deletingPathExtension + ".safetensors"
        let shapes = try network.inferShapes()
        if let names, let labels {
            try ClassNameList.check(names, path: labels, outputs: shapes.output.elementCount)
            network.labels = names
        }
        try Safetensors.write(network.stateDict(shapes: shapes), to: weightsPath)
        network.initialization.weightsDirectory = (weightsPath as NSString).lastPathComponent
        try Preset.save(network, to: presetPath)
        let params = try network.cost(shapes: shapes).total.params
        print("wrote \(presetPath) (\(network.executionOrder.count) nodes, \(formatGrouped(params)) params) and \(weightsPath)")
    }
}
