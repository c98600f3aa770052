import Foundation

/// The operators convplay reads, each turned into a layer (or folded into its neighbour: a zero `Pad` into the
/// conv or pool it feeds, `Add` of a constant into the `MatMul` before it; `Identity` and reshapes that only
/// flatten vanish). Everything else is refused with the node, its operator and what convplay would need.
extension GraphReader {
    /// Reads the node at `index`, fed by `value`: appends its layer, if any, and moves `value` past it.
    mutating func readNode(_ index: Int, value: inout FlowingValue, into nodes: inout [Node], pathOf: (Int) -> NodePath)
        throws(ONNXImportError)
    {
        switch graph.node[index].opType {
        case "Conv", "MaxPool", "AveragePool":
            return try readWindowed(index, zeros: (0, 0, 0, 0), value: &value, into: &nodes, pathOf: pathOf)
        case "Pad": return try readPad(index, value: &value, into: &nodes, pathOf: pathOf)
        default: break
        }
        let node = try take(index, fedBy: value)
        let attributes = ONNXAttributes(node)
        let output = node.output[0]
        func refuse(_ reason: String, _ need: String) -> ONNXImportError {
            .unsupported(node: display(index), op: node.opType, reason: reason, need: need)
        }
        func add(_ kind: some LayerKind, rank: Int? = nil, parameters: LayerParameters? = nil) throws(ONNXImportError) {
            try append(kind, index: index, parameters: parameters, value: &value, into: &nodes, pathOf: pathOf)
            value.rank = rank ?? value.rank
        }
        switch node.opType {
        case "Relu": try add(ReLU())
        case "Sigmoid": try add(Sigmoid())
        case "Tanh": try add(Tanh())
        case "HardSwish": try add(HardSwish())
        case "LeakyRelu": try add(LeakyReLU(slope: attributes.float("alpha", 0.01)))
        case "Clip":
            let bounds =
                opset < 11
                ? (attributes.has("min") ? attributes.float("min", 0) : nil, attributes.has("max") ? attributes.float("max", 0) : nil)
                : (try scalar(node, input: 1), try scalar(node, input: 2))
            switch bounds {
            case (let low?, let high?) where low.isFinite && high.isFinite: try add(Clip(minimum: low, maximum: high))
            case (0?, nil): try add(ReLU())
            default:
                throw refuse("it clips to [\(bounds.0.map { "\($0)" } ?? "-inf"), \(bounds.1.map { "\($0)" } ?? "inf")]", "finite bounds")
            }
        case "Identity":
            break
        case "Dropout":
            if opset >= 12, node.input.count > 2, !node.input[2].isEmpty, try scalar(node, input: 2) != 0 {
                throw refuse("it runs in training mode", "dropout at inference (training_mode false)")
            }
            let rate = opset < 12 ? attributes.float("ratio", 0.5) : try scalar(node, input: 1) ?? 0.5
            try add(Dropout(rate: rate))
        case "BatchNormalization":
            if opset < 9, attributes.int("spatial", 1) != 1 {
                throw refuse("it normalises per value, not per channel (spatial 0)", "spatial batch norm")
            }
            if attributes.int("training_mode", 0) != 0 { throw refuse("it runs in training mode", "batch norm at inference") }
            let c = value.shape.channels
            let tensors = try (1...4).map { i throws(ONNXImportError) in try weight(node, input: i, index: index, count: c) }
            try add(
                BatchNorm(epsilon: attributes.float("epsilon", 1e-5)),
                parameters: LayerParameters(
                    weight: tensors[0], weightShape: [c], bias: tensors[1], runningMean: tensors[2], runningVariance: tensors[3]))
        case "LRN":
            let size = attributes.int("size", 0)
            guard size % 2 == 1 else { throw refuse("its size is \(size)", "an LRN window of even size (convplay's is centred, odd)") }
            try add(
                LocalResponseNorm(
                    size: size, alpha: attributes.float("alpha", 1e-4), beta: attributes.float("beta", 0.75), k: attributes.float("bias", 1)
                ))
        case "GlobalAveragePool":
            try requireImage(value, index)
            try add(GlobalAveragePool())
        case "Softmax":
            let axis = attributes.int("axis", opset < 13 ? 1 : -1)
            let overChannels =
                value.rank == 2 ? (axis == 1 || axis == -1) : (axis == 1 || axis == -3) && (opset >= 13 || value.shape.planeSize == 1)
            guard overChannels else {
                throw refuse("it normalises along axis \(axis) of a rank-\(value.rank) tensor", "a softmax over other axes than channels")
            }
            try add(Softmax())
        case "Flatten":
            let axis = attributes.int("axis", 1)
            guard axis == 1 || axis == -value.rank + 1 || (value.rank == 2 && axis == -1) else {
                throw refuse("it flattens from axis \(axis)", "a flatten that keeps other axes than the batch")
            }
            if value.rank == 4 { try add(Flatten(), rank: 2) }
        case "Reshape":
            try readReshape(node, index: index, value: &value, into: &nodes, pathOf: pathOf)
        case "Gemm":
            try requireFlat(value, index)
            guard attributes.int("transA", 0) == 0 else { throw refuse("it transposes its input (transA 1)", "a transposed input") }
            let (dims, b) = try constantFloats(node, input: 1, index: index)
            guard dims.count == 2 else { throw refuse("its weight has shape \(dims)", "a 2-D weight") }
            let transB = attributes.int("transB", 0) != 0
            let (outFeatures, inFeatures) = transB ? (dims[0], dims[1]) : (dims[1], dims[0])
            let alpha = attributes.float("alpha", 1), beta = attributes.float("beta", 1)
            var weight = transB ? b : Self.transpose(b, rows: dims[0], columns: dims[1])
            if alpha != 1 { weight = weight.map { $0 * alpha } }
            var bias: [Float]?
            if node.input.count > 2, !node.input[2].isEmpty {
                bias = try broadcastBias(node, input: 2, index: index, count: outFeatures).map { $0 * beta }
            }
            try checkFeatures(inFeatures, value, index)
            try add(
                Dense(outFeatures: outFeatures, hasBias: bias != nil),
                parameters: LayerParameters(weight: weight, weightShape: [outFeatures, inFeatures], bias: bias))
        case "MatMul":
            try requireFlat(value, index)
            guard node.input[0] == value.name else {
                throw refuse("the tensor it multiplies comes second", "a constant on the left of a MatMul")
            }
            let (dims, b) = try constantFloats(node, input: 1, index: index)
            guard dims.count == 2 else { throw refuse("its weight has shape \(dims)", "a 2-D weight") }
            try checkFeatures(dims[0], value, index)
            // A following Add of a constant is the bias (torch.onnx writes Linear this way at some opsets).
            var bias: [Float]?
            var last = output
            let next = dataConsumers(of: output)
            if next.count == 1, graph.node[next[0]].opType == "Add", !isMerge(next[0]) {
                let add = graph.node[next[0]]
                let biasInput = add.input.firstIndex { $0 != output && !$0.isEmpty }
                if let biasInput, add.input.count == 2 {
                    _ = try take(next[0], fedBy: FlowingValue(name: output, shape: value.shape, rank: 2))
                    bias = try broadcastBias(add, input: biasInput, index: next[0], count: dims[1])
                    last = add.output[0]
                }
            }
            try add(
                Dense(outFeatures: dims[1], hasBias: bias != nil),
                parameters: LayerParameters(
                    weight: Self.transpose(b, rows: dims[0], columns: dims[1]), weightShape: [dims[1], dims[0]], bias: bias))
            value.name = last
            return
        default:
            throw refuse("convplay has no layer for this operator", "a \(node.opType) layer (it reads \(Self.supported))")
        }
        value.name = output
    }

