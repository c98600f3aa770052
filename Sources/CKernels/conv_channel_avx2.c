// The channel tiles on AVX2+FMA, for CPUs without AVX-512 (AMD Zen 3): conv_channel.c's driver, panels and tile
// scratch, with tiles of 16 ymm registers. A tile of up to 14 positions × 32 channels runs as chunks of at most 6
// positions, each chunk the panel's two 16-channel halves in turn (12 accumulators, 2 weight loads and at most 6
// broadcasts a tap, each at a constant offset from the tap's input). Each value takes the same FMAs in the same order
// as on AVX-512: the same bits. A block of at most 16 channels (M 16, or a last block's) runs the first half only
// (`half2_*`): 1×1 32→16 on 112×112 0.56 of the time, 96→16 on 55×55 0.54, 192→16 on 28×28 0.54, 480→16 on 14×14
// 0.56 (/tmp loop harness, one process, minima of 31 calls, ReLU stored, 1 thread, AVX2 forced on AMD EPYC Zen 4,
// family 25 model 17, 2 cores shared with another helper); whole networks (5 alternating processes a side, per-node
// minima, same host): MobileNetV2's block1_1/linear 0.61, GoogLeNet's inception_3a/5x5_reduce 0.54, the rest alike.
// A block of 17–24 channels runs the second half as chunks of one 8-channel vector (`three2_*`, `quarters`): 1×1
// 144→24 on 56×56 0.91–0.95, 96→24 0.92–0.95, 512→24 on 14×14 0.86 (same harness and host).
// Where the wide maps' 3×3s stand (AVX2 on AMD EPYC Zen 4, family 25 model 17, AVX-512 masked, 2 cores, FMA peak 91.1
// GFLOP/s; `bench/ckab.c`, one process, 11–15 alternating calls, minima): GoogLeNet's conv2 (3×3 64→192 on 56×56)
// takes 8.3 ms, 0.39 ms of it with the tiles' calls left out (padding copy, write-out and driver, 4.7 %), so the tiles
// run at ~96 % of the peak while they run; leaving the write-out out saves 0–1 %. One tile's loop over a K block of
// 192 taps in cache (/tmp harness, best of 3 × 7 runs): chunks of 6 positions 89.0–89.2 GFLOP/s (98 %), of 5 85.8, a
// tile of 5 + 6 87.4, of 5 + 5 + 4 85.1; yet in the convs these all measured alike (0.99–1.01 on ResNet-50's,
// GoogLeNet's and SqueezeNet's 3×3s): a wide map's strip as one run of positions across the row ends in chunks of 6
// (where rows ran 5 + 6 + 5 + …), the tap loop unrolled by 2, each tile's accumulator lines asked for (prefetchw) at
// its start (1.00–1.01), and K blocks of half the GEMM's (96 taps, 12 KB of weights a half; other bits, measurement
// only) 0.99–1.00. Whole-panel chunks (3 positions × 32 channels, as MLAS's FMA3 kernel) on those maps lost, 1.05–1.07.
// Where a wide map's time goes (rdtsc around the parts, `bench/ckab.c`, 15 alternating calls, same CPU): ResNet's 3×3
// 64→64 on 56×56 (2.78–2.80 ms) padding 2.4–2.6 %, write-out 1.3–1.5 %, tile calls 94.8 %, the driver between them
// 1.5 % (about what the two rdtsc a tile cost: the driver's loop and its divisions cost next to nothing); 128→128 on
// 28×28 1.2, 0.6, 96.5, 1.6 %; the 3×3/2 128→128 56→28 4.7–4.9, 0.7, 92.9, 1.6 % (its tiles as fast as the stride-1
// ones; the 1.7 MB padded window is the difference); GoogLeNet's 3a 3×3 1.3, 0.9, 96.1 %; NIN's conv2 0.4, 0.4,
// 97.4 %; SqueezeNet's fire2 (16→64 on 55×55, K 144) 1.9, 6.9, 89.7 %. With the padding and write-out left out and
// everything warm the tiles take 2.69–2.75 ms on 64→64 (84–86 GFLOP/s, 93–94 % of the peak), and so they do with
// every tile reading the same input, writing the same accumulators, no prefetches at all, or K blocks of 96 taps
// instead of 192; a tile of 5 + 6 positions alone, its input walking a row as in the conv, reads 88.3 GFLOP/s (97 %).
// Padding each strip's window just before its tiles (strips of 8 rows or the usual 36), writing each row out of the
// last K block as soon as its tiles are done, and ending each row's tile store with an overlapping 8 positions
// instead of a masked store all measured alike (0.99–1.01; whole networks and ckab.c). onnxruntime's NCHWc kernel runs these convs at 2.61–2.66 ms (96 % of the peak, its own
// profiler, no padding copy or write-out transposes).
// Inside the calls the tiles run at ~95 % of the peak: about 40 cycles a chunk beyond its FMAs. Lost, same bits
// (ckab.c, 15–21 alternating calls, minima, against these): the last K block's chunks writing their values straight
// to the output planes from registers (8 × 8 transposes, 16- and 8-byte stores) instead of the scratch and
// ck_ct_store_tiles_avx2, 1.02–1.05 on ResNet's, GoogLeNet's, NIN's and SqueezeNet's 3×3s and 5×5s (1.03–1.05 with
// each chunk asking for its own output lines first; into an L1 buffer instead, wrong values, 0.99–1.00: the scattered
// stores to 16 planes a chunk are what costs); the tap loop unrolled by 8 (0.998–1.006), 16 (0.97–1.02, noise) or
// 48 (1.08–1.11); strips of half the input budget (0.99–1.01); a wide map's K up to 432 in one block (inception's 5×5
// 16→32 0.993, SqueezeNet's fire4 1.007–1.009 and fire6 1.008–1.026).
#include "conv_channel.h"
#include <stdint.h>

