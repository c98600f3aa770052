import CKernels
import Dispatch

extension Kernels {
    /// Row-major C (m×n) = op(A) (m×k) · op(B) (k×n), plus C when `accumulate`, plus `rowBias[i]` on row i.
    /// op(X) is X or Xᵀ (`transposeA`/`transposeB`: then A is stored k×m, B n×k). Leading dimensions default
    /// to the packed width. Split over column blocks on `threads` threads. C must not alias A or B.
    public static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int? = nil, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int? = nil, transposeB: Bool = false,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        accumulate: Bool = false, rowBias: UnsafePointer<Float>? = nil,
        threads: Int = KernelThreads.count
    ) {
        // a (m, k) or (k, m), b (k, n) or (n, k) -> c (m, n)
        let lda = lda ?? (transposeA ? m : k), ldb = ldb ?? (transposeB ? k : n), ldc = ldc ?? n
        let columns = split(n, parts: pieces(work: m * n * k, threads: threads), alignment: panelWidth)
        parallelFor(tasks: columns.count, threads: threads) { task in
            let range = columns[task]
            let bStart = transposeB ? b + range.lowerBound * ldb : b + range.lowerBound
            ck_sgemm(
                Int32(m), Int32(range.count), Int32(k), a, Int32(lda), transposeA ? 1 : 0,
                bStart, Int32(ldb), transposeB ? 1 : 0, c + range.lowerBound, Int32(ldc),
                accumulate ? 1 : 0, rowBias)
        }
    }

    /// Floats one thread's GEMM packing panels may take (A: MC_MAX × KC_MAX, B: KC_MAX × NC_MAX), for the memory budget.
    public static let packingScratchFloats = 256 * (144 + 4096)

    /// 2-D convolution with stride, padding (bottom/right implied by the output size), dilation and groups.
    /// A pointwise conv is one GEMM straight on the input; any other is a GEMM whose im2col operand is
    /// gathered panel by panel while packing, so no im2col buffer is ever built.
    /// `packed`, when given, is `weight` packed once by `PackedConvWeights` (used when it fits this thread's
    /// micro-kernel, ignored otherwise), so repeated calls never re-pack the weight.
    /// `batch` images run as one GEMM over all their output positions, in the batch layout (C, N, H, W) → (K, N, OH, OW)
    /// (a batch of one is the single-image layout). A depthwise conv (one input channel per group) runs a direct
    /// kernel instead. `epilogue`, when given, computes the nodes after the conv too, each piece right after the
    /// thread that computed it wrote it (a depthwise conv writes a leading activation in its own loop; in an inference
    /// plan the kernel stores a leading residual add and activation itself, `ConvEpilogue.fusedStore`).
    public static func conv2d(
        _ g: ConvGeometry, batch: Int = 1, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
        packed: PackedConvWeights? = nil, epilogue: ConvEpilogue? = nil, threads: Int = KernelThreads.count
    ) {
        // input (C, N, H, W), weight (K, C/groups, KH, KW) -> output (K, N, OH, OW)
        // Workers run the best micro-kernel; a forced one (tests) holds on the calling thread only.
        if let packed, packed.fits(g), threads == 1 || InstructionSet.current == .best {
            packed.withPanels { panels in
                conv2d(
                    g, images: batch, input: input, weight: weight, packedBase: panels,
                    packedGroupStride: packed.groupStride, packedForChannelTiles: packed.channelTiles, bias: bias,
                    output: output, epilogue: epilogue, threads: threads)
            }
        } else {
            conv2d(
                g, images: batch, input: input, weight: weight, packedBase: nil, packedGroupStride: 0, bias: bias,
                output: output, epilogue: epilogue, threads: threads)
        }
    }

    private static func conv2d(
        _ g: ConvGeometry, images: Int, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        packedBase: UnsafePointer<Float>?, packedGroupStride: Int, packedForChannelTiles: Bool = false,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, epilogue: ConvEpilogue?, threads: Int
    ) {
        // input (C, N, H, W), weight (K, C/groups, KH, KW) -> output (K, N, OH, OW)
        let groups = g.groups, groupIn = g.inChannels / groups, groupOut = g.outChannels / groups
        let inPlane = images * g.inHeight * g.inWidth, outPlane = images * g.outHeight * g.outWidth
        let patch = groupIn * g.kernelHeight * g.kernelWidth
        let plainGEMM = g.isPlainGEMM
        let perGroup = groups >= threads ? 1 : pieces(work: g.macs * images / groups, threads: (threads + groups - 1) / groups)
        var desc = convDescriptor(g)
        // An inference plan's leading add and activation, in place: applied by the kernel as it stores its output
        // (every path but the unpacked pointwise GEMM, which a plan runs only under a forced instruction set), the
        // rest after it. The add's other part may be the output itself where each value is stored once.
        let (store, consumed) =
            plainGEMM && packedBase == nil
            ? (ck_output_epilogue.none, 0)
            : epilogue?.fusedStore(
                inPlaceOf: output, addendMayBeOutput: convStoresAddInPlace(g, packed: packedBase != nil)) ?? (.none, 0)
        // The epilogue's remaining steps on channels `channels`, `count` values from position `start` of each plane.
        func finish(channels: Range<Int>, start: Int, count: Int) {
            guard let epilogue, consumed < epilogue.steps.count else { return }
            epilogue.apply(
                channels: channels, start: start, count: count, planeSize: outPlane, convOutput: output, from: consumed)
        }
        withUnsafePointer(to: &desc) { desc in
            if g.isDepthwise {
                depthwiseConv2d(
                    desc, g, images: images, input: input, weight: weight, bias: bias, output: output,
                    epilogue: epilogue, threads: threads)
                return
            }
            if images == 1 && groups == 1 && ck_conv_channel_tiles(desc) != 0 {
                channelTileConv2d(
                    desc, g, input: input, weight: weight, packed: packedForChannelTiles ? packedBase : nil, bias: bias,
                    output: output, store: store, threads: threads, finish: finish)
                return
            }
            // Panels packed for the channel-tile kernel serve no GEMM: the paths below pack on the fly then.
            let packedBase = packedForChannelTiles ? nil : packedBase
            if images == 1 && !plainGEMM && ck_conv_reads_in_place(desc) != 0 {
                // AVX-512: im2col rows are read in place from zero-padded stride-phase planes of the input rows. Split by output
                // channels (every thread reads the whole input, no piece loses a partial panel: 1.8–1.95× on two
                // cores, against 1.5–1.8× by rows), by output rows when there are too few channels.
                let byChannels = groupOut >= 16 * perGroup
                let rows = byChannels ? [0..<g.outHeight] : split(g.outHeight, parts: perGroup)
                let channels = byChannels ? split(groupOut, parts: perGroup, alignment: 8) : [0..<groupOut]
                let pieces = rows.count * channels.count
                parallelFor(tasks: groups * pieces, threads: threads) { task in
                    let group = task / pieces, piece = task % pieces
                    let range = rows[piece % rows.count], channelRange = channels[piece / rows.count]
                    ck_conv_rows(
                        desc, input + group * groupIn * inPlane, weight + group * groupOut * patch,
                        packedBase.map { $0 + group * packedGroupStride }, bias.map { $0 + group * groupOut },
                        output + group * groupOut * outPlane, Int32(range.lowerBound), Int32(range.upperBound),
                        Int32(channelRange.lowerBound), Int32(channelRange.upperBound),
                        store.advanced(by: group * groupOut * outPlane))
                    let first = group * groupOut + channelRange.lowerBound
                    finish(
                        channels: first..<first + channelRange.count, start: range.lowerBound * g.outWidth,
                        count: range.count * g.outWidth)
                }
                return
            }
            let (channels, columns) = gemmPieces(
                rows: groupOut, columns: outPlane, parts: perGroup,
                finer: packedBase != nil && consumed < (epilogue?.steps.count ?? 0))
            let pieces = channels.count * columns.count
            parallelFor(tasks: groups * pieces, threads: threads) { task in
                let group = task / pieces, piece = task % pieces
                let range = columns[piece % columns.count], channelRange = channels[piece / columns.count]
                let (m0, m1) = (Int32(channelRange.lowerBound), Int32(channelRange.upperBound))
                let groupInput = input + group * groupIn * inPlane
                let groupWeight = weight + group * groupOut * patch
                let groupBias = bias.map { $0 + group * groupOut }
                let groupOutput = output + group * groupOut * outPlane
                let groupPacked = packedBase.map { $0 + group * packedGroupStride }
                if plainGEMM, let groupPacked {
                    ck_sgemm_prepacked(
                        Int32(groupOut), Int32(range.count), Int32(groupIn), groupPacked,
                        groupInput + range.lowerBound, Int32(inPlane), groupOutput + range.lowerBound,
                        Int32(outPlane), groupBias, m0, m1, store.advanced(by: group * groupOut * outPlane + range.lowerBound))
                } else if plainGEMM {
                    ck_sgemm(
                        m1 - m0, Int32(range.count), Int32(groupIn), groupWeight + channelRange.lowerBound * groupIn,
                        Int32(groupIn), 0, groupInput + range.lowerBound, Int32(inPlane), 0,
                        groupOutput + channelRange.lowerBound * outPlane + range.lowerBound, Int32(outPlane), 0,
                        groupBias.map { $0 + channelRange.lowerBound })
                } else {
                    ck_conv_im2col_gemm_batch(
                        desc, Int32(images), groupInput, groupWeight, groupPacked, groupBias, groupOutput,
                        Int32(range.lowerBound), Int32(range.upperBound), m0, m1, store.advanced(by: group * groupOut * outPlane))
                }
                let first = group * groupOut + channelRange.lowerBound
                finish(channels: first..<first + channelRange.count, start: range.lowerBound, count: range.count)
            }
        }
    }

    /// How one group's GEMM output (`rows` channels × `columns` positions) is cut into tasks: into `parts` column
    /// pieces of whole panels, or, when there are channels enough, into `parts` channel pieces where a small map's
    /// panels do not divide evenly among the parts (ResNet's and GoogLeNet's 14×14 maps: 7 panels, the last one
    /// partial, 3 against 4 per thread) or where there are more channels than positions: every column piece
    /// reads the whole weight (K·rows), every channel piece the whole input (K·columns), so the larger of the two
    /// is the one to cut (ResNet-50's 7×7 stage streams MBs of weight for 2 panels of output). `finer` (epilogue
    /// steps follow the kernel's own store, and the weight is packed so more pieces cost no packing) cuts columns
    /// further until a piece's output (512 KB) fits in L2 for those steps. Where the store takes the whole epilogue
    /// (an inference plan's add and ReLU) each piece would only stream the weight again: ResNet-50's strided
    /// shortcuts at 1 thread 0.94–0.98 of the time without the finer cut (AMD EPYC Zen 4 AVX-512, per-node minima
    /// and medians of 6 alternating processes).
    static func gemmPieces(rows: Int, columns: Int, parts: Int, finer: Bool) -> (rows: [Range<Int>], columns: [Range<Int>]) {
        let panelRows = panelHeight, panels = (columns + panelWidth - 1) / panelWidth
        let unevenPanels = panels % parts != 0 && panels < 8 * parts
        if parts > 1 && (unevenPanels || rows > columns) && rows >= 4 * panelRows * parts {
            return (split(rows, parts: parts, alignment: panelRows), [0..<columns])
        }
        let l2Floats = 128 * 1024
        let columnParts = finer ? max(1, (rows * columns / parts + l2Floats - 1) / l2Floats) * parts : parts
        return ([0..<rows], split(columns, parts: columnParts, alignment: panelWidth))
    }

    /// One group of `g` as the C kernels describe it.
    static func convDescriptor(_ g: ConvGeometry) -> ck_conv_desc {
        ck_conv_desc(
            channels: Int32(g.inChannels / g.groups), height: Int32(g.inHeight), width: Int32(g.inWidth),
            outChannels: Int32(g.outChannels / g.groups), outHeight: Int32(g.outHeight), outWidth: Int32(g.outWidth),
            kernelHeight: Int32(g.kernelHeight), kernelWidth: Int32(g.kernelWidth),
            strideHeight: Int32(g.strideHeight), strideWidth: Int32(g.strideWidth),
            padTop: Int32(g.padTop), padLeft: Int32(g.padLeft),
            dilationHeight: Int32(g.dilationHeight), dilationWidth: Int32(g.dilationWidth))
    }

    /// Fully connected layer: output[o] = bias[o] + Σ_i weight[o][i] · input[i]; weight is (out, in) row-major.
    public static func dense(
        inFeatures: Int, outFeatures: Int, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, threads: Int = KernelThreads.count
    ) {
        // input (in), weight (out, in) -> output (out)
        let rows = split(outFeatures, parts: pieces(work: inFeatures * outFeatures, threads: threads))
        parallelFor(tasks: rows.count, threads: threads) { task in
            ck_dense_rows(
                Int32(inFeatures), input, weight, bias, output,
                Int32(rows[task].lowerBound), Int32(rows[task].upperBound))
        }
    }

    /// Lateral connections within a layer: y = z + Mᵀz at every position, i.e. output channel j receives
    /// Σ_i M[i][j]·z_i on top of z_j. `m` is n×n row-major. Output must not alias input.
    public static func lateral(
        channels n: Int, planeSize: Int, m: UnsafePointer<Float>,
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        // input (n, P), m (n, n) -> output (n, P)
        output.update(from: input, count: n * planeSize)
        gemm(
            m: n, n: planeSize, k: n, a: m, transposeA: true, b: input, c: output,
            accumulate: true, threads: threads)
    }

    /// The machine's fp32 peak in GFLOP/s on `threads` threads, from an FMA loop of 12 independent
    /// chains per thread: the best of 6 slices of about `seconds` / 6 each, so a moment when a shared host lends
    /// the cores elsewhere does not lower it (a single 0.3 s run read 126 instead of 240 GFLOP/s on 2 threads).
    public static func peakGFLOPS(threads: Int = KernelThreads.count, seconds: Double = 0.3) -> Double {
        let slices = 6
        var sink: Float = 0
        let probe = 1 << 18
        let probeStart = DispatchTime.now().uptimeNanoseconds
        _ = ck_fma_peak_loop(probe, &sink)
        let probeSeconds = max(Double(DispatchTime.now().uptimeNanoseconds - probeStart) * 1e-9, 1e-6)
        let iterations = max(probe, Int(Double(probe) * seconds / Double(slices) / probeSeconds))
        let workers = max(1, threads)
        var flops = [Double](repeating: 0, count: workers)
        var best = 0.0
        for _ in 0..<slices {
            let start = DispatchTime.now().uptimeNanoseconds
            flops.withUnsafeMutableBufferPointer { flops in
                parallelFor(tasks: workers, threads: workers) { worker in
                    var localSink: Float = 0
                    flops[worker] = ck_fma_peak_loop(iterations, &localSink)
                }
            }
            let elapsed = max(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9, 1e-9)
            best = max(best, flops.reduce(0, +) / elapsed * 1e-9)
        }
        return best
    }

    /// Times `conv2d` on random data: the median of `runs` timed calls after one warm-up, and the GFLOP/s
    /// it implies (2 flops per multiply-accumulate).
    public static func benchmarkConv(
        _ g: ConvGeometry, runs: Int = 20,
        threads: Int = KernelThreads.count
    ) -> (medianSeconds: Double, gflops: Double) {
        var generator = SplitMix64(seed: 42)
        let input = (0..<(g.inChannels * g.inHeight * g.inWidth)).map { _ in generator.nextUnit() * 2 - 1 }
        let weight = (0..<g.weightCount).map { _ in generator.nextUnit() * 2 - 1 }
        let bias = (0..<g.outChannels).map { _ in generator.nextUnit() * 2 - 1 }
        var output = [Float](repeating: 0, count: g.outChannels * g.outHeight * g.outWidth)
        var times: [Double] = []
        output.withUnsafeMutableBufferPointer { output in
            for run in 0...max(runs, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                conv2d(g, input: input, weight: weight, bias: bias, output: output.baseAddress!, threads: threads)
                if run > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9) }
            }
        }
        let median = times.sorted()[times.count / 2]
        return (median, 2 * Double(g.macs) / median * 1e-9)
    }
}

