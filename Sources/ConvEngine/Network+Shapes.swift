/// The result of shape inference: every node's input and output shape, and the resolved geometry of
/// every conv and pool. The one place shapes are computed; cost, forward passes and the front ask it.
public struct ShapeTable: Hashable, Sendable {
    /// The network input's shape.
    public let input: Shape
    /// Each node's output shape (a block's is its merged output).
    public private(set) var outputs: [NodePath: Shape] = [:]
    /// Each node's input shape.
    public private(set) var inputs: [NodePath: Shape] = [:]
    /// Resolved window geometry per conv and pool node.
    public private(set) var geometry: [NodePath: LayerGeometry] = [:]
    /// The network's final output shape (the input's when there are no nodes).
    public private(set) var output: Shape

    init(input: Shape) {
        self.input = input
        self.output = input
    }

    /// The output shape of the node at `path`; the network input for `nil`.
    public func output(of path: NodePath?) -> Shape {
        guard let path else { return input }
        return outputs[path] ?? input
    }

    /// The input and output shapes and the geometry of the node at `path`.
    public func io(at path: NodePath) -> LayerIO {
        LayerIO(input: inputs[path] ?? input, output: output(of: path), geometry: geometry[path])
    }

    /// The resolved conv geometry of the node at `path`, `nil` unless it is a conv.
    public func convGeometry(at path: NodePath) -> ConvGeometry? { geometry[path]?.conv }

    /// The resolved pool geometry of the node at `path`, `nil` unless it is a pool.
    public func poolGeometry(at path: NodePath) -> PoolGeometry? { geometry[path]?.pool }

    /// What the network takes in memory — activations (the input included), parameters with what kernels keep
    /// beside them, and kernel scratch on every thread — as counted against the memory cap.
    public fileprivate(set) var memory = MemoryUse()

    /// Bytes of all activations a forward session caches (input and every node's output, Float32).
    public var activationBytes: Int { memory.activations }

    fileprivate mutating func record(_ path: NodePath, input: Shape, output: Shape) {
        inputs[path] = input
        outputs[path] = output
    }
    fileprivate mutating func record(_ path: NodePath, geometry: LayerGeometry?) { self.geometry[path] = geometry }
    fileprivate mutating func finish(output: Shape) { self.output = output }
}

/// The default memory cap: 2 GiB.
public let defaultMemoryCap = 2 << 30

extension Network {
    /// Infers every node's shape from the input down, or throws the first impossibility with its node path:
    /// a setting out of range, a kernel that does not fit, a tensor or count too large to hold, weights read
    /// from a folder in the wrong shape, or a network that needs more memory than `memoryCap` (bytes) allows.
    /// Never traps: every size is checked before it is multiplied further.
    public func inferShapes(memoryCap: Int = defaultMemoryCap) throws(ShapeError) -> ShapeTable {
        let inputShape = input.shape
        guard inputShape.channels > 0, inputShape.height > 0, inputShape.width > 0 else {
            throw .invalidInput(shape: inputShape)
        }
        var inference = ShapeInference(
            table: ShapeTable(input: inputShape), loaded: initialization.loadedWeights,
            folder: initialization.weightsDirectory ?? "init.weights")
        try inference.countActivation(inputShape) { .tooLarge(path: nil, name: "input", quantity: "the input \(inputShape)", limit: $0) }
        let output = try inference.sequence(nodes, input: inputShape, pathOf: { NodePath.top($0) })
        inference.table.finish(output: output)
        let memory = try inference.memory(threads: KernelThreads.count)
        inference.table.memory = memory
        if memory.total > memoryCap { throw .memoryCap(memory, cap: memoryCap) }
        return inference.table
    }
}

/// One walk of shape inference: the table being filled and the floats counted so far for the memory budget.
private struct ShapeInference {
    var table: ShapeTable
    let loaded: [String: LoadedParameters]
    let folder: String
    var activationFloats = 0
    var parameterFloats = 0
    var scratchFloatsPerThread = 0

    /// Adds an activation of `shape` to the budget after checking it is a tensor the kernels can hold.
    mutating func countActivation(_ shape: Shape, tooLarge: (Int) -> ShapeError) throws(ShapeError) {
        guard let values = try? Checked.product(shape.channels, shape.height, shape.width, of: "values"),
            values <= SizeLimits.tensorValues
        else { throw tooLarge(SizeLimits.tensorValues) }
        activationFloats = try total(activationFloats, values)
    }

    /// The budget in bytes: activations, parameters, and the largest per-thread scratch on every thread.
    func memory(threads: Int) throws(ShapeError) -> MemoryUse {
        let float = MemoryLayout<Float>.size
        do {
            return MemoryUse(
                activations: try Checked.product(activationFloats, float, of: "activations"),
                parameters: try Checked.product(parameterFloats, float, of: "parameters"),
                scratch: try Checked.product(scratchFloatsPerThread, threads, float, of: "scratch"))
        } catch {
            throw .tooLarge(path: nil, name: "", quantity: "the network's memory in bytes", limit: .max)
        }
    }

