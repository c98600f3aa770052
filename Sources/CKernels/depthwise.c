// Depthwise convolution (one input channel per group) as a direct kernel: a GEMM with one row and KH·KW
// columns per group is all overhead, and the layer is memory-bound. Each output row is computed a vector of
// output columns at a time (AVX-512: 16, AVX2: 8) with the channel's KH·KW taps broadcast once into
// registers, from rows copied with their zero padding; stride 2 deinterleaves two loads. Strides above 2 go
// through the same sum in C, point by point. A fused activation (ReLU, clip = ReLU6) writes its output in
// the same pass, beside the convolution's own. AVX2 and AVX-512 add the taps in the same order with fused
// multiply-adds and agree bit for bit; the portable C rounds each product separately.
#include "ckernels_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { DW_MAX_TAPS = 25 };  // 5×5 windows and smaller run vectorised

static inline float activate1(float v, ck_activation act) {
    if (act.kind == CK_ACTIVATION_RELU) return v > 0.0f ? v : 0.0f;
    if (act.kind == CK_ACTIVATION_CLIP) {
        const float t = v < act.minimum ? act.minimum : v;
        return t > act.maximum ? act.maximum : t;
    }
    return v;
}

// Output (oy, ox) of one channel: bias plus the taps whose input exists, in order ky, kx. `FMA` is the
// multiply-add (fmaf on the vector paths, a plain product and sum on the portable one). Stores the sum at y
// and, when `a` is not NULL, its activation at a.
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
    y[(size_t)oy * g->outWidth + ox] = acc;                                                                       \
    if (a) a[(size_t)oy * g->outWidth + ox] = activate1(acc, act);

#define PLAIN_FMA(a, b, c) ((c) + (a) * (b))
static void point_portable(const ck_conv_desc *g, const float *x, const float *w, float b, float *y, float *a,
                           int oy, int ox, ck_activation act) {
    DW_POINT(PLAIN_FMA)
}

static void plane_portable(const ck_conv_desc *g, const float *x, const float *w, float b, float *y, float *a,
                           ck_activation act) {
    for (int oy = 0; oy < g->outHeight; oy++)
        for (int ox = 0; ox < g->outWidth; ox++) point_portable(g, x, w, b, y, a, oy, ox, act);
}

#ifdef CK_X86
// Lanes of x[0], x[2], x[4], … (two loads deinterleaved).
__attribute__((target("avx512f"))) static inline __m512 load_stride2_512(const float *p) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + 16));
}
__attribute__((target("avx2,fma"))) static inline __m256 load_stride2_256(const float *p) {
    const __m256 lo = _mm256_loadu_ps(p), hi = _mm256_loadu_ps(p + 8);
    const __m256 pairs = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));  // 0 2 8 10 | 4 6 12 14
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(pairs), _MM_SHUFFLE(3, 1, 2, 0)));
}

// The first n lanes of v stored at p (the last vector of a row).
__attribute__((target("avx512f"))) static inline void store_part_512(float *p, __m512 v, int n) {
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), v);
}
__attribute__((target("avx2,fma"))) static inline void store_part_256(float *p, __m256 v, int n) {
    _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)), v);
}

