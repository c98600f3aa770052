// Convolutions on the blocked layout (NCHW8c, ckernels.h): reorders in and out of it, weight packing, and the
// portable conv every instruction set's result is defined by.
#include "conv_blocked.h"
#include <math.h>

void ck_to_blocked(int channels, long positions, const float *input, float *output, int b0, int b1) {
    (void)channels;
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX2) {
        ck_reorder_blocked_avx2(positions, input, output, b0, b1, 1);
        return;
    }
#endif
    for (int b = b0; b < b1; b++)
        for (long p = 0; p < positions; p++)
            for (int j = 0; j < CK_BLOCK; j++)
                output[((size_t)b * positions + p) * CK_BLOCK + j] = input[((size_t)b * CK_BLOCK + j) * positions + p];
}

void ck_from_blocked(int channels, long positions, const float *input, float *output, int b0, int b1) {
    (void)channels;
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX2) {
        ck_reorder_blocked_avx2(positions, input, output, b0, b1, 0);
        return;
    }
#endif
    for (int b = b0; b < b1; b++)
        for (long p = 0; p < positions; p++)
            for (int j = 0; j < CK_BLOCK; j++)
                output[((size_t)b * CK_BLOCK + j) * positions + p] = input[((size_t)b * positions + p) * CK_BLOCK + j];
}

int ck_blocked_conv_supported(const ck_conv_desc *g) {
    return g->channels % CK_BLOCK == 0 && g->outChannels % CK_BLOCK == 0 && g->dilationHeight == 1 &&
           g->dilationWidth == 1;
}

size_t ck_blocked_packed_floats(int M, int C, int KH, int KW) { return (size_t)M * C * KH * KW; }

void ck_pack_blocked_weight(int M, int C, int KH, int KW, const float *weight, float *packed) {
    size_t taps = (size_t)KH * KW;
    for (int m = 0; m < M; m++)
        for (int c = 0; c < C; c++)
            for (size_t t = 0; t < taps; t++) {
                size_t block = ((size_t)(m / CK_BLOCK) * (C / CK_BLOCK) + c / CK_BLOCK) * taps + t;
                packed[(block * CK_BLOCK + c % CK_BLOCK) * CK_BLOCK + m % CK_BLOCK] = weight[((size_t)m * C + c) * taps + t];
            }
}

// One output position's block of 8 channels: bias, the taps inside the input in the documented order, the epilogue.
static void blocked_position(const ck_conv_desc *g, const float *input, const float *w, const float *bias, float *out,
                             const float *addend, ck_activation a, int oy, int ox) {
    int C = g->channels, H = g->height, W = g->width, KH = g->kernelHeight, KW = g->kernelWidth;
    float acc[CK_BLOCK];
    for (int j = 0; j < CK_BLOCK; j++) acc[j] = bias ? bias[j] : 0.0f;
    for (int ib = 0; ib < C / CK_BLOCK; ib++)
        for (int ky = 0; ky < KH; ky++) {
            int iy = oy * g->strideHeight - g->padTop + ky;
            if (iy < 0 || iy >= H) continue;
            for (int kx = 0; kx < KW; kx++) {
                int ix = ox * g->strideWidth - g->padLeft + kx;
                if (ix < 0 || ix >= W) continue;
                const float *x = input + (((size_t)ib * H + iy) * W + ix) * CK_BLOCK;
                const float *wt = w + (((size_t)ib * KH + ky) * KW + kx) * CK_BLOCK * CK_BLOCK;
                for (int ic = 0; ic < CK_BLOCK; ic++)
                    for (int j = 0; j < CK_BLOCK; j++) acc[j] = fmaf(x[ic], wt[ic * CK_BLOCK + j], acc[j]);
            }
        }
    for (int j = 0; j < CK_BLOCK; j++) {
        float v = addend ? acc[j] + addend[j] : acc[j];
        if (a.kind == CK_ACTIVATION_RELU) v = v > 0.0f ? v : 0.0f;
        else if (a.kind == CK_ACTIVATION_CLIP) v = v < a.minimum ? a.minimum : v > a.maximum ? a.maximum : v;
        out[j] = v;
    }
}

// A 1×1 whose every tap is inside the input (no padding): the pointwise kernel's case.
static int pointwise_inside(const ck_conv_desc *g) {
    return g->kernelHeight == 1 && g->kernelWidth == 1 && g->padTop == 0 && g->padLeft == 0 &&
           (g->outHeight - 1) * g->strideHeight < g->height && (g->outWidth - 1) * g->strideWidth < g->width;
}

size_t ck_blocked_conv_scratch_floats(const ck_conv_desc *g) {
#ifdef CK_X86
    return pointwise_inside(g) ? ck_blocked_pointwise_scratch_floats_avx2(g) : ck_blocked_conv_scratch_floats_avx2(g);
#else
    (void)g;
    return 0;
#endif
}

void ck_blocked_conv_rows(const ck_conv_desc *g, const float *input, const float *packed, const float *bias,
                          float *output, int oy0, int oy1, int b0, int b1, ck_output_epilogue e) {
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX2 && pointwise_inside(g)) {
        ck_blocked_pointwise_rows_avx2(g, input, packed, bias, output, oy0, oy1, b0, b1, e);
        return;
    }
    if (ck_isa() >= CK_ISA_AVX2) {
        ck_blocked_conv_rows_avx2(g, input, packed, bias, output, oy0, oy1, b0, b1, e);
        return;
    }
#endif
    size_t plane = (size_t)g->outHeight * g->outWidth;
    size_t weights = (size_t)g->channels * g->kernelHeight * g->kernelWidth * CK_BLOCK;
    for (int b = b0; b < b1; b++)
        for (int oy = oy0; oy < oy1; oy++)
            for (int ox = 0; ox < g->outWidth; ox++) {
                size_t at = ((size_t)b * plane + (size_t)oy * g->outWidth + ox) * CK_BLOCK;
                blocked_position(g, input, packed + b * weights, bias ? bias + b * CK_BLOCK : NULL, output + at,
                                 e.addend ? e.addend + at : NULL, e.activation, oy, ox);
            }
}
