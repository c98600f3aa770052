import Foundation

/// Writes a network, with its resolved weights, as an ONNX model (opset 13) so onnxruntime, Netron and every
/// framework can read it. Encoded by our own small protobuf writer; graph input "input" `[1, C, H, W]`,
/// output "output". Every value stays 4-D `[1, C, H, W]`, like our tensors.
///
/// The mapping, one ONNX node (or a short chain) per layer:
/// - conv → `Conv` with pads `[top, left, bottom, right]`; bottom/right are what the output extent actually
///   reaches (`(OH − 1)·s + (KH − 1)·d + 1 − H − top`, at least 0), so `same` padding and strides that skip the
///   last rows are exact.
/// - max pool → `MaxPool`, avg pool → `AveragePool` with `count_include_pad = 0`. Caffe's ceil rounding is
///   written as extra end padding with `ceil_mode = 0` (exact: max ignores padding, and the average
///   excludes it from its divisor as Caffe excludes the overhang). A padded avg pool first zero-pads with a
///   `Pad` node, because Caffe counts that padding in its divisor.
/// - global avg pool → `GlobalAveragePool`; ReLU / leaky ReLU / sigmoid / tanh → `Relu` / `LeakyRelu` /
///   `Sigmoid` / `Tanh`; batch norm → `BatchNormalization`; LRN → `LRN` (ONNX, like Caffe, divides alpha by
///   size); dropout → `Identity`; softmax → `Softmax` on axis 1 (over channels, per position).
/// - flatten → `Flatten` + `Reshape` to `[1, N, 1, 1]`; dense → `Flatten` + `Gemm` (transB = 1) + `Reshape`.
/// - lateral (`y = z + Mᵀz` per position) → a 1×1 `Conv` with weight `I + Mᵀ`, the fold written out.
/// - parallel concat → `Concat` on axis 1; add → `Add` (two branches) or `Sum` (more). An empty branch is
///   the block's input.
public enum ONNXExport {
    /// The operator set the graph is written against.
    public static let opsetVersion = 13
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
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .writeFailed(path: path, reason: error.localizedDescription)
        }
    }
}

/// One ONNX attribute value.
private enum Attribute {
    case int(Int)
    case float(Float)
    case ints([Int])
}

/// One ONNX graph node before encoding.
private struct GraphNode {
    var opType: String
    var name: String
    var inputs: [String]
    var outputs: [String]
    var attributes: [(String, Attribute)] = []
}

/// One initializer: float weights, or int64 constants (shapes, pads).
private struct Initializer {
    enum Values {
        case floats([Float])
        case int64s([Int])
    }
    var name: String
    var dims: [Int]
    var values: Values
}

/// Builds the graph node by node, then encodes the ModelProto.
private struct GraphBuilder {
    let network: Network
    let shapes: ShapeTable
    var nodes: [GraphNode] = []
    var initializers: [Initializer] = []
    private let duplicateNames: Set<String>

