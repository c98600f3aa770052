import CKernels
import Dispatch

extension Kernels {
    /// A depthwise conv (groups = input channels, each group one input channel) by the direct kernel, split by
    /// output channels: a GEMM with one row per group is all overhead, and the layer is memory-bound.
    static func depthwiseConv2d(
        _ desc: UnsafePointer<ck_conv_desc>, _ g: ConvGeometry, images: Int, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
        epilogue: ConvEpilogue?, threads: Int
    ) {
        // input (C, N, H, W), weight (C·m, 1, KH, KW) -> output (C·m, N, OH, OW)
        let channels = split(g.outChannels, parts: pieces(work: g.macs * images, threads: threads))
        let leading = epilogue?.leadingActivation
        let activation = leading?.0.descriptor ?? ck_activation(kind: CK_ACTIVATION_NONE, minimum: 0, maximum: 0)
        let planeSize = images * g.outHeight * g.outWidth
        parallelFor(tasks: channels.count, threads: threads) { task in
            let range = channels[task]
            ck_depthwise_conv(
                desc, Int32(images), input, weight, bias, output, leading?.1, activation, Int32(range.lowerBound),
                Int32(range.upperBound))
            epilogue?.apply(
                channels: range, start: 0, count: planeSize, planeSize: planeSize, convOutput: output, from: leading == nil ? 0 : 1)
        }
    }
}

extension Kernels {
    /// The memory bandwidth a streaming copy reaches, in GB/s (bytes read plus written), each of `threads`
    /// threads copying its own `floatsPerThread` floats (64 MiB: past the caches), best of three: the limit a
    /// memory-bound kernel (a depthwise conv) is measured against.
    public static func copyBandwidthGBps(threads: Int = KernelThreads.count, floatsPerThread: Int = 16 << 20) -> Double {
        let workers = max(1, threads), total = workers * floatsPerThread
        let source = UnsafeMutableRawPointer.allocate(byteCount: total * 4, alignment: 64).bindMemory(to: Float.self, capacity: total)
        let destination = UnsafeMutableRawPointer.allocate(byteCount: total * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: total)
        defer {
            source.deallocate()
            destination.deallocate()
        }
        source.initialize(repeating: 1, count: total)
        destination.initialize(repeating: 0, count: total)
        var best = 0.0
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            parallelFor(tasks: workers, threads: workers) { worker in
                _ = ck_stream_copy(floatsPerThread, source + worker * floatsPerThread, destination + worker * floatsPerThread)
            }
            let seconds = max(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9, 1e-9)
            best = max(best, Double(total) * 8 / seconds * 1e-9)
        }
        return best
    }
}
