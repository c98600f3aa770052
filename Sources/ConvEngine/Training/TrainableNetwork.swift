/// A network run over batches, forward and backward: its shapes, its execution order and the parameters of
/// every layer — while training, the one place they live. A value: copy it to train on another thread.
///
/// The loss is softmax cross-entropy over the class scores: the output of the last node, or, when the network
/// ends in a softmax, that softmax's input (the softmax is fused into the loss and its own backward skipped).
public struct TrainableNetwork: Sendable {
    public let network: Network
    public let shapes: ShapeTable
    /// Every node in execution order (a block's branches before its merge).
    public let order: [NodePath]
    /// The parameters of every layer that has any, by node path.
    public var parameters: [NodePath: LayerParameters]
    /// Index into `order` of the node whose output holds the class scores (nil: the network input itself).
    public let scoresIndex: Int?
    /// For each node in `order`, the index of the node feeding it (nil: the network input).
    private let inputIndex: [Int?]
    private let indexOfPath: [NodePath: Int]

    /// Shapes are checked with `memoryCap` as for a forward session; parameters come from the network's
    /// initialiser (or its weights folder, or what the preset writes out).
    public init(network: Network, memoryCap: Int = defaultMemoryCap) throws(ShapeError) {
        self.network = network
        shapes = try network.inferShapes(memoryCap: memoryCap)
        order = network.executionOrder
        var indexOfPath: [NodePath: Int] = [:]
        for (i, path) in order.enumerated() { indexOfPath[path] = i }
        self.indexOfPath = indexOfPath
        inputIndex = order.map { network.inputPath(of: $0).map { indexOfPath[$0]! } }
        var parameters: [NodePath: LayerParameters] = [:]
        for path in order { parameters[path] = network.parameters(at: path, shapes: shapes) }
        self.parameters = parameters
        let last = order.indices.last
        if let last, network.lossFusesFinalSoftmax {
            scoresIndex = inputIndex[last]
        } else {
            scoresIndex = last
        }
    }

    /// The shape of one image's class scores (flattened, their count is the number of classes).
    public var scoresShape: Shape { shapes.output(of: scoresIndex.map { order[$0] }) }

    /// The classes the scores distinguish: one per value of the scores' shape.
    public var classCount: Int { scoresShape.elementCount }

    /// The index in `order` of `path`.
    public func index(of path: NodePath) -> Int? { indexOfPath[path] }
}

/// Every node's output over one batch, kept for the backward pass.
public struct Activations: Sendable {
    public var input: Batch
    /// Node outputs in execution order, each in the batch layout.
    public var outputs: [[Float]]
    /// How the pass ran: inference, or training with its seed.
    public var mode: ForwardMode
    /// Batch norm's running statistics as the pass leaves them (training only), by node path.
    public var runningUpdates: [NodePath: LayerParameters]

    public var batch: Int { input.count }
}

/// Float buffers of finished passes, by size, for the next pass to overwrite instead of faulting in fresh
/// pages: a training loop gives back each step's activations and the pool stays one step's size.
public struct BufferPool: Sendable {
    private var spare: [Int: [[Float]]] = [:]

    public init() {}

    /// A buffer of `count` floats whose contents are to be overwritten.
    mutating func take(_ count: Int) -> [Float] {
        spare[count]?.popLast() ?? ForwardSession.uninitializedFloats(count)
    }

    /// Keeps `buffer` for a later `take` of its size.
    public mutating func recycle(_ buffer: [Float]) {
        guard !buffer.isEmpty else { return }
        spare[buffer.count, default: []].append(buffer)
    }

    /// Keeps every output buffer of a finished pass.
    public mutating func recycle(_ activations: Activations) {
        for output in activations.outputs { recycle(output) }
    }
}

/// One layer's parameter gradients, in the parameters' own layout.
public struct LayerGradients: Hashable, Sendable {
    public var weight: [Float]
    public var bias: [Float]?
}

