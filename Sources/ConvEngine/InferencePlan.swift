import CKernels

/// A forward pass for when only the final output matters (`convplay bench`, the one-call `Network.forward`):
/// each batch norm after a conv folded into the conv's weights and bias, each fused chain (`Network.epilogueChains`)
/// written once, in place, into one buffer, and every activation placed in one arena where its memory is
/// reused after its last reader. The playground keeps `ForwardSession`, which writes and keeps every node.
/// Built for the instruction set the kernels run when it is made (conv weights are kept packed only).
public struct InferencePlan: Sendable {
    public let network: Network
    public let shapes: ShapeTable
    /// What runs, in order: one step per layer or merge, a conv's step computing its fused chain too.
    public let steps: [InferenceStep]
    /// Every activation the plan holds (the network input first) with its size, lifetime and place.
    public let values: [PlannedValue]
    /// What the plan holds across runs, in bytes: arena, parameters, packed conv weights, input and output.
    public let memory: InferenceMemory
    /// The value returned (0: the input itself, when no node computes anything).
    private let finalValue: Int
    /// The instruction set the conv weights were packed for (nil: none packed).
    private let packedFor: InstructionSet?
    private var arena: [Float]

    /// Plans `network` (every parameter resolved, folded and packed now), its activations in `layout`. Throws when
    /// it cannot run.
    public init(network: Network, memoryCap: Int = defaultMemoryCap, layout: InferenceLayout = .automatic) throws(ShapeError) {
        let shapes = try network.inferShapes(memoryCap: memoryCap)
        var builder = InferencePlanBuilder(network: network, shapes: shapes, layout: layout)
        builder.build()
        self.network = network
        self.shapes = shapes
        steps = builder.steps
        finalValue = builder.finalValue
        let placed = ArenaLayout(values: builder.values)
        values = placed.values
        arena = ForwardSession.uninitializedFloats(max(placed.floats, 1))
        packedFor = builder.packedAny ? .current : nil
        memory = InferenceMemory(
            arenaBytes: placed.floats * 4, peakLiveBytes: placed.peakLiveFloats * 4,
            parameterBytes: builder.parameterFloats * 4, packedBytes: builder.packedFloats * 4,
            inputBytes: shapes.input.elementCount * 4, outputBytes: shapes.output.elementCount * 4,
            largestActivationBytes: values.map { $0.floats * 4 }.sorted(by: >),
            scratchBytes: (steps.map(\.scratchFloatsPerThread).max() ?? 0) * KernelThreads.count * 4)
    }

    /// Floats of each concat's parts written where the concat puts them (its merge does not copy them), by node.
    public var concatFloatsInPlace: [NodePath: Int] {
        var floats: [NodePath: Int] = [:]
        for step in steps {
            guard case .merge(.concat, _, let parts, let output) = step.work else { continue }
            floats[step.path] = parts.map { part in
                if case .within(output, _) = values[part.value].place { values[part.value].floats } else { 0 }
            }.reduce(0, +)
        }
        return floats
    }

    /// Floats a reorder step copies between layouts (0 for any other step).
    public func reorderFloats(step: Int) -> Int {
        if case .reorder(_, _, _, let input, _) = steps[step].work { values[input].floats } else { 0 }
    }

    /// Runs the network on `input` and returns its final output; `afterStep(i)` is called when step `i` is done
    /// (a benchmark's clock).
    public mutating func run(_ input: Tensor, afterStep: (Int) -> Void = { _ in }) -> Tensor {
        precondition(input.shape == shapes.input, "input tensor \(input.shape) does not match the network input \(shapes.input)")
        // Kernels.conv2d reads the packed weight only on the instruction set it was packed for.
        precondition(
            packedFor == nil || packedFor == .current && InstructionSet.current == .best,
            "an inference plan runs on the instruction set it was built for")
        if finalValue == 0 { return Tensor(shape: shapes.output, data: input.data) }
        var output = ForwardSession.uninitializedFloats(shapes.output.elementCount)
        let (steps, values) = (self.steps, self.values)
        arena.withUnsafeMutableBufferPointer { arena in
            output.withUnsafeMutableBufferPointer { output in
                input.data.withUnsafeBufferPointer { input in
                    func pointer(_ value: Int) -> UnsafeMutablePointer<Float>? {
                        guard values[value].floats > 0 else { return nil }
                        switch values[value].place {
                        case .input: return input.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
                        case .output: return output.baseAddress
                        case .arena(let offset): return arena.baseAddress! + offset
                        case .within(let outer, let offset): return pointer(outer)! + offset
                        }
                    }
                    for (i, step) in steps.enumerated() {
                        step.run(pointer)
                        afterStep(i)
                    }
                }
            }
        }
        return Tensor(shape: shapes.output, data: output)
    }
}

/// One activation of an inference plan: its size, the steps that write it first and read it last, and its place.
public struct PlannedValue: Hashable, Sendable {
    public enum Place: Hashable, Sendable {
        /// The caller's input tensor.
        case input
        /// The returned output.
        case output
        /// Floats from this offset of the plan's arena.
        case arena(offset: Int)
        /// Floats from this offset of another value: a concat's part, written where the concat puts it.
        case within(value: Int, offset: Int)
    }
    public var floats: Int
    public var firstStep: Int
    public var lastStep: Int
    public var place: Place
    public var layout: ActivationLayout = .planar
}

