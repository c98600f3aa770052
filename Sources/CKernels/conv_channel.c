// Direct convolution with channel-major register tiles (AVX-512; AVX2's tiles in conv_channel_avx2.c): vectors run
// along 32 output channels, each input value is broadcast, so a 7×7 map computes 49 positions and no junk columns,
// and a wide map rows of 14-position tiles.
#include "conv_channel.h"
#include <stdlib.h>
#include <string.h>

// A tile's 32 output channels are two zmm vectors, its at most 14 positions 28 accumulators (CT_BLOCK, CT_TILE in
// conv_channel.h; on AVX2, conv_channel_avx2.c's chunks of them). The K block whose 32-channel weight panel (16 KB)
// stays in L1 next to the input it meets while every tile of the rows reads it (128: 2–4 % faster than 256 on the
// 7×7 3×3 convs on an Intel Xeon; 64 no better; on AMD Zen 4, AVX-512 runs blocks of up to CT_KC512, see the driver).
// Output rows run in strips of at most CT_STRIP positions whose input rows (every channel) take at most
// CT_STRIP_INPUT floats (1 MB), each strip through every channel panel and K block before the next, so its tile
// scratch (256 KB) and the input it reads stay in L2 (a 112×112 stem's whole map would be 1.6 MB of scratch). Strips
// of 1024 positions or whole maps measured alike on 56×56 3×3 convs; a 512 KB input budget lost 2–8 % on 1×1 ones.
// A K of at most CT_KC_WHOLE is one block (the stems' 147). Each tap also prefetches the input CT_AHEAD positions on
// (two tiles later in its row, or, in a 1×1 conv, the next tiles' values of its channel: 1×1 256→64 on 56×56 1.36 →
// 1.03 of the GEMM's time, 512→128 on 28×28 1.11 → 0.95).
// Small maps with deep K (`bench/ckab.sh`, one process, 1 thread, Intel Xeon AVX-512, peak ~183 GFLOP/s): ResNet's 3×3
// 512→512 on 7×7 runs 4 tiles a K block (14 + 14 + 14 + 7 positions) at ~155–163 GFLOP/s with its 9.4 MB of weights
// in L3 (as fast as reading one K block's weights over and over) and ~130–140 streaming them from memory, as in a
// whole network; 256→256 on 14×14 ~160. The 7-position tile runs at ~0.8 of the 14-position ones' rate.
// Tiles of 64 channels (two panels, 4 weight vectors and 6 broadcasts a tap for 24 FMAs, each input value read once
// for 64 channels) lost (`bench/ckab.sh`, one process, 21–25 alternating calls, minima, 1 thread, AMD EPYC Zen 4, family
// 25 model 17, AVX-512 on a 256-bit datapath, 2 cores shared with other helpers' builds; same bits): ResNet's 3×3s
// 1.006–1.020 of these tiles' time, GoogLeNet's 1.003–1.029, SqueezeNet's 1.006–1.033, in K blocks of 64 or 128
// alike; 64 × 7 (28 accumulators, 4 weights and a broadcast: 33 registers) spilled accumulators, 1.04–1.13. The FMA
// loop is not what the tiles lack: alone in L1, 32 × 14, 32 × 12, 64 × 6 and 64 × 7 all run 117–118 GFLOP/s, the
// core's FMA peak (118.2 from 12 independent chains; `ck_fma_peak_loop` read 129 there until clang could no longer
// fold a chain that started at 1.0, a fixed point of x · 0.999999 + 1e-6), and the tiles run ResNet's 3×3s at 109–112 (93–95 % of it),
// the rest, by perf on 64→64 on 56×56, in the padding copy (2–2.5 % of the time), the write-out (1.4–2 %), the loop
// around the tiles (1 %) and each tile's accumulator loads and stores and prefetches (about 2 %). Since a wide map
// runs K whole (CT_KC_WIDE, in the driver) and the tap offsets come without divisions, perf (cpu-clock samples,
// `bench/ckab.sh` cold, same CPU) on 64→64 on 56×56 (2.06 ms, 112 GFLOP/s, 95.5 % of the peak): the tile function
// 96.8 % of the time (so ~99 % of the peak while it runs), the padding copy 2.0 %, the write-out 1.1 %, the driver
// 0.2 %; on the 3×3/2 128→128 56→28, whose padded window (1.7 MB) outgrows L2, the copy 3.6 %. Reading the inner
// row segments in place instead of the copy lost (see the driver): what the copy costs is bringing the input's
// lines in, which any reading of them pays.
enum {
    CT_KC = 128,
    CT_KC512 = 512,
    CT_KC_WIDE = 1152,
    CT_KC2_WIDE = 160,
    CT_KC_WHOLE = 160,
    CT_STRIP = 2048,
    CT_STRIP_INPUT = 256 * 1024,
    CT_AHEAD = 28,
    CT2_ONE_BLOCK_STRIP = 8
};

size_t ck_channel_packed_floats(int M, int K) {
    // weight (M, K) -> its channel panels' size in floats
    return (size_t)(M + CT_BLOCK - 1) / CT_BLOCK * CT_BLOCK * (size_t)(K > 0 ? K : 0);
}

// Rows b·32 ..< b·32 + 32 of A (M, K) row-major -> one panel (K, 32), zero columns past M.
static void pack_channel_panel(int M, int K, const float *A, int b, float *dst) {
    for (int k = 0; k < K; k++)
        for (int j = 0; j < CT_BLOCK; j++) {
            const int m = b * CT_BLOCK + j;
            dst[(size_t)k * CT_BLOCK + j] = m < M ? A[(size_t)m * K + k] : 0.0f;
        }
}

void ck_pack_channel_weight(int M, int K, const float *A, float *dst) {
    // A (M, K) row-major -> panels (ceil(M/32), K, 32)
    for (int b = 0; b * CT_BLOCK < M; b++) pack_channel_panel(M, K, A, b, dst + (size_t)b * K * CT_BLOCK);
}

int ck_channel_tile_strip_rows(const ck_conv_desc *g) {
    // geometry -> rows of a strip: CT_STRIP positions at most and input rows of CT_STRIP_INPUT floats (every channel)
    // at most, or one row (two, for maps two rows a tile)
    const long row_floats = (long)g->channels * g->strideHeight * ct_window_of(g, 0, 1).vw;
    long rows = CT_STRIP / g->outWidth;
    if (rows > CT_STRIP_INPUT / row_floats) rows = CT_STRIP_INPUT / row_floats;
    const int least = g->outWidth <= CT_TILE / 2 ? 2 : 1;
    return rows < least ? least : (int)(least == 2 ? rows / 2 * 2 : rows);
}

// Whether ck_conv_channel_tile_rows runs `g` as rows of position vectors (pr_rows): a stem on a map wider than a
// channel tile's row segment, its K one block, at column stride 1 or 2.
static int pr_stem(const ck_conv_desc *g) {
    const int K = g->channels * g->kernelHeight * g->kernelWidth;
    return g->channels <= 3 && g->outWidth > CT_TILE && g->strideWidth <= 2 && K <= ck_k_block(K);
}

// Whether AVX2 runs `g` as rows of position vectors (conv_stem_avx2.c): pr_stem's convs to K 147. Whole networks, 1
// thread, AVX2 forced on AMD EPYC Zen 4 (family 25 model 17), 5–8 alternating processes, per-node minima, load 4–7:
// MobileNetV2's 3×3/2 3→32 (K 27) 0.79–0.84 of the AVX2 channel tiles' time, NIN-CIFAR's 5×5 3→192 on 32×32 (K 75)
// 0.91 of the GEMM's. The 7×7/2 stems (K 147) lost to the tiles with 3 × 4 tiles (ResNet-50's 1.04, GoogLeNet's 1.03,
// SqueezeNet's 1.04) and win with 4 × 3 ones (conv_stem_avx2.c; AVX2 on AMD EPYC Zen 4, family 25 model 17, AVX-512
// masked; whole networks, 6 alternating processes, per-node minima | medians, against the tiles, GoogLeNet at 2 threads
// 21.7 ms before the runs): 1 thread ResNet-50's conv1 0.931 | 0.915, GoogLeNet's 0.922 | 0.916, SqueezeNet's 0.957 |
// 0.962; 2 threads (the rows split as before) 0.885 | 0.892, 0.862 | 0.943, 0.941 | 0.963.
static int pr_stem_avx2(const ck_conv_desc *g) {
    return pr_stem(g) && g->channels * g->kernelHeight * g->kernelWidth <= 147;
}

