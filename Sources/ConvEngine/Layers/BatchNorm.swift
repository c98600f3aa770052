/// Batch normalisation at inference: `y = γ (x − mean) / √(var + ε) + β`, per channel.
public struct BatchNorm: LayerKind {
    public var epsilon: Float = 1e-5
    /// Per-channel `mean`, `variance`, `scale` (γ), `shift` (β); `nil` means the identity statistics (0, 1, 1, 0).
    public var statistics: Statistics?

    public struct Statistics: Hashable, Sendable {
        public var mean: [Float]
        public var variance: [Float]
        public var scale: [Float]
        public var shift: [Float]
        public init(mean: [Float], variance: [Float], scale: [Float], shift: [Float]) {
            self.mean = mean
            self.variance = variance
            self.scale = scale
            self.shift = shift
        }
        static let empty = Statistics(mean: [], variance: [], scale: [], shift: [])
    }

    public init(epsilon: Float = 1e-5, statistics: Statistics? = nil) {
        self.epsilon = epsilon
        self.statistics = statistics
    }

    public static var schema: LayerSchema<BatchNorm> {
        let tensors: [(String, WritableKeyPath<Statistics, [Float]>)] = [
            ("mean", \.mean), ("var", \.variance), ("scale", \.scale), ("shift", \.shift),
        ]
        let statisticsFields = tensors.map { key, path in
            LayerField<BatchNorm>.floats(
                key, get: { $0.statistics?[keyPath: path] },
                set: { layer, values in
                    var statistics = layer.statistics ?? .empty
                    statistics[keyPath: path] = values ?? []
                    layer.statistics = statistics == .empty ? nil : statistics
                }, rows: { _ in 1 },
                check: { layer in
                    guard let statistics = layer.statistics, statistics[keyPath: path].isEmpty else { return nil }
                    return .missing(
                        key: key, hint: "\"\(key)\": one value per channel (mean, var, scale and shift come together or not at all)")
                })
        }
        return LayerSchema(
            "batchnorm", defaults: BatchNorm(),
            fields: [.float("eps", \.epsilon, form: "epsilon", valid: { $0 > 0 }, requirement: "above 0")] + statisticsFields,
            templates: [LayerTemplate("batch norm", "per-channel normalisation (inference)", namePrefix: "batchnorm") { _ in BatchNorm() }],
            details: { "batch norm · ε \(formatShortest($0.epsilon))" + ($0.statistics == nil ? " · identity statistics" : "") })
    }

    public func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape {
        if let stats = statistics {
            for (tensor, values) in [("mean", stats.mean), ("var", stats.variance), ("scale", stats.scale), ("shift", stats.shift)]
            where values.count != input.channels {
                throw site.wrongCount(tensor, expected: input.channels, got: values.count)
            }
            if !stats.variance.allSatisfy({ $0 >= 0 }) { throw site.invalid("var", "negative", "0 or more in every channel") }
        }
        return LayerShape(input)
    }

    /// γ and β are learned; the running mean and variance are buffers, not parameters (PyTorch's count).
    public func parameterShapes(_ io: LayerIO) -> ParameterShapes? {
        ParameterShapes(weight: [io.input.channels], bias: io.input.channels, runningStatistics: io.input.channels)
    }

    public func explicitParameters(_ io: LayerIO) -> LayerParameters? { statistics.map(Self.parameters) }

    /// Without written statistics: the identity (mean 0, variance 1, γ 1, β 0), not a random draw.
    public func initialParameters(_ shapes: ParameterShapes, io: LayerIO, scheme: InitScheme, rng: inout SplitMix64)
        -> LayerParameters
    {
        let c = io.input.channels
        return Self.parameters(
            Statistics(
                mean: .init(repeating: 0, count: c), variance: .init(repeating: 1, count: c), scale: .init(repeating: 1, count: c),
                shift: .init(repeating: 0, count: c)))
    }

    private static func parameters(_ stats: Statistics) -> LayerParameters {
        LayerParameters(
            weight: stats.scale, weightShape: [stats.scale.count], bias: stats.shift, runningMean: stats.mean,
            runningVariance: stats.variance)
    }

    public var isAffine: Bool { true }

    public func forward(_ run: LayerRun) {
        let p = run.parameters!
        Kernels.batchNorm(
            channels: run.io.input.channels, planeSize: run.io.input.planeSize, mean: p.runningMean!, variance: p.runningVariance!,
            scale: p.weight, shift: p.bias!, epsilon: epsilon, input: run.input, output: run.output)
    }

    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        let p = node.parameters!, c = [node.io.input.channels]
        graph.add(
            "BatchNormalization", for: node,
            inputs: [
                node.input, graph.constant(node.key + ".weight", dims: c, p.weight), graph.constant(node.key + ".bias", dims: c, p.bias!),
                graph.constant(node.key + ".running_mean", dims: c, p.runningMean!),
                graph.constant(node.key + ".running_var", dims: c, p.runningVariance!),
            ], attributes: [("epsilon", .float(epsilon))])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("batch_norm", [("eps", .float(epsilon))]) }
}

extension BatchNorm {
    /// `nn.BatchNorm2d`: at `eval()` it computes from its running statistics, as here.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.BatchNorm2d(\(node.io.input.channels), eps=\(Python.float(epsilon)))") { "self.\(node.attribute)(\($0))" }
    }
}
