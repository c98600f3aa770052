import CKernels

extension Kernels {
    /// Channels a block of the blocked layout (NCHW8c) holds: an inference plan's activations between convs that
    /// all have a blocked kernel are (C/8, H, W, 8).
    public static let blockChannels = Int(CK_BLOCK)

    /// Whether `g` (groups 1) has a blocked-layout kernel (`ck_blocked_conv_rows`).
    static func blockedConvSupported(_ g: ConvGeometry) -> Bool {
        guard g.groups == 1 else { return false }
        var desc = convDescriptor(g)
        return ck_blocked_conv_supported(&desc) != 0
    }

    /// NCHW (channels, positions) → blocked (channels/8, positions, 8); `channels` a multiple of 8.
    public static func toBlocked(
        channels: Int, positions: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        let blocks = split(channels / blockChannels, parts: memoryBoundParts(values: channels * positions, threads: threads))
        parallelFor(tasks: blocks.count, threads: threads) { task in
            ck_to_blocked(Int32(channels), positions, input, output, Int32(blocks[task].lowerBound), Int32(blocks[task].upperBound))
        }
    }

    /// Blocked (channels/8, positions, 8) → NCHW (channels, positions); `channels` a multiple of 8.
    public static func fromBlocked(
        channels: Int, positions: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        let blocks = split(channels / blockChannels, parts: memoryBoundParts(values: channels * positions, threads: threads))
        parallelFor(tasks: blocks.count, threads: threads) { task in
            ck_from_blocked(
                Int32(channels), positions, input, output, Int32(blocks[task].lowerBound), Int32(blocks[task].upperBound))
        }
    }

    /// `weight` (K, C, KH, KW) packed for `blockedConv2d` (`ck_pack_blocked_weight`).
    static func packBlockedWeight(_ g: ConvGeometry, weight: UnsafePointer<Float>) -> [Float] {
        let count = ck_blocked_packed_floats(
            Int32(g.outChannels), Int32(g.inChannels), Int32(g.kernelHeight), Int32(g.kernelWidth))
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            ck_pack_blocked_weight(
                Int32(g.outChannels), Int32(g.inChannels), Int32(g.kernelHeight), Int32(g.kernelWidth), weight,
                buffer.baseAddress!)
            initialized = count
        }
    }

    /// A groups = 1 convolution on blocked input and output (`ck_blocked_conv_rows`), `packed` from
    /// `packBlockedWeight`; `store` (addend blocked as the output, then activation) applied as each value is written.
    /// Split among the threads by output-channel blocks, by rows when there are fewer blocks than threads.
    static func blockedConv2d(
        _ g: ConvGeometry, input: UnsafePointer<Float>, packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, store: ck_output_epilogue, threads: Int = KernelThreads.count
    ) {
        var desc = convDescriptor(g)
        let parts = pieces(work: g.macs, threads: threads), blocks = g.outChannels / blockChannels
        let byBlocks = blocks >= parts
        let blockRanges = byBlocks ? split(blocks, parts: parts) : [0..<blocks]
        let rowRanges = byBlocks ? [0..<g.outHeight] : split(g.outHeight, parts: parts)
        withUnsafePointer(to: &desc) { desc in
            parallelFor(tasks: blockRanges.count * rowRanges.count, threads: threads) { task in
                let rows = rowRanges[task % rowRanges.count], blockRange = blockRanges[task / rowRanges.count]
                ck_blocked_conv_rows(
                    desc, input, packed, bias, output, Int32(rows.lowerBound), Int32(rows.upperBound),
                    Int32(blockRange.lowerBound), Int32(blockRange.upperBound), store)
            }
        }
    }
}
