// Element-wise kernels: activations, the sum of two tensors, and one-pass statistics.
// Each activation has a portable C, an AVX2 (8 lanes, the tail in C) and an AVX-512 version (16 lanes, the tail
// through a mask), chosen by ck_isa() on the calling thread so that tests can force each one. All three apply the
// same operations in the same order, so they agree bit for bit. Output may alias input: each value is read
// before it is written.
#include "ckernels_internal.h"

typedef void (*map_fn)(long n, const float *x, float *y, float lo, float hi);

// min(max(v, lo), hi), written so that a NaN v stays NaN (every comparison with NaN is false) and lo > hi gives
// hi, as numpy.clip and ONNX Clip do. A NaN bound compares false too: it bounds nothing.
static inline float clip1(float v, float lo, float hi) {
    const float t = v < lo ? lo : v;
    return t > hi ? hi : t;
}

// x · min(max(x + 3, 0), 6) / 6 as x · (min(max(x + 3, 0), 6) · ⅙): the factor is exactly 1 from x = 3 up, so
// large x come back unchanged (PyTorch's (x · t) / 6 overflows past FLT_MAX / 6); −∞ gives NaN (−∞ · 0), as in
// PyTorch's and ONNX's formulas.
static inline float hardswish1(float v) { return v * (clip1(v + 3.0f, 0.0f, 6.0f) * (1.0f / 6.0f)); }

static void relu_portable(long n, const float *x, float *y, float lo, float hi) {
    (void)lo; (void)hi;
    for (long i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

static void clip_portable(long n, const float *x, float *y, float lo, float hi) {
    for (long i = 0; i < n; i++) y[i] = clip1(x[i], lo, hi);
}

static void hardswish_portable(long n, const float *x, float *y, float lo, float hi) {
    (void)lo; (void)hi;
    for (long i = 0; i < n; i++) y[i] = hardswish1(x[i]);
}

#ifdef CK_X86
// x86 max(a, b) and min(a, b) return b when either is NaN (and when a == b): max(lo, v) then min(hi, t) is clip1
// lane by lane, NaN, ±0 and lo > hi included. relu is max(v, 0), which turns NaN into 0 like the C loop.
#define CK_AVX2 __attribute__((target("avx2,fma")))
#define CK_AVX512 __attribute__((target("avx512f")))

typedef __m256 (*op8_fn)(__m256 v, __m256 lo, __m256 hi);
typedef __m512 (*op16_fn)(__m512 v, __m512 lo, __m512 hi);

// relu, clip and hard swish on one vector of W bits (256: AVX2, 8 lanes; 512: AVX-512, 16 lanes), from the
// _mm<W>_ intrinsics; each takes (v, lo, hi) so one map loop serves all three.
#define CK_DEFINE_OPS(W, LANES, TARGET)                                                                       \
    TARGET static inline __m##W relu##LANES(__m##W v, __m##W lo, __m##W hi) {                                 \
        (void)lo; (void)hi;                                                                                   \
        return _mm##W##_max_ps(v, _mm##W##_setzero_ps());                                                     \
    }                                                                                                         \
    TARGET static inline __m##W clip##LANES(__m##W v, __m##W lo, __m##W hi) {                                 \
        return _mm##W##_min_ps(hi, _mm##W##_max_ps(lo, v));                                                   \
    }                                                                                                         \
    TARGET static inline __m##W hardswish##LANES(__m##W v, __m##W lo, __m##W hi) {                            \
        (void)lo; (void)hi;                                                                                   \
        const __m##W t = clip##LANES(_mm##W##_add_ps(v, _mm##W##_set1_ps(3.0f)), _mm##W##_setzero_ps(),       \
                                     _mm##W##_set1_ps(6.0f));                                                  \
        return _mm##W##_mul_ps(v, _mm##W##_mul_ps(t, _mm##W##_set1_ps(1.0f / 6.0f)));                          \
    }
CK_DEFINE_OPS(256, 8, CK_AVX2)
CK_DEFINE_OPS(512, 16, CK_AVX512)

// y[i] = op(x[i]) 8 lanes at a time; the last n mod 8 values by `tail`, the same operation in C. Inlined with a
// constant `op`, which inlines in turn.
__attribute__((target("avx2,fma"), always_inline))
static inline void map8(op8_fn op, map_fn tail, long n, const float *x, float *y, float lo, float hi) {
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, op(_mm256_loadu_ps(x + i), vlo, vhi));
    tail(n - i, x + i, y + i, lo, hi);
}

// y[i] = op(x[i]) 16 lanes at a time; the last n mod 16 values through a mask (masked-off lanes never fault).
__attribute__((target("avx512f"), always_inline))
static inline void map16(op16_fn op, long n, const float *x, float *y, float lo, float hi) {
    const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, op(_mm512_loadu_ps(x + i), vlo, vhi));
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, m, op(_mm512_maskz_loadu_ps(m, x + i), vlo, vhi));
    }
}

// An activation's AVX2 and AVX-512 versions: its vector op mapped over the input (AVX2's tail in portable C).
#define CK_DEFINE_SIMD_VERSIONS(name)                                                                         \
    CK_AVX2 static void name##_avx2(long n, const float *x, float *y, float lo, float hi) {                   \
        map8(name##8, name##_portable, n, x, y, lo, hi);                                                      \
    }                                                                                                         \
    CK_AVX512 static void name##_avx512(long n, const float *x, float *y, float lo, float hi) {               \
        map16(name##16, n, x, y, lo, hi);                                                                     \
    }
