import CKernels

/// Turns a network into an inference plan's steps and values: walks the execution order, gives each fused chain
/// one buffer (a step writes in place unless another node still reads the value before it), folds the batch
/// norms right after a conv into its parameters, and records when each value is written and last read.
struct InferencePlanBuilder {
    let network: Network
    let shapes: ShapeTable
    private(set) var steps: [InferenceStep] = []
    /// The network input is value 0; the final output's value is marked `.output`.
    private(set) var values: [PlannedValue]
    private(set) var parameterFloats = 0
    private(set) var packedFloats = 0
    private(set) var packedAny = false
    private(set) var finalValue = 0
    /// Each node's value (a pass-through layer's is its source's).
    private var valueOf: [NodePath: Int] = [:]
    /// The nodes that read each node's output (nil: the network input).
    private(set) var readers: [NodePath?: [NodePath]] = [:]
    /// The steps (convs, pools, merges) that run on the blocked layout (`blockedSteps`).
    private(set) var blocked: Set<NodePath> = []
    /// Each value's shape as its writer wrote it (a pass-through layer's reader may see another).
    private var valueShapes: [Shape]
    /// Each value's copy in the other layout, once a reorder step wrote it (read by every later reader needing it).
    private var reordered: [Int: Int] = [:]
    /// Each conv's fused chain (`Network.epilogueChains`).
    let chains: [NodePath: [EpilogueStep]]
    /// The node whose step is being built: what a reorder of the network input is labelled with.
    private var reading = NodePath.top(0)
    /// The values `read` for the step being built (`appendStep`).
    private var readByNextStep: [Int] = []

    init(network: Network, shapes: ShapeTable, layout: InferenceLayout) {
        self.network = network
        self.shapes = shapes
        values = [PlannedValue(floats: shapes.input.elementCount, firstStep: 0, lastStep: 0, place: .input)]
        valueShapes = [shapes.input]
        chains = network.epilogueChains { path, layer in
            layer.kind.epilogueOperation { network.parameters(at: path, shapes: shapes) }
        }
        for path in network.executionOrder {
            for source in sources(of: path) { readers[source, default: []].append(path) }
        }
        blocked = blockedSteps(layout)
    }

    /// The nodes whose outputs `path` reads (nil: the network input): a layer its input, a block its parts.
    func sources(of path: NodePath) -> [NodePath?] {
        guard let block = network.node(at: path)?.block else { return [network.inputPath(of: path)] }
        return block.branches.enumerated().map { b, branch in
            branch.isEmpty ? network.inputPath(of: path) : path.child(branch: b, index: branch.count - 1)
        }
    }

    private func value(of path: NodePath?) -> Int { path.map { valueOf[$0]! } ?? 0 }

    mutating func build() {
        let fused = Set(chains.values.flatMap { $0.map(\.path) }), heads = chainHeads
        for path in network.executionOrder where !fused.contains(path) {
            let node = network.node(at: path)!
            reading = path
            switch node.kind {
            case .parallel(let block):
                let shape = shapes.output(of: path), plane = shape.planeSize
                let layout: ActivationLayout = blocked.contains(path) ? .blocked : .planar
                let parts = sources(of: path).map { read($0, as: layout, shape: shapes.output(of: $0)) }
                    .map { (value: $0, channels: plane == 0 ? 0 : values[$0].floats / plane) }
                let output = newValue(path, layout: layout)
                appendStep(
                    InferenceStep(
                        path: path, fused: [], work: .merge(block.merge, shape: shapes.output(of: path), parts: parts, output: output)))
            case .layer(let layer):
                if layer.kind.passesValuesThrough {
                    valueOf[path] = value(of: network.inputPath(of: path))
                    continue
                }
                addLayerStep(path, layer, chain: chains[path] ?? [])
            }
            reorderForPlanarReaders(after: path, heads: heads)
        }
        finalValue = network.nodes.isEmpty ? 0 : value(of: .top(network.nodes.count - 1))
        if finalValue != 0 {
            finalValue = reorderedForReading(finalValue, as: .planar, shape: valueShapes[finalValue], by: .top(network.nodes.count - 1))
        }
        placeConcatPartsInPlace()
        placeAddendsUnderSums()
        if finalValue != 0 { values[finalValue].place = .output }
    }

