/// What every layer type provides, in one place per type: its preset schema (keys, defaults, checks, form
/// fields, spec lines), its shape rule, its parameters and cost, its forward kernel and its export. Decoding,
/// encoding, the edit form, the inspector, shape inference, cost, the forward pass and export all ask this,
/// so adding a layer type is its struct, its kernel, its description and its tests — plus one line in
/// `LayerRegistry.kinds`.
public protocol LayerKind: Hashable, Sendable {
    /// The preset type word(s), keys with defaults and checks, form fields and spec lines of this type.
    static var schema: LayerSchema<Self> { get }

    /// The output shape for `input`, or the reason the layer cannot run on it. Field values are already
    /// checked against the schema when this is called.
    func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape

    /// The tensors the layer computes with for this input and output, in PyTorch layout; `nil` for none.
    func parameterShapes(_ io: LayerIO) -> ParameterShapes?

    /// Parameters written out by hand in the preset, resolved to full tensors; `nil` draws them.
    func explicitParameters(_ io: LayerIO) -> LayerParameters?

    /// Parameters drawn from the network's seeded initialiser.
    func initialParameters(_ shapes: ParameterShapes, io: LayerIO, scheme: InitScheme, rng: inout SplitMix64) -> LayerParameters

    /// Multiply-accumulates of one forward pass (the published figures count conv, dense and lateral only).
    /// Plain products fit: shape inference bounds every weight and activation by `SizeLimits.tensorValues`.
    func macs(_ io: LayerIO) -> Int

    /// Floats the kernel needs beyond input, output and parameters, for the memory budget: `kept` stays with
    /// the layer (a conv's packed weight), `perThread` is borrowed by each thread while it runs.
    func workingFloats(_ io: LayerIO) throws(SizeOverflow) -> (kept: Int, perThread: Int)

    /// The window and stride the layer applies to its input, for receptive-field growth.
    func receptiveWindow(_ io: LayerIO) -> (kernel: Size2, stride: Size2)

    /// True when the output is an affine function of the input (what the fold equivalences may cross).
    var isAffine: Bool { get }

    /// This layer as a step a conv before it can compute in its own pass at inference (`Network.epilogueChains`);
    /// nil when it is not one. `parameters` resolves the layer's parameters, for the steps that need them.
    func epilogueOperation(_ parameters: () -> LayerParameters?) -> EpilogueOperation?

    /// True when `forward` computes `run.epilogue` (the nodes after it) in its own pass.
    var computesEpilogue: Bool { get }

    /// `parameters` with a per-output-channel affine map after the layer (y · gain[c] + offset[c]: batch norm with
    /// its running statistics) folded in, so an inference plan computes the map for free; nil when it cannot be.
    func absorbingAffine(gain: [Float], offset: [Float], into parameters: LayerParameters) -> LayerParameters?

    /// True when the output of one image at inference holds the input's values in the input's order (dropout,
    /// flatten): a forward session then shares the input's storage instead of copying it.
    var passesValuesThrough: Bool { get }

    /// Computes the layer on `run.batch` images: reads `run.input`, writes every element of `run.output`, in
    /// `run.mode` (inference, or training: batch statistics and dropout masks).
    func forward(_ run: LayerRun)

    /// The backward pass of `forward` over the same batch: from `run.outputGradient`, writes `run.inputGradient`
    /// (when asked for) and the gradients of the parameters.
    func backward(_ run: BackwardRun)

    /// The parameters as a training forward pass over `run` leaves them, when seeing a batch changes them
    /// (batch norm's running averages); `nil` when it does not.
    func runningUpdate(_ run: LayerRun) -> LayerParameters?

    /// What a training pass over `run` draws at random that an outside tool needs to recompute the layer
    /// (dropout's mask), by name; empty for layers that draw nothing.
    func drawnTensors(_ run: LayerRun) -> [(name: String, values: [Float])]

    /// The layer without the parameters its preset writes out, so that a weights folder (trained ones)
    /// supplies them instead.
    func droppingWrittenParameters() -> Self

    /// Appends the ONNX node(s) that compute this layer to `graph`.
    func exportONNX(_ graph: inout ONNXGraph, _ node: ONNXLayerNode) throws(ExportError)

    /// The PyTorch module and call that compute this layer exactly, for `model.py` (`export --pytorch`).
    func exportPyTorch(_ node: PyTorchLayerNode) throws(ExportError) -> PyTorchLayer