#ifdef CK_X86
enum { CT2_HALF = 16 };

// One tap of a chunk: its weights at w (NW vectors), its positions at p + i·SW (i < A) and at q + j·SW (j < B).
// NW 4 (a whole panel, `wholes`: at most 3 positions, 12 accumulators) keeps the first two weight vectors and
// the broadcast in registers and has the FMA read the other two from memory, 11 loads for 12 FMAs (inline asm: from
// intrinsics clang kept all four in registers and spilled two accumulators to the stack every tap). The same
// rounding either way: the same bits.
__attribute__((target("avx2,fma"), always_inline)) static inline void
chunk_tap(__m256 c[2][CT2_CHUNK][4], const float *w, const float *p, const float *q, const int A, const int B,
          const int SW, const int NW) {
    __m256 wv[4];
    if (NW == 4) {
        wv[0] = _mm256_loadu_ps(w), wv[1] = _mm256_loadu_ps(w + 8);
        for (int r = 0; r < 2; r++)
            for (int i = 0; i < (r ? B : A); i++) {
                const __m256 b = _mm256_broadcast_ss((r ? q : p) + i * SW);
                c[r][i][0] = _mm256_fmadd_ps(wv[0], b, c[r][i][0]);
                c[r][i][1] = _mm256_fmadd_ps(wv[1], b, c[r][i][1]);
                __asm__("vfmadd231ps %[m], %[b], %[c]"
                        : [c] "+x"(c[r][i][2])
                        : [b] "x"(b), [m] "m"(*(const __m256 *)(w + 16)));
                __asm__("vfmadd231ps %[m], %[b], %[c]"
                        : [c] "+x"(c[r][i][3])
                        : [b] "x"(b), [m] "m"(*(const __m256 *)(w + 24)));
            }
        return;
    }
    for (int v = 0; v < NW; v++) wv[v] = _mm256_loadu_ps(w + 8 * v);
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < (r ? B : A); i++) {
            const __m256 b = _mm256_broadcast_ss((r ? q : p) + i * SW);
            for (int v = 0; v < NW; v++) c[r][i][v] = _mm256_fmadd_ps(wv[v], b, c[r][i][v]);
        }
}

