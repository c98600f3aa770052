/// The result of shape inference: every node's input and output shape, and the resolved geometry of
/// every conv and pool. The one place shapes are computed; cost, forward passes and the front ask it.
public struct ShapeTable: Hashable, Sendable {
    /// The network input's shape.
    public let input: Shape
    /// Each node's output shape (a block's is its merged output).
    public private(set) var outputs: [NodePath: Shape] = [:]
    /// Each node's input shape.
    public private(set) var inputs: [NodePath: Shape] = [:]
    /// Resolved conv geometry per conv node.
    public private(set) var convGeometry: [NodePath: ConvGeometry] = [:]
    /// Resolved pool geometry per pool node.
    public private(set) var poolGeometry: [NodePath: PoolGeometry] = [:]
    /// The network's final output shape (the input's when there are no nodes).
    public private(set) var output: Shape

    init(input: Shape) {
        self.input = input
        self.output = input
    }

    /// The output shape of the node at `path`; the network input for `nil`.
    public func output(of path: NodePath?) -> Shape {
        guard let path else { return input }
        return outputs[path] ?? input
    }

    /// Bytes of all activations a forward session caches (input and every node's output, Float32).
    public var activationBytes: Int {
        (outputs.values.reduce(0) { $0 + $1.elementCount } + input.elementCount) * MemoryLayout<Float>.size
    }

    fileprivate mutating func record(_ path: NodePath, input: Shape, output: Shape) {
        inputs[path] = input
        outputs[path] = output
    }
    fileprivate mutating func record(_ path: NodePath, conv: ConvGeometry) { convGeometry[path] = conv }
    fileprivate mutating func record(_ path: NodePath, pool: PoolGeometry) { poolGeometry[path] = pool }
    fileprivate mutating func finish(output: Shape) { self.output = output }
}

/// The default cap on cached activations: 2 GiB.
public let defaultMemoryCap = 2 << 30

extension Network {
    /// Infers every node's shape from the input down, or throws the first impossibility with its node path.
    /// - Parameter memoryCap: largest total of cached activations allowed, in bytes.
    public func inferShapes(memoryCap: Int = defaultMemoryCap) throws(ShapeError) -> ShapeTable {
        let inputShape = input.shape
        guard inputShape.channels > 0, inputShape.height > 0, inputShape.width > 0 else {
            throw .invalidInput(shape: inputShape)
        }
        var table = ShapeTable(input: inputShape)
        let output = try Self.inferSequence(nodes, input: inputShape, pathOf: { NodePath.top($0) }, into: &table)
        table.finish(output: output)
        if table.activationBytes > memoryCap {
            throw .memoryCap(bytes: table.activationBytes, cap: memoryCap)
        }
        return table
    }

    private static func inferSequence(
        _ sequence: [Node], input: Shape, pathOf: (Int) -> NodePath,
        into table: inout ShapeTable
    ) throws(ShapeError) -> Shape {
        var shape = input
        for (index, node) in sequence.enumerated() {
            let path = pathOf(index)
            let output: Shape
            switch node.kind {
            case .layer(let layer):
                output = try inferLayer(layer, input: shape, path: path, name: node.name, into: &table)
            case .parallel(let block):
                output = try inferBlock(block, input: shape, path: path, name: node.name, into: &table)
            }
            table.record(path, input: shape, output: output)
            shape = output
        }
        return shape
    }

    private static func inferBlock(
        _ block: ParallelBlock, input: Shape, path: NodePath, name: String,
        into table: inout ShapeTable
    ) throws(ShapeError) -> Shape {
        guard !block.branches.isEmpty else { throw .emptyBlock(path: path, name: name) }
        var shapes: [Shape] = []
        for (b, branch) in block.branches.enumerated() {
            shapes.append(try inferSequence(branch, input: input, pathOf: { path.child(branch: b, index: $0) }, into: &table))
        }
        switch block.merge {
        case .concat:
            guard shapes.allSatisfy({ $0.height == shapes[0].height && $0.width == shapes[0].width }) else {
                throw .concatSpatialMismatch(path: path, name: name, shapes: shapes)
            }
            return Shape(channels: shapes.reduce(0) { $0 + $1.channels }, height: shapes[0].height, width: shapes[0].width)
        case .add:
            guard shapes.allSatisfy({ $0 == shapes[0] }) else {
                throw .addShapeMismatch(path: path, name: name, shapes: shapes)
            }
            return shapes[0]
        }
    }