// On AVX2 (conv_channel_avx2.c's tiles) the GEMM paths read no input in place and tile 6 × 16, so the tiles win
// more widely: every kernel larger than 1×1 from K 144 or at stride 2 (stems included), and the 1×1s on maps of
// 14×14 or less the AVX-512 rule takes to at most 16 channels or exactly 32 (see the end of this comment). One
// process, minima of 15 alternating calls, ReLU stored, 1 thread, AVX2 forced on AMD EPYC Zen 4 (family 25 model
// 17), 2 cores shared with other builds, tiles / the im2col GEMM: 3×3 64→64 on 56×56 0.71, 128→128 on
// 28×28 0.83, 256→256 on 14×14 0.84, 512→512 on 7×7 0.75, 3×3/2 128→128 56→28 0.77, 16→64 on 55×55 0.66, 96→208 on
// 14×14 0.89, 192→192 on 8×8 0.95; 5×5 16→32 on 28×28 0.48; stems 7×7/2 3→64 0.34, 3→96 0.67, 3×3/2 3→32 0.60
// (NIN's 5×5 3→192 at stride 1, 1.04, stays); 1×1 on 56×56 64→64 0.78, 256→64 0.92, 96→16 on 55×55 0.67, 32→16 on
// 112×112 0.85, 144→24 on 56×56 0.75, on 14×14 384→64 0.58, 576→96 0.69, 1024→256 0.86; lost: 1×1 64→256 on 56×56
// 1.07, 128→512 on 28×28 1.16, 96→96 on 32×32 1.18, 512→1000 on 13×13 1.05. A block of at most 16 channels computes
// only its first half there (conv_channel_avx2.c), so such 1×1s from K 448 take the tiles too (480→16 on 14×14 0.56).
// The wide 1×1s to at most 64 channels went back to the GEMM once its first tiles read B in place (gemm_avx2.c):
// GEMM / tiles, one process, minima of 21–31 alternating calls, same CPU and ISA: 256→64 on 56×56 0.80, 64→64 0.90,
// 144→24 0.70, 96→24 0.77, 32→16 on 112×112 0.84, 64→8 0.73, 192→64 on 28×28 0.86, 480→64 0.85, 256→48 on 27×27
// 0.86; alike at 16 and 32 channels from K 96 (96→16 on 55×55 1.01, 128→16 0.97–1.03, 128→32 on 27×27 1.00–1.03).
// So did the small maps' 1×1s to other numbers of channels (whole networks, AVX2, 1 thread, 8 alternating processes,
// per-node minima, GEMM / tiles): ResNet-50's 1024→256 on 14×14 0.93–0.95 and 1024→512 0.97, GoogLeNet's 4a–4e 1×1s
// 0.86–0.97, MobileNetV2's 384→64 and 576→96 on 14×14 0.95–0.97, SqueezeNet's 512→1000 and 512→64 on 13×13 0.90 and
// 0.94; a block of exactly 32 channels stays (GoogLeNet's 512→32 and 528→32 on 14×14 1.09–1.12 on the GEMM).

int ck_conv_channel_tiles(const ck_conv_desc *g) {
    // one group's geometry -> 1 when ck_conv_channel_tile_rows is the faster way to run it
    // Whole networks, alternating processes, per-node minima of 8 each against the paths conv2d took before, 1
    // thread, Intel Xeon AVX-512 (new / old time), with every map ≤ 14×14 at stride ≤ 2 on the kernel: ResNet-50's
    // 1×1 on 14×14 0.87–0.96, 3×3 on 14×14 0.89–0.91, 3×3/2 28→14 0.82, 1×1 on 7×7 0.78–0.93, 1×1/2 14→7 0.90,
    // 3×3/2 14→7 0.80, 3×3 on 7×7 0.97–0.98 (ResNet 72.5 → 67.6 ms); GoogLeNet's 4a–5b 1×1 0.78–0.95, 3×3 on 14×14
    // 0.89–0.92, 5×5 with 24+ channels in 0.87–0.93; NIN's 3×3 on 8×8 0.94; SqueezeNet's conv10 0.95, fire9's
    // squeeze 0.80 and 3×3 0.95. It lost on short K, where writing the tiles out is a larger share (1×1 192→192 on
    // 8×8 1.32, 64→256 on 13×13 1.18, 5×5 16→48 on 14×14 1.07), and to the GEMM reading B in place for 16 output
    // channels (1×1 480→16 on 14×14 1.26): K ≥ 448 and more than 16 channels. A strided 1×1 to a map wider than 7
    // (ResNet's res4a_branch1, 28→14) lost too, 1.00–1.05 here and 1.09–1.25 alone in one process: it stays packed.
    // With the write-out vectorised (16×16 transposes, 0.89–1.00 of the scalar one, most on short K), one process,
    // minima of 300 calls, ReLU epilogue, against the path conv2d takes otherwise, same CPU, 2 cores shared with a CI
    // run: whole 32-channel blocks win below K 448 too, a kernel larger than 1×1 from K 144 (3×3 16→32 on 8×8 0.63,
    // on 13×13 0.78, on 14×14 0.80, 32→64 on 14×14 0.83, stride 2 14→7 0.57, 40→96 0.75, 48→96 on 7×7 0.70, 5×5 16→64
    // on 14×14 0.87) and a 1×1 from K 256 to 64 or 96 channels (384→64 on 14×14 0.87, on 13×13 0.88, on 7×7 0.86,
    // 256→64 0.89–0.93, 320→96 0.93, 384→96 0.92–0.93), except on planes of a multiple of 16 positions, which the
    // GEMM's 16 columns fill exactly (320→64 on 8×8 1.08, 384→96 1.14). Still lost: half-empty blocks (5×5 16→48
    // 1.11, 1×1 384→48 on 13×13 1.09), 1×1 to more channels (256→256 on 14×14 1.04, 192→192 on 8×8 1.25–1.30,
    // 64→256 on 13×13 1.27, 160→960 on 7×7 1.12, 96→576 on 14×14 1.20). Whole MobileNetV2, 8 alternating processes,
    // per-node minima: its 384→64 projections on 14×14 0.82–0.87, 384→96 0.88 (the network's total within noise).
    // On wider maps (rows in strips, input prefetched two tiles on), `bench/conv-ab.sh`: one process, minima of 150
    // alternating calls, ReLU stored, same CPU, 2 cores shared with other helpers: a kernel larger than 1×1 wins at
    // any size under the same K and block rule: 3×3 64→64 on 56×56 0.94–0.95 (155 GFLOP/s, 83 % of the 188 peak),
    // 3×3/2 128→128 56→28 0.83–0.85 (149), 3×3 128→128 on 28×28 0.93–0.95 (160, 85 %), 64→192 on 56×56 0.96,
    // 96→128 and 128→192 on 28×28 0.94–0.96, 5×5 16→32 and 32→96 on 28×28 0.91, 96→192 on 16×16 0.92–0.93,
    // SqueezeNet's 3×3 16→64 on 55×55 0.89–0.99, 32→128 and 48→192 on 27×27 0.94, the 7×7/2 stems 3→64 224→112 and
    // 3→96 0.95–0.97 (137 GFLOP/s, K 147 in one block). Whole networks, 1 thread, 8–12 alternating processes,
    // per-node minima: ResNet-50's conv1 0.86–0.88, 3×3 on 56×56 0.91–0.93, res3a's 3×3/2 0.84–0.85, 3×3 on 28×28
    // 0.89–0.93; SqueezeNet's conv1 0.92, 3×3 expands 0.88–0.92 (network 0.94); GoogLeNet's conv1 0.96, conv2 0.94,
    // 3a/3b 3×3 0.93, 5×5 0.88–0.91 (network 0.98); NIN's conv2 0.91 (network 0.94). A 1×1 on a map wider than 14
    // stays with the GEMM, which reads B as it lies: 256→64 on 56×56 1.03–1.05 with the input prefetched (1.36
    // without), 64→256 1.26–1.30, 96→96 on 32×32 1.25–1.34, 512→128 on 28×28 0.95–1.03; strided 256→512 56→28
    // 1.27–1.6 and 512→1024 28→14 1.23–1.46 (each of their 16–32 channel panels meets the strip's input again).
    // Since the GEMM computes a 7×7 map's 17-column last panel as 16 + 1 columns and prefetches its packed weights,
    // it wins every 1×1 to a map of 7×7 or less back (tiles / GEMM, whole networks, 1 thread, 8 alternating processes,
    // per-node minima: ResNet-50's res5 1×1s 0.79–0.82 and res5a_branch1 (1×1/2 14→7) 0.77; GoogLeNet's 5a/5b 1×1s
    // 0.74–0.85; MobileNetV2's 960→160 and 960→320 0.82–0.88), while on 14×14 the tiles still win (all 1×1s on the
    // GEMM: ResNet's res4 branch2a 1.07–1.12, GoogLeNet's 4a–4e 1×1s 1.09–1.23). Since each GEMM panel's first tile
    // reads a stored B in place and packs it for the others, the wide 1×1s lose by more on the tiles (conv-ab.sh,
    // minima of 150 alternating calls, tiles / GEMM, same CPU shared with other helpers): 256→64 on 56×56 1.15,
    // 64→256 1.34, 64→64 1.11, 512→128 on 28×28 1.12, 128→512 1.32; on 14×14 from K 448 the two now measure alike
    // alone (1024→256 1.02, 480→192 1.02, 512→160 1.01, 384→64 0.96), within what whole networks resolve.
    const int isa = ck_isa();
    if (isa < CK_ISA_AVX2 || g->strideHeight > 2 || g->strideWidth > 2) return 0;
    const int pointwise = g->kernelHeight * g->kernelWidth == 1;
    // A stem on a wide map runs as rows of position vectors (pr_rows), which beat the GEMM paths on every such shape
    // tried (`bench/conv-ab.sh`, one process, minima of 200 alternating calls, 1 thread, AMD EPYC Zen 4, family 25
    // model 17, AVX-512 on a 256-bit datapath; same bits): NIN-CIFAR's 5×5 3→192 on 32×32 0.87, MobileNetV2's 3×3/2
    // 3→32 224→112 0.68, 3×3 3→32 on 32×32 0.73, 3→64 0.80, 3→16 0.71, 3→8 0.70, 3→40 on 64×64 0.71, 5×5 1→32 on
    // 28×28 0.65, 1→20 0.67.
    const int K = g->channels * g->kernelHeight * g->kernelWidth, M = g->outChannels;
    const int wide = g->outWidth > CT_TILE || g->outHeight > CT_TILE, strided = g->strideHeight > 1 || g->strideWidth > 1;
    if (isa < CK_ISA_AVX512) {
        // AVX2 (the rule above ck_conv_channel_tiles): every kernel larger than 1×1 from K 144 or at stride 2, the
        // stems to K 147 (pr_stem_avx2), and the 1×1s the rule below takes to at most 16 channels (those too, from
        // K 448) or exactly 32
        if (!pointwise) return K >= 144 || g->strideWidth == 2 || pr_stem_avx2(g);
        if (M > 16 && M != CT_BLOCK) return 0;
    } else if (!pointwise && pr_stem(g)) return 1;
    if (pointwise && (strided || wide || g->outWidth * g->outHeight <= 49)) return 0;
    if (M <= 16 && isa >= CK_ISA_AVX512) return 0;
    if (K >= 448) return 1;
    if (M % CT_BLOCK != 0) return 0;
    if (!pointwise) return K >= 144;
    return K >= 256 && M <= 96 && g->outHeight * g->outWidth % 16 != 0;
}

