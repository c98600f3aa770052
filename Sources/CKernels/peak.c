// The machine's FMA peak: 12 independent chains of FMAs, at the vector width of the instruction set in use,
// hide the FMA latency on two FMA pipes.
#include "ckernels_internal.h"

#ifdef CK_X86
__attribute__((target("avx2,fma")))
static double fma_loop_avx2(long iterations, float *sink) {
    __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-6f);
    __m256 r0 = _mm256_set1_ps(1.0f), r1 = _mm256_set1_ps(1.1f), r2 = _mm256_set1_ps(1.2f), r3 = _mm256_set1_ps(1.3f);
    __m256 r4 = _mm256_set1_ps(1.4f), r5 = _mm256_set1_ps(1.5f), r6 = _mm256_set1_ps(1.6f), r7 = _mm256_set1_ps(1.7f);
    __m256 r8 = _mm256_set1_ps(1.8f), r9 = _mm256_set1_ps(1.9f), r10 = _mm256_set1_ps(2.0f), r11 = _mm256_set1_ps(2.1f);
    for (long i = 0; i < iterations; i++) {
        r0 = _mm256_fmadd_ps(r0, m, a); r1 = _mm256_fmadd_ps(r1, m, a); r2 = _mm256_fmadd_ps(r2, m, a);
        r3 = _mm256_fmadd_ps(r3, m, a); r4 = _mm256_fmadd_ps(r4, m, a); r5 = _mm256_fmadd_ps(r5, m, a);
        r6 = _mm256_fmadd_ps(r6, m, a); r7 = _mm256_fmadd_ps(r7, m, a); r8 = _mm256_fmadd_ps(r8, m, a);
        r9 = _mm256_fmadd_ps(r9, m, a); r10 = _mm256_fmadd_ps(r10, m, a); r11 = _mm256_fmadd_ps(r11, m, a);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(r0, r1), _mm256_add_ps(r2, r3)),
                             _mm256_add_ps(_mm256_add_ps(r4, r5), _mm256_add_ps(r6, r7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(r8, r9), _mm256_add_ps(r10, r11)));
    float out[8];
    _mm256_storeu_ps(out, s);
    *sink = out[0] + out[7];
    return (double)iterations * 12 * 8 * 2;
}
#endif

static double fma_loop_portable(long iterations, float *sink) {
    float r[12][8];
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 8; j++) r[i][j] = 1.0f + 0.1f * i;
    for (long n = 0; n < iterations; n++)
        for (int i = 0; i < 12; i++)
            for (int j = 0; j < 8; j++) r[i][j] = r[i][j] * 0.999999f + 1e-6f;
    float s = 0;
    for (int i = 0; i < 12; i++) s += r[i][0] + r[i][7];
    *sink = s;
    return (double)iterations * 12 * 8 * 2;
}

#ifdef CK_X86
__attribute__((target("avx512f")))
static double fma_loop_avx512(long iterations, float *sink) {
    __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-6f);
    __m512 r0 = _mm512_set1_ps(1.0f), r1 = _mm512_set1_ps(1.1f), r2 = _mm512_set1_ps(1.2f), r3 = _mm512_set1_ps(1.3f);
    __m512 r4 = _mm512_set1_ps(1.4f), r5 = _mm512_set1_ps(1.5f), r6 = _mm512_set1_ps(1.6f), r7 = _mm512_set1_ps(1.7f);
    __m512 r8 = _mm512_set1_ps(1.8f), r9 = _mm512_set1_ps(1.9f), r10 = _mm512_set1_ps(2.0f), r11 = _mm512_set1_ps(2.1f);
    for (long i = 0; i < iterations; i++) {
        r0 = _mm512_fmadd_ps(r0, m, a); r1 = _mm512_fmadd_ps(r1, m, a); r2 = _mm512_fmadd_ps(r2, m, a);
        r3 = _mm512_fmadd_ps(r3, m, a); r4 = _mm512_fmadd_ps(r4, m, a); r5 = _mm512_fmadd_ps(r5, m, a);
        r6 = _mm512_fmadd_ps(r6, m, a); r7 = _mm512_fmadd_ps(r7, m, a); r8 = _mm512_fmadd_ps(r8, m, a);
        r9 = _mm512_fmadd_ps(r9, m, a); r10 = _mm512_fmadd_ps(r10, m, a); r11 = _mm512_fmadd_ps(r11, m, a);
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(r0, r1), _mm512_add_ps(r2, r3)),
                             _mm512_add_ps(_mm512_add_ps(r4, r5), _mm512_add_ps(r6, r7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(r8, r9), _mm512_add_ps(r10, r11)));
    *sink = _mm512_reduce_add_ps(s);
    return (double)iterations * 12 * 16 * 2;
}
#endif

double ck_fma_peak_loop(long iterations, float *sink) {
    // iterations -> flops executed, at the vector width of the instruction set in use
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX512) return fma_loop_avx512(iterations, sink);
    if (ck_isa() >= CK_ISA_AVX2) return fma_loop_avx2(iterations, sink);
#endif
    return fma_loop_portable(iterations, sink);
}
