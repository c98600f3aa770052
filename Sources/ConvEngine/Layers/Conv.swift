import CKernels

/// Zero padding around a conv input: explicit per side pair, or `same` (output = ⌈input / stride⌉).
public enum Padding: Hashable, Sendable {
    case explicit(Size2)
    case same

    public static let none = Padding.explicit(Size2(0))
}

/// A 2-D convolution (cross-correlation, as every framework computes it). A kernel of 1×1 is reported as a 1×1 conv.
/// input (C, H, W), weight (K, C/groups, KH, KW) -> output (K, OH, OW).
public struct Conv: WeightedLayer {
    public var outChannels: Int
    public var kernel: Size2
    public var stride = Size2(1)
    public var padding = Padding.none
    public var dilation = Size2(1)
    public var groups = 1
    public var hasBias = true
    /// Hand-written parameters; `nil` draws them from the network's initialiser.
    public var parameters: ExplicitParameters?

    public init(
        outChannels: Int, kernel: Size2, stride: Size2 = Size2(1), padding: Padding = .none,
        dilation: Size2 = Size2(1), groups: Int = 1, hasBias: Bool = true,
        parameters: ExplicitParameters? = nil
    ) {
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.hasBias = hasBias
        self.parameters = parameters
    }

    public var outputCount: Int { outChannels }

    /// True for the channel-mixing case the note is about: a 1×1 kernel with stride 1 and no padding.
    public var isPointwise: Bool {
        kernel == Size2(1) && stride == Size2(1) && dilation == Size2(1) && padding == .none
    }

    /// The kernel's reach once dilated: `(k − 1)·d + 1` per axis.
    public var effectiveKernel: Size2 {
        Size2((kernel.height - 1) * dilation.height + 1, (kernel.width - 1) * dilation.width + 1)
    }

    public static var schema: LayerSchema<Conv> {
        LayerSchema(
            "conv", defaults: Conv(outChannels: 1, kernel: Size2(1)),
            fields: [
                .int("out", \.outChannels, form: "out channels", required: "\"out\": the number of output channels"),
                .size("kernel", \.kernel, form: "kernel (k or kh×kw)", required: "\"kernel\": 3 or [height, width]"),
                .size("stride", \.stride, form: "stride"),
                LayerField(
                    "pad", .padding, form: .field("pad (n, h×w or same)"), get: { .padding($0.padding) },
                    set: { if case .padding(let p) = $1 { $0.padding = p } }),
                .size("dilation", \.dilation, form: "dilation"),
                .int("groups", \.groups, form: "groups"),
            ] + weightFields,
            templates: [
                LayerTemplate("conv", "k×k convolution", namePrefix: "conv") { channels in
                    Conv(outChannels: channels, kernel: Size2(3), padding: .explicit(Size2(1)))
                },
                LayerTemplate("conv 1×1", "channel mixing: C×H×W → K×H×W", namePrefix: "cccp") { channels in
                    Conv(outChannels: max(1, channels / 2), kernel: Size2(1))
                },
            ],
            spec: { c in
                var text = "conv \(c.kernel.height)×\(c.kernel.width)"
                if c.isPointwise { return text + (c.groups > 1 ? " g\(c.groups)" : "") + " → \(c.outChannels)" }
                text += "/\(c.stride)"
                switch c.padding {
                case .same: text += " same"
                case .explicit(let p) where p != Size2(0): text += " p\(p)"
                default: break
                }
                if c.dilation != Size2(1) { text += " d\(c.dilation)" }
                if c.groups > 1 { text += " g\(c.groups)" }
                return text + " → \(c.outChannels)"
            },
            details: { c in
                let pad: String
                switch c.padding {
                case .same: pad = "same"
                case .explicit(let p): pad = "\(p)"
                }
                var text = "conv \(c.kernel.height)×\(c.kernel.width) · stride \(c.stride) · pad \(pad)"
                if c.dilation != Size2(1) { text += " · dilation \(c.dilation)" }
                if c.groups != 1 { text += " · groups \(c.groups)" }
                if !c.hasBias { text += " · no bias" }
                return text
            })
    }

    public func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape {
        guard input.channels % groups == 0 else {
            throw .groupsMismatch(path: site.path, name: site.name, channels: input.channels, groups: groups, side: "input")
        }
        guard outChannels % groups == 0 else {
            throw .groupsMismatch(path: site.path, name: site.name, channels: outChannels, groups: groups, side: "output")
        }
        let reach = effectiveKernel
        let rows = Self.resolve(input.height, reach.height, stride.height, padding, \.height)
        let columns = Self.resolve(input.width, reach.width, stride.width, padding, \.width)
        guard rows.padded >= reach.height && columns.padded >= reach.width else {
            throw .kernelTooLarge(path: site.path, name: site.name, kernel: reach, paddedInput: Size2(rows.padded, columns.padded))
        }
        let geometry = ConvGeometry(
            inChannels: input.channels, inHeight: input.height, inWidth: input.width,
            outChannels: outChannels, outHeight: rows.out, outWidth: columns.out,
            kernelHeight: kernel.height, kernelWidth: kernel.width,
            strideHeight: stride.height, strideWidth: stride.width,
            padTop: rows.lead, padLeft: columns.lead,
            dilationHeight: dilation.height, dilationWidth: dilation.width, groups: groups)
        let output = Shape(channels: outChannels, height: rows.out, width: columns.out)
        try checkExplicitCounts(parameterShapes(LayerIO(input: input, output: output, geometry: .conv(geometry)))!, at: site)
        return LayerShape(output, geometry: .conv(geometry))
    }

