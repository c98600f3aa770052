import Foundation
import SwiftProtobuf

/// Opens an ONNX model as a network with its weights: the operators convplay has layers for, the tree of
/// parallel blocks recovered from the graph (branches that fork from one tensor and join at one Concat or Add),
/// weights from initializers (raw, typed or external data). Anything else is refused with one sentence naming the
/// node, its operator and what convplay would need — never a half-imported network.
///
/// `network(fromModel:)` is a pure function from bytes to a network or a typed error; every size in the file is
/// checked before memory is set aside for it, so hostile input costs bounded work.
public enum ONNXImport {
    /// The operator sets read: ONNX 7 (2018) to 21.
    public static let opsets = 7...21
    /// A protobuf message cannot exceed 2 GiB; nor does a model file we read.
    public static let maximumFileBytes = Int(Int32.max)
    /// Nested parallel blocks deeper than this are refused (bounds recursion on hostile graphs).
    static let maximumDepth = 64

    /// The network in an ONNX model's bytes, its weights in `initialization.loadedWeights` (keyed by node name).
    /// `externalData` reads tensors stored beside the model; `nil` refuses them. The weights, as float32, fit in
    /// `memoryCap` bytes together, and the network's shapes are checked against it.
    public static func network(
        fromModel bytes: Data, name: String, externalData: ONNXExternalDataReader? = nil, memoryCap: Int = defaultMemoryCap
    ) throws(ONNXImportError) -> Network {
        guard bytes.count <= maximumFileBytes else { throw .tooLarge(bytes: bytes.count, limit: maximumFileBytes) }
        let model: Onnx_ModelProto
        do { model = try Onnx_ModelProto(serializedBytes: bytes) } catch { throw .malformed(reason: "\(error)") }
        let opset = try defaultOpset(of: model)
        var reader = GraphReader(
            graph: model.graph, opset: opset,
            tensors: ONNXTensorReader(externalData: externalData, elementLimit: max(memoryCap, 0) / 4))
        var network = try reader.read(name: name)
        network.summary = model.docString.isEmpty ? "imported from ONNX (opset \(opset))" : String(model.docString.prefix(200))
        do { _ = try network.inferShapes(memoryCap: memoryCap) } catch { throw .impossible(error) }
        return network
    }

    /// Reads the model file at `path` (a regular file, its size checked first) and its external data files beside
    /// it, within `memoryCap` bytes.
    public static func network(path: String, memoryCap: Int = defaultMemoryCap) throws(ONNXImportError) -> Network {
        let bytes: [UInt8]
        do { bytes = try FileReader.contents(of: path, limit: min(maximumFileBytes, max(memoryCap, 0))) } catch {
            throw .unreadableFile(path: path, error)
        }
        let folder = (path as NSString).deletingLastPathComponent
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try network(
            fromModel: Data(bytes), name: name,
            externalData: externalDataReader(folder: folder.isEmpty ? "." : folder, memoryCap: memoryCap),
            memoryCap: memoryCap)
    }

    /// Reads external data from regular files inside `folder` only: a location that is absolute or climbs out with
    /// `..` is refused, and the requested range is checked against the file's size and `memoryCap` before it is read.
    public static func externalDataReader(folder: String, memoryCap: Int = defaultMemoryCap) -> ONNXExternalDataReader {
        { (location: String, offset: Int, length: Int?) throws(ONNXImportError) -> Data in
            let parts = location.split(separator: "/", omittingEmptySubsequences: false)
            guard !location.hasPrefix("/"), !parts.contains(".."), !location.contains("\\") else {
                throw .badTensor(name: location, problem: "external data must be a file beside the model, not \(quoted(location))")
            }
            let path = (folder as NSString).appendingPathComponent(location)
            do throws(FileReadError) {
                return Data(try FileReader.range(of: path, offset: offset, length: length, limit: max(memoryCap, 0)))
            } catch {
                throw .unreadableFile(path: path, error)
            }
        }
    }

