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
    /// Cost of every node, computed from an already inferred shape table.
    public func cost(shapes: ShapeTable) -> CostTable {
        var table = CostTable()
        var total = NodeCost()
        let inputField = (field: Size2(1), jump: Size2(1))
        let end = costSequence(
            nodes, pathOf: { NodePath.top($0) }, field: inputField, shapes: shapes,
            into: &table, total: &total)
        total.receptiveField = end.field
        total.jump = end.jump
        total.outputElements = shapes.output.elementCount
        table.finish(total: total)
        return table
    }

    /// Infers shapes and costs in one call.
    public func cost() throws(ShapeError) -> CostTable { cost(shapes: try inferShapes()) }

    private func costSequence(
        _ sequence: [Node], pathOf: (Int) -> NodePath, field: (field: Size2, jump: Size2),
        shapes: ShapeTable, into table: inout CostTable,
        total: inout NodeCost
    ) -> (field: Size2, jump: Size2) {
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
                    let end = costSequence(
                        branch, pathOf: { path.child(branch: b, index: $0) }, field: current,
                        shapes: shapes, into: &table, total: &branchTotal)
                    cost.weights += branchTotal.weights
                    cost.biases += branchTotal.biases
                    cost.macs += branchTotal.macs
                    widest = (
                        Size2(max(widest.field.height, end.field.height), max(widest.field.width, end.field.width)),
                        Size2(max(widest.jump.height, end.jump.height), max(widest.jump.width, end.jump.width))
                    )
                }
                current = widest
                total.weights += cost.weights
                total.biases += cost.biases
                total.macs += cost.macs
            case .layer(let layer):
                let parameters = layer.kind.parameterShapes(io)
                cost.weights = parameters?.weightCount ?? 0
                cost.biases = parameters?.bias ?? 0
                cost.macs = layer.kind.macs(io)
                current = grow(current, by: layer.kind.receptiveWindow(io))
                total.weights += cost.weights
                total.biases += cost.biases
                total.macs += cost.macs
            }
            cost.receptiveField = current.field
            cost.jump = current.jump
            table.set(path, cost)
        }
        return current
    }

    private func grow(_ current: (field: Size2, jump: Size2), by window: (kernel: Size2, stride: Size2)) -> (field: Size2, jump: Size2) {
        let field = Size2(
            current.field.height + (window.kernel.height - 1) * current.jump.height,
            current.field.width + (window.kernel.width - 1) * current.jump.width)
        let jump = Size2(current.jump.height * window.stride.height, current.jump.width * window.stride.width)
        return (field, jump)
    }
}
