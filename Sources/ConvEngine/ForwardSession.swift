/// A forward pass computed node by node in execution order, caching every activation. It steps forward and
/// back, and after an edit recomputes only from the first changed node on. A value: copy it to compute on
/// another thread and hand the result back.
public struct ForwardSession: Sendable {
    public private(set) var network: Network
    public private(set) var shapes: ShapeTable
    public private(set) var costs: CostTable
    /// Every node in the order it is computed (a block's branches before its merge).
    public private(set) var order: [NodePath]
    /// How many nodes of `order` are computed: the step cursor.
    public private(set) var computedCount = 0
    public private(set) var input: Tensor
    private var outputs: [NodePath: Tensor] = [:]
    private var parameterCache: [NodePath: CachedParameters] = [:]
    /// Output buffers of forgotten steps, by element count, reused by the next steps of that size: a rerun
    /// after an edit or a reset writes into memory it already owns instead of faulting in fresh pages.
    private var spareBuffers: [Int: [[Float]]] = [:]
    private let memoryCap: Int
    /// The inference plan: conv → the nodes after it the conv computes in its own pass (`Network.epilogueChains`).
    private var epilogueChains: [NodePath: [EpilogueStep]] = [:]
    /// Outputs a conv's epilogue wrote for the steps after it, until each step takes its own.
    private var fusedOutputs: [NodePath: Tensor] = [:]

    /// Prepares a session; nothing is computed yet. Throws when the network cannot run on this input.
    public init(network: Network, input: Tensor, memoryCap: Int = defaultMemoryCap) throws(ShapeError) {
        self.network = network
        self.memoryCap = memoryCap
        self.shapes = try network.inferShapes(memoryCap: memoryCap)
        self.costs = try network.cost(shapes: shapes)
        self.order = network.executionOrder
        precondition(input.shape == shapes.input, "input tensor \(input.shape) does not match the network input \(shapes.input)")
        self.input = input
        self.epilogueChains = plannedEpilogues()
    }

    /// True when every node is computed.
    public var isComplete: Bool { computedCount == order.count }

    /// The cached output of the node at `path`, nil while it is not computed.
    public func output(of path: NodePath) -> Tensor? { outputs[path] }

    /// The network's final output once every node is computed.
    public var finalOutput: Tensor? {
        guard isComplete else { return nil }
        return network.nodes.isEmpty ? input : outputs[.top(network.nodes.count - 1)]
    }

    /// Min, max, mean, std and zero fraction of a computed node's output. Computed on demand (one vectorised
    /// pass), so stepping never pays for statistics nobody looks at.
    public func statistics(of path: NodePath) -> ActivationStatistics? { outputs[path].map { ActivationStatistics($0.data) } }

    /// The first computed node, in execution order, whose output holds an inf or a NaN: the node that produced
    /// one (every node reads only outputs computed before it). `nil` while every computed value is finite.
    public var firstNonFiniteNode: NodePath? {
        order.prefix(computedCount).first { path in outputs[path]?.data.contains { !$0.isFinite } ?? false }
    }

    /// The parameters the node at `path` computes with (resolved once, then cached).
    public func parameters(of path: NodePath) -> LayerParameters? {
        parameterCache[path]?.parameters ?? network.parameters(at: path, shapes: shapes)
    }

    /// Computes the next node and returns its path; nil at the end or when cancelled before it started.
    @discardableResult
    public mutating func stepForward(isCancelled: () -> Bool = { false }) -> NodePath? {
        guard computedCount < order.count, !isCancelled() else { return nil }
        let path = order[computedCount]
        let result = compute(path)
        outputs[path] = result
        computedCount += 1
        return path
    }

    /// Forgets the last computed node's output (the cursor moves back one step).
    public mutating func stepBack() {
        guard computedCount > 0 else { return }
        dropFusedOutput()
        computedCount -= 1
        recycle(outputs.removeValue(forKey: order[computedCount]))
    }