    /// Reorders each blocked value `path`'s step wrote (its own, its chain's) to planar right after it when every
    /// step reading it reads planar, rather than before its first reader: the blocked value dies at once instead of
    /// living on beside the values written in between (inception's branch outputs, read by the concat after the
    /// last branch: inception-3a's arena 1.7 → 1.3 MB). A copy runs earlier, the same bits.
    private mutating func reorderForPlanarReaders(after path: NodePath, heads: [NodePath: NodePath]) {
        for node in [path] + (chains[path] ?? []).map(\.path) {
            guard let v = valueOf[node], values[v].layout == .blocked else { continue }
            let readingSteps = readingSteps(of: node, heads: heads)
            guard !readingSteps.isEmpty, readingSteps.allSatisfy({ !blocked.contains($0) }) else { continue }
            _ = reorderedForReading(v, as: .planar, shape: valueShapes[v], by: node)
        }
    }

    /// A layer's step with its chain: batch norms the layer absorbs first, then each remaining step in place when
    /// nothing else reads the value it replaces, else into a value of its own. A conv of `blocked` whose remaining
    /// chain has no per-channel step (an affine it could not fold) runs on the blocked layout, its chain's values
    /// and addends blocked too; every other layer reads and writes planar values.
    private mutating func addLayerStep(_ path: NodePath, _ layer: Layer, chain: [EpilogueStep]) {
        let (folded, absorbed) = absorbing(path, layer, chain: chain)
        var parameters = folded
        var last = absorbed.last ?? path
        let rest = chain.dropFirst(absorbed.count)
        let io = shapes.io(at: path)
        if let pool = blockedPool(path, layer, io) {
            addPoolStep(path, pool, io)
            return
        }
        let layout: ActivationLayout = blocked.contains(path) ? .blocked : .planar
        let input = read(network.inputPath(of: path), as: layout, shape: io.input)
        // every addend in the layout of the sum before the step's first value (a reorder is a step before it)
        for step in rest {
            guard case .add(let at, _) = step.operation else { continue }
            for (b, source) in sources(of: step.path).enumerated() where b != at {
                _ = read(source, as: layout, shape: io.output)
            }
        }
        var output = newValue(path, layout: layout)
        let first = output
        var epilogue: [PlannedEpilogueStep] = [], fused = absorbed
        for step in absorbed { valueOf[step] = output }
        for step in rest {
            let inPlace = readers[last] == [step.path]
            fused.append(step.path)
            defer { last = step.path }
            var addends: [Int?]?
            if case .add(let at, _) = step.operation {
                addends = sources(of: step.path).enumerated().map { b, source in
                    b == at ? nil : read(source, as: layout, shape: io.output)
                }
            }
            if inPlace {
                valueOf[step.path] = output
            } else {
                output = newValue(step.path, layout: layout)
            }
            epilogue.append(PlannedEpilogueStep(operation: step.operation, output: output, addends: addends))
        }
        if layout == .blocked, let p = parameters, let g = io.geometry?.conv {
            let packed = p.weight.withUnsafeBufferPointer { w in
                g.isDepthwise
                    ? Kernels.packBlockedDepthwiseWeight(g, weight: w.baseAddress!) : Kernels.packBlockedWeight(g, weight: w.baseAddress!)
            }
            packedFloats += packed.count
            parameterFloats += p.bias?.count ?? 0
            appendStep(
                InferenceStep(
                    path: path, fused: fused,
                    work: .blockedConv(g, packed: packed, bias: p.bias, input: input, output: first, epilogue: epilogue)))
            return
        }
        let packed = parameters.flatMap { packedWeight(path, $0) }
        if let packed, var kept = parameters {
            kept.weight = []
            parameters = kept
            packedFloats += packed.storage.count
            packedAny = true
        }
        parameterFloats += parameters.map { $0.weight.count + ($0.bias?.count ?? 0) + ($0.runningMean?.count ?? 0) * 2 } ?? 0
        appendStep(
            InferenceStep(
                path: path, fused: fused,
                work: .layer(
                    layer, io: io, parameters: parameters, packed: packed, input: input, output: first,
                    epilogue: epilogue)))
    }