    private static func inferLayer(
        _ layer: Layer, input: Shape, path: NodePath, name: String,
        into table: inout ShapeTable
    ) throws(ShapeError) -> Shape {
        func require(_ ok: Bool, _ field: String, _ value: Any, _ requirement: String) throws(ShapeError) {
            if !ok { throw .invalidValue(path: path, name: name, field: field, value: "\(value)", requirement: requirement) }
        }
        func requireCount(_ tensor: String, _ got: Int, _ expected: Int) throws(ShapeError) {
            if got != expected { throw .parameterCount(path: path, name: name, tensor: tensor, expected: expected, got: got) }
        }
        switch layer {
        case .conv(let conv):
            try require(conv.outChannels > 0, "out_channels", conv.outChannels, "at least 1")
            try require(conv.kernel.height > 0 && conv.kernel.width > 0, "kernel", conv.kernel, "at least 1")
            try require(conv.stride.height > 0 && conv.stride.width > 0, "stride", conv.stride, "at least 1")
            try require(conv.dilation.height > 0 && conv.dilation.width > 0, "dilation", conv.dilation, "at least 1")
            try require(conv.groups > 0, "groups", conv.groups, "at least 1")
            if case .explicit(let pad) = conv.padding {
                try require(pad.height >= 0 && pad.width >= 0, "pad", pad, "0 or more")
            }
            guard input.channels % conv.groups == 0 else {
                throw .groupsMismatch(path: path, name: name, channels: input.channels, groups: conv.groups, side: "input")
            }
            guard conv.outChannels % conv.groups == 0 else {
                throw .groupsMismatch(path: path, name: name, channels: conv.outChannels, groups: conv.groups, side: "output")
            }
            let reach = conv.effectiveKernel
            let (outH, padTop, paddedH) = resolve(input.height, reach.height, conv.stride.height, conv.padding, \.height)
            let (outW, padLeft, paddedW) = resolve(input.width, reach.width, conv.stride.width, conv.padding, \.width)
            guard paddedH >= reach.height && paddedW >= reach.width else {
                throw .kernelTooLarge(path: path, name: name, kernel: reach, paddedInput: Size2(paddedH, paddedW))
            }
            let geometry = ConvGeometry(
                inChannels: input.channels, inHeight: input.height, inWidth: input.width,
                outChannels: conv.outChannels, outHeight: outH, outWidth: outW,
                kernelHeight: conv.kernel.height, kernelWidth: conv.kernel.width,
                strideHeight: conv.stride.height, strideWidth: conv.stride.width,
                padTop: padTop, padLeft: padLeft,
                dilationHeight: conv.dilation.height, dilationWidth: conv.dilation.width, groups: conv.groups)
            if let explicit = conv.parameters {
                try requireCount("weights", explicit.weights.count, geometry.weightCount)
                if let biases = explicit.biases {
                    try require(conv.hasBias, "biases", "given", "absent when bias is false")
                    try requireCount("biases", biases.count, conv.outChannels)
                }
            }
            table.record(path, conv: geometry)
            return Shape(channels: conv.outChannels, height: outH, width: outW)

        case .pool(let pool):
            try require(pool.kernel.height > 0 && pool.kernel.width > 0, "kernel", pool.kernel, "at least 1")
            try require(pool.stride.height > 0 && pool.stride.width > 0, "stride", pool.stride, "at least 1")
            try require(pool.padding.height >= 0 && pool.padding.width >= 0, "pad", pool.padding, "0 or more")
            try require(
                pool.padding.height < pool.kernel.height && pool.padding.width < pool.kernel.width,
                "pad", pool.padding, "smaller than the kernel")
            let paddedH = input.height + 2 * pool.padding.height, paddedW = input.width + 2 * pool.padding.width
            guard paddedH >= pool.kernel.height && paddedW >= pool.kernel.width else {
                throw .kernelTooLarge(path: path, name: name, kernel: pool.kernel, paddedInput: Size2(paddedH, paddedW))
            }
            let outH = poolExtent(input.height, pool.kernel.height, pool.stride.height, pool.padding.height, pool.rounding)
            let outW = poolExtent(input.width, pool.kernel.width, pool.stride.width, pool.padding.width, pool.rounding)
            table.record(
                path,
                pool: PoolGeometry(
                    channels: input.channels, inHeight: input.height, inWidth: input.width, outHeight: outH, outWidth: outW,
                    kernelHeight: pool.kernel.height, kernelWidth: pool.kernel.width,
                    strideHeight: pool.stride.height, strideWidth: pool.stride.width,
                    padTop: pool.padding.height, padLeft: pool.padding.width))
            return Shape(channels: input.channels, height: outH, width: outW)

        case .globalAveragePool:
            return Shape(channels: input.channels, height: 1, width: 1)

        case .activation, .softmax:
            return input

        case .dropout(let rate):
            try require(rate >= 0 && rate < 1, "rate", rate, "at least 0 and below 1")
            return input

        case .batchNorm(let norm):
            try require(norm.epsilon > 0, "eps", norm.epsilon, "above 0")
            if let stats = norm.statistics {
                for (tensor, values) in [("mean", stats.mean), ("var", stats.variance), ("scale", stats.scale), ("shift", stats.shift)] {
                    try requireCount(tensor, values.count, input.channels)
                }
                try require(stats.variance.allSatisfy { $0 >= 0 }, "var", "negative", "0 or more in every channel")
            }
            return input

        case .localResponseNorm(let lrn):
            try require(lrn.size > 0 && lrn.size % 2 == 1, "size", lrn.size, "an odd number of at least 1")
            try require(lrn.k > 0, "k", lrn.k, "above 0")
            return input

        case .flatten:
            return Shape(channels: input.elementCount, height: 1, width: 1)

        case .dense(let dense):
            try require(dense.outFeatures > 0, "out_features", dense.outFeatures, "at least 1")
            if let explicit = dense.parameters {
                try requireCount("weights", explicit.weights.count, dense.outFeatures * input.elementCount)
                if let biases = explicit.biases {
                    try require(dense.hasBias, "biases", "given", "absent when bias is false")
                    try requireCount("biases", biases.count, dense.outFeatures)
                }
            }
            return Shape(channels: dense.outFeatures, height: 1, width: 1)

        case .lateral(let lateral):
            if let explicit = lateral.parameters {
                try requireCount("weights", explicit.weights.count, input.channels * input.channels)
                try require(explicit.biases == nil, "biases", "given", "absent: a lateral layer has no bias")
            }
            return input
        }
    }

