import CKernels

extension Kernels {
    /// Max pooling with Caffe semantics: window (oy, ox) starts at `oy·stride − padTop`, is clipped to the
    /// input (padding never wins), and windows overhanging the end (ceil mode) are clipped too.
    /// A window that holds no input at all yields 0.
    public static func maxPool2d(
        _ g: PoolGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        // input (C, H, W) -> output (C, OH, OW)
        pool(g, threads: threads) { desc, c0, c1 in ck_max_pool(desc, input, output, Int32(c0), Int32(c1)) }
    }

    /// Average pooling exactly as Caffe's pooling_layer.cpp: the divisor is the window clipped to the padded
    /// input (end = min(start + k, H + padTop)), the sum runs over the window clipped to the real input. With
    /// `g.excludesPadding` the divisor is the count of input values summed (ONNX's `count_include_pad = 0`).
    public static func averagePool2d(
        _ g: PoolGeometry, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, threads: Int = KernelThreads.count
    ) {
        // input (C, H, W) -> output (C, OH, OW)
        pool(g, threads: threads) { desc, c0, c1 in ck_average_pool(desc, input, output, Int32(c0), Int32(c1)) }
    }

    /// Global average pooling: the mean of every channel's plane (the heads of NIN, ResNet-50, SqueezeNet and
    /// MobileNetV2). Four partial sums by index mod 4, then the rest in order (`ck_global_average_pool`).
    public static func globalAveragePool(
        channels: Int, planeSize: Int, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, threads: Int = KernelThreads.count
    ) {
        // input (C, H·W) -> output (C)
        let ranges = split(channels, parts: memoryBoundParts(values: channels * planeSize, threads: threads), alignment: 8)
        parallelFor(tasks: ranges.count, threads: threads) { task in
            ck_global_average_pool(
                input, output, Int32(planeSize), Int32(ranges[task].lowerBound), Int32(ranges[task].upperBound))
        }
    }

    /// Runs `body(desc, c0, c1)` over channel ranges, split across threads when the pool is big enough.
    static func pool(
        _ g: PoolGeometry, threads: Int,
        _ body: (UnsafePointer<ck_pool_desc>, Int, Int) -> Void
    ) {
        var desc = poolDescriptor(g)
        let work = g.channels * (g.outHeight * g.kernelHeight * g.inWidth + g.outHeight * g.outWidth * g.kernelWidth)
        // A pool reads and writes memory without much arithmetic (memoryBoundThreadingFloor). On several threads a
        // stride-1 pool on a map 28 or more wide runs 4 channel pieces a thread, so the thread that starts first takes
        // more of them: GoogLeNet's 3×3/1 inception pools on 28×28 at 2 threads 0.83 | 0.83 of the time (inception-3a,
        // 16 alternating processes, per-node minima | medians, network 0.993 | 0.992; GoogLeNet's 3a 0.91–0.95, 3b
        // 0.83–0.87, 8 processes), AMD EPYC Zen 4 (family 25 model 17), AVX-512, good host (GoogLeNet 16.3 ms at 2
        // threads). Every pool so cut lost: the 3×3/2 ones 1.03–1.08 (SqueezeNet's, GoogLeNet's), 3×3/1 on 14×14
        // 1.02–1.13, NIN's 1.09–1.19.
        let wide = g.strideHeight == 1 && g.outWidth >= 28 && threads > 1  // one thread: one call
        let ranges = split(g.channels, parts: memoryBoundParts(values: work, threads: wide ? 4 * threads : threads))
        withUnsafePointer(to: &desc) { desc in
            parallelFor(tasks: ranges.count, threads: threads) { task in
                body(desc, ranges[task].lowerBound, ranges[task].upperBound)
            }
        }
    }
}

extension Kernels {
    /// `g` as the C kernels describe it.
    static func poolDescriptor(_ g: PoolGeometry) -> ck_pool_desc {
        ck_pool_desc(
            height: Int32(g.inHeight), width: Int32(g.inWidth), outHeight: Int32(g.outHeight),
            outWidth: Int32(g.outWidth), kernelHeight: Int32(g.kernelHeight),
            kernelWidth: Int32(g.kernelWidth), strideHeight: Int32(g.strideHeight),
            strideWidth: Int32(g.strideWidth), padTop: Int32(g.padTop), padLeft: Int32(g.padLeft),
            excludePadding: g.excludesPadding ? 1 : 0)
    }

    /// Floats of per-thread scratch a pool's vector path takes (a row, its edge masks and an average's column
    /// divisors), for the memory budget.
    static func poolScratchFloats(_ g: PoolGeometry) -> Int {
        var desc = poolDescriptor(g)
        return ck_pool_scratch_floats(&desc)
    }
}
