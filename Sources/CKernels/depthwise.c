// Depthwise convolution (one input channel per group) as a direct kernel: a GEMM with one row and KH·KW
// columns per group is all overhead, and the layer is memory-bound. Each output row is computed a vector of
// output columns at a time (AVX-512: 16, AVX2: 8) with the channel's KH·KW taps broadcast once into
// registers, reading the input rows in place (masked loads at the padded edges); stride 2 deinterleaves two
// loads. 3×3 windows at stride 1 or 2 compute several output rows at once, so each input row is loaded once for
// all of them and their sums run side by side. On AVX-512, 3×3 stride-1 maps up to 16 wide run as one flat run of
// vectors over a zero-bordered copy of the plane (every lane filled on 7×7 and 14×14 maps, no masked loads; there
// the taps are cut from aligned loads by lane shifts), and 3×3 stride-2 maps with output rows up to 7 wide two
// output rows a vector; on AVX2, 3×3 maps up to 64 wide at stride 1 or 2 read a zero-bordered copy of the plane (at
// stride 2 split into even and odd columns), where every tap is a plain load, and wider 3×3 stride-2 maps split each
// input row's aligned pairs of loads into even and odd columns in place. Strides above 2 go through the same
// sum in C, point by point. The nodes a forward pass
// fuses into the conv (a batch norm's per-channel affine map, then ReLU or clip = ReLU6) write
// their outputs in the same pass, beside the convolution's own, so the layer reads its input once and writes
// each output once. AVX2 and AVX-512 add the taps in the same order with fused multiply-adds and agree bit for
// bit; the portable C rounds each product separately.
#include "row_vectors.h"
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { DW_MAX_TAPS = 25 };  // 5×5 windows and smaller run vectorised
enum { DW_MAX_ROWS = 4 };  // the most output rows a 3×3 plane computes at once

// Where one plane's values go: the sum at y; when not NULL, sum · gain + offset at affined (a batch norm) and
// the activation of the last of those at activated.
typedef struct {
    float *y, *affined, *activated;
    float gain, offset;
    ck_activation act;
} dw_outputs;

// The arguments of one ck_depthwise_conv call, and what its planes share.
typedef struct {
    const ck_conv_desc *g;
    int images, planes, taps, c0;
    size_t in_plane, out_plane;
    const float *input, *weight, *bias, *gain, *offset;
    float *output, *affined, *activated;
    ck_activation act;
} dw_call;

// Plane i of a call: output channel c0 + i / images of image i mod images, and the input plane it reads.
static inline const float *dw_source(const dw_call *k, int i) {
    const size_t channel = (size_t)((k->c0 + i / k->images) / k->g->outChannels);
    return k->input + (channel * k->images + (size_t)(i % k->images)) * k->in_plane;
}

// Runs BODY on every plane of call K with i, c (its output channel), x (its input plane), w (its taps), b (its
// bias) and o (its outputs) set. The paired and padded planes loop inside their own AVX-512 functions, the plane
// inlined, where a call a plane (its outputs passed on the stack) weighed on small planes: `bench/ckab.sh`, minima
// of 41 alternating calls, AMD EPYC Zen 4, MobileNetV2's 576 planes of 14×14 → 7×7 0.82–0.85 of the time, 960 of
// 7×7 0.88, 576 of 14×14 0.96.
#define DW_EACH_PLANE(K, BODY)                                                                                   \
    for (int i = 0; i < (K)->planes; i++) {                                                                      \
        const int c = (K)->c0 + i / (K)->images;                                                                 \
        const size_t at = (size_t)((K)->c0 * (K)->images + i) * (K)->out_plane;                                 \
        const dw_outputs o = {(K)->output + at, (K)->affined ? (K)->affined + at : NULL,                         \
                              (K)->activated ? (K)->activated + at : NULL, (K)->gain ? (K)->gain[c] : 1.0f,      \
                              (K)->offset ? (K)->offset[c] : 0.0f, (K)->act};                                   \
        const float *x = dw_source(K, i), *w = (K)->weight + (size_t)c * (K)->taps;                              \
        const float b = (K)->bias ? (K)->bias[c] : 0.0f;                                                         \
        (void)x;                                                                                                 \
        BODY                                                                                                     \
    }

// Output (oy, ox) of one channel: bias plus the taps whose input exists, in order ky, kx. `FMA` is the
// multiply-add (fmaf on the vector paths, a plain product and sum on the portable one). Stores the sum and
// the fused steps' values (dw_outputs o).
#define DW_POINT(FMA)                                                                                             \
    const int iy0 = oy * g->strideHeight - g->padTop, ix0 = ox * g->strideWidth - g->padLeft;                    \
    float acc = b;                                                                                                \
    for (int ky = 0; ky < g->kernelHeight; ky++) {                                                                \
        const int iy = iy0 + ky * g->dilationHeight;                                                              \
        if (iy < 0 || iy >= g->height) continue;                                                                  \
        for (int kx = 0; kx < g->kernelWidth; kx++) {                                                             \
            const int ix = ix0 + kx * g->dilationWidth;                                                           \
            if (ix >= 0 && ix < g->width) acc = FMA(w[ky * g->kernelWidth + kx], x[(size_t)iy * g->width + ix], acc); \
        }                                                                                                         \
    }                                                                                                             \
    const size_t at = (size_t)oy * g->outWidth + ox;                                                              \
    o.y[at] = acc;                                                                                                \
    if (o.affined) {                                                                                              \
        const float scaled = acc * o.gain; /* two statements: never contracted, as the unfused batch norm */     \
        o.affined[at] = acc = scaled + o.offset;                                                                  \
    }                                                                                                             \
    if (o.activated) o.activated[at] = ck_activate1(acc, o.act);

#define PLAIN_FMA(a, b, c) ((c) + (a) * (b))
static void point_portable(const ck_conv_desc *g, const float *x, const float *w, float b, dw_outputs o, int oy, int ox) {
    DW_POINT(PLAIN_FMA)
}

static void plane_portable(const ck_conv_desc *g, const float *x, const float *w, float b, dw_outputs o,
                           const float *zero, const uint16_t *masks) {
    (void)zero, (void)masks;
    for (int oy = 0; oy < g->outHeight; oy++)
        for (int ox = 0; ox < g->outWidth; ox++) point_portable(g, x, w, b, o, oy, ox);
}

#ifdef CK_X86
// Window column 2 of a 3×3 stride-2 output vector from input column col of a row (`mask` that column's pair of
// load masks, when not NULL), given window column 0's lanes: AVX-512 shifts them one lane on and the input column
// col + 32 in (one permute and a scalar load where a pair of loads and two permutes were; rows at once, AMD EPYC
// Zen 4, one process, minima of 21 alternating calls: 144 ch 56→28 0.94, 96 ch 112→56 0.91); AVX2, without a
// two-source permute, loads its own pair.
__attribute__((target("avx512f"), always_inline)) static inline __m512 dw_column2_512(const float *row, int col,
                                                                                     const uint16_t *mask, __m512 column0,
                                                                                     __m512 zero, int IW) {
    (void)mask, (void)zero;
    const __m512i next = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    return _mm512_permutex2var_ps(column0, next, _mm512_set1_ps(col + 32 < IW ? row[col + 32] : 0.0f));
}
__attribute__((target("avx2,fma"), always_inline)) static inline __m256 dw_column2_256(const float *row, int col,
                                                                                      const uint16_t *mask, __m256 column0,
                                                                                      __m256 zero, int IW) {
    (void)column0, (void)IW;
    __m256 even, odd;
    row_pairs_256(row, col + 2, mask, zero, &even, &odd);
    return even;
}

// The first n < 8 lanes of v stored at p without a masked store: 4, 2 and 1 lanes at a time, as ck_store_first8
// (ckernels_internal.h) does; calling that instead made the flat planes 1.18× slower (AMD EPYC Zen 4, MobileNetV2's
// 28×28 and 14×14 depthwise, AVX2, whole network, 6 alternating processes), so the copy stays. The flat and phase-copy
// planes store their part vectors so (vmaskmovps to memory is slow on AMD): whole MobileNetV2, AVX2 forced on AMD EPYC
// Zen 4, 1 thread, per-node minima of 8 alternating processes, twice: 3×3 on 28×28 0.97, on 14×14 0.98, 28→14
// 0.95–0.96, 14→7 and 7×7 0.98–1.01; the row-wise planes (112 wide) keep the masked store (1.02–1.04 piecewise).
__attribute__((target("avx2,fma"), always_inline)) static inline void dw_put_part_256(float *p, __m256 v, int n) {
    __m128 part = _mm256_castps256_ps128(v);
    if (n & 4) {
        _mm_storeu_ps(p, part);
        part = _mm256_extractf128_ps(v, 1);
        p += 4;
    }
    if (n & 2) {
        _mm_storel_pi((__m64 *)p, part);
        part = _mm_movehl_ps(part, part);
        p += 2;
    }
    if (n & 1) _mm_store_ss(p, part);
}
__attribute__((target("avx2,fma"), always_inline)) static inline void dw_put_256(float *p, __m256 v, int n, int cut) {
    if (n == 8) _mm256_storeu_ps(p, v);
    else if (cut) dw_put_part_256(p, v, n);
    else row_store_part_256(p, v, n);
}
__attribute__((target("avx512f"), always_inline)) static inline void dw_put_512(float *p, __m512 v, int n, int cut) {
    (void)cut;  // a masked store is one instruction on AVX-512
    if (n == 16) _mm512_storeu_ps(p, v);
    else row_store_part_512(p, v, n);
}

