// Packed, cache-blocked SGEMM (BLIS loop order) with an 8×32 AVX-512 or 6×16 AVX2/portable register tile.
// C (M×N) = A (M×K) · B (K×N): A is packed into MR-row panels (MC×KC block, kept in L2), B into NR-column
// panels (KC×NR, kept in L1 while every A panel of the block runs over it). For a convolution, B is the
// im2col matrix and is never materialised: each NR-column panel is gathered straight from the input.
#include "gemm.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------------------------------------
// Micro-kernels: c (mr×nr, row stride ldc) [+]= a-panel (kc×MRk) · b-panel (kc×NRk) [+ bias rows], then
// activation(c + addend) when `addend` is not NULL or `activation` is not none (the last K block of a conv whose
// add and ReLU are fused; the addend has row stride ldc). Each kernel has its own tile (MRk × NRk): 6×16 for the
// portable and AVX2 kernels, 8×32 for AVX-512.

typedef void (*micro_kernel_fn)(int kc, const float *a, const float *b, float *c, int ldc, int accumulate,
                                const float *bias, int mr, int nr, const float *addend, ck_activation activation);

/// A micro-kernel and the panel sizes it reads: A in `mr`-row panels, B in `nr`-column panels.
typedef struct {
    int mr, nr;
    micro_kernel_fn fn;
} micro_kernel;

static void micro_kernel_portable(int kc, const float *a, const float *b, float *c, int ldc, int accumulate,
                                  const float *bias, int mr, int nr, const float *addend, ck_activation activation) {
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
    ck_store_tile(&acc[0][0], NR, c, ldc, accumulate, mr, nr, addend, activation);
}

// The C tile the micro-kernel runs after this one: `rows` rows from `c` (row stride ldc) and, unless NULL, of the
// addend laid out as C. The AVX-512 kernel asks for its lines (two a row, each) spread over its own steps of k.
typedef struct {
    const float *c, *addend;
    int rows;
} c_ahead;

// The deepest K block whose tiles ask for the next tile's lines (c_ahead) in the blocked driver's column-panel
// order. Over a 28×28 map's 144-row blocks the tiles' C and addend lines lie in 144 rows a page apart, where no
// hardware prefetcher follows them, and in a whole network they come from memory (its output and its residual
// addend were last touched layers before): a burst of 16–32 lines at each tile's start stalled on Zen 4's few L1
// misses in flight. One line a chunk of k a tile ahead: ResNet-50's res3 128→512 on 28×28 with its residual add
// 0.87–0.92 of the time with the caches flushed and the input read back (bench/ckab.c CKAB_COLD=1 CKAB_WARM=i,
// 31–41 alternating calls, minima; AMD EPYC Zen 4, family 25 model 17, AVX-512), 1.00 hot. Deeper blocks lost:
// their 32 KB B panel fills L1 and evicts the lines before the stores (kc = 256: ResNet's 256→1024 on 14×14 with
// the add 1.01–1.03, 512→1024 28→14 1.02–1.05, SqueezeNet's 256→32 1.04–1.07; into L2 only with the own burst
// kept 1.01–1.07). So did the row-panel order of K ≤ 64 (64→256 56×56 with the add 1.02–1.09, 16→96 112×112
// 1.04–1.10: its tiles walk along rows the hardware prefetcher follows), and asking for the next tile's lines all
// at once at its start or end (1.04–1.10). Without an addend, only the output's lines to ask for, it lost in whole
// networks (SqueezeNet's 128→32 on 55×55 1.04, MobileNetV2's 96→576 on 14×14 1.02–1.03; ResNet's 128→512 1.00).
enum { AHEAD_KC_MAX = 128 };

// Deeper blocks' tiles on a packed B panel ask for their own C and addend lines in their last steps of k, one every
// LATE_LINE_STEPS steps: each row's first, middle and last line (a 32-float row not line-aligned spans three) of the
// addend, then of C, with the intent to write (micro_kernel_avx512_next_late). Asked for at the tile's start, the
// 16–32 lines from L3 or memory arrived while its B panel (32 KB at kc = 256: all of Zen 4's L1) streamed through L1
// and were evicted again before the store, which then waited on them. bench/ckab.sh, one process, minima of 21–31
// alternating calls, AMD EPYC Zen 4 (family 25 model 17, AVX-512), 2 cores shared with other helpers' builds (load
// 6–8): ResNet-50's 512→1024 28→14 shortcut with its residual add 0.94–0.98 of the time (0.978 with the caches
// flushed, CKAB_COLD=1 CKAB_WARM=ai), 256→1024 on 14×14 with the add 0.945–0.967 (0.943 flushed), 512→2048 on 7×7
// with the add 0.94–0.98 (0.984); the rest within noise, outputs equal. Not for the first row block's tiles, which
// read B in place and prefetch the next panel (late there: ResNet's 256→64 on 56×56 1.024–1.028, 512→128 on 28×28
// 1.01, GoogLeNet's 256→128 1.01–1.015), nor a partial column panel's tiles without an addend to ask for (the 17
// columns of 1024→2048 14→7: 1.01–1.016).
enum { LATE_LINE_STEPS = 2 };

#ifdef CK_X86
#define CK_START512(i, r0, r1) CK_START_ROW(512, i, r0, r1)
#define CK_FMA512(i, r0, r1) CK_FMA_ROW(512, i, r0, r1)
#define CK_FMA_HALF512(i, r0, r1) CK_FMA_HALF_ROW(512, i, r0, r1)

// 8×32 tile in 16 zmm accumulators: per k, two 16-wide B loads and eight broadcasts feed 16 FMAs, which
// keeps both 512-bit FMA pipes busy. Partial tiles store through column masks and a row guard.
// `koff` NULL: b is a packed kc×32 panel. Otherwise row k of B is the 32 floats at b + koff[k] (unaligned),
// which lets a stride-1 convolution read its im2col rows straight from a zero-padded input. `a_ahead` > 0
// prefetches the A stream that many floats ahead, one cache line per two k (see ck_conv_rows).
__attribute__((target("avx512f,prfchw"), always_inline))
static inline void micro_kernel_avx512_body(int kc, const float *a, const float *b, const int *koff, float *c,
                                            int ldc, int accumulate, const float *bias, int mr, int nr,
                                            size_t a_ahead, const float *addend, ck_activation activation,
                                            const b_side *next, const c_ahead *ahead, int asked, int late) {
    float start[MR512] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; bias && i < mr; i++) start[i] = bias[i];
    CK_ROWS8(CK_START512)
    if (!asked && !late) {
        // The tile's C lines start coming in now: with a short kc (1×1 convs over few input channels) the stores
        // would otherwise wait on them (MobileNetV2's 16→96 expand 1.25× faster, 64→256 1.07×).
        for (int i = 0; i < mr; i++) {
            _mm_prefetch((const char *)(c + (size_t)i * ldc), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + (size_t)i * ldc + 16), _MM_HINT_T0);
        }
        // The addend's lines likewise (the residual branch's output, written layers ago, is in L3 or memory):
        // ResNet-50's 128→512 on 28×28 with its residual add 0.91–0.94 of the time, 256→1024 on 14×14 0.94–0.98
        // (bench/ckab.sh, AMD EPYC Zen 4 AVX-512).
        if (addend)
            for (int i = 0; i < mr; i++) {
                _mm_prefetch((const char *)(addend + (size_t)i * ldc), _MM_HINT_T0);
                _mm_prefetch((const char *)(addend + (size_t)i * ldc + 16), _MM_HINT_T0);
            }
    }
    // The next tile's lines (`ahead`), with the intent to write (the addend's too, which costs nothing on one core):
    // per row, the addend's two (if any), then C's two. k runs in chunks of `chunk` steps, and before each the lines
    // j with j·kc < (chunk's end)·count are asked for: one a chunk, or several where there are more lines than steps.
    // A check at every k instead cost 3 % hot.
    const int row_shift = ahead && ahead->addend ? 2 : 1, line_count = ahead ? ahead->rows << row_shift : 0;
    const int chunk = line_count ? (kc > line_count ? kc / line_count : 1) : kc;
    int line_next = 0;
#define CK_ASK_LINES(k1)                                                                          \
    while (line_next < line_count && (long)line_next * kc < (long)(k1) * line_count) {          \
        const int part = line_next & ((1 << row_shift) - 1);                                    \
        const float *base = part < (1 << row_shift) - 2 ? ahead->addend : ahead->c;             \
        __builtin_prefetch(base + (size_t)(line_next >> row_shift) * ldc + (part & 1) * 16, 1, 3); \
        line_next++;                                                                            \
    }
    // `late`: the tile's own lines instead, in its last steps of k (see LATE_LINE_STEPS): per row, the addend's
    // first, middle and last line (if any), then C's, one every LATE_LINE_STEPS steps.
    const int late_parts = addend ? 6 : 3, late_lines = late ? mr * late_parts : 0;
    const int k_quiet = kc - late_lines * LATE_LINE_STEPS > 0 ? kc - late_lines * LATE_LINE_STEPS : 0;
