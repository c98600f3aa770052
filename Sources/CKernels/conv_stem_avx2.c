// AVX2's stems (conv_channel.c's pr_rows at 8 lanes): a conv of at most 3 input channels on a map wider than a
// channel tile's row segment, its K one block, as rows of position vectors. Vectors run along 8 output columns of a
// row, each weight is broadcast, and every value goes straight to its channel plane, where the AVX2 channel tiles
// (conv_channel_avx2.c) transpose 8 × 8 blocks of their scratch into the planes and copy a padded window first.
#include "conv_channel.h"
#include <stdlib.h>
#include <string.h>

#ifdef CK_X86
// Each tile: mr ≤ ST_MR channels × nv ≤ ST_NV vectors of one output row (or of a run of whole rows, see `run` in
// ck_stem_rows_avx2), mr·nv accumulators. 4 × 3 (all 16 registers:
// 12 accumulators, the 3 input vectors of a tap held and one broadcast at a time, 7 loads a tap for 12 FMAs) runs its
// taps as inline asm: from intrinsics clang rotated and spilled accumulators every tap. A 32-channel block is 8 tiles
// of 4 channels, where 3 × 4 tiles (3 broadcasts held, one input vector at a time) ran 10 of 3 and one of 2; a row of
// 14 vectors (112 or 109 wide) 2 + 3 + 3 + 3 + 3. bench/ckab.c, one process, 21 alternating calls, minima, AVX2 on AMD
// EPYC Zen 4 (family 25 model 17, AVX-512 masked), 4 × 3 against 3 × 4 (which the 7×7/2 stems ran on the channel
// tiles), warm | CKAB_COLD=1 CKAB_WARM=i: ResNet's and GoogLeNet's 7×7/2 3→64 0.941 | 0.943, SqueezeNet's 3→96
// 0.965 | 0.961, MobileNetV2's 3×3/2 3→32 0.974 | 1.016; one stem's 8 rows in cache 85.6 GFLOP/s (94 % of the peak)
// against the tiles' 80.7. Whole networks: see pr_stem_avx2 in conv_channel.c. Earlier (same harness, against the
// AVX2 channel tiles, 2 × 6 | 3 × 4): MobileNetV2's stem 0.95–0.96 | 0.98, the 7×7/2 stems 1.10–1.18 | 1.07–1.08. The
// last vector `tail`-masked as it is stored, unless `whole` (every vector's 8 lanes stored, as on MobileNetV2's,
// ResNet's and NIN's maps, 112 and 32 wide): a masked store (vmaskmovps) a channel a tile had cost MobileNetV2's stem
// 0.87–0.91 of its time against plain stores (same harness, warm and CKAB_COLD=1). Input: the zero-padded window in
// stride-phase rows (view column x at phase x % SW, index x / SW of a row of SW·pw floats), so a tap's 8 columns are
// contiguous; loads past a row's end land in the next row (or the window's 16 floats of zeroed slack) and feed only
// lanes that are not stored. The first taps ask for the lines the tile's channels and columns will write next (in
// the row written next), one a tap, those taps unrolled (each line a constant offset, where a loop computed k / nv
// and k % nv a tap: MobileNetV2's stem 0.967–0.983 of the time, same harness, 31 calls, warm and cold). Each value
// starts from its bias (or zero) and takes the taps in order, as a channel tile's sum in one K block: the same bits.
// The window is copied in bands of ST_BAND output rows, each just before its rows run (every block of them), where
// the whole window was copied first (632 KB at 1 thread on the 224×224 stems, out of L1 and most of L2 before its
// rows ran): MobileNetV2's stem with caches flushed (CKAB_COLD=1 CKAB_WARM=i, 41 alternating calls, same CPU)
// 0.93–0.95 of the time by minima, 0.81–0.85 by medians, warm 0.99–1.03; bands of 4 rows 0.985, of 16 0.94–0.95.
// Whole MobileNetV2 (bench/ab-nodes.py, 6 alternating processes, per-node minima | medians, with the unrolled
// prefetches): conv1 at 1 thread 0.984 | 0.981, at 2 threads 0.961 | 0.958; NIN-CIFAR's conv1 0.998 | 1.004.
enum { ST_MR = 4, ST_NV = 3, ST_BAND = 8 };

