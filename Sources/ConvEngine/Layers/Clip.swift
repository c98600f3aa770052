/// Clipping: y = min(max(x, min), max). ReLU6, MobileNet's activation, is `clip` 0…6; a NaN stays NaN.
public struct Clip: ActivationKind {
    public var minimum: Float
    public var maximum: Float
    public init(minimum: Float = 0, maximum: Float = 6) {
        self.minimum = minimum
        self.maximum = maximum
    }

    public static var schema: LayerSchema<Clip> {
        LayerSchema(
            "clip", defaults: Clip(),
            fields: [
                .float("min", \.minimum, form: "min"),
                LayerField(
                    "max", .float, form: .field("max"), get: { .float($0.maximum) }, set: { if case .float(let v) = $1 { $0.maximum = v } },
                    check: { clip in
                        clip.maximum >= clip.minimum
                            ? nil
                            : .invalid(
                                key: "max", value: formatShortest(clip.maximum),
                                requirement: "at least min (\(formatShortest(clip.minimum)))")
                    }),
            ],
            templates: [LayerTemplate("clip", "clamp to [min, max] (ReLU6 is 0…6)", namePrefix: "clip") { _ in Clip() }],
            spec: { $0 == Clip() ? "relu6" : "clip \(formatShortest($0.minimum))…\(formatShortest($0.maximum))" },
            details: { "clip · min \(formatShortest($0.minimum)) · max \(formatShortest($0.maximum))" })
    }

    public func activate(_ x: Float) -> Float { x.isNaN ? x : min(max(x, minimum), maximum) }

    public func forward(_ run: LayerRun) {
        Kernels.clip(count: run.inputCount, minimum: minimum, maximum: maximum, input: run.input, output: run.output)
    }

    /// `Clip` with its bounds as constant inputs (opset 11 and later).
    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        let low = graph.constant(node.key + ".min", dims: [], [minimum])
        let high = graph.constant(node.key + ".max", dims: [], [maximum])
        graph.add("Clip", for: node, inputs: [node.input, low, high])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription {
        DumpDescription("activation", [("kind", .string("clip")), ("min", .float(minimum)), ("max", .float(maximum))])
    }
}

extension Clip {
    /// ∂x = ∂y strictly inside (min, max), 0 at and beyond the bounds (PyTorch's hardtanh).
    public func backward(_ run: BackwardRun) {
        let (low, high) = (minimum, maximum)
        run.mapGradient { x, _, dy in x > low && x < high ? dy : 0 }
    }
}

extension Clip {
    /// `nn.ReLU6` for 0…6, else `nn.Hardtanh(min, max)`: both clamp.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        let module = minimum == 0 && maximum == 6 ? "nn.ReLU6()" : "nn.Hardtanh(\(Python.float(minimum)), \(Python.float(maximum)))"
        return PyTorchLayer(module: module) { "self.\(node.attribute)(\($0))" }
    }
}