#ifdef CK_X86
// One tile over kc taps: positions i < na at x[i·SW] (input row A) and i < nb at x[step + i·SW] (row B), tap k
// at koff[k] from there; 32 channels of weight per tap at w + k·32. acc (na + nb positions × 32 channels) is
// loaded (or set to the bias, or zero, when `first`), accumulated and stored back. The tile also prefetches the
// weights of `ahead_taps` taps at `ahead` into L1 and those a K block further into L2: a line of each a tap over the
// first 2·ahead_taps taps, or when the tile has fewer taps than that all four lines of tap k at tap k; every tap its
// input `input_ahead` floats on, unless 0; and out_lines' lines (unless NULL), to be written, one a tap. NV 1 computes
// only the panel's first 16 channels (a block of at most 16) and writes only those of acc.
__attribute__((target("avx512f,prfchw"), always_inline)) static inline void
tile_body(int kc, const float *w, const float *x, const int *koff, long step, float *acc, int first,
          const float *bias, const float *ahead, int ahead_taps, long input_ahead, const ct_lines *out_lines,
          const int na, const int nb, const int SW, const int NV) {
    __m512 c[2 * CT_TILE][2];
    const int n = na + nb;
    for (int i = 0; i < n; i++) {
        if (!first) {
            c[i][0] = _mm512_loadu_ps(acc + i * CT_BLOCK);
            if (NV == 2) c[i][1] = _mm512_loadu_ps(acc + i * CT_BLOCK + 16);
        } else if (bias) {
            c[i][0] = _mm512_loadu_ps(bias);
            if (NV == 2) c[i][1] = _mm512_loadu_ps(bias + 16);
        } else {
            c[i][0] = _mm512_setzero_ps();
            if (NV == 2) c[i][1] = _mm512_setzero_ps();
        }
    }
    // One line a tap keeps few misses in flight at a time: four a tap over the first quarter of the taps (ResNet's
    // 7×7 stage, 4 tiles a K block) stalled on them when the weights came from memory, as in a whole network.
    const int spread = 2 * ahead_taps <= kc;
    ct_line_cursor cursor;
    const int line_taps = ct_start_lines(out_lines, kc, &cursor);
    for (int k = 0; k < kc; k++) {
        if (k < line_taps) ct_prefetch_line(out_lines, &cursor);
        const float *p = x + koff[k], *q = p + step;
        if (spread) {
            if (k < 2 * ahead_taps) {
                const float *line = ahead + (size_t)k * 16;
                _mm_prefetch((const char *)line, _MM_HINT_T0);
                _mm_prefetch((const char *)(line + (size_t)kc * CT_BLOCK), _MM_HINT_T1);
            }
        } else if (k < ahead_taps) {
            const float *next = ahead + (size_t)k * CT_BLOCK, *after = next + (size_t)kc * CT_BLOCK;
            _mm_prefetch((const char *)next, _MM_HINT_T0);
            _mm_prefetch((const char *)(next + 16), _MM_HINT_T0);
            _mm_prefetch((const char *)after, _MM_HINT_T1);
            _mm_prefetch((const char *)(after + 16), _MM_HINT_T1);
        }
        if (input_ahead) _mm_prefetch((const char *)(p + input_ahead), _MM_HINT_T0);
        const __m512 w0 = _mm512_loadu_ps(w + (size_t)k * CT_BLOCK);
        const __m512 w1 = NV == 2 ? _mm512_loadu_ps(w + (size_t)k * CT_BLOCK + 16) : w0;
        for (int i = 0; i < na; i++) {
            const __m512 b = _mm512_set1_ps(p[i * SW]);
            c[i][0] = _mm512_fmadd_ps(w0, b, c[i][0]);
            if (NV == 2) c[i][1] = _mm512_fmadd_ps(w1, b, c[i][1]);
        }
        for (int i = 0; i < nb; i++) {
            const __m512 b = _mm512_set1_ps(q[i * SW]);
            c[na + i][0] = _mm512_fmadd_ps(w0, b, c[na + i][0]);
            if (NV == 2) c[na + i][1] = _mm512_fmadd_ps(w1, b, c[na + i][1]);
        }
    }
    for (int i = 0; i < n; i++) {
        _mm512_storeu_ps(acc + i * CT_BLOCK, c[i][0]);
        if (NV == 2) _mm512_storeu_ps(acc + i * CT_BLOCK + 16, c[i][1]);
    }
}