    /// The default domain's opset, checked against 7…21; other domains are refused when a node uses them.
    private static func defaultOpset(of model: Onnx_ModelProto) throws(ONNXImportError) -> Int {
        var version: Int?
        for entry in model.opsetImport where entry.domain.isEmpty || entry.domain == "ai.onnx" { version = Int(entry.version) }
        guard let version else {
            throw .graph(problem: "the model imports no ONNX operator set", fix: "export it again with an opset between 7 and 21")
        }
        guard opsets.contains(version) else { throw .unsupportedOpset(domain: "", version: version) }
        for node in model.graph.node where !(node.domain.isEmpty || node.domain == "ai.onnx") {
            throw .unsupported(
                node: node.name, op: node.opType, reason: "it is an operator of domain \"\(node.domain)\"",
                need: "a layer for that custom operator; export the model with standard ONNX operators only")
        }
        return version
    }
}

/// The value flowing through the graph as convplay sees it: its shape as `C×H×W`, and whether ONNX holds it as
/// `[N, C, H, W]` (rank 4) or flattened `[N, F]` (rank 2, after Flatten or Gemm; then H = W = 1).
struct FlowingValue {
    var name: String
    var shape: Shape
    var rank: Int
}

/// Indexes a graph (producers, consumers, constants) and walks it from the input to the output, turning
/// operators into layers and forks into parallel blocks.
struct GraphReader {
    let graph: Onnx_GraphProto
    let opset: Int
    let tensors: ONNXTensorReader
    private(set) var initializers: [String: Onnx_TensorProto] = [:]
    private(set) var producer: [String: Int] = [:]
    private(set) var consumers: [String: [Int]] = [:]
    var used: [Bool]
    var names: Set<String> = []
    var weights: [String: LayerParameters] = [:]
    var weightBytes = 0

    init(graph: Onnx_GraphProto, opset: Int, tensors: ONNXTensorReader) {
        self.graph = graph
        self.opset = opset
        self.tensors = tensors
        used = Array(repeating: false, count: graph.node.count)
        for tensor in graph.initializer { initializers[tensor.name] = tensor }
        for (index, node) in graph.node.enumerated() {
            for output in node.output where !output.isEmpty { producer[output] = index }
            for input in Set(node.input) where !input.isEmpty { consumers[input, default: []].append(index) }
        }
    }

    /// The whole graph as a network.
    mutating func read(name: String) throws(ONNXImportError) -> Network {
        let input = try graphInput()
        guard graph.output.count == 1 else {
            throw .graph(
                problem: "the graph has \(graph.output.count) outputs, but a convplay network has one",
                fix: "export the model with a single output")
        }
        let outputName = graph.output[0].name
        var value = input
        var nodes: [Node] = []
        let end = try walk(from: &value, into: &nodes, pathOf: { NodePath.top($0) }, depth: 0, inBranch: false)
        guard end == nil, value.name == outputName else {
            throw .graph(
                problem: "the walk from the input stopped at \"\(value.name)\" and never reached the output \"\(outputName)\"",
                fix: "convplay reads graphs that lead from one input to one output")
        }
        var network = Network(
            name: name, input: InputSpec(shape: input.shape), nodes: nodes)
        network.initialization.loadedWeights = weights.mapValues { LoadedParameters(parameters: $0, file: name) }
        return network
    }