// A chunk: A positions of one output row at x + i·SW and B (0 or more) of the next at x + step + j·SW, × channels
// half·16 ..< half·16 + 16 over kc taps, tap k at koff[k] from there, its 32 weights at w + k·32. acc (the first
// row's positions × 32 channels, this half's columns; the second row's at acc_b) is loaded (or set to the bias, or
// zero, when `first`), accumulated and stored back. A tile's
// lead chunk (LEAD) also makes the tile's prefetches as tile_body does, the weights' and output lines' over the
// first taps in one loop and the input's over the rest in another: one loop testing for all of them every tap (35
// instructions a tap for 10–12 FMAs) took 1.33–1.47× a bare chunk's time, the tile 1.10× (perf, ResNet's 3×3
// 128→128 on 28×28, AVX2 forced on AMD EPYC Zen 4, family 25 model 17). The others run the taps alone.
__attribute__((target("avx2,fma,prfchw"), always_inline)) static inline void
chunk_body(int kc, const float *w, const float *x, long step, const int *koff, float *acc, float *acc_b, int first,
           const float *bias, const float *ahead, int ahead_taps, long input_ahead, const ct_lines *out_lines,
           const int A, const int B, const int SW, const int LEAD, const int NW) {
    __m256 c[2][CT2_CHUNK][4];
    float *const out[2] = {acc, acc_b};
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < (r ? B : A); i++) {
            for (int v = 0; v < NW; v++) {
                if (!first) c[r][i][v] = _mm256_loadu_ps(out[r] + i * CT_BLOCK + 8 * v);
                else if (bias) c[r][i][v] = _mm256_loadu_ps(bias + 8 * v);
                else c[r][i][v] = _mm256_setzero_ps();
            }
        }
    int k = 0;
    if (LEAD) {
        const int spread = 2 * ahead_taps <= kc;
        ct_line_cursor cursor;
        const int line_taps = ct_start_lines(out_lines, kc, &cursor);
        // taps that prefetch weights or output lines
        const int weight_taps = spread ? 2 * ahead_taps : ahead_taps;
        int prefetching = line_taps > weight_taps ? line_taps : weight_taps;
        if (prefetching > kc) prefetching = kc;
        for (; k < prefetching; k++) {
            const float *p = x + koff[k];
            if (k < line_taps) ct_prefetch_line(out_lines, &cursor);
            if (spread) {
                if (k < 2 * ahead_taps) {
                    const float *next = ahead + (size_t)k * 16;
                    _mm_prefetch((const char *)next, _MM_HINT_T0);
                    _mm_prefetch((const char *)(next + (size_t)kc * CT_BLOCK), _MM_HINT_T1);
                }
            } else if (k < ahead_taps) {
                const float *next = ahead + (size_t)k * CT_BLOCK, *after = next + (size_t)kc * CT_BLOCK;
                _mm_prefetch((const char *)next, _MM_HINT_T0);
                _mm_prefetch((const char *)(next + 16), _MM_HINT_T0);
                _mm_prefetch((const char *)after, _MM_HINT_T1);
                _mm_prefetch((const char *)(after + 16), _MM_HINT_T1);
            }
            if (input_ahead) _mm_prefetch((const char *)(p + input_ahead), _MM_HINT_T0);
            chunk_tap(c, w + (size_t)k * CT_BLOCK, p, p + step, A, B, SW, NW);
        }
        if (input_ahead)
            for (; k < kc; k++) {
                const float *p = x + koff[k];
                _mm_prefetch((const char *)(p + input_ahead), _MM_HINT_T0);
                chunk_tap(c, w + (size_t)k * CT_BLOCK, p, p + step, A, B, SW, NW);
            }
    }
    for (; k < kc; k++) {
        const float *p = x + koff[k];
        chunk_tap(c, w + (size_t)k * CT_BLOCK, p, p + step, A, B, SW, NW);
    }
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < (r ? B : A); i++)
            for (int v = 0; v < NW; v++) _mm256_storeu_ps(out[r] + i * CT_BLOCK + 8 * v, c[r][i][v]);
}

typedef void (*chunk_fn)(int kc, const float *w, const float *x, long step, const int *koff, float *acc, float *acc_b,
                         int first, const float *bias, const float *ahead, int ahead_taps, long input_ahead,
                         const ct_lines *out_lines);
#define CT2_CHUNK_FN(A, B, SW, LEAD, NW, NAME)                                                                        \
    __attribute__((target("avx2,fma,prfchw"))) static void NAME##_##A##_##B##_##SW(                                   \
        int kc, const float *w, const float *x, long step, const int *koff, float *acc, float *acc_b, int first,     \
        const float *bias, const float *ahead, int ahead_taps, long input_ahead, const ct_lines *out_lines) {        \
        chunk_body(kc, w, x, step, koff, acc, acc_b, first, bias, ahead, ahead_taps, input_ahead, out_lines, A, B,    \
                   SW, LEAD, NW);                                                                                     \
    }
