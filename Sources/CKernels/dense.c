// Fully connected layers, one output row at a time: a matrix-vector product whose cost is streaming the weight
// matrix once, so each row is a dot product over vectors with two accumulators (AVX-512 or AVX2+FMA, chosen at
// run time by `ck_isa`), and portable C with eight partial sums that vectorise without -ffast-math.
#include "ckernels_internal.h"

typedef void (*dense_fn)(int, const float *, const float *, const float *, float *, int, int);

static void dense_rows_portable(int inFeatures, const float *input, const float *weight, const float *bias,
                                float *output, int o0, int o1) {
    for (int o = o0; o < o1; o++) {
        const float *w = weight + (size_t)o * inFeatures;
        float p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int i = 0;
        for (; i + 8 <= inFeatures; i += 8)
            for (int l = 0; l < 8; l++) p[l] += w[i + l] * input[i + l];
        float sum = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        for (; i < inFeatures; i++) sum += w[i] * input[i];
        output[o] = sum + (bias ? bias[o] : 0.0f);
    }
}

#ifdef CK_X86
__attribute__((target("avx2,fma"))) static void dense_rows_avx2(int inFeatures, const float *input,
                                                                 const float *weight, const float *bias,
                                                                 float *output, int o0, int o1) {
    for (int o = o0; o < o1; o++) {
        const float *w = weight + (size_t)o * inFeatures;
        __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
        int i = 0;
        for (; i + 16 <= inFeatures; i += 16) {
            a = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(input + i), a);
            b = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(input + i + 8), b);
        }
        float lanes[8];
        _mm256_storeu_ps(lanes, _mm256_add_ps(a, b));
        float sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
        for (; i < inFeatures; i++) sum += w[i] * input[i];
        output[o] = sum + (bias ? bias[o] : 0.0f);
    }
}

__attribute__((target("avx512f"))) static void dense_rows_avx512(int inFeatures, const float *input,
                                                                  const float *weight, const float *bias,
                                                                  float *output, int o0, int o1) {
    for (int o = o0; o < o1; o++) {
        const float *w = weight + (size_t)o * inFeatures;
        __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
        int i = 0;
        for (; i + 32 <= inFeatures; i += 32) {
            a = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), _mm512_loadu_ps(input + i), a);
            b = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 16), _mm512_loadu_ps(input + i + 16), b);
        }
        for (; i < inFeatures; i += 16) {
            // the last values through a mask: masked-off lanes are never read and add zero
            const int left = inFeatures - i;
            const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
            a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + i), _mm512_maskz_loadu_ps(m, input + i), a);
        }
        output[o] = _mm512_reduce_add_ps(_mm512_add_ps(a, b)) + (bias ? bias[o] : 0.0f);
    }
}
#endif

void ck_dense_rows(int inFeatures, const float *input, const float *weight, const float *bias,
                   float *output, int o0, int o1) {
    // input (in), weight (out, in), bias (out) -> output rows o0 ..< o1 of (out)
#ifdef CK_X86
    static const dense_fn versions[] = {dense_rows_portable, dense_rows_avx2, dense_rows_avx512};
    versions[ck_isa()](inFeatures, input, weight, bias, output, o0, o1);
#else
    dense_rows_portable(inFeatures, input, weight, bias, output, o0, o1);
#endif
}
