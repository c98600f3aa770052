// Depthwise convolution (one input channel per group) as a direct kernel: a GEMM with one row and KH·KW
// columns per group is all overhead, and the layer is memory-bound. Each output row is computed a vector of
// output columns at a time (AVX-512: 16, AVX2: 8) with the channel's KH·KW taps broadcast once into
// registers, reading the input rows in place (masked loads at the padded edges); stride 2 deinterleaves two
// loads. On AVX-512, 3×3 stride-1 maps up to 32 wide run as one flat run of vectors crossing row ends (every
// lane filled on 7×7 and 14×14 maps), and 3×3 stride-2 maps with output rows up to 7 wide two output rows a
// vector. Strides above 2 go through the same sum in C, point by point. The nodes a
// forward pass fuses into the conv (a batch norm's per-channel affine map, then ReLU or clip = ReLU6) write
// their outputs in the same pass, beside the convolution's own, so the layer reads its input once and writes
// each output once. AVX2 and AVX-512 add the taps in the same order with fused multiply-adds and agree bit for
// bit; the portable C rounds each product separately.
#include "row_vectors.h"
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { DW_MAX_TAPS = 25 };  // 5×5 windows and smaller run vectorised

// Where one plane's values go: the sum at y; when not NULL, sum · gain + offset at affined (a batch norm) and
// the activation of the last of those at activated.
typedef struct {
    float *y, *affined, *activated;
    float gain, offset;
    ck_activation act;
} dw_outputs;

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
// The plane of one channel at W bits (256: AVX2 + FMA, 8 lanes; 512: AVX-512, 16 lanes), a vector of output
// columns at a time, reading the input rows in place: rows above and below the plane are a zero row, columns
// left and right of it zeros through masked loads (only in the vectors that reach there; their masks are made
// once per call). Every output adds bias and all KH·KW taps in order ky, kx with FMAs, padding included (as
// zeros), so both widths give the same bits. `dw_plane_W` is always inlined with KH, KW, sw and dw as
// constants for 3×3 windows: the taps stay in registers and the loops unroll; stride 2 with dilation 1 takes
// taps kx and kx + 1 from one deinterleaved pair of loads. Strides above 2 go point by point.
#define CK_DEFINE_DEPTHWISE(W, LANES, TARGET)                                                               \
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
    /* Stores n ≤ LANES lanes of the sum and of the fused steps after it at position at of each output */        \
    __attribute__((target(TARGET), always_inline)) static inline void dw_put_##W(float *p, __m##W v, int n) {      \
        if (n == LANES) _mm##W##_storeu_ps(p, v);                                                                 \
        else row_store_part_##W(p, v, n);                                                                         \
    }                                                                                                             \
    __attribute__((target(TARGET), always_inline)) static inline void dw_store_##W(                               \
        dw_outputs o, size_t at, int n, __m##W v, __m##W gain, __m##W offset, __m##W lo, __m##W hi) {             \
        /* a value written over by a later one (in place) is not stored */                                     \
        if (o.y != o.affined && o.y != o.activated) dw_put_##W(o.y + at, v, n);                                 \
        if (o.affined) {                                                                                          \
            v = _mm##W##_add_ps(_mm##W##_mul_ps(v, gain), offset);                                               \
            if (o.affined != o.activated) dw_put_##W(o.affined + at, v, n);                                       \
        }                                                                                                         \
        if (o.activated) {                                                                                        \
            if (o.act.kind == CK_ACTIVATION_RELU) v = _mm##W##_max_ps(v, _mm##W##_setzero_ps());                 \
            else if (o.act.kind == CK_ACTIVATION_CLIP) v = _mm##W##_min_ps(hi, _mm##W##_max_ps(lo, v));           \
            dw_put_##W(o.activated + at, v, n);                                                                   \
        }                                                                                                         \
    }                                                                                                             \
    __attribute__((target(TARGET), always_inline)) static inline void dw_plane_##W(                               \
        const ck_conv_desc *g, const float *x, const float *w, float b, dw_outputs o, const float *zero,          \
        const uint16_t *masks, int KH, int KW, int sw, int dh, int dw) {                                              \
        const int H = g->height, IW = g->width, OW = g->outWidth, sh = g->strideHeight;                           \
        /* input columns one vector's loads reach, from its first */                                              \
        const int reach = sw == 1 ? (KW - 1) * dw + LANES : (KW - 1) * dw + 2 * LANES;                            \
        __m##W taps[DW_MAX_TAPS];                                                                                 \
        for (int t = 0; t < KH * KW; t++) taps[t] = _mm##W##_set1_ps(w[t]);                                       \
        const __m##W bias = _mm##W##_set1_ps(b), gain = _mm##W##_set1_ps(o.gain), offset = _mm##W##_set1_ps(o.offset); \
        const __m##W lo = _mm##W##_set1_ps(o.act.minimum), hi = _mm##W##_set1_ps(o.act.maximum);                  \
        const float *rows[DW_MAX_TAPS];                                                                           \
        for (int oy = 0; oy < g->outHeight; oy++) {                                                               \
            for (int ky = 0; ky < KH; ky++) {                                                                     \
                const int iy = oy * sh - g->padTop + ky * dh;                                                     \
                rows[ky] = iy >= 0 && iy < H ? x + (size_t)iy * IW : zero;                                        \
            }                                                                                                     \
            for (int ox = 0, v = 0; ox < OW; ox += LANES, v++) {                                                  \
                const int col = ox * sw - g->padLeft;                                                             \
                const __m##W acc = col >= 0 && col + reach <= IW                                                  \
                                       ? dw_vector_##W(rows, col, NULL, taps, bias, KH, KW, sw, dw)               \
                                       : dw_vector_##W(rows, col, masks + (size_t)v * KW * 2, taps, bias, KH, KW, sw, dw); \
                dw_store_##W(o, (size_t)oy * OW + ox, OW - ox < LANES ? OW - ox : LANES, acc, gain, offset, lo, hi); \
            }                                                                                                     \
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
        } else if (KH == 3 && KW == 3 && dh == 1 && dw == 1 && sw == 1) {                                         \
            dw_plane_##W(g, x, w, b, o, zero, masks, 3, 3, 1, 1, 1);                                              \
        } else if (KH == 3 && KW == 3 && dh == 1 && dw == 1) {                                                    \
            dw_plane_##W(g, x, w, b, o, zero, masks, 3, 3, 2, 1, 1);                                              \
        } else {                                                                                                  \
            dw_plane_##W(g, x, w, b, o, zero, masks, KH, KW, sw, dh, dw);                                         \
        }                                                                                                         \
    }