// A chunk's three functions: a tile's lead, the others, and an 8-channel one (`quarters`), never a lead.
#define CT2_CHUNK_FNS(A, B, SW)                                                                                       \
    CT2_CHUNK_FN(A, B, SW, 1, 2, lead) CT2_CHUNK_FN(A, B, SW, 0, 2, chunk) CT2_CHUNK_FN(A, B, SW, 0, 1, quarter)
// Every chunk a tile runs: one row's 1–6 positions, two rows' 1–3 each, and the runs across the row end of two rows
// 8–14 wide (tile_avx2), 3 + 2 (8, 13 and 14 wide) or 3 + 3 (9; 10–12 wide split at the row end).
#define CT2_EVERY(F, SW)                                                                                              \
    F(1, 0, SW) F(2, 0, SW) F(3, 0, SW) F(4, 0, SW) F(5, 0, SW) F(6, 0, SW) F(1, 1, SW) F(2, 2, SW) F(3, 3, SW)        \
    F(3, 2, SW)
CT2_EVERY(CT2_CHUNK_FNS, 1)
CT2_EVERY(CT2_CHUNK_FNS, 2)
// Whole-panel chunks (NW 4) of at most 3 positions, A of one row and B of the next: a tile's lead and the others.
#define CT2_WHOLE_FNS(A, B, SW) CT2_CHUNK_FN(A, B, SW, 1, 4, whole_lead) CT2_CHUNK_FN(A, B, SW, 0, 4, whole)
#define CT2_EVERY_WHOLE(F, SW) F(1, 0, SW) F(2, 0, SW) F(3, 0, SW) F(1, 1, SW) F(2, 1, SW) F(1, 2, SW)
CT2_EVERY_WHOLE(CT2_WHOLE_FNS, 1)
CT2_EVERY_WHOLE(CT2_WHOLE_FNS, 2)
#define CT2_WHOLE_AT(A, B, SW)                                                                                        \
    [SW - 1][0][A][B] = whole_##A##_##B##_##SW, [SW - 1][1][A][B] = whole_lead_##A##_##B##_##SW,
// [column stride − 1][lead][positions of the first row][of the second]: the whole panel's 32 channels at 3 positions
// at most, where a 16-channel half would be latency-bound (6 accumulators or fewer, 4 cycles a tap for 6 FMAs): one
// row of 3 or 7 (3 + 4), and two rows at most 7 wide as runs of 3 in order (7 + 7: 3 + 3 + 3 + 3 + 2, one crossing
// the row end, where chunks of both rows' columns ran 2 + 2, 2 + 2, 3 + 3 for each half; 2 + 3 + 3 + 3 + 3, a
// 2-position lead, measured as before). Alone in L1 (K block 128, AVX2 forced on AMD EPYC Zen 4, family 25 model
// 17): one row of 3 88 → 116 GFLOP/s, one row of 7 99.5 → 111.8 (AVX-512: 116 and 117.7). 3×3s on 7×7 (same-process
// harness, AVX2 / AVX-512, weights out of L2 at a 64-byte boundary, input read back, minima of 3–4 alternating
// processes, load 3–6), before → the row of 7 → both: 160→320 1.109 → 1.096 → 1.081, 192→384 1.115 → 1.103 → 1.077,
// 512→512 1.107 → 1.098 → 1.078; with the aligned test of CT2_TILE_FN 192→384 1.108 → 1.089, 512→512 1.119 →
// 1.107, and with the weights 16 bytes off alike (1.127 | 1.133, 1.141 | 1.141).
static const chunk_fn wholes[2][2][4][4] = {CT2_EVERY_WHOLE(CT2_WHOLE_AT, 1) CT2_EVERY_WHOLE(CT2_WHOLE_AT, 2)};
#define CT2_CHUNK_AT(A, B, SW)                                                                                        \
    [SW - 1][0][A][B] = chunk_##A##_##B##_##SW, [SW - 1][1][A][B] = lead_##A##_##B##_##SW,
#define CT2_QUARTER_AT(A, B, SW) [SW - 1][A][B] = quarter_##A##_##B##_##SW,
// [column stride − 1][lead][positions of the first row][of the second]
static const chunk_fn chunks[2][2][CT2_CHUNK + 1][CT2_CHUNK + 1] = {CT2_EVERY(CT2_CHUNK_AT, 1)
                                                                        CT2_EVERY(CT2_CHUNK_AT, 2)};
