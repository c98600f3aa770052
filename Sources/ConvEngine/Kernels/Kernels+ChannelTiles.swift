import CKernels

extension Kernels {
    /// One image of a groups = 1 convolution on the channel-tile kernel (`ck_conv_channel_tile_rows`), its output
    /// shared out among the threads as `channelTileShares` says. `packed`: the weight in its channel panels, or nil
    /// (packed on the fly). `store` is what the kernel applies as it writes each value (`ConvEpilogue.fusedStore`),
    /// `finish(channels, start, count)` the rest of the epilogue on a piece, as `conv2d`'s other paths do.
    static func channelTileConv2d(
        _ desc: UnsafePointer<ck_conv_desc>, _ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        packed: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
        store: ck_output_epilogue, threads: Int, finish: (_ channels: Range<Int>, _ start: Int, _ count: Int) -> Void
    ) {
        // input (C, H, W), weight (K, C, KH, KW) -> output (K, OH, OW)
        let shares = channelTileShares(g, parts: pieces(work: g.macs, threads: threads))
        parallelFor(tasks: shares.count, threads: threads) { task in
            for (range, channelRange) in shares[task] {
                ck_conv_channel_tile_rows(
                    desc, input, weight, packed, bias, output, Int32(range.lowerBound), Int32(range.upperBound),
                    Int32(channelRange.lowerBound), Int32(channelRange.upperBound), store)
                finish(channelRange, range.lowerBound * g.outWidth, range.count * g.outWidth)
            }
        }
    }

