/// Bytes each node's forward pass moves at least, so a memory-bound node (a depthwise conv, a pool, an
/// activation, a merge) can be measured against the memory bandwidth rather than the FMA peak.
extension ForwardSession {
    /// For every node in `order`: a layer reads its input and parameters and writes its output; a block's merge
    /// reads every part and writes its output. A node fused into an earlier node's pass moves 0 bytes of its own:
    /// that pass reads the other parts of a fused add, and writes the node's output when `writingEveryNode` (this
    /// session) or only the chain's last value, in place (the inference plan); its time is there too. A concat
    /// neither reads nor writes the `concatFloatsInPlace` of its parts that were written in place
    /// (`InferencePlan.concatFloatsInPlace`). Float32, 4 bytes a value.
    public func bytesMoved(writingEveryNode: Bool, concatFloatsInPlace: [NodePath: Int] = [:]) -> [NodePath: Int] {
        let chains = network.epilogueChains { path, layer in layer.kind.epilogueOperation { parameters(of: path) } }
        var bytes: [NodePath: Int] = [:]
        for path in order { bytes[path] = ownBytes(at: path) }
        for (head, steps) in chains {
            for step in steps {
                let io = shapes.io(at: step.path)
                // the fused node's input is the chain's last value, never read from memory again; in place, its
                // output is the head's, counted once
                let notMoved = io.input.elementCount + (writingEveryNode ? 0 : io.output.elementCount)
                bytes[head, default: 0] += (bytes[step.path] ?? 0) - 4 * notMoved
                bytes[step.path] = 0
            }
        }
        for (path, floats) in concatFloatsInPlace { bytes[path, default: 0] -= 2 * 4 * floats }
        return bytes
    }

    private func ownBytes(at path: NodePath) -> Int {
        let io = shapes.io(at: path)
        switch network.node(at: path)?.kind {
        case .parallel(let block):
            let parts = block.merge == .concat ? io.output.elementCount : block.branches.count * io.output.elementCount
            return 4 * (parts + io.output.elementCount)
        case .layer:
            return 4 * (io.input.elementCount + costs[path].params + io.output.elementCount)
        case nil:
            return 0
        }
    }
}