#define CK_ASK_LATE(k)                                                                            \
    if ((k) >= k_quiet && ((k) - k_quiet) % LATE_LINE_STEPS == 0 && ((k) - k_quiet) / LATE_LINE_STEPS < late_lines) { \
        const int line = ((k) - k_quiet) / LATE_LINE_STEPS, row = line / late_parts, part = line % late_parts; \
        const int at = part % 3 == 0 ? 0 : part % 3 == 1 ? 16 : 31;                             \
        if (part < late_parts - 3) _mm_prefetch((const char *)(addend + (size_t)row * ldc + at), _MM_HINT_T0); \
        else __builtin_prefetch(c + (size_t)row * ldc + at, 1, 3);                              \
    }
#define CK_K_LOOP(...)                                                                            \
    if (late) {                                                                                 \
        int k = 0;                                                                              \
        for (; k < k_quiet; k++) {                                                              \
            __VA_ARGS__                                                                         \
        }                                                                                       \
        for (; k < kc; k++) {                                                                   \
            CK_ASK_LATE(k)                                                                      \
            __VA_ARGS__                                                                         \
        }                                                                                       \
    } else if (!line_count)                                                                     \
        for (int k = 0; k < kc; k++) {                                                          \
            __VA_ARGS__                                                                         \
        }                                                                                       \
    else                                                                                        \
        for (int k0 = 0, k1; k0 < kc; k0 = k1) {                                                \
            k1 = kc - k0 > chunk ? k0 + chunk : kc;                                             \
            CK_ASK_LINES(k1)                                                                    \
            for (int k = k0; k < k1; k++) {                                                     \
                __VA_ARGS__                                                                     \
            }                                                                                   \
        }
    // The next B panel's rows (for its packing), one every `every` steps of k, while the FMAs run: their first and
    // last lines, and the middle one of a row that starts inside a line (rows not 16 floats apart span three):
    // SqueezeNet's 256→32 on 27×27 (729 floats apart) 0.73 of the time with its input in memory.
    const float *next_row = next ? next->row : NULL;
    float *pack_to = next ? next->pack_to : NULL;
    int next_left = next ? next->rows : 0, wait = 0;
    const int every = next_left ? (kc + next_left - 1) / next_left : 0;
#define CK_PREFETCH_NEXT_B(k)                                                                     \
    if (next_left && wait-- == 0) {                                                             \
        _mm_prefetch((const char *)next_row, _MM_HINT_T1);                                      \
        _mm_prefetch((const char *)(next_row + NR512 - 1), _MM_HINT_T1);                        \
        if (next->ld % 16) _mm_prefetch((const char *)(next_row + 16), _MM_HINT_T1);            \
        next_row += next->ld;                                                                   \
        next_left--;                                                                            \
        wait = every - 1;                                                                       \
    }
    // Column 16 of a 17-column tile, the 8 rows in one 8-wide vector: lane i is row i.
    __m256 column16 = _mm256_loadu_ps(start);
    if (nr <= 8) {
        // At most 8 columns (196 = 6·32 + 4 on 14×14): 8-wide FMAs, which a 256-bit datapath runs two a cycle
        // against one 16-wide (AMD EPYC Zen 4, AVX-512), so the tail panel costs a quarter of a full one instead
        // of half; the same chain of FMAs per value, the same bits.
#define CK_START_Y(i, r0, r1) __m256 r0##y = _mm256_set1_ps(start[i]);
#define CK_FMA_Y(i, r0, r1) r0##y = _mm256_fmadd_ps(_mm256_set1_ps(a[i]), b0, r0##y);
#define CK_WIDEN_Y(i, r0, r1) r0 = _mm512_zextps256_ps512(r0##y);
        CK_ROWS8(CK_START_Y)
        CK_K_LOOP(
            if (a_ahead && (k & 1) == 0) _mm_prefetch((const char *)(a + a_ahead), _MM_HINT_T0);
            CK_PREFETCH_NEXT_B(k)
            const __m256 b0 = _mm256_loadu_ps(koff ? b + koff[k] : b + (size_t)k * NR512);
            CK_ROWS8(CK_FMA_Y)
            a += MR512;
        )
        CK_ROWS8(CK_WIDEN_Y)
#undef CK_START_Y
#undef CK_FMA_Y
#undef CK_WIDEN_Y
    } else if (nr <= 16) {
        // The last panel of a map whose width leaves at most 16 columns (196 = 6·32 + 4 on 14×14, 169 on 13×13):
        // half the FMAs.
        CK_K_LOOP(
            if (a_ahead && (k & 1) == 0) _mm_prefetch((const char *)(a + a_ahead), _MM_HINT_T0);
            CK_PREFETCH_NEXT_B(k)
            const __m512 b0 = _mm512_loadu_ps(koff ? b + koff[k] : b + (size_t)k * NR512);
            CK_ROWS8(CK_FMA_HALF512)
            a += MR512;
        )
    } else if (nr == 17) {
        // The last panel of a 7×7 map (49 = 32 + 17): the first 16 columns as above, column 16 as one 8-wide FMA
        // of the A panel's k-th values times its B value, 9 FMAs a k instead of 16. Each value is the same chain
        // of FMAs in the same order as in a full tile: the same bits.
        CK_K_LOOP(
            if (a_ahead && (k & 1) == 0) _mm_prefetch((const char *)(a + a_ahead), _MM_HINT_T0);
            CK_PREFETCH_NEXT_B(k)
            const float *bk = koff ? b + koff[k] : b + (size_t)k * NR512;
            const __m512 b0 = _mm512_loadu_ps(bk);
            column16 = _mm256_fmadd_ps(_mm256_loadu_ps(a), _mm256_set1_ps(bk[16]), column16);
            CK_ROWS8(CK_FMA_HALF512)
            a += MR512;
        )
    } else
        CK_K_LOOP(
            if (a_ahead && (k & 1) == 0) _mm_prefetch((const char *)(a + a_ahead), _MM_HINT_T0);
            CK_PREFETCH_NEXT_B(k)
            const float *bk = koff ? b + koff[k] : b + (size_t)k * NR512;
            const __m512 b0 = _mm512_loadu_ps(bk), b1 = _mm512_loadu_ps(bk + 16);
            if (pack_to) {
                _mm512_storeu_ps(pack_to + (size_t)k * NR512, b0);
                _mm512_storeu_ps(pack_to + (size_t)k * NR512 + 16, b1);
            }
            CK_ROWS8(CK_FMA512)
            a += MR512;
        )
    const __mmask16 m0 = ck_lanes16(nr);
#define CK_ROW512(i, r0, r1)                                                                \
    if ((i) < mr) {                                                                         \
        float *row = c + (size_t)(i) * ldc;                                                 \
        if (accumulate) {                                                                   \
            r0 = _mm512_add_ps(r0, _mm512_maskz_loadu_ps(m0, row));                         \
            r1 = _mm512_add_ps(r1, _mm512_maskz_loadu_ps(m1, row + 16));                    \
        }                                                                                   \
        if (addend) {                                                                       \
            const float *plus = addend + (size_t)(i) * ldc;                                 \
            r0 = _mm512_add_ps(r0, _mm512_maskz_loadu_ps(m0, plus));                        \
            r1 = _mm512_add_ps(r1, _mm512_maskz_loadu_ps(m1, plus + 16));                   \
        }                                                                                   \
        _mm512_mask_storeu_ps(row, m0, ck_activate16(r0, activation));                      \
        _mm512_mask_storeu_ps(row + 16, m1, ck_activate16(r1, activation));                 \
    }
    if (nr == 17) {
        // column 16 went into its own vector: the tile's loop below stores the first 16 (m1 is 0), this its 17th
        float last[MR512];
        _mm256_storeu_ps(last, column16);
        for (int i = 0; i < mr; i++) {
            float v = last[i];
            if (accumulate) v += c[(size_t)i * ldc + 16];
            if (addend) v += addend[(size_t)i * ldc + 16];
            c[(size_t)i * ldc + 16] = ck_activate1(v, activation);
        }
    }
    const __mmask16 m1 = ck_lanes16(nr == 17 ? 0 : nr - 16);
    CK_ROWS8(CK_ROW512)
#undef CK_ROW512
#undef CK_PREFETCH_NEXT_B
#undef CK_ASK_LINES
#undef CK_ASK_LATE
#undef CK_K_LOOP
}

__attribute__((target("avx512f,prfchw")))
static void micro_kernel_avx512(int kc, const float *a, const float *b, float *c, int ldc, int accumulate,
                                const float *bias, int mr, int nr, const float *addend, ck_activation activation) {
    micro_kernel_avx512_body(kc, a, b, NULL, c, ldc, accumulate, bias, mr, nr, 0, addend, activation, NULL, NULL, 0, 0);
}