/// A convolution's weight packed once into the row panels the GEMM micro-kernel reads (per group), or into the
/// channel panels of the channel-tile kernel where that runs the conv (`ck_conv_channel_tiles`), so a forward pass
/// multiplies straight from it instead of re-packing the weight on every call.
public struct PackedConvWeights: Sendable {
    /// Every group's packed panels, one after another (`groupStride` floats apart), from `panelsOffset` on.
    let storage: [Float]
    /// Where the panels start in `storage`: for the channel tiles the first cache line (64 bytes) boundary, so no
    /// 32-byte weight load straddles two lines (an array's floats start 16 or 48 bytes into one). Whole networks, 1
    /// thread, 6 alternating processes, per-node minima, AMD EPYC Zen 4 (family 25 model 17): AVX2's 3×3s 0.91–0.98
    /// of their time (GoogLeNet's conv2 0.92, ResNet-50's res2a branch2b 0.94; GoogLeNet 0.96, ResNet-50 0.98 in
    /// all), AVX-512 alike (ResNet-50 1.00). The GEMM's panels lost 2–7 % so aligned and stay where the array puts them.
    let panelsOffset: Int
    let groupStride: Int
    /// The micro-kernel's instruction set at packing time: the panel height depends on it.
    let instructionSet: InstructionSet
    let groups, groupOut, patch: Int
    /// Packed for `ck_conv_channel_tile_rows` (one image at a time) instead of the GEMM.
    let channelTiles: Bool