    /// The layer's parameters with the leading affine steps of its chain folded in (a batch norm after a conv), and
    /// the nodes of those steps.
    func absorbing(_ path: NodePath, _ layer: Layer, chain: [EpilogueStep]) -> (LayerParameters?, absorbed: [NodePath]) {
        var parameters = network.parameters(at: path, shapes: shapes)
        var last = path, absorbed: [NodePath] = []
        for step in chain {
            guard readers[last] == [step.path], case .affine(let gain, let offset) = step.operation, let p = parameters,
                let folded = layer.kind.absorbingAffine(gain: gain, offset: offset, into: p)
            else { break }
            parameters = folded
            absorbed.append(step.path)
            last = step.path
        }
        return (parameters, absorbed)
    }

    /// The blocked kernel of a pool of `blocked` (`blockedPoolKernel`); nil for any other layer.
    private func blockedPool(_ path: NodePath, _ layer: Layer, _ io: LayerIO) -> BlockedPool? {
        blocked.contains(path) ? Self.blockedPoolKernel(layer, io) : nil
    }

    /// A pool's (windowed or global) blocked kernel: channels in whole blocks, a map larger than 1×1 (a global pool's
    /// (C, 1, 1) output is the same floats in both layouts); nil for any other layer.
    static func blockedPoolKernel(_ layer: Layer, _ io: LayerIO) -> BlockedPool? {
        guard io.input.channels % Kernels.blockChannels == 0, io.input.planeSize > 1 else { return nil }
        if layer.is(GlobalAveragePool.self) { return .global }
        guard let pool = layer.as(Pool.self), let g = io.geometry?.pool else { return nil }
        return pool.kind == .max ? .max(g) : .average(g)
    }

    /// A pool's step on blocked input (`blockedPool`).
    private mutating func addPoolStep(_ path: NodePath, _ pool: BlockedPool, _ io: LayerIO) {
        let input = read(network.inputPath(of: path), as: .blocked, shape: io.input)
        let output = newValue(path, layout: .blocked)
        appendStep(InferenceStep(path: path, fused: [], work: .blockedPool(pool, shape: io.input, input: input, output: output)))
    }

    /// Lets each concat's parts be written where the concat puts them, so its merge copies nothing (SqueezeNet's
    /// fire modules, the inception blocks): a part moves into the concat's value when the concat is its last
    /// reader and it is not the network input nor another part of it; the concat's value then lives from its
    /// earliest part's step on. Runs in step order, so an inner concat moves into an outer one whole.
    private mutating func placeConcatPartsInPlace() {
        for (index, step) in steps.enumerated() {
            guard case .merge(.concat, let shape, let parts, let output) = step.work else { continue }
            var offset = 0
            for part in parts {
                defer { offset += part.channels * shape.planeSize }
                let v = part.value
                guard v != 0, values[v].lastStep == index, parts.count(where: { $0.value == v }) == 1,
                    case .arena = values[v].place
                else { continue }
                values[v].place = .within(value: output, offset: offset)
                values[output].firstStep = min(values[output].firstStep, values[v].firstStep)
            }
        }
    }