// One function per tile shape: `na` positions of one row (1 ..< 15), or `na` of two rows each (1 ..< 8), at
// column stride 1 or 2, each with its loops unrolled and its accumulators in registers; tile_* for 32 channels,
// half_* for a block of at most 16.
#define CT_TILE_FN(NA, NB, SW)                                                                                        \
    __attribute__((target("avx512f,prfchw"))) static void tile_##NA##_##NB##_##SW(                                    \
        int kc, const float *w, const float *x, const int *koff, long step, float *acc, int first, const float *bias, \
        const float *ahead, int ahead_taps, long input_ahead, const ct_lines *out_lines) {                             \
        tile_body(kc, w, x, koff, step, acc, first, bias, ahead, ahead_taps, input_ahead, out_lines, NA,               \
                  NB, SW, 2);                                                                                          \
    }                                                                                                                 \
    __attribute__((target("avx512f,prfchw"))) static void half_##NA##_##NB##_##SW(                                    \
        int kc, const float *w, const float *x, const int *koff, long step, float *acc, int first, const float *bias, \
        const float *ahead, int ahead_taps, long input_ahead, const ct_lines *out_lines) {                             \
        tile_body(kc, w, x, koff, step, acc, first, bias, ahead, ahead_taps, input_ahead, out_lines, NA,               \
                  NB, SW, 1);                                                                                          \
    }
#define CT_TILE_FNS(SW)                                                                                               \
    CT_TILE_FN(1, 0, SW) CT_TILE_FN(2, 0, SW) CT_TILE_FN(3, 0, SW) CT_TILE_FN(4, 0, SW) CT_TILE_FN(5, 0, SW)          \
    CT_TILE_FN(6, 0, SW) CT_TILE_FN(7, 0, SW) CT_TILE_FN(8, 0, SW) CT_TILE_FN(9, 0, SW) CT_TILE_FN(10, 0, SW)        \
    CT_TILE_FN(11, 0, SW) CT_TILE_FN(12, 0, SW) CT_TILE_FN(13, 0, SW) CT_TILE_FN(14, 0, SW) CT_TILE_FN(1, 1, SW)     \
    CT_TILE_FN(2, 2, SW) CT_TILE_FN(3, 3, SW) CT_TILE_FN(4, 4, SW) CT_TILE_FN(5, 5, SW) CT_TILE_FN(6, 6, SW)         \
    CT_TILE_FN(7, 7, SW)
CT_TILE_FNS(1)
CT_TILE_FNS(2)
#define CT_ONE_ROW(T, SW)                                                                                             \
    {NULL, T##_1_0_##SW, T##_2_0_##SW, T##_3_0_##SW, T##_4_0_##SW, T##_5_0_##SW, T##_6_0_##SW, T##_7_0_##SW,         \
     T##_8_0_##SW, T##_9_0_##SW, T##_10_0_##SW, T##_11_0_##SW, T##_12_0_##SW, T##_13_0_##SW, T##_14_0_##SW}
#define CT_TWO_ROWS(T, SW)                                                                                            \
    {NULL, T##_1_1_##SW, T##_2_2_##SW, T##_3_3_##SW, T##_4_4_##SW, T##_5_5_##SW, T##_6_6_##SW, T##_7_7_##SW}
// [whole panel (32 channels), a block of at most 16 (the panel's first half)][column stride − 1][positions]
static const tile_fn one_row[2][2][CT_TILE + 1] = {{CT_ONE_ROW(tile, 1), CT_ONE_ROW(tile, 2)},
                                                   {CT_ONE_ROW(half, 1), CT_ONE_ROW(half, 2)}};
static const tile_fn two_rows[2][2][CT_TILE / 2 + 1] = {{CT_TWO_ROWS(tile, 1), CT_TWO_ROWS(tile, 2)},
                                                        {CT_TWO_ROWS(half, 1), CT_TWO_ROWS(half, 2)}};

// Where a tile whose first output is row oy, column ox (of the rows computed) reads in the input view.
static inline const float *tile_input(const float *view, size_t view_width, int sh, int sw, int oy, int ox) {
    return view + (size_t)oy * sh * view_width + (size_t)ox * sw;
}

// 16 vectors r[i] = row i of a 16×16 block -> r[j] = column j (unpacks of pairs, then of pairs of pairs, then
// two 128-bit lane shuffles).
__attribute__((target("avx512f"), always_inline)) static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
        const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; i++) {
            t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xdd);
        }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

// The tile scratch acc (count positions, 32 channels) -> channels 0 ..< jend of the output from `out` on (channel j
// at out + j·plane, positions contiguous), adding the addend laid out alike and applying the activation as the
// scalar ck_relu / ck_clip do: max(v, 0) gives 0 for NaN and −0, the clip keeps NaN. 16 positions × 16 channels a
// transpose, positions past count masked. The lines it writes were asked for by the tiles before it (ct_lines).
__attribute__((target("avx512f"))) static void store_tiles(const float *acc, int count, int jend, float *out,
                                                          const float *addend, size_t plane, ck_activation a) {
    const __m512 zero = _mm512_setzero_ps();
    for (int p0 = 0; p0 < count; p0 += 16) {
        const int np = count - p0 < 16 ? count - p0 : 16;
        const __mmask16 mask = (__mmask16)((1u << np) - 1);
        for (int j0 = 0; j0 < jend; j0 += 16) {
            __m512 r[16];
            for (int i = 0; i < 16; i++) r[i] = i < np ? _mm512_loadu_ps(acc + (size_t)(p0 + i) * CT_BLOCK + j0) : zero;
            transpose16(r);
            const int nj = jend - j0 < 16 ? jend - j0 : 16;
            for (int j = 0; j < nj; j++) {
                const size_t at = (size_t)(j0 + j) * plane + (size_t)p0;
                __m512 v = r[j];
                if (addend) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, addend + at));
                _mm512_mask_storeu_ps(out + at, mask, ck_activate16(v, a));
            }
        }
    }
}

// Rows iy0 ..< iy0 + vh, columns x0 ..< x0 + vw of a channel plane (H, W), zero outside it -> d (vh, vw): 16
// columns a masked load and store, lanes outside the plane neither read nor faulting. ck_padded_row's three calls a
// row (memset, memcpy, memset) weighed most on small maps of many channels, which every thread pads whole when they
// split by channel blocks: ResNet-50's 3×3 512→512 on 7×7 (512 planes of 9 rows) 0.94 of the time alone
// (`CKAB_COLD=1 bench/ckab.sh`, 21 alternating calls, minima and medians, 1 thread), 0.94–0.98 in the whole network
// at 2 threads (8 alternating processes, per-node minima), its 3×3s on 14×14 0.98–1.00, the wider maps alike; AMD
// EPYC Zen 4 (family 25 model 17, AVX-512 on a 256-bit datapath), 2 cores shared with other helpers. Same bits.
__attribute__((target("avx512f"))) static void pad_plane(float *d, const float *plane, int H, int W, int iy0, int vh,
                                                        int vw, int x0) {
    // the columns j of d that lie inside the plane: lo ..< hi
    const int lo = x0 < 0 ? -x0 : 0, hi = W - x0 < vw ? W - x0 : vw;
    for (int r = 0; r < vh; r++, d += vw) {
        const int iy = iy0 + r, inside = iy >= 0 && iy < H;
        const char *row = (const char *)(plane + (long)(inside ? iy : 0) * W);
        for (int j0 = 0; j0 < vw; j0 += 16) {
            const __mmask16 load = inside ? ck_lanes16(hi - j0) & ~ck_lanes16(lo - j0) : 0;
            const __m512 v = _mm512_maskz_loadu_ps(load, row + ((long)x0 + j0) * (long)sizeof(float));
            _mm512_mask_storeu_ps(d + j0, ck_lanes16(vw - j0), v);
        }
    }
}

