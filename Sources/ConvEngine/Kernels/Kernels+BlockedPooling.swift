import CKernels

extension Kernels {
    /// Max pooling on the blocked layout (NCHW8c): input (C/8, H, W, 8) → output (C/8, OH, OW, 8), `g.channels` a
    /// multiple of 8, with `maxPool2d`'s Caffe semantics (a window holding no input gives 0) and its vector paths'
    /// bits, NaN included (`ck_blocked_max_pool`). An inference plan keeps its activations blocked through the pool
    /// instead of reordering them to NCHW and back around it.
    public static func blockedMaxPool2d(
        _ g: PoolGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        blockedPool(g, threads: threads) { desc, blocks, rows in
            ck_blocked_max_pool(
                desc, input, output, Int32(blocks.lowerBound), Int32(blocks.upperBound), Int32(rows.lowerBound),
                Int32(rows.upperBound))
        }
    }

    /// Average pooling on the blocked layout as `blockedMaxPool2d`, with `averagePool2d`'s divisor (Caffe's, or the
    /// input values in the window with `g.excludesPadding`) and its vector paths' bits (`ck_blocked_average_pool`).
    public static func blockedAveragePool2d(
        _ g: PoolGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        blockedPool(g, threads: threads) { desc, blocks, rows in
            ck_blocked_average_pool(
                desc, input, output, Int32(blocks.lowerBound), Int32(blocks.upperBound), Int32(rows.lowerBound),
                Int32(rows.upperBound))
        }
    }

    /// Global average pooling of a blocked map (C/8, planeSize, 8) into (C) — a (C, 1, 1) map, the same in both
    /// layouts, so what follows (a dense layer, a 1×1 conv) reads it as it is. `globalAveragePool`'s bits
    /// (`ck_blocked_global_average_pool`); `channels` a multiple of 8. Split by channel blocks.
    public static func blockedGlobalAveragePool(
        channels: Int, planeSize: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        let blocks = split(channels / blockChannels, parts: memoryBoundParts(values: channels * planeSize, threads: threads))
        parallelFor(tasks: blocks.count, threads: threads) { task in
            ck_blocked_global_average_pool(
                input, output, Int32(planeSize), Int32(blocks[task].lowerBound), Int32(blocks[task].upperBound))
        }
    }

    /// Runs `body(desc, blocks, rows)` over ranges of channel blocks, or of output rows when a memory-bound split
    /// (`pool`'s work count) wants more parts than there are blocks: each thread then reads and writes its own
    /// contiguous blocks, where possible (a split that makes a node read what the other core wrote loses).
    static func blockedPool(
        _ g: PoolGeometry, threads: Int, _ body: (UnsafePointer<ck_pool_desc>, Range<Int>, Range<Int>) -> Void
    ) {
        var desc = poolDescriptor(g)
        let work = g.channels * (g.outHeight * g.kernelHeight * g.inWidth + g.outHeight * g.outWidth * g.kernelWidth)
        let parts = memoryBoundParts(values: work, threads: threads), blocks = g.channels / blockChannels
        let byBlocks = blocks >= parts
        let blockRanges = byBlocks ? split(blocks, parts: parts) : [0..<blocks]
        let rowRanges = byBlocks ? [0..<g.outHeight] : split(g.outHeight, parts: parts)
        withUnsafePointer(to: &desc) { desc in
            parallelFor(tasks: blockRanges.count * rowRanges.count, threads: threads) { task in
                body(desc, blockRanges[task / rowRanges.count], rowRanges[task % rowRanges.count])
            }
        }
    }
}
