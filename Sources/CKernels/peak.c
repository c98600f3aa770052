// The machine's FMA peak: 12 independent chains of FMAs, at the vector width of the instruction set in use,
// hide the FMA latency on two FMA pipes. And the memory bandwidth: a streaming copy.
#include "ckernels_internal.h"

#ifdef CK_X86
// 12 chains of W-bit FMAs (256: AVX2 + FMA, 8 lanes; 512: AVX-512, 16 lanes), from the _mm<W>_ intrinsics. No chain
// starts at 1, the fixed point of x·0.999999 + 1e-6: clang folded such a chain away, so the loop ran 11 FMAs an
// iteration and counted 12, and the peak read 12/11 high (AMD Zen 4: 128 GFLOP/s a core for a real 118).
#define CK_DEFINE_FMA_LOOP(W, LANES, TARGET)                                                                  \
    __attribute__((target(TARGET))) static double fma_loop_##W(long iterations, float *sink) {                \
        const __m##W m = _mm##W##_set1_ps(0.999999f), a = _mm##W##_set1_ps(1e-6f);                           \
        __m##W r0 = _mm##W##_set1_ps(2.2f), r1 = _mm##W##_set1_ps(1.1f), r2 = _mm##W##_set1_ps(1.2f);          \
        __m##W r3 = _mm##W##_set1_ps(1.3f), r4 = _mm##W##_set1_ps(1.4f), r5 = _mm##W##_set1_ps(1.5f);          \
        __m##W r6 = _mm##W##_set1_ps(1.6f), r7 = _mm##W##_set1_ps(1.7f), r8 = _mm##W##_set1_ps(1.8f);          \
        __m##W r9 = _mm##W##_set1_ps(1.9f), r10 = _mm##W##_set1_ps(2.0f), r11 = _mm##W##_set1_ps(2.1f);        \
        for (long i = 0; i < iterations; i++) {                                                               \
            r0 = _mm##W##_fmadd_ps(r0, m, a); r1 = _mm##W##_fmadd_ps(r1, m, a); r2 = _mm##W##_fmadd_ps(r2, m, a); \
            r3 = _mm##W##_fmadd_ps(r3, m, a); r4 = _mm##W##_fmadd_ps(r4, m, a); r5 = _mm##W##_fmadd_ps(r5, m, a); \
            r6 = _mm##W##_fmadd_ps(r6, m, a); r7 = _mm##W##_fmadd_ps(r7, m, a); r8 = _mm##W##_fmadd_ps(r8, m, a); \
            r9 = _mm##W##_fmadd_ps(r9, m, a); r10 = _mm##W##_fmadd_ps(r10, m, a);                               \
            r11 = _mm##W##_fmadd_ps(r11, m, a);                                                                 \
        }                                                                                                     \
        __m##W s = _mm##W##_add_ps(_mm##W##_add_ps(_mm##W##_add_ps(r0, r1), _mm##W##_add_ps(r2, r3)),            \
                                   _mm##W##_add_ps(_mm##W##_add_ps(r4, r5), _mm##W##_add_ps(r6, r7)));           \
        s = _mm##W##_add_ps(s, _mm##W##_add_ps(_mm##W##_add_ps(r8, r9), _mm##W##_add_ps(r10, r11)));            \
        float out[LANES];                                                                                     \
        _mm##W##_storeu_ps(out, s);                                                                           \
        *sink = out[0] + out[LANES - 1];                                                                      \
        return (double)iterations * 12 * LANES * 2;                                                           \
    }
CK_DEFINE_FMA_LOOP(256, 8, "avx2,fma")
CK_DEFINE_FMA_LOOP(512, 16, "avx512f")
#endif

static double fma_loop_portable(long iterations, float *sink) {
    float r[12][8];
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 8; j++) r[i][j] = 1.1f + 0.1f * i;
    for (long n = 0; n < iterations; n++)
        for (int i = 0; i < 12; i++)
            for (int j = 0; j < 8; j++) r[i][j] = r[i][j] * 0.999999f + 1e-6f;
    float s = 0;
    for (int i = 0; i < 12; i++) s += r[i][0] + r[i][7];
    *sink = s;
    return (double)iterations * 12 * 8 * 2;
}

double ck_fma_peak_loop(long iterations, float *sink) {
    // iterations -> flops executed, at the vector width of the instruction set in use
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX512) return fma_loop_512(iterations, sink);
    if (ck_isa() >= CK_ISA_AVX2) return fma_loop_256(iterations, sink);
#endif
    return fma_loop_portable(iterations, sink);
}

#ifdef CK_X86
__attribute__((target("avx2,fma"))) static long stream_copy_256(long floats, const float *source, float *destination) {
    long i = 0;
    for (; i + 8 <= floats; i += 8) _mm256_stream_ps(destination + i, _mm256_loadu_ps(source + i));
    _mm_sfence();
    return i;
}
#endif

double ck_stream_copy(long floats, const float *source, float *destination) {
    // source (floats) -> destination (floats); streaming stores need a 32-byte aligned destination
    long i = 0;
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX2 && ((size_t)destination & 31) == 0) i = stream_copy_256(floats, source, destination);
#endif
    for (; i < floats; i++) destination[i] = source[i];
    return 2.0 * (double)floats * sizeof(float);
}