/// The gradients of the loss: every parameter's and, when asked for, the input's.
public struct Gradients: Sendable {
    public var parameters: [NodePath: LayerGradients]
    /// ∂loss/∂input in the batch layout, when asked for.
    public var input: [Float]?
    /// The most bytes of activation gradients and scratch alive at once during the pass.
    public var peakBytes: Int
}

extension TrainableNetwork {
    /// The forward pass over `input` in `mode`, keeping every node's output. In training, each layer draws its
    /// dropout mask from `seed` mixed with its name, and batch norm's running updates are returned (apply them
    /// with `applyRunningUpdates`).
    public func forward(_ input: Batch, mode: ForwardMode) -> Activations {
        var buffers = BufferPool()
        return forward(input, mode: mode, buffers: &buffers)
    }

    /// `forward` writing into buffers from `buffers` (give them back with `BufferPool.recycle` when done).
    public func forward(_ input: Batch, mode: ForwardMode, buffers: inout BufferPool) -> Activations {
        precondition(input.shape == shapes.input, "a batch of \(input.shape) for a network taking \(shapes.input)")
        var outputs: [[Float]] = []
        outputs.reserveCapacity(order.count)
        var updates: [NodePath: LayerParameters] = [:]
        for (i, path) in order.enumerated() {
            let node = network.node(at: path)!
            let shape = shapes.output(of: path)
            var output = buffers.take(shape.elementCount * input.count)
            let source = inputIndex[i].map { outputs[$0] } ?? input.data
            switch node.kind {
            case .parallel(let block):
                let parts = block.branches.enumerated().map { b, branch in
                    branch.isEmpty ? source : outputs[indexOfPath[path.child(branch: b, index: branch.count - 1)]!]
                }
                Self.merge(parts, block.merge, into: &output)
            case .layer(let layer):
                let layerMode = Self.layerMode(mode, name: node.name)
                let io = shapes.io(at: path), p = parameters[path]
                let packed = io.geometry?.conv.flatMap { g in
                    p.flatMap { p in
                        p.weight.count == g.weightCount && g.readsPackedWeight
                            ? p.weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) } : nil
                    }
                }
                source.withUnsafeBufferPointer { x in
                    output.withUnsafeMutableBufferPointer { y in
                        guard !y.isEmpty, !x.isEmpty else { return }
                        let run = LayerRun(
                            input: x.baseAddress!, output: y.baseAddress!, io: io, parameters: p, packedWeight: packed,
                            batch: input.count, mode: layerMode)
                        layer.kind.forward(run)
                        if layerMode != .inference, let updated = layer.kind.runningUpdate(run) { updates[path] = updated }
                    }
                }
            }
            outputs.append(output)
        }
        return Activations(input: input, outputs: outputs, mode: mode, runningUpdates: updates)
    }

    /// Takes batch norm's running statistics from a training pass.
    public mutating func applyRunningUpdates(_ activations: Activations) {
        for (path, updated) in activations.runningUpdates { parameters[path] = updated }
    }

    /// The class scores of every image of a pass, as classes × images (K, N).
    public func scores(_ activations: Activations) -> [Float] {
        let source = scoresIndex.map { activations.outputs[$0] } ?? activations.input.data
        let shape = scoresShape, batch = activations.batch
        guard shape.planeSize > 1 && batch > 1 else { return source }
        var scores = [Float](repeating: 0, count: source.count)
        source.withUnsafeBufferPointer { x in
            scores.withUnsafeMutableBufferPointer { s in
                Kernels.imagesToFeatures(
                    channels: shape.channels, positions: shape.planeSize, batch: batch, input: x.baseAddress!, output: s.baseAddress!)
            }
        }
        return scores
    }

    /// The loss of a pass against `labels` (each in 0 ..< classCount).
    public func loss(_ activations: Activations, labels: [Int]) -> SoftmaxCrossEntropy.Result {
        scores(activations).withUnsafeBufferPointer {
            SoftmaxCrossEntropy.evaluate(scores: $0.baseAddress!, classes: classCount, batch: activations.batch, labels: labels)
        }
    }

    /// A training pass over `input` (dropout masks from `seed`), the loss against `labels`, and the backward pass.
    public func gradients(
        _ input: Batch, labels: [Int], seed: UInt64, inputGradient: Bool = false
    ) -> (loss: SoftmaxCrossEntropy.Result, gradients: Gradients, activations: Activations) {
        var buffers = BufferPool()
        return gradients(input, labels: labels, seed: seed, inputGradient: inputGradient, buffers: &buffers)
    }

    /// `gradients` taking its buffers from `buffers` and giving back those of the backward pass.
    public func gradients(
        _ input: Batch, labels: [Int], seed: UInt64, inputGradient: Bool = false, buffers: inout BufferPool
    ) -> (loss: SoftmaxCrossEntropy.Result, gradients: Gradients, activations: Activations) {
        let activations = forward(input, mode: .training(seed: seed), buffers: &buffers)
        let scores = scores(activations)
        var scoresGradient = [Float](repeating: 0, count: scores.count)
        let loss = scores.withUnsafeBufferPointer { s in
            scoresGradient.withUnsafeMutableBufferPointer { g in
                SoftmaxCrossEntropy.evaluate(
                    scores: s.baseAddress!, classes: classCount, batch: input.count, labels: labels, gradient: g.baseAddress!)
            }
        }
        let gradients = backward(activations, scoresGradient: scoresGradient, inputGradient: inputGradient, buffers: &buffers)
        return (loss, gradients, activations)
    }

    /// The backward pass of `activations` from the gradient of the class scores (K, N), in reverse execution
    /// order: each layer's backward, a concat's gradient cut into its branches' channel ranges, an add's given to
    /// every branch, and a value feeding several nodes (a block's input) summing their gradients in order.
    public func backward(_ activations: Activations, scoresGradient: [Float], inputGradient wantsInput: Bool = false) -> Gradients {
        var buffers = BufferPool()
        return backward(activations, scoresGradient: scoresGradient, inputGradient: wantsInput, buffers: &buffers)
    }

    /// `backward` taking the buffers of activation gradients from `buffers` and giving them back when used.
    public func backward(
        _ activations: Activations, scoresGradient: [Float], inputGradient wantsInput: Bool, buffers: inout BufferPool
    ) -> Gradients {
        let batch = activations.batch, workspace = Workspace()
        var gradients = [[Float]?](repeating: nil, count: order.count)
        var inputGradient: [Float]? = nil
        var live = 0, peak = 0
        func note(_ change: Int) {
            live += change
            peak = max(peak, live + workspace.bytes)
        }
        // Adds `values` into the gradient of node `target` (nil: the network input), or makes it the gradient.
        func accumulate(_ values: [Float], into target: Int?) {
            guard let target else {
                guard wantsInput else { return }
                if inputGradient == nil { inputGradient = values } else { add(values, to: &inputGradient!) }
                return
            }
            if gradients[target] == nil {
                gradients[target] = values
                note(values.count * 4)
            } else {
                add(values, to: &gradients[target]!)
                buffers.recycle(values)
            }
        }
        var seed = scoresGradient
        let scoresShape = self.scoresShape
        if scoresShape.planeSize > 1 && batch > 1 {
            seed.withUnsafeMutableBufferPointer { target in
                scoresGradient.withUnsafeBufferPointer { source in
                    Kernels.featuresToImages(
                        channels: scoresShape.channels, positions: scoresShape.planeSize, batch: batch, input: source.baseAddress!,
                        output: target.baseAddress!)
                }
            }
        }
        accumulate(seed, into: scoresIndex)

        var parameterGradients: [NodePath: LayerGradients] = [:]
        for i in order.indices.reversed() {
            guard let dy = gradients[i] else { continue }
            gradients[i] = nil
            let path = order[i], node = network.node(at: path)!
            switch node.kind {
            case .parallel(let block):
                var offset = 0
                for (b, branch) in block.branches.enumerated() {
                    let target = branch.isEmpty ? inputIndex[i] : indexOfPath[path.child(branch: b, index: branch.count - 1)]!
                    let size = block.merge == .add ? dy.count : branchSize(path, b, batch)
                    var part = buffers.take(size)
                    part.withUnsafeMutableBufferPointer { target in
                        dy.withUnsafeBufferPointer {
                            (target.baseAddress! as UnsafeMutablePointer<Float>).update(from: $0.baseAddress! + offset, count: size)
                        }
                    }
                    if block.merge == .concat { offset += size }
                    accumulate(part, into: target)
                }
            case .layer(let layer):
                let io = shapes.io(at: path), p = parameters[path]
                let needsInput = inputIndex[i] != nil || wantsInput
                var dx = needsInput ? buffers.take(io.input.elementCount * batch) : []
                var dw = p.map { [Float](repeating: 0, count: $0.weight.count) }
                var db = p?.bias.map { [Float](repeating: 0, count: $0.count) }
                note(dx.count * 4)
                let source = inputIndex[i].map { activations.outputs[$0] } ?? activations.input.data
                source.withUnsafeBufferPointer { x in
                    activations.outputs[i].withUnsafeBufferPointer { y in
                        dy.withUnsafeBufferPointer { dyp in
                            dx.withUnsafeMutableBufferPointer { dxp in
                                withOptionalMutablePointer(&dw) { dwp in
                                    withOptionalMutablePointer(&db) { dbp in
                                        guard !x.isEmpty, !y.isEmpty else { return }
                                        let run = LayerRun(
                                            input: x.baseAddress!, output: UnsafeMutablePointer(mutating: y.baseAddress!), io: io,
                                            parameters: p, batch: batch, mode: Self.layerMode(activations.mode, name: node.name))
                                        layer.kind.backward(
                                            BackwardRun(
                                                forward: run, outputGradient: dyp.baseAddress!,
                                                inputGradient: needsInput ? dxp.baseAddress : nil, weightGradient: dwp,
                                                biasGradient: dbp, workspace: workspace))
                                    }
                                }
                            }
                        }
                    }
                }
                if let dw { parameterGradients[path] = LayerGradients(weight: dw, bias: db) }
                note(-dx.count * 4)  // counted again where it lands
                if needsInput { accumulate(dx, into: inputIndex[i]) }
            }
            note(-dy.count * 4)
            buffers.recycle(dy)
        }
        return Gradients(parameters: parameterGradients, input: inputGradient, peakBytes: peak)
    }

    /// Values of branch `b`'s output over the batch, for cutting a concat's gradient.
    private func branchSize(_ path: NodePath, _ b: Int, _ batch: Int) -> Int {
        let branch = network.node(at: path)!.block!.branches[b]
        let shape = branch.isEmpty ? shapes.io(at: path).input : shapes.output(of: path.child(branch: b, index: branch.count - 1))
        return shape.elementCount * batch
    }

    /// Concatenation on channels (in the batch layout each part's whole buffer is one run of channels) or a sum.
    static func merge(_ parts: [[Float]], _ merge: Merge, into output: inout [Float]) {
        switch merge {
        case .concat:
            var offset = 0
            for part in parts {
                output.replaceSubrange(offset..<(offset + part.count), with: part)
                offset += part.count
            }
        case .add:
            output.replaceSubrange(0..<output.count, with: parts[0])
            for part in parts.dropFirst() { add(part, to: &output) }
        }
    }

    /// A layer's own mode: in training, its dropout seed mixes the pass's seed with the layer's name.
    static func layerMode(_ mode: ForwardMode, name: String) -> ForwardMode {
        guard let seed = mode.trainingSeed else { return mode }
        var mixer = SplitMix64(seed: seed ^ stableHash(name))
        return .training(seed: mixer.next())
    }
}

/// target += values, element by element.
private func add(_ values: [Float], to target: inout [Float]) {
    target.withUnsafeMutableBufferPointer { t in
        values.withUnsafeBufferPointer { v in
            Kernels.forEachRange(count: v.count) { range in
                for i in range { t[i] += v[i] }
            }
        }
    }
}

/// Calls `body` with a pointer to `values`' storage, or with nil when there are none.
private func withOptionalMutablePointer<R>(_ values: inout [Float]?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard values != nil else { return body(nil) }
    return values!.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