    /// Computes every remaining node, stopping early when `isCancelled` says so.
    public mutating func runToEnd(isCancelled: () -> Bool = { false }) {
        advance(to: order.count, isCancelled: isCancelled)
    }

    /// Computes until `count` nodes are done (or cancelled).
    public mutating func advance(to count: Int, isCancelled: () -> Bool = { false }) {
        while computedCount < min(count, order.count), stepForward(isCancelled: isCancelled) != nil {}
    }

    /// Forgets every computed output.
    public mutating func reset() {
        computedCount = 0
        dropFusedOutput()
        for tensor in outputs.values { recycle(tensor) }
        outputs.removeAll()
    }

    /// Replaces the network (and optionally the input) after an edit. Outputs before the first changed node
    /// in execution order stay cached; the cursor moves back to there at most. Throws, changing nothing,
    /// when the edited network cannot run.
    public mutating func update(network newNetwork: Network, input newInput: Tensor? = nil) throws(ShapeError) {
        let newShapes = try newNetwork.inferShapes(memoryCap: memoryCap)
        let newCosts = try newNetwork.cost(shapes: newShapes)
        let newOrder = newNetwork.executionOrder
        var keep = 0
        let inputChanged = (newInput.map { $0 != input } ?? false) || newShapes.input != shapes.input
        if !inputChanged && newNetwork.initialization == network.initialization {
            while keep < min(order.count, newOrder.count), keep < computedCount,
                order[keep] == newOrder[keep], sameStep(order[keep], in: network, newNetwork)
            {
                keep += 1
            }
        }
        for path in order[keep...] { recycle(outputs.removeValue(forKey: path)) }
        let neededSizes = Set(newShapes.outputs.values.map(\.elementCount))
        spareBuffers = spareBuffers.filter { neededSizes.contains($0.key) }
        parameterCache = Self.carryOver(parameterCache, to: newNetwork, order: newOrder, shapes: newShapes)
        network = newNetwork
        shapes = newShapes
        costs = newCosts
        order = newOrder
        dropFusedOutput()
        epilogueChains = plannedEpilogues()
        if let newInput { input = newInput }
        computedCount = min(computedCount, keep)
    }

    /// Resolved parameters stay valid wherever a node with the same name, layer, input shape and initialiser
    /// sits in the edited network (draws are keyed by name), so an edit never re-draws untouched layers.
    private static func carryOver(
        _ cache: [NodePath: CachedParameters], to network: Network, order: [NodePath],
        shapes: ShapeTable
    ) -> [NodePath: CachedParameters] {
        var byName: [String: [CachedParameters]] = [:]
        for entry in cache.values { byName[entry.name, default: []].append(entry) }
        var kept: [NodePath: CachedParameters] = [:]
        for path in order {
            guard let node = network.node(at: path), let layer = node.layer, let candidates = byName[node.name] else { continue }
            let input = shapes.inputs[path] ?? shapes.input
            if let match = candidates.first(where: {
                $0.input == input && $0.initialization == network.initialization && $0.layer == layer
            }) {
                kept[path] = match
            }
        }
        return kept
    }

    /// Whether the step at `path` computes the same thing in both networks (same layer, or same merge and
    /// branch count — branch contents are steps of their own, earlier in the order).
    private func sameStep(_ path: NodePath, in old: Network, _ new: Network) -> Bool {
        guard let a = old.node(at: path), let b = new.node(at: path), a.name == b.name else { return false }
        switch (a.kind, b.kind) {
        case (.layer(let x), .layer(let y)): return x == y
        case (.parallel(let x), .parallel(let y)): return x.merge == y.merge && x.branches.count == y.branches.count
        default: return false
        }
    }

    private mutating func dropFusedOutput() {
        for tensor in fusedOutputs.values { recycle(tensor) }
        fusedOutputs.removeAll()
    }

    /// The network's epilogue chains, each step's operation from the parameters this session computes with.
    private func plannedEpilogues() -> [NodePath: [EpilogueStep]] {
        network.epilogueChains { path, layer in layer.kind.epilogueOperation { parameters(of: path) } }
    }