    /// The operators `readNode` knows, for the sentence that refuses the others.
    static let supported =
        "Conv, MaxPool, AveragePool, GlobalAveragePool, Relu, LeakyRelu, Sigmoid, Tanh, Clip, HardSwish, BatchNormalization, "
        + "LRN, Dropout, Flatten, Reshape, Gemm, MatMul, Softmax, Concat, Add, Sum, Identity and a zero Pad before a conv or pool"

    /// Marks the node used (a second visit means the graph loops), and checks that it reads no data but `value`
    /// and that nothing reads its extra outputs (pool indices, dropout masks, batch norm's training outputs).
    mutating func take(_ index: Int, fedBy value: FlowingValue) throws(ONNXImportError) -> Onnx_NodeProto {
        let node = graph.node[index]
        guard !used[index] else {
            throw .graph(problem: "node \"\(display(index))\" is reached twice: the graph loops", fix: "the file is damaged")
        }
        used[index] = true
        for input in node.input where !input.isEmpty && input != value.name {
            guard constant(input) != nil else {
                if producer[input] == nil && !graph.input.contains(where: { $0.name == input }) {
                    throw .danglingInput(node: display(index), op: node.opType, input: input)
                }
                throw .unsupported(
                    node: display(index), op: node.opType, reason: "it reads \"\(input)\", a tensor the graph computes, besides its input",
                    need: "\(node.opType) with computed (not constant) parameters")
            }
        }
        guard !node.output.isEmpty, !node.output[0].isEmpty else {
            throw .graph(problem: "node \"\(display(index))\" (\(node.opType)) has no output", fix: "the file is damaged")
        }
        for extra in node.output.dropFirst() where !extra.isEmpty && (consumers[extra] != nil || graph.output.contains { $0.name == extra })
        {
            throw .unsupported(
                node: display(index), op: node.opType, reason: "its second output \"\(extra)\" is used",
                need: "\(node.opType)'s extra outputs (convplay computes the first only)")
        }
        return node
    }