/// What an inference plan holds, in bytes.
public struct InferenceMemory: Hashable, Sendable {
    /// The arena every intermediate activation lives in.
    public var arenaBytes: Int
    /// The most bytes of activations live at once: what any placement needs at least (the arena's lower bound).
    public var peakLiveBytes: Int
    /// Parameters kept as plain floats (batch norm folded away; a conv's weight only when it is not packed).
    public var parameterBytes: Int
    /// Conv weights packed for the GEMM micro-kernel, the channel-tile kernel or the blocked conv.
    public var packedBytes: Int
    public var inputBytes: Int
    public var outputBytes: Int
    /// Every activation's size (input and output included), largest first.
    public var largestActivationBytes: [Int]
    /// The kernels' per-thread scratch as the memory budget counts it (`MemoryUse.scratch`), for the steps this plan
    /// runs: the largest step's (`InferenceStep.scratchFloatsPerThread`) on every thread (`KernelThreads.count` when
    /// planned). Held by the threads, not the plan, so apart from `totalBytes`.
    public var scratchBytes: Int

    /// Everything a forward pass holds: arena, parameters, packed weights, input and output (not the kernels'
    /// per-thread scratch, `scratchBytes`).
    public var totalBytes: Int { arenaBytes + parameterBytes + packedBytes + inputBytes + outputBytes }
}

/// One step of an inference plan: the node it computes and the nodes it computes in the same pass.
public struct InferenceStep: Sendable {
    public var path: NodePath
    /// Nodes after `path` this step computes too (its fused chain, folded batch norms included).
    public var fused: [NodePath]
    var work: Work

    enum Work: Sendable {
        case layer(
            Layer, io: LayerIO, parameters: LayerParameters?, packed: PackedConvWeights?, input: Int, output: Int,
            epilogue: [PlannedEpilogueStep])
        /// A conv on blocked input and output (`runBlockedConv`), its bias folded like its weight.
        case blockedConv(ConvGeometry, packed: [Float], bias: [Float]?, input: Int, output: Int, epilogue: [PlannedEpilogueStep])
        case merge(Merge, shape: Shape, parts: [(value: Int, channels: Int)], output: Int)
        /// A pool on blocked input (`runBlockedPool`), `shape` its input's.
        case blockedPool(BlockedPool, shape: Shape, input: Int, output: Int)
        /// `input` (the value `path` wrote) copied into `output` in `layout`.
        case reorder(to: ActivationLayout, channels: Int, positions: Int, input: Int, output: Int)
    }

    /// The layout a reorder step writes (its `path` the node whose value it reorders, or the first reader of the
    /// network input); nil for every other step.
    public var reorder: ActivationLayout? {
        if case .reorder(let layout, _, _, _, _) = work { layout } else { nil }
    }

    /// Floats of per-thread scratch the step's kernel takes at most: a layer's `workingFloats` (planar), a blocked
    /// conv's band of partial sums (`Kernels.blockedConvScratchFloats`); none for a blocked pool or depthwise conv,
    /// a merge or a reorder.
    public var scratchFloatsPerThread: Int {
        switch work {
        case .layer(let layer, let io, _, _, _, _, _): (try? layer.kind.workingFloats(io).perThread) ?? 0
        case .blockedConv(let g, _, _, _, _, _): Kernels.blockedConvScratchFloats(g)
        case .merge, .blockedPool, .reorder: 0
        }
    }

    /// Whether the step is a conv or a pool on the blocked layout.
    public var runsBlocked: Bool {
        switch work {
        case .blockedConv, .blockedPool: true
        case .layer, .merge, .reorder: false
        }
    }

    /// Computes the step with each value's memory from `pointer` (nil for an empty one).
    func run(_ pointer: (Int) -> UnsafeMutablePointer<Float>?) {
        func chain(_ epilogue: [PlannedEpilogueStep]) -> ConvEpilogue? {
            let steps = epilogue.map { ($0.operation, pointer($0.output)!) }
            let addends = epilogue.compactMap { step in step.addends?.map { part in part.map { UnsafePointer(pointer($0)!) } } }
            return epilogue.isEmpty ? nil : ConvEpilogue(steps: steps, addends: addends)
        }
        switch work {
        case .layer(let layer, let io, let parameters, let packed, let input, let output, let epilogue):
            guard let x = pointer(input), let y = pointer(output) else { return }
            layer.kind.forward(
                LayerRun(input: x, output: y, io: io, parameters: parameters, packedWeight: packed, epilogue: chain(epilogue)))
        case .blockedConv(let g, let packed, let bias, let input, let output, let epilogue):
            guard let x = pointer(input), let y = pointer(output) else { return }
            Self.runBlockedConv(g, packed: packed, bias: bias, x: x, y: y, epilogue: chain(epilogue))
        case .blockedPool(let pool, let shape, let input, let output):
            guard let x = pointer(input), let y = pointer(output) else { return }
            Self.runBlockedPool(pool, shape: shape, x: x, y: y)
        case .reorder(let layout, let channels, let positions, let input, let output):
            guard let x = pointer(input), let y = pointer(output) else { return }
            Self.runReorder(to: layout, channels: channels, positions: positions, x: x, y: y)
        case .merge(let merge, let shape, let parts, let output):
            guard let y = pointer(output) else { return }
            let sources = parts.compactMap { part in pointer(part.value).map { (UnsafePointer($0), part.channels) } }
            guard sources.count == parts.count else { return }
            Kernels.merge(sources, merge, shape: shape, into: y)
        }
    }
}

/// One step of a fused chain: what it computes and the value it writes (the chain's buffer when in place); an
/// add also reads `addends`, its other parts (nil where the chain's own value goes), or nil for other steps.
struct PlannedEpilogueStep: Sendable {
    var operation: EpilogueOperation
    var output: Int
    var addends: [Int?]?
}