CK_DEFINE_DEPTHWISE(256, 8, "avx2,fma")
CK_DEFINE_DEPTHWISE(512, 16, "avx512f")

// A 3×3 stride-1 "same" plane (pad 1 on each side, so OH = H and OW = W) on AVX-512 as one flat run of H·W
// outputs, 16 consecutive outputs a vector whatever the row width: output p reads input p + (ky − 1)·W + kx − 1,
// through a mask per vector and tap that zeroes the lanes whose input lies off the plane or across a row end
// (masked-off lanes touch no memory). Small maps (7×7, 14×14) fill every lane instead of one part vector a row,
// and four vectors run at once (independent sums). Wider rows (56, 112) measured faster row by row, where only
// the row ends take masks. Each output adds bias and the taps in order ky, kx as the row-wise kernel does,
// padding as zeros: the same bits.
enum { DW_FLAT_WIDTH = 32 };  // the widest rows the flat plane takes
static inline int dw_flat_fits(const ck_conv_desc *g) {
    return g->kernelHeight == 3 && g->kernelWidth == 3 && g->strideHeight == 1 && g->strideWidth == 1 &&
           g->dilationHeight == 1 && g->dilationWidth == 1 && g->padTop == 1 && g->padLeft == 1 &&
           g->outHeight == g->height && g->outWidth == g->width && g->width <= DW_FLAT_WIDTH;
}
static inline size_t dw_flat_vectors(const ck_conv_desc *g) { return ((size_t)g->height * g->width + 15) / 16; }

