/// Flattening: C×H×W → (C·H·W)×1×1, channel-major, as PyTorch's `flatten(1)` orders it.
public struct Flatten: LayerKind {
    public init() {}

    public static var schema: LayerSchema<Flatten> {
        LayerSchema(
            "flatten", defaults: Flatten(),
            templates: [LayerTemplate("flatten", "C×H×W → (C·H·W)×1×1", namePrefix: "flatten") { _ in Flatten() }])
    }

    public func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape {
        LayerShape(Shape(channels: input.elementCount, height: 1, width: 1))
    }

    public func receptiveWindow(_ io: LayerIO) -> (kernel: Size2, stride: Size2) { (Size2(io.input.height, io.input.width), Size2(1)) }

    public var isAffine: Bool { true }

    /// A batch goes from (C, N, H, W) to features × images, (C·H·W, N): a plain copy for one image.
    public func forward(_ run: LayerRun) {
        let input = run.io.input
        if run.batch == 1 || input.planeSize == 1 {
            run.output.update(from: run.input, count: run.inputCount)
        } else {
            Kernels.imagesToFeatures(
                channels: input.channels, positions: input.planeSize, batch: run.batch, input: run.input, output: run.output)
        }
    }

    /// `Flatten` + `Reshape` to `[1, N, 1, 1]`.
    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) { graph.flattened(node, op: nil) }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("flatten") }
}

extension Flatten {
    /// The forward rearrangement undone.
    public func backward(_ run: BackwardRun) {
        guard let dx = run.inputGradient else { return }
        let input = run.io.input
        if run.batch == 1 || input.planeSize == 1 {
            dx.update(from: run.outputGradient, count: run.forward.inputCount)
        } else {
            Kernels.featuresToImages(
                channels: input.channels, positions: input.planeSize, batch: run.batch, input: run.outputGradient, output: dx)
        }
    }
}

extension Flatten {
    /// `nn.Flatten`, the result kept 4-D (`[N, C·H·W, 1, 1]`) like every value in the exported module.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.Flatten()") { "self.\(node.attribute)(\($0))[:, :, None, None]" }
    }
}