    private mutating func recycle(_ tensor: Tensor?) {
        guard let data = tensor?.data, !data.isEmpty else { return }
        spareBuffers[data.count, default: []].append(data)
    }

    /// A buffer of `count` floats to overwrite: a spare one when there is one, else a new uninitialised one.
    private mutating func takeBuffer(_ count: Int) -> [Float] {
        if let spare = spareBuffers[count]?.popLast() { return spare }
        return Self.uninitializedFloats(count)
    }

    private mutating func compute(_ path: NodePath) -> Tensor {
        if let fused = fusedOutputs.removeValue(forKey: path) { return fused }
        let node = network.node(at: path)!
        let outShape = shapes.output(of: path)
        switch node.kind {
        case .parallel(let block):
            let blockInput = network.inputPath(of: path).flatMap { outputs[$0] } ?? input
            let parts: [Tensor] = block.branches.enumerated().map { b, branch in
                branch.isEmpty ? blockInput : outputs[path.child(branch: b, index: branch.count - 1)]!
            }
            var buffer = takeBuffer(outShape.elementCount)
            return Self.merge(parts, block.merge, shape: outShape, into: &buffer)
        case .layer(let layer):
            let source = network.inputPath(of: path).flatMap { outputs[$0] } ?? input
            if layer.kind.passesValuesThrough { return Tensor(shape: outShape, data: source.data) }
            if parameterCache[path] == nil, let params = network.parameters(at: path, shapes: shapes) {
                parameterCache[path] = CachedParameters(
                    name: node.name, layer: layer, input: source.shape,
                    initialization: network.initialization, parameters: params,
                    conv: shapes.convGeometry(at: path))
            }
            var buffer = takeBuffer(outShape.elementCount)
            let cached = parameterCache[path]
            guard let chain = epilogueChains[path], outShape.elementCount > 0, !source.data.isEmpty else {
                return Self.apply(
                    layer, to: source, io: shapes.io(at: path), parameters: cached?.parameters,
                    packed: cached?.packedWeight, into: &buffer)
            }
            // Every step's output has the conv's shape; an add step also reads the block's other parts.
            var outputsOfChain = chain.map { _ in takeBuffer(outShape.elementCount) }
            let addParts: [[Tensor?]] = chain.compactMap { step in
                guard case .add(let at, _) = step.operation, let block = network.node(at: step.path)?.block else { return nil }
                let blockInput = network.inputPath(of: step.path).flatMap { outputs[$0] } ?? input
                return block.branches.enumerated().map { b, branch in
                    b == at ? nil : branch.isEmpty ? blockInput : outputs[step.path.child(branch: b, index: branch.count - 1)]!
                }
            }
            let result = withMutableBaseAddresses(&outputsOfChain) { stepOutputs in
                withBaseAddresses(addParts.flatMap { $0.compactMap { $0?.data } }) { partData in
                    var next = partData.makeIterator()
                    let addends = addParts.map { parts in parts.map { $0 == nil ? nil : next.next()! } }
                    let epilogue = ConvEpilogue(
                        steps: zip(chain, stepOutputs).map { ($0.operation, $1) }, addends: addends)
                    return Self.apply(
                        layer, to: source, io: shapes.io(at: path), parameters: cached?.parameters,
                        packed: cached?.packedWeight, epilogue: epilogue, into: &buffer)
                }
            }
            for (step, data) in zip(chain, outputsOfChain) { fusedOutputs[step.path] = Tensor(shape: outShape, data: data) }
            return result
        }
    }

