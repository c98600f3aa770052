/// Softmax over channels at every position: class probabilities from a classifier's logits.
public struct Softmax: LayerKind {
    public init() {}

    public static var schema: LayerSchema<Softmax> {
        LayerSchema(
            "softmax", defaults: Softmax(), templates: [LayerTemplate("softmax", "probabilities", namePrefix: "softmax") { _ in Softmax() }]
        )
    }

    public func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape { LayerShape(input) }

    public func forward(_ run: LayerRun) {
        Kernels.softmax(channels: run.io.input.channels, planeSize: run.io.input.planeSize, input: run.input, output: run.output)
    }

    /// `Softmax` on axis 1: over channels, per position.
    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        graph.add("Softmax", for: node, inputs: [node.input], attributes: [("axis", .int(1))])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("softmax") }
}

extension Softmax {
    /// `nn.Softmax` over channels (dim 1), per position.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.Softmax(dim=1)") { "self.\(node.attribute)(\($0))" }
    }
}
