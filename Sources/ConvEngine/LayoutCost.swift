/// The inference plan's layout costs in one place: each conv's, pool's and merge's estimated time on the planar and
/// on the blocked layout, and each reorder's, in nanoseconds of one thread — what the automatic plan weighs to pick
/// the blocked steps (`InferencePlanBuilder.blockedSteps`). Deterministic: figures, not timings at plan build, so a
/// network always gets the same plan and the same bits.
///
/// Source of every figure: AVX2 on AMD EPYC Zen 4 family 25 model 17 (AVX-512 masked), 1 thread, `convplay bench P
/// --threads 1 --layout planar|blocked` on nin-cifar10, inception-3a, squeezenet, mobilenet-v2, resnet50 and
/// googlenet, per-node minima of 3 alternating rounds of 10 runs (fourteenth session). When a kernel changes,
/// re-measure and update `blockedShare` (and the planar shares of peak when a planar kernel changes).
enum LayoutCost {
    /// A step that has a blocked kernel.
    enum Work {
        case conv(ConvGeometry)
        /// A pool and its input's shape.
        case pool(BlockedPool, Shape)
        /// A merge: a concat of parts written in place copies nothing, an add is the same loop in both layouts.
        case merge(Merge)
    }

    /// fp32 peak at 1 thread (`convplay bench --peak`: 91.1 GFLOP/s).
    static let peakGFLOPS = 91.1
    /// What a planar pool or depthwise conv moves per second, input read once and output written once (GB/s).
    static let planarPassGBps = 12.0
    /// What a reorder moves per second, read and written: 64 × 56 × 56 in 0.057–0.094 ms (17–28 GB/s).
    static let reorderGBps = 20.0

    /// `work`'s estimated time on each layout, in nanoseconds.
    static func nanoseconds(_ work: Work) -> (planar: Int, blocked: Int) {
        let planar = planarNanoseconds(work)
        return (Int(planar.rounded()), Int((planar * blockedShare(work)).rounded()))
    }

    /// A reorder of a `shape` activation, in nanoseconds: its floats read and written at `reorderGBps`; nothing for a
    /// (C, 1, 1) map, the same floats in both layouts.
    static func reorderNanoseconds(_ shape: Shape) -> Int {
        shape.planeSize > 1 ? Int((Double(shape.elementCount * 8) / reorderGBps).rounded()) : 0
    }

    /// The planar kernels' estimated time: a dense conv's FLOPs at its share of the peak (`planarShareOfPeak`), a
    /// depthwise conv's or pool's input and output bytes at `planarPassGBps`.
    static func planarNanoseconds(_ work: Work) -> Double {
        switch work {
        case .conv(let g) where g.isDepthwise:
            return Double((g.inChannels * g.inHeight * g.inWidth + g.outChannels * g.outHeight * g.outWidth) * 4) / planarPassGBps
        case .conv(let g): return Double(2 * g.macs) / (peakGFLOPS * planarShareOfPeak)
        case .pool(let pool, let shape):
            let out: Int
            switch pool {
            case .max(let g), .average(let g): out = g.channels * g.outHeight * g.outWidth
            case .global: out = shape.channels
            }
            return Double((shape.elementCount + out) * 4) / planarPassGBps
        case .merge: return 0
        }
    }

    /// The planar dense convs' share of the peak: the GEMM's 1×1s 93–95 % and the channel tiles' 3×3s 89–94 % on the
    /// presets' large convs, less on the small maps (`convplay bench resnet50 --threads 1`).
    static let planarShareOfPeak = 0.85

    /// The blocked kernel's time as a share of the planar kernels' (the one table to update when a kernel changes).
    /// Per-conv minima, blocked ÷ planar (AVX2 on AMD EPYC Zen 4 family 25 model 17, AVX-512 masked, 1 thread; k×k,
    /// depthwise and pools: thirteenth session, every conv forced blocked against planar; 1×1s: fourteenth session,
    /// `bench/blocked-conv.sh` on the pointwise kernel `conv_blocked_1x1_avx2.c`):
    /// - k×k (fifteenth session: the next weights prefetched on maps of one band, `conv_blocked_avx2.c`; ResNet-50
    ///   forced blocked against forced planar in one binary, `bench/ab-nodes.py`, 4 alternating processes a side,
    ///   minima, at 1 / 2 threads), stride 1: on 7×7 maps 0.90–0.94 / 0.92–0.97 (ResNet's res5 3×3s), on smaller
    ///   ones 1.15 (NIN-ImageNet's conv4-1024, 384 → 1024 on 6×6, blocked against the planar plan's at 1 thread),
    ///   from 128 channels or more on maps up to 28×28 0.94–1.01 / 0.94–0.97 (res3/res4 3×3s); the rest, narrower
    ///   inputs or wider maps (SqueezeNet's expand3x3 from 16–64, inception's 3×3/5×5 from 96/16, NIN's 5×5,
    ///   ResNet's 64 → 64 on 56×56 0.95–0.96 / 0.94–0.95) 0.90–0.98.
    /// - k×k, stride 2: ResNet's 3×3/2 56 → 28 0.95 / 0.96, 28 → 14 1.02 / 1.02, 14 → 7 0.94 / 0.95.
    /// - 1×1: to at most 24 channels (fewer than the pointwise kernel's 4 blocks: the general kernel) 0.81–0.92;
    ///   the others 0.84–1.02 (ResNet's 0.84–1.00, MobileNetV2's expansions 0.87–1.02, SqueezeNet's expand1x1
    ///   0.94–0.98, NIN's cccp 0.98–1.02, inception's 0.97–0.98), at stride 2 about 0.95–1.04.
    /// - depthwise 0.48–0.87 and windowed max/average pools 0.41–0.93 (same bits as planar), global pools and merges
    ///   alike in both layouts.
    static func blockedShare(_ work: Work) -> Double {
        switch work {
        case .merge, .pool(.global, _): return 1
        case .pool: return 0.7
        case .conv(let g) where g.isDepthwise: return 0.7
        case .conv(let g) where g.isPointwise:
            if g.strideHeight > 1 || g.strideWidth > 1 { return 1.0 }
            return g.outChannels <= 24 ? 0.88 : 0.97
        case .conv(let g):
            if g.strideHeight > 1 || g.strideWidth > 1 { return 0.97 }
            if g.outHeight * g.outWidth < 49 { return 1.15 }
            if g.outHeight * g.outWidth == 49 { return 0.93 }
            return g.inChannels >= 128 && g.outHeight * g.outWidth <= 28 * 28 ? 0.96 : 0.95
        }
    }
}
