/// Leaky ReLU: y = x for x > 0, slope · x otherwise.
public struct LeakyReLU: ActivationKind {
    public var slope: Float
    public init(slope: Float = 0.01) { self.slope = slope }

    public static var schema: LayerSchema<LeakyReLU> {
        LayerSchema(
            "leaky_relu", defaults: LeakyReLU(), fields: [.float("slope", \.slope, form: "slope")],
            templates: [LayerTemplate("leaky relu", "element-wise non-linearity", namePrefix: "relu") { _ in LeakyReLU(slope: 0.1) }],
            spec: { "leaky relu \($0.slope)" })
    }

    public func activate(_ x: Float) -> Float { x > 0 ? x : slope * x }

    public func forward(_ run: LayerRun) {
        Kernels.leakyRelu(count: run.inputCount, slope: slope, input: run.input, output: run.output)
    }

    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        graph.add("LeakyRelu", for: node, inputs: [node.input], attributes: [("alpha", .float(slope))])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription {
        DumpDescription("activation", [("kind", .string("leaky_relu")), ("slope", .float(slope))])
    }
}

extension LeakyReLU {
    /// ∂x = ∂y where x > 0, slope · ∂y elsewhere.
    public func backward(_ run: BackwardRun) {
        let slope = slope
        run.mapGradient { x, _, dy in x > 0 ? dy : slope * dy }
    }
}

extension LeakyReLU {
    /// `nn.LeakyReLU` with the same slope.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.LeakyReLU(\(Python.float(slope)))") { "self.\(node.attribute)(\($0))" }
    }
}