// One tile: vector v's taps from x + 8·v + koff[k], or with `split` from xs[v] + koff[k] (a run's group across a row's
// end).
__attribute__((target("avx2,fma"), always_inline)) static inline void
st_tile_body(int K, const float *w, const float *x, const float *const *xs, const int *koff, const float *bias,
             float *out, size_t plane, __m256i tail, int whole, ck_activation a, const float *addend, const float *next,
             const int nv, const int MR, const int split) {
    __m256 c[ST_MR][ST_NV];
    for (int j = 0; j < MR; j++) {
        const __m256 b0 = bias ? _mm256_set1_ps(bias[j]) : _mm256_setzero_ps();
        for (int v = 0; v < nv; v++) c[j][v] = b0;
    }
// A 4 × 3 tap's 12 FMAs and their accumulators, after its 3 input vectors were loaded into ymm12–14 (ST_TAP)
#define ST_FMAS                                                                                                       \
    "vbroadcastss (%[w]), %%ymm15\n\t"                                                                                \
    "vfmadd231ps %%ymm12, %%ymm15, %[a0]\n\tvfmadd231ps %%ymm13, %%ymm15, %[a1]\n\t"                                  \
    "vfmadd231ps %%ymm14, %%ymm15, %[a2]\n\t"                                                                         \
    "vbroadcastss 4(%[w]), %%ymm15\n\t"                                                                               \
    "vfmadd231ps %%ymm12, %%ymm15, %[b0]\n\tvfmadd231ps %%ymm13, %%ymm15, %[b1]\n\t"                                  \
    "vfmadd231ps %%ymm14, %%ymm15, %[b2]\n\t"                                                                         \
    "vbroadcastss 8(%[w]), %%ymm15\n\t"                                                                               \
    "vfmadd231ps %%ymm12, %%ymm15, %[c0]\n\tvfmadd231ps %%ymm13, %%ymm15, %[c1]\n\t"                                  \
    "vfmadd231ps %%ymm14, %%ymm15, %[c2]\n\t"                                                                         \
    "vbroadcastss 12(%[w]), %%ymm15\n\t"                                                                              \
    "vfmadd231ps %%ymm12, %%ymm15, %[d0]\n\tvfmadd231ps %%ymm13, %%ymm15, %[d1]\n\t"                                  \
    "vfmadd231ps %%ymm14, %%ymm15, %[d2]"                                                                             \
    : [a0] "+x"(c[0][0]), [a1] "+x"(c[0][1]), [a2] "+x"(c[0][2]), [b0] "+x"(c[1][0]),                                 \
    [b1] "+x"(c[1][1]), [b2] "+x"(c[1][2]), [c0] "+x"(c[2][0]), [c1] "+x"(c[2][1]),                                   \
    [c2] "+x"(c[2][2]), [d0] "+x"(c[3][0]), [d1] "+x"(c[3][1]), [d2] "+x"(c[3][2])
#define ST_TAP(k)                                                                                                     \
    if (MR == 4 && nv == 3 && !split) {                                                                               \
        const float *p = x + koff[k], *wk = w + (size_t)(k) * CT_BLOCK;                                               \
        __asm__("vmovups (%[p]), %%ymm12\n\tvmovups 32(%[p]), %%ymm13\n\tvmovups 64(%[p]), %%ymm14\n\t"               \
                ST_FMAS                                                                                               \
                : [p] "r"(p), [w] "r"(wk), "m"(*(const float(*)[24])p), "m"(*(const float(*)[4])wk)                   \
                : "xmm12", "xmm13", "xmm14", "xmm15");                                                                \
    } else if (MR == 4 && nv == 3) {                                                                                  \
        const long o = koff[k];                                                                                       \
        const float *wk = w + (size_t)(k) * CT_BLOCK;                                                                 \
        __asm__("vmovups (%[p0],%[o],4), %%ymm12\n\tvmovups (%[p1],%[o],4), %%ymm13\n\t"                              \
                "vmovups (%[p2],%[o],4), %%ymm14\n\t"                                                                 \
                ST_FMAS                                                                                               \
                : [p0] "r"(xs[0]), [p1] "r"(xs[1]), [p2] "r"(xs[2]), [o] "r"(o), [w] "r"(wk),                         \
                  "m"(*(const float(*)[8])(xs[0] + o)), "m"(*(const float(*)[8])(xs[1] + o)),                         \
                  "m"(*(const float(*)[8])(xs[2] + o)), "m"(*(const float(*)[4])wk)                                   \
                : "xmm12", "xmm13", "xmm14", "xmm15");                                                                \
    } else {                                                                                                          \
        const float *wk = w + (size_t)(k) * CT_BLOCK;                                                                 \
        __m256 in[ST_NV];                                                                                             \
        for (int v = 0; v < nv; v++) in[v] = _mm256_loadu_ps(split ? xs[v] + koff[k] : x + koff[k] + 8 * v);          \
        for (int j = 0; j < MR; j++) {                                                                                \
            const __m256 b = _mm256_broadcast_ss(wk + j);                                                             \
            for (int v = 0; v < nv; v++) c[j][v] = _mm256_fmadd_ps(b, in[v], c[j][v]);                                \
        }                                                                                                             \
    }
#define ST_LINE_TAP(k)                                                                                                \
    {                                                                                                                 \
        __builtin_prefetch(next + (size_t)((k) / nv) * plane + 8 * ((k) % nv), 1, 3);                                 \
        ST_TAP(k)                                                                                                     \
    }
    int k = 0;
    if (next && K >= MR * nv) {
        _Pragma("clang loop unroll(full)") for (; k < MR * nv; k++) ST_LINE_TAP(k)
    } else if (next) {
        for (; k < K; k++) ST_LINE_TAP(k)
    }
    for (; k < K; k++) ST_TAP(k)
#undef ST_LINE_TAP
#undef ST_TAP
#undef ST_FMAS
    for (int j = 0; j < MR; j++)
        for (int v = 0; v < nv; v++) {
            const size_t at = (size_t)j * plane + (size_t)8 * v;
            __m256 r = c[j][v];
            if (v + 1 < nv || whole) {
                if (addend) r = _mm256_add_ps(r, _mm256_loadu_ps(addend + at));
                _mm256_storeu_ps(out + at, ck_activate8(r, a));
            } else {
                if (addend) r = _mm256_add_ps(r, _mm256_maskload_ps(addend + at, tail));
                _mm256_maskstore_ps(out + at, tail, ck_activate8(r, a));
            }
        }
}

