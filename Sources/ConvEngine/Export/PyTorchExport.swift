import Foundation

/// Writes a network as a PyTorch module, so a sketch made here trains at scale: `model.py` (a readable `nn.Module`
/// built with no arguments, one attribute per layer named as in the preset, a class per parallel block, `forward`
/// written out), `weights.safetensors` (its `state_dict`, keys exactly the module's), `train.py` (distributed
/// training on convplay's data sets), `preset.json` (the network loading `weights.safetensors`, to bring trained
/// weights back) and `README.md`; the shipped digits go into `data/` when the network trains on them.
///
/// Each layer type writes its own module and call through `LayerKind.exportPyTorch`; values stay 4-D `[N, C, H, W]`
/// like our tensors (dense and flatten give `[N, F, 1, 1]`), and a network ending in `C×1×1` returns `[N, C]`.
public enum PyTorchExport {
    /// The files `write` puts in the folder.
    public static let modelFile = "model.py", weightsFile = "weights.safetensors", readmeFile = "README.md"
    public static let trainFile = "train.py", presetFile = "preset.json", dataFolder = "data"
    /// The shipped digits' files, copied into `data/` for a network whose data set is `digits`.
    static let digitsFiles = ["digits-images-idx3-ubyte", "digits-labels-idx1-ubyte"]

    /// Writes `model.py`, `weights.safetensors`, `train.py`, `preset.json` and `README.md` (and the digits, for a
    /// network trained on them) into `directory`, the folder whole or not at all (`DumpWriter.writeWhole`: it
    /// replaces only an empty folder or an earlier export). `source` is what the README says the network came
    /// from; an image input relative to `presetDirectory` becomes absolute in `preset.json`.
    public static func write(network: Network, to directory: String, source: String, presetDirectory: String = "")
        throws(ExportError)
    {
        let shapes: ShapeTable
        do { shapes = try network.inferShapes() } catch { throw .shape(error) }
        let model = try modelSource(network: network, shapes: shapes)
        let loading = network.loadingWeights(from: weightsFile, presetDirectory: presetDirectory)
        var files = [
            (weightsFile, [UInt8](Safetensors.encode(network.stateDict(shapes: shapes)))), (modelFile, Array(model.utf8)),
            (trainFile, Array(trainSource(network: network, shapes: shapes).utf8)), (presetFile, Array(Preset.encode(loading).utf8)),
            (readmeFile, Array(readme(network: network, shapes: shapes, source: source).utf8)),
        ]
        if network.trainingData == .digits {
            guard let shipped = Preset.shippedDirectory() else {
                throw .writeFailed(path: directory + "/" + dataFolder, reason: "the shipped digits (presets/data) were not found")
            }
            for file in digitsFiles {
                guard let bytes = FileManager.default.contents(atPath: shipped + "/data/" + file) else {
                    throw .writeFailed(path: directory + "/" + dataFolder + "/" + file, reason: "\(shipped)/data/\(file) cannot be read")
                }
                files.append((dataFolder + "/" + file, [UInt8](bytes)))
            }
        }
        try DumpWriter.writeWhole(directory, marker: modelFile) { writer throws(ExportError) in
            for (file, bytes) in files {
                let path = (writer.directory as NSString).appendingPathComponent(file)
                do throws(FileWriteError) {
                    try AtomicFile.makeDirectories((path as NSString).deletingLastPathComponent)
                    try AtomicFile.write(bytes, to: path)
                } catch {
                    throw .writeFailed(path: path, reason: error.reason)
                }
            }
        }
    }

    /// The text of `model.py`.
    public static func modelSource(network: Network, shapes: ShapeTable) throws(ExportError) -> String {
        var writer = ModuleWriter(network: network, shapes: shapes, names: network.moduleNames())
        let top = try writer.module(
            className: "Net", doc: network.name + (network.summary.isEmpty ? "" : ": " + network.summary),
            branches: [network.nodes], pathOf: { _, index in NodePath.top(index) }, merge: nil)
        var text = """
            \"\"\"\(network.name), as a PyTorch module written by convplay (`convplay export PRESET --pytorch DIR`).

            Input [N, \(shapes.input.channels), \(shapes.input.height), \(shapes.input.width)]; \
            output \(shapes.output.planeSize == 1 ? "[N, \(shapes.output.channels)]" : "[N, \(shapes.output.dimensions.map(String.init).joined(separator: ", "))]"). \
            The weights are weights.safetensors beside this file, its state_dict:

                from safetensors.torch import load_file
                model = Net()
                model.load_state_dict(load_file("weights.safetensors"))
                model.eval()
            \"\"\"
            import math

            import torch
            import torch.nn as nn
            import torch.nn.functional as F



            """
        let parts = writer.helpers.sorted(by: { $0.name < $1.name }).map(\.code) + writer.classes + [top]
        text += parts.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined(separator: "\n\n")
        return text
    }

