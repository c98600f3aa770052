// The depthwise conv on the blocked layout (NCHW8c: (C/8, H, W, 8), ckernels.h): channels in the lanes, so each
// output position is one vector of 8 channels, each tap one FMA of the input position's vector by the tap's 8
// per-channel weights (the weight packed (C/8, KH, KW, 8)). Every lane is busy on any map (the planar kernel's 7×7
// rows fill 7 of 8 lanes, and its stride 2 deinterleaves pairs of loads); no masks, no shuffles. The portable loop
// defines the bits: bias, then taps ky, kx in order, one fmaf each, taps in the padding as zeros (the planar AVX2
// and AVX-512 paths' order, so blocked and planar plans agree bit for bit), then the activation.
#include "ckernels_internal.h"
#include <math.h>

int ck_blocked_depthwise_supported(const ck_conv_desc *g, int channels) {
    return g->channels == 1 && g->outChannels == 1 && channels % CK_BLOCK == 0;
}

void ck_pack_blocked_depthwise_weight(int channels, int KH, int KW, const float *weight, float *packed) {
    const size_t taps = (size_t)KH * KW;
    for (int c = 0; c < channels; c++)
        for (size_t t = 0; t < taps; t++)
            packed[((size_t)(c / CK_BLOCK) * taps + t) * CK_BLOCK + c % CK_BLOCK] = weight[(size_t)c * taps + t];
}

// Output (oy, ox) of one block: x its input block, w its packed taps, b its 8 biases or NULL.
static void dw_position_portable(const ck_conv_desc *g, const float *x, const float *w, const float *b, float *out,
                                 ck_activation a, int oy, int ox) {
    const int iy0 = oy * g->strideHeight - g->padTop, ix0 = ox * g->strideWidth - g->padLeft;
    for (int j = 0; j < CK_BLOCK; j++) {
        float acc = b ? b[j] : 0.0f;
        for (int ky = 0; ky < g->kernelHeight; ky++) {
            const int iy = iy0 + ky * g->dilationHeight;
            for (int kx = 0; kx < g->kernelWidth; kx++) {
                const int ix = ix0 + kx * g->dilationWidth;
                const float v = iy >= 0 && iy < g->height && ix >= 0 && ix < g->width
                                    ? x[((size_t)iy * g->width + ix) * CK_BLOCK + j]
                                    : 0.0f;
                acc = fmaf(w[(ky * g->kernelWidth + kx) * CK_BLOCK + j], v, acc);
            }
        }
        out[j] = ck_activate1(acc, a);
    }
}

static void dw_portable(const ck_conv_desc *g, const float *input, const float *packed, const float *bias,
                        float *output, ck_activation a, int b0, int b1, int oy0, int oy1) {
    const size_t in_block = (size_t)g->height * g->width * CK_BLOCK, out_block = (size_t)g->outHeight * g->outWidth * CK_BLOCK;
    const size_t taps = (size_t)g->kernelHeight * g->kernelWidth * CK_BLOCK;
    for (int b = b0; b < b1; b++)
        for (int oy = oy0; oy < oy1; oy++)
            for (int ox = 0; ox < g->outWidth; ox++)
                dw_position_portable(g, input + b * in_block, packed + b * taps, bias ? bias + b * CK_BLOCK : NULL,
                                     output + b * out_block + ((size_t)oy * g->outWidth + ox) * CK_BLOCK, a, oy, ox);
}

#ifdef CK_X86
// Output (oy, ox) of one block, any window: the portable loop's taps as vectors.
__attribute__((target("avx2,fma"), always_inline)) static inline __m256
dw_position_avx2(const ck_conv_desc *g, const float *x, const float *w, __m256 bias, int oy, int ox) {
    const int iy0 = oy * g->strideHeight - g->padTop, ix0 = ox * g->strideWidth - g->padLeft;
    __m256 acc = bias;
    for (int ky = 0; ky < g->kernelHeight; ky++) {
        const int iy = iy0 + ky * g->dilationHeight, row_inside = iy >= 0 && iy < g->height;
        for (int kx = 0; kx < g->kernelWidth; kx++) {
            const int ix = ix0 + kx * g->dilationWidth;
            const __m256 v = row_inside && ix >= 0 && ix < g->width
                                 ? _mm256_loadu_ps(x + ((size_t)iy * g->width + ix) * CK_BLOCK)
                                 : _mm256_setzero_ps();
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(w + (ky * g->kernelWidth + kx) * CK_BLOCK), v, acc);
        }
    }
    return acc;
}

