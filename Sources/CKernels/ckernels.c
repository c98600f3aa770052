// Packed, cache-blocked SGEMM (BLIS loop order) with an 8×32 AVX-512 or 6×16 AVX2/portable register tile.
// C (M×N) = A (M×K) · B (K×N): A is packed into MR-row panels (MC×KC block, kept in L2), B into NR-column
// panels (KC×NR, kept in L1 while every A panel of the block runs over it). For a convolution, B is the
// im2col matrix and is never materialised: each NR-column panel is gathered straight from the input.
#include "ckernels.h"
#include <stdlib.h>
#include <string.h>
#include <math.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_X86 1
#endif

int ckernels_version(void) { return 2; }

enum { MR = 6, NR = 16, MR512 = 8, NR512 = 32, NR_MAX = 32, KC_MAX = 256, MC_MAX = 144, NC_MAX = 4096,
       B_BLOCK_FLOATS = 96 * 1024 };

// ---------------------------------------------------------------------------------------------
// Micro-kernels: c (mr×nr, row stride ldc) [+]= a-panel (kc×MRk) · b-panel (kc×NRk) [+ bias rows].
// Each kernel has its own tile (MRk × NRk): 6×16 for the portable and AVX2 kernels, 8×32 for AVX-512.

typedef void (*micro_kernel_fn)(int kc, const float *a, const float *b, float *c, int ldc,
                                int accumulate, const float *bias, int mr, int nr);

/// A micro-kernel and the panel sizes it reads: A in `mr`-row panels, B in `nr`-column panels.
typedef struct {
    int mr, nr;
    micro_kernel_fn fn;
} micro_kernel;

static void store_tile(const float *tile, int tile_ld, float *c, int ldc, int accumulate, int mr, int nr) {
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++)
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + tile[i * tile_ld + j] : tile[i * tile_ld + j];
}

static void micro_kernel_portable(int kc, const float *a, const float *b, float *c, int ldc,
                                  int accumulate, const float *bias, int mr, int nr) {
    float acc[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) acc[i][j] = (bias && i < mr) ? bias[i] : 0.0f;
    for (int k = 0; k < kc; k++) {
        for (int i = 0; i < MR; i++) {
            float ai = a[i];
            for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
        }
        a += MR;
        b += NR;
    }
    store_tile(&acc[0][0], NR, c, ldc, accumulate, mr, nr);
}

#ifdef CK_X86
__attribute__((target("avx2,fma")))
static void micro_kernel_avx2(int kc, const float *a, const float *b, float *c, int ldc,
                              int accumulate, const float *bias, int mr, int nr) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    if (bias) {
        float bv[MR] = {0, 0, 0, 0, 0, 0};
        for (int i = 0; i < mr; i++) bv[i] = bias[i];
        c00 = c01 = _mm256_set1_ps(bv[0]);
        c10 = c11 = _mm256_set1_ps(bv[1]);
        c20 = c21 = _mm256_set1_ps(bv[2]);
        c30 = c31 = _mm256_set1_ps(bv[3]);
        c40 = c41 = _mm256_set1_ps(bv[4]);
        c50 = c51 = _mm256_set1_ps(bv[5]);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
    }
    for (int k = 0; k < kc; k++) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        __m256 ai;
        ai = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(ai, b0, c00); c01 = _mm256_fmadd_ps(ai, b1, c01);
        ai = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(ai, b0, c10); c11 = _mm256_fmadd_ps(ai, b1, c11);
        ai = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(ai, b0, c20); c21 = _mm256_fmadd_ps(ai, b1, c21);
        ai = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(ai, b0, c30); c31 = _mm256_fmadd_ps(ai, b1, c31);
        ai = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(ai, b0, c40); c41 = _mm256_fmadd_ps(ai, b1, c41);
        ai = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(ai, b0, c50); c51 = _mm256_fmadd_ps(ai, b1, c51);
        a += MR;
        b += NR;
    }
    if (mr == MR && nr == NR) {
#define CK_ROW(i, r0, r1)                                                                   \
    if (accumulate) {                                                                       \
        r0 = _mm256_add_ps(r0, _mm256_loadu_ps(c + (i) * ldc));                             \
        r1 = _mm256_add_ps(r1, _mm256_loadu_ps(c + (i) * ldc + 8));                         \
    }                                                                                       \
    _mm256_storeu_ps(c + (i) * ldc, r0);                                                    \
    _mm256_storeu_ps(c + (i) * ldc + 8, r1);
        CK_ROW(0, c00, c01) CK_ROW(1, c10, c11) CK_ROW(2, c20, c21)
        CK_ROW(3, c30, c31) CK_ROW(4, c40, c41) CK_ROW(5, c50, c51)
#undef CK_ROW
    } else {
        float tile[MR * NR] __attribute__((aligned(32)));
        _mm256_store_ps(tile + 0, c00);  _mm256_store_ps(tile + 8, c01);
        _mm256_store_ps(tile + 16, c10); _mm256_store_ps(tile + 24, c11);
        _mm256_store_ps(tile + 32, c20); _mm256_store_ps(tile + 40, c21);
        _mm256_store_ps(tile + 48, c30); _mm256_store_ps(tile + 56, c31);
        _mm256_store_ps(tile + 64, c40); _mm256_store_ps(tile + 72, c41);
        _mm256_store_ps(tile + 80, c50); _mm256_store_ps(tile + 88, c51);
        store_tile(tile, NR, c, ldc, accumulate, mr, nr);
    }
}

