/// What one node costs. MACs count conv, dense and lateral multiply-accumulates only (pooling, ReLU, LRN,
/// dropout count 0, as the published figures do); FLOPs are 2 × MACs.
public struct NodeCost: Hashable, Sendable {
    public var weights = 0
    public var biases = 0
    public var macs = 0
    /// Scalars in the node's output.
    public var outputElements = 0
    /// The receptive field in input pixels, height × width.
    public var receptiveField = Size2(1)
    /// Input pixels between neighbouring outputs (the product of strides so far).
    public var jump = Size2(1)

    /// Weights plus biases.
    public var params: Int { weights + biases }
    public var flops: Int { 2 * macs }
    /// Bytes of the cached Float32 output.
    public var activationBytes: Int { outputElements * MemoryLayout<Float>.size }
}

/// Cost of every node and of the whole network; a block's cost is the sum of its branches'.
public struct CostTable: Hashable, Sendable {
    public private(set) var nodes: [NodePath: NodeCost] = [:]
    /// Totals over every layer (each counted once; blocks are not added on top of their branches).
    public private(set) var total = NodeCost()

    /// The cost of the node at `path`.
    public subscript(path: NodePath) -> NodeCost { nodes[path] ?? NodeCost() }

    fileprivate mutating func set(_ path: NodePath, _ cost: NodeCost) { nodes[path] = cost }
    fileprivate mutating func finish(total: NodeCost) { self.total = total }
}

extension Network {
    /// Cost of every node, computed from an already inferred shape table. Throws when a total or a receptive
    /// field passes what an `Int` holds (inference bounds each layer's own figures, not their sums).
    public func cost(shapes: ShapeTable) throws(ShapeError) -> CostTable {
        var table = CostTable()
        var total = NodeCost()
        let inputField = (field: Size2(1), jump: Size2(1))
        let end = try costSequence(
            nodes, pathOf: { NodePath.top($0) }, field: inputField, shapes: shapes,
            into: &table, total: &total)
        total.receptiveField = end.field
        total.jump = end.jump
        total.outputElements = shapes.output.elementCount
        table.finish(total: total)
        return table
    }

    /// Infers shapes and costs in one call.
    public func cost() throws(ShapeError) -> CostTable { try cost(shapes: try inferShapes()) }

    private func costSequence(
        _ sequence: [Node], pathOf: (Int) -> NodePath, field: (field: Size2, jump: Size2),
        shapes: ShapeTable, into table: inout CostTable,
        total: inout NodeCost
    ) throws(ShapeError) -> (field: Size2, jump: Size2) {
        var current = field
        for (index, node) in sequence.enumerated() {
            let path = pathOf(index)
            var cost = NodeCost()
            let io = shapes.io(at: path)
            cost.outputElements = io.output.elementCount
            switch node.kind {
            case .parallel(let block):
                var widest = current
                for (b, branch) in block.branches.enumerated() {
                    var branchTotal = NodeCost()
                    let end = try costSequence(
                        branch, pathOf: { path.child(branch: b, index: $0) }, field: current,
                        shapes: shapes, into: &table, total: &branchTotal)
                    try Self.add(branchTotal, to: &cost, at: path, name: node.name)
                    widest = (
                        Size2(max(widest.field.height, end.field.height), max(widest.field.width, end.field.width)),
                        Size2(max(widest.jump.height, end.jump.height), max(widest.jump.width, end.jump.width))
                    )
                }
                current = widest
            case .layer(let layer):
                let parameters = layer.kind.parameterShapes(io)
                cost.weights = parameters?.weightCount ?? 0
                cost.biases = parameters?.bias ?? 0
                cost.macs = layer.kind.macs(io)
                do { current = try grow(current, by: layer.kind.receptiveWindow(io)) } catch {
                    throw .tooLarge(path: path, name: node.name, quantity: error.quantity, limit: .max)
                }
            }
            try Self.add(cost, to: &total, at: path, name: node.name)
            cost.receptiveField = current.field
            cost.jump = current.jump
            table.set(path, cost)
        }
        return current
    }

    /// Adds a node's weights, biases and MACs to a running total, refusing a total that no longer fits.
    private static func add(_ cost: NodeCost, to total: inout NodeCost, at path: NodePath, name: String) throws(ShapeError) {
        do {
            total.weights = try Checked.sum(total.weights, cost.weights, of: "the total weights")
            total.biases = try Checked.sum(total.biases, cost.biases, of: "the total biases")
            total.macs = try Checked.sum(total.macs, cost.macs, of: "the total multiply-accumulates")
            _ = try Checked.product(total.macs, 2, of: "the total FLOPs")
        } catch {
            throw .tooLarge(path: path, name: name, quantity: error.quantity + " up to here", limit: .max)
        }
    }

    private func grow(_ current: (field: Size2, jump: Size2), by window: (kernel: Size2, stride: Size2)) throws(SizeOverflow) -> (
        field: Size2, jump: Size2
    ) {
        func axis(_ field: Int, _ jump: Int, _ kernel: Int, _ stride: Int) throws(SizeOverflow) -> (Int, Int) {
            let reach = try Checked.product(kernel - 1, jump, of: "its receptive field")
            return (
                try Checked.sum(field, reach, of: "its receptive field"),
                try Checked.product(jump, stride, of: "its receptive field's jump")
            )
        }
        let rows = try axis(current.field.height, current.jump.height, window.kernel.height, window.stride.height)
        let columns = try axis(current.field.width, current.jump.width, window.kernel.width, window.stride.width)
        return (Size2(rows.0, columns.0), Size2(rows.1, columns.1))
    }
}