CK_DEFINE_SIMD_VERSIONS(relu)
CK_DEFINE_SIMD_VERSIONS(clip)
CK_DEFINE_SIMD_VERSIONS(hardswish)

// An activation's versions, indexed by instruction set (CK_ISA_PORTABLE, CK_ISA_AVX2, CK_ISA_AVX512).
#define CK_VERSIONS(name) {name##_portable, name##_avx2, name##_avx512}
#else
#define CK_VERSIONS(name) {name##_portable}
#endif

static const map_fn relu_versions[] = CK_VERSIONS(relu);
static const map_fn clip_versions[] = CK_VERSIONS(clip);
static const map_fn hardswish_versions[] = CK_VERSIONS(hardswish);

void ck_relu(long count, const float *input, float *output) {
    // input (N) -> output (N)
    relu_versions[ck_isa()](count, input, output, 0.0f, 0.0f);
}

void ck_clip(long count, float minimum, float maximum, const float *input, float *output) {
    // input (N) -> output (N)
    clip_versions[ck_isa()](count, input, output, minimum, maximum);
}

void ck_hardswish(long count, const float *input, float *output) {
    // input (N) -> output (N)
    hardswish_versions[ck_isa()](count, input, output, 0.0f, 0.0f);
}

// y = a + b value by value. Either input may be the output (an inference plan adds in place): each vector is
// loaded before it is stored, so no vectorised loop waits on an overlap check or falls back to one value at a time.
static void add_portable(long n, const float *a, const float *b, float *y) {
    for (long i = 0; i < n; i++) y[i] = a[i] + b[i];
}
#ifdef CK_X86
CK_AVX2 static void add_avx2(long n, const float *a, const float *b, float *y) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    add_portable(n - i, a + i, b + i, y + i);
}
CK_AVX512 static void add_avx512(long n, const float *a, const float *b, float *y) {
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i)));
    }
}
#endif
typedef void (*add_fn)(long n, const float *a, const float *b, float *y);
static const add_fn add_versions[] = CK_VERSIONS(add);

void ck_add(long count, const float *a, const float *b, float *output) {
    // a (N), b (N) -> output (N)
    add_versions[ck_isa()](count, a, b, output);
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void ck_statistics(long count, const float *values, float *minimum, float *maximum, double *sum,
                   double *squares, long *zeros) {
    // values (N) -> min, max, Σx, Σx², zeros
    // Eight float lanes per 1024-value block, folded into double after each block so long maps stay exact.
    float lo[8], hi[8];
    double total = 0.0, total_squares = 0.0;
    long zero_count = 0;
    for (int l = 0; l < 8; l++) { lo[l] = count > 0 ? values[0] : 0.0f; hi[l] = lo[l]; }
    long i = 0;
    while (i + 8 <= count) {
        long block_end = i + 1024 <= count ? i + 1024 : count - (count - i) % 8;
        float s[8] = {0}, q[8] = {0}, z[8] = {0};
        for (; i < block_end; i += 8)
            for (int l = 0; l < 8; l++) {
                float v = values[i + l];
                lo[l] = v < lo[l] ? v : lo[l];
                hi[l] = v > hi[l] ? v : hi[l];
                s[l] += v;
                q[l] += v * v;
                z[l] += v == 0.0f ? 1.0f : 0.0f;
            }
        for (int l = 0; l < 8; l++) { total += s[l]; total_squares += q[l]; zero_count += (long)z[l]; }
    }
    float mn = lo[0], mx = hi[0];
    for (int l = 1; l < 8; l++) { mn = lo[l] < mn ? lo[l] : mn; mx = hi[l] > mx ? hi[l] : mx; }
    for (; i < count; i++) {
        float v = values[i];
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        total += v;
        total_squares += (double)v * v;
        zero_count += v == 0.0f;
    }
    *minimum = mn; *maximum = mx; *sum = total; *squares = total_squares; *zeros = zero_count;
}

// ---------------------------------------------------------------------------------------------
// Backward passes and reductions of the training step.

__attribute__((target_clones("avx512f", "avx2", "default")))
void ck_relu_backward(long count, const float *restrict input, const float *restrict outGrad, float *restrict inGrad) {
    // input, outGrad (N) -> inGrad (N): ∂y where x > 0, else 0 (both read unconditionally, so it vectorises)
    for (long i = 0; i < count; i++) {
        const float g = outGrad[i];
        inGrad[i] = input[i] > 0.0f ? g : 0.0f;
    }
}

void ck_row_sums(long columns, const float *input, float *output, int r0, int r1) {
    // input (rows, columns) -> output rows r0 ..< r1: 16 running sums per row in a fixed order, then pairwise
    for (int r = r0; r < r1; r++) {
        const float *row = input + (size_t)r * columns;
        float lane[16] = {0};
        long j = 0;
        for (; j + 16 <= columns; j += 16)
            for (int l = 0; l < 16; l++) lane[l] += row[j + l];
        for (int width = 8; width >= 1; width /= 2)
            for (int l = 0; l < width; l++) lane[l] += lane[l + width];
        float sum = lane[0];
        for (; j < columns; j++) sum += row[j];
        output[r] = sum;
    }
}
