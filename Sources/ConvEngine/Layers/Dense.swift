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

    public func forward(_ run: LayerRun) {
        let p = run.parameters!
        p.weight.withUnsafeBufferPointer { w in
            withOptionalPointer(p.bias) { bias in
                Kernels.dense(
                    inFeatures: run.io.input.elementCount, outFeatures: outFeatures, input: run.input, weight: w.baseAddress!,
                    bias: bias, output: run.output)
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
    /// `nn.Linear` on the flattened input, the result kept 4-D (`[N, out, 1, 1]`).
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.Linear(\(node.io.input.elementCount), \(outFeatures), bias=\(hasBias ? "True" : "False"))") {
            "self.\(node.attribute)(\($0).flatten(1))[:, :, None, None]"
        }
    }
}
