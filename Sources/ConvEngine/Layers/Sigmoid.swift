import Foundation

/// Logistic sigmoid: y = 1 / (1 + e^−x).
public struct Sigmoid: ActivationKind {
    public init() {}

    public static var schema: LayerSchema<Sigmoid> {
        LayerSchema(
            "sigmoid", defaults: Sigmoid(),
            templates: [LayerTemplate("sigmoid", "element-wise non-linearity", namePrefix: "sigmoid") { _ in Sigmoid() }])
    }

    public func activate(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    public func forward(_ run: LayerRun) { Kernels.sigmoid(count: run.inputCount, input: run.input, output: run.output) }

    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        graph.add("Sigmoid", for: node, inputs: [node.input])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("activation", [("kind", .string("sigmoid"))]) }
}

extension Sigmoid {
    /// ∂x = ∂y · y · (1 − y).
    public func backward(_ run: BackwardRun) { run.mapGradient { _, y, dy in dy * y * (1 - y) } }
}

extension Sigmoid {
    /// `nn.Sigmoid`.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.Sigmoid()") { "self.\(node.attribute)(\($0))" }
    }
}