// The plane of one channel at W bits (256: AVX2 + FMA, 8 lanes; 512: AVX-512, 16 lanes), a vector of output
// columns at a time, reading the input rows in place: rows above and below the plane are a zero row, columns
// left and right of it zeros through masked loads (only in the vectors that reach there; their masks are made
// once per call). Every output adds bias and all KH·KW taps in order ky, kx with FMAs, padding included (as
// zeros), so both widths give the same bits. `dw_plane_W` is always inlined with KH, KW, sw and dw as
// constants for 3×3 windows: the taps stay in registers and the loops unroll; stride 2 with dilation 1 takes
// taps kx and kx + 1 from one deinterleaved pair of loads. Strides above 2 go point by point. 3×3 windows with
// the same stride both ways take ROWS1 (stride 1) or ROWS2 (stride 2) output rows at once (dw_block): one process,
// minima of 21 alternating calls against one row at a time, ReLU6 stored, AMD EPYC Zen 4: AVX-512 4 rows, 3×3
// 144 ch on 56×56 0.70, 192 on 28×28 0.74, stride 2 144 ch 56→28 0.90, 96 ch 112→56 0.96; AVX2 (the same CPU,
// `CKAB_ISA=1 bench/ckab.sh`) 2 rows at stride 1 0.85–0.92 (4: 1.19–1.27 on 14×14 and 7×7, its 16 registers
// spill), 4 at stride 2 0.88–0.90 (2 rows lost at stride 2 on both, 1.1–1.6). Rows of a single vector at stride 2
// (28→14 on AVX-512, 14→7 on AVX2) go two at a time. The row pointers are set in a scalar loop: vectorised, the
// compiler wrote them with a masked store that the loads right after could not take their values from, a stall on
// every block of rows (AMD EPYC Zen 4, AVX-512, `bench/ckab.sh`, minima of 31 alternating calls, against the
// vectorised loop and one row at a time on 28→14: 192 ch 28→14 0.71–0.73 (4 rows 0.74–0.78), 144 ch 56→28 0.84–0.86,
// 96 ch 112→56 0.89–0.90, stride 1 192 ch on 28×28 0.79–0.85, 144 ch on 56×56 0.91; AVX2 forced on the same CPU 14→7
// 0.88, the rest 0.91–1.01). Same bits: each sum still adds bias, then its taps in order.
#define CK_DEFINE_DEPTHWISE(W, LANES, TARGET, ROWS1, ROWS2)                                                       \
    __attribute__((target(TARGET))) static void point_##W(const ck_conv_desc *g, const float *x, const float *w,  \
                                                          float b, dw_outputs o, int oy, int ox) {                \
        DW_POINT(fmaf)                                                                                            \
    }                                                                                                             \
    /* One output vector from its first input column `col`; mask NULL when every load is inside the rows */      \
    __attribute__((target(TARGET), always_inline)) static inline __m##W dw_vector_##W(                            \
        const float *const *rows, int col, const uint16_t *mask, const __m##W *taps, __m##W acc, int KH, int KW,      \
        int sw, int dw) {                                                                                         \
        const __m##W zero = _mm##W##_setzero_ps();                                                                \
        for (int ky = 0; ky < KH; ky++) {                                                                         \
            const float *row = rows[ky];                                                                          \
            for (int kx = 0; kx < KW; kx += sw == 2 && dw == 1 ? 2 : 1) {                                         \
                const uint16_t *m = mask ? mask + 2 * kx : NULL;                                                      \
                if (sw == 1) {                                                                                    \
                    acc = _mm##W##_fmadd_ps(taps[ky * KW + kx], row_load_##W(row, col + kx * dw, m, zero), acc);  \
                } else {                                                                                          \
                    __m##W even, odd;                                                                             \
                    row_pairs_##W(row, col + kx * dw, m, zero, &even, &odd);                                      \
                    acc = _mm##W##_fmadd_ps(taps[ky * KW + kx], even, acc);                                       \
                    if (dw == 1 && kx + 1 < KW) acc = _mm##W##_fmadd_ps(taps[ky * KW + kx + 1], odd, acc);        \
                }                                                                                                 \
            }                                                                                                     \
        }                                                                                                         \
        return acc;                                                                                               \
    }                                                                                                             \
    /* Output vectors of R rows at once (dilation 1): each input row their windows reach is loaded once and     \
       feeds every window it lies in, and the R sums are independent (one window's KH·KW FMAs in a row are one    \
       dependency chain). Each sum still adds bias, then taps ky, kx in order: the same bits as dw_vector. */      \
    __attribute__((target(TARGET), always_inline)) static inline void dw_block_##W(                               \
        const float *const *rows, int col, const uint16_t *mask, const __m##W *taps, __m##W bias, __m##W *acc,   \
        int R, int KH, int KW, int sh, int sw, int IW) {                                                          \
        const __m##W zero = _mm##W##_setzero_ps();                                                                \
        for (int r = 0; r < R; r++) acc[r] = bias;                                                                \
        for (int j = 0; j < (R - 1) * sh + KH; j++) {                                                             \
            __m##W column0 = zero; /* stride 2: window column 0's lanes, column 2 is them one lane on */          \
            for (int kx = 0; kx < KW; kx += sw) {                                                                 \
                const uint16_t *m = mask ? mask + 2 * kx : NULL;                                                  \
                __m##W even, odd = zero;                                                                          \
                if (sw == 1) even = row_load_##W(rows[j], col + kx, m, zero);                                     \
                else if (kx == 2 && KW == 3) even = dw_column2_##W(rows[j], col, m, column0, zero, IW);           \
                else row_pairs_##W(rows[j], col + kx, m, zero, &even, &odd);                                      \
                if (kx == 0) column0 = even;                                                                      \
                for (int r = 0; r < R; r++) {                                                                     \
                    const int ky = j - r * sh;                                                                    \
                    if (ky < 0 || ky >= KH) continue;                                                             \
                    acc[r] = _mm##W##_fmadd_ps(taps[ky * KW + kx], even, acc[r]);                                 \
                    if (sw == 2 && kx + 1 < KW) acc[r] = _mm##W##_fmadd_ps(taps[ky * KW + kx + 1], odd, acc[r]);  \
                }                                                                                                 \
            }                                                                                                     \
        }                                                                                                         \
    }                                                                                                             \
    /* Stores n ≤ LANES lanes of the sum and of the fused steps after it at position at of each output; a part  \
       vector with a masked store (dw_store), or piece by piece when `cut` (dw_put_part_256, AVX2 only) */        \
    __attribute__((target(TARGET), always_inline)) static inline void dw_store_how_##W(                           \
        dw_outputs o, size_t at, int n, __m##W v, __m##W gain, __m##W offset, __m##W lo, __m##W hi, int cut) {    \
        /* a value written over by a later one (in place) is not stored */                                     \
        if (o.y != o.affined && o.y != o.activated) dw_put_##W(o.y + at, v, n, cut);                            \
        if (o.affined) {                                                                                          \
            v = _mm##W##_add_ps(_mm##W##_mul_ps(v, gain), offset);                                               \
            if (o.affined != o.activated) dw_put_##W(o.affined + at, v, n, cut);                                  \
        }                                                                                                         \
        if (o.activated) {                                                                                        \
            if (o.act.kind == CK_ACTIVATION_RELU) v = _mm##W##_max_ps(v, _mm##W##_setzero_ps());                 \
            else if (o.act.kind == CK_ACTIVATION_CLIP) v = _mm##W##_min_ps(hi, _mm##W##_max_ps(lo, v));           \
            dw_put_##W(o.activated + at, v, n, cut);                                                              \
        }                                                                                                         \
    }                                                                                                             \
    __attribute__((target(TARGET), always_inline)) static inline void dw_store_##W(                               \
        dw_outputs o, size_t at, int n, __m##W v, __m##W gain, __m##W offset, __m##W lo, __m##W hi) {             \
        dw_store_how_##W(o, at, n, v, gain, offset, lo, hi, 0);                                                   \
    }                                                                                                             \
    __attribute__((target(TARGET), always_inline)) static inline void dw_plane_##W(                               \
        const ck_conv_desc *g, const float *x, const float *w, float b, dw_outputs o, const float *zero,          \
        const uint16_t *masks, int KH, int KW, int sw, int dh, int dw, int R) {                                       \
        /* R > 1: the caller's stride sw is the height's too (a constant, so the block's loops unroll) */        \
        const int H = g->height, IW = g->width, OW = g->outWidth, sh = R > 1 ? sw : g->strideHeight;              \
        /* input columns one vector's loads reach, from its first */                                              \
        const int reach = sw == 1 ? (KW - 1) * dw + LANES : (KW - 1) * dw + 2 * LANES;                            \
        __m##W taps[DW_MAX_TAPS];                                                                                 \
        for (int t = 0; t < KH * KW; t++) taps[t] = _mm##W##_set1_ps(w[t]);                                       \
        const __m##W bias = _mm##W##_set1_ps(b), gain = _mm##W##_set1_ps(o.gain), offset = _mm##W##_set1_ps(o.offset); \
        const __m##W lo = _mm##W##_set1_ps(o.act.minimum), hi = _mm##W##_set1_ps(o.act.maximum);                  \
        const float *rows[DW_MAX_TAPS];                                                                           \
        for (int oy = 0; oy < g->outHeight;) {                                                                    \
            /* R rows at once while R are left (R > 1 only with dilation 1), then one at a time */              \
            const int n = g->outHeight - oy >= R ? R : 1, span = n == 1 ? KH : (R - 1) * sh + KH;                 \
            _Pragma("clang loop vectorize(disable)") /* see above: a masked store the loads wait on */            \
            for (int j = 0; j < span; j++) {                                                                      \
                const int iy = oy * sh - g->padTop + (n == 1 ? j * dh : j);                                       \
                rows[j] = iy >= 0 && iy < H ? x + (size_t)iy * IW : zero;                                         \
            }                                                                                                     \
            for (int ox = 0, v = 0; ox < OW; ox += LANES, v++) {                                                  \
                const int col = ox * sw - g->padLeft, count = OW - ox < LANES ? OW - ox : LANES;                  \
                const uint16_t *mask = col >= 0 && col + reach <= IW ? NULL : masks + (size_t)v * KW * 2;         \
                if (n == 1) {                                                                                     \
                    const __m##W acc = mask ? dw_vector_##W(rows, col, mask, taps, bias, KH, KW, sw, dw)          \
                                            : dw_vector_##W(rows, col, NULL, taps, bias, KH, KW, sw, dw);         \
                    dw_store_##W(o, (size_t)oy * OW + ox, count, acc, gain, offset, lo, hi);                      \
                    continue;                                                                                     \
                }                                                                                                 \
                __m##W acc[DW_MAX_ROWS];                                                                          \
                if (mask) dw_block_##W(rows, col, mask, taps, bias, acc, R, KH, KW, sh, sw, IW);                  \
                else dw_block_##W(rows, col, NULL, taps, bias, acc, R, KH, KW, sh, sw, IW);                       \
                for (int r = 0; r < R; r++)                                                                       \
                    dw_store_##W(o, (size_t)(oy + r) * OW + ox, count, acc[r], gain, offset, lo, hi);             \
            }                                                                                                     \
            oy += n;                                                                                              \
        }                                                                                                         \
    }                                                                                                             \
    __attribute__((target(TARGET))) static void plane_##W(const ck_conv_desc *g, const float *x, const float *w,  \
                                                          float b, dw_outputs o, const float *zero,               \
                                                          const uint16_t *masks) {                                \
        const int KH = g->kernelHeight, KW = g->kernelWidth, sw = g->strideWidth;                                 \
        const int dh = g->dilationHeight, dw = g->dilationWidth;                                                  \
        if (sw > 2) {                                                                                             \
            for (int oy = 0; oy < g->outHeight; oy++)                                                             \
                for (int ox = 0; ox < g->outWidth; ox++) point_##W(g, x, w, b, o, oy, ox);                        \
        } else if (KH == 3 && KW == 3 && dh == 1 && dw == 1 && g->strideHeight != sw) {                           \
            dw_plane_##W(g, x, w, b, o, zero, masks, 3, 3, sw, 1, 1, 1);                                          \
        } else if (KH == 3 && KW == 3 && dh == 1 && dw == 1 && sw == 1) {                                         \
            dw_plane_##W(g, x, w, b, o, zero, masks, 3, 3, 1, 1, 1, ROWS1);                                       \
        } else if (KH == 3 && KW == 3 && dh == 1 && dw == 1 && g->outWidth <= LANES) {                           \
            dw_plane_##W(g, x, w, b, o, zero, masks, 3, 3, 2, 1, 1, 2);                                           \
        } else if (KH == 3 && KW == 3 && dh == 1 && dw == 1) {                                                    \
            dw_plane_##W(g, x, w, b, o, zero, masks, 3, 3, 2, 1, 1, ROWS2);                                       \
        } else {                                                                                                  \
            dw_plane_##W(g, x, w, b, o, zero, masks, KH, KW, sw, dh, dw, 1);                                      \
        }                                                                                                         \
    }
