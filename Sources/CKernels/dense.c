// Fully connected layers: a matrix-vector product whose cost is streaming the weight matrix once, so the vector
// paths (AVX-512 or AVX2+FMA, chosen at run time by `ck_isa`) take several rows a pass, dot products over vectors
// sharing each input load; portable C goes row by row with eight partial sums that vectorise without -ffast-math.
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
// AVX2: six rows a pass (then four, then one; eight would spill its 16 registers), two sums a row (8 lanes apart and
// 16 apart), the values past the last 16 added one by one. Six streams against four, forced onto AVX2 on the AMD EPYC
// Zen 4 below (cold, minima of 15): 0.87–0.92 of the time.
__attribute__((target("avx2,fma"))) static inline float dense_finish_256(__m256 a, __m256 b, const float *w,
                                                                          const float *input, int from, int inFeatures,
                                                                          const float *bias, int o) {
    float lanes[8];
    _mm256_storeu_ps(lanes, _mm256_add_ps(a, b));
    float sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (int i = from; i < inFeatures; i++) sum += w[i] * input[i];
    return sum + (bias ? bias[o] : 0.0f);
}
__attribute__((target("avx2,fma"), always_inline)) static inline void dense_pass_256(int inFeatures, const float *input,
                                                                                    const float *weight,
                                                                                    const float *bias, float *output,
                                                                                    int o, int rows) {
    const int whole = inFeatures / 16 * 16;
    const float *w = weight + (size_t)o * inFeatures;
    __m256 a[6], b[6];
    for (int r = 0; r < rows; r++) a[r] = b[r] = _mm256_setzero_ps();
    for (int i = 0; i < whole; i += 16) {
        const __m256 x0 = _mm256_loadu_ps(input + i), x1 = _mm256_loadu_ps(input + i + 8);
        for (int r = 0; r < rows; r++) {
            a[r] = _mm256_fmadd_ps(_mm256_loadu_ps(w + (size_t)r * inFeatures + i), x0, a[r]);
            b[r] = _mm256_fmadd_ps(_mm256_loadu_ps(w + (size_t)r * inFeatures + i + 8), x1, b[r]);
        }
    }
    for (int r = 0; r < rows; r++)
        output[o + r] = dense_finish_256(a[r], b[r], w + (size_t)r * inFeatures, input, whole, inFeatures, bias, o + r);
}
__attribute__((target("avx2,fma"))) static void dense_rows_avx2(int inFeatures, const float *input,
                                                                 const float *weight, const float *bias,
                                                                 float *output, int o0, int o1) {
    int o = o0;
    for (; o + 6 <= o1; o += 6) dense_pass_256(inFeatures, input, weight, bias, output, o, 6);
    for (; o + 4 <= o1; o += 4) dense_pass_256(inFeatures, input, weight, bias, output, o, 4);
    for (; o < o1; o++) dense_pass_256(inFeatures, input, weight, bias, output, o, 1);
}

// AVX-512: eight rows a pass (then four, then one), so each input vector loaded serves eight weight streams read
// side by side and eight independent sums hide the FMA latency. The matrix comes once from memory: one row's stream
// alone left the core waiting on it, and eight streams keep more lines in flight than four (1280→1000 cold 0.78 of
// the time, 1024→1000 0.87, 2048→1000 0.86; 12 rows no better, 16 worse; one stream of the rows interleaved lost at
// 2048; AMD EPYC Zen 4, one process, minima of 15 calls with every cache flushed before each). Every row adds its
// products in the same order (lanes 16 apart in one sum, the last values through a mask) whichever pass it falls in.
// Software prefetch measured no better. In whole networks (1 thread, minima): ResNet-50's fc1000 0.89, GoogLeNet's
// classifier 0.86, MobileNetV2's fc 0.87.
__attribute__((target("avx512f"), always_inline)) static inline void dense_pass_512(int inFeatures, const float *input,
                                                                                   const float *weight,
                                                                                   const float *bias, float *output,
                                                                                   int o, int rows) {
    const int whole = inFeatures / 16 * 16, left = inFeatures - whole;
    const __mmask16 tail = (__mmask16)((1u << left) - 1u);
    const float *w = weight + (size_t)o * inFeatures;
    __m512 a[8];
    for (int r = 0; r < rows; r++) a[r] = _mm512_setzero_ps();
    for (int i = 0; i < whole; i += 16) {
        const __m512 x = _mm512_loadu_ps(input + i);
        for (int r = 0; r < rows; r++) a[r] = _mm512_fmadd_ps(_mm512_loadu_ps(w + (size_t)r * inFeatures + i), x, a[r]);
    }
    if (left) {
        // masked-off lanes are never read and add zero
        const __m512 x = _mm512_maskz_loadu_ps(tail, input + whole);
        for (int r = 0; r < rows; r++)
            a[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w + (size_t)r * inFeatures + whole), x, a[r]);
    }
    for (int r = 0; r < rows; r++) output[o + r] = _mm512_reduce_add_ps(a[r]) + (bias ? bias[o + r] : 0.0f);
}
__attribute__((target("avx512f"))) static void dense_rows_avx512(int inFeatures, const float *input,
                                                                  const float *weight, const float *bias,
                                                                  float *output, int o0, int o1) {
    int o = o0;
    for (; o + 8 <= o1; o += 8) dense_pass_512(inFeatures, input, weight, bias, output, o, 8);
    for (; o + 4 <= o1; o += 4) dense_pass_512(inFeatures, input, weight, bias, output, o, 4);
    for (; o < o1; o++) dense_pass_512(inFeatures, input, weight, bias, output, o, 1);
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
