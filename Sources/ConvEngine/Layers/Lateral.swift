/// The note's "lateral connections in the same layer": per position `y = z + Mᵀ z`, `M` an `n × n` matrix
/// over the `n` channels of `z`. Stored as `M` row-major (`M[i][j]` scales channel i's input into channel j).
/// input (n, H, W), M (n, n) -> output (n, H, W).
public struct Lateral: LayerKind {
    public var parameters: ExplicitParameters?
    public init(parameters: ExplicitParameters? = nil) { self.parameters = parameters }

    public static var schema: LayerSchema<Lateral> {
        LayerSchema(
            "lateral", defaults: Lateral(),
            fields: [
                .floats(
                    "weights", get: { $0.parameters?.weights }, set: { $0.parameters = $1.map { ExplicitParameters(weights: $0) } },
                    rows: { layer in
                        let count = layer.parameters?.weights.count ?? 0
                        let n = Int(Double(count).squareRoot().rounded())
                        return n * n == count ? n : 1
                    })
            ],
            templates: [LayerTemplate("lateral", "y = z + Mᵀz (the note's idea)", namePrefix: "lateral") { _ in Lateral() }],
            spec: { _ in "lateral z+Mᵀz" })
    }

    public func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape {
        if let explicit = parameters {
            let n = input.channels
            if explicit.weights.count != n * n { throw site.wrongCount("weights", expected: n * n, got: explicit.weights.count) }
            if explicit.biases != nil { throw site.invalid("biases", "given", "absent: a lateral layer has no bias") }
        }
        return LayerShape(input)
    }

    public func parameterShapes(_ io: LayerIO) -> ParameterShapes? {
        ParameterShapes(weight: [io.input.channels, io.input.channels], bias: nil)
    }

    public func explicitParameters(_ io: LayerIO) -> LayerParameters? {
        parameters.map { LayerParameters(weight: $0.weights, weightShape: [io.input.channels, io.input.channels], bias: nil) }
    }

    /// A small random mixing, std 0.5/√n, so y = z + Mᵀz stays near z.
    public func initialParameters(_ shapes: ParameterShapes, io: LayerIO, scheme: InitScheme, rng: inout SplitMix64)
        -> LayerParameters
    {
        let n = io.input.channels
        let weight = (0..<(n * n)).map { _ in rng.nextNormal() * 0.5 / Float(n).squareRoot() }
        return LayerParameters(weight: weight, weightShape: shapes.weight, bias: nil)
    }

    /// n² multiply-accumulates per position.
    public func macs(_ io: LayerIO) -> Int { io.input.channels * io.input.channels * io.input.planeSize }

    public var isAffine: Bool { true }

    public func forward(_ run: LayerRun) {
        run.parameters!.weight.withUnsafeBufferPointer { m in
            Kernels.lateral(
                channels: run.io.input.channels, planeSize: run.inputPositions, m: m.baseAddress!, input: run.input,
                output: run.output)
        }
    }

    /// A 1×1 `Conv` whose weight (out j, in i) is δᵢⱼ + M[i][j], i.e. W = I + Mᵀ: the fold written out.
    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        let m = node.parameters!.weight, n = node.io.input.channels
        var w = [Float](repeating: 0, count: n * n)
        for j in 0..<n { for i in 0..<n { w[j * n + i] = (i == j ? 1 : 0) + m[i * n + j] } }
        graph.add(
            "Conv", for: node, inputs: [node.input, graph.constant(node.key + ".weight", dims: [n, n, 1, 1], w)],
            attributes: [("kernel_shape", .ints([1, 1]))])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("lateral") }
}

extension Lateral {
    /// y = z + Mᵀz per position, so ∂z = ∂y + M · ∂y and ∂M = Z · ∂Yᵀ over every position of the batch.
    public func backward(_ run: BackwardRun) {
        let n = run.io.input.channels, positions = run.inputPositions
        run.parameters!.weight.withUnsafeBufferPointer { m in
            if let dm = run.weightGradient {
                Kernels.gemm(m: n, n: n, k: positions, a: run.input, b: run.outputGradient, transposeB: true, c: dm)
            }
            if let dz = run.inputGradient {
                dz.update(from: run.outputGradient, count: n * positions)
                Kernels.gemm(m: n, n: positions, k: n, a: m.baseAddress!, b: run.outputGradient, c: dz, accumulate: true)
            }
        }
    }
}

extension Lateral {
    public func droppingWrittenParameters() -> Self {
        var layer = self
        layer.parameters = nil
        return layer
    }
}

extension Lateral {
    /// A `Lateral` module (defined in `model.py`) holding M as its weight: `z + Mᵀz` over the channels.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "Lateral(\(node.io.input.channels))", helpers: [.lateral]) { "self.\(node.attribute)(\($0))" }
    }
}

extension PyTorchHelper {
    /// The note's lateral connection as a module.
    static let lateral = PyTorchHelper(
        name: "Lateral",
        code: """
            class Lateral(nn.Module):
                \"\"\"The note's lateral connection: y = z + Mᵀz over the channels at every position (weight = M, n × n).\"\"\"

                def __init__(self, n):
                    super().__init__()
                    self.weight = nn.Parameter(torch.zeros(n, n))

                def forward(self, z):
                    return z + torch.einsum("ij,nihw->njhw", self.weight, z)
            """)
}