    /// Computes `layer` on `input` into `buffer` (resized to the output when its count differs) and returns the
    /// output tensor. Every kernel writes its whole output, so a recycled or uninitialised buffer is fine.
    /// `epilogue`, when given, computes the nodes after the layer in the same pass.
    private static func apply(
        _ layer: Layer, to input: Tensor, io: LayerIO, parameters: LayerParameters?, packed: PackedConvWeights?,
        epilogue: ConvEpilogue? = nil, into buffer: inout [Float]
    ) -> Tensor {
        guard io.output.elementCount > 0, !input.data.isEmpty else { return Tensor(shape: io.output) }
        if buffer.count != io.output.elementCount { buffer = uninitializedFloats(io.output.elementCount) }
        buffer.withUnsafeMutableBufferPointer { y in
            input.data.withUnsafeBufferPointer { x in
                layer.kind.forward(
                    LayerRun(
                        input: x.baseAddress!, output: y.baseAddress!, io: io, parameters: parameters, packedWeight: packed,
                        epilogue: epilogue))
            }
        }
        return Tensor(shape: io.output, data: buffer)
    }

    /// A new array of `count` floats whose contents are left as the allocator hands them over.
    static func uninitializedFloats(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Concatenates or sums `parts` into `buffer` (`Kernels.merge`).
    private static func merge(_ parts: [Tensor], _ merge: Merge, shape: Shape, into buffer: inout [Float]) -> Tensor {
        guard shape.elementCount > 0 else { return Tensor(shape: shape) }
        if buffer.count != shape.elementCount { buffer = Self.uninitializedFloats(shape.elementCount) }
        buffer.withUnsafeMutableBufferPointer { out in
            withBaseAddresses(parts.map(\.data)) { pointers in
                Kernels.merge(
                    zip(pointers, parts).map { ($0, $1.shape.channels) }, merge, shape: shape, into: out.baseAddress!)
            }
        }
        return Tensor(shape: shape, data: buffer)
    }
}

/// One node's resolved parameters with everything they were drawn from, to tell whether they still hold,
/// and a conv weight packed once for the GEMM (it lives and dies with the parameters).
private struct CachedParameters: Sendable {
    var name: String
    var layer: Layer
    var input: Shape
    var initialization: Initialization
    var parameters: LayerParameters
    var packedWeight: PackedConvWeights?

    init(
        name: String, layer: Layer, input: Shape, initialization: Initialization, parameters: LayerParameters,
        conv: ConvGeometry?
    ) {
        self.name = name
        self.layer = layer
        self.input = input
        self.initialization = initialization
        self.parameters = parameters
        if layer.is(Conv.self), let conv, conv.readsPackedWeight, parameters.weight.count == conv.weightCount {
            packedWeight = parameters.weight.withUnsafeBufferPointer { PackedConvWeights(conv, weight: $0.baseAddress!) }
        }
    }
}

extension Network {
    /// Runs the whole network on `input` and returns the final output: the one-call forward pass, by an
    /// `InferencePlan` (batch norms folded, intermediate outputs not kept).
    public func forward(_ input: Tensor, memoryCap: Int = defaultMemoryCap) throws(ShapeError) -> Tensor {
        var plan = try InferencePlan(network: self, memoryCap: memoryCap)
        return plan.run(input)
    }
}

/// Calls `body` with the base address of each of `arrays` (none empty), all valid during the call.
private func withBaseAddresses<R>(_ arrays: [[Float]], _ body: ([UnsafePointer<Float>]) -> R) -> R {
    func next(_ index: Int, _ collected: [UnsafePointer<Float>]) -> R {
        guard index < arrays.count else { return body(collected) }
        return arrays[index].withUnsafeBufferPointer { next(index + 1, collected + [$0.baseAddress!]) }
    }
    return next(0, [])
}

/// Calls `body` with the mutable base address of each of `arrays` (none empty), all valid during the call.
private func withMutableBaseAddresses<R>(_ arrays: inout [[Float]], _ body: ([UnsafeMutablePointer<Float>]) -> R) -> R {
    func next(_ index: Int, _ collected: [UnsafeMutablePointer<Float>]) -> R {
        guard index < arrays.count else { return body(collected) }
        var array = arrays[index]  // moved out, so it is the only reference and is written in place
        arrays[index] = []
        defer { arrays[index] = array }
        return array.withUnsafeMutableBufferPointer { next(index + 1, collected + [$0.baseAddress!]) }
    }
    return next(0, [])
}