// 8×32 tile in 16 zmm accumulators: per k, two 16-wide B loads and eight broadcasts feed 16 FMAs, which
// keeps both 512-bit FMA pipes busy. Partial tiles store through column masks and a row guard.
// `koff` NULL: b is a packed kc×32 panel. Otherwise row k of B is the 32 floats at b + koff[k] (unaligned),
// which lets a stride-1 convolution read its im2col rows straight from a zero-padded input.
__attribute__((target("avx512f"), always_inline))
static inline void micro_kernel_avx512_body(int kc, const float *a, const float *b, const int *koff, float *c,
                                            int ldc, int accumulate, const float *bias, int mr, int nr) {
    __m512 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
    if (bias) {
        float bv[MR512] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int i = 0; i < mr; i++) bv[i] = bias[i];
        c00 = c01 = _mm512_set1_ps(bv[0]);
        c10 = c11 = _mm512_set1_ps(bv[1]);
        c20 = c21 = _mm512_set1_ps(bv[2]);
        c30 = c31 = _mm512_set1_ps(bv[3]);
        c40 = c41 = _mm512_set1_ps(bv[4]);
        c50 = c51 = _mm512_set1_ps(bv[5]);
        c60 = c61 = _mm512_set1_ps(bv[6]);
        c70 = c71 = _mm512_set1_ps(bv[7]);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = _mm512_setzero_ps();
        c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = _mm512_setzero_ps();
    }
    for (int k = 0; k < kc; k++) {
        const float *bk = koff ? b + koff[k] : b + (size_t)k * NR512;
        __m512 b0 = _mm512_loadu_ps(bk), b1 = _mm512_loadu_ps(bk + 16);
        __m512 ai;
        ai = _mm512_set1_ps(a[0]); c00 = _mm512_fmadd_ps(ai, b0, c00); c01 = _mm512_fmadd_ps(ai, b1, c01);
        ai = _mm512_set1_ps(a[1]); c10 = _mm512_fmadd_ps(ai, b0, c10); c11 = _mm512_fmadd_ps(ai, b1, c11);
        ai = _mm512_set1_ps(a[2]); c20 = _mm512_fmadd_ps(ai, b0, c20); c21 = _mm512_fmadd_ps(ai, b1, c21);
        ai = _mm512_set1_ps(a[3]); c30 = _mm512_fmadd_ps(ai, b0, c30); c31 = _mm512_fmadd_ps(ai, b1, c31);
        ai = _mm512_set1_ps(a[4]); c40 = _mm512_fmadd_ps(ai, b0, c40); c41 = _mm512_fmadd_ps(ai, b1, c41);
        ai = _mm512_set1_ps(a[5]); c50 = _mm512_fmadd_ps(ai, b0, c50); c51 = _mm512_fmadd_ps(ai, b1, c51);
        ai = _mm512_set1_ps(a[6]); c60 = _mm512_fmadd_ps(ai, b0, c60); c61 = _mm512_fmadd_ps(ai, b1, c61);
        ai = _mm512_set1_ps(a[7]); c70 = _mm512_fmadd_ps(ai, b0, c70); c71 = _mm512_fmadd_ps(ai, b1, c71);
        a += MR512;
    }
    const __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
    const __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : nr <= 16 ? (__mmask16)0 : (__mmask16)((1u << (nr - 16)) - 1);
#define CK_ROW512(i, r0, r1)                                                                \
    if ((i) < mr) {                                                                         \
        float *row = c + (size_t)(i) * ldc;                                                 \
        if (accumulate) {                                                                   \
            r0 = _mm512_add_ps(r0, _mm512_maskz_loadu_ps(m0, row));                         \
            r1 = _mm512_add_ps(r1, _mm512_maskz_loadu_ps(m1, row + 16));                    \
        }                                                                                   \
        _mm512_mask_storeu_ps(row, m0, r0);                                                 \
        _mm512_mask_storeu_ps(row + 16, m1, r1);                                            \
    }
    CK_ROW512(0, c00, c01) CK_ROW512(1, c10, c11) CK_ROW512(2, c20, c21) CK_ROW512(3, c30, c31)
    CK_ROW512(4, c40, c41) CK_ROW512(5, c50, c51) CK_ROW512(6, c60, c61) CK_ROW512(7, c70, c71)
#undef CK_ROW512
}

__attribute__((target("avx512f")))
static void micro_kernel_avx512(int kc, const float *a, const float *b, float *c, int ldc,
                                int accumulate, const float *bias, int mr, int nr) {
    micro_kernel_avx512_body(kc, a, b, NULL, c, ldc, accumulate, bias, mr, nr);
}

__attribute__((target("avx512f")))
static void micro_kernel_avx512_offsets(int kc, const float *a, const float *b, const int *koff, float *c, int ldc,
                                        int accumulate, const float *bias, int mr, int nr) {
    micro_kernel_avx512_body(kc, a, b, koff, c, ldc, accumulate, bias, mr, nr);
}
#endif

// Instruction set in use: 0 portable C, 1 AVX2+FMA, 2 AVX-512F. `forced` overrides detection per thread
// (−1: detect), so a test can run any kernel the machine supports without racing other threads.
static _Thread_local int forced_isa = -1;

void ck_force_portable(int portable) { forced_isa = portable ? 0 : -1; }

void ck_force_isa(int isa) { forced_isa = isa < 0 ? -1 : (isa < ck_best_isa() ? isa : ck_best_isa()); }

int ck_best_isa(void) {
#ifdef CK_X86
    static int detected = -1;
    if (detected < 0) {
        __builtin_cpu_init();
        int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        detected = avx2 ? (__builtin_cpu_supports("avx512f") ? 2 : 1) : 0;
    }
    return detected;
#else
    return 0;
#endif
}

int ck_isa(void) { return forced_isa >= 0 ? forced_isa : ck_best_isa(); }

int ck_uses_avx2(void) { return ck_isa() >= 1; }

int ck_panel_width(void) { return ck_isa() >= 2 ? NR512 : NR; }

static micro_kernel pick_micro_kernel(void) {
#ifdef CK_X86
    switch (ck_isa()) {
    case 2: return (micro_kernel){MR512, NR512, micro_kernel_avx512};
    case 1: return (micro_kernel){MR, NR, micro_kernel_avx2};
    default: break;
    }
#endif
    return (micro_kernel){MR, NR, micro_kernel_portable};
}

// ---------------------------------------------------------------------------------------------
// Per-thread packing buffers, grown on demand and reused across calls (Dispatch threads live long).

static _Thread_local float *tl_pack_a, *tl_pack_b;
static _Thread_local size_t tl_cap_a, tl_cap_b;

static float *thread_buffer(float **buffer, size_t *capacity, size_t floats) {
    if (floats > *capacity) {
        free(*buffer);
        void *p = NULL;
        if (posix_memalign(&p, 64, floats * sizeof(float)) != 0) p = NULL;
        *buffer = p;
        *capacity = p ? floats : 0;
    }
    return *buffer;
}

// ---------------------------------------------------------------------------------------------
// Packing.

// A rows r0 ..< r0+mc, columns k0 ..< k0+kc -> `pm`-row panels, each kc×pm, zero rows past mc.
static void pack_a(const float *A, int lda, int transA, int r0, int mc, int k0, int kc, int pm, float *dst) {
    for (int ir = 0; ir < mc; ir += pm) {
        int mr = mc - ir < pm ? mc - ir : pm;
        for (int i = 0; i < pm; i++) {
            float *d = dst + i;
            if (i >= mr) {
                for (int k = 0; k < kc; k++) d[k * pm] = 0.0f;
            } else if (transA) {
                const float *s = A + (size_t)k0 * lda + (r0 + ir + i);
                for (int k = 0; k < kc; k++) d[k * pm] = s[(size_t)k * lda];
            } else {
                const float *s = A + (size_t)(r0 + ir + i) * lda + k0;
                for (int k = 0; k < kc; k++) d[k * pm] = s[k];
            }
        }
        dst += (size_t)kc * pm;
    }
}