    static func readme(network: Network, shapes: ShapeTable, source: String) -> String {
        let data = network.trainingData.map { "`\($0)` (this preset's own, the default)" } ?? "none by default: give `--data`"
        let input = "\(shapes.input.channels), \(shapes.input.height), \(shapes.input.width)"
        return """
            # \(network.name) in PyTorch

            Written by convplay from `\(source)` (`convplay export … --pytorch DIR`).

            - `model.py`: `Net`, a plain `nn.Module` (no constructor arguments): one attribute per layer, named as in the
              preset, a class per parallel block, `forward` written out. Input `[N, \(input)]`.
            - `weights.safetensors`: its `state_dict` (float32; batch norms' `num_batches_tracked` as int64), the same keys
              `Net().state_dict()` has.
            - `train.py`: trains it with DistributedDataParallel on convplay's data sets, then saves `weights.safetensors`.
            - `preset.json`: the network as a convplay preset whose `"init": {"weights": "weights.safetensors"}` loads them.

            ```python
            import torch
            from safetensors.torch import load_file, save_file
            from model import Net

            model = Net()
            model.load_state_dict(load_file("weights.safetensors"))
            model.eval()
            y = model(torch.zeros(1, \(input)))
            # after training: save_file(model.state_dict(), "weights.safetensors")
            ```

            ## Training

            Data set: \(data). `train.py` takes `convplay train`'s options — `--data digits|shapes[:COUNT]|mnist:DIR|\
            cifar10:DIR|folder:DIR`, `--epochs`, `--batch` (over all processes), `--lr`, `--optimizer sgd|adam|adamw`,
            `--momentum`, `--nesterov`, `--weight-decay`, `--schedule constant|step:EPOCHS[:FACTOR]|cosine`, `--warmup`,
            `--flip`, `--no-shuffle`, `--seed` — and their defaults. It starts from `weights.safetensors`, prints a line
            per epoch and the held-out accuracy, and the first process saves the weights back atomically. Images are
            split, scaled and fitted to the input as convplay does, so `convplay evaluate preset.json` reports the
            accuracy `train.py` printed. The digits travel in `data/` (for a network trained on them); the synthetic
            shapes are drawn here exactly as convplay draws them from `--seed`; MNIST, CIFAR-10 and image folders are
            read from the folder `--data` names. Nothing is downloaded.

            One machine, two processes (gloo on CPU; with GPUs, NCCL and one process per GPU):

            ```
            torchrun --standalone --nproc_per_node=2 train.py --epochs 1
            ```

            Several machines: copy this folder (and any `--data` folder) to each, pick one as the rendezvous host, and
            start the same command on every machine with its own `--node-rank` (0 … N−1):

            ```
            torchrun --nnodes=2 --nproc_per_node=2 --node-rank=0 --rdzv-backend=c10d \\
                --rdzv-endpoint=HOST:29500 --rdzv-id=convplay train.py --epochs 10
            ```

            `python train.py` runs one process without torch.distributed. Then, in convplay:

            ```
            convplay evaluate preset.json     # the held-out accuracy train.py printed
            convplay preset.json              # the playground with the trained weights
            ```

            """
    }
}

/// A layer being exported to PyTorch: where it sits, its attribute name, its shapes.
public struct PyTorchLayerNode {
    public let path: NodePath
    public let name: String
    /// The attribute the layer's module is stored under (`self.<attribute>`).
    public let attribute: String
    public let io: LayerIO

    /// An `unsupported` error naming this layer.
    public func unsupported(_ reason: String, fix: String) -> ExportError {
        .unsupported(path: path, name: name, reason: reason, fix: fix)
    }
}

/// What a layer contributes to `model.py`: the module built in `__init__`, the expression `forward` applies to
/// its input, and any helper it needs defined at the top of the file.
public struct PyTorchLayer {
    /// The constructor expression: `nn.Conv2d(3, 64, kernel_size=(7, 7), …)`.
    public var module: String
    /// The call on an input expression: `{ "self.conv1(\($0))" }`.
    public var call: (String) -> String
    public var helpers: [PyTorchHelper]

