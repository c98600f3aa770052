#ifndef CKERNELS_INTERNAL_H
#define CKERNELS_INTERNAL_H
// What the CKernels sources share with each other and not with Swift (the public API is include/ckernels.h):
// the register tiles and cache blocks of the GEMM, its blocked driver and packing, and per-thread scratch.
#include "ckernels.h"
#include <stddef.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_X86 1
#endif

#ifdef CK_X86
// 8 vectors r[i] = row i of an 8×8 block -> r[j] = column j, in registers (the AVX2 write-outs, packings, pools and
// layout reorders).
__attribute__((target("avx2"), always_inline)) static inline void ck_transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

// dst[k·ld_dst + i] = src[i·ld_src + k] for an 8×8 block: 8 rows of 8 values become 8 columns, in registers.
__attribute__((target("avx2"))) static inline void ck_transpose8_copy(const float *src, long ld_src, float *dst,
                                                                      long ld_dst) {
    __m256 r[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * ld_src);
    ck_transpose8(r);
    for (int i = 0; i < 8; i++) _mm256_storeu_ps(dst + i * ld_dst, r[i]);
}
#endif

// Not exported from a shared library built from these sources.
#define CK_INTERNAL __attribute__((visibility("hidden")))

// Under ThreadSanitizer (`make tsan`) the target_clones functions are built once, for the baseline ISA: the
// dynamic loader runs their ifunc resolvers before the sanitizer's runtime starts, and an instrumented resolver
// crashes there. Emptying the attribute here keeps every kernel file as it is.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define target_clones(...)
#endif
#endif

// Register tiles (MR×NR: 6×16 portable and AVX2, MR512×NR512: 8×32 AVX-512) and the GEMM's cache blocks.
enum { MR = 6, NR = 16, MR512 = 8, NR512 = 32, NR_MAX = 32, KC_MAX = 256, MC_MAX = 144, NC_MAX = 4096,
       B_BLOCK_FLOATS = 96 * 1024 };

// ---------------------------------------------------------------------------------------------
// Per-thread scratch buffers (gemm.c), 64-byte aligned, grown on demand and kept for the thread's life.

typedef enum { CK_SCRATCH_PACK_A, CK_SCRATCH_PACK_B, CK_SCRATCH_PADDED, CK_SCRATCH_GRID, CK_SCRATCH_COUNT } ck_scratch;

/// The calling thread's buffer `slot` with room for at least `floats` floats; NULL when it cannot grow.
CK_INTERNAL float *ck_scratch_buffer(ck_scratch slot, size_t floats);

/// 1 while the calling thread runs a task of a ck_parallel_for loop on the worker pool (other cores may run the
/// loop's other tasks at the same time), else 0 (tasks run inline on one thread, or outside any loop).
CK_INTERNAL int ck_in_pool_loop(void);

// ---------------------------------------------------------------------------------------------
// The blocked GEMM (gemm.c), for the convolution drivers (conv.c).

/// Where B comes from: a stored matrix, or the im2col matrix of a convolution input. A convolution input may
/// hold `images` images in the batch layout (C, N, H, W): column n of the im2col matrix is then position
/// n mod OH·OW of image n / (OH·OW), and channel c of image i starts at (c·N + i)·H·W. 0 images means one.
typedef struct {
    const float *B;
    int ldb, transB;
    const ck_conv_desc *conv;
    const float *input;
    int images;
} b_source;

/// Rows m0 ..< m1 (m0 a multiple of the panel height), columns n0 ..< n1 of C (M rows, ldc) [+]= op(A) · B
/// [+ bias rows], B from `bs`, then `epilogue` (NULL: none; its addend laid out as C) as the last K block is
/// stored. A is packed per block, or read from `packed_a` (all M rows packed by ck_pack_weight) when that is not
/// NULL.
CK_INTERNAL void ck_gemm_blocked(int M, int m0, int m1, int n0, int n1, int K, const float *A, int lda, int transA,
                                 const float *packed_a, const b_source *bs, float *C, int ldc, int accumulate,
                                 const float *bias, const ck_output_epilogue *epilogue);

/// A rows r0 ..< r0+mc, columns k0 ..< k0+kc -> `pm`-row panels, each kc×pm, zero rows past mc.
CK_INTERNAL void ck_pack_a(const float *A, int lda, int transA, int r0, int mc, int k0, int kc, int pm, float *dst);

#ifdef CK_X86
/// The 8×32 AVX-512 micro-kernel reading row k of B at b + koff[k] (unaligned) instead of a packed panel:
/// c (mr×nr, ldc) [+]= a-panel (kc×8) · B rows [+ bias rows], then `activation` of that plus `addend` (NULL: none;
/// row stride ldc); `a_ahead` > 0 prefetches A that many floats ahead.
CK_INTERNAL void ck_micro_kernel_avx512_offsets(int kc, const float *a, const float *b, const int *koff, float *c,
                                                int ldc, int accumulate, const float *bias, int mr, int nr,
                                                size_t a_ahead, const float *addend, ck_activation activation);