CK_DEFINE_DEPTHWISE(256, 8, "avx2,fma", 2, 4)
CK_DEFINE_DEPTHWISE(512, 16, "avx512f", 4, 4)

// A 3×3 stride-1 "same" plane (pad 1 on each side, so OH = H and OW = W) at most 16 wide on AVX-512 (MobileNetV2's
// 7×7 and 14×14) as one flat run of vectors over a zero-bordered copy of the plane: rows of W + 1 (one zero column
// between rows serves as the right pad of one and the left pad of the next), a zero row above and below. Output
// lane q is row q / (W + 1), column q mod (W + 1), and tap ky, kx reads copy lane q + (ky − 1)·(W + 1) + kx − 1:
// plain loads, with no masks (AMD Zen 4 runs the flat kernel's masked loads, one a tap, at 0.62 of plain loads'
// speed), the lane under each zero column dropped by a compress before the store. Four vectors run at once
// (independent sums), and the next plane is copied before this one is computed (its stores have landed by the time
// they are loaded). Each output adds bias and the taps in order ky, kx, padding as zeros: the same bits as the
// row-wise kernel. Wider maps (28×28 on) run row by row: rows of 4 vectors' sums at once measured 0.81 of the flat
// kernel's time there.
enum { DW_PADDED_WIDTH = 16 };  // the widest rows the padded plane takes
static inline int dw_padded_fits(const ck_conv_desc *g) {
    return g->kernelHeight == 3 && g->kernelWidth == 3 && g->strideHeight == 1 && g->strideWidth == 1 &&
           g->dilationHeight == 1 && g->dilationWidth == 1 && g->padTop == 1 && g->padLeft == 1 &&
           g->outHeight == g->height && g->outWidth == g->width && g->width <= DW_PADDED_WIDTH;
}

// The padded plane's geometry: row stride, output vectors, where row 0 starts in a copy and a copy's floats (room
// for the zero row above and the last vectors' reach below, rounded to 64 bytes).
typedef struct {
    int stride, vectors, base, floats;
} dw_padded_layout;
static inline dw_padded_layout dw_padded(const ck_conv_desc *g) {
    const int S = g->width + 1, vectors = (g->height * S + 15) / 16, base = (S + 1 + 15) / 16 * 16;
    return (dw_padded_layout){S, vectors, base, (base + vectors * 16 + S + 1 + 15) / 16 * 16};
}
// Scratch floats: two copies (this plane and the next), then per vector its lanes kept and their first output.
static inline size_t dw_padded_scratch_floats(const ck_conv_desc *g) {
    const dw_padded_layout l = dw_padded(g);
    return 2 * (size_t)l.floats + 2 * (size_t)l.vectors;
}

// Per output vector v: keep[v] the lanes that are outputs (not under a zero column, not past the last row) and
// first[v] the output the first of them is.
static void dw_padded_tables(const ck_conv_desc *g, uint32_t *keep, int32_t *first) {
    const dw_padded_layout l = dw_padded(g);
    int out = 0;
    for (int v = 0; v < l.vectors; v++) {
        uint32_t bits = 0;
        first[v] = out;
        for (int i = 0; i < 16; i++) {
            const int q = v * 16 + i;
            if (q < g->height * l.stride && q % l.stride < g->width) bits |= 1u << i, out++;
        }
        keep[v] = bits;
    }
}

// Rows of plane x -> the copy's rows (each store's lanes past W are zero: they land on the zero column and on the
// next row, which its own store then writes over, or on the zero row below).
__attribute__((target("avx512f"))) static void dw_padded_copy(const ck_conv_desc *g, const float *x, float *copy) {
    const dw_padded_layout l = dw_padded(g);
    const __mmask16 row = ck_lanes16(g->width);
    for (int r = 0; r < g->height; r++)
        _mm512_storeu_ps(copy + l.base + (size_t)r * l.stride, _mm512_maskz_loadu_ps(row, x + (size_t)r * g->width));
}

