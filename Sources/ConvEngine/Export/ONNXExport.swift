import Foundation

/// Writes a network, with its resolved weights, as an ONNX model (opset 14) so onnxruntime, Netron and every
/// framework can read it. Built from ONNX's generated message types (`ONNX/onnx.pb.swift`) and serialised by
/// SwiftProtobuf; graph input "input" `[1, C, H, W]`, output "output". Every value stays 4-D `[1, C, H, W]`,
/// like our tensors.
///
/// Each layer type writes its own node (or short chain of nodes) through `LayerKind.exportONNX`, named after the
/// node and producing the value named by its path. A parallel concat becomes `Concat` on axis 1; add becomes
/// `Add` (two branches) or `Sum` (more); an empty branch is the block's input.
public enum ONNXExport {
    /// The operator set the graph is written against.
    public static let opsetVersion = 14
    /// The ONNX IR version of the model file.
    public static let irVersion = 8

    /// The network as an ONNX model file's bytes, with every weight as an initializer.
    public static func encode(network: Network) throws(ExportError) -> [UInt8] {
        let shapes: ShapeTable
        do { shapes = try network.inferShapes() } catch { throw .shape(error) }
        var graph = GraphBuilder(network: network, shapes: shapes)
        let last = try graph.emit(network.nodes, input: "input") { NodePath.top($0) }
        graph.finish(lastValue: last)
        do { return try graph.model().serializedBytes() } catch {
            throw .writeFailed(path: "(memory)", reason: "the ONNX model could not be serialised: \(error)")
        }
    }

    /// Encodes the network and writes it to `path` atomically (a temporary file renamed into place).
    public static func write(network: Network, to path: String) throws(ExportError) {
        let bytes = try encode(network: network)
        do { try AtomicFile.write(bytes, to: path) } catch { throw .writeFailed(path: path, reason: error.reason) }
    }
}

/// One ONNX attribute value.
public enum ONNXAttribute: Sendable {
    case int(Int)
    case float(Float)
    case ints([Int])
}

/// The layer being exported: where it sits, the value that feeds it, its shapes and parameters.
public struct ONNXLayerNode {
    public let path: NodePath
    /// The node's name in the graph (the preset name, with its path when the name is not unique).
    let name: String
    /// The value that feeds the layer.
    public let input: String
    public let io: LayerIO
    public let parameters: LayerParameters?
    public let network: Network

    /// The name of the layer's output value, and the prefix of its constants: the node path.
    public var key: String { path.description }

    /// An `unsupported` error naming this layer.
    public func unsupported(_ reason: String, fix: String) -> ExportError {
        .unsupported(path: path, name: network.node(at: path)?.name ?? key, reason: reason, fix: fix)
    }
}

/// The ONNX graph under construction: nodes and initializers in order. Layers append to it.
public struct ONNXGraph {
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []

    /// Appends an `op` node computing `layer` (its output value is the layer's key, or `output` when given;
    /// `suffix` tells apart the node names of a layer written as several nodes).
    public mutating func add(
        _ op: String, for layer: ONNXLayerNode, suffix: String = "", inputs: [String], output: String? = nil,
        attributes: [(String, ONNXAttribute)] = []
    ) {
        nodes.append(.make(op, name: layer.name + suffix, inputs: inputs, outputs: [output ?? layer.key], attributes: attributes))
    }

    /// Adds a float initializer named `name` (little-endian `raw_data`) and returns the name.
    public mutating func constant(_ name: String, dims: [Int], _ values: [Float]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = dims.map(Int64.init)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        initializers.append(tensor)
        return name
    }

    /// Adds a 1-D int64 initializer (a shape or pads) and returns its name.
    public mutating func int64Constant(_ name: String, _ values: [Int]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = [Int64(values.count)]
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.int64Data = values.map(Int64.init)
        initializers.append(tensor)
        return name
    }

    /// The weight and, when present, the bias of `layer` as initializers named `<key>.weight` and `<key>.bias`.
    public mutating func weightAndBias(of layer: ONNXLayerNode) -> [String] {
        guard let p = layer.parameters else { return [] }
        var names = [constant(layer.key + ".weight", dims: p.weightShape, p.weight)]
        if let bias = p.bias { names.append(constant(layer.key + ".bias", dims: [bias.count], bias)) }
        return names
    }

