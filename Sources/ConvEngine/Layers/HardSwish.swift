/// Hard swish (MobileNetV3): y = x · min(max(x + 3, 0), 6) / 6, PyTorch's definition — ONNX's
/// x · max(0, min(1, x/6 + ½)) up to rounding.
public struct HardSwish: ActivationKind {
    public init() {}

    public static var schema: LayerSchema<HardSwish> {
        LayerSchema(
            "hardswish", defaults: HardSwish(),
            templates: [LayerTemplate("hardswish", "x · relu6(x + 3) / 6 (MobileNetV3)", namePrefix: "hswish") { _ in HardSwish() }])
    }

    public func activate(_ x: Float) -> Float { x * (min(max(x + 3, 0), 6) * (1 / 6)) }

    public func forward(_ run: LayerRun) { Kernels.hardSwish(count: run.inputCount, input: run.input, output: run.output) }

    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        graph.add("HardSwish", for: node, inputs: [node.input])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("activation", [("kind", .string("hardswish"))]) }
}

extension HardSwish {
    /// ∂x = 0 below −3, ∂y · (x/3 + ½) up to 3, ∂y above (PyTorch's hardswish_backward).
    public func backward(_ run: BackwardRun) {
        run.mapGradient { x, _, dy in x < -3 ? 0 : x <= 3 ? dy * (x / 3 + 0.5) : dy }
    }
}

extension HardSwish {
    /// `nn.Hardswish` (the same definition).
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.Hardswish()") { "self.\(node.attribute)(\($0))" }
    }
}