    /// Lets a conv's fused residual add write its sum over the add's other part when that part is read last there
    /// (ResNet's shortcuts, MobileNetV2's): the kernel reads each addend value right before it stores the sum in its
    /// place (`Kernels.convStoresAddInPlace`), so the output's lines arrive with the addend's instead of being read
    /// from memory on their own, and two buffers become one. ResNet-50 at 1 thread, AMD EPYC Zen 4 AVX-512, 6
    /// alternating processes, per-node minima: branch2c 0.89–0.98 of the time, res2a_branch1 0.96; its arena 7.2 →
    /// 5.2 MB. Not when the conv's input is the part or lies in it (an identity shortcut around a single conv): its
    /// later tiles still read values the first ones would overwrite. The sum's value then lives from the part's first
    /// step on, and so does whatever holds it (a concat it is a part of).
    private mutating func placeAddendsUnderSums() {
        for (index, step) in steps.enumerated() {
            guard let (input, output, epilogue, storesOnce) = convWork(step), let first = epilogue.first,
                first.output == output, case .add(_, count: 2) = first.operation,
                let part = first.addends?.compactMap({ $0 }).first, part != 0, part != output, holder(of: input) != part,
                values[part].lastStep == index, values[part].floats == values[output].floats, case .arena = values[part].place,
                storesOnce
            else { continue }
            values[part].place = .within(value: output, offset: 0)
            var container = output
            while true {
                values[container].firstStep = min(values[container].firstStep, values[part].firstStep)
                guard case .within(let outer, _) = values[container].place else { break }
                container = outer
            }
        }
    }

    /// A conv step's input, output and chain, and whether its kernel stores each output value once, right after
    /// reading the addend there (`Kernels.convStoresAddInPlace`; the blocked kernel always does, the blocked depthwise
    /// conv never: its add is a pass after it).
    private func convWork(_ step: InferenceStep) -> (input: Int, output: Int, epilogue: [PlannedEpilogueStep], storesOnce: Bool)? {
        switch step.work {
        case .layer(_, _, _, let packed, let input, let output, let epilogue):
            guard let g = shapes.convGeometry(at: step.path) else { return nil }
            return (input, output, epilogue, Kernels.convStoresAddInPlace(g, packed: packed != nil))
        case .blockedConv(let g, _, _, let input, let output, let epilogue): return (input, output, epilogue, !g.isDepthwise)
        case .merge, .reorder, .blockedPool: return nil
        }
    }

    /// The value whose memory `value` lies in: itself, or the outermost value it is placed within.
    private func holder(of value: Int) -> Int {
        if case .within(let outer, _) = values[value].place { holder(of: outer) } else { value }
    }