// A stem (an image's 3 channels, K at most one block) on a wide map, as rows of position vectors: vectors run along 16
// output columns of a row, each weight is broadcast, and every value goes straight to its channel plane. The channel
// tiles spent a quarter of MobileNetV2's 3×3/2 stem (K 27) outside the FMAs, in their 16×16 transposes
// (store_tiles 17 % of it by perf) and the padding copy (8 %); the 7×7/2 stems (K 147) less.
// Each tile: PR_MR channels × nv vectors of one output row (4 × 4: 16 accumulators, 4 loads and 4 broadcasts a tap),
// the last vector `tail`-masked as it is stored. Input: the zero-padded window in stride-phase rows (view column x at
// phase x % SW, index x / SW of a row of SW·pw floats), so a tap's 16 columns are contiguous; loads past a row's end
// land in the next row (or 16 floats of slack) and feed only lanes that are not stored. Each tile asks for the lines of
// the next output row it will write, one a tap. Each value starts from its bias (or zero) and takes the taps in order,
// as a channel tile's sum in one K block and the GEMM's: same bits.
// `bench/ckab.sh`, one process, 31 alternating calls, minima (medians), 1 thread, AMD EPYC Zen 4 (family 25 model 17,
// AVX-512 on a 256-bit datapath), 2 cores shared with other helpers' builds, against the channel tiles: MobileNetV2's
// 3×3/2 3→32 224→112 0.75–0.77 (0.76–0.77), with caches flushed (CKAB_COLD=1 CKAB_WARM=i) 0.82; ResNet's and
// GoogLeNet's 7×7/2 3→64 0.94–0.95 (0.95–0.96), cold 0.95; SqueezeNet's 3→96 0.97–0.98 (0.98), cold 0.97.
// Tiles of 8 × 2, 8 × 3, 6 × 4, 16 × 1 or 2 × 7 lost (MobileNetV2's 0.79–0.93 against 4 × 4's 0.77; the 7×7 ones
// 1.01–1.05 of 4 × 4's); the channel groups outside the row segments 1.00–1.01; without the output lines asked for,
// MobileNetV2's 0.99 warm but 1.35 cold. A map of at most 2 vectors a row runs two rows a tile: NIN-CIFAR's 5×5
// 3→192 on 32×32 0.87 of the GEMM path's time (`bench/conv-ab.sh`, minima of 200 alternating calls), one row a
// tile 0.90.
enum { PR_MR = 4, PR_NV = 4 };

__attribute__((target("avx512f"), always_inline)) static inline void
pr_tile_body(int K, const float *w, const float *x, long rs, const int *koff, const float *bias, float *out,
             size_t plane, int os, int jend, __mmask16 tail, ck_activation a, const float *addend, const float *next,
             const int nv, const int nr) {
    __m512 c[PR_MR][PR_NV];
    for (int j = 0; j < PR_MR; j++) {
        const __m512 b0 = bias ? _mm512_set1_ps(bias[j]) : _mm512_setzero_ps();
        for (int v = 0; v < nr * nv; v++) c[j][v] = b0;
    }
    for (int k = 0; k < K; k++) {
        if (next && k < PR_MR * nr * nv) {
            const int j = k / (nr * nv), rr = k % (nr * nv) / nv, v = k % nv;
            __builtin_prefetch(next + (size_t)j * plane + (size_t)rr * os + 16 * v, 1, 3);
        }
        const float *p = x + koff[k];
        __m512 in[PR_NV];
        for (int rr = 0; rr < nr; rr++)
            for (int v = 0; v < nv; v++) in[rr * nv + v] = _mm512_loadu_ps(p + rr * rs + 16 * v);
        const float *wk = w + (size_t)k * CT_BLOCK;
        for (int j = 0; j < PR_MR; j++) {
            const __m512 b = _mm512_set1_ps(wk[j]);
            for (int v = 0; v < nr * nv; v++) c[j][v] = _mm512_fmadd_ps(b, in[v], c[j][v]);
        }
    }
    for (int j = 0; j < PR_MR && j < jend; j++)
        for (int rr = 0; rr < nr; rr++)
            for (int v = 0; v < nv; v++) {
                const __mmask16 m = v + 1 < nv ? (__mmask16)0xFFFF : tail;
                const size_t at = (size_t)j * plane + (size_t)rr * os + (size_t)16 * v;
                __m512 r = c[j][rr * nv + v];
                if (addend) r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m, addend + at));
                _mm512_mask_storeu_ps(out + at, m, ck_activate16(r, a));
            }
}

typedef void (*pr_fn)(int K, const float *w, const float *x, long rs, const int *koff, const float *bias, float *out,
                      size_t plane, int os, int jend, __mmask16 tail, ck_activation a, const float *addend,
                      const float *next);
#define PR_TILE_FN(NV, NR)                                                                                            \
    __attribute__((target("avx512f"))) static void pr_tile_##NV##_##NR(                                               \
        int K, const float *w, const float *x, long rs, const int *koff, const float *bias, float *out, size_t plane, \
        int os, int jend, __mmask16 tail, ck_activation a, const float *addend, const float *next) {                 \
        pr_tile_body(K, w, x, rs, koff, bias, out, plane, os, jend, tail, a, addend, next, NV, NR);                   \
    }
PR_TILE_FN(1, 1)
PR_TILE_FN(2, 1)
PR_TILE_FN(3, 1)
PR_TILE_FN(4, 1)
PR_TILE_FN(1, 2)
PR_TILE_FN(2, 2)
// One row of 1 ..< 5 vectors, or two rows of 1 or 2 each.
static const pr_fn pr_one_row[PR_NV + 1] = {NULL, pr_tile_1_1, pr_tile_2_1, pr_tile_3_1, pr_tile_4_1};
static const pr_fn pr_two_rows[PR_NV / 2 + 1] = {NULL, pr_tile_1_2, pr_tile_2_2};

// Rows iy0 ..< iy0 + vh, columns x0 ..< x0 + vw of a channel plane (H, W), zero outside it -> d (vh rows of SW
// phases of pw floats each: view column x at d[row·SW·pw + (x % SW)·pw + x / SW]). SW 1 or 2.
__attribute__((target("avx512f"))) static void pad_plane_phases(float *d, const float *plane, int H, int W, int iy0,
                                                               int vh, int vw, int x0, int SW, int pw) {
    if (SW == 1) {
        pad_plane(d, plane, H, W, iy0, vh, vw, x0);
        return;
    }
    const int lo = x0 < 0 ? -x0 : 0, hi = W - x0 < vw ? W - x0 : vw;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (int r = 0; r < vh; r++, d += 2 * (size_t)pw) {
        const int iy = iy0 + r, inside = iy >= 0 && iy < H;
        const char *row = (const char *)(plane + (long)(inside ? iy : 0) * W);
        for (int j0 = 0; j0 < pw; j0 += 16) {
            const int x = 2 * j0;
            const __mmask16 l0 = inside ? ck_lanes16(hi - x) & ~ck_lanes16(lo - x) : 0;
            const __mmask16 l1 = inside ? ck_lanes16(hi - x - 16) & ~ck_lanes16(lo - x - 16) : 0;
            const __m512 a = _mm512_maskz_loadu_ps(l0, row + ((long)x0 + x) * (long)sizeof(float));
            const __m512 b = _mm512_maskz_loadu_ps(l1, row + ((long)x0 + x + 16) * (long)sizeof(float));
            const __mmask16 s = ck_lanes16(pw - j0);
            _mm512_mask_storeu_ps(d + j0, s, _mm512_permutex2var_ps(a, even, b));
            _mm512_mask_storeu_ps(d + pw + j0, s, _mm512_permutex2var_ps(a, odd, b));
        }
    }
}