    /// Appends `kind` as a node named after the ONNX node, its fields checked against the schema, its shape
    /// inferred, and its weights (checked against the sizes the layer needs) kept under that name.
    mutating func append(
        _ kind: some LayerKind, index: Int, parameters: LayerParameters?, value: inout FlowingValue, into nodes: inout [Node],
        pathOf: (Int) -> NodePath
    ) throws(ONNXImportError) {
        let node = graph.node[index]
        if let problem = kind.fieldProblems().first {
            let sentence: String
            switch problem {
            case let .invalid(key, found, requirement): sentence = "its \(key) would be \(found), but convplay needs \(requirement)"
            case let .missing(key, hint): sentence = "it sets no \(key) (\(hint))"
            }
            throw .unsupported(node: display(index), op: node.opType, reason: sentence, need: "that setting")
        }
        let name = uniqueName(layerName(index))
        let site = LayerSite(path: pathOf(nodes.count), name: name)
        let shape: LayerShape
        do { shape = try kind.inferShape(value.shape, at: site) } catch { throw .impossible(error) }
        if let parameters {
            let needed = kind.parameterShapes(LayerIO(input: value.shape, output: shape.output, geometry: shape.geometry))
            guard let needed, needed.weightCount == parameters.weight.count, needed.bias == parameters.bias?.count else {
                throw .unsupported(
                    node: display(index), op: node.opType,
                    reason: "its weights hold \(parameters.weight.count) values for a \(value.shape) input",
                    need: "weights of the size its input needs (\(needed?.weightCount ?? 0))")
            }
            weights[name] = parameters
        }
        nodes.append(Node(name, kind))
        value.shape = shape.output
    }

    /// A layer's name: the node's own name, or for torch.onnx's scoped names ("/layer1/layer1.0/conv1/Conv") the
    /// module path recorded in its weight's name ("layer1.0.conv1.weight") or in the scopes; else its operator.
    func layerName(_ index: Int) -> String {
        let node = graph.node[index]
        if !node.name.isEmpty && !node.name.hasPrefix("/") { return node.name }
        if node.input.count > 1, initializers[node.input[1]] != nil, node.input[1].hasSuffix(".weight") {
            return String(node.input[1].dropLast(".weight".count))
        }
        return Self.moduleName(node.name, fallback: node.opType.lowercased())
    }

    /// The node's name for messages, or its operator and position when it has none.
    func display(_ index: Int) -> String {
        let node = graph.node[index]
        return node.name.isEmpty ? "\(node.opType) #\(index)" : node.name
    }

