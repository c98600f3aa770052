import CKernels

extension Kernels {
    /// One image of a groups = 1 convolution on the channel-tile kernel (`ck_conv_channel_tile_rows`): split by
    /// 32-channel blocks (each thread streams its own weights: ResNet's 7×7 stage reads 4–9 MB per conv), by
    /// output rows when there are too few blocks, by both when the blocks do not share out evenly, and by output
    /// rows alone on an image's few input channels (a stem) whose blocks would share out evenly. `packed`: the
    /// weight in its channel panels, or nil (packed on the fly). `store` is what the kernel applies as it writes each
    /// value (`ConvEpilogue.fusedStore`), `finish(channels, start, count)` the rest of the epilogue on a piece, as
    /// `conv2d`'s other paths do.
    static func channelTileConv2d(
        _ desc: UnsafePointer<ck_conv_desc>, _ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        packed: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
        store: ck_output_epilogue, threads: Int, finish: (_ channels: Range<Int>, _ start: Int, _ count: Int) -> Void
    ) {
        // input (C, H, W), weight (K, C, KH, KW) -> output (K, OH, OW)
        let parts = pieces(work: g.macs, threads: threads), blocks = (g.outChannels + 31) / 32
        // Too few blocks to share out evenly (3 on 2 threads) run each by rows too: 6 equal tasks, not 2 : 1. With
        // more (5 on 2) the rest is smaller than what streaming each block's weights twice costs (MobileNetV2, 2
        // threads, Intel Xeon AVX-512: 576→96 on 14×14 0.86–0.89 of the time; 960→160 on 7×7 1.09–1.12, so not).
        // A stem (at most 3 input channels: its weights at most 3·49·96 floats, its input 150 K) whose blocks share out
        // evenly splits by output rows instead: each thread pads and reads only its band of the input (plus the
        // window's halo) and computes every channel of it, where a split by blocks had each thread pad and read the
        // whole input (ResNet-50's 602 KB). Same bits (each value is one tile's sum either way). 2 threads, AMD EPYC
        // Zen 4 (family 25 model 17, AVX-512 on a 256-bit datapath), whole networks, 8 alternating processes,
        // per-node minima | medians, host quiet (FMA peak 248–255 GFLOP/s before and after): ResNet-50's conv1 0.95 |
        // 0.89 (one process, 200 alternating calls: 0.92–0.96). SqueezeNet's 3 blocks keep rows × blocks: by rows
        // alone its conv1 measured 1.006–1.014 and the pool1 after it 1.05–1.09 (12 processes).
        let even = blocks % parts == 0 || blocks >= 2 * parts || g.outHeight < parts
        let stem = g.inChannels <= 3 && even
        let byChannels = g.outChannels >= 32 * parts && !stem
        let rows = byChannels && even ? [0..<g.outHeight] : split(g.outHeight, parts: parts)
        let channels = byChannels ? split(g.outChannels, parts: even ? parts : blocks, alignment: 32) : [0..<g.outChannels]
        parallelFor(tasks: rows.count * channels.count, threads: threads) { task in
            let range = rows[task % rows.count], channelRange = channels[task / rows.count]
            ck_conv_channel_tile_rows(
                desc, input, weight, packed, bias, output, Int32(range.lowerBound), Int32(range.upperBound),
                Int32(channelRange.lowerBound), Int32(channelRange.upperBound), store)
            finish(channelRange, range.lowerBound * g.outWidth, range.count * g.outWidth)
        }
    }

    /// Floats of per-thread scratch the channel-tile kernel takes for `g` when it runs it (0 otherwise), for the
    /// memory budget: the zero-padded input window (every channel, all output rows), the tile scratch (a strip of
    /// output rows × 32 channels), one 32-channel weight panel packed on the fly and each tap's input offset.
    static func channelTileScratchFloats(_ g: ConvGeometry) throws(SizeOverflow) -> Int {
        var desc = convDescriptor(g)
        guard g.groups == 1, ck_conv_channel_tiles(&desc) != 0 else { return 0 }
        let windowRows = (g.outHeight - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight + 1
        let windowColumns = (g.outWidth - 1) * g.strideWidth + (g.kernelWidth - 1) * g.dilationWidth + 1
        return try Checked.sum(
            Checked.product(g.inChannels, windowRows, windowColumns, of: "its zero-padded input copy"),
            Checked.product(min(g.outHeight, Int(ck_channel_tile_strip_rows(&desc))), g.outWidth, 32, of: "its tile scratch"),
            Checked.product(g.inChannels, g.kernelHeight, g.kernelWidth, 33, of: "its weight panel and tap offsets"),
            of: "its scratch")
    }
}
