/// One node a conv computes in its own pass at inference, and what it does.
public struct EpilogueStep: Hashable, Sendable {
    public var path: NodePath
    public var operation: EpilogueOperation
}

extension Network {
    /// The inference plan: each node that computes an epilogue (a conv) mapped to the nodes right after it in
    /// execution order that it computes in its own pass. A node joins the chain when it reads the chain's last value
    /// and `operation` makes it a step (batch norm with running statistics, ReLU, clip), or when it is a residual
    /// add block whose last non-empty branch ends the chain (every other part is computed by then). The conv writes
    /// every node's output, so each stays there to show, bit for bit what the node computes alone. Training never
    /// uses the plan.
    public func epilogueChains(operation: (NodePath, Layer) -> EpilogueOperation?) -> [NodePath: [EpilogueStep]] {
        let order = executionOrder
        var chains: [NodePath: [EpilogueStep]] = [:]
        for (i, producer) in order.enumerated() where node(at: producer)?.layer?.kind.computesEpilogue == true {
            var chain: [EpilogueStep] = []
            var last = producer
            for path in order[(i + 1)...] {
                guard let step = epilogueOperation(at: path, after: last, operation) else { break }
                chain.append(EpilogueStep(path: path, operation: step))
                last = path
            }
            if !chain.isEmpty { chains[producer] = chain }
        }
        return chains
    }

    private func epilogueOperation(
        at path: NodePath, after last: NodePath, _ operation: (NodePath, Layer) -> EpilogueOperation?
    ) -> EpilogueOperation? {
        guard let node = node(at: path) else { return nil }
        if let layer = node.layer { return inputPath(of: path) == last ? operation(path, layer) : nil }
        guard let block = node.block, block.merge == .add,
            let b = block.branches.indices.last(where: { !block.branches[$0].isEmpty }),
            last == path.child(branch: b, index: block.branches[b].count - 1)
        else { return nil }
        return .add(at: b, count: block.branches.count)
    }
}