/// Columns n0 ..< n0 + n of a 1×1 conv's B at stride 2 across (any stride down) and no padding, on AVX2:
/// b[c·ld + j] = input[c][oy·sh][2·ox] for output position n0 + j = oy·OW + ox (conv.c's subsample, gemm_avx2.c).
CK_INTERNAL void ck_subsample2_avx2(const ck_conv_desc *g, const float *input, int n0, int n, float *b, size_t ld);

/// The first n of a vector's 16 lanes (none for n ≤ 0, all for n ≥ 16): the mask that loads or stores a row's first n
/// floats.
static inline __mmask16 ck_lanes16(int n) {
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

// The first n < 8 lanes of v -> to, as 16-, 8- and 4-byte stores: a masked store (vmaskmovps) costs about 50 cycles
// on AMD Zen 4 (a loop of them, AVX2, family 25 model 17: 14–17 ns a store against 2–5 for these).
__attribute__((target("avx2"), always_inline)) static inline void ck_store_first8(float *to, __m256 v, int n) {
    __m128 part = _mm256_castps256_ps128(v);
    if (n >= 4) {
        _mm_storeu_ps(to, part);
        part = _mm256_extractf128_ps(v, 1), to += 4, n -= 4;
    }
    if (n >= 2) {
        _mm_storel_pi((__m64 *)to, part);
        part = _mm_movehl_ps(part, part), to += 2, n -= 2;
    }
    if (n) _mm_store_ss(to, part);
}

// A fused activation on one vector, the same operations as ck_relu and ck_clip (elementwise.c), so a kernel's
// store gives their bits: max(v, 0) (NaN gives 0), min(hi, max(lo, v)) (NaN stays).
__attribute__((target("avx2"), always_inline))
static inline __m256 ck_activate8(__m256 v, ck_activation a) {
    if (a.kind == CK_ACTIVATION_RELU) return _mm256_max_ps(v, _mm256_setzero_ps());
    if (a.kind == CK_ACTIVATION_CLIP) return _mm256_min_ps(_mm256_set1_ps(a.maximum), _mm256_max_ps(_mm256_set1_ps(a.minimum), v));
    return v;
}
__attribute__((target("avx512f"), always_inline))
static inline __m512 ck_activate16(__m512 v, ck_activation a) {
    if (a.kind == CK_ACTIVATION_RELU) return _mm512_max_ps(v, _mm512_setzero_ps());
    if (a.kind == CK_ACTIVATION_CLIP) return _mm512_min_ps(_mm512_set1_ps(a.maximum), _mm512_max_ps(_mm512_set1_ps(a.minimum), v));
    return v;
}
#endif

/// No activation, and no epilogue at all: what a kernel that can fuse them is given when nothing follows.
static const ck_activation ck_no_activation = {CK_ACTIVATION_NONE, 0.0f, 0.0f};
static const ck_output_epilogue ck_no_output_epilogue = {NULL, {CK_ACTIVATION_NONE, 0.0f, 0.0f}};

/// Row d (Wp columns) of a zero-padded copy of an input row: `source` (NULL: a padding row) at columns j·sw + x0,
/// zero where that falls outside 0 ..< W (conv.c's stride-phase planes, the channel tiles' padded window).
CK_INTERNAL void ck_padded_row(float *d, const float *source, int W, int Wp, int sw, int x0);

/// A fused activation on one value, as ck_relu and ck_clip's portable loops.
static inline float ck_activate1(float v, ck_activation a) {
    if (a.kind == CK_ACTIVATION_RELU) return v > 0.0f ? v : 0.0f;
    if (a.kind == CK_ACTIVATION_CLIP) {
        const float t = v < a.minimum ? a.minimum : v;
        return t > a.maximum ? a.maximum : t;
    }
    return v;
}

/// Balanced K blocks of at most KC_MAX: the block size for a K-deep product (a pre-packed A follows it too).
static inline int ck_k_block(int K) {
    const int k_blocks = (K + KC_MAX - 1) / KC_MAX;
    return (K + k_blocks - 1) / k_blocks;
}

/// A pre-packed A (see ck_pack_weight): K block pc is at pc·Mp, row panel i of that block at i·kc·pm.
static inline const float *ck_packed_block(const float *packed, int M, int pm, int pc, int kc, int row0) {
    const size_t mp = (size_t)(M + pm - 1) / pm * pm;
    return packed + (size_t)pc * mp + (size_t)(row0 / pm) * kc * pm;
}

#endif