// Four outputs of a 3×3 window at stride S (1 or 2) across, the first one's window from input column ix on: each
// input row's 3S + 3 vectors loaded once and fed to the windows they lie in. rows[ky] NULL is a row of padding, and
// with `checked` the columns outside 0 ..< W are padding: zeros, still one FMA a tap. Each sum adds bias, then taps
// ky, kx in order: the portable loop's bits.
#define DW_TAP(A, T, V) A = _mm256_fmadd_ps(w[T], V, A)
__attribute__((target("avx2,fma"), always_inline)) static inline void
dw_four3_avx2(const float *const rows[3], int ix, int W, const __m256 w[9], __m256 bias, __m256 acc[4], int S,
              int checked) {
    __m256 a0 = bias, a1 = bias, a2 = bias, a3 = bias;
    for (int ky = 0; ky < 3; ky++) {
        __m256 v[9];
        const float *p = rows[ky] ? rows[ky] + (ptrdiff_t)ix * CK_BLOCK : NULL;
        for (int i = 0; i < 3 * S + 3; i++)
            v[i] = p && (!checked || (ix + i >= 0 && ix + i < W)) ? _mm256_loadu_ps(p + i * CK_BLOCK) : _mm256_setzero_ps();
        for (int kx = 0; kx < 3; kx++) {
            DW_TAP(a0, ky * 3 + kx, v[kx]);
            DW_TAP(a1, ky * 3 + kx, v[S + kx]);
            DW_TAP(a2, ky * 3 + kx, v[2 * S + kx]);
            DW_TAP(a3, ky * 3 + kx, v[3 * S + kx]);
        }
    }
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}
#undef DW_TAP

// Rows oy0 ..< oy1 of one block, 3×3 windows at stride S across, dilation 1, four outputs at a time: groups whose
// columns all lie inside the row unchecked, the others (a row's ends, rows of fewer than 4 outputs) checked column
// by column, storing only the outputs there are.
__attribute__((target("avx2,fma"), always_inline)) static inline void
dw_rows3_avx2(const ck_conv_desc *g, const float *x, const float *packed, __m256 bias, float *out, ck_activation a,
              int oy0, int oy1, int S) {
    const int H = g->height, W = g->width, OW = g->outWidth, pl = g->padLeft;
    __m256 w[9];
    for (int t = 0; t < 9; t++) w[t] = _mm256_loadu_ps(packed + t * CK_BLOCK);
    for (int oy = oy0; oy < oy1; oy++) {
        const int iy0 = oy * g->strideHeight - g->padTop;
        const float *rows[3];
        for (int ky = 0; ky < 3; ky++)
            rows[ky] = iy0 + ky >= 0 && iy0 + ky < H ? x + (size_t)(iy0 + ky) * W * CK_BLOCK : NULL;
        float *o = out + (size_t)oy * OW * CK_BLOCK;
        for (int ox = 0; ox < OW; ox += 4) {
            const int ix = ox * S - pl, n = OW - ox < 4 ? OW - ox : 4;
            __m256 acc[4];
            if (n == 4 && ix >= 0 && ix + 3 * S + 3 <= W) dw_four3_avx2(rows, ix, W, w, bias, acc, S, 0);
            else dw_four3_avx2(rows, ix, W, w, bias, acc, S, 1);
            for (int i = 0; i < n; i++) _mm256_storeu_ps(o + (size_t)(ox + i) * CK_BLOCK, ck_activate8(acc[i], a));
        }
    }
}

__attribute__((target("avx2,fma"))) static void dw_avx2(const ck_conv_desc *g, const float *input, const float *packed,
                                                        const float *bias, float *output, ck_activation a, int b0,
                                                        int b1, int oy0, int oy1) {
    const size_t in_block = (size_t)g->height * g->width * CK_BLOCK, out_block = (size_t)g->outHeight * g->outWidth * CK_BLOCK;
    const size_t taps = (size_t)g->kernelHeight * g->kernelWidth * CK_BLOCK;
    const int three = g->kernelHeight == 3 && g->kernelWidth == 3 && g->dilationHeight == 1 && g->dilationWidth == 1;
    for (int b = b0; b < b1; b++) {
        const float *x = input + b * in_block, *w = packed + b * taps;
        const __m256 bv = bias ? _mm256_loadu_ps(bias + (size_t)b * CK_BLOCK) : _mm256_setzero_ps();
        float *out = output + b * out_block;
        if (three && g->strideWidth == 1) dw_rows3_avx2(g, x, w, bv, out, a, oy0, oy1, 1);
        else if (three && g->strideWidth == 2) dw_rows3_avx2(g, x, w, bv, out, a, oy0, oy1, 2);
        else
            for (int oy = oy0; oy < oy1; oy++)
                for (int ox = 0; ox < g->outWidth; ox++)
                    _mm256_storeu_ps(out + ((size_t)oy * g->outWidth + ox) * CK_BLOCK,
                                     ck_activate8(dw_position_avx2(g, x, w, bv, oy, ox), a));
    }
}
#endif

void ck_blocked_depthwise_conv(const ck_conv_desc *g, const float *input, const float *packed, const float *bias,
                               float *output, ck_activation a, int b0, int b1, int oy0, int oy1) {
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX2) {
        dw_avx2(g, input, packed, bias, output, a, b0, b1, oy0, oy1);
        return;
    }
#endif
    dw_portable(g, input, packed, bias, output, a, b0, b1, oy0, oy1);
}
