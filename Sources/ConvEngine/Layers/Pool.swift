/// Max or average pooling. `floor` rounding is PyTorch's and ONNX's default; `ceil` is Caffe's (an extra partial
/// window, which without padding may start past the input); `ceil_torch` is PyTorch's `ceil_mode=True` and ONNX's
/// `ceil_mode=1` (a last window must start inside the input or its leading padding).
/// input (C, H, W) -> output (C, OH, OW).
public struct Pool: LayerKind {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case max
        case average = "avg"
    }
    public enum Rounding: String, Hashable, Sendable, CaseIterable {
        case floor
        /// Caffe's: ⌈(size + 2·pad − kernel) / stride⌉ + 1 windows, less one that would start in the end padding.
        case ceil
        /// PyTorch's and ONNX's: the same count, less one that would start at or past the input's end plus its pad.
        case ceilTorch = "ceil_torch"
    }

    public var kind: Kind
    public var kernel: Size2
    public var stride: Size2
    public var padding: Size2
    public var rounding: Rounding
    /// Average only: divide by the window clipped to the padded input (Caffe's divisor, PyTorch's default
    /// `count_include_pad=True`), or, when false, by the input values it holds (ONNX's default).
    public var countsPadding: Bool

    public init(
        kind: Kind, kernel: Size2, stride: Size2? = nil, padding: Size2 = Size2(0), rounding: Rounding = .floor,
        countsPadding: Bool = true
    ) {
        self.kind = kind
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.rounding = rounding
        self.countsPadding = countsPadding
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
                LayerField(
                    "count_include_pad", .bool, form: .field("count padding"), get: { .bool($0.countsPadding) },
                    set: { if case .bool(let v) = $1 { $0.countsPadding = v } },
                    check: { pool in
                        pool.kind == .average || pool.countsPadding
                            ? nil
                            : .invalid(key: "count_include_pad", value: "false", requirement: "left out: only an average pool divides")
                    }),
            ],
            templates: [
                LayerTemplate("max pool", "downsample by windows", namePrefix: "pool") { _ in Pool(kind: .max, kernel: Size2(2)) },
                LayerTemplate("avg pool", "downsample by windows", namePrefix: "pool") { _ in Pool(kind: .average, kernel: Size2(2)) },
            ],
            spec: { p in
                var text = "\(p.kind == .max ? "max" : "avg") \(p.kernel.height)×\(p.kernel.width)/\(p.stride)"
                if p.padding != Size2(0) { text += " p\(p.padding)" }
                if p.rounding != .floor { text += " " + p.rounding.rawValue }
                return text + (p.countsPadding ? "" : " excl-pad")
            },
            details: { p in
                "\(p.kind == .max ? "max" : "average") pool \(p.kernel.height)×\(p.kernel.width) · stride \(p.stride) · "
                    + "pad \(p.padding) · \(p.rounding.rawValue)" + (p.countsPadding ? "" : " · padding not counted")
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
            padTop: padding.height, padLeft: padding.width, excludesPadding: kind == .average && !countsPadding)
        return LayerShape(Shape(channels: input.channels, height: outH, width: outW), geometry: .pool(geometry))
    }

    /// The pooled extent of one axis. Ceil rounding may add a window; Caffe's drops it when it would start in
    /// the end padding (only with padding), PyTorch's and ONNX's whenever it would start past `size + pad`.
    static func extent(_ size: Int, _ kernel: Int, _ stride: Int, _ pad: Int, _ rounding: Rounding) -> Int {
        let span = size + 2 * pad - kernel
        var out: Int
        switch rounding {
        case .floor: out = span / stride + 1
        case .ceil, .ceilTorch:
            out = (span + stride - 1) / stride + 1
            if (pad > 0 || rounding == .ceilTorch) && (out - 1) * stride >= size + pad { out -= 1 }
        }
        return out
    }

    /// Per thread: a max pool folds each input row into its window maxima first (H × OW floats and a padded
    /// line), or the vector path takes a row, its edge masks and an average's column divisors; a row wider than the
    /// stack buffer is copied once.
    public func workingFloats(_ io: LayerIO) throws(SizeOverflow) -> (kept: Int, perThread: Int) {
        guard let g = io.geometry?.pool else { return (0, 0) }
        let rows = try Checked.product(g.inHeight, g.outWidth, of: "its folded rows")
        let line = 2 * ((g.outWidth - 1) * g.strideWidth + g.kernelWidth) + g.padLeft + 16
        return (0, max(try Checked.sum(rows, line, g.inWidth, of: "its scratch"), Kernels.poolScratchFloats(g)))
    }

    public func receptiveWindow(_ io: LayerIO) -> (kernel: Size2, stride: Size2) { (kernel, stride) }

    public var isAffine: Bool { kind == .average }

    public func forward(_ run: LayerRun) {
        let g = Self.planes(run)
        switch kind {
        case .max: Kernels.maxPool2d(g, input: run.input, output: run.output)
        case .average: Kernels.averagePool2d(g, input: run.input, output: run.output)
        }
    }

    /// `MaxPool` / `AveragePool` with `ceil_mode = 0`, exact for every rounding: the windows that hold input become
    /// explicit end padding (smaller than the kernel, as onnxruntime requires; max ignores padding, and the average
    /// excludes it from its divisor as the overhang is excluded here); an average that counts its padding first
    /// zero-pads with a `Pad` node, so those zeros are values it divides by. Windows that start past the input
    /// (Caffe's ceil without padding) hold no input and give 0: a `Pad` of zeros after the pool adds them.
    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        let g = node.io.geometry!.pool!
        var source = node.input, height = g.inHeight, width = g.inWidth, top = g.padTop, left = g.padLeft
        if kind == .average && countsPadding && (top > 0 || left > 0) {
            let pads = graph.int64Constant(node.key + ".pads", [0, 0, top, left, 0, 0, top, left])
            source = node.key + "/padded"
            graph.add("Pad", for: node, suffix: "/pad", inputs: [node.input, pads], output: source)
            height += 2 * top
            width += 2 * left
            top = 0
            left = 0
        }
        // windows that start inside the (padded) input; the rest start past it and hold nothing
        let rows = min(g.outHeight, (height + top - 1) / g.strideHeight + 1)
        let columns = min(g.outWidth, (width + left - 1) / g.strideWidth + 1)
        let bottom = max(0, (rows - 1) * g.strideHeight + g.kernelHeight - height - top)
        let right = max(0, (columns - 1) * g.strideWidth + g.kernelWidth - width - left)
        // ONNX floor rounding over the padded extent must land on those windows.
        let onnxHeight = (height + top + bottom - g.kernelHeight) / g.strideHeight + 1
        let onnxWidth = (width + left + right - g.kernelWidth) / g.strideWidth + 1
        guard onnxHeight == rows, onnxWidth == columns, bottom < g.kernelHeight, right < g.kernelWidth else {
            throw node.unsupported(
                "ONNX pooling gives \(onnxHeight)×\(onnxWidth) where convplay gives \(rows)×\(columns)",
                fix: "change the pool's padding or stride so its windows fit the input")
        }
        var attributes: [(String, ONNXAttribute)] = [
            ("kernel_shape", .ints([g.kernelHeight, g.kernelWidth])),
            ("strides", .ints([g.strideHeight, g.strideWidth])),
            ("pads", .ints([top, left, bottom, right])),
            ("ceil_mode", .int(0)),
        ]
        if kind == .average { attributes.append(("count_include_pad", .int(0))) }
        let empty = (rows: g.outHeight - rows, columns: g.outWidth - columns)
        let pooled = empty == (0, 0) ? nil : node.key + "/pooled"
        graph.add(kind == .max ? "MaxPool" : "AveragePool", for: node, inputs: [source], output: pooled, attributes: attributes)
        if let pooled {
            let pads = graph.int64Constant(node.key + ".empty_windows", [0, 0, 0, 0, 0, 0, empty.rows, empty.columns])
            graph.add("Pad", for: node, suffix: "/empty_windows", inputs: [pooled, pads])
        }
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription {
        DumpDescription(
            "pool",
            [
                ("kind", .string(kind.rawValue)), ("kernel", .pair(kernel)), ("stride", .pair(stride)),
                ("pad", .pair(padding)), ("rounding", .string(rounding.rawValue)), ("count_include_pad", .bool(countsPadding)),
            ])
    }
}

