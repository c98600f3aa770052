import Foundation

/// Hyperbolic tangent: y = tanh(x).
public struct Tanh: ActivationKind {
    public init() {}

    public static var schema: LayerSchema<Tanh> {
        LayerSchema(
            "tanh", defaults: Tanh(), templates: [LayerTemplate("tanh", "element-wise non-linearity", namePrefix: "tanh") { _ in Tanh() }])
    }

    public func activate(_ x: Float) -> Float { Foundation.tanh(x) }

    public func forward(_ run: LayerRun) { Kernels.tanh(count: run.inputCount, input: run.input, output: run.output) }

    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        graph.add("Tanh", for: node, inputs: [node.input])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("activation", [("kind", .string("tanh"))]) }
}

extension Tanh {
    /// ∂x = ∂y · (1 − y²).
    public func backward(_ run: BackwardRun) { run.mapGradient { _, y, dy in dy * (1 - y * y) } }
}

extension Tanh {
    /// `nn.Tanh`.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.Tanh()") { "self.\(node.attribute)(\($0))" }
    }
}
