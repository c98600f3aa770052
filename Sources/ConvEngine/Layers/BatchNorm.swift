/// Batch normalisation: `y = γ (x − mean) / √(var + ε) + β`, per channel, with the running statistics at
/// inference and the batch's own in training (which also update the running ones, as PyTorch does).
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

    /// Normalises by the running statistics at inference, by the batch's own in training.
    public func forward(_ run: LayerRun) {
        let p = run.parameters!
        let (mean, variance) = run.mode == .inference ? (p.runningMean!, p.runningVariance!) : Self.batchStatistics(run)
        Kernels.batchNorm(
            channels: run.io.input.channels, planeSize: run.inputPositions, mean: mean, variance: variance,
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
    /// PyTorch's default: each training batch moves the running statistics 10 % of the way to its own.
    public static let momentum: Float = 0.1

    /// The running mean and variance moved towards the batch's (the variance unbiased, as PyTorch keeps it).
    public func runningUpdate(_ run: LayerRun) -> LayerParameters? {
        guard run.mode != .inference, var p = run.parameters else { return nil }
        let (mean, variance) = Self.batchStatistics(run)
        let count = Float(run.inputPositions), unbiased = count > 1 ? count / (count - 1) : 1
        for c in mean.indices {
            p.runningMean![c] += Self.momentum * (mean[c] - p.runningMean![c])
            p.runningVariance![c] += Self.momentum * (variance[c] * unbiased - p.runningVariance![c])
        }
        return p
    }

    /// With x̂ = (x − μ)/σ: ∂β = Σ ∂y, ∂γ = Σ ∂y · x̂, and ∂x = γ/σ · ∂y at inference, or in training (μ and σ
    /// the batch's, so they depend on x too) γ/σ · (∂y − ∂β/m − x̂ · ∂γ/m) over the m values of a channel.
    public func backward(_ run: BackwardRun) {
        let p = run.parameters!, channels = run.io.input.channels, m = run.inputPositions
        let training = run.mode != .inference
        let (mean, variance) = training ? Self.batchStatistics(run.forward) : (p.runningMean!, p.runningVariance!)
        let x = run.input, dy = run.outputGradient, dx = run.inputGradient
        let epsilon = epsilon
        var gammaGradient = [Float](repeating: 0, count: channels), betaGradient = gammaGradient
        gammaGradient.withUnsafeMutableBufferPointer { dGamma in
            betaGradient.withUnsafeMutableBufferPointer { dBeta in
                Kernels.parallelFor(tasks: channels, threads: m * channels < 1 << 16 ? 1 : KernelThreads.count) { c in
                    let base = c * m, mu = Double(mean[c]), inverse = 1 / (Double(variance[c]) + Double(epsilon)).squareRoot()
                    var sumDy = 0.0, sumDyXhat = 0.0
                    for i in 0..<m {
                        sumDy += Double(dy[base + i])
                        sumDyXhat += Double(dy[base + i]) * (Double(x[base + i]) - mu) * inverse
                    }
                    dBeta[c] = Float(sumDy)
                    dGamma[c] = Float(sumDyXhat)
                    guard let dx else { return }
                    let gain = Double(p.weight[c]) * inverse
                    if training {
                        let meanDy = sumDy / Double(m), meanDyXhat = sumDyXhat / Double(m)
                        for i in 0..<m {
                            let xhat = (Double(x[base + i]) - mu) * inverse
                            dx[base + i] = Float(gain * (Double(dy[base + i]) - meanDy - xhat * meanDyXhat))
                        }
                    } else {
                        for i in 0..<m { dx[base + i] = Float(gain * Double(dy[base + i])) }
                    }
                }
            }
        }
        run.weightGradient?.update(from: gammaGradient, count: channels)
        run.biasGradient?.update(from: betaGradient, count: channels)
    }

    /// Each channel's mean and (biased) variance over the batch's N·H·W values, summed in Double.
    static func batchStatistics(_ run: LayerRun) -> (mean: [Float], variance: [Float]) {
        let channels = run.io.input.channels, m = run.inputPositions, x = run.input
        var mean = [Float](repeating: 0, count: channels), variance = mean
        mean.withUnsafeMutableBufferPointer { means in
            variance.withUnsafeMutableBufferPointer { variances in
                Kernels.parallelFor(tasks: channels, threads: m * channels < 1 << 16 ? 1 : KernelThreads.count) { c in
                    var sum = 0.0
                    for i in 0..<m { sum += Double(x[c * m + i]) }
                    let mu = sum / Double(max(m, 1))
                    var squares = 0.0
                    for i in 0..<m { squares += (Double(x[c * m + i]) - mu) * (Double(x[c * m + i]) - mu) }
                    means[c] = Float(mu)
                    variances[c] = Float(squares / Double(max(m, 1)))
                }
            }
        }
        return (mean, variance)
    }
}

extension BatchNorm {
    public func droppingWrittenParameters() -> Self {
        var layer = self
        layer.statistics = nil
        return layer
    }
}

extension BatchNorm {
    /// `nn.BatchNorm2d`: at `eval()` it computes from its running statistics, as here.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.BatchNorm2d(\(node.io.input.channels), eps=\(Python.float(epsilon)))") { "self.\(node.attribute)(\($0))" }
    }
}