extension Pool {
    /// PyTorch's own `nn.MaxPool2d` / `nn.AvgPool2d` when its rules (floor or `ceil_mode`, `count_include_pad`,
    /// padding at most half the kernel) give exactly our windows. Otherwise exact by hand: the input padded
    /// explicitly (−∞ for max, zeros for an average), an unpadded floor pool over the windows that hold input (an
    /// average as window sums divided by each window's own count), then zeros for the windows that start past the
    /// input (Caffe's ceil without padding).
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        let g = node.io.geometry!.pool!
        let torchModule = kind == .max ? "nn.MaxPool2d" : "nn.AvgPool2d"
        let axes = [(g.inHeight, false), (g.inWidth, true)]
        func kernel(_ horizontal: Bool) -> Int { horizontal ? self.kernel.width : self.kernel.height }
        func stride(_ horizontal: Bool) -> Int { horizontal ? self.stride.width : self.stride.height }
        func pad(_ horizontal: Bool) -> Int { horizontal ? padding.width : padding.height }
        if 2 * padding.height <= self.kernel.height && 2 * padding.width <= self.kernel.width {
            for ceilMode in [false, true] {
                for includePad in kind == .max ? [true] : [countsPadding, !countsPadding] {
                    let exact = axes.allSatisfy { size, horizontal in
                        Pool.onnxWindows(
                            size: size, kernel: kernel(horizontal), stride: stride(horizontal), padBegin: pad(horizontal),
                            padEnd: pad(horizontal), zeroBegin: 0, zeroEnd: 0, ceilMode: ceilMode, countIncludePad: includePad
                        ).map { computes($0, size: size, horizontal: horizontal) } ?? false
                    }
                    guard exact else { continue }
                    var module = "\(torchModule)(\(Python.pair(self.kernel)), stride=\(Python.pair(self.stride))"
                    if padding != Size2(0) { module += ", padding=\(Python.pair(padding))" }
                    if ceilMode { module += ", ceil_mode=True" }
                    if kind == .average && !includePad { module += ", count_include_pad=False" }
                    return PyTorchLayer(module: module + ")") { "self.\(node.attribute)(\($0))" }
                }
            }
        }
        // Windows that start inside the input (the rest hold nothing), the end pad that makes a floor pool give them.
        let held = axes.map { size, horizontal in
            min(windows(size: size, horizontal: horizontal).count, (size + pad(horizontal) - 1) / stride(horizontal) + 1)
        }
        let endPads = zip(axes, held).map { axis, count in
            max(0, (count - 1) * stride(axis.1) + kernel(axis.1) - axis.0 - pad(axis.1))
        }
        let pads = [padding.width, endPads[1], padding.height, endPads[0]]
        let empty = (rows: g.outHeight - held[0], columns: g.outWidth - held[1])
        var helpers: [PyTorchHelper] = []
        let module: String
        if kind == .average {
            module = "nn.AvgPool2d(\(Python.pair(self.kernel)), stride=\(Python.pair(self.stride)), divisor_override=1)"
            helpers.append(.windowCounts)
        } else {
            module = "nn.MaxPool2d(\(Python.pair(self.kernel)), stride=\(Python.pair(self.stride)))"
        }
        let counts = zip(axes, held).map { axis, count in
            Python.list(windows(size: axis.0, horizontal: axis.1).prefix(count).map(\.divisor))
        }
        return PyTorchLayer(module: module, helpers: helpers) { x in
            var padded = x
            if pads != [0, 0, 0, 0] {
                padded = "F.pad(\(x), (\(pads.map(String.init).joined(separator: ", ")))\(kind == .max ? ", value=-math.inf" : ""))"
            }
            var pooled = "self.\(node.attribute)(\(padded))"
            if kind == .average { pooled = "divided_by_window_counts(\(pooled), \(counts[0]), \(counts[1]))" }
            return empty == (0, 0) ? pooled : "F.pad(\(pooled), (0, \(empty.columns), 0, \(empty.rows)))"
        }
    }
}

