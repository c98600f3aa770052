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

    /// Floats of per-thread scratch `blockedConv2d` takes for `g` at most (a band's partial sums when the input blocks
    /// do not fit one group), for the memory budget (`Conv.workingFloats`) and the plan's figure
    /// (`InferenceMemory.scratchBytes`); none for a depthwise conv or one the blocked kernel does not run.
    static func blockedConvScratchFloats(_ g: ConvGeometry) -> Int {
        guard !g.isDepthwise, blockedConvSupported(g) else { return 0 }
        var desc = convDescriptor(g)
        return ck_blocked_conv_scratch_floats(&desc)
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
    /// `packBlockedWeight`; `store` (addend blocked as the output, then activation) applied as each value is written
    /// (once, after its last input block: the addend may be the output itself). Split among the threads as
    /// `blockedConvPieces` says; every split gives the same bits.
    ///
    /// Where it pays (AVX2 on AMD EPYC Zen 4 family 25 model 17, AVX-512 masked; `bench/blocked-conv.sh`, one process,
    /// 9 alternating rounds, minima; blocked / NCHW `conv2d` time at 1 | 2 threads, the reorders not counted): faster on
    /// the wide 3×3s and 5×5s — ResNet-50's 3×3 64→64 on 56×56 0.95 | 0.91, 3×3/2 128→128 56→28 0.93 | 0.90, NIN's
    /// conv2 5×5 96→192 0.93 | 0.83, inception's 3×3 96→128 on 28×28 0.93 | 0.83 — and on MobileNetV2's narrow 1×1s
    /// (32→16 on 112×112 0.90 | 0.93, 96→24 on 56×56 0.92 | 0.79, 144→32 on 28×28 0.92 | 0.85); alike on the 3×3s on
    /// 28×28 and 14×14 (1.01 | 1.01, 1.03 | 1.00); slower on the 7×7 maps' 3×3s (512→512 1.09 | 1.05). The 1×1s
    /// without padding run on their own kernel (`conv_blocked_1x1_avx2.c`): 0.84–1.02 | 0.68–1.00 of the NCHW GEMM's
    /// time (ResNet-50's 64→256 on 56×56 0.99 | 0.88, 512→128 on 28×28 0.84 | 0.84, 2048→512 on 7×7 0.98 | 0.95).
    static func blockedConv2d(
        _ g: ConvGeometry, input: UnsafePointer<Float>, packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, store: ck_output_epilogue, threads: Int = KernelThreads.count
    ) {
        var desc = convDescriptor(g)
        let (rowRanges, blockRanges) = blockedConvPieces(g, threads: threads)
        withUnsafePointer(to: &desc) { desc in
            parallelFor(tasks: blockRanges.count * rowRanges.count, threads: threads) { task in
                let rows = rowRanges[task % rowRanges.count], blockRange = blockRanges[task / rowRanges.count]
                ck_blocked_conv_rows(
                    desc, input, packed, bias, output, Int32(rows.lowerBound), Int32(rows.upperBound),
                    Int32(blockRange.lowerBound), Int32(blockRange.upperBound), store)
            }
        }
    }

    /// How `blockedConv2d` cuts `g` among `threads` threads: output rows × output-channel blocks, one piece a thread.
    /// By rows where the input is larger than the weights and the map at least 4 rows a piece (each thread reads
    /// its own rows and all of the small weights: the wide maps' 3×3s and 1×1s), else by blocks (each thread
    /// streams its own weights and reads the small input whole: the 14×14 and 7×7 maps), in groups of the kernel's
    /// 4 blocks where they divide evenly.
    static func blockedConvPieces(_ g: ConvGeometry, threads: Int) -> (rows: [Range<Int>], blocks: [Range<Int>]) {
        let parts = pieces(work: g.macs, threads: threads), blocks = g.outChannels / blockChannels
        let inputFloats = g.inChannels * g.inHeight * g.inWidth
        let byRows = blocks < parts || (inputFloats > g.weightCount && g.outHeight >= 4 * parts)
        if byRows { return (split(g.outHeight, parts: parts), [0..<blocks]) }
        return ([0..<g.outHeight], split(blocks, parts: parts, alignment: blocks % (4 * parts) == 0 ? 4 : 1))
    }
}