/// Where B comes from: a stored matrix, or the im2col matrix of a convolution input.
typedef struct {
    const float *B;
    int ldb, transB;
    const ck_conv_desc *conv;
    const float *input;
} b_source;

// B rows k0 ..< k0+kc, columns n0 ..< n0+nr -> one kc×pn panel, zero columns past nr.
static void pack_b_matrix(const b_source *s, int k0, int kc, int n0, int nr, int pn, float *dst) {
    for (int k = 0; k < kc; k++) {
        float *d = dst + (size_t)k * pn;
        if (s->transB) {
            for (int j = 0; j < nr; j++) d[j] = s->B[(size_t)(n0 + j) * s->ldb + k0 + k];
        } else {
            const float *src = s->B + (size_t)(k0 + k) * s->ldb + n0;
            if (nr == pn) { memcpy(d, src, (size_t)pn * sizeof(float)); continue; }
            for (int j = 0; j < nr; j++) d[j] = src[j];
        }
        for (int j = nr; j < pn; j++) d[j] = 0.0f;
    }
}

// The im2col panel: row k = (c·KH + ky)·KW + kx, column n = oy·OW + ox holds
// input[c][oy·sh − pt + ky·dh][ox·sw − pl + kx·dw], zero outside the input.
// The panel's columns are cut into runs that share an output row, so each run is a (strided) copy.
static void pack_b_im2col(const b_source *s, int k0, int kc, int n0, int nr, int pn, float *dst) {
    const ck_conv_desc *g = s->conv;
    const int H = g->height, W = g->width, KH = g->kernelHeight, KW = g->kernelWidth;
    const int sw = g->strideWidth;
    int run_start[NR_MAX], run_length[NR_MAX], run_iy0[NR_MAX], run_ix0[NR_MAX], runs = 0;
    for (int j = 0; j < nr;) {
        int n = n0 + j, oy = n / g->outWidth, ox = n % g->outWidth;
        int length = g->outWidth - ox < nr - j ? g->outWidth - ox : nr - j;
        run_start[runs] = j;
        run_length[runs] = length;
        run_iy0[runs] = oy * g->strideHeight - g->padTop;
        run_ix0[runs] = ox * sw - g->padLeft;
        runs++;
        j += length;
    }
    int c = k0 / (KH * KW), ky = (k0 / KW) % KH, kx = k0 % KW;
    for (int k = 0; k < kc; k++) {
        float *d = dst + (size_t)k * pn;
        const float *plane = s->input + (size_t)c * H * W;
        const int dy = ky * g->dilationHeight, dx = kx * g->dilationWidth;
        for (int r = 0; r < runs; r++) {
            float *dr = d + run_start[r];
            const int length = run_length[r], iy = run_iy0[r] + dy, x0 = run_ix0[r] + dx;
            if (iy < 0 || iy >= H) {
                for (int t = 0; t < length; t++) dr[t] = 0.0f;
                continue;
            }
            // valid t: 0 <= x0 + t·sw <= W − 1
            int lo = x0 >= 0 ? 0 : (-x0 + sw - 1) / sw;
            int hi = x0 > W - 1 ? 0 : (W - 1 - x0) / sw + 1;
            if (hi > length) hi = length;
            if (lo > hi) lo = hi;
            const float *row = plane + (size_t)iy * W + x0;
            for (int t = 0; t < lo; t++) dr[t] = 0.0f;
            if (sw == 1) {
                int t = lo;  // fixed-size copies inline to vector moves; a libc call per run would dominate
                for (; t + 8 <= hi; t += 8) memcpy(dr + t, row + t, 8 * sizeof(float));
                for (; t + 4 <= hi; t += 4) memcpy(dr + t, row + t, 4 * sizeof(float));
                for (; t < hi; t++) dr[t] = row[t];
            } else {
                for (int t = lo; t < hi; t++) dr[t] = row[t * sw];
            }
            for (int t = hi; t < length; t++) dr[t] = 0.0f;
        }
        for (int j = nr; j < pn; j++) d[j] = 0.0f;
        if (++kx == KW) { kx = 0; if (++ky == KH) { ky = 0; c++; } }
    }
}

#ifdef CK_X86
// The stride-1 im2col panel for the 32-column AVX-512 kernel: each run is one masked load (lanes outside the
// input read as zero, and masked-off lanes never fault) and one masked store, instead of a copy loop with
// zero-filled edges. Same panel as pack_b_im2col.
__attribute__((target("avx512f")))
static void pack_b_im2col_s1_avx512(const b_source *s, int k0, int kc, int n0, int nr, float *dst) {
    const ck_conv_desc *g = s->conv;
    const int H = g->height, W = g->width, KH = g->kernelHeight, KW = g->kernelWidth;
    int run_start[NR512], run_length[NR512], run_iy0[NR512], run_ix0[NR512], runs = 0;
    for (int j = 0; j < nr;) {
        int n = n0 + j, oy = n / g->outWidth, ox = n % g->outWidth;
        int length = g->outWidth - ox < nr - j ? g->outWidth - ox : nr - j;
        run_start[runs] = j;
        run_length[runs] = length;
        run_iy0[runs] = oy * g->strideHeight - g->padTop;
        run_ix0[runs] = ox - g->padLeft;
        runs++;
        j += length;
    }
    const unsigned tail = nr >= NR512 ? 0u : ~((1u << nr) - 1u);  // panel columns past nr are zero
    const __m512 zero = _mm512_setzero_ps();
    int c = k0 / (KH * KW), ky = (k0 / KW) % KH, kx = k0 % KW;
    for (int k = 0; k < kc; k++) {
        float *d = dst + (size_t)k * NR512;
        const float *plane = s->input + (size_t)c * H * W;
        const int dy = ky * g->dilationHeight, dx = kx * g->dilationWidth;
        for (int r = 0; r < runs; r++) {
            const int start = run_start[r], length = run_length[r], iy = run_iy0[r] + dy, x0 = run_ix0[r] + dx;
            // run element t (panel lane start + t) reads row[x0 + t]; valid for 0 <= x0 + t < W, t < length
            int lo = x0 >= 0 ? 0 : -x0, hi = W - x0 < length ? W - x0 : length;
            if (iy < 0 || iy >= H || hi <= lo) lo = hi = 0;
            const unsigned long long valid = ((1ull << hi) - 1ull) & ~((1ull << lo) - 1ull);
            const unsigned load = (unsigned)(valid << start);
            const unsigned store = (unsigned)((((1ull << length) - 1ull)) << start);
            // lane j reads row[x0 + j − start]; the pointer is only dereferenced on valid lanes
            const float *base = plane + ((iy >= 0 && iy < H) ? (ptrdiff_t)iy * W : 0) + x0 - start;
            __m512 v0 = _mm512_maskz_loadu_ps((__mmask16)(load & 0xFFFF), base);
            __m512 v1 = _mm512_maskz_loadu_ps((__mmask16)(load >> 16), base + 16);
            _mm512_mask_storeu_ps(d, (__mmask16)(store & 0xFFFF), v0);
            _mm512_mask_storeu_ps(d + 16, (__mmask16)(store >> 16), v1);
        }
        if (tail) {
            _mm512_mask_storeu_ps(d, (__mmask16)(tail & 0xFFFF), zero);
            _mm512_mask_storeu_ps(d + 16, (__mmask16)(tail >> 16), zero);
        }
        if (++kx == KW) { kx = 0; if (++ky == KH) { ky = 0; c++; } }
    }
}
#endif

