import CKernels
import Dispatch

extension Kernels {
    /// A depthwise conv (groups = input channels, each group one input channel) by the direct kernel, split by
    /// output channels: a GEMM with one row per group is all overhead, and the layer is memory-bound. The
    /// epilogue's leading batch norm and activation are written by the kernel in its own pass; any steps after
    /// them run a few channels at a time, right after the kernel wrote them (still in cache).
    static func depthwiseConv2d(
        _ desc: UnsafePointer<ck_conv_desc>, _ g: ConvGeometry, images: Int, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
        epilogue: ConvEpilogue?, threads: Int
    ) {
        // input (C, N, H, W), weight (C·m, 1, KH, KW) -> output (C·m, N, OH, OW)
        let channels = split(g.outChannels, parts: depthwisePieces(g, images: images, threads: threads))
        let fused = DepthwiseFusion(epilogue)
        let planeSize = images * g.outHeight * g.outWidth
        let stepsLeft = (epilogue?.steps.count ?? 0) > fused.steps
        let piece = stepsLeft ? max(1, (8 << 10) / max(1, planeSize)) : g.outChannels  // about 32 KB of output
        withOptionalPointer(fused.gain) { gain in
            withOptionalPointer(fused.offset) { offset in
                parallelFor(tasks: channels.count, threads: threads) { task in
                    for start in stride(from: channels[task].lowerBound, to: channels[task].upperBound, by: piece) {
                        let range = start..<min(start + piece, channels[task].upperBound)
                        ck_depthwise_conv(
                            desc, Int32(images), input, weight, bias, output, gain, offset, fused.affined, fused.activated,
                            fused.activation, Int32(range.lowerBound), Int32(range.upperBound))
                        if stepsLeft {
                            epilogue?.apply(
                                channels: range, start: 0, count: planeSize, planeSize: planeSize, convOutput: output,
                                from: fused.steps)
                        }
                    }
                }
            }
        }
    }
}

extension Kernels {
    /// The channel pieces a depthwise conv is cut into: one a thread once the values it reads and writes reach
    /// `memoryBoundThreadingFloor`, as the other memory-bound loops. By its multiply-adds (`pieces`, 1 << 18)
    /// MobileNetV2's block6_1 (576 channels, 14×14 → 7×7, 254 K) ran on one thread, reading the 1×1 expand's
    /// output, half of which the other core had just written: at 2 threads it took 0.103 ms against 0.057 at 1
    /// (AMD EPYC Zen 4, family 25 model 17, AVX2, `convplay bench mobilenet-v2`).
    static func depthwisePieces(_ g: ConvGeometry, images: Int, threads: Int) -> Int {
        let values = images * (g.inChannels * g.inHeight * g.inWidth + g.outChannels * g.outHeight * g.outWidth)
        return memoryBoundParts(values: values, threads: max(1, threads))
    }

    /// Floats of per-thread scratch the depthwise kernel takes (a zero row and its edge masks), for the memory budget.
    static func depthwiseScratchFloats(_ g: ConvGeometry) -> Int {
        var desc = convDescriptor(g)
        return ck_depthwise_scratch_floats(&desc)
    }
}

/// The leading epilogue steps the depthwise kernel writes in its own pass: a batch norm's affine map, then an
/// activation (either alone, or neither).
private struct DepthwiseFusion {
    var steps = 0
    var gain: [Float]?, offset: [Float]?
    var affined: UnsafeMutablePointer<Float>?, activated: UnsafeMutablePointer<Float>?
    var activation = ck_activation.none

    init(_ epilogue: ConvEpilogue?) {
        guard let steps = epilogue?.steps else { return }
        if let first = steps.first, case .affine(let gain, let offset) = first.operation {
            (self.gain, self.offset, affined) = (gain, offset, first.output)
            self.steps = 1
        }
        if self.steps < steps.count, case .activation(let activation) = steps[self.steps].operation {
            (self.activation, activated) = (activation.descriptor, steps[self.steps].output)
            self.steps += 1
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
