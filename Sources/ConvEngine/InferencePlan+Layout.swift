import CKernels

/// How an inference plan's activation lays out its floats.
public enum ActivationLayout: Hashable, Sendable {
    /// (C, H, W): a channel's plane after another's. What the network's input and output, and every layer without a
    /// blocked kernel, read and write.
    case planar
    /// (C/8, H, W, 8): the 8 channels of a block side by side at each position (`Kernels.blockChannels`), as the
    /// blocked conv reads and writes them (no padding copy, no transposing write-out). A (C, 1, 1) map is the same
    /// floats either way and is kept as planar.
    case blocked
}

/// A pool an inference plan runs on blocked input.
enum BlockedPool: Sendable {
    case max(PoolGeometry)
    case average(PoolGeometry)
    /// Global average pooling into (C, 1, 1).
    case global
}

/// Which layout an inference plan keeps its activations in.
public enum InferenceLayout: Hashable, Sendable {
    /// Blocked where the blocked kernels' estimated gains outweigh the reorders they need (`LayoutCost`,
    /// `InferencePlanBuilder.blockedSteps`), on AVX2 only; planar elsewhere, and everywhere on AVX-512 and portable
    /// machines.
    case automatic
    /// Every activation planar: the plans before the blocked layout.
    case planar
    /// Every conv with a blocked kernel runs blocked (tests on any machine: every instruction set gives the blocked
    /// kernel's bits; `convplay bench --layout blocked`).
    case blocked
}

extension InferencePlanBuilder {
    /// The steps (each named by its node: a conv with its fused chain, a pool, a merge) that run on the blocked layout
    /// under `choice`. `.blocked`: every conv with a blocked kernel, and each pool and merge whose inputs are all
    /// blocked. `.automatic`, on AVX2 only (AVX-512 and portable machines keep their planar plans): the labelling of
    /// least estimated time (`LayoutCost`), reorders included (`layoutLabelling`).
    func blockedSteps(_ choice: InferenceLayout) -> Set<NodePath> {
        switch choice {
        case .planar: return []
        case .blocked: return blockedWherever()
        case .automatic:
            guard InstructionSet.current == .avx2 else { return [] }
            let (labelling, steps) = layoutLabelling()
            let labels = labelling.solve()
            return Set(steps.indices.filter { labels[$0 + 1] }.map { steps[$0] })
        }
    }

    /// Each step of the plan, by its node, in execution order: every node but the pass-through layers and the nodes
    /// fused into a conv's chain.
    var layoutSteps: [NodePath] {
        let fused = Set(chains.values.flatMap { $0.map(\.path) })
        return network.executionOrder.filter { path in
            !fused.contains(path) && network.node(at: path)?.layer?.kind.passesValuesThrough != true
        }
    }

    /// What `path`'s step costs on the blocked layout (`LayoutCost`), or nil when it cannot run there: a conv
    /// without a blocked kernel (channels not in whole blocks, groups other than 1 or depthwise) or whose chain keeps
    /// a per-channel step after the folded batch norms; a pool without one (`blockedPoolKernel`); a merge whose parts
    /// are not all in whole blocks or whose output is a 1×1 map; any other layer.
    func blockedWork(_ path: NodePath) -> LayoutCost.Work? {
        let node = network.node(at: path)!
        if let block = node.block {
            let shape = shapes.output(of: path)
            let parts = sources(of: path).map { $0.map { shapes.output(of: $0) } ?? shapes.input }
            guard shape.planeSize > 1, parts.allSatisfy({ $0.channels % Kernels.blockChannels == 0 }) else { return nil }
            return .merge(block.merge)
        }
        guard let layer = node.layer else { return nil }
        let io = shapes.io(at: path)
        if let pool = Self.blockedPoolKernel(layer, io) { return .pool(pool, io.input) }
        guard layer.is(Conv.self), let g = shapes.convGeometry(at: path),
            g.isDepthwise ? Kernels.blockedDepthwiseSupported(g) : Kernels.blockedConvSupported(g)
        else { return nil }
        let chain = chains[path] ?? []
        let rest = chain.dropFirst(absorbing(path, layer, chain: chain).absorbed.count)
        return rest.contains { if case .affine = $0.operation { true } else { false } } ? nil : .conv(g)
    }

    /// Each node fused into a conv's chain, mapped to that conv (the step that computes it).
    var chainHeads: [NodePath: NodePath] {
        var heads: [NodePath: NodePath] = [:]
        for (producer, chain) in chains {
            for step in chain { heads[step.path] = producer }
        }
        return heads
    }

    /// The node whose value `path` passes on (itself unless a pass-through layer; nil: the network input).
    private func holder(of path: NodePath?) -> NodePath? {
        guard let path, network.node(at: path)?.layer?.kind.passesValuesThrough == true else { return path }
        return holder(of: network.inputPath(of: path))
    }

    /// The step that writes `path`'s value: a fused node's chain head, a pass-through layer's source's (nil: the
    /// network input).
    private func writer(of path: NodePath?, heads: [NodePath: NodePath]) -> NodePath? {
        holder(of: path).map { heads[$0] ?? $0 }
    }