static void pack_b(const b_source *s, int k0, int kc, int n0, int nr, int pn, float *dst) {
#ifdef CK_X86
    if (s->conv && pn == NR512 && s->conv->strideWidth == 1) {
        pack_b_im2col_s1_avx512(s, k0, kc, n0, nr, dst);
        return;
    }
#endif
    if (s->conv) pack_b_im2col(s, k0, kc, n0, nr, pn, dst);
    else pack_b_matrix(s, k0, kc, n0, nr, pn, dst);
}

// ---------------------------------------------------------------------------------------------
// The blocked driver over columns n0 ..< n1 of C.

// Balanced K blocks of at most KC_MAX: the block size for a K-deep product (a pre-packed A follows it too).
static int k_block(int K) {
    const int k_blocks = (K + KC_MAX - 1) / KC_MAX;
    return (K + k_blocks - 1) / k_blocks;
}

// A pre-packed A (see ck_pack_weight): K block pc is at pc·Mp, row panel i of that block at i·kc·pm.
static const float *packed_block(const float *packed, int M, int pm, int pc, int kc, int row0) {
    const size_t mp = (size_t)(M + pm - 1) / pm * pm;
    return packed + (size_t)pc * mp + (size_t)(row0 / pm) * kc * pm;
}

static void gemm_driver(int M, int n0, int n1, int K, const float *A, int lda, int transA, const float *packed_a,
                        const b_source *bs, float *C, int ldc, int accumulate, const float *bias) {
    if (M <= 0 || n1 <= n0) return;
    if (K <= 0) {
        for (int i = 0; i < M; i++)
            for (int j = n0; j < n1; j++)
                C[(size_t)i * ldc + j] = (accumulate ? C[(size_t)i * ldc + j] : 0.0f) + (bias ? bias[i] : 0.0f);
        return;
    }
    const micro_kernel mk = pick_micro_kernel();
    const int pm = mk.mr, pn = mk.nr;
    const int kcb = k_block(K);
    const int mcb = M < MC_MAX ? M : MC_MAX;
    // A packed B block (kc × nc) stays in L2 while every A row block runs over it; A is repacked per block.
    int nc_max = (B_BLOCK_FLOATS / kcb) / pn * pn;
    if (nc_max < pn) nc_max = pn;
    if (nc_max > NC_MAX) nc_max = NC_MAX;
    const int ncb = (n1 - n0) < nc_max ? (n1 - n0) : nc_max;
    float *pa = thread_buffer(&tl_pack_a, &tl_cap_a, (size_t)((mcb + pm - 1) / pm * pm) * kcb);
    float *pb = thread_buffer(&tl_pack_b, &tl_cap_b, (size_t)kcb * ((ncb + pn - 1) / pn * pn));
    if (!pa || !pb) abort();

    for (int jc = n0; jc < n1; jc += nc_max) {
        const int nc = n1 - jc < nc_max ? n1 - jc : nc_max;
        for (int pc = 0; pc < K; pc += kcb) {
            const int kc = K - pc < kcb ? K - pc : kcb;
            const int first = pc == 0;
            const int acc = first ? accumulate : 1;
            for (int ic = 0; ic < M; ic += MC_MAX) {
                const int mc = M - ic < MC_MAX ? M - ic : MC_MAX;
                const float *block_a = pa;
                if (packed_a) block_a = packed_block(packed_a, M, pm, pc, kc, ic);
                else pack_a(A, lda, transA, ic, mc, pc, kc, pm, pa);
                for (int jr = 0; jr < nc; jr += pn) {
                    const int nr = nc - jr < pn ? nc - jr : pn;
                    float *bp = pb + (size_t)(jr / pn) * kc * pn;
                    if (ic == 0) pack_b(bs, pc, kc, jc + jr, nr, pn, bp);  // packed while it is about to be used
                    for (int ir = 0; ir < mc; ir += pm) {
                        const int mr = mc - ir < pm ? mc - ir : pm;
                        mk.fn(kc, block_a + (size_t)(ir / pm) * kc * pm, bp, C + (size_t)(ic + ir) * ldc + jc + jr, ldc,
                              acc, (first && bias) ? bias + ic + ir : NULL, mr, nr);
                    }
                }
            }
        }
    }
}

void ck_sgemm(int M, int N, int K, const float *A, int lda, int transA, const float *B, int ldb, int transB,
              float *C, int ldc, int accumulate, const float *bias) {
    b_source s = {B, ldb, transB, NULL, NULL};
    gemm_driver(M, 0, N, K, A, lda, transA, NULL, &s, C, ldc, accumulate, bias);
}

static int current_panel_rows(void) { return pick_micro_kernel().mr; }

size_t ck_packed_weight_floats(int M, int K) {
    const int pm = current_panel_rows();
    return (size_t)(M + pm - 1) / pm * pm * (size_t)(K > 0 ? K : 0);
}

void ck_pack_weight(int M, int K, const float *A, int lda, float *dst) {
    // A (M, K) row-major -> for each K block: row panels of pm rows, each kc×pm, zero rows past M
    if (M <= 0 || K <= 0) return;
    const int pm = current_panel_rows(), kcb = k_block(K);
    for (int pc = 0; pc < K; pc += kcb) {
        const int kc = K - pc < kcb ? K - pc : kcb;
        pack_a(A, lda, 0, 0, M, pc, kc, pm, (float *)packed_block(dst, M, pm, pc, kc, 0));
    }
}

