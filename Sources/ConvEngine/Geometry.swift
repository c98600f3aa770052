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

/// Everything a conv kernel needs to know, resolved against its input shape.
/// input (C, H, W), weight (K, C/groups, KH, KW) -> output (K, OH, OW); bottom/right padding is implied by OH/OW.
public struct ConvGeometry: Hashable, Sendable {
    public var inChannels, inHeight, inWidth: Int
    public var outChannels, outHeight, outWidth: Int
    public var kernelHeight, kernelWidth: Int
    public var strideHeight, strideWidth: Int
    public var padTop, padLeft: Int
    public var dilationHeight, dilationWidth: Int
    public var groups: Int

    public init(
        inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int, outHeight: Int, outWidth: Int,
        kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
        padTop: Int = 0, padLeft: Int = 0, dilationHeight: Int = 1, dilationWidth: Int = 1, groups: Int = 1
    ) {
        self.inChannels = inChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.outChannels = outChannels
        self.outHeight = outHeight
        self.outWidth = outWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padTop = padTop
        self.padLeft = padLeft
        self.dilationHeight = dilationHeight
        self.dilationWidth = dilationWidth
        self.groups = groups
    }

    /// Weight count: K · C/groups · KH · KW.
    public var weightCount: Int { outChannels * (inChannels / groups) * kernelHeight * kernelWidth }
    /// Multiply-accumulates: one per weight per output position.
    public var macs: Int { weightCount * outHeight * outWidth }
    /// A 1×1, stride-1, unpadded, ungrouped-or-grouped conv: a plain GEMM over positions.
    public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1 && padTop == 0 && padLeft == 0
    }
    /// A pointwise conv whose output is its input's size (no rows or columns cut off): one plain GEMM straight on
    /// the input.
    public var isPlainGEMM: Bool { isPointwise && outHeight == inHeight && outWidth == inWidth }
    /// One input channel per group (MobileNet's depthwise convs): run by the direct depthwise kernel.
    public var isDepthwise: Bool { groups > 1 && inChannels == groups }
    /// Whether the GEMM reads this conv's weight, so packing it once pays: every conv but a depthwise one,
    /// whose direct kernel reads the plain weight.
    public var readsPackedWeight: Bool { weightCount > 0 && !isDepthwise }
}

/// Everything a pooling kernel needs, resolved against its input shape.
/// input (C, H, W) -> output (C, OH, OW). Windows may overhang the padded input (ceil rounding);
/// an average divides by the window clipped to the padded input, as Caffe does, or with `excludesPadding` by
/// the input values the window holds.
public struct PoolGeometry: Hashable, Sendable {
    public var channels, inHeight, inWidth: Int
    public var outHeight, outWidth: Int
    public var kernelHeight, kernelWidth: Int
    public var strideHeight, strideWidth: Int
    public var padTop, padLeft: Int
    /// Average only: divide by the input values in the window (ONNX `count_include_pad = 0`).
    public var excludesPadding: Bool

    public init(
        channels: Int, inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int,
        kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, padTop: Int, padLeft: Int,
        excludesPadding: Bool = false
    ) {
        self.excludesPadding = excludesPadding
        self.channels = channels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.outHeight = outHeight
        self.outWidth = outWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padTop = padTop
        self.padLeft = padLeft
    }
}