// [column stride − 1][positions of the first row][of the second]: 8 channels, chunks' third quarter of the panel
// for a block of 17–24
static const chunk_fn quarters[2][CT2_CHUNK + 1][CT2_CHUNK + 1] = {CT2_EVERY(CT2_QUARTER_AT, 1)
                                                                       CT2_EVERY(CT2_QUARTER_AT, 2)};

// A tile of na positions of one row (nb = 0) or na of each of two rows (nb = na) in chunks, each chunk both halves
// of the panel before the next, so its input values are in L1 for the second (`halves` 1: the first half only, for a
// block of at most 16 channels; 3: the second half as one 8-channel vector, for 17–24). The first chunk's first half
// leads. Two rows at most 7 wide run as whole-panel chunks of at most 3 of the positions in order (`wholes`), or
// for fewer channels as chunks of near-equal columns of both, at most 3 (7 + 7: 2 + 2 + 3); others
// as near-equal runs of at most 6 of the tile's positions in order, row A's then row B's, a run that crosses the row
// end one chunk (14: 5 + 5 + 4; 14 + 14: 5 + 6 + 5 + 6 + 6, the second as 3 of row A and 3 of row B).
__attribute__((always_inline)) static inline void
tile_avx2(int kc, const float *w, const float *x, const int *koff, long step, float *acc, int first, const float *bias,
          const float *ahead, int ahead_taps, long input_ahead, const ct_lines *out_lines, int na, int nb, int sw,
          const int halves, const int aligned) {
    const int twin = nb && na <= CT_TILE / 2, n = na + nb, whole = halves == 2 && twin && aligned;
    const int parts = whole ? (n + 2) / 3
                      : twin ? (na + CT2_CHUNK / 2 - 1) / (CT2_CHUNK / 2)
                             : (n + CT2_CHUNK - 1) / CT2_CHUNK;
    for (int part = 0; part < parts; part++) {
        // the chunk's A positions of one row from input x + from and acc position at, and B of the next row from
        // x + from + to_b and acc position at_b
        int A, B, at, at_b;
        long from, to_b = step;
        if (twin && !whole) {
            const int i0 = (int)((long)part * na / parts), i1 = (int)((long)(part + 1) * na / parts);
            A = B = i1 - i0, from = (long)i0 * sw, at = i0, at_b = na + i0;
        } else {
            // (whole: the shorter chunks last, so the lead runs 3 positions: 7 + 7 as 3 + 3 + 3 + 3 + 2)
            const int up = whole ? parts - 1 : 0;
            const int f0 = (int)(((long)part * n + up) / parts), f1 = (int)(((long)(part + 1) * n + up) / parts);
            at = f0, at_b = na;
            if (f1 <= na) A = f1 - f0, B = 0, from = (long)f0 * sw;
            else if (f0 >= na) A = f1 - f0, B = 0, from = step + (long)(f0 - na) * sw;
            else A = na - f0, B = f1 - na, from = (long)f0 * sw, to_b = step - from;
        }
        if (whole || (halves == 2 && !nb && (na == 3 || na == 7) && A == 3 && aligned)) {  // see wholes
            wholes[sw - 1][part == 0][A][B](kc, w, x + from, to_b, koff, acc + (size_t)at * CT_BLOCK,
                                            acc + (size_t)at_b * CT_BLOCK, first, bias, ahead, ahead_taps, input_ahead,
                                            out_lines);
            continue;
        }
        for (int half = 0; half < (halves == 1 ? 1 : 2); half++) {
            const int lead = part == 0 && half == 0;
            float *to = acc + half * CT2_HALF;
            const chunk_fn run = half && halves == 3 ? quarters[sw - 1][A][B] : chunks[sw - 1][lead][A][B];
            run(kc, w + half * CT2_HALF, x + from, to_b, koff, to + (size_t)at * CT_BLOCK, to + (size_t)at_b * CT_BLOCK,
                first, bias ? bias + half * CT2_HALF : NULL, ahead, ahead_taps, input_ahead, out_lines);
        }
    }
}