// ck_conv_channel_tile_rows for pr_stem's convs.
__attribute__((target("avx512f"))) static void pr_rows(const ck_conv_desc *g, const float *input,
                                                       const float *weight, const float *packedWeight,
                                                       const float *bias, float *output, int oy0, int oy1, int m0,
                                                       int m1, ck_output_epilogue epilogue) {
    const int C = g->channels, H = g->height, W = g->width, M = g->outChannels, OH = g->outHeight, OW = g->outWidth;
    const int sh = g->strideHeight, sw = g->strideWidth, K = C * g->kernelHeight * g->kernelWidth, rows = oy1 - oy0;
    const ct_window v = ct_window_of(g, oy0, oy1);
    float *view = ck_scratch_buffer(CK_SCRATCH_PADDED, (size_t)C * v.plane + 16);
    float *own = packedWeight ? NULL : ck_scratch_buffer(CK_SCRATCH_PACK_A, (size_t)K * CT_BLOCK);
    int *koff = (int *)ck_scratch_buffer(CK_SCRATCH_PACK_B, (size_t)K);
    if (!view || !koff || (!packedWeight && !own)) abort();
    for (int c = 0; c < C; c++)
        pad_plane_phases(view + (size_t)c * v.plane, input + (size_t)c * H * W, H, W, v.iy0, v.vh, v.vw, -g->padLeft,
                         sw, v.pw);
    ct_stem_tap_offsets(g, &v, koff);
    const int vectors = (OW + 15) / 16, segments = (vectors + PR_NV - 1) / PR_NV;
    const __mmask16 tail = ck_lanes16(OW - (vectors - 1) * 16);
    const size_t plane = (size_t)OH * OW;
    float bias_block[CT_BLOCK];
    for (int b = m0 / CT_BLOCK; b * CT_BLOCK < m1; b++) {
        const float *panel = packedWeight + (size_t)b * K * CT_BLOCK;
        if (!packedWeight) {
            pack_channel_panel(M, K, weight, b, own);
            panel = own;
        }
        const int jend = m1 - b * CT_BLOCK < CT_BLOCK ? m1 - b * CT_BLOCK : CT_BLOCK;
        if (bias)
            for (int j = 0; j < CT_BLOCK; j++) bias_block[j] = b * CT_BLOCK + j < M ? bias[b * CT_BLOCK + j] : 0.0f;
        for (int r = 0; r < rows;) {
            const float *x = view + (size_t)r * sh * v.row_floats;
            const int nr = vectors <= PR_NV / 2 && r + 1 < rows ? 2 : 1;
            for (int s = 0, v0 = 0; s < segments; s++) {
                const int nv = (vectors - v0) / (segments - s);
                const size_t col = (size_t)16 * v0;
                for (int j0 = 0; j0 < jend; j0 += PR_MR) {
                    const size_t at = (size_t)(b * CT_BLOCK + j0) * plane + (size_t)(oy0 + r) * OW + col;
                    (nr == 2 ? pr_two_rows : pr_one_row)[nv](
                        K, panel + j0, x + col, (long)sh * (long)v.row_floats, koff, bias ? bias_block + j0 : NULL,
                        output + at, plane, OW, jend - j0, v0 + nv == vectors ? tail : (__mmask16)0xFFFF,
                        epilogue.activation, epilogue.addend ? epilogue.addend + at : NULL,
                        r + nr < rows ? output + at + (size_t)nr * OW : NULL);
                }
                v0 += nv;
            }
            r += nr;
        }
    }
}
#endif

// AVX2: where tile t of a run of `count` positions ends, its chunks 2t and 2t + 1 of the run's near-equal chunks of
// at most CT2_CHUNK (chunk i starting at ⌊i · count / chunks⌋).
static inline int ct2_end(int t, int count) {
    const int chunks = (count + CT2_CHUNK - 1) / CT2_CHUNK, end = 2 * t + 2 < chunks ? 2 * t + 2 : chunks;
    return (int)((long)end * count / chunks);
}