    /// The dump manifest's `type` word and the attributes an independent implementation recomputes it from.
    func dumpDescription(_ io: LayerIO) -> DumpDescription
}

extension LayerKind {
    public func parameterShapes(_ io: LayerIO) -> ParameterShapes? { nil }
    public func explicitParameters(_ io: LayerIO) -> LayerParameters? { nil }
    public func initialParameters(_ shapes: ParameterShapes, io: LayerIO, scheme: InitScheme, rng: inout SplitMix64)
        -> LayerParameters
    {
        LayerParameters.drawn(shapes, scheme: scheme, rng: &rng)
    }
    public func macs(_ io: LayerIO) -> Int { 0 }
    public func workingFloats(_ io: LayerIO) throws(SizeOverflow) -> (kept: Int, perThread: Int) { (0, 0) }
    public func receptiveWindow(_ io: LayerIO) -> (kernel: Size2, stride: Size2) { (Size2(1), Size2(1)) }
    public var isAffine: Bool { false }
    public func epilogueOperation(_ parameters: () -> LayerParameters?) -> EpilogueOperation? { nil }
    public var computesEpilogue: Bool { false }
    public func absorbingAffine(gain: [Float], offset: [Float], into parameters: LayerParameters) -> LayerParameters? { nil }
    public var passesValuesThrough: Bool { false }
    public func runningUpdate(_ run: LayerRun) -> LayerParameters? { nil }
    public func drawnTensors(_ run: LayerRun) -> [(name: String, values: [Float])] { [] }
    public func droppingWrittenParameters() -> Self { self }
}

/// An element-wise non-linearity: the output has the input's shape, each value `activate(x)`.
/// `activate` is the scalar definition (the reference the fast kernel is checked against, and what
/// the equivalences use when they rebuild a network by hand).
public protocol ActivationKind: LayerKind {
    func activate(_ x: Float) -> Float
}

extension ActivationKind {
    public func inferShape(_ input: Shape, at site: LayerSite) throws(ShapeError) -> LayerShape { LayerShape(input) }
}

/// Where a layer sits, for the errors its shape rule throws.
public struct LayerSite: Sendable {
    public var path: NodePath
    public var name: String

    /// An `invalidValue` error naming this layer.
    public func invalid(_ field: String, _ value: String, _ requirement: String) -> ShapeError {
        .invalidValue(path: path, name: name, field: field, value: value, requirement: requirement)
    }

    /// A `parameterCount` error naming this layer.
    public func wrongCount(_ tensor: String, expected: Int, got: Int) -> ShapeError {
        .parameterCount(path: path, name: name, tensor: tensor, expected: expected, got: got)
    }

    /// A `tooLarge` error naming this layer: `quantity` ("its weights") would pass `limit`.
    public func tooLarge(_ quantity: String, limit: Int = SizeLimits.tensorValues) -> ShapeError {
        .tooLarge(path: path, name: name, quantity: quantity, limit: limit)
    }

    /// The number of values in a tensor of shape `dimensions` (`what` names it: "its weights"), checked against
    /// `SizeLimits.tensorValues` without overflowing on the way.
    public func values(of dimensions: [Int], _ what: String) throws(ShapeError) -> Int {
        guard let count = try? Checked.product(dimensions, of: what), count <= SizeLimits.tensorValues else {
            throw tooLarge(what)
        }
        return count
    }
}

/// A layer's output shape and the resolved geometry its kernel needs.
public struct LayerShape: Hashable, Sendable {
    public var output: Shape
    public var geometry: LayerGeometry?
    public init(_ output: Shape, geometry: LayerGeometry? = nil) {
        self.output = output
        self.geometry = geometry
    }
}

/// The resolved window geometry of a conv or a pool.
public enum LayerGeometry: Hashable, Sendable {
    case conv(ConvGeometry)
    case pool(PoolGeometry)

    public var conv: ConvGeometry? { if case .conv(let g) = self { g } else { nil } }
    public var pool: PoolGeometry? { if case .pool(let g) = self { g } else { nil } }
}

/// A layer's input and output shapes with its resolved geometry: what cost, parameters and export read.
public struct LayerIO: Hashable, Sendable {
    public var input: Shape
    public var output: Shape
    public var geometry: LayerGeometry?
    public init(input: Shape, output: Shape, geometry: LayerGeometry? = nil) {
        self.input = input
        self.output = output
        self.geometry = geometry
    }
}