__attribute__((target("avx512f,prfchw")))
void ck_micro_kernel_avx512_offsets(int kc, const float *a, const float *b, const int *koff, float *c, int ldc,
                                    int accumulate, const float *bias, int mr, int nr, size_t a_ahead,
                                    const float *addend, ck_activation activation) {
    micro_kernel_avx512_body(kc, a, b, koff, c, ldc, accumulate, bias, mr, nr, a_ahead, addend, activation, NULL, NULL,
                             0, 0);
}

// The kernel asking for the next tile's lines (`ahead`, unless NULL), its own asked for before when `asked`.
__attribute__((target("avx512f,prfchw"))) static void micro_kernel_avx512_ahead(int kc, const float *a, const float *b,
                                                                         float *c, int ldc, int accumulate,
                                                                         const float *bias, int mr, int nr,
                                                                         const float *addend, ck_activation activation,
                                                                         const c_ahead *ahead, int asked) {
    micro_kernel_avx512_body(kc, a, b, NULL, c, ldc, accumulate, bias, mr, nr, 0, addend, activation, NULL, ahead,
                             asked, 0);
}

// The kernel with its B-side work (`next`), reading B at b + koff[k] (koff NULL: a packed panel).
__attribute__((target("avx512f,prfchw"))) static void
micro_kernel_avx512_next(int kc, const float *a, const float *b, const int *koff, float *c, int ldc, int accumulate,
                         const float *bias, int mr, int nr, size_t a_ahead, const float *addend,
                         ck_activation activation, const b_side *next) {
    micro_kernel_avx512_body(kc, a, b, koff, c, ldc, accumulate, bias, mr, nr, a_ahead, addend, activation, next,
                             NULL, 0, 0);
}

// micro_kernel_avx512_next asking for the next tile's lines (`ahead`, unless NULL), its own asked for before when
// `asked`. A kernel of its own: the plain ones' loops measured 1–3 % slower with its chunks of k compiled in.
__attribute__((target("avx512f,prfchw"))) static void
micro_kernel_avx512_next_ahead(int kc, const float *a, const float *b, const int *koff, float *c, int ldc,
                               int accumulate, const float *bias, int mr, int nr, size_t a_ahead,
                               const float *addend, ck_activation activation, const b_side *next,
                               const c_ahead *ahead, int asked) {
    micro_kernel_avx512_body(kc, a, b, koff, c, ldc, accumulate, bias, mr, nr, a_ahead, addend, activation, next,
                             ahead, asked, 0);
}

// micro_kernel_avx512_next asking for its own C and addend lines in its last steps of k (see LATE_LINE_STEPS)
// instead of at its start: the same FMAs and adds, the same bits.
__attribute__((target("avx512f,prfchw"))) static void
micro_kernel_avx512_next_late(int kc, const float *a, const float *b, const int *koff, float *c, int ldc,
                              int accumulate, const float *bias, int mr, int nr, size_t a_ahead, const float *addend,
                              ck_activation activation, const b_side *next) {
    micro_kernel_avx512_body(kc, a, b, koff, c, ldc, accumulate, bias, mr, nr, a_ahead, addend, activation, next,
                             NULL, 0, 1);
}

// The last column panel of a product whose width leaves at most 8 columns (ResNet's and GoogLeNet's 14×14 maps:
// 196 = 6·32 + 4), for the rows of a block two row panels at a time: column j of 8 rows is one 8-wide accumulator,
// the A panel's k-th values times B's value (k, j) broadcast, so each k costs 2·nr 8-wide FMAs for 16 rows
// instead of the 8×32 tile's 8 a row panel whatever nr is (an 8-row tile would have only nr chains, too few to
// hide the FMA latency). c (mc × nr, row stride ldc) [+]= the block's 8-row A panels (kc × 8, kc·8 apart, from
// `a`) · the packed B panel `b` (kc × 32, columns past nr unused) [+ bias rows], then activation(c + addend)
// (addend NULL: none; laid out as C). Each value is the same chain of FMAs from its bias in the same order as in
// the 8×32 tile, and the same adds after it: the same bits. `next` (or NULL): rows of the next B panel to
// prefetch into L2, spread over the steps of k, as the tiles it stands for would. On AMD EPYC Zen 4 (family 25
// model 17, AVX-512), ResNet-50's 512→1024 28→14 with its residual add (K = 512): its 4-column panel took 122 µs of
// 1.90 ms (GEMM on a dense B, 1.77 ms on 192 columns), 60 µs now; bench/ckab.sh CKAB_COLD=1 CKAB_WARM=ai, 21
// alternating calls, minima: 0.97 of the time, 256→1024 on 14×14 with the add 0.98, outputs equal. In the whole
// network at 1 thread (6 alternating processes, per-node minima): res4a_branch1 0.97, res4*_branch2c 0.96–0.99.
__attribute__((target("avx512f,avx2,fma"), always_inline)) static inline void
tail_columns_body(const int nr, int kc, const float *a, int mc, const float *b, float *c, int ldc, int accumulate,
                  const float *bias, const float *addend, ck_activation activation, const b_side *next) {
    const float *next_row = next ? next->row : NULL;
    int next_left = next ? next->rows : 0, wait = 0;
    const int pairs = (mc + 15) / 16, every = next_left ? (pairs * kc + next_left - 1) / next_left : 0;
    for (int ir = 0; ir < mc; ir += 16) {
        const int rows = mc - ir < 16 ? mc - ir : 16;
        for (int i = 0; i < rows; i++) {
            _mm_prefetch((const char *)(c + (size_t)(ir + i) * ldc), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + (size_t)(ir + i) * ldc + nr - 1), _MM_HINT_T0);
            if (addend) {
                _mm_prefetch((const char *)(addend + (size_t)(ir + i) * ldc), _MM_HINT_T0);
                _mm_prefetch((const char *)(addend + (size_t)(ir + i) * ldc + nr - 1), _MM_HINT_T0);
            }
        }
        // the second panel: the first again where the block ends after one (its values are not stored)
        const float *a0 = a + (size_t)(ir / MR512) * kc * MR512, *a1 = rows > MR512 ? a0 + (size_t)kc * MR512 : a0;
        float start[16] = {0};
        for (int i = 0; bias && i < rows; i++) start[i] = bias[ir + i];
        const __m256 s0 = _mm256_loadu_ps(start), s1 = _mm256_loadu_ps(start + MR512);
        __m256 x0[8], x1[8];
        for (int j = 0; j < nr; j++) x0[j] = s0, x1[j] = s1;
        const float *bk = b;
        for (int k = 0; k < kc; k++, bk += NR512) {
            if (next_left && wait-- == 0) {
                _mm_prefetch((const char *)next_row, _MM_HINT_T1);
                _mm_prefetch((const char *)(next_row + NR512 - 1), _MM_HINT_T1);
                if (next->ld % 16) _mm_prefetch((const char *)(next_row + 16), _MM_HINT_T1);
                next_row += next->ld;
                next_left--;
                wait = every - 1;
            }
            const __m256 p0 = _mm256_loadu_ps(a0 + (size_t)k * MR512), p1 = _mm256_loadu_ps(a1 + (size_t)k * MR512);
            for (int j = 0; j < nr; j++) {
                const __m256 bj = _mm256_set1_ps(bk[j]);
                x0[j] = _mm256_fmadd_ps(p0, bj, x0[j]);
                x1[j] = _mm256_fmadd_ps(p1, bj, x1[j]);
            }
        }
        float tile[8][16];
        for (int j = 0; j < nr; j++) {
            _mm256_storeu_ps(tile[j], x0[j]);
            _mm256_storeu_ps(tile[j] + MR512, x1[j]);
        }
        for (int i = 0; i < rows; i++) {
            float *row = c + (size_t)(ir + i) * ldc;
            const float *plus = addend ? addend + (size_t)(ir + i) * ldc : NULL;
            for (int j = 0; j < nr; j++) {
                float v = tile[j][i];
                if (accumulate) v += row[j];
                if (plus) v += plus[j];
                row[j] = ck_activate1(v, activation);
            }
        }
    }
}

// tail_columns_body for each width, so its accumulators are registers.
__attribute__((target("avx512f,avx2,fma"))) static void
tail_columns_avx512(int kc, const float *a, int mc, const float *b, int nr, float *c, int ldc, int accumulate,
                    const float *bias, const float *addend, ck_activation activation, const b_side *next) {
    switch (nr) {
#define CK_TAIL(n)                                                                                                    \
    case n: tail_columns_body(n, kc, a, mc, b, c, ldc, accumulate, bias, addend, activation, next); break;
        CK_TAIL(1) CK_TAIL(2) CK_TAIL(3) CK_TAIL(4) CK_TAIL(5) CK_TAIL(6) CK_TAIL(7) CK_TAIL(8)
#undef CK_TAIL
    default: abort();
    }
}
#endif