void ck_conv_channel_tile_rows(const ck_conv_desc *g, const float *input, const float *weight,
                               const float *packedWeight, const float *bias, float *output, int oy0, int oy1, int m0,
                               int m1, ck_output_epilogue epilogue) {
#ifdef CK_X86
    // input (C, H, W), weight (K, C·KH·KW) -> output rows oy0 ..< oy1, channels m0 ..< m1 of (K, OH, OW)
    if (oy1 <= oy0 || m1 <= m0) return;
    const int avx512 = ck_isa() >= CK_ISA_AVX512;
    if (avx512 && pr_stem(g)) {
        pr_rows(g, input, weight, packedWeight, bias, output, oy0, oy1, m0, m1, epilogue);
        return;
    }
    if (!avx512 && pr_stem_avx2(g)) {  // AVX2: conv_stem_avx2.c
        const int K = g->channels * g->kernelHeight * g->kernelWidth;
        float *own = packedWeight ? NULL : ck_scratch_buffer(CK_SCRATCH_PACK_A, (size_t)K * CT_BLOCK);
        if (!packedWeight && !own) abort();
        ck_stem_rows_avx2(g, input, packedWeight, bias, output, oy0, oy1, m0, m1, epilogue, own, pack_channel_panel,
                          weight);
        return;
    }
    const int C = g->channels, H = g->height, W = g->width, M = g->outChannels, OH = g->outHeight, OW = g->outWidth;
    const int KH = g->kernelHeight, KW = g->kernelWidth, dh = g->dilationHeight, dw = g->dilationWidth;
    const int sh = g->strideHeight, sw = g->strideWidth, K = C * KH * KW, rows = oy1 - oy0;
    // The input window rows oy0 ..< oy1 read: rows iy0 ..< iy0 + vh, columns −padLeft ..< −padLeft + vw. Read in
    // place when it lies inside the input (a 1×1 conv), else from a zero-padded copy of it. On AVX-512, reading the row
    // segments whose window lies inside the input in place (a second tap-offset table) and copying only what the
    // others read (whole top and bottom rows, elsewhere the side segments' columns: half of a 56×56 window) lost,
    // same bits: `bench/ckab.sh` cold (CKAB_COLD=1 CKAB_WARM=i), 21–31 alternating calls, minima, 1 thread, AMD EPYC
    // Zen 4 (family 25 model 17), load 6–7: ResNet's 3×3 64→64 on 56×56 1.003–1.005, SqueezeNet's 32→128 and 16→64 on
    // 55×55 1.003–1.009 (leaving the copy out altogether, wrong values, bounds it at 0.975–0.988).
    const ct_window window = ct_window_of(g, oy0, oy1);
    const int iy0 = window.iy0, vh = window.vh, vw = window.vw;
    const int inside = iy0 >= 0 && iy0 + vh <= H && g->padLeft == 0 && vw <= W;
    const float *view = input;
    size_t view_width = (size_t)W, view_plane = (size_t)H * W;
    if (inside) view += (size_t)iy0 * W;
    else {
        view_width = (size_t)vw;
        view_plane = (size_t)vh * vw;
        float *padded = ck_scratch_buffer(CK_SCRATCH_PADDED, (size_t)C * view_plane);
        if (!padded) abort();
        for (int c = 0; c < C; c++) {
            float *d = padded + (size_t)c * view_plane;
            const float *plane = input + (size_t)c * H * W;
            if (avx512) pad_plane(d, plane, H, W, iy0, vh, vw, -g->padLeft);
            else ck_ct_pad_plane_avx2(d, plane, H, W, iy0, vh, vw, -g->padLeft);
        }
        view = padded;
    }
    const int panels = (M + CT_BLOCK - 1) / CT_BLOCK;
    const int strip_rows = ck_channel_tile_strip_rows(g);
    int strip = strip_rows < rows ? strip_rows : rows;
    float *acc = ck_scratch_buffer(CK_SCRATCH_GRID, (size_t)strip * OW * CT_BLOCK);
    float *own = packedWeight ? NULL : ck_scratch_buffer(CK_SCRATCH_PACK_A, (size_t)K * CT_BLOCK);
    // Where each tap reads, from a tile's first input value, once for the call: per panel and K block, its three
    // divisions took a fifth of a 7×7 3×3 conv's time, whose 4 tiles a block share it. Nested loops rather than those
    // divisions once a call too: `bench/ckab.sh` cold, 21–31 alternating calls, minima, 1 thread, AMD EPYC Zen 4 (family
    // 25 model 17), load 6–7: ResNet's 3×3 512→512 on 7×7 (K 4608) 0.990–0.991 of the time, GoogLeNet's 192→384 on
    // 7×7 0.989–0.990, 160→320 on 14×14 0.994, ResNet's 256→256 on 14×14 and 128→128 on 28×28 0.995–0.998; on AVX2
    // 0.991–0.993. Same bits.
    int *koff = (int *)ck_scratch_buffer(CK_SCRATCH_PACK_B, (size_t)K);
    if (!acc || !koff || (!packedWeight && !own)) abort();
    for (int c = 0, kk = 0; c < C; c++)
        for (int ky = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++, kk++)
                koff[kk] = (int)((size_t)c * view_plane + (size_t)ky * dh * view_width + (size_t)kx * dw);
    // K in near-equal blocks of at most CT_KC taps, or whole up to CT_KC_WHOLE (the stems' 147: 136 GFLOP/s against
    // 133 in two blocks of 74; 3×3 and 5×5 convs measured alike with blocks up to 640). Every tile continues one FMA
    // chain from block to block (loading acc, or the bias in the first block), so the blocking never changes the bits.
    const int wide = OW > CT_TILE || OH > CT_TILE;
    // On AVX-512 (Zen 4) a map of at most 14×14 takes blocks of at most CT_KC512 = 512 taps: its tiles continue one
    // FMA chain from block to block, so the values keep their bits, and fewer, longer tiles spend less of the time in
    // each tile's start and end (acc loads and stores, the call). `bench/ckab.sh` with cold caches (CKAB_COLD=1
    // CKAB_WARM=i), one process, 21 alternating calls, minima, 1 thread, AMD EPYC Zen 4 (family 25 model 17, AVX-512 on
    // a 256-bit datapath), 2 cores shared with other helpers (load ~4), 512 against 128: ResNet's 3×3 256→256 on 14×14
    // 0.977, 512→512 on 7×7 0.983, GoogLeNet's 3×3 96→208 0.976, 160→320 on 14×14 0.971, 192→384 on 7×7 0.985, 1×1
    // 512→112 on 14×14 0.98, SqueezeNet's 3×3 64→256 on 13×13 0.984 (a same-build control read 0.996–1.012); 256
    // gained about half of that; 1024 measured as 512 (0.99–1.00). AVX2 keeps CT_KC (its own chunks, not measured).
    // On AVX-512 a wider or taller map does the same in blocks of at most CT_KC_WIDE = 1152 taps instead of the GEMM's
    // (at most 256, each from zero): ResNet's and GoogLeNet's 3×3s (K 576, 864, 1152) run K whole, each tile streaming
    // its 73–147 KB weight panel from L2 (2 zmm a tap for 28 FMAs) and its rows going out as they are done (by_rows).
    // That changes the bits of the maps whose K is more than one GEMM block (one FMA chain rather than a sum of block
    // sums), within what the kernel tests allow against the reference loops. `bench/ckab.sh`
    // cold (CKAB_COLD=1 CKAB_WARM=i), one process, 21 alternating calls, minima, 1 thread, AMD EPYC Zen 4 (family 25
    // model 17, AVX-512 on a 256-bit datapath), 2 cores shared with other helpers' builds (load 3–4), against the
    // GEMM's blocks: ResNet's 3×3 64→64 on 56×56 0.978–0.986, 128→128 on 28×28 0.986–0.990, 3×3/2 128→128 56→28
    // 0.989, GoogLeNet's conv2 64→192 on 56×56 0.997, 3a 96→128 and 3b 128→192 on 28×28 0.987–0.989, SqueezeNet's
    // 32→128 on 55×55 0.983–0.992, 64→256 on 27×27 0.989, 48→192 (K 432) 0.999, NIN's 5×5 96→256 on 16×16 (K 2400,
    // three blocks of 800) 0.990–0.992, whole 1.000. Blocks of at most 512 gained about half of that (0.990–0.998);
    // with K whole, prefetching the panel 8 or 16 taps ahead into L1, the input 14, 42 or 58 positions ahead instead of
    // 28, no next-panel prefetch, or strips of 12, 24 or 56 rows all measured 0.996–1.004 against this.
    // On AVX2 a wider or taller map continues one chain too, in blocks of at most CT_KC2_WIDE = 160 taps (K 576 and
    // 1152 as blocks of 144, 16 channels' 3×3 taps, 18 KB of weights), where it summed the GEMM's blocks (at most 256,
    // each from zero, added to the ones before: the GEMM's bits); now its bits are AVX-512's. Whole networks, 1 thread,
    // AVX2 on AMD EPYC Zen 4 (family 25 model 17, AVX-512 masked), 6 alternating processes, per-node minima | medians,
    // against the GEMM's blocks: ResNet-50's res2 3×3s 0.989–0.997 | 0.996–0.999, res3a's 3×3/2 0.995 | 0.995,
    // res3b–d's 0.994–0.996 | 0.982–0.996; GoogLeNet's 3a/3x3 0.981 | 0.979, 3b/3x3 0.992 | 0.982, conv2 1.003 | 0.982;
    // SqueezeNet's fire6–8 expand3x3 0.989–0.990 | 0.983–0.990 (nodes it leaves alone 0.98–1.01); at 2 threads
    // ResNet-50's res2/res3 3×3s 0.983–1.002 (minima), GoogLeNet's conv2, 3a and 3b 0.991–0.993 | 0.988–0.995. K whole
    // (CT_KC_WIDE, as AVX-512) lost: ResNet-50's res2 3×3s 1.019–1.024, res3's 1.009–1.032 (each tile streaming its
    // 73–147 KB panel from L2 in 16-channel halves). Alone (`bench/ckab.c` cold, 15–21 alternating calls) blocks of at
    // most 64, 96, 128, 160 or 192 taps and the GEMM's all measured within ±1.5 % of each other.
    const int kc_most = wide ? (avx512 ? CT_KC_WIDE : CT_KC2_WIDE) : avx512 ? CT_KC512 : CT_KC;
    const int blocks = K <= CT_KC_WHOLE ? 1 : (K + kc_most - 1) / kc_most, kcb = (K + blocks - 1) / blocks;
    const long step = (long)sh * (long)view_width;
    const tile_fn *singles = avx512 ? one_row[0][sw - 1] : ck_ct_one_row_avx2[2][sw - 1];
    const tile_fn *pairs = avx512 ? two_rows[0][sw - 1] : ck_ct_two_rows_avx2[2][sw - 1];
    void (*const store)(const float *, int, int, float *, const float *, size_t, ck_activation) =
        avx512 ? store_tiles : ck_ct_store_tiles_avx2;
    // Columns of a row in segments of near-equal length ≤ 14 (56: 4 × 14, 13: 13); maps 7 wide or less, two rows a tile.
    // AVX2 (tiles in chunks of at most CT2_CHUNK positions): the row (or a 1×1's strip) in near-equal chunks of at
    // most 6, two chunks a tile (ct2_end), so chunks of 5–6 where 14-position tiles ran 5 + 5 + 4 (14 as 10 + 4 lost,
    // 1.04); rows of at most 14 two a tile (CT2_PAIRED, conv_channel.h).
    const int chunked = !avx512 && OW > CT_TILE, paired = avx512 ? CT_TILE / 2 : CT2_PAIRED;
    const int segments = chunked ? ((OW + CT2_CHUNK - 1) / CT2_CHUNK + 1) / 2 : (OW + CT_TILE - 1) / CT_TILE;
    const int flat = inside && sw == 1 && sh == 1 && KW == 1 && KH == 1 && view_width == (size_t)OW;
    // A map wider than 14 in one K block (the 7×7/2 stems' 147 taps) goes out row by row, each row from L1 as soon
    // as its tiles are done, others strip by strip after the last K block. Either way the tiles ask for the output
    // lines to be written next (ct_lines: the next row's, or the strip's in the last K block), one a tap, a share
    // each: the store's own prefetches, 32 planes' lines a burst, stalled on the misses in flight, and so did a burst
    // before each tile. `bench/ckab.sh`, one process, 31–41 alternating calls, minima, AMD EPYC Zen 4 (family 25
    // model 17, AVX-512 on a 256-bit datapath, 32 KB L1d, 1 MB L2), 2 cores shared with other helpers: stems 3→64
    // 224→112 0.91–0.93 of the time, 3→96 0.89–0.94 (medians 0.90–0.94); ResNet's 3×3s on 56×56 0.99, the 3×3s on
    // 14×14 and 7×7 alike (0.99–1.00). Stores that bypass the cache lost (1.01–1.03 in ckab.c, output in L3).
    // Row by row, every row's tiles use the scratch's first row (112 positions × 32 channels: 14 KB, in L1), not
    // the strip's (a stem's 18 rows: 258 KB through L2 between the output's lines). Whole networks, 1 thread, 8
    // alternating processes, per-node minima | medians, same CPU, 2 cores shared with other helpers' builds:
    // MobileNetV2's conv1 0.96 | 0.95, SqueezeNet's conv1 1.00 | 0.99 and its pool1 after it 0.98 | 0.96; alone
    // (ckab.c) the stems 0.99–1.00. Same bits.
    // On AVX2 (whose stems conv_stem_avx2.c runs) that left SqueezeNet's fire2/fire3 expand3x3 (3×3 16→64 on 55×55,
    // K 144), whose row-by-row write-out took 7 % of the time (rdtsc around the parts, `bench/ckab.c`): they go out
    // strip by strip instead, in strips of at most CT2_ONE_BLOCK_STRIP rows. AVX2 on AMD EPYC Zen 4 (family 25 model
    // 17, AVX-512 masked), against row by row: ckab.c (21 alternating calls, minima, 1 thread) strips of 4, 8, 16 and
    // the usual 37 rows 0.977, 0.973, 0.965, 0.970; whole SqueezeNet (6 alternating processes a side, per-node minima,
    // GoogLeNet at 2 threads 21.4–21.7 ms around the runs) fire2 | fire3: strips of 8 rows 0.976–0.985 | 0.969–0.981 at
    // 1 thread, 0.979–0.985 | 0.989–0.993 at 2; strips of 37 rows 0.980 | 0.971 at 1 thread but 1.043–1.044 |
    // 1.021–1.025 at 2; row by row with each row's own output lines asked for in its last tiles (not the next row's)
    // 0.988–0.995 (ckab.c). Same bits.
    const int one_block_wide = kcb >= K && !flat && OW > CT_TILE, by_rows = one_block_wide && avx512;
    // Where a row has tiles after this one, or a 1×1's channel plane goes on: its input two tiles on (maps ≤ 14 wide
    // otherwise measured the same either way).
    const long input_ahead = OW > CT_TILE || flat ? CT_AHEAD * sw : 0;
    float bias_block[CT_BLOCK];
    if (one_block_wide && !avx512 && strip > CT2_ONE_BLOCK_STRIP) strip = CT2_ONE_BLOCK_STRIP;
    for (int r0 = 0; r0 < rows; r0 += strip) {
        const int r1 = rows - r0 < strip ? rows : r0 + strip, positions = (r1 - r0) * OW;
        const int tiles = flat ? (avx512 ? (positions + CT_TILE - 1) / CT_TILE
                                         : ((positions + CT2_CHUNK - 1) / CT2_CHUNK + 1) / 2)
                          : OW <= paired ? (r1 - r0 + 1) / 2 : (r1 - r0) * segments;
        for (int b = m0 / CT_BLOCK; b < panels && b * CT_BLOCK < m1; b++) {
            const float *panel = packedWeight + (size_t)b * K * CT_BLOCK;
            if (!packedWeight) {
                pack_channel_panel(M, K, weight, b, own);
                panel = own;
            }
            const int jend = m1 - b * CT_BLOCK < CT_BLOCK ? m1 - b * CT_BLOCK : CT_BLOCK;
            if (!avx512) {
                // AVX2: a block of at most 16 channels computes only the panel's first half (store reads no more)
                const int quarters = jend <= 16 ? 0 : jend <= 24 ? 1 : 2;
                singles = ck_ct_one_row_avx2[quarters][sw - 1];
                pairs = ck_ct_two_rows_avx2[quarters][sw - 1];
            } else {
                // AVX-512 too (half_* tiles: one zmm a position, 14 accumulators): `bench/ckab.sh`, one process, 21
                // alternating calls, minima, 1 thread, AMD EPYC Zen 4 (family 25 model 17, AVX-512 on a 256-bit
                // datapath), 2 cores shared with other helpers (load 4–6), against whole-panel tiles: GoogLeNet's 3×3
                // 96→208 on 14×14 0.93, 1×1 512→112 0.88 and 512→144 0.90 on 14×14, SqueezeNet's conv10 (1×1
                // 512→1000 on 13×13, the last block 8 wide) 0.99. Same bits.
                singles = one_row[jend <= 16][sw - 1];
                pairs = two_rows[jend <= 16][sw - 1];
            }
            const float *block_bias = NULL;
            if (bias) {
                for (int j = 0; j < CT_BLOCK; j++) bias_block[j] = b * CT_BLOCK + j < M ? bias[b * CT_BLOCK + j] : 0.0f;
                block_bias = bias_block;
            }
            for (int pc = 0; pc < K; pc += kcb) {
                const int kc = K - pc < kcb ? K - pc : kcb;
                const float *w = panel + (size_t)pc * CT_BLOCK;
                // The weights of the next K block (or the next panel's first) follow this one's: the tiles prefetch
                // them into L1 between them, tile t its t-th share, so they arrive spread over the block (ResNet's 7×7
                // stage streams them from memory, its 4 tiles a block too few to wait on a whole block at once).
                int t = 0;
                ct_lines row_lines;
                const ct_lines *out_lines = NULL;
                // In the last K block, tile t asks for its t-th share of the lines store_tiles writes after it.
                const int last = pc + kc == K && !by_rows;
                const int strip_lines = (positions + 15) / 16 + 1, strip_all = last ? jend * strip_lines : 0;
                const float *strip_out = output + ((size_t)b * CT_BLOCK * OH + oy0 + r0) * OW;
#define CT_RUN(fn, x, first_position)                                                                                 \
    do {                                                                                                              \
        if (strip_all) {                                                                                              \
            const int lf = (int)((long)t * strip_all / tiles), lt = (int)((long)(t + 1) * strip_all / tiles);        \
            row_lines = (ct_lines){strip_out + (size_t)(lf / strip_lines) * OH * OW, (long)OH * OW, strip_lines,      \
                                   lf % strip_lines, lt - lf};                                                        \
            out_lines = &row_lines;                                                                                   \
        }                                                                                                             \
        const int from = (int)((long)t * kc / tiles), to = (int)((long)(t + 1) * kc / tiles);                        \
        (fn)(kc, w, (x), koff + pc, step, acc + (size_t)(first_position) * CT_BLOCK, pc == 0, block_bias,             \
             w + (size_t)(kc + from) * CT_BLOCK, to - from, input_ahead, out_lines);                                  \
        t++;                                                                                                          \
    } while (0)
                if (flat) {
                    // Positions contiguous in the input (a 1×1 conv at stride 1 on whole rows): tiles of near-equal
                    // length ≤ 14 across row ends (7×7: 13 + 3 × 12).
                    for (int at = 0; t < tiles;) {
                        const int n = avx512 ? (positions - at) / (tiles - t) : ct2_end(t, positions) - at;
                        CT_RUN(singles[n], view + (size_t)r0 * OW + at, at);
                        at += n;
                    }
                    continue;
                }
                for (int r = r0; r < r1;) {
                    const int done = r;
                    if (OW <= paired && r + 1 < r1) {
                        CT_RUN(pairs[OW], tile_input(view, view_width, sh, sw, r, 0), (r - r0) * OW);
                        r += 2;
                    } else {
                        // by_rows: the next row to be written is this panel's next, or the next panel's first of
                        // the strip, or the first panel's first of the next strip.
                        int next_b = b, next_r = r + 1;
                        if (next_r == r1 && (b + 1) * CT_BLOCK < m1) next_b = b + 1, next_r = r0;
                        else if (next_r == r1) next_b = m0 / CT_BLOCK;
                        const int next_j = m1 - next_b * CT_BLOCK < CT_BLOCK ? m1 - next_b * CT_BLOCK : CT_BLOCK;
                        const int lines = (OW + 15) / 16 + 1, all = by_rows && next_r < rows ? next_j * lines : 0;
                        const float *next = output + ((size_t)next_b * CT_BLOCK * OH + oy0 + next_r) * OW;
                        for (int s = 0, ox = 0; s < segments; s++) {
                            const int from = s * all / segments, to = (s + 1) * all / segments;
                            row_lines = (ct_lines){next + (size_t)(from / lines) * OH * OW, (long)OH * OW, lines,
                                                   from % lines, to - from};
                            out_lines = all ? &row_lines : NULL;
                            const int n = chunked ? ct2_end(s, OW) - ox : (OW - ox) / (segments - s);
                            CT_RUN(singles[n], tile_input(view, view_width, sh, sw, r, ox),
                                   (by_rows ? 0 : (r - r0) * OW) + ox);
                            ox += n;
                        }
                        out_lines = NULL;
                        r++;
                    }
                    if (by_rows) {
                        const size_t at = ((size_t)b * CT_BLOCK * OH + oy0 + done) * OW;
                        store(acc, (r - done) * OW, jend, output + at, epilogue.addend ? epilogue.addend + at : NULL,
                              (size_t)OH * OW, epilogue.activation);
                    }
                }
#undef CT_RUN
            }
            // The strip's tile scratch (position, channel) -> the output's channel planes, with the epilogue on the way.
            if (by_rows) continue;
            const size_t at = ((size_t)b * CT_BLOCK * OH + oy0 + r0) * OW;
            store(acc, positions, jend, output + at, epilogue.addend ? epilogue.addend + at : NULL, (size_t)OH * OW,
                  epilogue.activation);
        }
    }
#else
    (void)g; (void)input; (void)weight; (void)packedWeight; (void)bias; (void)output; (void)oy0; (void)oy1; (void)m0;
    (void)m1; (void)epilogue;
    abort();
#endif
}