    // MARK: windowed operators: Conv, MaxPool, AveragePool (with a zero Pad folded in)

    /// A conv or pool, its input widened by `zeros` (top, left, bottom, right) from a folded `Pad`.
    mutating func readWindowed(
        _ index: Int, zeros: (Int, Int, Int, Int), value: inout FlowingValue, into nodes: inout [Node], pathOf: (Int) -> NodePath
    ) throws(ONNXImportError) {
        let node = try take(index, fedBy: value)
        let attributes = ONNXAttributes(node)
        func refuse(_ reason: String, _ need: String) -> ONNXImportError {
            .unsupported(node: display(index), op: node.opType, reason: reason, need: need)
        }
        try requireImage(value, index)
        var kernel = attributes.ints("kernel_shape")
        var convWeight: (dims: [Int], values: [Float])?
        if node.opType == "Conv" {
            convWeight = try constantFloats(node, input: 1, index: index)
            guard convWeight!.dims.count == 4 else {
                throw refuse("its weight has shape \(convWeight!.dims)", "a 2-D convolution ([K, C/groups, kh, kw] weight)")
            }
            if let kernel, kernel != Array(convWeight!.dims[2...]) {
                throw refuse("kernel_shape \(kernel) disagrees with its weight \(convWeight!.dims)", "a consistent model")
            }
            kernel = Array(convWeight!.dims[2...])
        }
        guard let kernel, kernel.count == 2, kernel.allSatisfy({ $0 >= 1 }) else {
            throw refuse("its kernel_shape is \(attributes.ints("kernel_shape") ?? [])", "a 2-D window")
        }
        let strides = attributes.ints("strides") ?? [1, 1]
        let dilations = attributes.ints("dilations") ?? [1, 1]
        guard strides.count == 2, strides.allSatisfy({ $0 >= 1 }), dilations.count == 2, dilations.allSatisfy({ $0 >= 1 }) else {
            throw refuse("its strides \(strides) or dilations \(dilations) are not two positive numbers", "a consistent model")
        }
        let reach = zip(kernel, dilations).map { ($0 - 1) * $1 + 1 }
        let sizes = [value.shape.height, value.shape.width]
        // pads [top, left, bottom, right] from the attribute or auto_pad
        var pads = attributes.ints("pads") ?? [0, 0, 0, 0]
        let autoPad = attributes.string("auto_pad", "NOTSET")
        switch autoPad {
        case "NOTSET": break
        case "VALID": pads = [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            var begin: [Int] = [], end: [Int] = []
            for axis in 0..<2 {
                let out = (sizes[axis] + strides[axis] - 1) / strides[axis]
                let total = max((out - 1) * strides[axis] + reach[axis] - sizes[axis], 0)
                let low = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                begin.append(low)
                end.append(total - low)
            }
            pads = begin + end
        default: throw refuse("its auto_pad is \"\(autoPad)\"", "NOTSET, VALID, SAME_UPPER or SAME_LOWER")
        }
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else { throw refuse("its pads are \(pads)", "four pads of 0 or more") }
        let zeroBegin = [zeros.0, zeros.1], zeroEnd = [zeros.2, zeros.3]
        let padNote = zeros == (0, 0, 0, 0) ? "" : " (with \([zeros.0, zeros.1, zeros.2, zeros.3]) from the Pad before it)"
        if node.opType == "Conv" {
            let (dims, values) = convWeight!
            let groups = attributes.int("group", 1)
            guard groups >= 1, dims[0] % groups == 0, dims[1] * groups == value.shape.channels else {
                throw refuse(
                    "its weight \(dims) with \(groups) groups does not take \(value.shape.channels) input channels",
                    "a weight that fits its input")
            }
            var bias: [Float]?
            if node.input.count > 2, !node.input[2].isEmpty { bias = try weight(node, input: 2, index: index, count: dims[0]) }
            // Zero padding is exact at any size; our pad must start the windows where theirs start and give as many:
            // a symmetric pad of the leading size, or `same` (the odd pad at the end) on both axes.
            var lead: [Int] = [], symmetric = true, same = true
            for axis in 0..<2 {
                let begin = pads[axis] + zeroBegin[axis], end = pads[axis + 2] + zeroEnd[axis]
                guard sizes[axis] + begin + end >= reach[axis] else {
                    throw refuse("its kernel is larger than its padded input", "a consistent model")
                }
                let theirs = (sizes[axis] + begin + end - reach[axis]) / strides[axis] + 1
                let ours = (sizes[axis] + 2 * begin - reach[axis]) / strides[axis] + 1
                symmetric = symmetric && sizes[axis] + 2 * begin >= reach[axis] && ours == theirs
                let sameOut = (sizes[axis] + strides[axis] - 1) / strides[axis]
                same = same && theirs == sameOut && begin == max((sameOut - 1) * strides[axis] + reach[axis] - sizes[axis], 0) / 2
                lead.append(begin)
            }
            guard symmetric || same else {
                throw refuse(
                    "its padding \(pads)\(padNote) changes which windows a symmetric pad computes", "per-side padding"
                )
            }
            try append(
                Conv(
                    outChannels: dims[0], kernel: Size2(kernel[0], kernel[1]), stride: Size2(strides[0], strides[1]),
                    padding: symmetric ? .explicit(Size2(lead[0], lead[1])) : .same, dilation: Size2(dilations[0], dilations[1]),
                    groups: groups,
                    hasBias: bias != nil),
                index: index, parameters: LayerParameters(weight: values, weightShape: dims, bias: bias), value: &value, into: &nodes,
                pathOf: pathOf)
        } else {
            guard dilations == [1, 1] else { throw refuse("its dilations are \(dilations)", "dilated pooling") }
            let ceil = attributes.int("ceil_mode", 0) != 0
            let includePad = attributes.int("count_include_pad", 0) != 0
            let kind: Pool.Kind = node.opType == "MaxPool" ? .max : .average
            var windows: [[PoolWindow]] = []
            for axis in 0..<2 {
                guard
                    let axisWindows = Pool.onnxWindows(
                        size: sizes[axis], kernel: kernel[axis], stride: strides[axis], padBegin: pads[axis], padEnd: pads[axis + 2],
                        zeroBegin: zeroBegin[axis], zeroEnd: zeroEnd[axis], ceilMode: ceil, countIncludePad: includePad)
                else {
                    throw refuse("its pads \(pads) are not each smaller than its kernel \(kernel)", "pads onnxruntime accepts")
                }
                windows.append(axisWindows)
            }
            let padding = Size2(pads[0] + zeroBegin[0], pads[1] + zeroBegin[1])
            let candidates = [Pool.Rounding.floor, .ceilTorch, .ceil].flatMap { rounding in
                (kind == .max ? [true] : [includePad, !includePad]).map { counts in
                    Pool(
                        kind: kind, kernel: Size2(kernel[0], kernel[1]), stride: Size2(strides[0], strides[1]), padding: padding,
                        rounding: rounding, countsPadding: counts)
                }
            }
            guard
                let pool = candidates.first(where: { pool in
                    pool.fieldProblems().isEmpty && pool.computes(windows[0], size: sizes[0], horizontal: false)
                        && pool.computes(windows[1], size: sizes[1], horizontal: true)
                })
            else {
                let zerosWin = kind == .max && windows.joined().contains { $0.zeros > 0 }
                throw refuse(
                    zerosWin
                        ? "the zeros a Pad node adds before it could win the maximum"
                        : "its pads \(pads)\(padNote) give windows no symmetric padding reproduces",
                    zerosWin ? "a max pool over explicit zeros" : "per-side pool padding")
            }
            try append(pool, index: index, parameters: nil, value: &value, into: &nodes, pathOf: pathOf)
        }
        value.name = node.output[0]
    }

    /// A constant zero `Pad` of the spatial axes, folded into the conv or pool it feeds (its only reader).
    mutating func readPad(_ index: Int, value: inout FlowingValue, into nodes: inout [Node], pathOf: (Int) -> NodePath)
        throws(ONNXImportError)
    {
        let node = try take(index, fedBy: value)
        func refuse(_ reason: String) -> ONNXImportError {
            .unsupported(
                node: display(index), op: "Pad", reason: reason, need: "a pad layer (it folds a zero Pad into the conv or pool after it)")
        }
        let attributes = ONNXAttributes(node)
        guard attributes.string("mode", "constant") == "constant" else { throw refuse("it pads by \(attributes.string("mode", ""))") }
        let fill = opset < 11 ? attributes.float("value", 0) : try scalar(node, input: 2) ?? 0
        guard fill == 0 else { throw refuse("it pads with \(fill)") }
        var pads = opset < 11 ? attributes.ints("pads") ?? [] : try constantIntegers(node, input: 1, index: index)
        if opset >= 18, node.input.count > 3, !node.input[3].isEmpty {
            let axes = try constantIntegers(node, input: 3, index: index).map { $0 < 0 ? $0 + value.rank : $0 }
            guard pads.count == 2 * axes.count, axes.allSatisfy({ (0..<value.rank).contains($0) }) else {
                throw refuse("its axes \(axes) do not fit its pads")
            }
            var full = [Int](repeating: 0, count: 2 * value.rank)
            for (i, axis) in axes.enumerated() {
                full[axis] = pads[i]
                full[axis + value.rank] = pads[i + axes.count]
            }
            pads = full
        }
        guard value.rank == 4, pads.count == 8, pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0, pads.allSatisfy({ $0 >= 0 }) else {
            throw refuse("its pads \(pads) are not zeros added around the height and width")
        }
        let next = dataConsumers(of: node.output[0])
        guard next.count == 1, ["Conv", "MaxPool", "AveragePool"].contains(graph.node[next[0]].opType) else {
            throw refuse("it does not feed exactly one Conv, MaxPool or AveragePool")
        }
        value.name = node.output[0]
        try readWindowed(next[0], zeros: (pads[2], pads[3], pads[6], pads[7]), value: &value, into: &nodes, pathOf: pathOf)
    }

    /// `Reshape` that flattens (`[N, −1]`, `[N, C·H·W]`) or turns a flat value back into `[N, F, 1, 1]`.
    mutating func readReshape(
        _ node: Onnx_NodeProto, index: Int, value: inout FlowingValue, into nodes: inout [Node], pathOf: (Int) -> NodePath
    ) throws(ONNXImportError) {
        let target = try constantIntegers(node, input: 1, index: index)
        let count = value.shape.elementCount
        let batchOK = target.first.map { $0 == 1 || $0 == 0 || $0 == -1 } ?? false
        if target.count == 2, batchOK, target[1] == -1 || target[1] == count, !(target[0] == -1 && target[1] == -1) {
            if value.rank == 4 && value.shape.planeSize > 1 {
                try append(Flatten(), index: index, parameters: nil, value: &value, into: &nodes, pathOf: pathOf)
            } else {
                value.shape = Shape(channels: count, height: 1, width: 1)
            }
            value.rank = 2
        } else if target.count == 4, batchOK, target[1] == count || target[1] == -1, target[2] == 1, target[3] == 1,
            value.shape.planeSize == 1
        {
            value.rank = 4
        } else {
            throw .unsupported(
                node: display(index), op: "Reshape", reason: "it reshapes \(value.shape) to \(target)",
                need: "a reshape layer (convplay reads reshapes to N×−1 only)")
        }
        value.name = node.output[0]
    }

    // MARK: constants

    /// The float tensor at `input` (a constant), counted against the weight budget.
    mutating func constantFloats(_ node: Onnx_NodeProto, input: Int, index: Int) throws(ONNXImportError) -> (dims: [Int], values: [Float]) {
        guard node.input.count > input, !node.input[input].isEmpty, let tensor = constant(node.input[input]) else {
            throw .unsupported(
                node: display(index), op: node.opType, reason: "its input \(input + 1) is missing or not a constant",
                need: "\(node.opType) with constant weights")
        }
        let (_, count) = try tensors.shape(of: tensor)
        weightBytes += count * 4
        guard weightBytes <= tensors.elementLimit * 4 else {
            throw .weightsTooLarge(bytes: weightBytes, limit: tensors.elementLimit * 4)
        }
        return try tensors.floats(tensor)
    }

    /// A constant of exactly `count` values (a bias, batch norm statistics).
    mutating func weight(_ node: Onnx_NodeProto, input: Int, index: Int, count: Int) throws(ONNXImportError) -> [Float] {
        let (dims, values) = try constantFloats(node, input: input, index: index)
        guard values.count == count else {
            throw .badTensor(name: node.input[input], problem: "it has shape \(dims), but \(display(index)) needs \(count) values")
        }
        return values
    }

    /// A bias of `count` values, written as `[count]`, `[1, count]` or a scalar broadcast to all.
    mutating func broadcastBias(_ node: Onnx_NodeProto, input: Int, index: Int, count: Int) throws(ONNXImportError) -> [Float] {
        let (dims, values) = try constantFloats(node, input: input, index: index)
        if values.count == 1 { return Array(repeating: values[0], count: count) }
        guard values.count == count, dims.last == count else {
            throw .badTensor(name: node.input[input], problem: "it has shape \(dims), but \(display(index)) needs \(count) values")
        }
        return values
    }

    /// An optional constant scalar input (Clip's bounds, Dropout's ratio); `nil` when the input is absent.
    func scalar(_ node: Onnx_NodeProto, input: Int) throws(ONNXImportError) -> Float? {
        guard node.input.count > input, !node.input[input].isEmpty else { return nil }
        guard let tensor = constant(node.input[input]) else {
            throw .unsupported(
                node: node.name, op: node.opType, reason: "its input \(input + 1) is computed by the graph", need: "a constant there")
        }
        if Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType)) == .bool {
            let (_, count) = try tensors.shape(of: tensor)
            guard count == 1 else { throw .badTensor(name: tensor.name, problem: "a flag must hold one value") }
            return tensor.hasRawData ? Float(tensor.rawData.first ?? 0) : Float(tensor.int32Data.first ?? 0)
        }
        let values = try tensors.floats(tensor).values
        guard values.count == 1 else { throw .badTensor(name: tensor.name, problem: "it holds \(values.count) values where one is needed") }
        return values[0]
    }

    /// A constant integer input (Reshape's shape, Pad's pads and axes).
    func constantIntegers(_ node: Onnx_NodeProto, input: Int, index: Int) throws(ONNXImportError) -> [Int] {
        guard node.input.count > input, !node.input[input].isEmpty, let tensor = constant(node.input[input]) else {
            throw .unsupported(
                node: display(index), op: node.opType, reason: "its input \(input + 1) is missing or computed by the graph",
                need: "a constant there")
        }
        let (_, count) = try tensors.shape(of: tensor)
        guard count <= 64 else { throw .badTensor(name: tensor.name, problem: "it holds \(count) integers where a few are expected") }
        return try tensors.integers(tensor)
    }

    // MARK: checks

    func requireImage(_ value: FlowingValue, _ index: Int) throws(ONNXImportError) {
        guard value.rank == 4 else {
            throw .unsupported(
                node: display(index), op: graph.node[index].opType, reason: "its input is flat ([N, F])",
                need: "an [N, C, H, W] input there")
        }
    }

    func requireFlat(_ value: FlowingValue, _ index: Int) throws(ONNXImportError) {
        guard value.rank == 2 else {
            throw .unsupported(
                node: display(index), op: graph.node[index].opType,
                reason: "its input is [N, \(value.shape.channels), \(value.shape.height), \(value.shape.width)]",
                need: "a Flatten before it")
        }
    }

    func checkFeatures(_ inFeatures: Int, _ value: FlowingValue, _ index: Int) throws(ONNXImportError) {
        guard inFeatures == value.shape.elementCount else {
            throw .unsupported(
                node: display(index), op: graph.node[index].opType,
                reason: "its weight takes \(inFeatures) features, but its input has \(value.shape.elementCount)",
                need: "a weight that fits its input")
        }
    }

    /// `rows × columns` row-major to `columns × rows`.
    static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        for r in 0..<rows { for c in 0..<columns { out[c * rows + r] = values[r * columns + c] } }
        return out
    }
}