typedef void (*st_fn)(int K, const float *w, const float *x, const int *koff, const float *bias, float *out,
                      size_t plane, __m256i tail, int whole, ck_activation a, const float *addend, const float *next);
// As st_fn, vector v's inputs from xs[v] (a run's groups across a row's end)
typedef void (*st_run_fn)(int K, const float *w, const float *const *xs, const int *koff, const float *bias,
                          float *out, size_t plane, __m256i tail, int whole, ck_activation a, const float *addend,
                          const float *next);
#define ST_TILE_FN(NV, MR)                                                                                            \
    __attribute__((target("avx2,fma"))) static void st_tile_##NV##_##MR(                                              \
        int K, const float *w, const float *x, const int *koff, const float *bias, float *out, size_t plane,          \
        __m256i tail, int whole, ck_activation a, const float *addend, const float *next) {                           \
        st_tile_body(K, w, x, NULL, koff, bias, out, plane, tail, whole, a, addend, next, NV, MR, 0);                 \
    }                                                                                                                 \
    __attribute__((target("avx2,fma"))) static void st_run_##NV##_##MR(                                               \
        int K, const float *w, const float *const *xs, const int *koff, const float *bias, float *out,                \
        size_t plane, __m256i tail, int whole, ck_activation a, const float *addend, const float *next) {             \
        st_tile_body(K, w, NULL, xs, koff, bias, out, plane, tail, whole, a, addend, next, NV, MR, 1);                \
    }
