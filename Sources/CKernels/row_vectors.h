#ifndef CK_ROW_VECTORS_H
#define CK_ROW_VECTORS_H
// Vectors of output columns read straight from input rows (the depthwise conv and the max pool): loads at an
// input column, masked where a window hangs over either side of the row, and stride 2 as two loads
// deinterleaved. The masks depend only on the geometry, so `row_scratch` makes them once per call.
#include "ckernels_internal.h"
#include <stdlib.h>

#include <stdint.h>

// Masks of the loads of every output vector of a row, one bit a lane: vector v (`lanes` output columns from
// v·lanes), window column k (input column v·lanes·stride − pad + k·dilation) and half h (0, or `lanes` columns
// on, at stride 2) at masks[(v·window + k)·2 + h], bit l set when that column plus l lies inside the row.
static inline size_t row_mask_count(int lanes, int outWidth, int window) {
    return (size_t)(outWidth + lanes - 1) / lanes * window * 2;
}
static inline void row_masks(int lanes, int outWidth, int width, int window, int stride, int pad, int dilation,
                             uint16_t *masks) {
    for (int v = 0; v < (outWidth + lanes - 1) / lanes; v++)
        for (int k = 0; k < window; k++)
            for (int h = 0; h < 2; h++) {
                const int col = v * lanes * stride - pad + k * dilation + h * lanes;
                const int lo = col < 0 ? (col > -lanes ? -col : lanes) : 0;
                const int hi = width - col < lanes ? (width - col > 0 ? width - col : 0) : lanes;
                masks[((size_t)v * window + k) * 2 + h] = hi > lo ? (uint16_t)(((1u << hi) - 1u) & ~((1u << lo) - 1u)) : 0;
            }
}

/// Scratch floats for a row of `width` zeros (or −∞) rounded up to 64 bytes, then the masks of 8-lane vectors
/// (the most there are).
static inline size_t row_scratch_floats(int width, int outWidth, int window) {
    return ((size_t)width + 15) / 16 * 16 + (row_mask_count(8, outWidth, window) + 1) / 2;
}

/// The calling thread's scratch for a row of `width` values `fill` and then the masks of `lanes`-lane vectors
/// (returned through `masks`); aborts when it cannot grow, which only an exhausted system meets: the memory
/// budget counts `row_scratch_floats`.
static inline const float *row_scratch(int lanes, int outWidth, int width, int window, int stride, int pad,
                                       int dilation, float fill, const uint16_t **masks) {
    const size_t row = ((size_t)width + 15) / 16 * 16;
    float *scratch = ck_scratch_buffer(CK_SCRATCH_PADDED, row_scratch_floats(width, outWidth, window));
    if (!scratch) abort();
    for (size_t i = 0; i < row; i++) scratch[i] = fill;
    row_masks(lanes, outWidth, width, window, stride, pad, dilation, (uint16_t *)(scratch + row));
    *masks = (const uint16_t *)(scratch + row);
    return scratch;
}

#ifdef CK_X86
// Lanes col, col + 1, … of a row: a plain load when `mask` is NULL (every lane inside the row), else lanes
// outside the row (bits of *mask clear) are `fill` and touch no memory.
__attribute__((target("avx512f"))) static inline __m512 row_load_512(const float *row, int col, const uint16_t *mask,
                                                                     __m512 fill) {
    return mask ? _mm512_mask_loadu_ps(fill, (__mmask16)*mask, row + col) : _mm512_loadu_ps(row + col);
}
__attribute__((target("avx2,fma"))) static inline __m256 row_load_256(const float *row, int col, const uint16_t *mask,
                                                                     __m256 fill) {
    if (!mask) return _mm256_loadu_ps(row + col);
    const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i inside = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(*mask), bits), bits);
    return _mm256_blendv_ps(fill, _mm256_maskload_ps(row + col, inside), _mm256_castsi256_ps(inside));
}

// Columns col, col + 2, … (even) and col + 1, col + 3, … (odd) of a row: two loads (masks mask[0], mask[1]
// when not NULL) deinterleaved.
__attribute__((target("avx512f"))) static inline void row_deinterleave_512(__m512 lo, __m512 hi, __m512 *even, __m512 *odd) {
    *even = _mm512_permutex2var_ps(lo, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi);
    *odd = _mm512_permutex2var_ps(lo, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), hi);
}
__attribute__((target("avx2,fma"))) static inline void row_deinterleave_256(__m256 lo, __m256 hi, __m256 *even, __m256 *odd) {
    // shuffles give 0 2 8 10 | 4 6 12 14 (and the odd ones); the 64-bit permute puts the quarters in order
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0))),
                                                   _MM_SHUFFLE(3, 1, 2, 0)));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1))),
                                                  _MM_SHUFFLE(3, 1, 2, 0)));
}
#define CK_DEFINE_ROW_PAIRS(W, LANES, TARGET)                                                                     \
    __attribute__((target(TARGET))) static inline void row_pairs_##W(const float *row, int col, const uint16_t *mask, \
                                                                    __m##W fill, __m##W *even, __m##W *odd) {    \
        row_deinterleave_##W(row_load_##W(row, col, mask, fill), row_load_##W(row, col + LANES, mask ? mask + 1 : NULL, fill), \
                             even, odd);                                                                          \
    }
CK_DEFINE_ROW_PAIRS(512, 16, "avx512f")
CK_DEFINE_ROW_PAIRS(256, 8, "avx2,fma")
#undef CK_DEFINE_ROW_PAIRS

// The first n lanes of v stored at p (the last vector of a row).
__attribute__((target("avx512f"))) static inline void row_store_part_512(float *p, __m512 v, int n) {
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), v);
}
__attribute__((target("avx2,fma"))) static inline void row_store_part_256(float *p, __m256 v, int n) {
    _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)), v);
}
#endif
#endif
