import CKernels

extension Kernels {
    /// One image of a groups = 1 convolution on the channel-tile kernel (`ck_conv_channel_tile_rows`): split by
    /// 32-channel blocks (each thread streams its own weights: ResNet's 7×7 stage reads 4–9 MB per conv), by
    /// output rows when there are too few blocks, by both when fewer than two blocks a thread do not share out
    /// evenly, by (block, row) pairs when more do, and by output rows alone on an image's few input channels (a
    /// stem) whose blocks would share out evenly. `packed`: the
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
        // More blocks than threads that do not share out evenly (GoogLeNet's 3×3s on 14×14: 7 blocks on 2 threads, 3 : 4,
        // the last half empty but computed whole; 9 blocks, 4 : 5) share out block-rows instead: each thread takes a
        // contiguous run of (block, output row) in block-major order, whole blocks and a part of one block's rows (7
        // blocks on 2: blocks 0–2 and rows 0 ..< 7 of block 3, then rows 7 ..< 14 of block 3 and blocks 4–6), so
        // each streams about its share of the weights. 2 threads, one process, 150 alternating calls, minima, against
        // the split by blocks: 96→208 0.88, 112→224 0.95, 144→288 0.92; by rows alone (every thread every block's
        // weights) 0.89–0.98, 0.92–1.03, 0.92–1.01; rows × blocks (a task a block and half the rows) 0.99–1.07. AMD
        // EPYC Zen 4 (family 25 model 17, AVX-512 on a 256-bit datapath), 2 cores shared with other helpers. Where
        // blocks share out evenly, rows alone lost on 28×28 (128→128 1.01, 96→128 1.10–1.14, 128→192 1.08) and
        // measured alike on 56×56 (64→64 0.98–0.99, 64→192 1.01–1.02). Same bits (each value is one tile's sum). In
        // GoogLeNet at 2 threads (quiet host, alternating processes, per-node minima | medians): 4a 0.90 | 0.91, 4b
        // 0.90 | 0.91, 4d 0.93 | 0.93, the network 0.977 | 0.988; at 1 thread nothing changes.
        let shares: [[(rows: Range<Int>, channels: Range<Int>)]]
        if blocks % parts != 0 && blocks >= 2 * parts && g.outHeight >= parts {
            shares = (0..<parts).map { blockRowShare($0, parts: parts, outChannels: g.outChannels, outHeight: g.outHeight) }
        } else {
            let stem = g.inChannels <= 3 && even
            let byChannels = g.outChannels >= 32 * parts && !stem
            let rows = byChannels && even ? [0..<g.outHeight] : split(g.outHeight, parts: parts)
            let channels =
                byChannels ? split(g.outChannels, parts: even ? parts : blocks, alignment: 32) : [0..<g.outChannels]
            shares = (0..<rows.count * channels.count).map { [(rows[$0 % rows.count], channels[$0 / rows.count])] }
        }
        parallelFor(tasks: shares.count, threads: threads) { task in
            for (range, channelRange) in shares[task] {
                ck_conv_channel_tile_rows(
                    desc, input, weight, packed, bias, output, Int32(range.lowerBound), Int32(range.upperBound),
                    Int32(channelRange.lowerBound), Int32(channelRange.upperBound), store)
                finish(channelRange, range.lowerBound * g.outWidth, range.count * g.outWidth)
            }
        }
    }

    /// Share `part` of `parts` of a conv's (32-channel block, output row) pairs, taken in block-major order: the
    /// pieces (rows, channels) it runs, whole blocks on all rows as one piece and a block's part of its rows alone.
    static func blockRowShare(
        _ part: Int, parts: Int, outChannels: Int, outHeight: Int
    ) -> [(rows: Range<Int>, channels: Range<Int>)] {
        let units = (outChannels + 31) / 32 * outHeight, end = units * (part + 1) / parts
        var at = units * part / parts, pieces: [(rows: Range<Int>, channels: Range<Int>)] = []
        while at < end {
            let block = at / outHeight, row = at % outHeight
            if row == 0 && end - at >= outHeight {
                let last = block + (end - at) / outHeight
                pieces.append((0..<outHeight, block * 32..<min(outChannels, last * 32)))
                at = last * outHeight
            } else {
                let stop = min(end, (block + 1) * outHeight)
                pieces.append((row..<row + stop - at, block * 32..<min(outChannels, block * 32 + 32)))
                at = stop
            }
        }
        return pieces
    }

    /// Floats of per-thread scratch the channel-tile kernel takes for `g` when it runs it (0 otherwise), for the
    /// memory budget: the zero-padded input window (every channel, all output rows; a stem's in stride-phase rows of
    /// up to stride − 1 more columns, and 16 floats of slack), the tile scratch (a strip of output rows × 32
    /// channels), one 32-channel weight panel packed on the fly and each tap's input offset.
    static func channelTileScratchFloats(_ g: ConvGeometry) throws(SizeOverflow) -> Int {
        var desc = convDescriptor(g)
        guard g.groups == 1, ck_conv_channel_tiles(&desc) != 0 else { return 0 }
        let windowRows = (g.outHeight - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight + 1
        let windowColumns = (g.outWidth - 1) * g.strideWidth + (g.kernelWidth - 1) * g.dilationWidth + 1
        return try Checked.sum(
            Checked.product(g.inChannels, windowRows, windowColumns + g.strideWidth - 1, of: "its zero-padded input copy"), 16,
            Checked.product(min(g.outHeight, Int(ck_channel_tile_strip_rows(&desc))), g.outWidth, 32, of: "its tile scratch"),
            Checked.product(g.inChannels, g.kernelHeight, g.kernelWidth, 33, of: "its weight panel and tap offsets"),
            of: "its scratch")
    }
}