    /// The conv weight packed once, when the GEMM will read it (not a depthwise conv, which reads the plain weight;
    /// not while tests force an instruction set the worker threads do not run, see `Kernels.conv2d`).
    private func packedWeight(_ path: NodePath, _ parameters: LayerParameters) -> PackedConvWeights? {
        guard network.node(at: path)?.layer?.is(Conv.self) == true, let g = shapes.convGeometry(at: path),
            g.readsPackedWeight, parameters.weight.count == g.weightCount, InstructionSet.current == .best
        else { return nil }
        return parameters.weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) }
    }

    /// A new value for the output of `path`, written by the step about to be appended.
    private mutating func newValue(_ path: NodePath, layout: ActivationLayout = .planar) -> Int {
        let shape = shapes.output(of: path)
        values.append(
            PlannedValue(
                floats: shape.elementCount, firstStep: steps.count, lastStep: steps.count, place: .arena(offset: 0),
                layout: shape.planeSize == 1 ? .planar : layout))
        valueShapes.append(shape)
        valueOf[path] = values.count - 1
        return values.count - 1
    }

    /// The value of `path`'s output in `layout` (a reader seeing it as `shape`), marked as read by the next step
    /// `appendStep` appends; a reorder step goes before that when the value is in the other layout
    /// (`reorderedForReading`).
    private mutating func read(_ path: NodePath?, as layout: ActivationLayout = .planar, shape: Shape? = nil) -> Int {
        let source = value(of: path)
        let v = reorderedForReading(source, as: layout, shape: shape ?? valueShapes[source], by: path ?? reading)
        readByNextStep.append(v)
        return v
    }

    /// Appends a layer's or merge's step: the values `read` since the last one live until it (a reorder step another
    /// read added in between does not end them).
    private mutating func appendStep(_ step: InferenceStep) {
        for v in readByNextStep { values[v].lastStep = max(values[v].lastStep, steps.count) }
        readByNextStep = []
        steps.append(step)
    }

    /// `value` in `layout` for a reader that sees it as `shape`: itself when it is in that layout or a (C, 1, 1) map
    /// (the same floats either way), else its reordered copy, written by a step of its own (labelled with `path`, the
    /// node that wrote the value) the first time a reader needs it. A blocked value goes planar as its writer shaped
    /// it; a planar one goes blocked as its reader sees it (a pass-through layer may have reshaped it).
    private mutating func reorderedForReading(_ value: Int, as layout: ActivationLayout, shape: Shape, by path: NodePath) -> Int {
        guard values[value].layout != layout, values[value].floats > 0, valueShapes[value].planeSize > 1 else { return value }
        if let copy = reordered[value], valueShapes[copy] == shape || layout == .planar { return copy }
        let from = layout == .planar ? valueShapes[value] : shape
        values[value].lastStep = max(values[value].lastStep, steps.count)
        values.append(
            PlannedValue(
                floats: values[value].floats, firstStep: steps.count, lastStep: steps.count, place: .arena(offset: 0), layout: layout))
        valueShapes.append(from)
        let copy = values.count - 1
        reordered[value] = copy
        steps.append(
            InferenceStep(
                path: path, fused: [],
                work: .reorder(to: layout, channels: from.channels, positions: from.planeSize, input: value, output: copy)))
        return copy
    }
}

/// Places an inference plan's values in one arena: each at the lowest offset where it overlaps no value alive
/// at the same time, largest first (the greedy-by-size placement of TensorFlow Lite's memory planner), offsets
/// 64-byte aligned. The input and the output live outside.
struct ArenaLayout {
    private(set) var values: [PlannedValue]
    /// The arena's size.
    private(set) var floats = 0
    /// The most floats of arena values alive during one step: no placement needs less.
    let peakLiveFloats: Int

    init(values: [PlannedValue]) {
        self.values = values
        peakLiveFloats = Self.peakLive(values)
        let inArena = values.indices.filter { if case .arena = values[$0].place { values[$0].floats > 0 } else { false } }
        func aligned(_ floats: Int) -> Int { (floats + 15) / 16 * 16 }
        var placed: [Int] = []
        for v in inArena.sorted(by: { (values[$0].floats, -$0) > (values[$1].floats, -$1) }) {
            let mine = values[v]
            let blocking = placed.filter { values[$0].firstStep <= mine.lastStep && mine.firstStep <= values[$0].lastStep }
                .map { (start: self.offset(of: $0), end: self.offset(of: $0) + aligned(values[$0].floats)) }
                .sorted { $0.start < $1.start }
            var offset = 0
            for range in blocking where offset + mine.floats > range.start && offset < range.end {
                offset = max(offset, range.end)
            }
            self.values[v].place = .arena(offset: offset)
            floats = max(floats, offset + aligned(mine.floats))
            placed.append(v)
        }
    }

    /// The most floats of arena values (each 64-byte aligned) alive during one step.
    private static func peakLive(_ values: [PlannedValue]) -> Int {
        let inArena = values.filter { if case .arena = $0.place { true } else { false } }
        let lastStep = inArena.map(\.lastStep).max() ?? 0
        return (0...lastStep).map { step in
            inArena.filter { $0.firstStep <= step && step <= $0.lastStep }.map { ($0.floats + 15) / 16 * 16 }.reduce(0, +)
        }.max() ?? 0
    }

    private func offset(of value: Int) -> Int {
        if case .arena(let offset) = values[value].place { offset } else { 0 }
    }
}
