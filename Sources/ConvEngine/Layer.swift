/// A pair of sizes along height and width (kernel, stride, dilation, padding).
public struct Size2: Hashable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }
    /// A square pair.
    public init(_ both: Int) { self.init(both, both) }
    public var isSquare: Bool { height == width }
    /// "3" for a square pair, "3×5" otherwise.
    public var description: String { isSquare ? "\(height)" : "\(height)×\(width)" }
}

/// Zero padding around a conv or pool input: explicit per side pair, or `same` (output = ⌈input / stride⌉).
public enum Padding: Hashable, Sendable {
    case explicit(Size2)
    case same

    public static let none = Padding.explicit(Size2(0))
}

/// Weights and biases written out by hand (in a preset) instead of drawn from an initialiser.
/// Layout is PyTorch's: conv weight `K × C/groups × KH × KW`, dense weight `out × in`, lateral `n × n`.
public struct ExplicitParameters: Hashable, Sendable {
    public var weights: [Float]
    public var biases: [Float]?
    public init(weights: [Float], biases: [Float]? = nil) {
        self.weights = weights
        self.biases = biases
    }
}

/// A 2-D convolution (cross-correlation, as every framework computes it). A kernel of 1×1 is reported as a 1×1 conv.
public struct Conv: Hashable, Sendable {
    public var outChannels: Int
    public var kernel: Size2
    public var stride = Size2(1)
    public var padding = Padding.none
    public var dilation = Size2(1)
    public var groups = 1
    public var hasBias = true
    /// Hand-written parameters; `nil` draws them from the network's initialiser.
    public var parameters: ExplicitParameters?

    public init(
        outChannels: Int, kernel: Size2, stride: Size2 = Size2(1), padding: Padding = .none,
        dilation: Size2 = Size2(1), groups: Int = 1, hasBias: Bool = true,
        parameters: ExplicitParameters? = nil
    ) {
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.hasBias = hasBias
        self.parameters = parameters
    }

    /// True for the channel-mixing case the note is about: a 1×1 kernel with stride 1 and no padding.
    public var isPointwise: Bool {
        kernel == Size2(1) && stride == Size2(1) && dilation == Size2(1) && padding == .none
    }

    /// The kernel's reach once dilated: `(k − 1)·d + 1` per axis.
    public var effectiveKernel: Size2 {
        Size2((kernel.height - 1) * dilation.height + 1, (kernel.width - 1) * dilation.width + 1)
    }
}

/// Max or average pooling; `ceil` rounding is Caffe's (an extra partial window), `floor` PyTorch's default.
public struct Pool: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case max
        case average = "avg"
    }
    public enum Rounding: String, Hashable, Sendable, CaseIterable { case floor, ceil }

    public var kind: Kind
    public var kernel: Size2
    public var stride: Size2
    public var padding: Size2
    public var rounding: Rounding

    public init(kind: Kind, kernel: Size2, stride: Size2? = nil, padding: Size2 = Size2(0), rounding: Rounding = .floor) {
        self.kind = kind
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.rounding = rounding
    }
}

/// Element-wise non-linearities.
public enum Activation: Hashable, Sendable {
    case relu
    case leakyRelu(slope: Float)
    case sigmoid
    case tanh
}

/// Batch normalisation at inference: `y = γ (x − mean) / √(var + ε) + β`, per channel.
public struct BatchNorm: Hashable, Sendable {
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
    }

    public init(epsilon: Float = 1e-5, statistics: Statistics? = nil) {
        self.epsilon = epsilon
        self.statistics = statistics
    }
}

/// Local response normalisation across channels, Caffe's definition:
/// `y = x / (k + α/n · Σ x²)^β`, the sum over the `n` channels centred on each one.
public struct LocalResponseNorm: Hashable, Sendable {
    public var size = 5
    public var alpha: Float = 1e-4
    public var beta: Float = 0.75
    public var k: Float = 1
    public init(size: Int = 5, alpha: Float = 1e-4, beta: Float = 0.75, k: Float = 1) {
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k
    }
}

/// A fully connected layer over the flattened input: `y = W x + b`, `W` of shape `out × in`.
public struct Dense: Hashable, Sendable {
    public var outFeatures: Int
    public var hasBias = true
    public var parameters: ExplicitParameters?
    public init(outFeatures: Int, hasBias: Bool = true, parameters: ExplicitParameters? = nil) {
        self.outFeatures = outFeatures
        self.hasBias = hasBias
        self.parameters = parameters
    }
}

/// The note's "lateral connections in the same layer": per position `y = z + Mᵀ z`, `M` an `n × n` matrix
/// over the `n` channels of `z`. Stored as `M` row-major (`M[i][j]` scales channel i's input into channel j).
public struct Lateral: Hashable, Sendable {
    public var parameters: ExplicitParameters?
    public init(parameters: ExplicitParameters? = nil) { self.parameters = parameters }
}

/// Every single-step operation a node can hold.
public enum Layer: Hashable, Sendable {
    case conv(Conv)
    case pool(Pool)
    case globalAveragePool
    case activation(Activation)
    case batchNorm(BatchNorm)
    case localResponseNorm(LocalResponseNorm)
    /// Identity at inference; the rate is kept for the record and for export.
    case dropout(rate: Float)
    case flatten
    case dense(Dense)
    case softmax
    case lateral(Lateral)

    /// True for layers whose output is an affine function of their input (conv, dense, lateral, batch norm,
    /// dropout, flatten) — what the fold equivalences may cross.
    public var isAffine: Bool {
        switch self {
        case .conv, .dense, .lateral, .batchNorm, .dropout, .flatten: return true
        case .pool(let pool): return pool.kind == .average
        case .globalAveragePool: return true
        case .activation, .localResponseNorm, .softmax: return false
        }
    }
}