static micro_kernel pick_micro_kernel(void) {
#ifdef CK_X86
    switch (ck_isa()) {
    case CK_ISA_AVX512: return (micro_kernel){MR512, NR512, micro_kernel_avx512};
    case CK_ISA_AVX2: return (micro_kernel){MR, NR, ck_micro_kernel_avx2};
    default: break;
    }
#endif
    return (micro_kernel){MR, NR, micro_kernel_portable};
}

// ---------------------------------------------------------------------------------------------
// Per-thread scratch, grown on demand and reused across calls (pool workers and Dispatch threads live long).

static _Thread_local float *tl_scratch[CK_SCRATCH_COUNT];
static _Thread_local size_t tl_scratch_floats[CK_SCRATCH_COUNT];

float *ck_scratch_buffer(ck_scratch slot, size_t floats) {
    if (floats > tl_scratch_floats[slot]) {
        free(tl_scratch[slot]);
        void *p = NULL;
        if (posix_memalign(&p, 64, floats * sizeof(float)) != 0) p = NULL;
        tl_scratch[slot] = p;
        tl_scratch_floats[slot] = p ? floats : 0;
    }
    return tl_scratch[slot];
}

// ---------------------------------------------------------------------------------------------
// Packing.

// dst[k·ld_dst + i] = src[i·ld_src + k] for i < rows, k < kc: rows of a row-major matrix laid down as columns of a
// panel (packing A, and B stored transposed). Whole 8×8 blocks go through registers when AVX2 is in use.
static void transpose_rows(const float *src, size_t ld_src, int rows, int kc, float *dst, size_t ld_dst) {
    int i = 0;
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX2)
        for (; i + 8 <= rows; i += 8) {
            int k = 0;
            for (; k + 8 <= kc; k += 8) ck_transpose8_copy(src + (size_t)i * ld_src + k, ld_src, dst + (size_t)k * ld_dst + i, ld_dst);
            for (; k < kc; k++)
                for (int t = 0; t < 8; t++) dst[(size_t)k * ld_dst + i + t] = src[(size_t)(i + t) * ld_src + k];
        }
#endif
    for (; i < rows; i++) {
        const float *row = src + (size_t)i * ld_src;
        for (int k = 0; k < kc; k++) dst[(size_t)k * ld_dst + i] = row[k];
    }
}

// A rows r0 ..< r0+mc, columns k0 ..< k0+kc -> `pm`-row panels, each kc×pm, zero rows past mc.
void ck_pack_a(const float *A, int lda, int transA, int r0, int mc, int k0, int kc, int pm, float *dst) {
    for (int ir = 0; ir < mc; ir += pm) {
        int mr = mc - ir < pm ? mc - ir : pm;
        if (transA) {
            // A stored K×M: each k holds the panel's mr values side by side
            for (int k = 0; k < kc; k++) {
                const float *s = A + (size_t)(k0 + k) * lda + (r0 + ir);
                float *d = dst + (size_t)k * pm;
                for (int i = 0; i < mr; i++) d[i] = s[i];
                for (int i = mr; i < pm; i++) d[i] = 0.0f;
            }
            dst += (size_t)kc * pm;
            continue;
        }
        transpose_rows(A + (size_t)(r0 + ir) * lda + k0, (size_t)lda, mr, kc, dst, (size_t)pm);
        for (int k = 0; k < kc; k++)
            for (int i = mr; i < pm; i++) dst[(size_t)k * pm + i] = 0.0f;
        dst += (size_t)kc * pm;
    }
}

#ifdef CK_X86
// The 32-column panel of B rows k0 ..< k0+kc (not transposed) for the AVX-512 kernel: two masked loads and stores
// a row (zero columns past nr), where a copy call per 128-byte row cost more than the short-K 1×1 conv's
// multiplies (MobileNetV2's 32→16 on 112×112: 0.84× the time).
__attribute__((target("avx512f"))) static void pack_b_rows_avx512(const b_source *s, int k0, int kc, int n0, int nr,
                                                                  float *dst) {
    const __mmask16 m0 = ck_lanes16(nr), m1 = ck_lanes16(nr - 16);
    const float *src = s->B + (size_t)k0 * s->ldb + n0;
    for (int k = 0; k < kc; k++, src += s->ldb, dst += NR512) {
        _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(m0, src));
        _mm512_storeu_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + 16));
    }
}
#endif

// B rows k0 ..< k0+kc, columns n0 ..< n0+nr -> one kc×pn panel, zero columns past nr.
static void pack_b_matrix(const b_source *s, int k0, int kc, int n0, int nr, int pn, float *dst) {
#ifdef CK_X86
    if (!s->transB && pn == NR512) {
        pack_b_rows_avx512(s, k0, kc, n0, nr, dst);
        return;
    }
#endif
    if (s->transB) {
        // B stored N×K: read each column's kc values in a row, write them down the panel
        transpose_rows(s->B + (size_t)n0 * s->ldb + k0, (size_t)s->ldb, nr, kc, dst, (size_t)pn);
        for (int k = 0; k < kc; k++)
            for (int j = nr; j < pn; j++) dst[(size_t)k * pn + j] = 0.0f;
        return;
    }
    for (int k = 0; k < kc; k++) {
        float *d = dst + (size_t)k * pn;
        {
            const float *src = s->B + (size_t)(k0 + k) * s->ldb + n0;
            if (nr == pn) { memcpy(d, src, (size_t)pn * sizeof(float)); continue; }
            for (int j = 0; j < nr; j++) d[j] = src[j];
        }
        for (int j = nr; j < pn; j++) d[j] = 0.0f;
    }
}

// The im2col panel: row k = (c·KH + ky)·KW + kx, column n = oy·OW + ox holds
// input[c][oy·sh − pt + ky·dh][ox·sw − pl + kx·dw], zero outside the input (of image n / (OH·OW) in a batch).
// The panel's columns are cut into runs that share an output row, so each run is a (strided) copy.
// A run of im2col panel columns that share an output row: where it starts in the panel, its length, the input
// row and column its first column reads before the tap's offsets, and where its image starts in a channel.
typedef struct {
    int start, length, iy0, ix0;
    size_t image;
} im2col_run;

// Panel columns n0 ..< n0 + nr cut into runs (at most nr); returns how many.
static int im2col_runs(const ck_conv_desc *g, int n0, int nr, im2col_run *runs) {
    const int out_plane = g->outHeight * g->outWidth;
    int count = 0;
    for (int j = 0; j < nr;) {
        int n = n0 + j, image = n / out_plane, at = n % out_plane, oy = at / g->outWidth, ox = at % g->outWidth;
        int length = g->outWidth - ox < nr - j ? g->outWidth - ox : nr - j;
        runs[count++] = (im2col_run){j, length, oy * g->strideHeight - g->padTop, ox * g->strideWidth - g->padLeft,
                                     (size_t)image * g->height * g->width};
        j += length;
    }
    return count;
}

