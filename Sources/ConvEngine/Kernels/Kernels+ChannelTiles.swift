import CKernels

extension Kernels {
    /// One image of a groups = 1 convolution on the channel-tile kernel (`ck_conv_channel_tile_rows`): split by
    /// 32-channel blocks (each thread streams its own weights: ResNet's 7×7 stage reads 4–9 MB per conv), by
    /// output rows when there are too few blocks. `packed`: the weight in its channel panels, or nil (packed on the fly).
    /// `store` is what the kernel applies as it writes each value (`ConvEpilogue.fusedStore`), `finish(channels, start,
    /// count)` the rest of the epilogue on a piece, as `conv2d`'s other paths do.
    static func channelTileConv2d(
        _ desc: UnsafePointer<ck_conv_desc>, _ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        packed: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
        store: ck_output_epilogue, threads: Int, finish: (_ channels: Range<Int>, _ start: Int, _ count: Int) -> Void
    ) {
        // input (C, H, W), weight (K, C, KH, KW) -> output (K, OH, OW)
        let parts = pieces(work: g.macs, threads: threads)
        let byChannels = g.outChannels >= 32 * parts
        let rows = byChannels ? [0..<g.outHeight] : split(g.outHeight, parts: parts)
        let channels = byChannels ? split(g.outChannels, parts: parts, alignment: 32) : [0..<g.outChannels]
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
    /// output rows × 32 channels) and one 32-channel weight panel packed on the fly.
    static func channelTileScratchFloats(_ g: ConvGeometry) throws(SizeOverflow) -> Int {
        var desc = convDescriptor(g)
        guard g.groups == 1, ck_conv_channel_tiles(&desc) != 0 else { return 0 }
        let windowRows = (g.outHeight - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight + 1
        let windowColumns = (g.outWidth - 1) * g.strideWidth + (g.kernelWidth - 1) * g.dilationWidth + 1
        return try Checked.sum(
            Checked.product(g.inChannels, windowRows, windowColumns, of: "its zero-padded input copy"),
            Checked.product(min(g.outHeight, Int(ck_channel_tile_strip_rows(&desc))), g.outWidth, 32, of: "its tile scratch"),
            Checked.product(g.inChannels, g.kernelHeight, g.kernelWidth, 32, of: "its weight panel"), of: "its scratch")
    }
}