#define DW_PADDED_TAP(A, V, T) A = _mm512_fmadd_ps(taps[T], _mm512_loadu_ps(at + (V) * 16 + offsets[T]), A)
#define DW_PADDED_TAPS(A, V)                                                                                     \
    DW_PADDED_TAP(A, V, 0); DW_PADDED_TAP(A, V, 1); DW_PADDED_TAP(A, V, 2); DW_PADDED_TAP(A, V, 3);              \
    DW_PADDED_TAP(A, V, 4); DW_PADDED_TAP(A, V, 5); DW_PADDED_TAP(A, V, 6); DW_PADDED_TAP(A, V, 7);              \
    DW_PADDED_TAP(A, V, 8)
// Vector V's kept lanes, packed in order by a compress, at its first output: the row-wise kernel's store of the sum
// and the fused steps, a whole vector where that stays inside the plane (the lanes past the kept ones are written
// over by the next vector's), else only the kept ones.
#define DW_PADDED_STORE(A, V)                                                                                    \
    dw_store_512(o, (size_t)first[v + (V)], first[v + (V)] + 16 <= planeSize ? 16 : __builtin_popcount(keep[v + (V)]), \
                 _mm512_maskz_compress_ps((__mmask16)keep[v + (V)], A), gain, offset, lo, hi)
// 7×7 and 14×14 maps (rows of S = 8 and 15, constants): the 36 tap vectors of 4 output vectors are cut from 6
// aligned loads of the copy by lane shifts (valignd), where 32 of the 36 loads crossed a cache line. Whole
// MobileNetV2, 1 thread, 12 alternating processes, per-node minima, AMD EPYC Zen 4: its 3×3 on 7×7 0.82–0.83, on
// 14×14 0.86–0.89. Chunk c is the 16 floats at at + 16·c (c from −1); the vector at offset q from at is chunk
// ⌊q/16⌋ and the next one, shifted q mod 16 lanes.
#define DW_FLOOR16(q) ((q) >= 0 ? (q) / 16 : -((15 - (q)) / 16))
#define DW_SHIFTED(q)                                                                                            \
    ((q) - 16 * DW_FLOOR16(q) == 0                                                                               \
         ? chunk[DW_FLOOR16(q) + 1]                                                                              \
         : _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(chunk[DW_FLOOR16(q) + 2]),                \
                                                   _mm512_castps_si512(chunk[DW_FLOOR16(q) + 1]),                \
                                                   ((q) - 16 * DW_FLOOR16(q)) & 15)))
#define DW_ALIGNED_TAP(A, V, T, S) A = _mm512_fmadd_ps(taps[T], DW_SHIFTED(16 * (V) + ((T) / 3 - 1) * (S) + (T) % 3 - 1), A)
#define DW_ALIGNED_TAPS(A, V, S)                                                                                 \
    DW_ALIGNED_TAP(A, V, 0, S); DW_ALIGNED_TAP(A, V, 1, S); DW_ALIGNED_TAP(A, V, 2, S);                          \
    DW_ALIGNED_TAP(A, V, 3, S); DW_ALIGNED_TAP(A, V, 4, S); DW_ALIGNED_TAP(A, V, 5, S);                          \
    DW_ALIGNED_TAP(A, V, 6, S); DW_ALIGNED_TAP(A, V, 7, S); DW_ALIGNED_TAP(A, V, 8, S)
#define DW_ALIGNED_GROUPS(S)                                                                                     \
    for (; v + 4 <= l.vectors; v += 4) {                                                                         \
        const float *at = copy + l.base + (size_t)v * 16;                                                       \
        __m512 chunk[7];                                                                                         \
        for (int c = 0; c < 6; c++) chunk[c] = _mm512_load_ps(at + 16 * (c - 1));                                \
        chunk[6] = _mm512_setzero_ps();                                                                          \
        __m512 a0 = bias, a1 = bias, a2 = bias, a3 = bias;                                                       \
        DW_ALIGNED_TAPS(a0, 0, S);                                                                               \
        DW_ALIGNED_TAPS(a1, 1, S);                                                                               \
        DW_ALIGNED_TAPS(a2, 2, S);                                                                               \
        DW_ALIGNED_TAPS(a3, 3, S);                                                                               \
        DW_PADDED_STORE(a0, 0);                                                                                  \
        DW_PADDED_STORE(a1, 1);                                                                                  \
        DW_PADDED_STORE(a2, 2);                                                                                  \
        DW_PADDED_STORE(a3, 3);                                                                                  \
    }
// The 4-vector groups with a load per tap.
#define DW_UNALIGNED_GROUPS()                                                                                    \
    for (; v + 4 <= l.vectors; v += 4) {                                                                         \
        const float *at = copy + l.base + (size_t)v * 16;                                                       \
        __m512 a0 = bias, a1 = bias, a2 = bias, a3 = bias;                                                       \
        DW_PADDED_TAPS(a0, 0);                                                                                   \
        DW_PADDED_TAPS(a1, 1);                                                                                   \
        DW_PADDED_TAPS(a2, 2);                                                                                   \
        DW_PADDED_TAPS(a3, 3);                                                                                   \
        DW_PADDED_STORE(a0, 0);                                                                                  \
        DW_PADDED_STORE(a1, 1);                                                                                  \
        DW_PADDED_STORE(a2, 2);                                                                                  \
        DW_PADDED_STORE(a3, 3);                                                                                  \
    }
// The plane of one channel from its copy (dw_padded_copy); keep and first from dw_padded_tables: 4-vector groups by
// GROUPS, then the vectors left one at a time. A function per GROUPS (a branch between them inside one function
// cost the 14×14 planes 1.07–1.13).
#define DW_DEFINE_PADDED_PLANE(NAME, GROUPS)                                                                     \
    __attribute__((target("avx512f"), always_inline)) static inline void NAME(                                    \
        const ck_conv_desc *g, const float *copy, const float *w, float b, dw_outputs o, const uint32_t *keep,     \
        const int32_t *first) {                                                                                   \
        const dw_padded_layout l = dw_padded(g);                                                                 \
        const int S = l.stride, planeSize = g->height * g->width;                                               \
        const ptrdiff_t offsets[9] = {-S - 1, -S, -S + 1, -1, 0, 1, S - 1, S, S + 1};                           \
        __m512 taps[9];                                                                                          \
        for (int t = 0; t < 9; t++) taps[t] = _mm512_set1_ps(w[t]);                                              \
        const __m512 bias = _mm512_set1_ps(b), gain = _mm512_set1_ps(o.gain), offset = _mm512_set1_ps(o.offset); \
        const __m512 lo = _mm512_set1_ps(o.act.minimum), hi = _mm512_set1_ps(o.act.maximum);                     \
        int v = 0;                                                                                               \
        GROUPS                                                                                                   \
        for (; v < l.vectors; v++) {                                                                             \
            const float *at = copy + l.base + (size_t)v * 16;                                                   \
            __m512 a0 = bias;                                                                                    \
            DW_PADDED_TAPS(a0, 0);                                                                               \
            DW_PADDED_STORE(a0, 0);                                                                              \
        }                                                                                                        \
    }                                                                                                            \
    /* Every plane of a call, each copied into `copies` (two, in turn) while the one before is computed: the   \
       next plane's copy first, so this one's stores have landed before its loads */                             \
    __attribute__((target("avx512f"))) static void NAME##s(const dw_call *k, float *copies, const uint32_t *keep, \
                                                           const int32_t *first) {                               \
        const int copy_floats = dw_padded(k->g).floats;                                                          \
        if (k->planes > 0) dw_padded_copy(k->g, dw_source(k, 0), copies);                                        \
        DW_EACH_PLANE(k, if (i + 1 < k->planes) dw_padded_copy(k->g, dw_source(k, i + 1),                         \
                                                               copies + (size_t)((i + 1) & 1) * copy_floats);    \
                      NAME(k->g, copies + (size_t)(i & 1) * copy_floats, w, b, o, keep, first);)                  \
    }
DW_DEFINE_PADDED_PLANE(plane_padded_512, DW_UNALIGNED_GROUPS())
DW_DEFINE_PADDED_PLANE(plane_padded8_512, DW_ALIGNED_GROUPS(8))
DW_DEFINE_PADDED_PLANE(plane_padded15_512, DW_ALIGNED_GROUPS(15))
#undef DW_DEFINE_PADDED_PLANE
#undef DW_UNALIGNED_GROUPS
#undef DW_ALIGNED_GROUPS
#undef DW_ALIGNED_TAPS
#undef DW_ALIGNED_TAP
#undef DW_SHIFTED
#undef DW_FLOOR16
#undef DW_PADDED_STORE
#undef DW_PADDED_TAPS
#undef DW_PADDED_TAP