/// The PyTorch shapes of the tensors a layer computes with.
public struct ParameterShapes: Hashable, Sendable {
    /// The weight: conv `K × C/groups × KH × KW`, dense `out × in`, lateral `n × n`, batch norm γ `C`.
    public var weight: [Int]
    /// The bias (batch norm: β) length, `nil` without one.
    public var bias: Int?
    /// Running mean and variance length (batch norm), `nil` for layers without.
    public var runningStatistics: Int?
    public init(weight: [Int], bias: Int?, runningStatistics: Int? = nil, fanIn: Int? = nil, fanOut: Int? = nil) {
        self.weight = weight
        self.bias = bias
        self.runningStatistics = runningStatistics
        self.givenFanIn = fanIn
        self.givenFanOut = fanOut
    }

    /// Fans as given, `nil` to derive them from the weight's dimensions.
    private var givenFanIn, givenFanOut: Int?

    /// Fan-in for He and Xavier draws: C/groups · KH · KW unless given.
    public var fanIn: Int { givenFanIn ?? (weight.count > 1 ? weight[1] * receptive : 1) }
    /// Fan-out for Xavier draws: K · KH · KW unless given.
    public var fanOut: Int { givenFanOut ?? (weight.first ?? 1) * receptive }
    private var receptive: Int { weight.dropFirst(2).reduce(1, *) }

    /// Values in the weight tensor. Computed on demand: shape inference has checked it fits (`LayerSite.values`)
    /// before anything asks, so the plain product cannot overflow.
    public var weightCount: Int { weight.reduce(1, *) }
    /// Learned parameters: weight and bias (running statistics are buffers, not parameters — PyTorch's count).
    public var parameterCount: Int { weightCount + (bias ?? 0) }
}

/// One layer's computation: its input, the output memory to fill, and everything resolved for it. A batch of
/// `batch` images sits channel-major with the batch inside each channel, (C, N, H, W): channel c of image n is
/// the plane at (c·N + n)·H·W. A batch of one is the single image's (C, H, W).
public struct LayerRun {
    public var input: UnsafePointer<Float>
    public var output: UnsafeMutablePointer<Float>
    /// One image's shapes and geometry.
    public var io: LayerIO
    public var parameters: LayerParameters?
    /// The conv weight already packed for the GEMM (nil: packed on the fly).
    public var packedWeight: PackedConvWeights?
    /// Images in the batch.
    public var batch = 1
    public var mode = ForwardMode.inference
    /// The nodes after this one it computes in its own pass, for a layer that `computesEpilogue` (nil: none).
    public var epilogue: ConvEpilogue?
}

/// What a dump's manifest says about a layer: its type word and the attributes that recompute it.
public struct DumpDescription {
    public var type: String
    public var attributes: [(String, JSONValue)]
    public init(_ type: String, _ attributes: [(String, JSONValue)] = []) {
        self.type = type
        self.attributes = attributes
    }
}

/// One node of the network holding a single layer of any kind. A value: equal when the kinds are equal.
public struct Layer: Hashable, Sendable {
    /// The layer itself.
    public let kind: any LayerKind

    public init(_ kind: some LayerKind) { self.kind = kind }

    /// The layer as type `K`, or `nil` when it is another kind.
    public func `as`<K: LayerKind>(_ type: K.Type) -> K? { kind as? K }

    /// True when the layer is of kind `K`.
    public func `is`<K: LayerKind>(_ type: K.Type) -> Bool { kind is K }

    /// The layer as an element-wise activation, or `nil`.
    public var activation: (any ActivationKind)? { kind as? any ActivationKind }

    public static func == (a: Layer, b: Layer) -> Bool { AnyHashable(a.kind) == AnyHashable(b.kind) }
    public func hash(into hasher: inout Hasher) { hasher.combine(AnyHashable(kind)) }

    /// The preset's `type` word: "conv", "maxpool", "relu", …
    public var typeName: String { kind.typeName }
    /// A compact one-line spec, the same in the layer stack and `convplay summary`: "conv 5×5/1 p2 → 192".
    public var specText: String { kind.spec }
    /// Every setting spelled out, for the inspector: "conv 3×3 · stride 1 · pad 1".
    public var detailText: String { kind.details }
    /// True for layers whose output is an affine function of their input.
    public var isAffine: Bool { kind.isAffine }
}

extension Node {
    /// A node holding `kind` under `name`.
    public init(_ name: String, _ kind: some LayerKind) { self.init(name, Layer(kind)) }
}