    public init(module: String, helpers: [PyTorchHelper] = [], call: @escaping (String) -> String) {
        self.module = module
        self.call = call
        self.helpers = helpers
    }
}

/// A definition a layer's code needs at the top of `model.py` (a module class or a function).
public struct PyTorchHelper: Hashable, Sendable {
    public let name: String
    public let code: String
    public init(name: String, code: String) {
        self.name = name
        self.code = code
    }
}

/// Python literals and spellings the emitters share.
public enum Python {
    /// `(3, 5)`.
    public static func pair(_ size: Size2) -> String { "(\(size.height), \(size.width))" }
    /// A float literal that reads back as the same Float32 (`0.0001`, `1e-05`, `-inf`).
    public static func float(_ value: Float) -> String {
        if value.isInfinite { return value < 0 ? "-math.inf" : "math.inf" }
        if value.isNaN { return "math.nan" }
        let text = formatShortest(value)
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }
    /// A string literal: `"NIN digits"`, quotes and backslashes escaped.
    public static func string(_ text: String) -> String {
        "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
    /// `[3, 3, 2]`.
    public static func list(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ", ") + "]" }
}

/// Builds the classes of `model.py`: one per parallel block (named after it), then `Net`.
private struct ModuleWriter {
    let network: Network
    let shapes: ShapeTable
    let names: [NodePath: String]
    var classes: [String] = []
    var helpers: Set<PyTorchHelper> = []
    var classNames: Set<String> = ["Net"]

    /// A class whose `__init__` builds every node of `branches` and whose `forward` runs them: one sequence
    /// (the network) returns its last value; several (a block) are merged.
    mutating func module(
        className: String, doc: String, branches: [[Node]], pathOf: (Int, Int) -> NodePath, merge: Merge?
    ) throws(ExportError) -> String {
        var initLines: [String] = []
        var forwardLines: [String] = []
        var results: [String] = []
        for (b, branch) in branches.enumerated() {
            let variable = merge == nil ? "x" : "b\(b)"
            var current = "x"
            for (index, node) in branch.enumerated() {
                let path = pathOf(b, index)
                let attribute = String(names[path]!.split(separator: ".").last!)
                let call: String
                switch node.kind {
                case .layer(let layer):
                    let exported = try layer.kind.exportPyTorch(
                        PyTorchLayerNode(path: path, name: node.name, attribute: attribute, io: shapes.io(at: path)))
                    helpers.formUnion(exported.helpers)
                    initLines.append("self.\(attribute) = \(exported.module)")
                    call = exported.call(current)
                case .parallel(let block):
                    let blockClass = uniqueClassName(node.name)
                    classes.append(
                        try module(
                            className: blockClass,
                            doc:
                                "\(node.name): \(block.merge == .concat ? "channel concatenation" : "sum") of \(block.branches.count) branches",
                            branches: block.branches, pathOf: { path.child(branch: $0, index: $1) }, merge: block.merge))
                    initLines.append("self.\(attribute) = \(blockClass)()")
                    call = "self.\(attribute)(\(current))"
                }
                forwardLines.append("\(variable) = \(call)")
                current = variable
            }
            results.append(current)
        }
        var returned: String
        switch merge {
        case nil:
            returned = results[0]
            if shapes.output.planeSize == 1 { returned += ".flatten(1)" }
        case .concat?: returned = "torch.cat([\(results.joined(separator: ", "))], dim=1)"
        case .add?: returned = results.joined(separator: " + ")
        }
        let body = initLines.isEmpty ? ["super().__init__()"] : ["super().__init__()"] + initLines
        return """
            class \(className)(nn.Module):
                \"\"\"\(doc.replacingOccurrences(of: "\"\"\"", with: "'''"))\"\"\"

                def __init__(self):
            \(body.map { "        " + $0 }.joined(separator: "\n"))

                def forward(self, x):
            \((forwardLines + ["return " + returned]).map { "        " + $0 }.joined(separator: "\n"))

            """
    }

    /// `inception_3a` → `Inception3a`, unique among the file's classes.
    mutating func uniqueClassName(_ name: String) -> String {
        var taken = classNames
        let identifier = pythonIdentifier(name, avoiding: &taken)
        var base = identifier.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        if base.isEmpty || base.first!.isNumber { base = "Block" + base }
        return unique(base, among: &classNames, joiner: "")
    }
}
