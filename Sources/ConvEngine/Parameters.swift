import Foundation

/// One layer's resolved parameters, in PyTorch layout: conv weight `K × C/groups × KH × KW`, dense `out × in`,
/// lateral `n × n`, batch norm scale (γ) with shift (β) as bias and its running statistics beside.
public struct LayerParameters: Hashable, Sendable {
    public var weight: [Float]
    public var weightShape: [Int]
    public var bias: [Float]?
    /// Batch norm only: the running mean and variance.
    public var runningMean: [Float]?
    public var runningVariance: [Float]?

    public init(weight: [Float], weightShape: [Int], bias: [Float]?, runningMean: [Float]? = nil, runningVariance: [Float]? = nil) {
        self.weight = weight
        self.weightShape = weightShape
        self.bias = bias
        self.runningMean = runningMean
        self.runningVariance = runningVariance
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fully specified PRNG, so the same seed draws the same
/// numbers on every run, platform and Swift version — for weights, synthetic inputs and test data.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    /// This generator as it will be after `draws` more calls of `next()`: SplitMix64's state only ever grows
    /// by a constant, so it can jump ahead, and pieces of one long draw can be made in parallel.
    func skipping(_ draws: Int) -> SplitMix64 {
        var jumped = self
        jumped.state &+= UInt64(draws) &* 0x9E37_79B9_7F4A_7C15
        return jumped
    }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1) from the top 24 bits — exact in Float32.
    public mutating func nextUnit() -> Float { Float(next() >> 40) / Float(1 << 24) }
    /// Uniform in `range` with 53 random bits.
    public mutating func nextUnit(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + Double(next() >> 11) * 0x1p-53 * (range.upperBound - range.lowerBound)
    }
    /// Standard normal by Box–Muller (one value per call, the second discarded for simplicity).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }
}

/// FNV-1a of a string: a stable 64-bit hash (Swift's `hashValue` changes per process).
public func stableHash(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return hash
}

extension Network {
    /// The parameters of the layer at `path`: written out in the preset, read from its weights folder (whose
    /// shapes inference has checked), or drawn from the network's seeded initialiser. Draws are keyed by the node's name, so
    /// inserting a layer elsewhere leaves them unchanged. Returns nil for layers without parameters.
    public func parameters(at path: NodePath, shapes: ShapeTable) -> LayerParameters? {
        guard let node = node(at: path), let layer = node.layer else { return nil }
        let io = shapes.io(at: path)
        guard let parameterShapes = layer.kind.parameterShapes(io) else { return nil }
        if let explicit = layer.kind.explicitParameters(io) { return explicit }
        if let loaded = initialization.loadedWeights[node.name] { return loaded.parameters }
        var rng = SplitMix64(seed: initialization.seed ^ stableHash(node.name))
        return layer.kind.initialParameters(parameterShapes, io: io, scheme: initialization.scheme, rng: &rng)
    }
}

extension LayerParameters {
    /// A weight drawn by `scheme` for `shapes` (He normal or Xavier uniform from the fans), and a zero bias.
    public static func drawn(_ shapes: ParameterShapes, scheme: InitScheme, rng: inout SplitMix64) -> LayerParameters {
        let count = shapes.weightCount
        let weight: [Float]
        switch scheme {
        case .he:
            let std = (2 / Float(max(shapes.fanIn, 1))).squareRoot()
            weight = draw(count, drawsPerValue: 2, rng: &rng) { $0.nextNormal() * std }
        case .xavier:
            let limit = (6 / Float(max(shapes.fanIn + shapes.fanOut, 1))).squareRoot()
            weight = draw(count, drawsPerValue: 1, rng: &rng) { ($0.nextUnit() * 2 - 1) * limit }
        }
        return LayerParameters(
            weight: weight, weightShape: shapes.weight, bias: shapes.bias.map { [Float](repeating: 0, count: $0) })
    }

    /// `count` values of `value(&rng)`, each taking `drawsPerValue` calls of `next()`: pieces of the sequence
    /// are drawn on every kernel thread from generators jumped ahead to their start, so the values are
    /// bit-identical to drawing them one after another (and `rng` ends where that would leave it).
    static func draw(
        _ count: Int, drawsPerValue: Int, rng: inout SplitMix64,
        value: (inout SplitMix64) -> Float
    ) -> [Float] {
        let pieces = Kernels.split(count, parts: max(1, min(64, count / 16_384)))
        let start = rng
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            Kernels.parallelFor(tasks: pieces.count, threads: KernelThreads.count) { piece in
                var generator = start.skipping(pieces[piece].lowerBound * drawsPerValue)
                for i in pieces[piece] { buffer[i] = value(&generator) }
            }
            initialized = count
        }
        rng = start.skipping(count * drawsPerValue)
        return values
    }
}