// A 3×3 stride-2 plane whose output rows are at most 7 wide (MobileNetV2's 14×14 → 7×7) on AVX-512: two output
// rows a vector, lanes 0 ..< OW the upper one and OW ..< 2·OW the lower one, which lie side by side in the output,
// so one store writes both. Each input row a tap row reads is one load of 16 columns from column −padLeft (the
// 2·OW + 1 columns the row's windows reach, columns off the row masked to zero, rows off the plane a zero
// vector); tap kx of both output rows is one permute of the upper and lower loads (lane i of an output row reads
// lane 2i + kx). Against the row-wise kernel's part vector per output row and two deinterleaved pairs of loads
// per tap row: a third of the loads and half the permutes for 14×14 → 7×7. Bias and the taps in order ky, kx
// with FMAs, padding as zeros: the same bits.
enum { DW_PAIRED_WIDTH = 7 };  // the widest output rows that fit twice in a vector with their 2·OW + 1 columns
static inline int dw_paired_fits(const ck_conv_desc *g) {
    return g->kernelHeight == 3 && g->kernelWidth == 3 && g->strideHeight == 2 && g->strideWidth == 2 &&
           g->dilationHeight == 1 && g->dilationWidth == 1 && g->outWidth <= DW_PAIRED_WIDTH && g->padLeft <= 2;
}

// The permute indices of tap column kx at index[kx]: lane i < OW reads lane 2i + kx of the upper load, lane OW + i
// lane 2i + kx of the lower one (16 on).
static void dw_paired_indices(int OW, int index[3][16]) {
    for (int kx = 0; kx < 3; kx++) {
        for (int i = 0; i < 16; i++) index[kx][i] = 0;
        for (int i = 0; i < OW; i++) index[kx][i] = 2 * i + kx, index[kx][OW + i] = 16 + 2 * i + kx;
    }
}

// The plane of one channel; `indices` from dw_paired_indices (made once a call).
__attribute__((target("avx512f"), always_inline)) static inline void
plane_paired_512(const ck_conv_desc *g, const float *x, const float *w, float b, dw_outputs o, int indices[3][16]) {
    const int H = g->height, W = g->width, OH = g->outHeight, OW = g->outWidth, pl = g->padLeft;
    // lanes whose column −pl + lane lies on the row
    const __mmask16 columns = (__mmask16)((W + pl >= 16 ? 0xFFFFu : (1u << (W + pl)) - 1u) & ~((1u << pl) - 1u));
    const __m512i index[3] = {_mm512_loadu_si512(indices[0]), _mm512_loadu_si512(indices[1]), _mm512_loadu_si512(indices[2])};
    __m512 taps[9];
    for (int t = 0; t < 9; t++) taps[t] = _mm512_set1_ps(w[t]);
    const __m512 bias = _mm512_set1_ps(b), gain = _mm512_set1_ps(o.gain), offset = _mm512_set1_ps(o.offset);
    const __m512 lo = _mm512_set1_ps(o.act.minimum), hi = _mm512_set1_ps(o.act.maximum), zero = _mm512_setzero_ps();
    for (int oy = 0; oy < OH; oy += 2) {
        __m512 acc = bias;
        for (int ky = 0; ky < 3; ky++) {
            const int upper = oy * 2 - g->padTop + ky, lower = upper + 2;
            const __m512 u = upper >= 0 && upper < H ? _mm512_maskz_loadu_ps(columns, x + (ptrdiff_t)upper * W - pl) : zero;
            const __m512 d = oy + 1 < OH && lower >= 0 && lower < H
                                 ? _mm512_maskz_loadu_ps(columns, x + (ptrdiff_t)lower * W - pl) : zero;
            for (int kx = 0; kx < 3; kx++)
                acc = _mm512_fmadd_ps(taps[ky * 3 + kx], _mm512_permutex2var_ps(u, index[kx], d), acc);
        }
        dw_store_512(o, (size_t)oy * OW, (oy + 1 < OH ? 2 : 1) * OW, acc, gain, offset, lo, hi);
    }
}
__attribute__((target("avx512f"))) static void planes_paired_512(const dw_call *k) {
    int indices[3][16];
    dw_paired_indices(k->g->outWidth, indices);
    DW_EACH_PLANE(k, plane_paired_512(k->g, x, w, b, o, indices);)
}

// AVX2's 3×3 stride-1 planes up to DW_FLAT_WIDTH wide: over a zero-bordered copy of the plane (rows of
// S = 8·⌈(W + 1)/8⌉ floats, at least one zero column between rows, a zero row above and below), where tap ky, kx of
// the vector at copy lane q is the plain load at q + (ky − 1)·S + kx − 1. The row-wise kernel's edge vectors build
// each masked load from bits (a compare, vmaskmovps and a blend: every vector of a 7- or 14-wide row). Rows of at
// most 16 (two vectors or one) run as one flat run of vectors; wider ones two rows at once (each loaded row feeds
// both sums it lies in). Vectors are stored whole where that stays inside the plane: the lanes past a row's end land
// on the next row's start, which a later vector writes (two rows at once go right to left). The next plane is copied
// before this one is computed, so its stores have landed before its loads. Bias, then the taps in order ky, kx with
// FMAs, padding as zeros: the row-wise and AVX-512 kernels' bits. Against the row-wise kernel, AVX2 forced on AMD
// EPYC Zen 4 (family 25 model 17), `CKAB_ISA=1 bench/ckab.sh`, minima of 31 alternating calls, 2 cores shared with
// other helpers (load 4–5), ReLU6 stored: 960 ch on 7×7 0.42, 576 on 14×14 0.53, 192 on 28×28 0.62, 144 on 56×56
// 0.89; 112×112 copied whole measured 1.00–1.04 (its 54 KB copies leave L1) and stays row-wise. Whole MobileNetV2,
// 1 thread, AVX2, 6 alternating processes, per-node minima: its 3×3 depthwise on 7×7 0.42–0.43, on 14×14
// 0.54–0.55, on 28×28 0.61, on 56×56 0.80 (AVX-512 / AVX2 on the same CPU now 1.11–1.18 on those maps, from
// 2.2–2.7). Rows of three at once lost on 56×56 (1.2 of two), of one 1.2–1.3. Copying bands of at most 16 KB of rows
// ahead instead (so 112-wide maps stay in L1) lost everywhere: whole planes took 0.64 of its time on 7×7, 0.72 on
// 14×14, 0.80 on 28×28 and 14→7, and 112×112 and 112→56 in bands took 1.0–1.05 and 1.15–1.4 of the row-wise time.
enum { DW_FLAT_WIDTH = 64 };  // the widest maps copied whole (56×56: two copies of 14.6 KB)
static inline int dw_flat_fits(const ck_conv_desc *g) {
    return g->kernelHeight == 3 && g->kernelWidth == 3 && g->strideHeight == 1 && g->strideWidth == 1 &&
           g->dilationHeight == 1 && g->dilationWidth == 1 && g->padTop == 1 && g->padLeft == 1 &&
           g->outHeight == g->height && g->outWidth == g->width && g->width <= DW_FLAT_WIDTH;
}
// The flat copy's row stride, where row 0 starts and its floats (the zero rows and the reach of the taps included).
typedef struct {
    int stride, base, floats;
} dw_flat_layout;
static inline dw_flat_layout dw_flat(const ck_conv_desc *g) {
    const int S = (g->width + 8) / 8 * 8, base = S + 8;
    return (dw_flat_layout){S, base, base + (g->height + 1) * S + 8};
}
static inline size_t dw_flat_scratch_floats(const ck_conv_desc *g) { return 2 * (size_t)dw_flat(g).floats; }

// Plane x into a copy; `tail` the columns of rows under 8 wide.
__attribute__((target("avx2,fma"))) static void dw_flat_copy(const ck_conv_desc *g, const float *x, float *copy,
                                                           __m256i tail) {
    const dw_flat_layout l = dw_flat(g);
    const int W = g->width;
    for (int r = 0; r < g->height; r++) {
        const float *s = x + (size_t)r * W;
        float *d = copy + l.base + (size_t)r * l.stride;
        if (W < 8) {
            _mm256_storeu_ps(d, _mm256_maskload_ps(s, tail));
            continue;
        }
        for (int j = 0; j + 8 < W; j += 8) _mm256_storeu_ps(d + j, _mm256_loadu_ps(s + j));
        _mm256_storeu_ps(d + W - 8, _mm256_loadu_ps(s + W - 8));  // the last 8 columns (some again)
    }
}