    init(network: Network, shapes: ShapeTable) {
        self.network = network
        self.shapes = shapes
        var seen: Set<String> = [], duplicates: Set<String> = []
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
            switch node.kind {
            case .parallel(let block):
                var parts: [String] = []
                for (b, branch) in block.branches.enumerated() {
                    parts.append(try emit(branch, input: current) { path.child(branch: b, index: $0) })
                }
                let op: String
                var attributes: [(String, Attribute)] = []
                switch block.merge {
                case .concat:
                    op = "Concat"
                    attributes = [("axis", .int(1))]
                case .add: op = parts.count == 1 ? "Identity" : parts.count == 2 ? "Add" : "Sum"
                }
                add(op, path: path, inputs: parts, attributes: attributes)
            case .layer(let layer):
                try emitLayer(layer, path: path, input: current)
            }
            current = path.description
        }
        return current
    }

    /// Names the network's last value "output" (an `Identity` from the input when there are no nodes).
    mutating func finish(lastValue: String) {
        if lastValue == "input" {
            nodes.append(GraphNode(opType: "Identity", name: "output", inputs: ["input"], outputs: ["output"]))
            return
        }
        for i in nodes.indices {
            nodes[i].outputs = nodes[i].outputs.map { $0 == lastValue ? "output" : $0 }
            nodes[i].inputs = nodes[i].inputs.map { $0 == lastValue ? "output" : $0 }
        }
    }

    private func nodeName(_ path: NodePath, _ suffix: String = "") -> String {
        let name = network.node(at: path)!.name
        return (duplicateNames.contains(name) ? "\(name)@\(path)" : name) + suffix
    }

    /// Appends a node whose output is the value named after `path` (or `output` when given).
    private mutating func add(
        _ op: String, path: NodePath, suffix: String = "", inputs: [String], output: String? = nil,
        attributes: [(String, Attribute)] = []
    ) {
        nodes.append(
            GraphNode(
                opType: op, name: nodeName(path, suffix), inputs: inputs,
                outputs: [output ?? path.description], attributes: attributes))
    }

    private mutating func constant(_ name: String, dims: [Int], _ values: [Float]) -> String {
        initializers.append(Initializer(name: name, dims: dims, values: .floats(values)))
        return name
    }

    private mutating func int64Constant(_ name: String, _ values: [Int]) -> String {
        initializers.append(Initializer(name: name, dims: [values.count], values: .int64s(values)))
        return name
    }

    private mutating func emitLayer(_ layer: Layer, path: NodePath, input x: String) throws(ExportError) {
        let key = path.description
        let inShape = shapes.inputs[path] ?? shapes.input
        let outShape = shapes.output(of: path)
        let params = network.parameters(at: path, shapes: shapes)
        switch layer {
        case .conv:
            let g = shapes.convGeometry[path]!, p = params!
            var inputs = [x, constant(key + ".weight", dims: p.weightShape, p.weight)]
            if let bias = p.bias { inputs.append(constant(key + ".bias", dims: [bias.count], bias)) }
            add(
                "Conv", path: path, inputs: inputs,
                attributes: [
                    ("kernel_shape", .ints([g.kernelHeight, g.kernelWidth])),
                    ("strides", .ints([g.strideHeight, g.strideWidth])),
                    ("pads", .ints(g.sidePads)),
                    ("dilations", .ints([g.dilationHeight, g.dilationWidth])),
                    ("group", .int(g.groups)),
                ])
        case .pool(let pool):
            try emitPool(pool, geometry: shapes.poolGeometry[path]!, path: path, input: x)
        case .globalAveragePool:
            add("GlobalAveragePool", path: path, inputs: [x])
        case .activation(let activation):
            switch activation {
            case .relu: add("Relu", path: path, inputs: [x])
            case .leakyRelu(let slope): add("LeakyRelu", path: path, inputs: [x], attributes: [("alpha", .float(slope))])
            case .sigmoid: add("Sigmoid", path: path, inputs: [x])
            case .tanh: add("Tanh", path: path, inputs: [x])
            }
        case .batchNorm(let norm):
            let p = params!, c = [inShape.channels]
            add(
                "BatchNormalization", path: path,
                inputs: [
                    x, constant(key + ".weight", dims: c, p.weight), constant(key + ".bias", dims: c, p.bias!),
                    constant(key + ".running_mean", dims: c, p.runningMean!),
                    constant(key + ".running_var", dims: c, p.runningVariance!),
                ], attributes: [("epsilon", .float(norm.epsilon))])
        case .localResponseNorm(let lrn):
            add(
                "LRN", path: path, inputs: [x],
                attributes: [
                    ("size", .int(lrn.size)), ("alpha", .float(lrn.alpha)), ("beta", .float(lrn.beta)), ("bias", .float(lrn.k)),
                ])
        case .dropout:
            add("Identity", path: path, inputs: [x])
        case .softmax:
            add("Softmax", path: path, inputs: [x], attributes: [("axis", .int(1))])
        case .flatten:
            add("Flatten", path: path, suffix: "/flatten", inputs: [x], output: key + "/flat", attributes: [("axis", .int(1))])
            let shape = int64Constant(key + ".shape", [1, outShape.channels, 1, 1])
            add("Reshape", path: path, inputs: [key + "/flat", shape])
        case .dense:
            let p = params!
            add("Flatten", path: path, suffix: "/flatten", inputs: [x], output: key + "/flat", attributes: [("axis", .int(1))])
            var inputs = [key + "/flat", constant(key + ".weight", dims: p.weightShape, p.weight)]
            if let bias = p.bias { inputs.append(constant(key + ".bias", dims: [bias.count], bias)) }
            add("Gemm", path: path, suffix: "/gemm", inputs: inputs, output: key + "/gemm", attributes: [("transB", .int(1))])
            let shape = int64Constant(key + ".shape", [1, outShape.channels, 1, 1])
            add("Reshape", path: path, inputs: [key + "/gemm", shape])
        case .lateral:
            // y = z + Mᵀz per position is a 1×1 conv whose weight (out j, in i) is δᵢⱼ + M[i][j]: W = I + Mᵀ.
            let m = params!.weight, n = inShape.channels
            var w = [Float](repeating: 0, count: n * n)
            for j in 0..<n { for i in 0..<n { w[j * n + i] = (i == j ? 1 : 0) + m[i * n + j] } }
            add(
                "Conv", path: path, inputs: [x, constant(key + ".weight", dims: [n, n, 1, 1], w)],
                attributes: [("kernel_shape", .ints([1, 1]))])
        }
    }

    /// Caffe pooling as ONNX pooling with `ceil_mode = 0`: the ceil window becomes extra end padding.
    private mutating func emitPool(_ pool: Pool, geometry g: PoolGeometry, path: NodePath, input x: String) throws(ExportError) {
        let key = path.description
        var source = x, height = g.inHeight, width = g.inWidth, top = g.padTop, left = g.padLeft
        if pool.kind == .average && (top > 0 || left > 0) {
            // Caffe's average counts the zero padding in its divisor: pad with real zeros first.
            let pads = int64Constant(key + ".pads", [0, 0, top, left, 0, 0, top, left])
            add("Pad", path: path, suffix: "/pad", inputs: [x, pads], output: key + "/padded")
            source = key + "/padded"
            height += 2 * top
            width += 2 * left
            top = 0
            left = 0
        }
        let bottom = max(0, (g.outHeight - 1) * g.strideHeight + g.kernelHeight - height - top)
        let right = max(0, (g.outWidth - 1) * g.strideWidth + g.kernelWidth - width - left)
        // ONNX floor rounding over the padded extent must land on our extent.
        let onnxHeight = (height + top + bottom - g.kernelHeight) / g.strideHeight + 1
        let onnxWidth = (width + left + right - g.kernelWidth) / g.strideWidth + 1
        guard onnxHeight == g.outHeight, onnxWidth == g.outWidth else {
            throw .unsupported(
                path: path, name: network.node(at: path)!.name,
                reason: "ONNX pooling gives \(onnxHeight)×\(onnxWidth) where convplay gives \(g.outHeight)×\(g.outWidth)",
                fix: "change the pool's padding or stride so its windows fit the input")
        }
        var attributes: [(String, Attribute)] = [
            ("kernel_shape", .ints([g.kernelHeight, g.kernelWidth])),
            ("strides", .ints([g.strideHeight, g.strideWidth])),
            ("pads", .ints([top, left, bottom, right])),
            ("ceil_mode", .int(0)),
        ]
        if pool.kind == .average { attributes.append(("count_include_pad", .int(0))) }
        add(pool.kind == .max ? "MaxPool" : "AveragePool", path: path, inputs: [source], attributes: attributes)
    }

    // MARK: encoding (field numbers from onnx.proto)

    func modelBytes() -> [UInt8] {
        var model = ProtobufWriter()
        model.int(1, ONNXExport.irVersion)  // ModelProto.ir_version
        model.string(2, "convplay")  // producer_name
        model.string(3, "1")  // producer_version
        if !network.summary.isEmpty { model.string(6, network.summary) }  // doc_string
        model.message(7) { graph in  // graph
            for node in nodes { graph.message(1) { encode(node, into: &$0) } }
            graph.string(2, network.name)  // GraphProto.name
            for tensor in initializers { graph.message(5) { encode(tensor, into: &$0) } }
            graph.message(11) { valueInfo("input", shapes.input, into: &$0) }
            graph.message(12) { valueInfo("output", shapes.output, into: &$0) }
        }
        model.message(8) { opset in  // opset_import
            opset.string(1, "")  // OperatorSetIdProto.domain (default)
            opset.int(2, ONNXExport.opsetVersion)  // version
        }
        return model.bytes
    }

    private func encode(_ node: GraphNode, into w: inout ProtobufWriter) {
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

    private func encode(_ tensor: Initializer, into w: inout ProtobufWriter) {
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