// The plane of one channel at W bits (256: AVX2 + FMA, 8 lanes; 512: AVX-512, 16 lanes). Its rows are first
// copied into the thread's scratch with padLeft zeros before and enough after that every output column, the
// last vector's included, reads inside the copy; taps above and below the plane are skipped. Strides above 2
// go point by point.
#define CK_DEFINE_DEPTHWISE(W, LANES, TARGET)                                                                     \
    __attribute__((target(TARGET))) static void point_##W(const ck_conv_desc *g, const float *x, const float *w,  \
                                                          float b, float *y, float *a, int oy, int ox,            \
                                                          ck_activation act) {                                    \
        DW_POINT(fmaf)                                                                                            \
    }                                                                                                             \
    __attribute__((target(TARGET))) static inline __m##W activate_##W(__m##W v, ck_activation act) {             \
        if (act.kind == CK_ACTIVATION_RELU) return _mm##W##_max_ps(v, _mm##W##_setzero_ps());                    \
        if (act.kind == CK_ACTIVATION_CLIP)                                                                       \
            return _mm##W##_min_ps(_mm##W##_set1_ps(act.maximum), _mm##W##_max_ps(_mm##W##_set1_ps(act.minimum), v)); \
        return v;                                                                                                 \
    }                                                                                                             \
    __attribute__((target(TARGET))) static void plane_##W(const ck_conv_desc *g, const float *x, const float *w,  \
                                                          float b, float *y, float *a, ck_activation act) {       \
        const int H = g->height, IW = g->width, OW = g->outWidth, KH = g->kernelHeight, KW = g->kernelWidth;     \
        const int sw = g->strideWidth, dh = g->dilationHeight, dw = g->dilationWidth, pl = g->padLeft;           \
        if (sw > 2) {                                                                                             \
            for (int oy = 0; oy < g->outHeight; oy++)                                                             \
                for (int ox = 0; ox < OW; ox++) point_##W(g, x, w, b, y, a, oy, ox, act);                         \
            return;                                                                                               \
        }                                                                                                         \
        const int vectors = (OW + LANES - 1) / LANES;                                                             \
        const int reach = (vectors - 1) * LANES * sw + (KW - 1) * dw + LANES * sw; /* columns the loads read */  \
        const int wp = reach > pl + IW ? reach : pl + IW;                                                         \
        float *padded = ck_scratch_buffer(CK_SCRATCH_PADDED, (size_t)H * wp);                                     \
        if (!padded) abort();                                                                                     \
        for (int iy = 0; iy < H; iy++) {                                                                          \
            float *row = padded + (size_t)iy * wp;                                                                \
            memset(row, 0, (size_t)pl * sizeof(float));                                                           \
            memcpy(row + pl, x + (size_t)iy * IW, (size_t)IW * sizeof(float));                                   \
            memset(row + pl + IW, 0, (size_t)(wp - pl - IW) * sizeof(float));                                    \
        }                                                                                                         \
        __m##W taps[DW_MAX_TAPS];                                                                                 \
        for (int t = 0; t < KH * KW; t++) taps[t] = _mm##W##_set1_ps(w[t]);                                       \
        const __m##W bias = _mm##W##_set1_ps(b);                                                                  \
        for (int oy = 0; oy < g->outHeight; oy++) {                                                               \
            const int iy0 = oy * g->strideHeight - g->padTop;                                                     \
            int ky0 = 0, ky1 = KH;                                                                                \
            while (ky0 < KH && iy0 + ky0 * dh < 0) ky0++;                                                         \
            while (ky1 > ky0 && iy0 + (ky1 - 1) * dh >= H) ky1--;                                                 \
            float *out = y + (size_t)oy * OW, *activated = a ? a + (size_t)oy * OW : NULL;                        \
            int ox = 0;                                                                                           \
            for (; ox + 4 * LANES <= OW; ox += 4 * LANES) { /* four independent FMA chains */                     \
                __m##W acc[4] = {bias, bias, bias, bias};                                                         \
                for (int ky = ky0; ky < ky1; ky++) {                                                              \
                    const float *row = padded + (size_t)(iy0 + ky * dh) * wp + (size_t)ox * sw;                   \
                    for (int kx = 0; kx < KW; kx++)                                                               \
                        for (int j = 0; j < 4; j++) {                                                             \
                            const float *p = row + kx * dw + j * LANES * sw;                                      \
                            const __m##W v = sw == 1 ? _mm##W##_loadu_ps(p) : load_stride2_##W(p);                \
                            acc[j] = _mm##W##_fmadd_ps(taps[ky * KW + kx], v, acc[j]);                            \
                        }                                                                                         \
                }                                                                                                 \
                for (int j = 0; j < 4; j++) {                                                                     \
                    _mm##W##_storeu_ps(out + ox + j * LANES, acc[j]);                                             \
                    if (activated) _mm##W##_storeu_ps(activated + ox + j * LANES, activate_##W(acc[j], act));     \
                }                                                                                                 \
            }                                                                                                     \
            for (; ox < OW; ox += LANES) {                                                                        \
                __m##W acc = bias;                                                                                \
                for (int ky = ky0; ky < ky1; ky++) {                                                              \
                    const float *row = padded + (size_t)(iy0 + ky * dh) * wp + (size_t)ox * sw;                   \
                    for (int kx = 0; kx < KW; kx++) {                                                             \
                        const __m##W v = sw == 1 ? _mm##W##_loadu_ps(row + kx * dw) : load_stride2_##W(row + kx * dw); \
                        acc = _mm##W##_fmadd_ps(taps[ky * KW + kx], v, acc);                                      \
                    }                                                                                             \
                }                                                                                                 \
                if (ox + LANES <= OW) {                                                                           \
                    _mm##W##_storeu_ps(out + ox, acc);                                                            \
                    if (activated) _mm##W##_storeu_ps(activated + ox, activate_##W(acc, act));                    \
                } else {                                                                                          \
                    store_part_##W(out + ox, acc, OW - ox);                                                       \
                    if (activated) store_part_##W(activated + ox, activate_##W(acc, act), OW - ox);               \
                }                                                                                                 \
            }                                                                                                     \
        }                                                                                                         \
    }
CK_DEFINE_DEPTHWISE(256, 8, "avx2,fma")
CK_DEFINE_DEPTHWISE(512, 16, "avx512f")
#endif

void ck_depthwise_conv(const ck_conv_desc *g, int images, const float *input, const float *weight,
                       const float *bias, float *output, float *activated, ck_activation act, int c0, int c1) {
    // input (C, N, H, W), weight (C·m, 1, KH, KW) -> output channels c0 ..< c1 of (C·m, N, OH, OW), and of
    // activated when not NULL; g is one group: 1 input channel, m = g->outChannels outputs
    typedef void (*plane_fn)(const ck_conv_desc *, const float *, const float *, float, float *, float *,
                             ck_activation);
    plane_fn plane = plane_portable;
    const int taps = g->kernelHeight * g->kernelWidth;
#ifdef CK_X86
    if (taps <= DW_MAX_TAPS && ck_isa() >= CK_ISA_AVX512) plane = plane_512;
    else if (taps <= DW_MAX_TAPS && ck_isa() >= CK_ISA_AVX2) plane = plane_256;
#endif
    if (images < 1) images = 1;
    const size_t in_plane = (size_t)g->height * g->width, out_plane = (size_t)g->outHeight * g->outWidth;
    for (int c = c0; c < c1; c++) {
        const int source = c / g->outChannels;
        for (int n = 0; n < images; n++) {
            const size_t at = ((size_t)c * images + n) * out_plane;
            plane(g, input + ((size_t)source * images + n) * in_plane, weight + (size_t)c * taps, bias ? bias[c] : 0.0f,
                  output + at, activated ? activated + at : NULL, act);
        }
    }
}