// The masks of every vector and tap, at masks[v·9 + ky·3 + kx]: lanes inside the plane whose input row exists
// (ky) and whose input column does not cross a row end (kx); a lane's column counts up by 16 a vector, wrapped.
__attribute__((target("avx512f"))) static void dw_flat_masks(const ck_conv_desc *g, uint16_t *masks) {
    const int W = g->width, n = g->height * W;
    const __m512i width = _mm512_set1_epi32(W), lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512i column = lanes;
    for (__mmask16 over; (over = _mm512_cmpge_epi32_mask(column, width));) column = _mm512_mask_sub_epi32(column, over, column, width);
    for (size_t v = 0; v < dw_flat_vectors(g); v++) {
        const __m512i p = _mm512_add_epi32(_mm512_set1_epi32((int)v * 16), lanes);
        const __mmask16 inside = _mm512_cmplt_epi32_mask(p, _mm512_set1_epi32(n));
        const __mmask16 rows[3] = {inside & _mm512_cmpge_epi32_mask(p, width), inside,
                                   inside & _mm512_cmplt_epi32_mask(p, _mm512_set1_epi32(n - W))};
        const __mmask16 columns[3] = {_mm512_cmpneq_epi32_mask(column, _mm512_setzero_si512()), 0xFFFF,
                                      _mm512_cmpneq_epi32_mask(column, _mm512_set1_epi32(W - 1))};
        for (int t = 0; t < 9; t++) masks[v * 9 + (size_t)t] = (uint16_t)(rows[t / 3] & columns[t % 3]);
        column = _mm512_add_epi32(column, _mm512_set1_epi32(16));
        for (__mmask16 over; (over = _mm512_cmpge_epi32_mask(column, width));) column = _mm512_mask_sub_epi32(column, over, column, width);
    }
}

#define DW_FLAT_TAP(A, V, T) A = _mm512_fmadd_ps(taps[T], _mm512_maskz_loadu_ps(m[(V) * 9 + (T)], at + (V) * 16 + offsets[T]), A)
#define DW_FLAT_TAPS(A, V)                                                                                       \
    DW_FLAT_TAP(A, V, 0); DW_FLAT_TAP(A, V, 1); DW_FLAT_TAP(A, V, 2); DW_FLAT_TAP(A, V, 3); DW_FLAT_TAP(A, V, 4); \
    DW_FLAT_TAP(A, V, 5); DW_FLAT_TAP(A, V, 6); DW_FLAT_TAP(A, V, 7); DW_FLAT_TAP(A, V, 8)
