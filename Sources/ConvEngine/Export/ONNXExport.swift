import Foundation

/// Writes a network, with its resolved weights, as an ONNX model (opset 14) so onnxruntime, Netron and every
/// framework can read it. Encoded by our own small protobuf writer; graph input "input" `[1, C, H, W]`,
/// output "output". Every value stays 4-D `[1, C, H, W]`, like our tensors.
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
        return graph.modelBytes()
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

/// One ONNX graph node before encoding.
struct ONNXGraphNode {
    var opType: String
    var name: String
    var inputs: [String]
    var outputs: [String]
    var attributes: [(String, ONNXAttribute)] = []
}

/// One initializer: float weights, or int64 constants (shapes, pads).
struct ONNXInitializer {
    enum Values {
        case floats([Float])
        case int64s([Int])
    }
    var name: String
    var dims: [Int]
    var values: Values
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
    var nodes: [ONNXGraphNode] = []
    var initializers: [ONNXInitializer] = []

    /// Appends an `op` node computing `layer` (its output value is the layer's key, or `output` when given;
    /// `suffix` tells apart the node names of a layer written as several nodes).
    public mutating func add(
        _ op: String, for layer: ONNXLayerNode, suffix: String = "", inputs: [String], output: String? = nil,
        attributes: [(String, ONNXAttribute)] = []
    ) {
        nodes.append(
            ONNXGraphNode(
                opType: op, name: layer.name + suffix, inputs: inputs, outputs: [output ?? layer.key], attributes: attributes))
    }

    /// Adds a float initializer named `name` and returns the name.
    public mutating func constant(_ name: String, dims: [Int], _ values: [Float]) -> String {
        initializers.append(ONNXInitializer(name: name, dims: dims, values: .floats(values)))
        return name
    }

    /// Adds a 1-D int64 initializer (a shape or pads) and returns its name.
    public mutating func int64Constant(_ name: String, _ values: [Int]) -> String {
        initializers.append(ONNXInitializer(name: name, dims: [values.count], values: .int64s(values)))
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
            graph.nodes.append(ONNXGraphNode(opType: "Identity", name: "output", inputs: ["input"], outputs: ["output"]))
            return
        }
        for i in graph.nodes.indices {
            graph.nodes[i].outputs = graph.nodes[i].outputs.map { $0 == lastValue ? "output" : $0 }
            graph.nodes[i].inputs = graph.nodes[i].inputs.map { $0 == lastValue ? "output" : $0 }
        }
    }

    private func nodeName(_ path: NodePath) -> String {
        let name = network.node(at: path)!.name
        return duplicateNames.contains(name) ? "\(name)@\(path)" : name
    }

    // MARK: encoding (field numbers from onnx.proto)

    func modelBytes() -> [UInt8] {
        var model = ProtobufWriter()
        model.int(1, ONNXExport.irVersion)  // ModelProto.ir_version
        model.string(2, "convplay")  // producer_name
        model.string(3, "1")  // producer_version
        if !network.summary.isEmpty { model.string(6, network.summary) }  // doc_string
        model.message(7) { graph in  // graph
            for node in self.graph.nodes { graph.message(1) { encode(node, into: &$0) } }
            graph.string(2, network.name)  // GraphProto.name
            for tensor in self.graph.initializers { graph.message(5) { encode(tensor, into: &$0) } }
            graph.message(11) { valueInfo("input", shapes.input, into: &$0) }
            graph.message(12) { valueInfo("output", shapes.output, into: &$0) }
        }
        model.message(8) { opset in  // opset_import
            opset.string(1, "")  // OperatorSetIdProto.domain (default)
            opset.int(2, ONNXExport.opsetVersion)  // version
        }
        return model.bytes
    }

    private func encode(_ node: ONNXGraphNode, into w: inout ProtobufWriter) {
        for input in node.inputs { w.string(1, input) }  // NodeProto.input
        for output in node.outputs { w.string(2, output) }  // output
        w.string(3, node.name)  // name
        w.string(4, node.opType)  // op_type
        for (name, value) in node.attributes {
            w.message(5) { a in  // attribute
                a.string(1, name)  // AttributeProto.name
                switch value {
                case .float(let f):
                    a.float(2, f)
                    a.int(20, 1)  // f, type FLOAT
                case .int(let i):
                    a.int(3, i)
                    a.int(20, 2)  // i, type INT
                case .ints(let list):
                    for i in list { a.int(8, i) }  // ints
                    a.int(20, 7)  // type INTS
                }
            }
        }
    }

    private func encode(_ tensor: ONNXInitializer, into w: inout ProtobufWriter) {
        for d in tensor.dims { w.int(1, d) }  // TensorProto.dims
        switch tensor.values {
        case .floats(let values):
            w.int(2, 1)  // data_type FLOAT
            w.string(8, tensor.name)  // name
            w.bytes(9, ProtobufWriter.rawFloats(values))  // raw_data
        case .int64s(let values):
            w.int(2, 7)  // data_type INT64
            w.string(8, tensor.name)
            w.bytes(9, ProtobufWriter.rawInt64s(values))
        }
    }

    private func valueInfo(_ name: String, _ shape: Shape, into w: inout ProtobufWriter) {
        w.string(1, name)  // ValueInfoProto.name
        w.message(2) { type in  // type: TypeProto
            type.message(1) { tensor in  // tensor_type
                tensor.int(1, 1)  // elem_type FLOAT
                tensor.message(2) { dims in  // shape: TensorShapeProto
                    for d in [1] + shape.dimensions {
                        dims.message(1) { $0.int(1, d) }  // dim { dim_value }
                    }
                }
            }
        }
    }
}
