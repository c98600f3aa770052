/// Max or average pooling; `ceil` rounding is Caffe's (an extra partial window), `floor` PyTorch's default.
/// input (C, H, W) -> output (C, OH, OW).
public struct Pool: LayerKind {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case max
        case average = "avg"
    }
    public enum Rounding: String, Hashable, Sendable, CaseIterable {
        case floor
        case ceil
    }

    public var kind: Kind
    public var kernel: Size2
    public var stride: Size2
    public var padding: Size2
    public var rounding: Rounding

    public init(kind: Kind, kernel: Size2, stride: Size2? = nil, padding: Size2 = Size2(0), rounding: Rounding = .floor) {
        self.kind = kind
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.rounding = rounding
    }

    public static var schema: LayerSchema<Pool> {
        let variants = Kind.allCases.map { kind in
            LayerVariant("\(kind.rawValue)pool", defaults: Pool(kind: kind, kernel: Size2(1))) { $0.kind == kind }
        }
        return LayerSchema(
            variants,
            fields: [
                .choice("kind", \.kind, form: "kind", inPreset: false),
                .size("kernel", \.kernel, form: "kernel", required: "\"kernel\": 2 or [height, width]"),
                // Left out, the stride is the kernel, as in `init`.
                LayerField(
                    "stride", .size(minimum: 1), form: .field("stride"), get: { .size($0.stride) },
                    set: { if case .size(let s) = $1 { $0.stride = s } }, default: { .size($0.kernel) }),
                .size(
                    "pad", \.padding, minimum: 0, form: "pad",
                    check: { pool in
                        pool.padding.height < pool.kernel.height && pool.padding.width < pool.kernel.width
                            ? nil : .invalid(key: "pad", value: pool.padding.description, requirement: "smaller than the kernel")
                    }),
                .choice("round", \.rounding, form: "rounding"),
            ],
            templates: [
                LayerTemplate("max pool", "downsample by windows", namePrefix: "pool") { _ in Pool(kind: .max, kernel: Size2(2)) },
                LayerTemplate("avg pool", "downsample by windows", namePrefix: "pool") { _ in Pool(kind: .average, kernel: Size2(2)) },
            ],
            spec: { p in
                var text = "\(p.kind == .max ? "max" : "avg") \(p.kernel.height)×\(p.kernel.width)/\(p.stride)"
                if p.padding != Size2(0) { text += " p\(p.padding)" }
                return text + (p.rounding == .ceil ? " ceil" : "")
            },
            details: { p in
                "\(p.kind == .max ? "max" : "average") pool \(p.kernel.height)×\(p.kernel.width) · stride \(p.stride) · "
                    + "pad \(p.padding) · \(p.rounding.rawValue)"
            })
    }

    public func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape {
        let paddedH = input.height + 2 * padding.height, paddedW = input.width + 2 * padding.width
        guard paddedH >= kernel.height && paddedW >= kernel.width else {
            throw .kernelTooLarge(path: site.path, name: site.name, kernel: kernel, paddedInput: Size2(paddedH, paddedW))
        }
        let outH = Self.extent(input.height, kernel.height, stride.height, padding.height, rounding)
        let outW = Self.extent(input.width, kernel.width, stride.width, padding.width, rounding)
        let geometry = PoolGeometry(
            channels: input.channels, inHeight: input.height, inWidth: input.width, outHeight: outH, outWidth: outW,
            kernelHeight: kernel.height, kernelWidth: kernel.width, strideHeight: stride.height, strideWidth: stride.width,
            padTop: padding.height, padLeft: padding.width)
        return LayerShape(Shape(channels: input.channels, height: outH, width: outW), geometry: .pool(geometry))
    }

    /// Caffe's pooled extent: ceil rounding may add a window, but never one that starts in the padding.
    static func extent(_ size: Int, _ kernel: Int, _ stride: Int, _ pad: Int, _ rounding: Rounding) -> Int {
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

    /// Per thread: a max pool folds each input row into its window maxima first (H × OW floats and a padded
    /// line); a row wider than the stack buffer is copied once.
    public func workingFloats(_ io: LayerIO) throws(SizeOverflow) -> (kept: Int, perThread: Int) {
        guard let g = io.geometry?.pool else { return (0, 0) }
        let rows = try Checked.product(g.inHeight, g.outWidth, of: "its folded rows")
        let line = 2 * ((g.outWidth - 1) * g.strideWidth + g.kernelWidth) + g.padLeft + 16
        return (0, try Checked.sum(rows, line, g.inWidth, of: "its scratch"))
    }

    public func receptiveWindow(_ io: LayerIO) -> (kernel: Size2, stride: Size2) { (kernel, stride) }

    public var isAffine: Bool { kind == .average }

    public func forward(_ run: LayerRun) {
        let g = run.io.geometry!.pool!
        switch kind {
        case .max: Kernels.maxPool2d(g, input: run.input, output: run.output)
        case .average: Kernels.averagePool2d(g, input: run.input, output: run.output)
        }
    }

    /// `MaxPool` / `AveragePool` with `ceil_mode = 0`: Caffe's ceil window becomes extra end padding (exact:
    /// max ignores padding, and the average excludes it from its divisor as Caffe excludes the overhang). A padded
    /// average pool first zero-pads with a `Pad` node, because Caffe counts that padding in its divisor.
    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        let g = node.io.geometry!.pool!
        var source = node.input, height = g.inHeight, width = g.inWidth, top = g.padTop, left = g.padLeft
        if kind == .average && (top > 0 || left > 0) {
            let pads = graph.int64Constant(node.key + ".pads", [0, 0, top, left, 0, 0, top, left])
            source = node.key + "/padded"
            graph.add("Pad", for: node, suffix: "/pad", inputs: [node.input, pads], output: source)
            height += 2 * top
            width += 2 * left
            top = 0
            left = 0
        }
        let bottom = max(0, (g.outHeight - 1) * g.strideHeight + g.kernelHeight - height - top)
        let right = max(0, (g.outWidth - 1) * g.strideWidth + g.kernelWidth - width - left)
        // ONNX floor rounding over the padded extent must land on our extent.
        let onnxHeight = (height + top + bottom - g.kernelHeight) / g.strideHeight + 1
        let onnxWidth = (width + left + right - g.kernelWidth) / g.strideWidth + 1
        guard onnxHeight == g.outHeight, onnxWidth == g.outWidth else {
            throw node.unsupported(
                "ONNX pooling gives \(onnxHeight)×\(onnxWidth) where convplay gives \(g.outHeight)×\(g.outWidth)",
                fix: "change the pool's padding or stride so its windows fit the input")
        }
        var attributes: [(String, ONNXAttribute)] = [
            ("kernel_shape", .ints([g.kernelHeight, g.kernelWidth])),
            ("strides", .ints([g.strideHeight, g.strideWidth])),
            ("pads", .ints([top, left, bottom, right])),
            ("ceil_mode", .int(0)),
        ]
        if kind == .average { attributes.append(("count_include_pad", .int(0))) }
        graph.add(kind == .max ? "MaxPool" : "AveragePool", for: node, inputs: [source], attributes: attributes)
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription {
        DumpDescription(
            "pool",
            [
                ("kind", .string(kind.rawValue)), ("kernel", .pair(kernel)), ("stride", .pair(stride)),
                ("pad", .pair(padding)), ("rounding", .string(rounding.rawValue)),
            ])
    }
}