__attribute__((target("avx2,fma"), always_inline)) static inline void dw_flat_plane(const ck_conv_desc *g,
                                                                                  const float *copy, const float *w,
                                                                                  float b, dw_outputs o, int S) {
    const int OW = g->outWidth, plane = g->outHeight * OW, per_row = (OW + 7) / 8;
    __m256 taps[9];
    for (int t = 0; t < 9; t++) taps[t] = _mm256_set1_ps(w[t]);
    const __m256 bias = _mm256_set1_ps(b), gain = _mm256_set1_ps(o.gain), offset = _mm256_set1_ps(o.offset);
    const __m256 lo = _mm256_set1_ps(o.act.minimum), hi = _mm256_set1_ps(o.act.maximum);
    const float *base = copy + dw_flat(g).base;
#define DW_FLAT_TAPS(A, P)                                                                                       \
    A = _mm256_fmadd_ps(taps[0], _mm256_loadu_ps((P) - S - 1), A);                                               \
    A = _mm256_fmadd_ps(taps[1], _mm256_loadu_ps((P) - S), A);                                                   \
    A = _mm256_fmadd_ps(taps[2], _mm256_loadu_ps((P) - S + 1), A);                                               \
    A = _mm256_fmadd_ps(taps[3], _mm256_loadu_ps((P) - 1), A);                                                   \
    A = _mm256_fmadd_ps(taps[4], _mm256_loadu_ps(P), A);                                                        \
    A = _mm256_fmadd_ps(taps[5], _mm256_loadu_ps((P) + 1), A);                                                   \
    A = _mm256_fmadd_ps(taps[6], _mm256_loadu_ps((P) + S - 1), A);                                               \
    A = _mm256_fmadd_ps(taps[7], _mm256_loadu_ps((P) + S), A);                                                   \
    A = _mm256_fmadd_ps(taps[8], _mm256_loadu_ps((P) + S + 1), A)
    if (S == 8 * per_row && OW <= 16) {
        // rows of whole vectors: one run of them
        const int vectors = g->outHeight * per_row;
        for (int v = 0, at = 0; v < vectors; v++, at += 8) {
            const float *p = base + (size_t)v * 8;
            __m256 a = bias;
            DW_FLAT_TAPS(a, p);
            const int out = at - at / S * (S - OW);  // vector v is row at / S, column at mod S
            dw_store_how_256(o, (size_t)out, out + 8 <= plane ? 8 : plane - out, a, gain, offset, lo, hi, 1);
        }
        return;
    }
    int row = 0;
    for (; row + 2 <= g->outHeight; row += 2) {
        // right to left: the upper row's last vector's spill is the lower row's first vector, stored after it
        for (int v = per_row - 1; v >= 0; v--) {
            const float *p = base + (size_t)row * S + 8 * v;
            __m256 a0 = bias, a1 = bias;
            for (int j = 0; j < 4; j++)
                for (int kx = 0; kx < 3; kx++) {
                    const __m256 in = _mm256_loadu_ps(p + (j - 1) * S + kx - 1);
                    if (j < 3) a0 = _mm256_fmadd_ps(taps[j * 3 + kx], in, a0);
                    if (j > 0) a1 = _mm256_fmadd_ps(taps[(j - 1) * 3 + kx], in, a1);
                }
            const int at = row * OW + 8 * v;
            dw_store_how_256(o, (size_t)at, 8, a0, gain, offset, lo, hi, 1);
            dw_store_how_256(o, (size_t)(at + OW), at + OW + 8 <= plane ? 8 : plane - at - OW, a1, gain, offset, lo, hi, 1);
        }
    }
    for (; row < g->outHeight; row++) {
        const float *p = base + (size_t)row * S;
        for (int v = 0; v < per_row; v++, p += 8) {
            __m256 a = bias;
            DW_FLAT_TAPS(a, p);
            const int at = row * OW + 8 * v;
            dw_store_how_256(o, (size_t)at, at + 8 <= plane ? 8 : plane - at, a, gain, offset, lo, hi, 1);
        }
    }
#undef DW_FLAT_TAPS
}
#define DW_DEFINE_FLAT(NAME, S)                                                                                  \
    __attribute__((target("avx2,fma"))) static void NAME(const dw_call *k, float *copies, __m256i tail) {         \
        const int copy_floats = dw_flat(k->g).floats;                                                            \
        if (k->planes > 0) dw_flat_copy(k->g, dw_source(k, 0), copies, tail);                                    \
        DW_EACH_PLANE(k, if (i + 1 < k->planes) dw_flat_copy(k->g, dw_source(k, i + 1),                           \
                                                             copies + (size_t)((i + 1) & 1) * copy_floats, tail); \
                      dw_flat_plane(k->g, copies + (size_t)(i & 1) * copy_floats, w, b, o, S);)                   \
    }
DW_DEFINE_FLAT(planes_flat8_256, 8)
DW_DEFINE_FLAT(planes_flat16_256, 16)
DW_DEFINE_FLAT(planes_flat24_256, 24)
DW_DEFINE_FLAT(planes_flat32_256, 32)
DW_DEFINE_FLAT(planes_flatS_256, dw_flat(k->g).stride)
#undef DW_DEFINE_FLAT
__attribute__((target("avx2,fma"))) static void planes_flat_256(const dw_call *k) {
    const dw_flat_layout l = dw_flat(k->g);
    float *copies = ck_scratch_buffer(CK_SCRATCH_PADDED, dw_flat_scratch_floats(k->g));
    if (!copies) abort();  // the memory budget counts this scratch: only an exhausted system ends here
    memset(copies, 0, dw_flat_scratch_floats(k->g) * sizeof(float));
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(k->g->width), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    if (l.stride == 8) planes_flat8_256(k, copies, tail);
    else if (l.stride == 16) planes_flat16_256(k, copies, tail);
    else if (l.stride == 24) planes_flat24_256(k, copies, tail);
    else if (l.stride == 32) planes_flat32_256(k, copies, tail);
    else planes_flatS_256(k, copies, tail);
}

// AVX2's 3×3 stride-2 planes (dilation 1, pads at most 1 above, 2 left, up to DW_FLAT_WIDTH wide): the same over a
// copy of the plane split into its even and odd columns, so tap kx of 8 output columns is a plain load (the row-wise
// kernel deinterleaves two pairs of loads, masked at the edges, for each input row a vector reads). Copy row iy
// (S = 2·P floats, a zero row above and one below) holds columns 2i at i + 8 and 2i + 1 at P + i + 8, zeros outside
// the row; tap ky, kx of output row oy, column ox reads column 2·ox − padLeft + kx of row 2·oy − padTop + ky. The
// 8 zeros before each phase (one was enough for the left pad) put the copy's stores and, at pad 1, taps kx = 1 and 2
// on 32-byte boundaries, and rows with 8 columns left load those plainly: `CKAB_ISA=1 bench/ckab.sh`, AVX2 on AMD
// EPYC Zen 4 (family 25 model 17, AVX-512 masked), minima of 21 alternating calls, against one zero: 576 ch 14→7
// 0.84–0.88, 192 ch 28→14 0.88–0.93, 144 ch 56→28 0.81–0.82 (same against same: 0.92–1.0). Two
// output rows at once share the input row between them. Against the row-wise kernel (as above): 576 ch 14→7 0.80,
// 192 ch 28→14 0.57, 144 ch 56→28 0.91; whole MobileNetV2 0.81, 0.56, 0.92; 112→56 copied whole 1.2–1.4 (row-wise).
// Four rows at once at 14→7, and the next plane's input found without dw_source's divisions: no change (0.97–1.0).
// One copy, each plane copied right before it is computed (the stride-1 planes copy the next plane ahead into a
// second one so their stores have landed): 56→28's copies (22 KB each) no longer fill L1 twice over, 0.925 of the
// time there, 14→7 and 28→14 0.98–1.0 (ckab, as above); 112→56 so (a 65 KB copy) 1.12 of the row-wise time.
// Output rows at least 4 wide: a row pair's upper vector is stored whole, and its spill past the row stays inside
// the lower row (which is stored after it) only then; narrower rows (no shipped network has them) reached past the
// plane and go to the row-wise kernel (bounding the store here cost 56→28 and 28→14 1.15 of the time: AVX2 forced
// on AMD EPYC Zen 4, ckab).
static inline int dw_phases_fits(const ck_conv_desc *g) {
    return g->kernelHeight == 3 && g->kernelWidth == 3 && g->strideHeight == 2 && g->strideWidth == 2 &&
           g->dilationHeight == 1 && g->dilationWidth == 1 && g->padTop >= 0 && g->padTop <= 1 && g->padLeft >= 0 &&
           g->padLeft <= 2 && 2 * (g->outHeight - 1) - g->padTop + 2 <= g->height && g->width <= DW_FLAT_WIDTH &&
           g->outWidth >= 4;
}
typedef struct {
    int phase, stride, base, floats;
} dw_phases_layout;
static inline dw_phases_layout dw_phases(const ck_conv_desc *g) {
    int P = 8 * ((g->outWidth + 7) / 8) + 9;  // the reach of a row's vectors
    if (P < 8 + 8 * ((g->width + 15) / 16)) P = 8 + 8 * ((g->width + 15) / 16);  // the copy's stores
    P = (P + 7) / 8 * 8;
    const int S = 2 * P, base = S + 8;
    return (dw_phases_layout){P, S, base, base + (g->height + 1) * S + 8};
}
static inline size_t dw_phases_scratch_floats(const ck_conv_desc *g) { return (size_t)dw_phases(g).floats; }

