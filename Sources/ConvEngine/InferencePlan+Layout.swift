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
    /// Whether the blocked kernel runs `g` faster than the planar kernels: the one place the blocked kernel's
    /// measurements refine. AVX2 on AMD EPYC Zen 4 family 25 model 17 (AVX-512 masked), 1 thread, every conv forced
    /// blocked against planar (`convplay bench --layout`): ResNet-50 1.04 (its 3×3s 0.98 on 56×56, 1.00–1.01 on 28×28
    /// and 14×14, 1.08 on 7×7; its 1×1s 1.05–1.10), MobileNetV2 1.03–1.06; NIN 0.96–0.97 (2 threads 0.94),
    /// inception(3a) 0.99 (2 threads 0.96–0.97), SqueezeNet 0.98 — the wide k×k convs and the 1×1s to at most 64
    /// channels from 96 or more gain 5–20 %, the other 1×1s and the 7×7 maps lose 5–13 %. A rule by geometry alone
    /// cuts ResNet's and SqueezeNet's chains into islands whose reorders cost more than they gain, so none is picked
    /// until the losing convs catch up.
    static func blockedConvPays(_ g: ConvGeometry) -> Bool {
        _ = g
        return false
    }

    /// The convs that run on the blocked layout under `choice`: groups 1 or depthwise with a blocked kernel
    /// (`Kernels.blockedConvSupported`, `Kernels.blockedDepthwiseSupported`: channels multiples of 8); under
    /// `.automatic`, on AVX2 only, those that pay (`blockedConvPays`) and are no island. (A pool follows its input's
    /// layout: `InferencePlanBuilder.blockedPool`.)
    func blockedConvs(_ choice: InferenceLayout) -> Set<NodePath> {
        let supported = network.executionOrder.filter { path in
            guard network.node(at: path)?.layer?.is(Conv.self) == true, let g = shapes.convGeometry(at: path) else { return false }
            return g.isDepthwise ? Kernels.blockedDepthwiseSupported(g) : Kernels.blockedConvSupported(g)
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
    /// its chain's value) is a blocked conv or a merge (which may be blocked): such a conv pays a reorder in and one
    /// out for a gain of a few % of its own time. ResNet-50's reorders at 1 thread: 64 × 56 × 56 into blocked 0.094
    /// ms, 2048 × 7 × 7 back 0.093 ms, while the layout's whole gain on res2a_branch2b (3×3, 64 → 64 on 56 × 56,
    /// ~2.8 ms) is 4–10 %, 0.11–0.28 ms, and less on a 1×1: alone, a conv gains about what its two reorders cost
    /// (AVX2 on AMD EPYC Zen 4 family 25 model 17, AVX-512 masked). Repeated until no conv is left alone.
    func withoutIslands(_ candidates: Set<NodePath>) -> Set<NodePath> {
        var head: [NodePath: NodePath] = [:]
        for (producer, chain) in chains {
            for step in chain { head[step.path] = producer }
        }
        var kept = candidates
        while true {
            let islands = kept.filter { conv in
                !neighbours(of: conv, head: head).contains { path in
                    kept.contains(path) || network.node(at: path)?.block != nil
                        || network.node(at: path)?.layer?.is(GlobalAveragePool.self) == true
                }
            }
            guard !islands.isEmpty else { return kept }
            kept.subtract(islands)
        }
    }

    /// The steps next to a conv's: the one that writes its input and the ones that read its chain's value, each as
    /// the node its step is labelled with (a fused node's chain `head`; a pass-through layer and a windowed pool, which
    /// follows its input's layout, looked through; a global average pool counts as a merge: blocked when its input is,
    /// its 1×1 output the same in both layouts).
    private func neighbours(of conv: NodePath, head: [NodePath: NodePath]) -> [NodePath] {
        func throughPassThroughs(_ path: NodePath?, forward: Bool) -> [NodePath] {
            guard let path else { return [] }
            guard let layer = network.node(at: path)?.layer, layer.kind.passesValuesThrough || layer.is(Pool.self) else {
                return [head[path] ?? path]
            }
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
