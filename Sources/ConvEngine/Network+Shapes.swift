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

    /// Bytes of all activations a forward session caches (input and every node's output, Float32).
    public var activationBytes: Int {
        (outputs.values.reduce(0) { $0 + $1.elementCount } + input.elementCount) * MemoryLayout<Float>.size
    }

    fileprivate mutating func record(_ path: NodePath, input: Shape, output: Shape) {
        inputs[path] = input
        outputs[path] = output
    }
    fileprivate mutating func record(_ path: NodePath, geometry: LayerGeometry?) { self.geometry[path] = geometry }
    fileprivate mutating func finish(output: Shape) { self.output = output }
}

/// The default cap on cached activations: 2 GiB.
public let defaultMemoryCap = 2 << 30

extension Network {
    /// Infers every node's shape from the input down, or throws the first impossibility with its node path.
    /// - Parameter memoryCap: largest total of cached activations allowed, in bytes.
    public func inferShapes(memoryCap: Int = defaultMemoryCap) throws(ShapeError) -> ShapeTable {
        let inputShape = input.shape
        guard inputShape.channels > 0, inputShape.height > 0, inputShape.width > 0 else {
            throw .invalidInput(shape: inputShape)
        }
        var table = ShapeTable(input: inputShape)
        let output = try Self.inferSequence(nodes, input: inputShape, pathOf: { NodePath.top($0) }, into: &table)
        table.finish(output: output)
        if table.activationBytes > memoryCap {
            throw .memoryCap(bytes: table.activationBytes, cap: memoryCap)
        }
        return table
    }

    private static func inferSequence(
        _ sequence: [Node], input: Shape, pathOf: (Int) -> NodePath,
        into table: inout ShapeTable
    ) throws(ShapeError) -> Shape {
        var shape = input
        for (index, node) in sequence.enumerated() {
            let path = pathOf(index)
            let output: Shape
            switch node.kind {
            case .layer(let layer):
                output = try inferLayer(layer, input: shape, path: path, name: node.name, into: &table)
            case .parallel(let block):
                output = try inferBlock(block, input: shape, path: path, name: node.name, into: &table)
            }
            table.record(path, input: shape, output: output)
            shape = output
        }
        return shape
    }

    private static func inferBlock(
        _ block: ParallelBlock, input: Shape, path: NodePath, name: String,
        into table: inout ShapeTable
    ) throws(ShapeError) -> Shape {
        guard !block.branches.isEmpty else { throw .emptyBlock(path: path, name: name) }
        var shapes: [Shape] = []
        for (b, branch) in block.branches.enumerated() {
            shapes.append(try inferSequence(branch, input: input, pathOf: { path.child(branch: b, index: $0) }, into: &table))
        }
        switch block.merge {
        case .concat:
            guard shapes.allSatisfy({ $0.height == shapes[0].height && $0.width == shapes[0].width }) else {
                throw .concatSpatialMismatch(path: path, name: name, shapes: shapes)
            }
            return Shape(channels: shapes.reduce(0) { $0 + $1.channels }, height: shapes[0].height, width: shapes[0].width)
        case .add:
            guard shapes.allSatisfy({ $0 == shapes[0] }) else {
                throw .addShapeMismatch(path: path, name: name, shapes: shapes)
            }
            return shapes[0]
        }
    }

    /// Checks the layer's field values against its schema, then asks its shape rule.
    private static func inferLayer(
        _ layer: Layer, input: Shape, path: NodePath, name: String,
        into table: inout ShapeTable
    ) throws(ShapeError) -> Shape {
        let site = LayerSite(path: path, name: name)
        switch layer.kind.fieldProblems().first {
        case .invalid(let key, let value, let requirement)?: throw site.invalid(key, value, requirement)
        case .missing(let key, let hint)?: throw .missingValue(path: path, name: name, field: key, hint: hint)
        case nil: break
        }
        let shape = try layer.kind.inferShape(input, at: site)
        table.record(path, geometry: shape.geometry)
        return shape.output
    }
}
