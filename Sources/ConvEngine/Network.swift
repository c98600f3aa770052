/// A synthetic input picture, drawn deterministically at any shape.
public enum SyntheticPattern: String, Hashable, Sendable, CaseIterable {
    case gradient, checkerboard, shapes, noise, digit
}

/// Where a network's input comes from.
public enum InputSource: Hashable, Sendable {
    /// A generated picture; `seed` varies `noise` and `shapes`.
    case synthetic(SyntheticPattern, seed: UInt64)
    /// An image file (PGM/PPM/PNG), resolved relative to the preset's folder, resized to the input shape.
    case image(path: String)
}

/// The network's input: its shape and where its values come from.
public struct InputSpec: Hashable, Sendable {
    public var shape: Shape
    public var source: InputSource
    public init(shape: Shape, source: InputSource = .synthetic(.gradient, seed: 0)) {
        self.shape = shape
        self.source = source
    }
}

/// How parameters that a preset does not write out are drawn.
public enum InitScheme: String, Hashable, Sendable, CaseIterable {
    /// He (Kaiming) normal, std √(2 / fan_in): for ReLU networks.
    case he
    /// Xavier (Glorot) uniform, limit √(6 / (fan_in + fan_out)).
    case xavier
}

/// The network-wide initialiser: a seeded scheme, optionally overridden by a weights folder
/// (a `convplay run --dump` folder: `manifest.json` and `.npy` files).
public struct Initialization: Hashable, Sendable {
    public var scheme: InitScheme
    public var seed: UInt64
    /// A folder of `.npy` weights with a `manifest.json`, relative to the preset's folder.
    public var weightsDirectory: String?
    /// The weights read from `weightsDirectory`, by node name; filled when a preset is loaded, never saved.
    public var loadedWeights: [String: LoadedParameters] = [:]
    public init(scheme: InitScheme = .he, seed: UInt64 = 0, weightsDirectory: String? = nil) {
        self.scheme = scheme
        self.seed = seed
        self.weightsDirectory = weightsDirectory
    }
}

/// One node's tensors read from a weights folder, with the file and shape each came in, so shape inference can
/// refuse a tensor of the wrong shape by naming its file.
public struct LoadedParameters: Hashable, Sendable {
    /// One tensor's file and the shape its header gives.
    public struct Source: Hashable, Sendable {
        public var file: String
        public var shape: [Int]
        public init(file: String, shape: [Int]) {
            self.file = file
            self.shape = shape
        }
    }
    public var parameters: LayerParameters
    /// Each tensor read, by its manifest name: `weight`, `bias`, `running_mean`, `running_var`.
    public var tensors: [String: Source]
    public init(parameters: LayerParameters, tensors: [String: Source]) {
        self.parameters = parameters
        self.tensors = tensors
    }
    /// Tensors that came together from one `file` (a `.safetensors` file, an ONNX model), each in the shape it holds.
    public init(parameters: LayerParameters, file: String) {
        var tensors = ["weight": Source(file: file, shape: parameters.weightShape)]
        if let bias = parameters.bias { tensors["bias"] = Source(file: file, shape: [bias.count]) }
        if let mean = parameters.runningMean { tensors["running_mean"] = Source(file: file, shape: [mean.count]) }
        if let variance = parameters.runningVariance { tensors["running_var"] = Source(file: file, shape: [variance.count]) }
        self.init(parameters: parameters, tensors: tensors)
    }
}

/// A whole network: its name, input, initialiser and the tree of nodes. A value: editing makes a new one,
/// undo keeps the old one.
public struct Network: Hashable, Sendable {
    public var name: String
    /// One line saying what the network shows.
    public var summary: String
    public var input: InputSpec
    public var initialization: Initialization
    public var nodes: [Node]
    /// Class names of a classifier's output, by index (the preset's optional `labels`); empty when unnamed.
    public var labels: [String]
    /// The data set it is meant to train on (the preset's optional `data`): what `train` and the PyTorch export's
    /// `train.py` use when no `--data` is given.
    public var trainingData: DataSource?

    public init(
        name: String, summary: String = "", input: InputSpec,
        initialization: Initialization = Initialization(), nodes: [Node], labels: [String] = [], trainingData: DataSource? = nil
    ) {
        self.name = name
        self.summary = summary
        self.input = input
        self.initialization = initialization
        self.nodes = nodes
        self.labels = labels
        self.trainingData = trainingData
    }

    /// The node at `path`, or `nil` when the path leads nowhere.
    public func node(at path: NodePath) -> Node? {
        var sequence = nodes
        var i = 0
        while true {
            let index = path.indices[i]
            guard sequence.indices.contains(index) else { return nil }
            let node = sequence[index]
            if i == path.indices.count - 1 { return node }
            guard let block = node.block, block.branches.indices.contains(path.indices[i + 1]) else { return nil }
            sequence = block.branches[path.indices[i + 1]]
            i += 2
        }
    }

    /// Every node path in execution order: a block's branch nodes (branch by branch) come before the
    /// block itself, whose step is the merge. This is the order a forward session steps through.
    public var executionOrder: [NodePath] {
        var order: [NodePath] = []
        func walk(_ sequence: [Node], _ pathOf: (Int) -> NodePath) {
            for (index, node) in sequence.enumerated() {
                let path = pathOf(index)
                if let block = node.block {
                    for (b, branch) in block.branches.enumerated() {
                        walk(branch) { path.child(branch: b, index: $0) }
                    }
                }
                order.append(path)
            }
        }
        walk(nodes) { NodePath.top($0) }
        return order
    }

    /// Every node path in display order (a block before its branches), as the layer stack lists them.
    public var displayOrder: [NodePath] {
        var order: [NodePath] = []
        func walk(_ sequence: [Node], _ pathOf: (Int) -> NodePath) {
            for (index, node) in sequence.enumerated() {
                let path = pathOf(index)
                order.append(path)
                if let block = node.block {
                    for (b, branch) in block.branches.enumerated() {
                        walk(branch) { path.child(branch: b, index: $0) }
                    }
                }
            }
        }
        walk(nodes) { NodePath.top($0) }
        return order
    }

    /// The path whose output feeds the node at `path`: the previous node in its sequence, the enclosing
    /// block's own input for the first node of a branch, and `nil` for the network input.
    public func inputPath(of path: NodePath) -> NodePath? {
        if let previous = path.previousSibling { return previous }
        guard let parent = path.parent else { return nil }
        return inputPath(of: parent)
    }

    /// Applies `change` to the sequence that holds `path` (the top level or a branch).
    /// Returns false when the path's container does not exist.
    @discardableResult
    public mutating func modifySequence(containing path: NodePath, _ change: (inout [Node]) -> Void) -> Bool {
        func apply(_ sequence: inout [Node], _ rest: ArraySlice<Int>) -> Bool {
            if rest.count == 1 {
                change(&sequence)
                return true
            }
            let index = rest[rest.startIndex], branch = rest[rest.startIndex + 1]
            guard sequence.indices.contains(index), case .parallel(var block) = sequence[index].kind,
                block.branches.indices.contains(branch)
            else { return false }
            let done = apply(&block.branches[branch], rest.dropFirst(2))
            sequence[index].kind = .parallel(block)
            return done
        }
        return apply(&nodes, path.indices[...])
    }

    /// Replaces the node at `path`; returns false when there is none.
    @discardableResult
    public mutating func replaceNode(at path: NodePath, with node: Node) -> Bool {
        var found = false
        modifySequence(containing: path) { sequence in
            if sequence.indices.contains(path.index) {
                sequence[path.index] = node
                found = true
            }
        }
        return found
    }
}
