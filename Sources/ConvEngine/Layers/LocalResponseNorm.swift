/// Local response normalisation across channels, Caffe's definition:
/// `y = x / (k + α/n · Σ x²)^β`, the sum over the `n` channels centred on each one. The fixed, non-linear
/// lateral inhibition GoogLeNet used: the form of the note's lateral idea that real networks kept.
public struct LocalResponseNorm: LayerKind {
    public var size = 5
    public var alpha: Float = 1e-4
    public var beta: Float = 0.75
    public var k: Float = 1
    public init(size: Int = 5, alpha: Float = 1e-4, beta: Float = 0.75, k: Float = 1) {
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k
    }

    public static var schema: LayerSchema<LocalResponseNorm> {
        LayerSchema(
            "lrn", defaults: LocalResponseNorm(),
            fields: [
                .int(
                    "size", \.size, form: "size",
                    check: {
                        $0.size % 2 == 1 ? nil : .invalid(key: "size", value: "\($0.size)", requirement: "an odd number of at least 1")
                    }),
                .float("alpha", \.alpha, form: "alpha"),
                .float("beta", \.beta, form: "beta"),
                .float("k", \.k, form: "k", valid: { $0 > 0 }, requirement: "above 0"),
            ],
            templates: [LayerTemplate("lrn", "lateral inhibition across channels", namePrefix: "lrn") { _ in LocalResponseNorm() }],
            spec: { "lrn \($0.size)" },
            details: { "LRN size \($0.size) · α \(formatShortest($0.alpha)) · β \(formatShortest($0.beta)) · k \(formatShortest($0.k))" })
    }

    public func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape { LayerShape(input) }

    public func forward(_ run: LayerRun) {
        Kernels.localResponseNorm(
            channels: run.io.input.channels, planeSize: run.inputPositions, size: size, alpha: alpha, beta: beta, k: k,
            input: run.input, output: run.output)
    }

    /// `LRN`: ONNX, like Caffe, divides alpha by size. onnxruntime accepts only positive alpha and beta, so other
    /// values are written out: the squares summed over each channel's window by a 1×1 `Conv` whose weight is the
    /// band α/n (and bias k), raised to −β by `Pow`, times the input — the definition itself, exact for any α, β.
    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        if alpha > 0 && beta > 0 {
            graph.add(
                "LRN", for: node, inputs: [node.input],
                attributes: [("size", .int(size)), ("alpha", .float(alpha)), ("beta", .float(beta)), ("bias", .float(k))])
            return
        }
        let c = node.io.input.channels, half = (size - 1) / 2
        var band = [Float](repeating: 0, count: c * c)
        for out in 0..<c { for input in max(0, out - half)...min(c - 1, out + half) { band[out * c + input] = alpha / Float(size) } }
        let squares = node.key + "/squares", base = node.key + "/base", scale = node.key + "/scale"
        graph.add("Mul", for: node, suffix: "/square", inputs: [node.input, node.input], output: squares)
        graph.add(
            "Conv", for: node, suffix: "/window_sum",
            inputs: [
                squares, graph.constant(node.key + ".band", dims: [c, c, 1, 1], band),
                graph.constant(node.key + ".k", dims: [c], [Float](repeating: k, count: c)),
            ], output: base, attributes: [("kernel_shape", .ints([1, 1]))])
        graph.add(
            "Pow", for: node, suffix: "/pow", inputs: [base, graph.constant(node.key + ".exponent", dims: [], [-beta])], output: scale)
        graph.add("Mul", for: node, suffix: "/scale", inputs: [node.input, scale])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription {
        DumpDescription("lrn", [("size", .integer(size)), ("alpha", .float(alpha)), ("beta", .float(beta)), ("k", .float(k))])
    }
}

extension LocalResponseNorm {
    /// `nn.LocalResponseNorm`: PyTorch's is Caffe's across-channel definition (α divided by the size, the window
    /// centred on each channel for an odd size), for every α and β.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(
            module: "nn.LocalResponseNorm(\(size), alpha=\(Python.float(alpha)), beta=\(Python.float(beta)), k=\(Python.float(k)))"
        ) { "self.\(node.attribute)(\($0))" }
    }
}

extension LocalResponseNorm {
    /// ∂x_j = ∂y_j · s_j^−β − 2αβ/n · x_j · Σ ∂y_c · x_c · s_c^(−β−1) over the windows c that hold j.
    public func backward(_ run: BackwardRun) {
        guard let dx = run.inputGradient else { return }
        Kernels.localResponseNormBackward(
            channels: run.io.input.channels, planeSize: run.inputPositions, size: size, alpha: alpha, beta: beta, k: k,
            input: run.input, outputGradient: run.outputGradient, inputGradient: dx)
    }
}