// Plane x into a copy; tail[0], tail[1]: the columns of the last 16 of a row (when W is not a multiple of 16) in its
// two loads (the first a plain one when it lies inside the row).
__attribute__((target("avx2,fma"))) static void dw_phases_copy(const ck_conv_desc *g, const float *x, float *copy,
                                                             const __m256i *tail) {
    const dw_phases_layout l = dw_phases(g);
    const int W = g->width;
    for (int r = 0; r < g->height; r++) {
        const float *s = x + (size_t)r * W;
        float *even = copy + l.base + (size_t)r * l.stride + 8, *odd = even + l.phase;
        int j = 0;
        __m256 e, o;
        for (; j + 16 <= W; j += 16) {
            row_deinterleave_256(_mm256_loadu_ps(s + j), _mm256_loadu_ps(s + j + 8), &e, &o);
            _mm256_storeu_ps(even + j / 2, e);
            _mm256_storeu_ps(odd + j / 2, o);
        }
        if (j < W) {
            const __m256 lo = j + 8 <= W ? _mm256_loadu_ps(s + j) : _mm256_maskload_ps(s + j, tail[0]);
            row_deinterleave_256(lo, _mm256_maskload_ps(s + j + 8, tail[1]), &e, &o);
            _mm256_storeu_ps(even + j / 2, e);
            _mm256_storeu_ps(odd + j / 2, o);
        }
    }
}

// R output rows' vectors from p (the copy at the first row's first input row, plus the vector's column): input row j
// feeds row r's tap row j − 2r.
__attribute__((target("avx2,fma"), always_inline)) static inline void
dw_phases_block(const float *p, int S, const int *off, const __m256 *taps, __m256 bias, __m256 *acc, int R) {
    for (int r = 0; r < R; r++) acc[r] = bias;
    for (int j = 0; j < 2 * R + 1; j++)
        for (int kx = 0; kx < 3; kx++) {
            const __m256 v = _mm256_loadu_ps(p + (size_t)j * S + off[kx]);
            for (int r = 0; r < R; r++) {
                const int ky = j - 2 * r;
                if (ky >= 0 && ky < 3) acc[r] = _mm256_fmadd_ps(taps[ky * 3 + kx], v, acc[r]);
            }
        }
}

__attribute__((target("avx2,fma"), always_inline)) static inline void
dw_phases_plane(const ck_conv_desc *g, const float *copy, const float *w, float b, dw_outputs o, const int *off) {
    const dw_phases_layout l = dw_phases(g);
    const int OW = g->outWidth, OH = g->outHeight, plane = OH * OW, per_row = (OW + 7) / 8, S = l.stride;
    __m256 taps[9];
    for (int t = 0; t < 9; t++) taps[t] = _mm256_set1_ps(w[t]);
    const __m256 bias = _mm256_set1_ps(b), gain = _mm256_set1_ps(o.gain), offset = _mm256_set1_ps(o.offset);
    const __m256 lo = _mm256_set1_ps(o.act.minimum), hi = _mm256_set1_ps(o.act.maximum);
    const float *base = copy + l.base - (ptrdiff_t)g->padTop * S;
    int oy = 0;
    for (; oy + 2 <= OH; oy += 2)
        for (int v = per_row - 1; v >= 0; v--) {  // right to left (see dw_flat_plane)
            __m256 acc[2];
            dw_phases_block(base + (size_t)oy * 2 * S + 8 * v, S, off, taps, bias, acc, 2);
            const int at = oy * OW + 8 * v;  // the upper row's spill lands in the lower row (dw_phases_fits)
            dw_store_how_256(o, (size_t)at, 8, acc[0], gain, offset, lo, hi, 1);
            dw_store_how_256(o, (size_t)(at + OW), at + OW + 8 <= plane ? 8 : plane - at - OW, acc[1], gain, offset, lo, hi, 1);
        }
    for (; oy < OH; oy++)
        for (int v = 0; v < per_row; v++) {
            __m256 acc[1];
            dw_phases_block(base + (size_t)oy * 2 * S + 8 * v, S, off, taps, bias, acc, 1);
            const int at = oy * OW + 8 * v;
            dw_store_how_256(o, (size_t)at, at + 8 <= plane ? 8 : plane - at, acc[0], gain, offset, lo, hi, 1);
        }
}
__attribute__((target("avx2,fma"))) static void planes_phases_256(const dw_call *k) {
    const ck_conv_desc *g = k->g;
    const dw_phases_layout l = dw_phases(g);
    float *copy = ck_scratch_buffer(CK_SCRATCH_PADDED, dw_phases_scratch_floats(g));
    if (!copy) abort();  // the memory budget counts this scratch: only an exhausted system ends here
    memset(copy, 0, dw_phases_scratch_floats(g) * sizeof(float));
    int off[3];
    for (int kx = 0; kx < 3; kx++) {
        const int d = kx - g->padLeft;  // column 2·ox + d: phase d mod 2, index ox + ⌊d/2⌋
        off[kx] = (d & 1) * l.phase + (d >> 1) + 8;
    }
    const int rest = g->width % 16;
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i tail[2] = {_mm256_cmpgt_epi32(_mm256_set1_epi32(rest), lanes),
                             _mm256_cmpgt_epi32(_mm256_set1_epi32(rest - 8), lanes)};
    DW_EACH_PLANE(k, dw_phases_copy(g, x, copy, tail); dw_phases_plane(g, copy, w, b, o, off);)
}

// AVX2's other 3×3 stride-2 planes (dilation 1, left pad at most 2; MobileNetV2's 112→56, too wide for the phase
// copy): one output row at a time from the input rows in place. Output vector v of a row takes, from each of its 3
// input rows, columns 16·v ..< 16·v + 16 in two loads (on 64-byte boundaries when the rows are), their even and odd
// columns cut by one vshufps each, which leaves the 8 columns in the order 0 1 4 5 2 3 6 7 (one vpermpd short of
// row_deinterleave_256). Tap kx reads column 2·ox − pad + kx: for kx − pad = 0 or 1 the even or odd columns as they
// are; for −2, −1 (pads 1 and 2) and 2 (pad 0) those one column pair back or on, one vpermps and a blend of the
// column that comes in (a scalar load, zero past the row). The sum runs in the vshufps order and one vpermpd puts it
// right before the store. Only vectors reaching past either side of the row check their columns (masked loads).
// Same bits: each lane adds bias, then taps ky, kx in order with FMAs. Against the row-wise kernel (4 output rows at
// once, 4 loads, 3 of them across a cache line, 3 shuffles and 3 permutes an input row), `CKAB_ISA=1` ckab, AVX2 on
// AMD EPYC Zen 4 (family 25 model 17, AVX-512 masked), minima of 31 alternating calls, 96 ch 112→56: 0.82 (8 ch, in
// L2: 0.87–0.88); whole MobileNetV2 block2_1/dwise 0.77 at 1 thread. Tried there (ckab, against the row-wise kernel):
// the same from 2 pairs of loads 2 columns apart (no permutes, 1 load across a line) 4 rows at once 0.99, 3 rows
// 0.87, 2 rows 0.89, 1 row 0.84; a ring of two blocks of phase-copied rows in L1 (dw_phases_copy a block ahead, 4
// rows at once) 1.06–1.10, 3 rows 0.94, 2 rows 1.16–1.23, 1 row at a time over 4-row blocks 1.0–1.26. The phase
// copy keeps the maps up to 64 wide (these planes there: 56→28 1.17, 28→14 1.45, 14→7 1.42 of its time).
static inline int dw_pairs_fits(const ck_conv_desc *g) {
    return g->kernelHeight == 3 && g->kernelWidth == 3 && g->strideHeight == 2 && g->strideWidth == 2 &&
           g->dilationHeight == 1 && g->dilationWidth == 1 && g->padLeft >= 0 && g->padLeft <= 2;
}

