/// GoogLeNet's argument in numbers: an Inception block with 1×1 reductions against the same block without them.
public struct InceptionComparison: Hashable, Sendable {
    public struct Branch: Hashable, Sendable {
        public var label: String
        public var reducedParams: Int
        public var reducedMACs: Int
        public var naiveParams: Int
        public var naiveMACs: Int
    }
    public var path: NodePath
    public var name: String
    public var branches: [Branch]
    public var reducedOutput: Shape
    public var naiveOutput: Shape

    public var reducedParams: Int { branches.reduce(0) { $0 + $1.reducedParams } }
    public var reducedMACs: Int { branches.reduce(0) { $0 + $1.reducedMACs } }
    public var naiveParams: Int { branches.reduce(0) { $0 + $1.naiveParams } }
    public var naiveMACs: Int { branches.reduce(0) { $0 + $1.naiveMACs } }
    /// How many times fewer MACs the reductions need.
    public var macRatio: Double { Double(naiveMACs) / Double(max(reducedMACs, 1)) }

    /// The naive form of a block: every 1×1 conv that only feeds a larger conv (through activations) is
    /// removed, and 1×1 projections after a pool are dropped so the pool passes all its channels.
    public static func naive(_ block: ParallelBlock) -> ParallelBlock {
        var result = block
        result.branches = block.branches.map { branch in
            var kept: [Node] = []
            var i = 0
            while i < branch.count {
                if let c = branch[i].layer?.as(Conv.self), c.isPointwise {
                    var j = i + 1
                    while j < branch.count, branch[j].layer?.activation != nil { j += 1 }
                    let next = j < branch.count ? branch[j].layer?.as(Conv.self) : nil
                    let feedsLargerConv = next.map { !$0.isPointwise } ?? false
                    let followsPool = kept.last?.layer?.is(Pool.self) ?? false
                    if feedsLargerConv {
                        i = j
                        continue
                    }
                    if followsPool {
                        i = j
                        continue
                    }
                }
                kept.append(branch[i])
                i += 1
            }
            return kept
        }
        return result
    }

    /// Compares the block at `path` of `network` with its naive form, branch by branch.
    public static func compare(blockAt path: NodePath, in network: Network) throws(ShapeError) -> InceptionComparison? {
        guard let node = network.node(at: path), let block = node.block, block.merge == .concat else { return nil }
        let shapes = try network.inferShapes()
        let blockInput = shapes.inputs[path] ?? shapes.input
        let reducedNet = Network(name: "reduced", input: InputSpec(shape: blockInput), nodes: [node])
        var naiveNode = node
        naiveNode.kind = .parallel(naive(block))
        let naiveNet = Network(name: "naive", input: InputSpec(shape: blockInput), nodes: [naiveNode])
        let reducedCost = try reducedNet.cost(), naiveCost = try naiveNet.cost()
        func branchTotal(_ cost: CostTable, _ net: Network, _ b: Int) -> (Int, Int) {
            let count = net.nodes[0].block!.branches[b].count
            return (0..<count).reduce((0, 0)) { acc, i in
                let c = cost[NodePath([0, b, i])]
                return (acc.0 + c.params, acc.1 + c.macs)
            }
        }
        let branches = block.branches.indices.map { b -> Branch in
            let r = branchTotal(reducedCost, reducedNet, b), n = branchTotal(naiveCost, naiveNet, b)
            let label = block.branches[b].compactMap { n -> String? in
                if let c = n.layer?.as(Conv.self) { return "\(c.kernel.height)×\(c.kernel.width)" }
                if n.layer?.is(Pool.self) == true { return "pool" }
                return nil
            }.joined(separator: "→")
            return Branch(label: label.isEmpty ? "identity" : label, reducedParams: r.0, reducedMACs: r.1, naiveParams: n.0, naiveMACs: n.1)
        }
        return InceptionComparison(
            path: path, name: node.name, branches: branches,
            reducedOutput: try reducedNet.inferShapes().output, naiveOutput: try naiveNet.inferShapes().output)
    }
}