#define ST_TILE_FNS(MR) ST_TILE_FN(1, MR) ST_TILE_FN(2, MR) ST_TILE_FN(3, MR)
ST_TILE_FNS(1)
ST_TILE_FNS(2)
ST_TILE_FNS(3)
ST_TILE_FNS(4)
#undef ST_TILE_FNS
#undef ST_TILE_FN
// [channels − 1][vectors]
static const st_fn st_tiles[ST_MR][ST_NV + 1] = {{NULL, st_tile_1_1, st_tile_2_1, st_tile_3_1},
                                                 {NULL, st_tile_1_2, st_tile_2_2, st_tile_3_2},
                                                 {NULL, st_tile_1_3, st_tile_2_3, st_tile_3_3},
                                                 {NULL, st_tile_1_4, st_tile_2_4, st_tile_3_4}};
static const st_run_fn st_runs[ST_MR][ST_NV + 1] = {{NULL, st_run_1_1, st_run_2_1, st_run_3_1},
                                                    {NULL, st_run_1_2, st_run_2_2, st_run_3_2},
                                                    {NULL, st_run_1_3, st_run_2_3, st_run_3_3},
                                                    {NULL, st_run_1_4, st_run_2_4, st_run_3_4}};

// One group of a run: nv ≤ ST_NV output vectors (vector v's taps from x[v] + koff[k]) of every ST_MR channels of a
// block's first jend, channel j's values from output + at + j·plane on (8 · nv of them, all stored), each tile asking
// for the lines `ahead` floats on from its own (none when 0: nothing is written next).
__attribute__((target("avx2,fma"), always_inline)) static inline void
st_run_group(int K, const float *panel, const float *const *x, const int *koff, const float *bias_block,
             float *output, size_t at, size_t plane, int jend, int nv, __m256i tail, ck_output_epilogue epilogue,
             long ahead) {
    for (int j0 = 0; j0 < jend; j0 += ST_MR) {
        const int mr = jend - j0 < ST_MR ? jend - j0 : ST_MR;
        const size_t a = at + (size_t)j0 * plane;
        st_runs[mr - 1][nv](K, panel + j0, x, koff, bias_block ? bias_block + j0 : NULL, output + a, plane, tail, 1,
                            epilogue.activation, epilogue.addend ? epilogue.addend + a : NULL,
                            ahead ? output + a + ahead : NULL);
    }
}

// Rows iy0 ..< iy0 + vh, columns x0 ..< x0 + 2·pw of a channel plane (H, W), zero outside it -> d (vh rows of 2
// phases of pw floats each: view column x at d[row·2·pw + (x % 2)·pw + x / 2]).
__attribute__((target("avx2"))) static void st_pad_phases(float *d, const float *plane, int H, int W, int iy0, int vh,
                                                          int x0, int pw) {
    for (int r = 0; r < vh; r++, d += (size_t)2 * pw) {
        const int iy = iy0 + r;
        if (iy < 0 || iy >= H) {
            memset(d, 0, (size_t)2 * pw * sizeof(float));
            continue;
        }
        const float *row = plane + (size_t)iy * W;
        int j = 0;
        for (; j < pw; j++) {  // the left edge, up to where 16 columns lie inside the row
            const int x = x0 + 2 * j;
            if (x >= 0 && x + 16 <= W) break;
            d[j] = x >= 0 && x < W ? row[x] : 0.0f;
            d[pw + j] = x + 1 >= 0 && x + 1 < W ? row[x + 1] : 0.0f;
        }
        for (; j + 8 <= pw && x0 + 2 * j + 16 <= W; j += 8) {
            const float *s = row + x0 + 2 * j;
            const __m256 lo = _mm256_loadu_ps(s), hi = _mm256_loadu_ps(s + 8);
            // shuffles give 0 2 8 10 | 4 6 12 14 (and the odd ones); the 64-bit permute puts the quarters in order
            const __m256 e = _mm256_castpd_ps(_mm256_permute4x64_pd(
                _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0)));
            const __m256 o = _mm256_castpd_ps(_mm256_permute4x64_pd(
                _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1))), _MM_SHUFFLE(3, 1, 2, 0)));
            _mm256_storeu_ps(d + j, e);
            _mm256_storeu_ps(d + pw + j, o);
        }
        _Pragma("clang loop vectorize(disable)") for (; j < pw; j++) {
            const int x = x0 + 2 * j;
            d[j] = x >= 0 && x < W ? row[x] : 0.0f;
            d[pw + j] = x + 1 >= 0 && x + 1 < W ? row[x + 1] : 0.0f;
        }
    }
}

