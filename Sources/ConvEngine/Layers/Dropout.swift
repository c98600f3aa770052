/// Dropout: the identity at inference; the rate is kept for the record and for export.
public struct Dropout: LayerKind {
    public var rate: Float
    public init(rate: Float = 0.5) { self.rate = rate }

    public static var schema: LayerSchema<Dropout> {
        LayerSchema(
            "dropout", defaults: Dropout(),
            fields: [.float("rate", \.rate, form: "rate", valid: { $0 >= 0 && $0 < 1 }, requirement: "at least 0 and below 1")],
            templates: [LayerTemplate("dropout", "identity at inference", namePrefix: "dropout") { _ in Dropout() }],
            spec: { "dropout \($0.rate)" })
    }

    public func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape { LayerShape(input) }

    public var isAffine: Bool { true }

    public func forward(_ run: LayerRun) { run.output.update(from: run.input, count: run.io.input.elementCount) }

    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        graph.add("Identity", for: node, inputs: [node.input])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("dropout", [("rate", .float(rate))]) }
}

extension Dropout {
    /// `nn.Dropout`: the identity once the module is in `eval()` mode, as here.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.Dropout(\(Python.float(rate)))") { "self.\(node.attribute)(\($0))" }
    }
}