    /// The one graph input that is not an initializer, as `[1, C, H, W]` floats.
    private func graphInput() throws(ONNXImportError) -> FlowingValue {
        let inputs = graph.input.filter { initializers[$0.name] == nil }
        guard inputs.count == 1 else {
            throw .graph(
                problem: "the graph has \(inputs.count) inputs besides its initializers, but a convplay network has one image input",
                fix: "export the model with a single input")
        }
        let input = inputs[0]
        let type = input.type.tensorType
        guard case .tensorType? = input.type.value, type.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw .graph(problem: "input \"\(input.name)\" is not a float tensor", fix: "export the model with a float32 input")
        }
        let dims = type.shape.dim.map { dim in if case .dimValue(let size)? = dim.value { Int(size) } else { -1 } }
        guard dims.count == 4, dims[0] == 1 || dims[0] == -1, dims[1...].allSatisfy({ $0 >= 1 && $0 <= 1 << 20 }) else {
            let written = zip(dims, type.shape.dim).map { size, dim in size >= 0 ? "\(size)" : (dim.dimParam.isEmpty ? "?" : dim.dimParam) }
            throw .graph(
                problem: "input \"\(input.name)\" has shape [\(written.joined(separator: ", "))], but convplay needs a fixed [N, C, H, W]",
                fix: "export the model with a fixed channel count, height and width (the batch may stay symbolic)")
        }
        let shape = Shape(channels: dims[1], height: dims[2], width: dims[3])
        guard shape.channels.multipliedReportingOverflow(by: shape.planeSize).partialValue <= tensors.elementLimit,
            shape.height.multipliedReportingOverflow(by: shape.width).overflow == false
        else {
            throw .graph(problem: "input \"\(input.name)\" is \(shape), too large to compute", fix: "use a smaller input")
        }
        return FlowingValue(name: input.name, shape: shape, rank: 4)
    }

    /// Walks a sequence from `value` until the graph's output (top level) or a merge node (inside a branch);
    /// appends its nodes to `nodes`, leaves `value` at the sequence's last value, and returns the merge node that
    /// ends a branch (`nil` at the top level). `first` forces the first node (a branch of a fork).
    mutating func walk(
        from value: inout FlowingValue, into nodes: inout [Node], pathOf: (Int) -> NodePath, depth: Int, inBranch: Bool,
        first: Int? = nil
    ) throws(ONNXImportError) -> Int? {
        var forced = first
        while true {
            let next = forced.map { [$0] } ?? dataConsumers(of: value.name)
            forced = nil
            if next.isEmpty {
                if inBranch {
                    throw .graph(
                        problem: "the branch through \"\(value.name)\" ends without joining the others",
                        fix: "convplay reads branches that join at one Concat or Add")
                }
                return nil
            }
            if next.count == 1, !isMerge(next[0]) {
                try readNode(next[0], value: &value, into: &nodes, pathOf: pathOf)
                continue
            }
            if next.count == 1 && inBranch { return next[0] }
            try readBlock(forkingAt: &value, consumers: next, into: &nodes, pathOf: pathOf, depth: depth)
        }
    }

    /// A fork at `value`: one branch per consumer, all ending at one Concat, Add or Sum, whose inputs name them in
    /// order (an input that is the fork's value itself is an empty branch, a residual skip).
    private mutating func readBlock(
        forkingAt value: inout FlowingValue, consumers next: [Int], into nodes: inout [Node], pathOf: (Int) -> NodePath, depth: Int
    ) throws(ONNXImportError) {
        guard depth < ONNXImport.maximumDepth else {
            throw .graph(problem: "parallel blocks nest more than \(ONNXImport.maximumDepth) deep", fix: "convplay reads shallower graphs")
        }
        let path = pathOf(nodes.count)
        var ends: [(value: FlowingValue, nodes: [Node])] = []
        var merge: Int?
        var directMerges: [Int] = []
        for consumer in next {
            if isMerge(consumer) {
                directMerges.append(consumer)
                continue
            }
            var branchValue = value
            var branchNodes: [Node] = []
            let branchIndex = ends.count
            let end = try walk(
                from: &branchValue, into: &branchNodes, pathOf: { path.child(branch: branchIndex, index: $0) }, depth: depth + 1,
                inBranch: true, first: consumer)
            guard let end, merge == nil || merge == end else { throw notSeriesParallel(at: value.name, merge: end ?? merge!) }
            merge = end
            ends.append((branchValue, branchNodes))
        }
        for direct in directMerges where merge != nil && direct != merge! { throw notSeriesParallel(at: value.name, merge: direct) }
        guard let join = merge ?? directMerges.first else { return }
        let node = graph.node[join]
        // The merge's inputs, in order, are the branch ends or the fork's value itself (an empty branch).
        var branches: [[Node]] = []
        var shapes: [Shape] = []
        var remaining = ends
        for input in node.input where !input.isEmpty {
            if input == value.name {
                branches.append([])
                shapes.append(value.shape)
            } else if let i = remaining.firstIndex(where: { $0.value.name == input }) {
                branches.append(remaining[i].nodes)
                shapes.append(remaining[i].value.shape)
                remaining.remove(at: i)
            } else {
                throw notSeriesParallel(at: value.name, merge: join)
            }
        }
        guard remaining.isEmpty, branches.count >= 2 else { throw notSeriesParallel(at: value.name, merge: join) }
        used[join] = true
        let name = uniqueName(Self.moduleName(node.name, fallback: node.opType.lowercased()))
        let merged: Merge
        var output = value.shape
        if node.opType == "Concat" {
            let axis = ONNXAttributes(node).int("axis", 1)
            guard axis == 1 || axis == value.rank * -1 + 1 else {
                throw .unsupported(
                    node: node.name, op: node.opType, reason: "it concatenates along axis \(axis)",
                    need: "a concat along another axis than channels")
            }
            merged = .concat
            output.channels = shapes.reduce(0) { $0 + $1.channels }
        } else {
            merged = .add
            output = shapes[0]
            if let first = shapes.first, let other = shapes.first(where: { $0 != first }) {
                throw .unsupported(
                    node: node.name, op: node.opType, reason: "it adds a \(first) tensor to a \(other) one (broadcasting)",
                    need: "an element-wise add of tensors of one shape")
            }
        }
        nodes.append(Node(name, parallel: ParallelBlock(branches: branches, merge: merged)))
        value = FlowingValue(name: node.output[0], shape: output, rank: value.rank)
    }

    private func notSeriesParallel(at value: String, merge: Int) -> ONNXImportError {
        let node = graph.node[merge]
        return .unsupported(
            node: node.name, op: node.opType, reason: "it joins tensors that do not all fork from \"\(value)\"",
            need: "a graph whose every branch starts at one tensor and ends at one Concat or Add (a tree of parallel blocks)")
    }

    /// Nodes reading `value` as data (constants and their chains are not consumers), in graph order; a node reading
    /// it twice (x + x) appears twice.
    func dataConsumers(of value: String) -> [Int] {
        (consumers[value] ?? []).flatMap { index in
            Array(repeating: index, count: graph.node[index].input.filter { $0 == value }.count)
        }
    }

    /// True for a node that joins several data values: Concat, Add or Sum with at least two non-constant inputs.
    func isMerge(_ index: Int) -> Bool {
        let node = graph.node[index]
        guard ["Concat", "Add", "Sum"].contains(node.opType) else { return false }
        return node.input.filter { !$0.isEmpty && constant($0) == nil }.count >= 2
    }

    /// The constant tensor a value holds: an initializer, a `Constant` node's value, or an `Identity` of either
    /// (as torch.onnx writes shared weights); `nil` for data. Follows at most 64 identities.
    func constant(_ value: String, hops: Int = 0) -> Onnx_TensorProto? {
        if let tensor = initializers[value] { return tensor }
        guard hops < 64, let index = producer[value] else { return nil }
        let node = graph.node[index]
        switch node.opType {
        case "Constant": return ONNXAttributes(node).tensor("value")
        case "Identity": return node.input.first.flatMap { constant($0, hops: hops + 1) }
        default: return nil
        }
    }

    /// A name no other node has: `base`, else `base_2`, `base_3`, …
    mutating func uniqueName(_ base: String) -> String { unique(base.isEmpty ? "node" : base, among: &names, joiner: "_") }

    /// torch.onnx's scoped node names back to module paths: "/layer1/layer1.0/conv1/Conv" → "layer1.0.conv1",
    /// "/features/features.1/conv/conv.0/conv.0.0/Conv" → "features.1.conv.0.0"; other names stay as they are.
    static func moduleName(_ nodeName: String, fallback: String) -> String {
        guard nodeName.hasPrefix("/") else { return nodeName.isEmpty ? fallback : nodeName }
        var scopes = nodeName.split(separator: "/").map(String.init)
        if scopes.count > 1 { scopes.removeLast() }  // the operator ("Conv", "Relu_1")
        var path = ""
        var last = ""
        for scope in scopes {
            if !last.isEmpty, scope.hasPrefix(last + ".") {
                path += scope.dropFirst(last.count)
            } else {
                path += path.isEmpty ? scope : "." + scope
            }
            last = scope
        }
        return path.isEmpty ? fallback : path
    }
}