    /// Packs `weight` (K, C/groups, KH, KW) of the convolution `g` for the micro-kernel this thread uses.
    public init(_ g: ConvGeometry, weight: UnsafePointer<Float>) {
        // weight (K, C/groups·KH·KW) per group -> packed row panels per group
        groups = g.groups
        groupOut = g.outChannels / g.groups
        patch = g.inChannels / g.groups * g.kernelHeight * g.kernelWidth
        instructionSet = .current
        var desc = Kernels.convDescriptor(g)
        let channelTiles = g.groups == 1 && ck_conv_channel_tiles(&desc) != 0
        self.channelTiles = channelTiles
        let stride = Int(
            channelTiles
                ? ck_channel_packed_floats(Int32(groupOut), Int32(patch)) : ck_packed_weight_floats(Int32(groupOut), Int32(patch)))
        groupStride = stride
        let (groups, groupOut, patch) = (groups, groupOut, patch)
        let slack = channelTiles ? 64 / MemoryLayout<Float>.stride - 1 : 0
        var offset = 0
        storage = [Float](unsafeUninitializedCapacity: stride * groups + slack) { buffer, initialized in
            let base = buffer.baseAddress!
            offset = slack == 0 ? 0 : (64 - Int(bitPattern: base) % 64) % 64 / MemoryLayout<Float>.stride
            base.initialize(repeating: 0, count: offset)  // the slack either side of the panels
            (base + offset + stride * groups).initialize(repeating: 0, count: slack - offset)
            for group in 0..<groups {
                let (source, target) = (weight + group * groupOut * patch, base + offset + group * stride)
                if channelTiles {
                    ck_pack_channel_weight(Int32(groupOut), Int32(patch), source, target)
                } else {
                    ck_pack_weight(Int32(groupOut), Int32(patch), source, Int32(patch), target)
                }
            }
            initialized = stride * groups + slack
        }
        panelsOffset = offset
    }

    /// Calls `body` with the first group's panels (the storage is never written after `init`, so it does not move).
    func withPanels<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        storage.withUnsafeBufferPointer { body($0.baseAddress! + panelsOffset) }
    }

    /// True when these panels serve `g` on the calling thread's micro-kernel.
    func fits(_ g: ConvGeometry) -> Bool {
        instructionSet == .current && groups == g.groups && groupOut == g.outChannels / g.groups
            && patch == g.inChannels / g.groups * g.kernelHeight * g.kernelWidth
    }
}