    /// Output extent, leading pad and padded extent of one conv axis.
    private static func resolve(
        _ size: Int, _ reach: Int, _ stride: Int, _ padding: Padding,
        _ axis: KeyPath<Size2, Int>
    ) -> (out: Int, lead: Int, padded: Int) {
        switch padding {
        case .explicit(let pad):
            let padded = size + 2 * pad[keyPath: axis]
            return (padded >= reach ? (padded - reach) / stride + 1 : 0, pad[keyPath: axis], padded)
        case .same:
            // ONNX SAME_UPPER / TensorFlow "same": output ⌈size / stride⌉, the odd pad at the end.
            let out = (size + stride - 1) / stride
            let total = max((out - 1) * stride + reach - size, 0)
            return (out, total / 2, size + total)
        }
    }

    /// Caffe's pooled extent: ceil rounding may add a window, but never one that starts in the padding.
    static func poolExtent(_ size: Int, _ kernel: Int, _ stride: Int, _ pad: Int, _ rounding: Pool.Rounding) -> Int {
        let span = size + 2 * pad - kernel
        var out: Int
        switch rounding {
        case .floor: out = span / stride + 1
        case .ceil:
            out = (span + stride - 1) / stride + 1
            if pad > 0 && (out - 1) * stride >= size + pad { out -= 1 }
        }
        return out
    }
}
