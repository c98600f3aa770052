/// Dropout: the identity at inference; in training a seeded mask zeroes a `rate` share of the values.
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

    /// The identity at inference; in training each value is kept with probability 1 − rate and scaled by
    /// 1 / (1 − rate), the mask drawn from the pass's seed.
    public func forward(_ run: LayerRun) {
        guard let seed = run.mode.trainingSeed, rate > 0 else {
            run.output.update(from: run.input, count: run.inputCount)
            return
        }
        scaleByMask(run.input, into: run.output, count: run.inputCount, seed: seed)
    }

    public func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError) {
        graph.add("Identity", for: node, inputs: [node.input])
    }

    public func dumpDescription(_ io: LayerIO) -> DumpDescription { DumpDescription("dropout", [("rate", .float(rate))]) }
}

extension Dropout {
    /// ∂x = ∂y through the same mask and scale as the forward pass (the identity at inference).
    public func backward(_ run: BackwardRun) {
        guard let dx = run.inputGradient else { return }
        guard let seed = run.mode.trainingSeed, rate > 0 else {
            dx.update(from: run.outputGradient, count: run.forward.inputCount)
            return
        }
        scaleByMask(run.outputGradient, into: dx, count: run.forward.inputCount, seed: seed)
    }

    /// The mask of a training pass (1 kept, 0 dropped), in the batch layout.
    public func drawnTensors(_ run: LayerRun) -> [(name: String, values: [Float])] {
        guard let seed = run.mode.trainingSeed, rate > 0 else { return [] }
        return [("mask", mask(count: run.inputCount, seed: seed))]
    }

    /// The training mask for `count` values drawn from `seed`: 1 where a value is kept, 0 where it is dropped.
    /// Value i is kept when the i-th draw of SplitMix64(seed) is at least `rate`, so the mask does not depend on
    /// how the work is split.
    public func mask(count: Int, seed: UInt64) -> [Float] {
        var mask = [Float](repeating: 0, count: count)
        let ones = [Float](repeating: 1, count: count)
        ones.withUnsafeBufferPointer { one in
            mask.withUnsafeMutableBufferPointer { scaleByMask(one.baseAddress!, into: $0.baseAddress!, count: count, seed: seed, scale: 1) }
        }
        return mask
    }

    /// target[i] = source[i] · scale where value i is kept, 0 where it is dropped.
    private func scaleByMask(
        _ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int, seed: UInt64, scale: Float? = nil
    ) {
        let threshold = rate, factor = scale ?? 1 / (1 - rate)
        let start = SplitMix64(seed: seed)
        Kernels.forEachRange(count: count) { range in
            var generator = start.skipping(range.lowerBound)
            for i in range { target[i] = generator.nextUnit() >= threshold ? source[i] * factor : 0 }
        }
    }
}

extension Dropout {
    /// `nn.Dropout`: the identity once the module is in `eval()` mode, as here.
    public func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer {
        PyTorchLayer(module: "nn.Dropout(\(Python.float(rate)))") { "self.\(node.attribute)(\($0))" }
    }
}