// Whole-panel chunks (`wholes`) run only on a panel at a 32-byte boundary, tested once a tile where a tile has them:
// their FMAs read two weight vectors from memory at every position, and with the panel 16 bytes off (as an inference
// plan's packed weights may lie) half of those reads cross a cache line: 3×3 192→384 on 7×7 took 1.3× the halves'
// time in the harness, 1.21–1.24× in GoogLeNet (inception_5b/3x3). The halves give the same bits.
#define CT2_TILE_FN(NA, NB, SW)                                                                                       \
    static void tile2_##NA##_##NB##_##SW(int kc, const float *w, const float *x, const int *koff, long step,          \
                                         float *acc, int first, const float *bias, const float *ahead,                 \
                                         int ahead_taps, long input_ahead, const ct_lines *out_lines) {               \
        if ((NB ? NA <= CT_TILE / 2 : NA == 3 || NA == 7) && ((uintptr_t)w & 31) == 0)                               \
            tile_avx2(kc, w, x, koff, step, acc, first, bias, ahead, ahead_taps, input_ahead, out_lines, NA, NB, SW,  \
                      2, 1);                                                                                           \
        else                                                                                                          \
            tile_avx2(kc, w, x, koff, step, acc, first, bias, ahead, ahead_taps, input_ahead, out_lines, NA, NB, SW,  \
                      2, 0);                                                                                           \
    }                                                                                                                 \
    static void half2_##NA##_##NB##_##SW(int kc, const float *w, const float *x, const int *koff, long step,          \
                                         float *acc, int first, const float *bias, const float *ahead,                 \
                                         int ahead_taps, long input_ahead, const ct_lines *out_lines) {               \
        tile_avx2(kc, w, x, koff, step, acc, first, bias, ahead, ahead_taps, input_ahead, out_lines, NA, NB, SW, 1,   \
                  0);                                                                                                  \
    }                                                                                                                 \
    static void three2_##NA##_##NB##_##SW(int kc, const float *w, const float *x, const int *koff, long step,         \
                                          float *acc, int first, const float *bias, const float *ahead,                \
                                          int ahead_taps, long input_ahead, const ct_lines *out_lines) {              \
        tile_avx2(kc, w, x, koff, step, acc, first, bias, ahead, ahead_taps, input_ahead, out_lines, NA, NB, SW, 3,   \
                  0);                                                                                                  \
    }
#define CT2_TILE_FNS(SW)                                                                                              \
    CT2_TILE_FN(1, 0, SW) CT2_TILE_FN(2, 0, SW) CT2_TILE_FN(3, 0, SW) CT2_TILE_FN(4, 0, SW) CT2_TILE_FN(5, 0, SW)     \
    CT2_TILE_FN(6, 0, SW) CT2_TILE_FN(7, 0, SW) CT2_TILE_FN(8, 0, SW) CT2_TILE_FN(9, 0, SW) CT2_TILE_FN(10, 0, SW)   \
    CT2_TILE_FN(11, 0, SW) CT2_TILE_FN(12, 0, SW) CT2_TILE_FN(13, 0, SW) CT2_TILE_FN(14, 0, SW)                      \
    CT2_TILE_FN(1, 1, SW) CT2_TILE_FN(2, 2, SW) CT2_TILE_FN(3, 3, SW) CT2_TILE_FN(4, 4, SW) CT2_TILE_FN(5, 5, SW)    \
    CT2_TILE_FN(6, 6, SW) CT2_TILE_FN(7, 7, SW) CT2_TILE_FN(8, 8, SW) CT2_TILE_FN(9, 9, SW) CT2_TILE_FN(10, 10, SW) \
    CT2_TILE_FN(11, 11, SW) CT2_TILE_FN(12, 12, SW) CT2_TILE_FN(13, 13, SW) CT2_TILE_FN(14, 14, SW)