    /// The tasks `g`'s output is cut into for `parts` threads, each a list of pieces (output rows, channels) run in
    /// turn: by 32-channel blocks (each thread streams its own weights: ResNet's 7×7 stage reads 4–9 MB per conv), by
    /// output rows when there are too few blocks, by both when fewer than two blocks a thread do not share out
    /// evenly, by (block, row) pairs when more do, by output rows alone on an image's few input channels (a stem)
    /// whose blocks would share out evenly, and by (row, block) pairs on a map taller than 14 whose input window
    /// outweighs its weights (stems included). Each value is one tile's sum whichever way (the same bits).
    static func channelTileShares(_ g: ConvGeometry, parts: Int) -> [[(rows: Range<Int>, channels: Range<Int>)]] {
        let blocks = (g.outChannels + 31) / 32
        // Too few blocks to share out evenly (3 on 2 threads) run each by rows too: 6 equal tasks, not 2 : 1. With
        // more (5 on 2) the rest is smaller than what streaming each block's weights twice costs (MobileNetV2, 2
        // threads, Intel Xeon AVX-512: 576→96 on 14×14 0.86–0.89 of the time; 960→160 on 7×7 1.09–1.12, so not).
        // A stem (at most 3 input channels: its weights at most 3·49·96 floats, its input 150 K) whose blocks share out
        // evenly splits by output rows instead: each thread pads and reads only its band of the input (plus the
        // window's halo) and computes every channel of it, where a split by blocks had each thread pad and read the
        // whole input (ResNet-50's 602 KB). Same bits (each value is one tile's sum either way). 2 threads, AMD EPYC
        // Zen 4 (family 25 model 17, AVX-512 on a 256-bit datapath), whole networks, 8 alternating processes,
        // per-node minima | medians, host quiet (FMA peak 248–255 GFLOP/s before and after): ResNet-50's conv1 0.95 |
        // 0.89 (one process, 200 alternating calls: 0.92–0.96). SqueezeNet's 3 blocks kept rows × blocks: by rows
        // alone its conv1 measured 1.006–1.014 and the pool1 after it 1.05–1.09 (12 processes); a stem on a map taller
        // than 14 now takes row-major pairs (below), which share its 109 rows × 3 blocks out evenly.
        let even = blocks % parts == 0 || blocks >= 2 * parts || g.outHeight < parts
        // A map taller than 14 whose zero-padded input window holds more floats than its weights (every stem) shares out
        // (output row, block) pairs in row-major order: each thread a band of the rows with every block, and the row
        // between the bands by its blocks (55 rows of 2 blocks: rows 0 ..< 27 and row 27's block 0, then row 27's block
        // 1 and rows 28 ..< 55). A split by blocks has each thread pad and read the whole window (ResNet's res3a 3×3/2:
        // 1.7 MB, both threads); by rows each pads and reads its band (plus the halo), the band the GEMM before it
        // wrote on the same core (its column pieces are row bands), but streams every block's weights: so rows where
        // the window is the larger. Whole networks, 2 threads, AMD EPYC Zen 4 (family 25 model 17), 6 alternating
        // processes, per-node minima | medians, host good (GoogLeNet at 2 threads 15.9–16.1 ms before and after), against
        // the split by blocks. AVX-512: ResNet-50's res2 3×3s 0.978–0.987 | 0.983–0.993, res3a's 3×3/2 0.981 | 0.971,
        // the 1×1s around them 0.970–1.003; SqueezeNet's 3×3s on 55×55 0.958–0.989 | 0.948–0.983; GoogLeNet's conv2
        // 0.994 | 0.993 (networks: ResNet-50 1.002 | 0.992, SqueezeNet 0.995 | 0.992, GoogLeNet 0.998 | 0.994). AVX2
        // (`--isa avx2`, 5–6 processes): res2 0.979–0.990 | 0.981–0.985, res3a 0.974 | 0.976, SqueezeNet's 3×3s on 55×55
        // 0.915–0.984 | 0.912–0.985 and its stem 0.994 | 0.998. Where the weights are the
        // larger, rows lost or measured alike: ResNet's 3×3 128→128 on 28×28 (window 115 K floats, weights 147 K)
        // 0.991–1.000 on AVX-512 but 1.013–1.019 on AVX2, GoogLeNet's 3a/3b 0.990–0.996, SqueezeNet's on 27×27
        // 0.992–1.020, NIN's 5×5 96→256 on 16×16 (weights 614 K) 1.005; by rows alone (14 : 13 rows) the 27×27 ones lost
        // 1.02–1.03. SqueezeNet's stem (3→96 7×7/2, 3 blocks; 3 runs, host between good and slow, GoogLeNet at 2 threads
        // 16.1–18.4 ms) against rows × blocks: 0.987–0.990 | 0.984–0.998 (the other stems' rows split the same either
        // way). On 14×14 and 7×7 rows lost (ResNet's res4 3×3s 1.00–1.01 and the 1×1s before them 1.02–1.03, res5's
        // 1.05–1.09: 3 rows against 4, each thread streaming all 9.4 MB of weights).
        let window = channelTileWindow(g)
        if parts > 1 && g.outHeight > 14 && g.inChannels * window.rows * window.columns > g.weightCount {
            return (0..<parts).map {
                pairShare($0, parts: parts, outChannels: g.outChannels, outHeight: g.outHeight, rowMajor: true)
            }
        }
        // More blocks than threads that do not share out evenly (GoogLeNet's 3×3s on 14×14: 7 blocks on 2 threads, 3 : 4,
        // the last half empty but computed whole; 9 blocks, 4 : 5) share out block-rows instead: each thread takes a
        // contiguous run of (block, output row) in block-major order, whole blocks and a part of one block's rows (7
        // blocks on 2: blocks 0–2 and rows 0 ..< 7 of block 3, then rows 7 ..< 14 of block 3 and blocks 4–6), so
        // each streams about its share of the weights. 2 threads, one process, 150 alternating calls, minima, against
        // the split by blocks: 96→208 0.88, 112→224 0.95, 144→288 0.92; by rows alone (every thread every block's
        // weights) 0.89–0.98, 0.92–1.03, 0.92–1.01; rows × blocks (a task a block and half the rows) 0.99–1.07. AMD
        // EPYC Zen 4 (family 25 model 17, AVX-512 on a 256-bit datapath), 2 cores shared with other helpers. Where
        // blocks share out evenly, rows alone lost on 28×28 (128→128 1.01, 96→128 1.10–1.14, 128→192 1.08) and
        // measured alike on 56×56 (64→64 0.98–0.99, 64→192 1.01–1.02), in one process and before wide maps ran K whole
        // (in whole networks since, taller maps whose window outweighs their weights gain by rows: above). Same bits
        // (each value is one tile's sum). In GoogLeNet at 2 threads (quiet host, alternating processes, per-node
        // minima | medians): 4a 0.90 | 0.91, 4b 0.90 | 0.91, 4d 0.93 | 0.93, the network 0.977 | 0.988; at 1 thread
        // nothing changes.
        if blocks % parts != 0 && blocks >= 2 * parts && g.outHeight >= parts {
            return (0..<parts).map {
                pairShare($0, parts: parts, outChannels: g.outChannels, outHeight: g.outHeight, rowMajor: false)
            }
        }
        let stem = g.inChannels <= 3 && even
        let byChannels = g.outChannels >= 32 * parts && !stem
        let rows = byChannels && even ? [0..<g.outHeight] : split(g.outHeight, parts: parts)
        let channels = byChannels ? split(g.outChannels, parts: even ? parts : blocks, alignment: 32) : [0..<g.outChannels]
        return (0..<rows.count * channels.count).map { [(rows[$0 % rows.count], channels[$0 / rows.count])] }
    }

