import CKernels

extension Kernels {
    /// Whether `g` is a depthwise conv (one input and one output channel a group) the blocked layout runs
    /// (`ck_blocked_depthwise_conv`): channels a multiple of 8; any window, stride, padding and dilation.
    static func blockedDepthwiseSupported(_ g: ConvGeometry) -> Bool {
        guard g.groups == g.inChannels, g.outChannels == g.inChannels else { return false }
        var desc = convDescriptor(g)
        return ck_blocked_depthwise_supported(&desc, Int32(g.inChannels)) != 0
    }

    /// A depthwise weight (C, 1, KH, KW) packed (C/8, KH, KW, 8) for `blockedDepthwiseConv2d`: each tap's 8
    /// channels side by side, one vector a tap.
    static func packBlockedDepthwiseWeight(_ g: ConvGeometry, weight: UnsafePointer<Float>) -> [Float] {
        let count = g.inChannels * g.kernelHeight * g.kernelWidth
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            ck_pack_blocked_depthwise_weight(
                Int32(g.inChannels), Int32(g.kernelHeight), Int32(g.kernelWidth), weight, buffer.baseAddress!)
            initialized = count
        }
    }

    /// A depthwise conv on the blocked layout (NCHW8c): input (C/8, H, W, 8) → output (C/8, OH, OW, 8), `packed` from
    /// `packBlockedDepthwiseWeight`, `bias` (C) or nil, `activation` (ReLU, ReLU6 as a clip) applied as each value is
    /// written. The channels are the vector lanes, so every lane works on every map (the planar kernel's 7-wide rows
    /// leave lanes idle and its stride 2 deinterleaves loads). Bias, then taps ky, kx in order with FMAs, padding as
    /// zeros: the planar AVX2/AVX-512 kernel's bits without its affine step (a plan folds the batch norm into weight
    /// and bias). Memory-bound, so split by channel blocks once the values reach `memoryBoundThreadingFloor` (by rows
    /// when there are fewer blocks than threads).
    static func blockedDepthwiseConv2d(
        _ g: ConvGeometry, input: UnsafePointer<Float>, packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, activation: ck_activation, threads: Int = KernelThreads.count
    ) {
        var desc = convDescriptor(g)
        let parts = depthwisePieces(g, images: 1, threads: threads), blocks = g.outChannels / blockChannels
        let byBlocks = blocks >= parts
        let blockRanges = byBlocks ? split(blocks, parts: parts) : [0..<blocks]
        let rowRanges = byBlocks ? [0..<g.outHeight] : split(g.outHeight, parts: parts)
        withUnsafePointer(to: &desc) { desc in
            parallelFor(tasks: blockRanges.count * rowRanges.count, threads: threads) { task in
                let rows = rowRanges[task % rowRanges.count], blockRange = blockRanges[task / rowRanges.count]
                ck_blocked_depthwise_conv(
                    desc, input, packed, bias, output, activation, Int32(blockRange.lowerBound),
                    Int32(blockRange.upperBound), Int32(rows.lowerBound), Int32(rows.upperBound))
            }
        }
    }
}