CT2_TILE_FNS(1)
CT2_TILE_FNS(2)
#define CT2_ONE_ROW(P, SW)                                                                                            \
    {NULL,          P##_1_0_##SW,  P##_2_0_##SW,  P##_3_0_##SW,  P##_4_0_##SW,  P##_5_0_##SW,  P##_6_0_##SW,          \
     P##_7_0_##SW,  P##_8_0_##SW,  P##_9_0_##SW,  P##_10_0_##SW, P##_11_0_##SW, P##_12_0_##SW, P##_13_0_##SW,         \
     P##_14_0_##SW}
#define CT2_TWO_ROWS(P, SW)                                                                                           \
    {NULL,          P##_1_1_##SW,   P##_2_2_##SW,   P##_3_3_##SW,   P##_4_4_##SW,   P##_5_5_##SW,                     \
     P##_6_6_##SW,  P##_7_7_##SW,   P##_8_8_##SW,   P##_9_9_##SW,   P##_10_10_##SW, P##_11_11_##SW,                   \
     P##_12_12_##SW, P##_13_13_##SW, P##_14_14_##SW}
const tile_fn ck_ct_one_row_avx2[3][2][CT_TILE + 1] = {{CT2_ONE_ROW(half2, 1), CT2_ONE_ROW(half2, 2)},
                                                       {CT2_ONE_ROW(three2, 1), CT2_ONE_ROW(three2, 2)},
                                                       {CT2_ONE_ROW(tile2, 1), CT2_ONE_ROW(tile2, 2)}};
const tile_fn ck_ct_two_rows_avx2[3][2][CT_TILE + 1] = {{CT2_TWO_ROWS(half2, 1), CT2_TWO_ROWS(half2, 2)},
                                                            {CT2_TWO_ROWS(three2, 1), CT2_TWO_ROWS(three2, 2)},
                                                            {CT2_TWO_ROWS(tile2, 1), CT2_TWO_ROWS(tile2, 2)}};

// In place of ck_padded_row's three calls a row (memset, memcpy, memset): ResNet's 3×3 512→512 on 7×7 0.97 of the
// time, MobileNetV2's 3×3/2 stem 0.95, the other 3×3s and 5×5s of ResNet, GoogLeNet, SqueezeNet and NIN 0.98–0.99
// (CKAB_COLD, minima of 21 alternating calls, 1 thread, AVX2 forced on AMD EPYC Zen 4, family 25 model 17, load 5–6).
// Same bits.
__attribute__((target("avx2"))) void ck_ct_pad_plane_avx2(float *d, const float *plane, int H, int W, int iy0, int vh,
                                                          int vw, int x0) {
    // the columns j of d that lie inside the plane: lo ..< hi
    const int lo = x0 < 0 ? -x0 : 0, hi = W - x0 < vw ? W - x0 : vw;
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int r = 0; r < vh; r++, d += vw) {
        const int iy = iy0 + r, inside = iy >= 0 && iy < H;
        const float *row = plane + (long)(inside ? iy : 0) * W + x0;
        for (int j0 = 0; j0 < vw; j0 += 8) {
            // a row's last 8 columns overlap the ones before (rows narrower than 8 masked)
            const int j = j0 + 8 <= vw || vw < 8 ? j0 : vw - 8;
            const __m256i column = _mm256_add_epi32(_mm256_set1_epi32(j), lanes);
            const __m256i in = _mm256_and_si256(_mm256_cmpgt_epi32(column, _mm256_set1_epi32(lo - 1)),
                                                _mm256_cmpgt_epi32(_mm256_set1_epi32(hi), column));
            const __m256 v = inside ? _mm256_maskload_ps(row + j, in) : _mm256_setzero_ps();
            if (j + 8 <= vw) _mm256_storeu_ps(d + j, v);
            else _mm256_maskstore_ps(d + j, _mm256_cmpgt_epi32(_mm256_set1_epi32(vw), column), v);
        }
    }
}

__attribute__((target("avx2,fma"))) void ck_ct_store_tiles_avx2(const float *acc, int count, int jend, float *out,
                                                                const float *addend, size_t plane, ck_activation a) {
    const __m256 zero = _mm256_setzero_ps();
    for (int p0 = 0; p0 < count; p0 += 8) {
        const int np = count - p0 < 8 ? count - p0 : 8;
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(np), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        for (int j0 = 0; j0 < jend; j0 += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) r[i] = i < np ? _mm256_loadu_ps(acc + (size_t)(p0 + i) * CT_BLOCK + j0) : zero;
            ck_transpose8(r);
            const int nj = jend - j0 < 8 ? jend - j0 : 8;
            for (int j = 0; j < nj; j++) {
                float *to = out + (size_t)(j0 + j) * plane + (size_t)p0;
                __m256 v = r[j];
                if (np == 8) {
                    if (addend) v = _mm256_add_ps(v, _mm256_loadu_ps(addend + (to - out)));
                    _mm256_storeu_ps(to, ck_activate8(v, a));
                } else {
                    if (addend) v = _mm256_add_ps(v, _mm256_maskload_ps(addend + (to - out), mask));
                    _mm256_maskstore_ps(to, mask, ck_activate8(v, a));
                }
            }
        }
    }
}
#endif