    /// Share `part` of `parts` of a conv's (32-channel block, output row) pairs, taken in block-major order (blocks
    /// whole, then one block's part of the rows) or in row-major order (rows whole, then one row's part of the blocks):
    /// the pieces (rows, channels) it runs, as few as that order allows.
    static func pairShare(
        _ part: Int, parts: Int, outChannels: Int, outHeight: Int, rowMajor: Bool
    ) -> [(rows: Range<Int>, channels: Range<Int>)] {
        let blocks = (outChannels + 31) / 32, inner = rowMajor ? blocks : outHeight
        let units = blocks * outHeight, end = units * (part + 1) / parts
        var at = units * part / parts, pieces: [(rows: Range<Int>, channels: Range<Int>)] = []
        while at < end {
            // outer and inner: (row, block) in row-major order, (block, row) in block-major order
            let outer = at / inner, first = at % inner
            let (outers, inners) =
                first == 0 && end - at >= inner
                ? (outer..<outer + (end - at) / inner, 0..<inner) : (outer..<outer + 1, first..<min(end - outer * inner, inner))
            let (rows, blockRange) = rowMajor ? (outers, inners) : (inners, outers)
            pieces.append((rows, blockRange.lowerBound * 32..<min(outChannels, blockRange.upperBound * 32)))
            at = (outers.upperBound - 1) * inner + inners.upperBound
        }
        return pieces
    }

    /// Rows and columns of the zero-padded input window all of `g`'s output rows read.
    static func channelTileWindow(_ g: ConvGeometry) -> (rows: Int, columns: Int) {
        (
            (g.outHeight - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight + 1,
            (g.outWidth - 1) * g.strideWidth + (g.kernelWidth - 1) * g.dilationWidth + 1
        )
    }

    /// Floats of per-thread scratch the channel-tile kernel takes for `g` when it runs it (0 otherwise), for the
    /// memory budget: the zero-padded input window (every channel, all output rows; a stem's in stride-phase rows of
    /// up to stride − 1 more columns, and 16 floats of slack), the tile scratch (a strip of output rows × 32
    /// channels), one 32-channel weight panel packed on the fly and each tap's input offset.
    static func channelTileScratchFloats(_ g: ConvGeometry) throws(SizeOverflow) -> Int {
        var desc = convDescriptor(g)
        guard g.groups == 1, ck_conv_channel_tiles(&desc) != 0 else { return 0 }
        let (windowRows, windowColumns) = channelTileWindow(g)
        return try Checked.sum(
            Checked.product(g.inChannels, windowRows, windowColumns + g.strideWidth - 1, of: "its zero-padded input copy"), 16,
            Checked.product(min(g.outHeight, Int(ck_channel_tile_strip_rows(&desc))), g.outWidth, 32, of: "its tile scratch"),
            Checked.product(g.inChannels, g.kernelHeight, g.kernelWidth, 33, of: "its weight panel and tap offsets"),
            of: "its scratch")
    }
}