extension PyTorchHelper {
    /// Window sums over the count each average divides by (separable: rows × columns).
    static let windowCounts = PyTorchHelper(
        name: "divided_by_window_counts",
        code: """
            def divided_by_window_counts(sums, rows, columns):
                \"\"\"Average-pool window sums divided by each window's count, rows[i] · columns[j]: Caffe's window clipped
                to the padded input, or the input values it holds — what PyTorch's own pools cannot say exactly here.\"\"\"
                counts = torch.outer(torch.tensor(rows, dtype=sums.dtype), torch.tensor(columns, dtype=sums.dtype))
                return sums / counts.to(sums.device)
            """)
}

extension Pool {
    /// Each output's gradient goes back to its window: to the first maximum (max), or shared by Caffe's divisor.
    public func backward(_ run: BackwardRun) {
        guard let dx = run.inputGradient else { return }
        let g = Self.planes(run.forward)
        switch kind {
        case .max: Kernels.maxPool2dBackward(g, input: run.input, outputGradient: run.outputGradient, inputGradient: dx)
        case .average: Kernels.averagePool2dBackward(g, outputGradient: run.outputGradient, inputGradient: dx)
        }
    }

    /// The geometry over every plane of the batch: C·N planes in the batch layout.
    static func planes(_ run: LayerRun) -> PoolGeometry {
        var g = run.io.geometry!.pool!
        g.channels *= run.batch
        return g
    }
}
