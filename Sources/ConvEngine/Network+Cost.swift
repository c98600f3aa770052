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
            let output = shapes.output(of: path)
            let input = shapes.inputs[path] ?? shapes.input
            cost.outputElements = output.elementCount
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
                let (weights, biases, macs) = layerCost(layer, path: path, input: input, output: output, shapes: shapes)
                cost.weights = weights
                cost.biases = biases
                cost.macs = macs
                current = grow(current, by: window(of: layer, at: path, shapes: shapes, input: input))
                total.weights += weights
                total.biases += biases
                total.macs += macs
            }
            cost.receptiveField = current.field
            cost.jump = current.jump
            table.set(path, cost)
        }
        return current
    }

    private func layerCost(
        _ layer: Layer, path: NodePath, input: Shape, output: Shape,
        shapes: ShapeTable
    ) -> (weights: Int, biases: Int, macs: Int) {
        switch layer {
        case .conv(let conv):
            guard let g = shapes.convGeometry[path] else { return (0, 0, 0) }
            return (g.weightCount, conv.hasBias ? conv.outChannels : 0, g.macs)
        case .dense(let dense):
            let weights = dense.outFeatures * input.elementCount
            return (weights, dense.hasBias ? dense.outFeatures : 0, weights)
        case .lateral:
            let n = input.channels
            return (n * n, 0, n * n * input.planeSize)
        case .batchNorm:
            // γ and β are learned; the running mean and variance are buffers, not parameters (PyTorch's count).
            return (input.channels, input.channels, 0)
        case .pool, .globalAveragePool, .activation, .localResponseNorm, .dropout, .flatten, .softmax:
            return (0, 0, 0)
        }
    }

    /// The window (dilated kernel) and stride a layer applies to its input, for receptive-field growth.
    private func window(of layer: Layer, at path: NodePath, shapes: ShapeTable, input: Shape) -> (kernel: Size2, stride: Size2) {
        switch layer {
        case .conv(let conv): return (conv.effectiveKernel, conv.stride)
        case .pool(let pool): return (pool.kernel, pool.stride)
        case .globalAveragePool: return (Size2(input.height, input.width), Size2(1))
        case .dense, .flatten: return (Size2(input.height, input.width), Size2(1))
        default: return (Size2(1), Size2(1))
        }
    }

    private func grow(_ current: (field: Size2, jump: Size2), by window: (kernel: Size2, stride: Size2)) -> (field: Size2, jump: Size2) {
        let field = Size2(
            current.field.height + (window.kernel.height - 1) * current.jump.height,
            current.field.width + (window.kernel.width - 1) * current.jump.width)
        let jump = Size2(current.jump.height * window.stride.height, current.jump.width * window.stride.width)
        return (field, jump)
    }
}