    private func total(_ a: Int, _ b: Int) throws(ShapeError) -> Int {
        do { return try Checked.sum(a, b, of: "floats") } catch {
            throw .tooLarge(path: nil, name: "", quantity: "the network's memory in floats", limit: .max)
        }
    }

    mutating func sequence(_ sequence: [Node], input: Shape, pathOf: (Int) -> NodePath) throws(ShapeError) -> Shape {
        var shape = input
        for (index, node) in sequence.enumerated() {
            let path = pathOf(index)
            let output: Shape
            switch node.kind {
            case .layer(let layer): output = try self.layer(layer, input: shape, site: LayerSite(path: path, name: node.name))
            case .parallel(let block): output = try self.block(block, input: shape, path: path, name: node.name)
            }
            try countActivation(output) { .tooLarge(path: path, name: node.name, quantity: "its output \(output)", limit: $0) }
            table.record(path, input: shape, output: output)
            shape = output
        }
        return shape
    }

    private mutating func block(_ block: ParallelBlock, input: Shape, path: NodePath, name: String) throws(ShapeError) -> Shape {
        guard !block.branches.isEmpty else { throw .emptyBlock(path: path, name: name) }
        var shapes: [Shape] = []
        for (b, branch) in block.branches.enumerated() {
            shapes.append(try sequence(branch, input: input, pathOf: { path.child(branch: b, index: $0) }))
        }
        switch block.merge {
        case .concat:
            guard shapes.allSatisfy({ $0.height == shapes[0].height && $0.width == shapes[0].width }) else {
                throw .concatSpatialMismatch(path: path, name: name, shapes: shapes)
            }
            guard let channels = try? Checked.sum(shapes.map(\.channels), of: "channels") else {
                throw .tooLarge(path: path, name: name, quantity: "its output channels", limit: .max)
            }
            return Shape(channels: channels, height: shapes[0].height, width: shapes[0].width)
        case .add:
            guard shapes.allSatisfy({ $0 == shapes[0] }) else {
                throw .addShapeMismatch(path: path, name: name, shapes: shapes)
            }
            return shapes[0]
        }
    }

    /// Checks the layer's field values against its schema, asks its shape rule, then counts its parameters and
    /// working memory and checks weights read from a folder against the shapes it needs.
    private mutating func layer(_ layer: Layer, input: Shape, site: LayerSite) throws(ShapeError) -> Shape {
        switch layer.kind.fieldProblems().first {
        case .invalid(let key, let value, let requirement)?: throw site.invalid(key, value, requirement)
        case .missing(let key, let hint)?: throw .missingValue(path: site.path, name: site.name, field: key, hint: hint)
        case nil: break
        }
        let shape = try layer.kind.inferShape(input, at: site)
        table.record(site.path, geometry: shape.geometry)
        let io = LayerIO(input: input, output: shape.output, geometry: shape.geometry)
        var floats = 0
        if let parameters = layer.kind.parameterShapes(io) {
            floats = try site.values(of: parameters.weight, "its weights")
            for count in [parameters.bias, parameters.runningStatistics, parameters.runningStatistics] { floats += count ?? 0 }
            if let loaded = loaded[site.name], layer.kind.explicitParameters(io) == nil {
                try check(loaded, against: parameters, at: site)
            }
        }
        do {
            let working = try layer.kind.workingFloats(io)
            parameterFloats = try Checked.sum(parameterFloats, floats, working.kept, of: "parameters")
            scratchFloatsPerThread = max(scratchFloatsPerThread, working.perThread)
        } catch {
            throw site.tooLarge(error.quantity, limit: error.limit)
        }
        return shape.output
    }

    /// Every tensor the layer computes with must be in the folder in exactly its shape, and nothing more.
    private func check(_ loaded: LoadedParameters, against shapes: ParameterShapes, at site: LayerSite) throws(ShapeError) {
        let expected: [(String, [Int]?)] = [
            ("weight", shapes.weight), ("bias", shapes.bias.map { [$0] }),
            ("running_mean", shapes.runningStatistics.map { [$0] }), ("running_var", shapes.runningStatistics.map { [$0] }),
        ]
        for (tensor, needed) in expected {
            switch (needed, loaded.tensors[tensor]) {
            case (let needed?, let found?) where needed != found.shape:
                throw .loadedShape(path: site.path, name: site.name, file: found.file, expected: needed, found: found.shape)
            case (nil, let found?):
                throw .loadedShape(path: site.path, name: site.name, file: found.file, expected: [], found: found.shape)
            case (_?, nil):
                throw .loadedMissing(path: site.path, name: site.name, tensor: tensor, folder: folder)
            default: break
            }
        }
    }
}