static void pack_b_im2col(const b_source *s, int k0, int kc, int n0, int nr, int pn, float *dst) {
    const ck_conv_desc *g = s->conv;
    const int H = g->height, W = g->width, KH = g->kernelHeight, KW = g->kernelWidth;
    const int sw = g->strideWidth;
    const size_t channel_stride = (size_t)(s->images > 1 ? s->images : 1) * H * W;
    im2col_run run[NR_MAX];
    const int runs = im2col_runs(g, n0, nr, run);
    int c = k0 / (KH * KW), ky = (k0 / KW) % KH, kx = k0 % KW;
    for (int k = 0; k < kc; k++) {
        float *d = dst + (size_t)k * pn;
        const float *plane = s->input + (size_t)c * channel_stride;
        const int dy = ky * g->dilationHeight, dx = kx * g->dilationWidth;
        for (int r = 0; r < runs; r++) {
            float *dr = d + run[r].start;
            const int length = run[r].length, iy = run[r].iy0 + dy, x0 = run[r].ix0 + dx;
            if (iy < 0 || iy >= H) {
                for (int t = 0; t < length; t++) dr[t] = 0.0f;
                continue;
            }
            // valid t: 0 <= x0 + t·sw <= W − 1
            int lo = x0 >= 0 ? 0 : (-x0 + sw - 1) / sw;
            int hi = x0 > W - 1 ? 0 : (W - 1 - x0) / sw + 1;
            if (hi > length) hi = length;
            if (lo > hi) lo = hi;
            const float *row = plane + run[r].image + (size_t)iy * W + x0;
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
// The stride-1 and stride-2 im2col panels for the 32-column AVX-512 kernel, the same panel as pack_b_im2col.
// Stride 1: each run is one masked load (lanes outside the input read as zero, and masked-off lanes never fault)
// and one masked store, instead of a copy loop with zero-filled edges. Stride 2 (the 7×7/2 stems of GoogLeNet
// and ResNet, 3×3/2 and 1×1/2 downsampling): four masked loads of the 64 input floats a run's lanes can reach
// and two permutes that keep the even ones, instead of a scalar strided copy, which cost GoogLeNet conv1 about
// as much as its multiplies.
__attribute__((target("avx512f")))
static void pack_b_im2col_avx512(const b_source *s, int k0, int kc, int n0, int nr, float *dst) {
    const ck_conv_desc *g = s->conv;
    const int H = g->height, W = g->width, KH = g->kernelHeight, KW = g->kernelWidth, sw = g->strideWidth;
    const size_t channel_stride = (size_t)(s->images > 1 ? s->images : 1) * H * W;
    im2col_run run[NR512];
    const int runs = im2col_runs(g, n0, nr, run);
    const unsigned tail = nr >= NR512 ? 0u : ~((1u << nr) - 1u);  // panel columns past nr are zero
    const __m512 zero = _mm512_setzero_ps();
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    int c = k0 / (KH * KW), ky = (k0 / KW) % KH, kx = k0 % KW;
    for (int k = 0; k < kc; k++) {
        float *d = dst + (size_t)k * NR512;
        const float *plane = s->input + (size_t)c * channel_stride;
        const int dy = ky * g->dilationHeight, dx = kx * g->dilationWidth;
        for (int r = 0; r < runs; r++) {
            const int start = run[r].start, length = run[r].length, iy = run[r].iy0 + dy, x0 = run[r].ix0 + dx;
            // panel lane j reads p[sw·j], p = row + x0 − sw·start: float i of p exists for 0 <= x0 − sw·start + i < W
            // and belongs to the run for sw·start <= i < sw·(start + length) (<= 64)
            int lo = sw * start - (x0 < 0 ? x0 : 0), hi = sw * start - x0 + W;
            if (hi > sw * (start + length)) hi = sw * (start + length);
            if (iy < 0 || iy >= H || hi <= lo) lo = hi = 0;
            const unsigned long long valid = (hi >= 64 ? ~0ull : (1ull << hi) - 1ull) & ~((1ull << lo) - 1ull);
            const unsigned store = (unsigned)(((1ull << length) - 1ull) << start);
            // the pointer is only dereferenced on valid lanes
            const float *p = plane + run[r].image + ((iy >= 0 && iy < H) ? (ptrdiff_t)iy * W : 0) + x0 - sw * start;
            __m512 v0 = _mm512_maskz_loadu_ps((__mmask16)(valid & 0xFFFF), p);
            __m512 v1 = _mm512_maskz_loadu_ps((__mmask16)((valid >> 16) & 0xFFFF), p + 16);
            if (sw == 2) {
                const __m512 v2 = _mm512_maskz_loadu_ps((__mmask16)((valid >> 32) & 0xFFFF), p + 32);
                const __m512 v3 = _mm512_maskz_loadu_ps((__mmask16)(valid >> 48), p + 48);
                v0 = _mm512_permutex2var_ps(v0, even, v1);
                v1 = _mm512_permutex2var_ps(v2, even, v3);
            }
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
    if (s->conv && pn == NR512 && (s->conv->strideWidth == 1 || s->conv->strideWidth == 2)) {
        pack_b_im2col_avx512(s, k0, kc, n0, nr, dst);
        return;
    }
#endif
    if (s->conv) pack_b_im2col(s, k0, kc, n0, nr, pn, dst);
    else pack_b_matrix(s, k0, kc, n0, nr, pn, dst);
}

// ---------------------------------------------------------------------------------------------
// The blocked driver over columns n0 ..< n1 of C.

// Runs the micro-kernel on one tile; `a_ahead` > 0 (AVX-512 only) prefetches the A stream that many floats ahead,
// `side` (AVX-512 only, or NULL) is its B-side work, and with `koff` (AVX-512 only) it reads B row k at b + koff[k].
// `ahead` (AVX-512 only, or NULL): the next tile's lines, asked for during this one; `asked`: this tile's were.
static inline void run_tile(const micro_kernel *mk, size_t a_ahead, int kc, const float *a, const float *b,
                            const int *koff, float *c, int ldc, int accumulate, const float *bias, int mr, int nr,
                            const float *addend, ck_activation activation, const b_side *side, const c_ahead *ahead,
                            int asked) {
#ifdef CK_X86
    if ((ahead || asked) && mk->fn == micro_kernel_avx512) {
        if (!a_ahead && !side && !koff)
            micro_kernel_avx512_ahead(kc, a, b, c, ldc, accumulate, bias, mr, nr, addend, activation, ahead, asked);
        else
            micro_kernel_avx512_next_ahead(kc, a, b, koff, c, ldc, accumulate, bias, mr, nr, a_ahead, addend,
                                           activation, side, ahead, asked);
        return;
    }
    if ((a_ahead || side || koff) && mk->fn == micro_kernel_avx512) {
        micro_kernel_avx512_next(kc, a, b, koff, c, ldc, accumulate, bias, mr, nr, a_ahead, addend, activation, side);
        return;
    }
#endif
    (void)a_ahead;
    (void)koff;
    (void)side;
    (void)ahead;
    (void)asked;
    mk->fn(kc, a, b, c, ldc, accumulate, bias, mr, nr, addend, activation);
}

// Whether the AVX-512 kernel reads `bs`'s rows in place for a block's first tile of each panel, packing them as it
// goes, and prefetches the next panel (a stored, untransposed B whose kc rows' offsets fit an int), on one thread
// only: with the other core running a piece of the same product at the same time, the same nodes measured slower
// than packing (ResNet-50's branch2a 1×1s at 2 threads, whole network, 8 alternating processes, per-node minima:
// 1.12–1.27 of the time, with the prefetch alone too; the cause is not found), so pool tasks keep packing. On AMD
// EPYC Zen 4 (AVX-512, 1 MB L2) the same nodes measured 0.88–0.95 of the time with it (whole network, 2 threads, 8
// alternating processes, per-node minima) and the shallower branch2c ones (K = 64, 128) 0.96–1.01: pool tasks read
// in place where a K block is full (KC_MAX deep). The AVX2 kernel the same way (gemm_avx2.c): ResNet-50's 512→128 on
// 28×28 and MobileNetV2's 24→144 on 56×56 0.975 of the time at one thread (AVX2 forced, AMD EPYC Zen 4).
// Pool tasks read in place too where a product has at most THIN_POOL_ROWS rows, whatever its K: B is then most of
// what the tiles read, and packing it was the 2-thread loss of the thin 1×1s that tie with onnxruntime at 1 thread.
// Whole networks at 2 threads against packing, AMD EPYC Zen 4 (family 25 model 17), good host (GoogLeNet at 2
// threads 15.9–16.1 ms), 6–10 alternating processes, per-node minima | medians: AVX-512 SqueezeNet's 128→32 on 55×55
// 0.853 | 0.859, 384→48 and 384→64 on 27×27 0.910–0.931, inception(3a)'s 192→32, 192→64 and 192→96 on 28×28
// 0.877–0.961, NIN's 160→96 on 32×32 0.968 | 0.942, MobileNetV2's 192→32 on 28×28 0.90–0.92, ResNet-50's 64→64 on
// 56×56 0.91–0.94; networks SqueezeNet 0.996 | 0.994, inception(3a) 0.988 | 0.981, NIN 0.989 | 0.995, GoogLeNet
// 0.999 | 0.995, MobileNetV2 0.992 | 1.001, ResNet-50 1.000 | 1.000; AVX2 (`--isa avx2`) SqueezeNet's squeezes
// 0.76–0.89, network 0.984 | 0.992, inception(3a) 0.965 | 0.974. One thread does not change (0.993–0.999).
enum { THIN_POOL_ROWS = 128 };
static int b_side_work(const micro_kernel *mk, const b_source *bs, int kcb, int rows) {
#ifdef CK_X86
    return (mk->fn == micro_kernel_avx512 || mk->fn == ck_micro_kernel_avx2) && !bs->conv && !bs->transB &&
           (long)bs->ldb * kcb <= INT_MAX && (!ck_in_pool_loop() || kcb >= KC_MAX || rows <= THIN_POOL_ROWS);
#else
    (void)mk, (void)bs, (void)kcb, (void)rows;
    return 0;
#endif
}

// The micro-kernel's addend for the tile at row i, column j of C: `epilogue`'s, laid out as C.
static inline const float *tile_addend(const ck_output_epilogue *epilogue, int i, int j, int ldc) {
    return epilogue && epilogue->addend ? epilogue->addend + (size_t)i * ldc + j : NULL;
}

void ck_gemm_blocked(int M, int m0, int m1, int n0, int n1, int K, const float *A, int lda, int transA,
                     const float *packed_a, const b_source *bs, float *C, int ldc, int accumulate, const float *bias,
                     const ck_output_epilogue *epilogue) {
    if (m1 <= m0 || n1 <= n0) return;
    const ck_activation activation = epilogue ? epilogue->activation : ck_no_activation;
    if (K <= 0) {
        for (int i = m0; i < m1; i++)
            for (int j = n0; j < n1; j++) {
                const size_t at = (size_t)i * ldc + j;
                float v = (accumulate ? C[at] : 0.0f) + (bias ? bias[i] : 0.0f);
                if (epilogue && epilogue->addend) v += epilogue->addend[at];
                C[at] = ck_activate1(v, activation);
            }
        return;
    }
    const micro_kernel mk = pick_micro_kernel();
    const int pm = mk.mr, pn = mk.nr;
    const int kcb = ck_k_block(K);
    const int mcb = m1 - m0 < MC_MAX ? m1 - m0 : MC_MAX;
    // A packed B block (kc × nc) stays in L2 while every A row block runs over it; A is repacked per block.
    int nc_max = (B_BLOCK_FLOATS / kcb) / pn * pn;
    if (nc_max < pn) nc_max = pn;
    if (nc_max > NC_MAX) nc_max = NC_MAX;
    const int ncb = (n1 - n0) < nc_max ? (n1 - n0) : nc_max;
    float *pa = ck_scratch_buffer(CK_SCRATCH_PACK_A, (size_t)((mcb + pm - 1) / pm * pm) * kcb);
    float *pb = ck_scratch_buffer(CK_SCRATCH_PACK_B, (size_t)kcb * ((ncb + pn - 1) / pn * pn));
    if (!pa || !pb) abort();
    // Whether the first tiles read B's rows in place (b_side_work), at these offsets from a block's first row.
    const int in_place_b = b_side_work(&mk, bs, kcb, m1 - m0);
    int koff[KC_MAX];
    if (in_place_b)
        for (int k = 0; k < kcb; k++) koff[k] = k * bs->ldb;

    for (int jc = n0; jc < n1; jc += nc_max) {
        const int nc = n1 - jc < nc_max ? n1 - jc : nc_max;
        for (int pc = 0; pc < K; pc += kcb) {
            const int kc = K - pc < kcb ? K - pc : kcb;
            const int first = pc == 0, last = pc + kc == K;
            const int acc = first ? accumulate : 1;
            const ck_activation act = last ? activation : ck_no_activation;
            // Pre-packed weights come from L3 or memory once per call (a network's other layers pushed them out
            // of L2), and the tiles of a small map (7×7: 2 column panels) meet each A panel only twice, so the
            // FMAs would wait on them: the A stream is prefetched two panels ahead. MobileNetV2's 7×7 1×1 convs
            // with their weights in memory 0.80–0.90× the time, in L3 the same (bench/ckab.sh); with 7 column
            // panels (14×14) it measured 2 % slower. Up to 64 columns on AVX2 too (4 of its 16-column panels).
            const size_t a_ahead = packed_a && nc <= 2 * NR512 ? (size_t)2 * kc * pm : 0;
            for (int ic = m0; ic < m1; ic += MC_MAX) {
                const int mc = m1 - ic < MC_MAX ? m1 - ic : MC_MAX;
                const float *block_a = pa;
                if (packed_a) block_a = ck_packed_block(packed_a, M, pm, pc, kc, ic);
                else ck_pack_a(A, lda, transA, ic, mc, pc, kc, pm, pa);
                if (kc <= 64) {
                    // A short K (1×1 convs over few channels: MobileNetV2's 16→96 expand on 112×112) makes each
                    // call mostly its C tile's stores: row panel by row panel, so the tiles of 8 rows are written
                    // left to right in long runs (the whole block's B panels stay in L2), 1.02–1.1× faster. The
                    // first row panel's tiles read a stored B in place and pack it, each prefetching the next panel,
                    // instead of a packing pass before them (see below): 64→64 on 56×56 0.93 of the time, 64→256 0.98.
                    const int side_work = ic == m0 && in_place_b;
                    if (ic == m0 && !side_work)
                        for (int jr = 0; jr < nc; jr += pn)
                            pack_b(bs, pc, kc, jc + jr, nc - jr < pn ? nc - jr : pn, pn, pb + (size_t)(jr / pn) * kc * pn);
#ifdef CK_X86
                    if (mk.fn == ck_micro_kernel_avx2) {
                        // AVX2: a row panel's tiles in one call (ck_row_panel_avx2), a partial last panel packed first
                        const int whole = nc / pn * pn;
                        if (side_work && whole < nc)
                            pack_b(bs, pc, kc, jc + whole, nc - whole, pn, pb + (size_t)whole * kc);
                        for (int ir = 0; ir < mc; ir += pm)
                            ck_row_panel_avx2(kc, block_a + (size_t)(ir / pm) * kc * pm, mc - ir < pm ? mc - ir : pm, nc,
                                              pb, side_work && ir == 0 ? bs->B + (size_t)pc * bs->ldb + jc : NULL, koff,
                                              side_work ? (size_t)bs->ldb : 0, a_ahead,
                                              C + (size_t)(ic + ir) * ldc + jc, ldc, acc,
                                              (first && bias) ? bias + ic + ir : NULL,
                                              last ? tile_addend(epilogue, ic + ir, jc, ldc) : NULL, act);
                        continue;
                    }
#endif
                    for (int ir = 0; ir < mc; ir += pm)
                        for (int jr = 0; jr < nc; jr += pn) {
                            const int nr = nc - jr < pn ? nc - jr : pn, first_tile = side_work && ir == 0 && nr == pn;
                            float *bp = pb + (size_t)(jr / pn) * kc * pn;
                            if (side_work && ir == 0 && !first_tile) pack_b(bs, pc, kc, jc + jr, nr, pn, bp);
                            const b_side side = {
                                side_work && ir == 0 && jr + pn < nc ? bs->B + (size_t)pc * bs->ldb + jc + jr + pn : NULL,
                                side_work ? (size_t)bs->ldb : 0, side_work && ir == 0 && jr + pn < nc ? kc : 0,
                                first_tile ? bp : NULL};
                            run_tile(&mk, a_ahead, kc, block_a + (size_t)(ir / pm) * kc * pm,
                                     first_tile ? bs->B + (size_t)pc * bs->ldb + jc + jr : bp, first_tile ? koff : NULL,
                                     C + (size_t)(ic + ir) * ldc + jc + jr, ldc, acc, (first && bias) ? bias + ic + ir : NULL,
                                     mc - ir < pm ? mc - ir : pm, nr, last ? tile_addend(epilogue, ic + ir, jc + jr, ldc) : NULL,
                                     act, side_work && ir == 0 ? &side : NULL, NULL, 0);
                        }
                    continue;
                }
                // A stored B's rows lie a row stride apart (3136 floats on 56×56), each in its own page, where no
                // hardware prefetcher follows them: packing a panel waited on its 2·kc lines from L3, then copied
                // them. Instead the tiles over a panel prefetch the next panel into L2 between their FMAs, and each
                // panel's first tile reads its B rows in place and stores them to the packed panel for the rest.
                // A single block of rows needs each panel only while its tiles run: they share one panel buffer,
                // which stays in L1. bench/ckab.sh, one process, minima of 41 alternating calls, Intel Xeon AVX-512:
                // ResNet-50's 256→64 on 56×56 0.84 of the time (154 GFLOP/s, 85 % of the 181 peak; the next panel
                // prefetched alone 0.93), 512→128 on 28×28 0.93 (161 GFLOP/s).
                const int side_work = ic == m0 && in_place_b;
                const int tiles = (mc + pm - 1) / pm, one_panel = side_work && m1 - m0 <= MC_MAX;
                // Each tile of the last K block with an addend asks for the next one's C and addend lines, spread
                // over its steps of k, instead of its own at once, where its B panel leaves room for them in L1 (see
                // AHEAD_KC_MAX).
                const int ahead_lines = kc <= AHEAD_KC_MAX && last && epilogue && epilogue->addend;
#ifdef CK_X86
                // Deeper blocks' tiles on a packed B panel ask for their own lines late, every block's (see
                // LATE_LINE_STEPS).
                const int late_lines = mk.fn == micro_kernel_avx512 && kc > AHEAD_KC_MAX && !side_work;
#endif
                for (int jr = 0; jr < nc; jr += pn) {
#ifdef CK_X86
                    // AVX2: a full panel before a last one of 1 column computes that column too (see tile_extra)
                    const int fold = mk.fn == ck_micro_kernel_avx2 && nc - jr == pn + 1;
#else
                    const int fold = 0;
#endif
                    const int nr = nc - jr < pn ? nc - jr : pn, in_place = side_work && nr == pn && !fold;
                    float *bp = pb + (one_panel ? 0 : (size_t)(jr / pn) * kc * pn), *bx = fold ? bp + (size_t)kc * pn : NULL;
                    if (ic == m0 && !in_place) pack_b(bs, pc, kc, jc + jr, nr, pn, bp);
                    if (ic == m0 && fold) pack_b(bs, pc, kc, jc + jr + pn, 1, pn, bx);
                    // the next panel packed: rows next_k ..< next_k + next_kc from column next_n (after the folded one)
                    const int jn = fold ? jr + pn : jr;
                    const int next_k = jn + pn < nc || pc + kc >= K ? (jn + pn < nc ? pc : 0) : pc + kc;
                    const int next_n = jn + pn < nc ? jc + jn + pn : pc + kc < K ? jc : jc + nc;
                    const int next_kc = K - next_k < kcb ? K - next_k : kcb, per_tile = (next_kc + tiles - 1) / tiles;
                    // A block's first column panel meets each A panel first (pre-packed weights from L3 or memory):
                    // its tiles prefetch the A stream two panels ahead, as small maps do throughout. With the addend
                    // prefetch above, ResNet-50's 256→1024 on 14×14 with its residual add 0.90 of the time, 512→1024
                    // 28→14 0.92 (weights out of L3, bench/ckab.sh, AMD EPYC Zen 4 AVX-512).
#ifdef CK_X86
                    if (mk.fn == micro_kernel_avx512 && nr <= 8) {
                        // the last few columns, every row panel at once (see tail_columns_body)
                        const int ask = side_work && next_n < n1;
                        const b_side side = {ask ? bs->B + (size_t)next_k * bs->ldb + next_n : NULL, (size_t)bs->ldb,
                                             ask ? next_kc : 0, NULL};
                        tail_columns_avx512(kc, block_a, mc, bp, nr, C + (size_t)ic * ldc + jc + jr, ldc, acc,
                                            (first && bias) ? bias + ic : NULL,
                                            last ? tile_addend(epilogue, ic, jc + jr, ldc) : NULL, act, &side);
                        continue;
                    }
                    if (mk.fn == ck_micro_kernel_avx2) {
                        // AVX2: the last few columns likewise (ck_tail_columns_avx2), else the column panel's tiles in
                        // one call (ck_column_panel_avx2), its first reading B in place, A prefetched as above
                        const int ask = side_work && next_n < n1;
                        const b_side side = {ask ? bs->B + (size_t)next_k * bs->ldb + next_n : NULL, (size_t)bs->ldb,
                                             ask ? next_kc : 0, NULL};
                        float *c_panel = C + (size_t)ic * ldc + jc + jr;
                        const float *bias_panel = (first && bias) ? bias + ic : NULL;
                        const float *addend_panel = last ? tile_addend(epilogue, ic, jc + jr, ldc) : NULL;
                        if (nr <= TAIL_AVX2_MAX)
                            ck_tail_columns_avx2(kc, block_a, mc, bp, nr, c_panel, ldc, acc, bias_panel, addend_panel,
                                                 act, &side);
                        else
                            ck_column_panel_avx2(kc, block_a, mc, bp,
                                                 in_place ? bs->B + (size_t)pc * bs->ldb + jc + jr : NULL, koff, bx,
                                                 side.row, side.ld, side.rows,
                                                 jr == 0 && packed_a ? (size_t)2 * kc * pm : a_ahead, c_panel, ldc, acc,
                                                 bias_panel, nr, addend_panel, act);
                        if (fold) break;
                        continue;
                    }
#endif
                    for (int ir = 0; ir < mc; ir += pm) {
                        const int mr = mc - ir < pm ? mc - ir : pm, r0 = ir / pm * per_tile, first_tile = in_place && ir == 0;
                        const b_side side = {
                            side_work && next_n < n1 ? bs->B + (size_t)(next_k + r0) * bs->ldb + next_n : NULL,
                            side_work ? (size_t)bs->ldb : 0,
                            side_work && next_n < n1 && r0 < next_kc ? (next_kc - r0 < per_tile ? next_kc - r0 : per_tile) : 0,
                            first_tile ? bp : NULL};
                        // the tile after this one: the next down the column panel, or the next panel's first
                        const int ni = ir + pm < mc ? ir + pm : 0, nj = ir + pm < mc ? jr : jr + pn;
                        const c_ahead ahead = {C + (size_t)(ic + ni) * ldc + jc + nj,
                                               last ? tile_addend(epilogue, ic + ni, jc + nj, ldc) : NULL,
                                               mc - ni < pm ? mc - ni : pm};
#ifdef CK_X86
                        if (late_lines && (nr == pn || (last && epilogue && epilogue->addend))) {
                            micro_kernel_avx512_next_late(kc, block_a + (size_t)(ir / pm) * kc * pm, bp, NULL,
                                                          C + (size_t)(ic + ir) * ldc + jc + jr, ldc, acc,
                                                          (first && bias) ? bias + ic + ir : NULL, mr, nr,
                                                          jr == 0 && packed_a ? (size_t)2 * kc * pm : a_ahead,
                                                          last ? tile_addend(epilogue, ic + ir, jc + jr, ldc) : NULL,
                                                          act, NULL);
                            continue;
                        }
#endif
                        run_tile(&mk, jr == 0 && packed_a ? (size_t)2 * kc * pm : a_ahead, kc,
                                 block_a + (size_t)(ir / pm) * kc * pm, first_tile ? bs->B + (size_t)pc * bs->ldb + jc + jr : bp, first_tile ? koff : NULL,
                                 C + (size_t)(ic + ir) * ldc + jc + jr, ldc, acc, (first && bias) ? bias + ic + ir : NULL, mr,
                                 nr, last ? tile_addend(epilogue, ic + ir, jc + jr, ldc) : NULL, act,
                                 side_work ? &side : NULL, ahead_lines && nj < nc ? &ahead : NULL,
                                 ahead_lines && (ir > 0 || jr > 0));
                    }
                }
            }
        }
    }
}

void ck_sgemm(int M, int N, int K, const float *A, int lda, int transA, const float *B, int ldb, int transB,
              float *C, int ldc, int accumulate, const float *bias) {
    // A (M, K) or stored (K, M), B (K, N) or stored (N, K) -> C (M, N) [+ C] [+ bias per row]
    b_source s = {B, ldb, transB, NULL, NULL, 0};
    ck_gemm_blocked(M, 0, M, 0, N, K, A, lda, transA, NULL, &s, C, ldc, accumulate, bias, NULL);
}

int ck_panel_height(void) { return pick_micro_kernel().mr; }

size_t ck_packed_weight_floats(int M, int K) {
    // weight (M, K) -> its packed panels' size in floats
    const int pm = ck_panel_height();
    return (size_t)(M + pm - 1) / pm * pm * (size_t)(K > 0 ? K : 0);
}

void ck_pack_weight(int M, int K, const float *A, int lda, float *dst) {
    // A (M, K) row-major -> for each K block: row panels of pm rows, each kc×pm, zero rows past M
    if (M <= 0 || K <= 0) return;
    const int pm = ck_panel_height(), kcb = ck_k_block(K);
    for (int pc = 0; pc < K; pc += kcb) {
        const int kc = K - pc < kcb ? K - pc : kcb;
        ck_pack_a(A, lda, 0, 0, M, pc, kc, pm, (float *)ck_packed_block(dst, M, pm, pc, kc, 0));
    }
}

#ifdef CK_X86
// How many 16-column tiles ahead thin_tiles asks for B's lines and C's.
enum { THIN_AHEAD = 4 };

// Rows 9 to 24 of a pre-packed product with B read in place, R (16 or 24) rows × 16 columns a tile, each row one zmm
// accumulator: c (mr × n, row stride ldc) [+]= the block's 8-row A panels (kc × 8 each, from `a`, kc·8 apart) · B rows
// (kc × n, row stride ldb) [+ bias rows], then activation(c + addend) (addend NULL: none; laid out as C).
// The 8×32 tile runs such a product as 2 or 3 row panels over each B panel, which packs B (or reads its lines twice or
// three times) and reads each packed line back; here each B line is read once, by one tile, and A stays in L1. Per k,
// one B load and R FMAs with A broadcast from memory; B's lines and C's are asked for THIN_AHEAD tiles ahead, one B
// row and one C row a step of k. Each value is the same chain of FMAs from its bias in the same order as in the 8×32
// tile: the same bits. In the whole network at one thread (per-node minima of 8–10 alternating processes, AMD EPYC
// Zen 4, family 25 model 17, AVX-512): MobileNetV2's 32→16 on 112×112 (B 12544 floats a row, which packed) 0.77 of
// the time (0.177 → 0.137 ms), its 96→24 and 144→24 on 56×56 (B read in place by 8×32 tiles before) 0.93–0.94,
// GoogLeNet's 192→16 and 480→16 reductions 0.93–0.96, SqueezeNet's 96→16 and 128→16 squeezes 0.92–0.95
// (bench/ckab.sh: 0.88, 0.98, 0.93–0.95, 0.94). 4 tiles ahead against 2 or 8: the same within noise; without C's
// lines asked for 1.10–1.15 of the time, without B's 1.04–1.05 (CKAB_COLD=1 CKAB_WARM=i).
__attribute__((target("avx512f,prfchw"), always_inline)) static inline void
thin_tiles_body(int R, int kc, const float *a, const float *b, size_t ldb, int n, float *c, size_t ldc, int accumulate,
                const float *bias, int mr, const float *addend, ck_activation activation) {
#define CK_ROWS24(X)                                                                                                  \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19)   \
    X(20) X(21) X(22) X(23)
    float start[24] = {0};
    for (int i = 0; bias && i < mr; i++) start[i] = bias[i];
    const int asks = kc < R ? kc : R;  // k steps that ask for C's lines ahead, a row each
    for (int j = 0; j < n; j += 16) {
        const __mmask16 lanes = ck_lanes16(n - j);
#define CK_START_THIN(i) __m512 c##i = _mm512_set1_ps(start[i]);
        CK_ROWS24(CK_START_THIN)
#undef CK_START_THIN
        const float *ak = a, *bk = b + j;
        float *c_next = c + j + 16 * THIN_AHEAD;
#define CK_FMA_THIN(i)                                                                                                \
    if ((i) < R) c##i = _mm512_fmadd_ps(_mm512_set1_ps(ak[(size_t)((i) >> 3) * kc * 8 + ((i) & 7)]), b0, c##i);
#define CK_STEP_THIN                                                                                                  \
    _mm_prefetch((const char *)(bk + 16 * THIN_AHEAD), _MM_HINT_T0);                                                  \
    const __m512 b0 = _mm512_maskz_loadu_ps(lanes, bk);                                                               \
    CK_ROWS24(CK_FMA_THIN)                                                                                            \
    ak += 8, bk += ldb;
        int k = 0;
        for (; k < asks; k++) {
            if (k < mr) __builtin_prefetch(c_next + (size_t)k * ldc, 1, 3);
            CK_STEP_THIN
        }
        for (; k < kc; k++) {
            CK_STEP_THIN
        }
        for (; k < mr; k++) __builtin_prefetch(c_next + (size_t)k * ldc, 1, 3);
#undef CK_STEP_THIN
#undef CK_FMA_THIN
#define CK_STORE_THIN(i)                                                                                              \
    if ((i) < R && (i) < mr) {                                                                                        \
        float *row = c + (size_t)(i) * ldc + j;                                                                       \
        if (accumulate) c##i = _mm512_add_ps(c##i, _mm512_maskz_loadu_ps(lanes, row));                                \
        if (addend) c##i = _mm512_add_ps(c##i, _mm512_maskz_loadu_ps(lanes, addend + (size_t)(i) * ldc + j));       \
        _mm512_mask_storeu_ps(row, lanes, ck_activate16(c##i, activation));                                           \
    }
        CK_ROWS24(CK_STORE_THIN)
#undef CK_STORE_THIN
    }
#undef CK_ROWS24
}

// thin_tiles_body for mr ≤ R rows, R = 16 or 24: each its own function, so each keeps only its own accumulators.
__attribute__((target("avx512f,prfchw"))) static void thin_tiles16(int kc, const float *a, const float *b, size_t ldb,
                                                                    int n, float *c, size_t ldc, int accumulate,
                                                                    const float *bias, int mr, const float *addend,
                                                                    ck_activation activation) {
    thin_tiles_body(16, kc, a, b, ldb, n, c, ldc, accumulate, bias, mr, addend, activation);
}
__attribute__((target("avx512f,prfchw"))) static void thin_tiles24(int kc, const float *a, const float *b, size_t ldb,
                                                                    int n, float *c, size_t ldc, int accumulate,
                                                                    const float *bias, int mr, const float *addend,
                                                                    ck_activation activation) {
    thin_tiles_body(24, kc, a, b, ldb, n, c, ldc, accumulate, bias, mr, addend, activation);
}
#endif

// Whether a pre-packed product reads B's rows in place (no B packing). Packing a B panel costs about as much
// as a few micro-kernel calls and is shared by the M/8 row panels, so few rows read in place: M ≤ 16 measured
// 1.1–1.55× faster (GoogLeNet's 16-channel reductions, NIN's last layers), M = 24 from 0.94× to 1.4×, but
// M = 32 to 64 1.05–1.25× slower than packing once K ≥ 96 (inception(3a)'s 192→64 on 28×28: 0.20 against
// 0.16 ms; same-process interleaved minima, Intel Xeon AVX-512); 9 to 24 rows now run thin_tiles instead. The kc
// rows of one panel must then share L1 without evicting each other: row strides that map them onto few cache sets (a
// multiple of 1024 or 256 floats) keep packing.
static int reads_b_in_place(int M, int ldb) {
    if (M > MR512) return 0;  // 9 to 24 rows run thin_tiles (ck_sgemm_prepacked takes them first)
    if (ldb % 16 != 0) return 1;  // rows start at different offsets within their lines
    int lines = (ldb / 16) % 64, a = lines, b = 64;  // gcd(lines mod 64, 64): rows per L1 set group
    while (b) { int t = a % b; a = b; b = t; }
    return a <= 4;
}

void ck_sgemm_prepacked(int M, int N, int K, const float *packedA, const float *B, int ldb, float *C, int ldc,
                        const float *bias, int m0, int m1, ck_output_epilogue epilogue) {
    // packedA (M, K) in panels, B (K, N) with row stride ldb -> rows m0 ..< m1 of C (M, N) with row stride ldc
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX512 && m1 - m0 > MR512 && m1 - m0 <= 24 && N > 0 && K > 0) {
        // 9 to 24 rows: tiles of all of them, B read in place (see thin_tiles_body)
        const int kcb = ck_k_block(K);
        for (int pc = 0; pc < K; pc += kcb) {
            const int kc = K - pc < kcb ? K - pc : kcb, last = pc + kc == K;
            (m1 - m0 <= 16 ? thin_tiles16 : thin_tiles24)(
                kc, ck_packed_block(packedA, M, MR512, pc, kc, m0), B + (size_t)pc * ldb, (size_t)ldb, N,
                C + (size_t)m0 * ldc, (size_t)ldc, pc > 0, (pc == 0 && bias) ? bias + m0 : NULL, m1 - m0,
                last ? tile_addend(&epilogue, m0, 0, ldc) : NULL, last ? epilogue.activation : ck_no_activation);
        }
        return;
    }
    if (ck_isa() >= CK_ISA_AVX512 && N >= NR512 && K > 0 && reads_b_in_place(m1 - m0, ldb)) {
        const int kcb = ck_k_block(K);
        int koff[KC_MAX];  // B's rows from a block's first one
        for (int k = 0; k < kcb; k++) koff[k] = k * ldb;
        const int full = N / NR512 * NR512;
        for (int pc = 0; pc < K; pc += kcb) {
            const int kc = K - pc < kcb ? K - pc : kcb, last = pc + kc == K;
            for (int ic = m0; ic < m1; ic += MC_MAX) {
                const int mc = m1 - ic < MC_MAX ? m1 - ic : MC_MAX;
                const float *block_a = ck_packed_block(packedA, M, MR512, pc, kc, ic);
                // The tiles over a panel prefetch the next panel's rows into L2, a share each (a row stride apart, each
                // in its own page, where no hardware prefetcher follows them): with the input in memory SqueezeNet's
                // 96→16 on 55×55 0.40 of the time, GoogLeNet's 16-channel reductions 0.54–0.64, MobileNetV2's 144→24
                // on 56×56 0.66; with it in L2 and L3 (a network's previous output) 0.97–0.99, the 144→24 0.72–0.76;
                // hot 1.02 (bench/ckab.c, CKAB_COLD, 31 alternating calls, minima, AMD EPYC Zen 4 AVX-512).
                const int tiles = (mc + MR512 - 1) / MR512, per_tile = (kc + tiles - 1) / tiles;
                for (int jr = 0; jr < full; jr += NR512)
                    for (int ir = 0; ir < mc; ir += MR512) {
                        const int mr = mc - ir < MR512 ? mc - ir : MR512, r0 = ir / MR512 * per_tile;
                        const b_side side = {B + (size_t)(pc + r0) * ldb + jr + NR512, (size_t)ldb,
                                             jr + NR512 < full && r0 < kc ? (kc - r0 < per_tile ? kc - r0 : per_tile) : 0, NULL};
                        micro_kernel_avx512_next(kc, block_a + (size_t)(ir / MR512) * kc * MR512,
                                                 B + (size_t)pc * ldb + jr, koff, C + (size_t)(ic + ir) * ldc + jr,
                                                 ldc, pc > 0, (pc == 0 && bias) ? bias + ic + ir : NULL, mr,
                                                 NR512, 0, last ? tile_addend(&epilogue, ic + ir, jr, ldc) : NULL,
                                                 last ? epilogue.activation : ck_no_activation, &side);
                    }
            }
        }
        if (full < N) {
            b_source s = {B + full, ldb, 0, NULL, NULL, 0};
            const ck_output_epilogue rest = {epilogue.addend ? epilogue.addend + full : NULL, epilogue.activation};
            ck_gemm_blocked(M, m0, m1, 0, N - full, K, NULL, 0, 0, packedA, &s, C + full, ldc, 0, bias, &rest);
        }
        return;
    }
#endif
    b_source s = {B, ldb, 0, NULL, NULL, 0};
    ck_gemm_blocked(M, m0, m1, 0, N, K, NULL, 0, 0, packedA, &s, C, ldc, 0, bias, &epilogue);
}
