extension Kernels {
    /// Max pooling with Caffe semantics: window (oy, ox) starts at `oy·stride − padTop`, is clipped to the
    /// input (padding never wins), and windows overhanging the end (ceil mode) are clipped too.
    /// A window that holds no input at all yields 0.
    public static func maxPool2d(_ g: PoolGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 threads: Int = KernelThreads.count) {
        // input (C, H, W) -> output (C, OH, OW)
        pool(g, threads: threads) { c in
            let plane = input + c * g.inHeight * g.inWidth
            let out = output + c * g.outHeight * g.outWidth
            for oy in 0..<g.outHeight {
                let y0 = oy * g.strideHeight - g.padTop
                let ys = max(y0, 0)..<min(y0 + g.kernelHeight, g.inHeight)
                for ox in 0..<g.outWidth {
                    let x0 = ox * g.strideWidth - g.padLeft
                    let xs = max(x0, 0)..<min(x0 + g.kernelWidth, g.inWidth)
                    var best = -Float.infinity
                    for y in ys { for x in xs { best = max(best, plane[y * g.inWidth + x]) } }
                    out[oy * g.outWidth + ox] = best == -Float.infinity && (ys.isEmpty || xs.isEmpty) ? 0 : best
                }
            }
        }
    }

    /// Average pooling exactly as Caffe's pooling_layer.cpp: the divisor is the window clipped to the padded
    /// input (end = min(start + k, H + padTop)), the sum runs over the window clipped to the real input.
    public static func averagePool2d(_ g: PoolGeometry, input: UnsafePointer<Float>,
                                     output: UnsafeMutablePointer<Float>, threads: Int = KernelThreads.count) {
        // input (C, H, W) -> output (C, OH, OW)
        pool(g, threads: threads) { c in
            let plane = input + c * g.inHeight * g.inWidth
            let out = output + c * g.outHeight * g.outWidth
            for oy in 0..<g.outHeight {
                let y0 = oy * g.strideHeight - g.padTop
                let yEnd = min(y0 + g.kernelHeight, g.inHeight + g.padTop)
                let ys = max(y0, 0)..<min(yEnd, g.inHeight)
                for ox in 0..<g.outWidth {
                    let x0 = ox * g.strideWidth - g.padLeft
                    let xEnd = min(x0 + g.kernelWidth, g.inWidth + g.padLeft)
                    let xs = max(x0, 0)..<min(xEnd, g.inWidth)
                    let divisor = (yEnd - y0) * (xEnd - x0)
                    var sum: Float = 0
                    for y in ys { for x in xs { sum += plane[y * g.inWidth + x] } }
                    out[oy * g.outWidth + ox] = divisor > 0 ? sum / Float(divisor) : 0
                }
            }
        }
    }

    /// Global average pooling: the mean of every channel's plane (NIN's classifier head).
    public static func globalAveragePool(channels: Int, planeSize: Int, input: UnsafePointer<Float>,
                                         output: UnsafeMutablePointer<Float>) {
        // input (C, H·W) -> output (C)
        for c in 0..<channels {
            let plane = input + c * planeSize
            var partial: (Float, Float, Float, Float) = (0, 0, 0, 0)
            var i = 0
            while i + 4 <= planeSize {
                partial.0 += plane[i]; partial.1 += plane[i + 1]; partial.2 += plane[i + 2]; partial.3 += plane[i + 3]
                i += 4
            }
            var sum = (partial.0 + partial.1) + (partial.2 + partial.3)
            while i < planeSize { sum += plane[i]; i += 1 }
            output[c] = planeSize > 0 ? sum / Float(planeSize) : 0
        }
    }

    /// Runs `body(channel)` for every channel, split across threads when the pool is big enough.
    private static func pool(_ g: PoolGeometry, threads: Int, _ body: (Int) -> Void) {
        let work = g.channels * g.outHeight * g.outWidth * g.kernelHeight * g.kernelWidth
        let ranges = split(g.channels, parts: pieces(work: work, threads: threads))
        parallelFor(tasks: ranges.count, threads: threads) { task in
            for c in ranges[task] { body(c) }
        }
    }
}