    /// The steps that read `path`'s value in their own layout (nil: the network input): its readers, through
    /// pass-through layers; a node of a conv's chain is its conv's step, and reads the chain's own value inside it.
    func readingSteps(of path: NodePath?, heads: [NodePath: NodePath]) -> [NodePath] {
        (readers[path] ?? []).flatMap { reader -> [NodePath] in
            if network.node(at: reader)?.layer?.kind.passesValuesThrough == true { return readingSteps(of: reader, heads: heads) }
            guard let head = heads[reader] else { return [reader] }
            return path.map { heads[$0] ?? $0 } == head ? [] : [head]
        }
    }

    /// The layout choice as a labelling (`LayoutLabelling`): variable 0 the outside (the network input and output,
    /// planar), then one variable a step (`layoutSteps`, returned with it) costing its `LayoutCost` estimate in each
    /// layout (a step without a blocked kernel is planar, at no cost that matters); one group a value (the network
    /// input and every node's output but a pass-through layer's), its writer and reading steps, costing one reorder
    /// of it (`LayoutCost.reorderNanoseconds`) when their layouts differ.
    func layoutLabelling() -> (LayoutLabelling, steps: [NodePath]) {
        let heads = chainHeads
        let steps = layoutSteps
        let variable = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0 + 1) })
        func variableOf(_ step: NodePath?) -> Int { step.map { variable[$0]! } ?? 0 }
        var labelling = LayoutLabelling()
        labelling.variables.append(LayoutLabelling.Variable(planar: 0, blocked: nil))
        for step in steps {
            let times = blockedWork(step).map(LayoutCost.nanoseconds)
            labelling.variables.append(LayoutLabelling.Variable(planar: times?.planar ?? 0, blocked: times?.blocked))
        }
        let final = network.nodes.isEmpty ? nil : holder(of: .top(network.nodes.count - 1))
        for value in [nil] + network.executionOrder.filter({ holder(of: $0) == $0 }) {
            let members = [variableOf(writer(of: value, heads: heads))] + readingSteps(of: value, heads: heads).map(variableOf)
            labelling.groups.append(
                LayoutLabelling.Group(
                    members: members + (value != nil && value == final ? [0] : []),
                    cost: LayoutCost.reorderNanoseconds(value.map { shapes.output(of: $0) } ?? shapes.input)))
        }
        return (labelling, steps)
    }

    /// `.blocked`'s steps: every conv with a blocked kernel, and each pool and merge with one whose inputs' writers
    /// are all blocked, in execution order.
    private func blockedWherever() -> Set<NodePath> {
        let heads = chainHeads
        var picked: Set<NodePath> = []
        for step in layoutSteps {
            guard let work = blockedWork(step) else { continue }
            if case .conv = work {
                picked.insert(step)
            } else if sources(of: step).allSatisfy({ writer(of: $0, heads: heads).map(picked.contains) ?? false }) {
                picked.insert(step)
            }
        }
        return picked
    }
}

extension InferenceStep {
    /// A conv on the blocked layout (a depthwise one on `Kernels.blockedDepthwiseConv2d`, which stores an activation
    /// but no addend): its weight packed by `Kernels.packBlockedWeight` (batch norm folded first), the
    /// leading residual add and activation of its chain stored by the kernel (the addend blocked like the output),
    /// any step after those element-wise over the whole buffer (every value of the chain blocked alike).
    static func runBlockedConv(
        _ g: ConvGeometry, packed: [Float], bias: [Float]?, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        epilogue: ConvEpilogue?
    ) {
        var (store, consumed) = epilogue?.fusedStore(inPlaceOf: y, addendMayBeOutput: true) ?? (.none, 0)
        if g.isDepthwise && store.addend != nil { (store, consumed) = (.none, 0) }  // its kernel stores an activation only
        packed.withUnsafeBufferPointer { w in
            withOptionalPointer(bias) { bias in
                if g.isDepthwise {
                    Kernels.blockedDepthwiseConv2d(
                        g, input: x, packed: w.baseAddress!, bias: bias, output: y, activation: store.activation)
                } else {
                    Kernels.blockedConv2d(g, input: x, packed: w.baseAddress!, bias: bias, output: y, store: store)
                }
            }
        }
        guard let epilogue, consumed < epilogue.steps.count else { return }
        let count = g.outChannels * g.outHeight * g.outWidth
        epilogue.apply(channels: 0..<1, start: 0, count: count, planeSize: count, convOutput: y, from: consumed)
    }

    /// A pool on blocked input (C/8, H, W, 8) of `shape`: windowed into a blocked output, global into (C, 1, 1).
    static func runBlockedPool(_ pool: BlockedPool, shape: Shape, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        switch pool {
        case .max(let g): Kernels.blockedMaxPool2d(g, input: x, output: y)
        case .average(let g): Kernels.blockedAveragePool2d(g, input: x, output: y)
        case .global: Kernels.blockedGlobalAveragePool(channels: shape.channels, planeSize: shape.planeSize, input: x, output: y)
        }
    }

    /// A reorder between the layouts: (channels, positions) planar to blocked or back.
    static func runReorder(
        to layout: ActivationLayout, channels: Int, positions: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
    ) {
        switch layout {
        case .blocked: Kernels.toBlocked(channels: channels, positions: positions, input: x, output: y)
        case .planar: Kernels.fromBlocked(channels: channels, positions: positions, input: x, output: y)
        }
    }
}