// 8 columns of a row from column q; `edge`: the columns outside 0 ..< W are zeros and touch no memory.
__attribute__((target("avx2,fma"), always_inline)) static inline __m256 dw_pairs_load(const float *row, int q, int W,
                                                                                     int edge) {
    if (!edge) return _mm256_loadu_ps(row + q);
    const __m256i column = _mm256_add_epi32(_mm256_set1_epi32(q), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i inside = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), column),
                                               _mm256_cmpgt_epi32(_mm256_set1_epi32(W), column));
    return _mm256_maskload_ps(row + q, inside);
}

// Column c of a row; `edge`: 0 outside 0 ..< W.
static inline float dw_pairs_at(const float *row, int c, int W, int edge) {
    return !edge || (c >= 0 && c < W) ? row[c] : 0.0f;
}

// The sum of one output vector (its columns in vshufps order) whose loads start at column q of input rows rows[0..2].
__attribute__((target("avx2,fma"), always_inline)) static inline __m256
dw_pairs_vector(const float *const *rows, int q, int W, int edge, int pad, const __m256 *taps, __m256 bias) {
    // lane i of a tap one column pair back / on: lane i ∓ 1 in vshufps order (0 1 4 5 2 3 6 7)
    const __m256i back = _mm256_setr_epi32(0, 0, 5, 2, 1, 4, 3, 6), ahead = _mm256_setr_epi32(1, 4, 3, 6, 5, 2, 7, 7);
    __m256 acc = bias;
    for (int ky = 0; ky < 3; ky++) {
        const float *row = rows[ky];
        const __m256 lo = dw_pairs_load(row, q, W, edge), hi = dw_pairs_load(row, q + 8, W, edge);
        const __m256 phase[2] = {_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)),
                                 _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1))};
        for (int kx = 0; kx < 3; kx++) {
            const int d = kx - pad, odd = d & 1, shift = d >> 1;  // column 2·i + d: phase odd, pair i + shift
            __m256 v = phase[odd];
            if (shift < 0) {
                const __m256 in = _mm256_set1_ps(dw_pairs_at(row, q - 2 + odd, W, edge));
                v = _mm256_blend_ps(_mm256_permutevar8x32_ps(v, back), in, 1);
            } else if (shift > 0) {
                const __m256 in = _mm256_set1_ps(dw_pairs_at(row, q + 16 + odd, W, edge));
                v = _mm256_blend_ps(_mm256_permutevar8x32_ps(v, ahead), in, 128);
            }
            acc = _mm256_fmadd_ps(taps[ky * 3 + kx], v, acc);
        }
    }
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(acc), _MM_SHUFFLE(3, 1, 2, 0)));
}

__attribute__((target("avx2,fma"), always_inline)) static inline void
dw_pairs_plane(const ck_conv_desc *g, const float *x, const float *w, float b, dw_outputs o, const float *zero,
               int pad) {
    const int H = g->height, W = g->width, OW = g->outWidth;
    __m256 taps[9];
    for (int t = 0; t < 9; t++) taps[t] = _mm256_set1_ps(w[t]);
    const __m256 bias = _mm256_set1_ps(b), gain = _mm256_set1_ps(o.gain), offset = _mm256_set1_ps(o.offset);
    const __m256 lo = _mm256_set1_ps(o.act.minimum), hi = _mm256_set1_ps(o.act.maximum);
    for (int oy = 0; oy < g->outHeight; oy++) {
        const float *rows[3];
        for (int ky = 0; ky < 3; ky++) {
            const int iy = 2 * oy - g->padTop + ky;
            rows[ky] = iy >= 0 && iy < H ? x + (size_t)iy * W : zero;
        }
        for (int ox = 0; ox < OW; ox += 8) {
            const int q = 2 * ox, count = OW - ox < 8 ? OW - ox : 8;
            const __m256 sum = q - pad < 0 || q + 16 + (pad == 0) > W ? dw_pairs_vector(rows, q, W, 1, pad, taps, bias)
                                                                      : dw_pairs_vector(rows, q, W, 0, pad, taps, bias);
            dw_store_256(o, (size_t)oy * OW + ox, count, sum, gain, offset, lo, hi);
        }
    }
}
__attribute__((target("avx2,fma"))) static void plane_pairs_256(const ck_conv_desc *g, const float *x, const float *w,
                                                                float b, dw_outputs o, const float *zero) {
    if (g->padLeft == 0) dw_pairs_plane(g, x, w, b, o, zero, 0);
    else if (g->padLeft == 1) dw_pairs_plane(g, x, w, b, o, zero, 1);
    else dw_pairs_plane(g, x, w, b, o, zero, 2);
}
#endif

void ck_depthwise_conv(const ck_conv_desc *g, int images, const float *input, const float *weight,
                       const float *bias, float *output, const float *gain, const float *offset, float *affined,
                       float *activated, ck_activation act, int c0, int c1) {
    // input (C, N, H, W), weight (C·m, 1, KH, KW) -> output channels c0 ..< c1 of (C·m, N, OH, OW), and of
    // affined and activated when not NULL; g is one group: 1 input channel, m = g->outChannels outputs
    if (images < 1) images = 1;
    const dw_call k = {g, images, (c1 - c0) * images, g->kernelHeight * g->kernelWidth, c0,
                       (size_t)g->height * g->width, (size_t)g->outHeight * g->outWidth, input, weight, bias, gain,
                       offset, output, affined, activated, act};
#ifdef CK_X86
    // The vector paths read a zero row above and below the plane and the edge vectors' masks (or the padded
    // plane's copies and tables), made once for every plane of the call; the paired plane needs neither.
    if (ck_isa() == CK_ISA_AVX2 && dw_flat_fits(g)) {
        planes_flat_256(&k);
        return;
    }
    if (ck_isa() == CK_ISA_AVX2 && dw_phases_fits(g)) {
        planes_phases_256(&k);
        return;
    }
    if (ck_isa() == CK_ISA_AVX2 && dw_pairs_fits(g)) {
        const uint16_t *masks;
        const float *zero = row_scratch(8, g->outWidth, g->width, 3, 2, g->padLeft, 1, 0.0f, &masks);
        DW_EACH_PLANE(&k, plane_pairs_256(g, x, w, b, o, zero);)
        return;
    }
    if (ck_isa() >= CK_ISA_AVX512 && dw_paired_fits(g)) {
        planes_paired_512(&k);
        return;
    }
    if (ck_isa() >= CK_ISA_AVX512 && dw_padded_fits(g)) {
        // the padded plane's layout: its copy size, and its row stride, which picks the plane with those rows'
        // lane shifts built in
        const dw_padded_layout padded = dw_padded(g);
        float *copies = ck_scratch_buffer(CK_SCRATCH_PADDED, ck_depthwise_scratch_floats(g));
        if (!copies) abort();  // the memory budget counts this scratch: only an exhausted system ends here
        memset(copies, 0, 2 * (size_t)padded.floats * sizeof(float));
        uint32_t *keep = (uint32_t *)(copies + 2 * (size_t)padded.floats);
        int32_t *first = (int32_t *)(keep + padded.vectors);
        dw_padded_tables(g, keep, first);
        if (padded.stride == 8) plane_padded8_512s(&k, copies, keep, first);
        else if (padded.stride == 15) plane_padded15_512s(&k, copies, keep, first);
        else plane_padded_512s(&k, copies, keep, first);
        return;
    }
#endif
    // A plane a call otherwise: the row-wise planes inlined into such a loop lost 1.1–1.25 on the wide stride-2
    // maps (56→28, 112→56).
    typedef void (*plane_fn)(const ck_conv_desc *, const float *, const float *, float, dw_outputs, const float *,
                             const uint16_t *);
    plane_fn plane = plane_portable;
    const float *zero = NULL;
    const uint16_t *masks = NULL;
#ifdef CK_X86
    if (k.taps <= DW_MAX_TAPS && ck_isa() >= CK_ISA_AVX2) {
        const int wide = ck_isa() >= CK_ISA_AVX512;
        zero = row_scratch(wide ? 16 : 8, g->outWidth, g->width, g->kernelWidth, g->strideWidth, g->padLeft,
                           g->dilationWidth, 0.0f, &masks);
        plane = wide ? plane_512 : plane_256;
    }
#endif
    DW_EACH_PLANE(&k, plane(g, x, w, b, o, zero, masks);)
}

size_t ck_depthwise_scratch_floats(const ck_conv_desc *g) {
    const size_t rows = row_scratch_floats(g->width, g->outWidth, g->kernelWidth);
#ifdef CK_X86
    const size_t padded = dw_padded_scratch_floats(g), flat = dw_flat_fits(g) ? dw_flat_scratch_floats(g) : 0;
    const size_t phases = dw_phases_fits(g) ? dw_phases_scratch_floats(g) : 0, avx2 = flat > phases ? flat : phases;
    const size_t most = dw_padded_fits(g) && padded > rows ? padded : rows;
    return avx2 > most ? avx2 : most;
#else
    return rows;
#endif
}
