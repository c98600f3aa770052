/// One node as the per-node tables show it (the playground's layer stack, `convplay summary`): where it
/// sits, what it is, what it outputs and what it costs. Every figure comes from the shape and cost tables.
public struct NodeSummary: Hashable, Sendable {
    /// Where the node sits: `layers[4].branches[2][1]`.
    public var path: NodePath
    public var name: String
    /// The preset's `type` word: "conv", "maxpool", … or "parallel" for a block.
    public var type: String
    /// The compact spec: "conv 5×5/1 p2 → 192", "max 3×3/2 ceil", "concat ×4".
    public var spec: String
    /// The node's output shape.
    public var output: Shape
    /// Weights, biases, MACs, receptive field and jump; a block's are the sum of its branches'.
    public var cost: NodeCost

    public init(path: NodePath, name: String, type: String, spec: String, output: Shape, cost: NodeCost) {
        self.path = path
        self.name = name
        self.type = type
        self.spec = spec
        self.output = output
        self.cost = cost
    }
}

extension Network {
    /// One row per node in display order (a block before its branches), from this network's shape table
    /// and the cost table computed from it.
    public func summaryRows(shapes: ShapeTable, costs: CostTable) -> [NodeSummary] {
        displayOrder.compactMap { path in
            guard let node = node(at: path) else { return nil }
            return NodeSummary(
                path: path, name: node.name, type: node.typeName, spec: node.specText, output: shapes.output(of: path), cost: costs[path])
        }
    }
}
