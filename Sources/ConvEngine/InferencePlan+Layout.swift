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

/// Which layout an inference plan keeps its activations in.
public enum InferenceLayout: Hashable, Sendable {
    /// Blocked between the convs where the blocked kernel pays (`InferencePlanBuilder.blockedConvPays`), on AVX2
    /// only; planar elsewhere, and everywhere on AVX-512 and portable machines.
    case automatic
    /// Every activation planar: the plans before the blocked layout.
    case planar
    /// Every conv with a blocked kernel runs blocked (tests on any machine: every instruction set gives the blocked
    /// kernel's bits; `convplay bench --layout blocked`).
    case blocked
}

extension InferencePlanBuilder {
    /// Whether the blocked kernel runs `g` faster than the planar kernels, counting what a reorder costs when the
    /// conv's neighbours are planar: the one place nck's kernel measurements refine. Today `ck_blocked_conv_rows`
    /// is the portable loop that defines the bits, 10–40× slower than the planar channel tiles on ResNet-50's convs
    /// (AVX2 on AMD EPYC Zen 4 family 25 model 17, AVX-512 masked), so no geometry pays yet.
    static func blockedConvPays(_ g: ConvGeometry) -> Bool {
        _ = g
        return false
    }

    /// The convs that run on the blocked layout under `choice`: groups 1 with a blocked kernel
    /// (`Kernels.blockedConvSupported`: channels multiples of 8); under `.automatic`, on AVX2 only, those that pay
    /// (`blockedConvPays`) and are no island.
    func blockedConvs(_ choice: InferenceLayout) -> Set<NodePath> {
        let supported = network.executionOrder.filter { path in
            guard network.node(at: path)?.layer?.is(Conv.self) == true, let g = shapes.convGeometry(at: path) else { return false }
            return Kernels.blockedConvSupported(g)
        }
        switch choice {
        case .planar: return []
        case .blocked: return Set(supported)
        case .automatic:
            guard InstructionSet.current == .avx2 else { return [] }
            return withoutIslands(Set(supported.filter { Self.blockedConvPays(shapes.convGeometry(at: $0)!) }))
        }
    }

    /// `candidates` without the convs none of whose neighbours (the node that writes its input, the nodes that read
    /// its chain's value) is a blocked conv or a merge: such a conv pays a reorder in and one out, 2 × 2 passes over
    /// its activations, for a conv that gains a few % of its own time (the reorders' cost in `convplay bench
    /// --layout blocked`'s rows). Repeated until no conv is left alone.
    func withoutIslands(_ candidates: Set<NodePath>) -> Set<NodePath> {
        var head: [NodePath: NodePath] = [:]
        for (producer, chain) in chains {
            for step in chain { head[step.path] = producer }
        }
        var kept = candidates
        while true {
            let islands = kept.filter { conv in
                !neighbours(of: conv, head: head).contains { kept.contains($0) || network.node(at: $0)?.block != nil }
            }
            guard !islands.isEmpty else { return kept }
            kept.subtract(islands)
        }
    }

    /// The steps next to a conv's: the one that writes its input and the ones that read its chain's value, each as
    /// the node its step is labelled with (a fused node's chain `head`; a pass-through layer looked through).
    private func neighbours(of conv: NodePath, head: [NodePath: NodePath]) -> [NodePath] {
        func throughPassThroughs(_ path: NodePath?, forward: Bool) -> [NodePath] {
            guard let path else { return [] }
            guard network.node(at: path)?.layer?.kind.passesValuesThrough == true else { return [head[path] ?? path] }
            return forward
                ? (readers[path] ?? []).flatMap { throughPassThroughs($0, forward: true) }
                : throughPassThroughs(network.inputPath(of: path), forward: false)
        }
        let end = chains[conv]?.last?.path ?? conv
        return throughPassThroughs(network.inputPath(of: conv), forward: false)
            + (readers[end] ?? []).flatMap { throughPassThroughs($0, forward: true) }
    }
}

extension InferenceStep {
    /// A conv on the blocked layout: its weight packed by `Kernels.packBlockedWeight` (batch norm folded first), the
    /// leading residual add and activation of its chain stored by the kernel (the addend blocked like the output),
    /// any step after those element-wise over the whole buffer (every value of the chain blocked alike).
    static func runBlockedConv(
        _ g: ConvGeometry, packed: [Float], bias: [Float]?, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        epilogue: ConvEpilogue?
    ) {
        let (store, consumed) = epilogue?.fusedStore(inPlaceOf: y, addendMayBeOutput: true) ?? (.none, 0)
        packed.withUnsafeBufferPointer { w in
            withOptionalPointer(bias) { bias in
                Kernels.blockedConv2d(g, input: x, packed: w.baseAddress!, bias: bias, output: y, store: store)
            }
        }
        guard let epilogue, consumed < epilogue.steps.count else { return }
        let count = g.outChannels * g.outHeight * g.outWidth
        epilogue.apply(channels: 0..<1, start: 0, count: count, planeSize: count, convOutput: y, from: consumed)
    }

    /// A reorder between the layouts: (channels, positions) planar to blocked or back.
    static func runReorder(
        to layout: ActivationLayout, channels: Int, positions: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
    ) {
        switch layout {
        case .blocked: Kernels.fromBlocked(channels: channels, positions: positions, input: x, output: y)
        case .planar: Kernels.fromBlocked(channels: channels, positions: positions, input: x, output: y)
        }
    }
}