    /// Output extent, leading pad and padded extent of one axis.
    private static func resolve(
        _ size: Int, _ reach: Int, _ stride: Int, _ padding: Padding, _ axis: KeyPath<Size2, Int>
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

    public func parameterShapes(_ io: LayerIO) -> ParameterShapes? {
        ParameterShapes(
            weight: [outChannels, io.input.channels / max(groups, 1), kernel.height, kernel.width], bias: hasBias ? outChannels : nil)
    }

    /// One multiply-accumulate per weight per output position.
    public func macs(_ io: LayerIO) -> Int { (parameterShapes(io)?.weightCount ?? 0) * io.output.planeSize }

    /// Kept: the weight packed into 16-row panels at most, 32-channel ones for the channel-tile kernel (none for a
    /// depthwise conv). Per thread: the GEMM's packing panels, a strided 1×1 conv's subsampled input, and for a conv
    /// that may read im2col rows in place (k×k, not depthwise, up to the kernels' largest stride) the zero-padded
    /// stride-phase planes of the input rows and an output grid, each a tensor the kernels index with 32-bit ints; the
    /// depthwise, channel-tile or blocked kernel's (`Kernels.blockedConvScratchFloats`: an inference plan may run the
    /// conv blocked), if larger.
    public func workingFloats(_ io: LayerIO) throws(SizeOverflow) -> (kept: Int, perThread: Int) {
        guard let g = io.geometry?.conv else { return (0, 0) }
        let groupIn = g.inChannels / g.groups, groupOut = g.outChannels / g.groups
        // the channel-tile kernel's scratch and its 32-channel panels, where it runs the conv
        let tiles = try Kernels.channelTileScratchFloats(g), panelRows = tiles > 0 ? 32 : 16
        let panels = try Checked.product(
            g.groups, (groupOut + panelRows - 1) / panelRows * panelRows, groupIn, g.kernelHeight, g.kernelWidth,
            of: "its packed weights")
        let packed = g.readsPackedWeight ? panels : 0
        // a depthwise conv runs its own kernel, whose scratch is a row and its masks; another may run blocked, whose
        // scratch is a band's partial sums
        let direct = g.isDepthwise ? Kernels.depthwiseScratchFloats(g) : Kernels.blockedConvScratchFloats(g)
        let largestStride = Int(CK_CONV_ROWS_MAX_STRIDE)
        // a strided 1×1 conv's subsampled input (C/groups × OH·OW), which its GEMM reads as B
        var subsampled = 0
        if !g.isDepthwise {
            var desc = Kernels.convDescriptor(g)
            subsampled = Int(ck_conv_subsampled_floats(&desc))
        }
        guard !g.isDepthwise, kernel.height * kernel.width > 1, g.strideHeight <= largestStride, g.strideWidth <= largestStride
        else {
            return (packed, max(Kernels.packingScratchFloats + subsampled, direct, tiles))
        }
        // Plane (py, px) holds the padded rows ≡ py, columns ≡ px (mod the stride); only the phases a tap falls on.
        func phases(_ taps: Int, _ dilation: Int, _ stride: Int) -> Int { Set((0..<taps).map { $0 * dilation % stride }).count }
        let reachX = (g.kernelWidth - 1) * g.dilationWidth / g.strideWidth
        let planeRows = g.outHeight + (g.kernelHeight - 1) * g.dilationHeight / g.strideHeight
        let gridWidth = g.outWidth + reachX
        let planes = phases(g.kernelHeight, g.dilationHeight, g.strideHeight) * phases(g.kernelWidth, g.dilationWidth, g.strideWidth)
        // and the junk columns of the last row, which the micro-kernel reads up to two 32-column panels past
        let paddedRows = try Checked.sum(
            Checked.product(groupIn, planes, planeRows, gridWidth, of: "its zero-padded input copy"), reachX + 2 * 32,
            of: "its zero-padded input copy")
        let grid = try Checked.product(groupOut, g.outHeight, gridWidth, of: "its output grid")
        for (floats, what) in [(paddedRows, "its zero-padded input copy"), (grid, "its output grid")] where floats > SizeLimits.tensorValues
        {
            throw SizeOverflow(what, limit: SizeLimits.tensorValues)
        }
        return (packed, max(paddedRows + grid + Kernels.packingScratchFloats, direct, tiles))
    }

    public func receptiveWindow(_ io: LayerIO) -> (kernel: Size2, stride: Size2) { (effectiveKernel, stride) }

    public var isAffine: Bool { true }

    public var computesEpilogue: Bool { true }

    /// Output channel k's weights times gain[k]; its bias b[k] (0 without one) becomes b[k] · gain[k] + offset[k].
    /// With batch norm's gain γ/√(σ² + ε) and offset β − μ · gain that is (b − μ) · γ/√(σ² + ε) + β.
    public func absorbingAffine(gain: [Float], offset: [Float], into parameters: LayerParameters) -> LayerParameters? {
        let k = gain.count
        guard k > 0, offset.count == k, parameters.weight.count % k == 0 else { return nil }
        let perChannel = parameters.weight.count / k
        var folded = parameters
        for c in 0..<k {
            for i in c * perChannel..<(c + 1) * perChannel { folded.weight[i] *= gain[c] }
        }
        folded.bias = (0..<k).map { c in (parameters.bias?[c] ?? 0) * gain[c] + offset[c] }
        return folded
    }

    public func forward(_ run: LayerRun) {
        let p = run.parameters!, g = run.io.geometry!.conv!
        // An inference plan keeps only the packed weight (`weight` empty), which the kernels then read instead.
        (p.weight.isEmpty ? run.packedWeight!.storage : p.weight).withUnsafeBufferPointer { w in
            withOptionalPointer(p.bias) { bias in
                Kernels.conv2d(
                    g, batch: run.batch, input: run.input, weight: w.baseAddress!, bias: bias, output: run.output,
                    packed: run.packedWeight, epilogue: run.epilogue)
            }
        }
    }

    /// `Conv` with pads `[top, left, bottom, right]`; bottom/right are what the output extent actually reaches,
    /// so `same` padding and strides that skip the last rows are exact.
    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        let g = node.io.geometry!.conv!
        graph.add(
            "Conv", for: node, inputs: [node.input] + graph.weightAndBias(of: node),
            attributes: [
                ("kernel_shape", .ints([g.kernelHeight, g.kernelWidth])),
                ("strides", .ints([g.strideHeight, g.strideWidth])),
                ("pads", .ints(g.sidePads)),
                ("dilations", .ints([g.dilationHeight, g.dilationWidth])),
                ("group", .int(g.groups)),
            ])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription {
        DumpDescription(
            "conv",
            [
                ("kernel", .pair(kernel)), ("stride", .pair(stride)),
                ("pads", .array(io.geometry!.conv!.sidePads.map { .integer($0) })), ("dilation", .pair(dilation)),
                ("groups", .integer(groups)), ("bias", .bool(hasBias)),
            ])
    }
}

/// Calls `body` with a pointer to `values`' storage, or with `nil` when there are none.
func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}

