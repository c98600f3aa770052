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
        Kernels.softmax(channels: run.io.input.channels, planeSize: run.inputPositions, input: run.input, output: run.output)
    }

    /// `Softmax` on axis 1: over channels, per position.
    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        graph.add("Softmax", for: node, inputs: [node.input], attributes: [("axis", .int(1))])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("softmax") }
}

extension Softmax {
    /// ∂x_c = y_c · (∂y_c − Σ_c′ y_c′ ∂y_c′) at every position.
    public func backward(_ run: BackwardRun) {
        guard let dx = run.inputGradient else { return }
        let channels = run.io.input.channels, positions = run.inputPositions
        let y = run.output, dy = run.outputGradient
        Kernels.forEachRange(count: positions) { range in
            var dot = [Float](repeating: 0, count: range.count)
            for c in 0..<channels {
                for (i, p) in range.enumerated() { dot[i] += y[c * positions + p] * dy[c * positions + p] }
            }
            for c in 0..<channels {
                for (i, p) in range.enumerated() { dx[c * positions + p] = y[c * positions + p] * (dy[c * positions + p] - dot[i]) }
            }
        }
    }
}

extension Softmax {
    /// `nn.Softmax` over channels (dim 1), per position.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.Softmax(dim=1)") { "self.\(node.attribute)(\($0))" }
    }
}