// Whether a pre-packed product reads B's rows in place (no B packing). Packing a B panel costs about as much
// as a few micro-kernel calls and is shared by the M/8 row panels, so few rows (M ≤ 64: GoogLeNet's reductions
// and projections, NIN's last layers) read in place, measured 1.1–1.8× faster. The kc rows of one panel must
// then share L1 without evicting each other: row strides that map them onto few cache sets (a multiple of
// 1024 or 256 floats) keep packing.
static int reads_b_in_place(int M, int ldb) {
    if (M > 64) return 0;
    if (ldb % 16 != 0) return 1;  // rows start at different offsets within their lines
    int lines = (ldb / 16) % 64, a = lines, b = 64;  // gcd(lines mod 64, 64): rows per L1 set group
    while (b) { int t = a % b; a = b; b = t; }
    return a <= 4;
}

void ck_sgemm_prepacked(int M, int N, int K, const float *packedA, const float *B, int ldb, float *C, int ldc,
                        const float *bias) {
    // packedA (M×K panels), B (K×N, ldb) -> C (M×N, ldc)
#ifdef CK_X86
    if (ck_isa() >= 2 && N >= NR512 && reads_b_in_place(M, ldb)) {
        const int kcb = k_block(K);
        int koff[KC_MAX];
        const int full = N / NR512 * NR512;
        for (int pc = 0; pc < K; pc += kcb) {
            const int kc = K - pc < kcb ? K - pc : kcb;
            for (int k = 0; k < kc; k++) koff[k] = k * ldb;
            for (int ic = 0; ic < M; ic += MC_MAX) {
                const int mc = M - ic < MC_MAX ? M - ic : MC_MAX;
                const float *block_a = packed_block(packedA, M, MR512, pc, kc, ic);
                for (int jr = 0; jr < full; jr += NR512)
                    for (int ir = 0; ir < mc; ir += MR512) {
                        const int mr = mc - ir < MR512 ? mc - ir : MR512;
                        micro_kernel_avx512_offsets(kc, block_a + (size_t)(ir / MR512) * kc * MR512,
                                                    B + (size_t)pc * ldb + jr, koff, C + (size_t)(ic + ir) * ldc + jr,
                                                    ldc, pc > 0, (pc == 0 && bias) ? bias + ic + ir : NULL, mr, NR512);
                    }
            }
        }
        if (full < N) {
            b_source s = {B + full, ldb, 0, NULL, NULL};
            gemm_driver(M, 0, N - full, K, NULL, 0, 0, packedA, &s, C + full, ldc, 0, bias);
        }
        return;
    }
#endif
    b_source s = {B, ldb, 0, NULL, NULL};
    gemm_driver(M, 0, N, K, NULL, 0, 0, packedA, &s, C, ldc, 0, bias);
}

void ck_conv_im2col_gemm(const ck_conv_desc *desc, const float *input, const float *weight,
                         const float *packedWeight, const float *bias, float *output, int n0, int n1) {
    const int K = desc->channels * desc->kernelHeight * desc->kernelWidth;
    b_source s = {NULL, 0, 0, desc, input};
    gemm_driver(desc->outChannels, n0, n1, K, weight, K, 0, packedWeight, &s, output,
                desc->outHeight * desc->outWidth, 0, bias);
}

// ---------------------------------------------------------------------------------------------
// Stride-1 convolution without im2col packing (AVX-512). The input rows a block of output rows needs are
// copied once into a zero-padded buffer of width Wp = OW + (KW−1)·dw. On the grid of output rows × Wp
// columns (the last Wp − OW columns of each row are junk), im2col row k = (c, ky, kx) is then a contiguous
// run of that buffer starting at c·plane + ky·dh·Wp + kx·dw, so the micro-kernel reads B in place. The GEMM
// writes the grid into a scratch C, whose valid columns are copied to the output.

static _Thread_local float *tl_padded, *tl_grid;
static _Thread_local size_t tl_cap_padded, tl_cap_grid;

int ck_conv_reads_in_place(const ck_conv_desc *g) {
    if (!(ck_isa() >= 2 && g->strideHeight == 1 && g->strideWidth == 1 && g->kernelHeight * g->kernelWidth > 1))
        return 0;
    // Cost model per useful multiply, fitted to 12 stride-1 5×5, 3×3 and 7×7 convs (maps 7×7 to 112×112) with
    // weights packed once, all chosen right: reading in place computes OH·Wp grid columns (rounded up to whole
    // 32-column panels) for OH·OW outputs, plus copying the padded input and the grid (~15/K); packing
    // gathers each B panel row in runs of one output row (32/OW + 1 of them), ~10 units per run, shared by
    // the M/8 row panels.
    const int wp = g->outWidth + (g->kernelWidth - 1) * g->dilationWidth;
    const double K = (double)g->channels * g->kernelHeight * g->kernelWidth, OW = g->outWidth;
    const long grid_panels = ((long)g->outHeight * wp + NR512 - 1) / NR512;
    const long output_panels = ((long)g->outHeight * g->outWidth + NR512 - 1) / NR512;
    const double in_place = (double)grid_panels / (double)output_panels + 15.0 / K;
    const double packed = 1.0 + 10.0 * (32.0 / OW + 1.0) / g->outChannels;
    return in_place < packed;
}

