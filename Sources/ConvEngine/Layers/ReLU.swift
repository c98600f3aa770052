/// Rectified linear unit: y = max(x, 0). The non-linearity that makes a 1×1 conv stack more than one linear map.
public struct ReLU: ActivationKind {
    public init() {}

    public static var schema: LayerSchema<ReLU> {
        LayerSchema(
            "relu", defaults: ReLU(), templates: [LayerTemplate("relu", "element-wise non-linearity", namePrefix: "relu") { _ in ReLU() }])
    }

    public func activate(_ x: Float) -> Float { max(x, 0) }

    public func forward(_ run: LayerRun) {
        let c = max(run.io.input.channels, 1)
        Kernels.relu(channels: c, planeSize: run.inputCount / c, input: run.input, output: run.output)
    }

    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        graph.add("Relu", for: node, inputs: [node.input])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("activation", [("kind", .string("relu"))]) }
}

extension ReLU {
    /// ∂x = ∂y where x > 0, else 0 (PyTorch's choice at 0).
    public func backward(_ run: BackwardRun) {
        guard let dx = run.inputGradient else { return }
        Kernels.reluBackward(count: run.forward.inputCount, input: run.input, outputGradient: run.outputGradient, inputGradient: dx)
    }
}

extension ReLU {
    /// `nn.ReLU`.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.ReLU()") { "self.\(node.attribute)(\($0))" }
    }
}
