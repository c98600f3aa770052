/// A fully connected layer over the flattened input: `y = W x + b`, `W` of shape `out × in`.
/// input (C, H, W) flattened to C·H·W -> output (out, 1, 1).
public struct Dense: WeightedLayer {
    public var outFeatures: Int
    public var hasBias = true
    public var parameters: ExplicitParameters?
    public init(outFeatures: Int, hasBias: Bool = true, parameters: ExplicitParameters? = nil) {
        self.outFeatures = outFeatures
        self.hasBias = hasBias
        self.parameters = parameters
    }

    public var outputCount: Int { outFeatures }

    public static var schema: LayerSchema<Dense> {
        LayerSchema(
            "dense", defaults: Dense(outFeatures: 1),
            fields: [.int("out", \.outFeatures, form: "out features", required: "\"out\": the number of output features")] + weightFields,
            templates: [LayerTemplate("dense", "fully connected", namePrefix: "dense") { _ in Dense(outFeatures: 10) }],
            spec: { "dense → \($0.outFeatures)" })
    }

    public func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape {
        let output = Shape(channels: outFeatures, height: 1, width: 1)
        try checkExplicitCounts(parameterShapes(LayerIO(input: input, output: output))!, at: site)
        return LayerShape(output)
    }

    public func parameterShapes(_ io: LayerIO) -> ParameterShapes? {
        ParameterShapes(weight: [outFeatures, io.input.elementCount], bias: hasBias ? outFeatures : nil)
    }

    /// One multiply-accumulate per weight.
    public func macs(_ io: LayerIO) -> Int { parameterShapes(io)?.weightCount ?? 0 }

    public func receptiveWindow(_ io: LayerIO) -> (kernel: Size2, stride: Size2) { (Size2(io.input.height, io.input.width), Size2(1)) }

    public var isAffine: Bool { true }

    /// One image is a matrix-vector product; a batch one GEMM, Y (out, N) = W · X (in, N) + b, on its input
    /// rearranged as features × images.
    public func forward(_ run: LayerRun) {
        let p = run.parameters!, features = run.io.input.elementCount
        p.weight.withUnsafeBufferPointer { w in
            withOptionalPointer(p.bias) { bias in
                guard run.batch > 1 else {
                    Kernels.dense(
                        inFeatures: features, outFeatures: outFeatures, input: run.input, weight: w.baseAddress!, bias: bias,
                        output: run.output)
                    return
                }
                Self.withFeatures(run, into: nil) { x in
                    Kernels.gemm(
                        m: outFeatures, n: run.batch, k: features, a: w.baseAddress!, b: x, c: run.output, rowBias: bias)
                }
            }
        }
    }

    /// `Flatten` + `Gemm` (transB = 1) + `Reshape` to `[1, out, 1, 1]`.
    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        graph.flattened(node, op: "Gemm", inputs: graph.weightAndBias(of: node), attributes: [("transB", .int(1))])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription {
        DumpDescription("dense", [("out_features", .integer(outFeatures)), ("bias", .bool(hasBias))])
    }
}

extension Dense {
    /// ∂W = ∂Y · Xᵀ, ∂b = Σ ∂Y over the batch, ∂X = Wᵀ · ∂Y, with X as features × images.
    public func backward(_ run: BackwardRun) {
        let features = run.io.input.elementCount, batch = run.batch, positions = run.io.input.planeSize
        let dy = run.outputGradient
        if let db = run.biasGradient { Kernels.rowSums(rows: outFeatures, columns: batch, input: dy, output: db) }
        Self.withFeatures(run.forward, into: run.workspace) { x in
            if let dw = run.weightGradient {
                Kernels.gemm(m: outFeatures, n: features, k: batch, a: dy, b: x, transposeB: true, c: dw)
            }
        }
        guard let dx = run.inputGradient else { return }
        run.parameters!.weight.withUnsafeBufferPointer { w in
            let rearranged = batch > 1 && positions > 1
            let target = rearranged ? run.workspace.floats(features * batch, slot: 1) : dx
            Kernels.gemm(m: features, n: batch, k: outFeatures, a: w.baseAddress!, transposeA: true, b: dy, c: target)
            if rearranged {
                Kernels.featuresToImages(
                    channels: run.io.input.channels, positions: positions, batch: batch, input: target, output: dx)
            }
        }
    }

    /// Calls `body` with the run's input as features × images (C·H·W, N): the input itself when that is already
    /// its layout (one image, or 1×1 planes), else rearranged into `workspace` (or a temporary array).
    static func withFeatures(_ run: LayerRun, into workspace: Workspace?, _ body: (UnsafePointer<Float>) -> Void) {
        let input = run.io.input
        guard run.batch > 1 && input.planeSize > 1 else { return body(run.input) }
        func rearrange(_ target: UnsafeMutablePointer<Float>) {
            Kernels.imagesToFeatures(
                channels: input.channels, positions: input.planeSize, batch: run.batch, input: run.input, output: target)
        }
        if let workspace {
            let target = workspace.floats(run.inputCount)
            rearrange(target)
            body(target)
        } else {
            var features = [Float](repeating: 0, count: run.inputCount)
            features.withUnsafeMutableBufferPointer { rearrange($0.baseAddress!) }
            features.withUnsafeBufferPointer { body($0.baseAddress!) }
        }
    }
}

extension Dense {
    /// `nn.Linear` on the flattened input, the result kept 4-D (`[N, out, 1, 1]`).
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.Linear(\(node.io.input.elementCount), \(outFeatures), bias=\(hasBias ? "True" : "False"))") {
            "self.\(node.attribute)(\($0).flatten(1))[:, :, None, None]"
        }
    }
}