void ck_conv_rows(const ck_conv_desc *g, const float *input, const float *weight, const float *packedWeight,
                  const float *bias, float *output, int oy0, int oy1, int m0, int m1) {
#ifdef CK_X86
    // input (C, H, W), weight (K, C·KH·KW) -> output rows oy0 ..< oy1 of (K, OH, OW); stride 1
    if (oy1 <= oy0 || m1 <= m0) return;
    const int C = g->channels, H = g->height, W = g->width, M = g->outChannels, OW = g->outWidth;
    const int KH = g->kernelHeight, KW = g->kernelWidth, dh = g->dilationHeight, dw = g->dilationWidth;
    const int K = C * KH * KW, rows = oy1 - oy0;
    const int Wp = OW + (KW - 1) * dw, padded_rows = rows + (KH - 1) * dh;
    const size_t plane = (size_t)padded_rows * Wp, columns = (size_t)rows * Wp;
    const size_t slack = (size_t)(KW - 1) * dw + 2 * NR512;  // junk columns of the last row read past the end
    float *padded = thread_buffer(&tl_padded, &tl_cap_padded, (size_t)C * plane + slack);
    float *grid = thread_buffer(&tl_grid, &tl_cap_grid, (size_t)(m1 - m0) * columns);
    if (!padded || !grid) abort();
    const int first_row = oy0 - g->padTop, copy = W < Wp - g->padLeft ? W : Wp - g->padLeft;
    for (int ch = 0; ch < C; ch++) {
        for (int r = 0; r < padded_rows; r++) {
            float *d = padded + ch * plane + (size_t)r * Wp;
            const int iy = first_row + r;
            if (iy < 0 || iy >= H || copy <= 0) { memset(d, 0, (size_t)Wp * sizeof(float)); continue; }
            memset(d, 0, (size_t)g->padLeft * sizeof(float));
            memcpy(d + g->padLeft, input + ((size_t)ch * H + iy) * W, (size_t)copy * sizeof(float));
            memset(d + g->padLeft + copy, 0, (size_t)(Wp - g->padLeft - copy) * sizeof(float));
        }
    }
    memset(padded + (size_t)C * plane, 0, slack * sizeof(float));

    const int kcb = k_block(K);
    float *pa = thread_buffer(&tl_pack_a, &tl_cap_a, (size_t)((MC_MAX + MR512 - 1) / MR512 * MR512) * kcb);
    if (!pa) abort();
    int koff[KC_MAX];
    for (int pc = 0; pc < K; pc += kcb) {
        const int kc = K - pc < kcb ? K - pc : kcb;
        for (int k = 0; k < kc; k++) {
            const int kk = pc + k, ch = kk / (KH * KW), ky = (kk / KW) % KH, kx = kk % KW;
            koff[k] = (int)(ch * plane) + ky * dh * Wp + kx * dw;
        }
        for (int ic = m0; ic < m1; ic += MC_MAX) {
            const int mc = m1 - ic < MC_MAX ? m1 - ic : MC_MAX;
            const float *block_a = pa;
            if (packedWeight) block_a = packed_block(packedWeight, M, MR512, pc, kc, ic);
            else pack_a(weight, K, 0, ic, mc, pc, kc, MR512, pa);
            for (size_t jr = 0; jr < columns; jr += NR512) {
                const int nr = columns - jr < NR512 ? (int)(columns - jr) : NR512;
                for (int ir = 0; ir < mc; ir += MR512) {
                    const int mr = mc - ir < MR512 ? mc - ir : MR512;
                    micro_kernel_avx512_offsets(kc, block_a + (size_t)(ir / MR512) * kc * MR512, padded + jr, koff,
                                                grid + (size_t)(ic - m0 + ir) * columns + jr, (int)columns, pc > 0,
                                                (pc == 0 && bias) ? bias + ic + ir : NULL, mr, nr);
                }
            }
        }
    }
    for (int m = m0; m < m1; m++)
        for (int r = 0; r < rows; r++)
            memcpy(output + ((size_t)m * g->outHeight + oy0 + r) * OW, grid + (size_t)(m - m0) * columns + (size_t)r * Wp,
                   (size_t)OW * sizeof(float));
#else
    (void)g; (void)input; (void)weight; (void)packedWeight; (void)bias; (void)output; (void)oy0; (void)oy1; (void)m0; (void)m1;
    abort();
#endif
}

// ---------------------------------------------------------------------------------------------
// Peak: 12 independent chains of 8-wide FMAs hide the FMA latency on two FMA pipes.

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
#ifdef CK_X86
    if (ck_isa() >= 2) return fma_loop_avx512(iterations, sink);
    if (ck_uses_avx2()) return fma_loop_avx2(iterations, sink);
#endif
    return fma_loop_portable(iterations, sink);
}

// ---------------------------------------------------------------------------------------------
// Dense rows: eight partial sums per row so the dot product vectorises without -ffast-math.