extension Conv {
    /// ∂bias = Σ ∂y, ∂weight = ∂y · colᵀ, ∂input = col2im(Wᵀ · ∂y): two GEMMs and a col2im per group.
    public func backward(_ run: BackwardRun) {
        run.parameters!.weight.withUnsafeBufferPointer { w in
            Kernels.conv2dBackward(
                run.io.geometry!.conv!, batch: run.batch, input: run.input, weight: w.baseAddress!,
                outputGradient: run.outputGradient, inputGradient: run.inputGradient, weightGradient: run.weightGradient,
                biasGradient: run.biasGradient, workspace: run.workspace)
        }
    }
}

extension Conv {
    /// `nn.Conv2d` with its symmetric padding when PyTorch's output size is ours; otherwise (`same` with an odd
    /// total, or a stride that skips the last rows) the exact per-side pads as `F.pad` before an unpadded conv.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        let g = node.io.geometry!.conv!, pads = g.sidePads, reach = effectiveKernel
        let symmetric =
            (g.inHeight + 2 * pads[0] - reach.height) / g.strideHeight + 1 == g.outHeight
            && (g.inWidth + 2 * pads[1] - reach.width) / g.strideWidth + 1 == g.outWidth
        var module = "nn.Conv2d(\(g.inChannels), \(outChannels), kernel_size=\(Python.pair(kernel))"
        if stride != Size2(1) { module += ", stride=\(Python.pair(stride))" }
        if symmetric && pads[0...1] != [0, 0] { module += ", padding=\(Python.pair(Size2(pads[0], pads[1])))" }
        if dilation != Size2(1) { module += ", dilation=\(Python.pair(dilation))" }
        if groups != 1 { module += ", groups=\(groups)" }
        module += hasBias ? ")" : ", bias=False)"
        return PyTorchLayer(module: module) { x in
            symmetric
                ? "self.\(node.attribute)(\(x))" : "self.\(node.attribute)(F.pad(\(x), (\(pads[1]), \(pads[3]), \(pads[0]), \(pads[2]))))"
        }
    }
}