__attribute__((target("avx512f"))) static void plane_flat_512(const ck_conv_desc *g, const float *x, const float *w,
                                                               float b, dw_outputs o, const uint16_t *masks) {
    const int W = g->width, n = g->height * W, vectors = (n + 15) / 16;
    const ptrdiff_t offsets[9] = {-W - 1, -W, -W + 1, -1, 0, 1, W - 1, W, W + 1};
    __m512 taps[9];
    for (int t = 0; t < 9; t++) taps[t] = _mm512_set1_ps(w[t]);
    const __m512 bias = _mm512_set1_ps(b), gain = _mm512_set1_ps(o.gain), offset = _mm512_set1_ps(o.offset);
    const __m512 lo = _mm512_set1_ps(o.act.minimum), hi = _mm512_set1_ps(o.act.maximum);
    int v = 0;
    for (; v + 4 <= vectors; v += 4) {
        const float *at = x + (size_t)v * 16;
        const uint16_t *m = masks + (size_t)v * 9;
        __m512 a0 = bias, a1 = bias, a2 = bias, a3 = bias;
        DW_FLAT_TAPS(a0, 0);
        DW_FLAT_TAPS(a1, 1);
        DW_FLAT_TAPS(a2, 2);
        DW_FLAT_TAPS(a3, 3);
        const int left = n - v * 16;
        dw_store_512(o, (size_t)v * 16, 16, a0, gain, offset, lo, hi);
        dw_store_512(o, (size_t)v * 16 + 16, 16, a1, gain, offset, lo, hi);
        dw_store_512(o, (size_t)v * 16 + 32, 16, a2, gain, offset, lo, hi);
        dw_store_512(o, (size_t)v * 16 + 48, left < 64 ? left - 48 : 16, a3, gain, offset, lo, hi);
    }
    for (; v < vectors; v++) {
        const float *at = x + (size_t)v * 16;
        const uint16_t *m = masks + (size_t)v * 9;
        __m512 a0 = bias;
        DW_FLAT_TAPS(a0, 0);
        const int left = n - v * 16;
        dw_store_512(o, (size_t)v * 16, left < 16 ? left : 16, a0, gain, offset, lo, hi);
    }
}
#undef DW_FLAT_TAPS
#undef DW_FLAT_TAP

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
__attribute__((target("avx512f"))) static void plane_paired_512(const ck_conv_desc *g, const float *x, const float *w,
                                                                 float b, dw_outputs o, int indices[3][16]) {
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
#endif

void ck_depthwise_conv(const ck_conv_desc *g, int images, const float *input, const float *weight,
                       const float *bias, float *output, const float *gain, const float *offset, float *affined,
                       float *activated, ck_activation act, int c0, int c1) {
    // input (C, N, H, W), weight (C·m, 1, KH, KW) -> output channels c0 ..< c1 of (C·m, N, OH, OW), and of
    // affined and activated when not NULL; g is one group: 1 input channel, m = g->outChannels outputs
    typedef void (*plane_fn)(const ck_conv_desc *, const float *, const float *, float, dw_outputs, const float *,
                             const uint16_t *);
    plane_fn plane = plane_portable;
    const float *zero = NULL;
    const uint16_t *masks = NULL;
    int flat = 0, paired = 0;
#ifdef CK_X86
    // The vector paths read a zero row above and below the plane and the edge vectors' masks (or the flat
    // plane's masks), made once for every plane of the call; the paired plane needs neither.
    int paired_index[3][16];
    if (ck_isa() >= CK_ISA_AVX512 && dw_paired_fits(g)) {
        dw_paired_indices(g->outWidth, paired_index);
        paired = 1;
    } else if (ck_isa() >= CK_ISA_AVX512 && dw_flat_fits(g)) {
        uint16_t *flat_masks = (uint16_t *)ck_scratch_buffer(CK_SCRATCH_PADDED, ck_depthwise_scratch_floats(g));
        if (!flat_masks) abort();  // the memory budget counts this scratch: only an exhausted system ends here
        dw_flat_masks(g, flat_masks);
        masks = flat_masks;
        flat = 1;
    } else if (g->kernelHeight * g->kernelWidth <= DW_MAX_TAPS && ck_isa() >= CK_ISA_AVX2) {
        const int wide = ck_isa() >= CK_ISA_AVX512;
        zero = row_scratch(wide ? 16 : 8, g->outWidth, g->width, g->kernelWidth, g->strideWidth, g->padLeft,
                           g->dilationWidth, 0.0f, &masks);
        plane = wide ? plane_512 : plane_256;
    }
#endif
    if (images < 1) images = 1;
    const int taps = g->kernelHeight * g->kernelWidth;
    const size_t in_plane = (size_t)g->height * g->width, out_plane = (size_t)g->outHeight * g->outWidth;
    for (int c = c0; c < c1; c++) {
        const int source = c / g->outChannels;
        for (int n = 0; n < images; n++) {
            const size_t at = ((size_t)c * images + n) * out_plane;
            const dw_outputs o = {output + at, affined ? affined + at : NULL, activated ? activated + at : NULL,
                                  gain ? gain[c] : 1.0f, offset ? offset[c] : 0.0f, act};
            const float *x = input + ((size_t)source * images + n) * in_plane, *w = weight + (size_t)c * taps;
#ifdef CK_X86
            if (flat) {
                plane_flat_512(g, x, w, bias ? bias[c] : 0.0f, o, masks);
                continue;
            }
            if (paired) {
                plane_paired_512(g, x, w, bias ? bias[c] : 0.0f, o, paired_index);
                continue;
            }
#endif
            plane(g, x, w, bias ? bias[c] : 0.0f, o, zero, masks);
        }
    }
}

size_t ck_depthwise_scratch_floats(const ck_conv_desc *g) {
    const size_t rows = row_scratch_floats(g->width, g->outWidth, g->kernelWidth);
#ifdef CK_X86
    const size_t flat = (dw_flat_vectors(g) * 9 + 1) / 2;
    return dw_flat_fits(g) && flat > rows ? flat : rows;
#else
    return rows;
#endif
}