    /// `Flatten` then `op`, then `Reshape` back to `[1, N, 1, 1]`: how a layer over the flattened input
    /// (dense, flatten itself) keeps the graph 4-D.
    public mutating func flattened(
        _ layer: ONNXLayerNode, op: String?, inputs extra: [String] = [], attributes: [(String, ONNXAttribute)] = []
    ) {
        let flat = layer.key + "/flat"
        add("Flatten", for: layer, suffix: "/flatten", inputs: [layer.input], output: flat, attributes: [("axis", .int(1))])
        var last = flat
        if let op {
            last = layer.key + "/" + op.lowercased()
            add(op, for: layer, suffix: "/" + op.lowercased(), inputs: [flat] + extra, output: last, attributes: attributes)
        }
        let shape = int64Constant(layer.key + ".shape", [1, layer.io.output.channels, 1, 1])
        add("Reshape", for: layer, inputs: [last, shape])
    }
}

/// Builds the graph node by node, then encodes the ModelProto.
private struct GraphBuilder {
    let network: Network
    let shapes: ShapeTable
    var graph = ONNXGraph()
    private let duplicateNames: Set<String>

    init(network: Network, shapes: ShapeTable) {
        self.network = network
        self.shapes = shapes
        var seen: Set<String> = []
        var duplicates: Set<String> = []
        for path in network.executionOrder {
            let name = network.node(at: path)!.name
            if !seen.insert(name).inserted { duplicates.insert(name) }
        }
        duplicateNames = duplicates
    }

    /// Emits a sequence of nodes fed by the value `input`; returns the name of the sequence's output value.
    mutating func emit(_ sequence: [Node], input: String, pathOf: (Int) -> NodePath) throws(ExportError) -> String {
        var current = input
        for (index, node) in sequence.enumerated() {
            let path = pathOf(index)
            let exported = ONNXLayerNode(
                path: path, name: nodeName(path), input: current, io: shapes.io(at: path),
                parameters: network.parameters(at: path, shapes: shapes), network: network)
            switch node.kind {
            case .parallel(let block):
                var parts: [String] = []
                for (b, branch) in block.branches.enumerated() {
                    parts.append(try emit(branch, input: current) { path.child(branch: b, index: $0) })
                }
                switch block.merge {
                case .concat: graph.add("Concat", for: exported, inputs: parts, attributes: [("axis", .int(1))])
                case .add: graph.add(parts.count == 1 ? "Identity" : parts.count == 2 ? "Add" : "Sum", for: exported, inputs: parts)
                }
            case .layer(let layer):
                try layer.kind.exportONNX(&graph, exported)
            }
            current = path.description
        }
        return current
    }

    /// Names the network's last value "output" (an `Identity` from the input when there are no nodes).
    mutating func finish(lastValue: String) {
        if lastValue == "input" {
            graph.nodes.append(.make("Identity", name: "output", inputs: ["input"], outputs: ["output"]))
            return
        }
        for i in graph.nodes.indices {
            graph.nodes[i].output = graph.nodes[i].output.map { $0 == lastValue ? "output" : $0 }
            graph.nodes[i].input = graph.nodes[i].input.map { $0 == lastValue ? "output" : $0 }
        }
    }

    private func nodeName(_ path: NodePath) -> String {
        let name = network.node(at: path)!.name
        return duplicateNames.contains(name) ? "\(name)@\(path)" : name
    }

    /// The ModelProto: IR version, producer, the graph with its initializers, input and output, one opset.
    func model() -> Onnx_ModelProto {
        var model = Onnx_ModelProto()
        model.irVersion = Int64(ONNXExport.irVersion)
        model.producerName = "convplay"
        model.producerVersion = "1"
        if !network.summary.isEmpty { model.docString = network.summary }
        model.graph.node = graph.nodes
        model.graph.name = network.name
        model.graph.initializer = graph.initializers
        model.graph.input = [Self.valueInfo("input", shapes.input)]
        model.graph.output = [Self.valueInfo("output", shapes.output)]
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Int64(ONNXExport.opsetVersion)
        model.opsetImport = [opset]
        return model
    }

    /// A float tensor value `[1, C, H, W]`.
    private static func valueInfo(_ name: String, _ shape: Shape) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        info.type.tensorType.shape.dim = ([1] + shape.dimensions).map { size in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(size)
            return dim
        }
        return info
    }
}

extension Onnx_NodeProto {
    /// A node of the default domain.
    static func make(
        _ op: String, name: String, inputs: [String], outputs: [String], attributes: [(String, ONNXAttribute)] = []
    ) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = name
        node.input = inputs
        node.output = outputs
        node.attribute = attributes.map { name, value in
            var attribute = Onnx_AttributeProto()
            attribute.name = name
            switch value {
            case .int(let i):
                attribute.i = Int64(i)
                attribute.type = .int
            case .float(let f):
                attribute.f = f
                attribute.type = .float
            case .ints(let list):
                attribute.ints = list.map(Int64.init)
                attribute.type = .ints
            }
            return attribute
        }
        return node
    }
}