void ck_dense_rows(int inFeatures, const float *input, const float *weight, const float *bias,
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

// ---------------------------------------------------------------------------------------------
// Pooling, separably: for each output row the window's input rows are folded into one row (max or sum),
// then each output takes the max or sum of its columns of that row. Plain loops the compiler vectorises.

enum { POOL_ROW_MAX = 4096 };

// One output of a folded row whose window is clipped by the row's ends (Caffe's divisor for the average).
static inline float pool_edge(const ck_pool_desc *g, const float *row, int ox, int y0, int y_end_padded, int average) {
    const int W = g->width, x0 = ox * g->strideWidth - g->padLeft, kw = g->kernelWidth;
    const int x_end_padded = x0 + kw < W + g->padLeft ? x0 + kw : W + g->padLeft;
    const int xs = x0 > 0 ? x0 : 0;
    if (average) {
        const int xe = x_end_padded < W ? x_end_padded : W;
        const int divisor = (y_end_padded - y0) * (x_end_padded - x0);
        float sum = 0.0f;
        for (int x = xs; x < xe; x++) sum += row[x];
        return divisor > 0 ? sum / (float)divisor : 0.0f;
    }
    const int xe = x0 + kw < W ? x0 + kw : W;
    if (xe <= xs) return 0.0f;
    float best = row[xs];
    for (int x = xs + 1; x < xe; x++) best = row[x] > best ? row[x] : best;
    return best;
}

__attribute__((target_clones("avx512f", "avx2", "default")))
static void pool_plane(const ck_pool_desc *g, const float *plane, float *out, int average) {
    const int H = g->height, W = g->width;
    float row_stack[POOL_ROW_MAX];
    float *row = W <= POOL_ROW_MAX ? row_stack : malloc((size_t)W * sizeof(float));
    for (int oy = 0; oy < g->outHeight; oy++) {
        const int y0 = oy * g->strideHeight - g->padTop;
        const int y_end_padded = y0 + g->kernelHeight < H + g->padTop ? y0 + g->kernelHeight : H + g->padTop;
        const int ys = y0 > 0 ? y0 : 0;
        const int ye = average ? (y_end_padded < H ? y_end_padded : H) : (y0 + g->kernelHeight < H ? y0 + g->kernelHeight : H);
        float *o = out + (size_t)oy * g->outWidth;
        if (ye <= ys) {
            for (int ox = 0; ox < g->outWidth; ox++) o[ox] = 0.0f;
            continue;
        }
        const float *first = plane + (size_t)ys * W;
        for (int x = 0; x < W; x++) row[x] = first[x];
        for (int y = ys + 1; y < ye; y++) {
            const float *r = plane + (size_t)y * W;
            if (average) for (int x = 0; x < W; x++) row[x] += r[x];
            else for (int x = 0; x < W; x++) row[x] = r[x] > row[x] ? r[x] : row[x];
        }
        // Interior outputs (window wholly inside the row) fold kernel column by kernel column, which
        // vectorises; the few edge outputs take the clipped windows one by one.
        const int sw = g->strideWidth, pl = g->padLeft, kw = g->kernelWidth;
        int lo = (pl + sw - 1) / sw, hi = W - kw + pl >= 0 ? (W - kw + pl) / sw + 1 : 0;
        if (hi > g->outWidth) hi = g->outWidth;
        if (lo > hi) lo = hi;
        if (average) {
            const int interior_divisor = (y_end_padded - y0) * kw;  // x_end_padded = x0 + kw inside the row
            for (int ox = lo; ox < hi; ox++) o[ox] = row[ox * sw - pl];
            for (int dx = 1; dx < kw; dx++)
                for (int ox = lo; ox < hi; ox++) o[ox] += row[ox * sw - pl + dx];
            for (int ox = lo; ox < hi; ox++) o[ox] = o[ox] / (float)interior_divisor;
        } else {
            for (int ox = lo; ox < hi; ox++) o[ox] = row[ox * sw - pl];
            for (int dx = 1; dx < kw; dx++)
                for (int ox = lo; ox < hi; ox++) {
                    const float v = row[ox * sw - pl + dx];
                    o[ox] = v > o[ox] ? v : o[ox];
                }
        }
        for (int ox = lo == 0 ? hi : 0; ox < g->outWidth; ox = ox + 1 == lo ? hi : ox + 1)
            o[ox] = pool_edge(g, row, ox, y0, y_end_padded, average);
    }
    if (row != row_stack) free(row);
}

// Max pooling of one plane in two whole-plane passes: each input row, padded with −∞ (padding never wins),
// is folded horizontally into OW window maxima (rows[y][ox]); then each output row is the maximum of its
// window's folded rows. Both passes are long, branch-free loops; a window holding no input gives 0.
__attribute__((target_clones("avx512f", "avx2", "default")))
static void max_pool_plane_two_pass(const ck_pool_desc *g, const float *plane, float *out, float *rows, float *line) {
    const int H = g->height, W = g->width, OH = g->outHeight, OW = g->outWidth;
    const int kw = g->kernelWidth, sw = g->strideWidth, pl = g->padLeft;
    const int span = (OW - 1) * sw + kw;  // padded columns the windows reach
    for (int x = 0; x < span; x++) line[x] = -INFINITY;
    const int copy = W < span - pl ? W : span - pl;
    for (int y = 0; y < H; y++) {
        float *h = rows + (size_t)y * OW;
        if (copy > 0) memcpy(line + pl, plane + (size_t)y * W, (size_t)copy * sizeof(float));
        if (sw == 1) {
            for (int ox = 0; ox < OW; ox++) h[ox] = line[ox];
            for (int dx = 1; dx < kw; dx++)
                for (int ox = 0; ox < OW; ox++) h[ox] = line[ox + dx] > h[ox] ? line[ox + dx] : h[ox];
        } else {
            // window maxima at every start (contiguous, vectorised) into `wide`, then every sw-th one
            float *wide = line + span;
            const int starts = span - kw + 1;
            for (int x = 0; x < starts; x++) wide[x] = line[x];
            for (int dx = 1; dx < kw; dx++)
                for (int x = 0; x < starts; x++) wide[x] = line[x + dx] > wide[x] ? line[x + dx] : wide[x];
            for (int ox = 0; ox < OW; ox++) h[ox] = wide[ox * sw];
        }
    }
    // columns whose window holds no input (only when a pad reaches a whole window): 0, as Caffe's clipped loop
    int empty_lo = 0, empty_hi = OW;  // outputs [empty_lo, empty_hi) have input columns
    while (empty_lo < OW && empty_lo * sw - pl + kw <= 0) empty_lo++;
    while (empty_hi > empty_lo && (empty_hi - 1) * sw - pl >= W) empty_hi--;
    for (int oy = 0; oy < OH; oy++) {
        const int y0 = oy * g->strideHeight - g->padTop;
        const int ys = y0 > 0 ? y0 : 0, ye = y0 + g->kernelHeight < H ? y0 + g->kernelHeight : H;
        float *o = out + (size_t)oy * OW;
        if (ye <= ys) {
            for (int ox = 0; ox < OW; ox++) o[ox] = 0.0f;
            continue;
        }
        const float *first = rows + (size_t)ys * OW;
        for (int ox = 0; ox < OW; ox++) o[ox] = first[ox];
        for (int y = ys + 1; y < ye; y++) {
            const float *r = rows + (size_t)y * OW;
            for (int ox = 0; ox < OW; ox++) o[ox] = r[ox] > o[ox] ? r[ox] : o[ox];
        }
        for (int ox = 0; ox < empty_lo; ox++) o[ox] = 0.0f;
        for (int ox = empty_hi; ox < OW; ox++) o[ox] = 0.0f;
    }
}

// Stride-1 "same" max pooling (OH = H, OW = W, pads below the kernel: GoogLeNet's 3×3/1 pad-1 branch), on the
// flattened plane: each pass is one long loop over H·W values, whose few wrong values (windows crossing a row
// end, or the plane's top and bottom) are then recomputed with the clipped window.
__attribute__((target_clones("avx512f", "avx2", "default")))
static void max_pool_plane_same(const ck_pool_desc *g, const float *plane, float *out, float *rows) {
    const int H = g->height, W = g->width, kh = g->kernelHeight, kw = g->kernelWidth;
    const int pl = g->padLeft, pt = g->padTop, n = H * W;
    // horizontal: rows[i] = max of plane[i − pl ... i − pl + kw − 1]
    const int h_lo = pl, h_hi = n - (kw - 1 - pl);
    for (int i = h_lo; i < h_hi; i++) rows[i] = plane[i - pl];
    for (int dx = 1; dx < kw; dx++)
        for (int i = h_lo; i < h_hi; i++) rows[i] = plane[i - pl + dx] > rows[i] ? plane[i - pl + dx] : rows[i];
    for (int y = 0; y < H; y++) {
        const float *r = plane + (size_t)y * W;
        for (int x = 0; x < W; x = x + 1 == pl ? (W - (kw - 1 - pl) > pl ? W - (kw - 1 - pl) : pl) : x + 1) {
            if (x == 0 && pl == 0) x = W - (kw - 1) > 0 ? W - (kw - 1) : 0;  // no left edge: start at the right one
            if (x >= W) break;
            const int xs = x - pl > 0 ? x - pl : 0, xe = x - pl + kw < W ? x - pl + kw : W;
            float best = r[xs];
            for (int t = xs + 1; t < xe; t++) best = r[t] > best ? r[t] : best;
            rows[(size_t)y * W + x] = best;
        }
    }
    // vertical: out row oy = max of rows oy − pt ... oy − pt + kh − 1
    const int v_lo = pt * W, v_hi = (H - (kh - 1 - pt)) * W;
    for (int i = v_lo; i < v_hi; i++) out[i] = rows[i - pt * W];
    for (int dy = 1; dy < kh; dy++)
        for (int i = v_lo; i < v_hi; i++) {
            const float v = rows[i + (dy - pt) * W];
            out[i] = v > out[i] ? v : out[i];
        }
    for (int oy = 0; oy < H; oy = oy + 1 == pt ? (H - (kh - 1 - pt) > pt ? H - (kh - 1 - pt) : pt) : oy + 1) {
        if (oy == 0 && pt == 0) oy = H - (kh - 1) > 0 ? H - (kh - 1) : 0;  // no top edge: start at the bottom one
        if (oy >= H) break;
        const int ys = oy - pt > 0 ? oy - pt : 0, ye = oy - pt + kh < H ? oy - pt + kh : H;
        float *o = out + (size_t)oy * W;
        for (int x = 0; x < W; x++) o[x] = rows[(size_t)ys * W + x];
        for (int y = ys + 1; y < ye; y++)
            for (int x = 0; x < W; x++) o[x] = rows[(size_t)y * W + x] > o[x] ? rows[(size_t)y * W + x] : o[x];
    }
}

void ck_max_pool(const ck_pool_desc *g, const float *input, float *output, int c0, int c1) {
    // input (C, H, W) -> output (C, OH, OW)
    if (g->outHeight <= 0 || g->outWidth <= 0) return;
    const size_t rows_floats = (size_t)g->height * g->outWidth;
    const size_t line_floats = 2 * ((size_t)(g->outWidth - 1) * g->strideWidth + g->kernelWidth) + g->padLeft + 16;
    float *scratch = malloc((rows_floats + line_floats) * sizeof(float));
    const int same = g->strideHeight == 1 && g->strideWidth == 1 && g->outHeight == g->height &&
                     g->outWidth == g->width && g->padTop < g->kernelHeight && g->padLeft < g->kernelWidth &&
                     g->kernelHeight - 1 - g->padTop >= 0 && g->kernelWidth - 1 - g->padLeft >= 0 &&
                     g->kernelHeight <= g->height && g->kernelWidth <= g->width;
    for (int c = c0; c < c1; c++) {
        const float *plane = input + (size_t)c * g->height * g->width;
        float *out = output + (size_t)c * g->outHeight * g->outWidth;
        // strided pools fold rows first (half the rows to fold horizontally): pool_plane measured faster there
        if (scratch && same) max_pool_plane_same(g, plane, out, scratch);
        else if (scratch && g->strideWidth == 1) max_pool_plane_two_pass(g, plane, out, scratch, scratch + rows_floats);
        else pool_plane(g, plane, out, 0);
    }
    free(scratch);
}

void ck_average_pool(const ck_pool_desc *g, const float *input, float *output, int c0, int c1) {
    // input (C, H, W) -> output (C, OH, OW)
    for (int c = c0; c < c1; c++)
        pool_plane(g, input + (size_t)c * g->height * g->width, output + (size_t)c * g->outHeight * g->outWidth, 1);
}

// ---------------------------------------------------------------------------------------------
// LRN over a block of positions at a time: a running window of Σx² across channels per position.
// beta = 0.75 (every Caffe model) is base^−¾ = 1 / (√base · ⁴√base): square roots vectorise, powf does not.

enum { LRN_BLOCK = 256, LRN_RING_STACK = 16 };

__attribute__((target_clones("avx512f", "avx2", "default")))
void ck_lrn(int channels, int planeSize, int size, float alpha, float beta, float k,
            const float *input, float *output, int p0, int p1) {
    // input (C, P) -> output (C, P), positions p0 ..< p1
    const int before = (size - 1) / 2, after = size - 1 - before;
    const int ring_rows = size + 1;  // squares of channels c − before − 1 ... c + after, kept so y may alias x
    const float scale = alpha / (float)size;
    const int three_quarters = beta == 0.75f;
    float window[LRN_BLOCK];
    float ring_stack[LRN_RING_STACK * LRN_BLOCK];
    float *ring = ring_rows <= LRN_RING_STACK ? ring_stack : malloc((size_t)ring_rows * LRN_BLOCK * sizeof(float));
    for (int b0 = p0; b0 < p1; b0 += LRN_BLOCK) {
        const int n = p1 - b0 < LRN_BLOCK ? p1 - b0 : LRN_BLOCK;
        const float *x = input + b0;
        float *y = output + b0;
        for (int p = 0; p < n; p++) window[p] = 0.0f;
        for (int c = 0; c < after && c < channels; c++) {
            const float *xc = x + (size_t)c * planeSize;
            float *sq = ring + (size_t)(c % ring_rows) * LRN_BLOCK;
            for (int p = 0; p < n; p++) { sq[p] = xc[p] * xc[p]; window[p] += sq[p]; }
        }
        for (int c = 0; c < channels; c++) {
            const int entering = c + after, leaving = c - before - 1;
            if (entering < channels) {
                const float *xe = x + (size_t)entering * planeSize;  // not yet overwritten: entering >= c
                float *sq = ring + (size_t)(entering % ring_rows) * LRN_BLOCK;
                for (int p = 0; p < n; p++) { sq[p] = xe[p] * xe[p]; window[p] += sq[p]; }
            }
            if (leaving >= 0) {
                const float *sq = ring + (size_t)(leaving % ring_rows) * LRN_BLOCK;
                for (int p = 0; p < n; p++) window[p] -= sq[p];
            }
            const float *xc = x + (size_t)c * planeSize;
            float *yc = y + (size_t)c * planeSize;
            if (three_quarters) {
                for (int p = 0; p < n; p++) {
                    float w = window[p] > 0.0f ? window[p] : 0.0f;
                    float root = sqrtf(k + scale * w);
                    yc[p] = xc[p] / (root * sqrtf(root));
                }
            } else {
                for (int p = 0; p < n; p++) {
                    float w = window[p] > 0.0f ? window[p] : 0.0f;
                    yc[p] = xc[p] * powf(k + scale * w, -beta);
                }
            }
        }
    }
    if (ring != ring_stack) free(ring);
}

// ---------------------------------------------------------------------------------------------
// Element-wise helpers.

__attribute__((target_clones("avx512f", "avx2", "default")))
void ck_relu(long count, const float *input, float *output) {
    for (long i = 0; i < count; i++) output[i] = input[i] > 0.0f ? input[i] : 0.0f;
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void ck_statistics(long count, const float *values, float *minimum, float *maximum, double *sum,
                   double *squares, long *zeros) {
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
