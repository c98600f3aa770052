/// Weights and biases written out by hand (in a preset) instead of drawn from an initialiser.
/// Layout is PyTorch's: conv weight `K × C/groups × KH × KW`, dense weight `out × in`, lateral `n × n`.
public struct ExplicitParameters: Hashable, Sendable {
    public var weights: [Float]
    public var biases: [Float]?
    public init(weights: [Float], biases: [Float]? = nil) {
        self.weights = weights
        self.biases = biases
    }

    /// The full tensors for `shapes`: the written weights, and the written biases or zeros.
    func resolved(_ shapes: ParameterShapes) -> LayerParameters {
        LayerParameters(
            weight: weights, weightShape: shapes.weight,
            bias: shapes.bias.map { count in biases ?? [Float](repeating: 0, count: count) })
    }
}

/// A layer type with a weight, an optional bias, and optionally hand-written values for both (conv, dense).
public protocol WeightedLayer: LayerKind {
    var hasBias: Bool { get set }
    var parameters: ExplicitParameters? { get set }
    /// Output channels or features: the rows of the weight.
    var outputCount: Int { get }
}

extension WeightedLayer {
    /// The `bias`, `weights` and `biases` keys, with the rules that tie them: biases only beside weights, and
    /// only when the layer has a bias.
    static var weightFields: [LayerField<Self>] {
        [
            .bool("bias", \.hasBias, form: "bias"),
            .floats(
                "weights", form: .keepOrDrop("weights"), get: { $0.parameters?.weights },
                set: { layer, values in
                    layer.parameters = values.map { ExplicitParameters(weights: $0, biases: layer.parameters?.biases) }
                }, rows: { $0.outputCount }, checksRows: true),
            .floats(
                "biases", get: { $0.parameters?.biases },
                set: { layer, values in
                    if layer.parameters != nil {
                        layer.parameters?.biases = values
                    } else if let values {
                        layer.parameters = ExplicitParameters(weights: [], biases: values)
                    }
                }, rows: { _ in 1 },
                check: { layer in
                    guard let explicit = layer.parameters, explicit.biases != nil else { return nil }
                    if explicit.weights.isEmpty {
                        return .missing(key: "weights", hint: "\"weights\" as well: biases can only be written together with weights")
                    }
                    return layer.hasBias ? nil : .invalid(key: "biases", value: "given", requirement: "absent when \"bias\" is false")
                }),
        ]
    }

    /// Checks hand-written values against the sizes the layer needs.
    func checkExplicitCounts(_ shapes: ParameterShapes, at site: LayerSite) throws(ShapeError) {
        guard let explicit = parameters else { return }
        let weightCount = try site.values(of: shapes.weight, "its weights")
        if explicit.weights.count != weightCount {
            throw site.wrongCount("weights", expected: weightCount, got: explicit.weights.count)
        }
        if let biases = explicit.biases, biases.count != outputCount {
            throw site.wrongCount("biases", expected: outputCount, got: biases.count)
        }
    }

    public func explicitParameters(_ io: LayerIO) -> LayerParameters? {
        guard let explicit = parameters, let shapes = parameterShapes(io) else { return nil }
        return explicit.resolved(shapes)
    }
}

extension WeightedLayer {
    public func droppingWrittenParameters() -> Self {
        var layer = self
        layer.parameters = nil
        return layer
    }
}