__attribute__((target("avx2,fma"))) void ck_stem_rows_avx2(const ck_conv_desc *g, const float *input,
                                                           const float *panels, const float *bias, float *output,
                                                           int oy0, int oy1, int m0, int m1,
                                                           ck_output_epilogue epilogue, float *own,
                                                           void (*pack)(int M, int K, const float *A, int b,
                                                                        float *dst),
                                                           const float *weight) {
    const int C = g->channels, H = g->height, W = g->width, M = g->outChannels, OH = g->outHeight, OW = g->outWidth;
    const int sh = g->strideHeight, sw = g->strideWidth, K = C * g->kernelHeight * g->kernelWidth, rows = oy1 - oy0;
    // Bands of ST_BAND output rows (all rows when the panels are packed on the fly, one at a time), each band's
    // window copied just before its rows run, every band's copy laid out as the first's (its plane).
    const int band = panels && rows > ST_BAND ? ST_BAND : rows;
    const ct_window full = ct_window_of(g, oy0, oy0 + band);
    // the scratch pr_rows takes (the memory budget counts it)
    float *view = ck_scratch_buffer(CK_SCRATCH_PADDED, (size_t)C * full.plane + 16);
    int *koff = (int *)ck_scratch_buffer(CK_SCRATCH_PACK_B, (size_t)K);
    if (!view || !koff) abort();
    memset(view + (size_t)C * full.plane, 0, 16 * sizeof(float));
    ct_stem_tap_offsets(g, &full, koff);
    const int vectors = (OW + 7) / 8, segments = (vectors + ST_NV - 1) / ST_NV;
    // Whole rows (every vector's 8 lanes stored) shorter than two ST_NV-vector segments run a band's vectors as one
    // run, 4 × 3 tiles across row ends, where NIN-CIFAR's 32 columns ran as 2 + 2 vectors on 4 × 2 tiles (89 % of the
    // peak, where 24 and 48 columns, 3 and 6 vectors a row, ran at 97 %). bench/ckab.c, one process, 21–41
    // alternating calls, minima, AVX2 on AMD EPYC Zen 4 (family 25 model 17, AVX-512 masked): NIN-CIFAR's conv1
    // 0.89–0.95 of the time; whole NIN-CIFAR (bench/ab-nodes.py, 6 alternating processes, per-node minima | medians,
    // GoogLeNet at 2 threads 21.5 ms around the runs): conv1 at 1 thread 0.940 | 0.926, at 2 threads 0.909 (medians
    // disturbed). The 112-wide stems (14 vectors a row, 2 + 3 + 3 + 3 + 3) as one run: ResNet-50's 0.999, MobileNetV2's
    // 1.023 (each tile's lines asked for one group ahead, not a row): they keep their row segments.
    const int run = OW % 8 == 0 && vectors < 2 * ST_NV && vectors % ST_NV != 0;
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(OW - (vectors - 1) * 8), lanes);
    const size_t plane = (size_t)OH * OW;
    float bias_block[CT_BLOCK];
    for (int r0 = 0; r0 < rows; r0 += band) {
        const int r1 = rows - r0 < band ? rows : r0 + band;
        const ct_window v = ct_window_of(g, oy0 + r0, oy0 + r1);
        for (int c = 0; c < C; c++) {
            float *d = view + (size_t)c * full.plane;
            const float *plane_in = input + (size_t)c * H * W;
            if (sw == 1) ck_ct_pad_plane_avx2(d, plane_in, H, W, v.iy0, v.vh, v.vw, -g->padLeft);
            else st_pad_phases(d, plane_in, H, W, v.iy0, v.vh, -g->padLeft, v.pw);
        }
        for (int b = m0 / CT_BLOCK; b * CT_BLOCK < m1; b++) {
            const float *panel = panels ? panels + (size_t)b * K * CT_BLOCK : own;
            if (!panels) pack(M, K, weight, b, own);
            const int jend = m1 - b * CT_BLOCK < CT_BLOCK ? m1 - b * CT_BLOCK : CT_BLOCK;
            if (bias)
                for (int j = 0; j < CT_BLOCK; j++) bias_block[j] = b * CT_BLOCK + j < M ? bias[b * CT_BLOCK + j] : 0.0f;
            if (run) {
                // the band's vectors as one run, each plane's rows following each other, in near-equal groups of
                // at most ST_NV (a group may take vectors of two rows: each vector its own input row)
                const int total = (r1 - r0) * vectors, groups = (total + ST_NV - 1) / ST_NV;
                for (int gi = 0, f0 = 0; gi < groups; gi++) {
                    const int nv = (total - f0) / (groups - gi);
                    const float *xs[ST_NV];
                    for (int u = 0; u < nv; u++)
                        xs[u] = view + (size_t)((f0 + u) / vectors) * sh * full.row_floats + 8 * ((f0 + u) % vectors);
                    // the group written next: this block's next of the band, or the next block's first, or the first
                    // block's first of the next band (none after the last)
                    int next_b = b, next_r = r0 + (f0 + nv) / vectors;
                    if (f0 + nv == total && (b + 1) * CT_BLOCK < m1) next_b = b + 1, next_r = r0;
                    else if (f0 + nv == total) next_b = m0 / CT_BLOCK;
                    const long ahead = (long)(next_b - b) * CT_BLOCK * plane + (long)(next_r - r0) * OW +
                                       8 * ((f0 + nv) % vectors) - 8 * f0;
                    st_run_group(K, panel, xs, koff, bias ? bias_block : NULL, output,
                                 (size_t)b * CT_BLOCK * plane + (size_t)(oy0 + r0) * OW + (size_t)8 * f0, plane, jend,
                                 nv, tail, epilogue, next_r < rows ? ahead : 0);
                    f0 += nv;
                }
                continue;
            }
            for (int r = r0; r < r1; r++) {
                const float *x = view + (size_t)(r - r0) * sh * full.row_floats;
                // the row written next: this block's next of the band, or the next block's first, or the first
                // block's first of the next band (none after the last)
                int next_b = b, next_r = r + 1;
                if (next_r == r1 && (b + 1) * CT_BLOCK < m1) next_b = b + 1, next_r = r0;
                else if (next_r == r1) next_b = m0 / CT_BLOCK;
                const long ahead = ((long)(next_b - b) * CT_BLOCK * OH + next_r - r) * OW;
                for (int s = 0, v0 = 0; s < segments; s++) {
                    const int nv = (vectors - v0) / (segments - s);
                    const size_t col = (size_t)8 * v0;
                    for (int j0 = 0; j0 < jend; j0 += ST_MR) {
                        const int mr = jend - j0 < ST_MR ? jend - j0 : ST_MR;
                        const size_t at = (size_t)(b * CT_BLOCK + j0) * plane + (size_t)(oy0 + r) * OW + col;
                        st_tiles[mr - 1][nv](K, panel + j0, x + col, koff, bias ? bias_block + j0 : NULL, output + at,
                                             plane, tail, v0 + nv < vectors || OW % 8 == 0, epilogue.activation,
                                             epilogue.addend ? epilogue.addend + at : NULL,
                                             next_r < rows ? output + at + ahead : NULL);
                    }
                    v0 += nv;
                }
            }
        }
    }
}
#endif
