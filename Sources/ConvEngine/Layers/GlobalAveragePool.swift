/// Global average pooling: one value per channel, the mean of its plane — NIN's classifier head instead of
/// fully connected layers. input (C, H, W) -> output (C, 1, 1).
public struct GlobalAveragePool: LayerKind {
    public init() {}

    public static var schema: LayerSchema<GlobalAveragePool> {
        LayerSchema(
            "global_avgpool", defaults: GlobalAveragePool(),
            templates: [
                LayerTemplate("global avg pool", "one value per channel (NIN head)", namePrefix: "gap") { _ in GlobalAveragePool() }
            ],
            spec: { _ in "global avg" })
    }

    public func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape {
        LayerShape(Shape(channels: input.channels, height: 1, width: 1))
    }

    public func receptiveWindow(_ io: LayerIO) -> (kernel: Size2, stride: Size2) { (Size2(io.input.height, io.input.width), Size2(1)) }

    public var isAffine: Bool { true }

    public func forward(_ run: LayerRun) {
        Kernels.globalAveragePool(
            channels: run.io.input.channels * run.batch, planeSize: run.io.input.planeSize, input: run.input, output: run.output)
    }

    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        graph.add("GlobalAveragePool", for: node, inputs: [node.input])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("global_avg_pool") }
}

extension GlobalAveragePool {
    /// Every value of a plane receives the plane's output gradient over its size.
    public func backward(_ run: BackwardRun) {
        guard let dx = run.inputGradient else { return }
        let plane = run.io.input.planeSize, dy = run.outputGradient, share = 1 / Float(max(plane, 1))
        Kernels.forEachRange(count: run.io.input.channels * run.batch) { planes in
            for q in planes { (dx + q * plane).update(repeating: dy[q] * share, count: plane) }
        }
    }
}

extension GlobalAveragePool {
    /// `nn.AdaptiveAvgPool2d(1)`: the mean of each channel.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.AdaptiveAvgPool2d(1)") { "self.\(node.attribute)(\($0))" }
    }
}
