// The GEMM's AVX2 kernels for CPUs without AVX-512 (AMD Zen 3), which gemm.c's blocked driver runs: the 6×16 tile
// with the AVX-512 kernel's extras (B read in place by a panel's first tile and packed for the others, the next panel
// and the A stream prefetched), run a column panel's or a row panel's tiles to a call; the last few columns of a
// block; and the dense copy of a strided 1×1 conv's input (conv.c). Every value is the same chain of FMAs from its
// bias in the same order as in the plain 6×16 tile on a packed panel, and the same adds after it: the same bits.
// Measured against that plain tile (one process, minima of 21–31 alternating calls, weights out of L2, the input read
// back, AVX2 forced on AMD EPYC Zen 4, family 25 model 17, 1 thread, 2 cores shared with other helpers' builds);
// each part below names its share.
#include "gemm.h"
#include <stdlib.h>

#ifdef CK_X86
#define CK_START256(i, r0, r1) CK_START_ROW(256, i, r0, r1)
#define CK_FMA256(i, r0, r1) CK_FMA_ROW(256, i, r0, r1)
#define CK_FMA_HALF256(i, r0, r1) CK_FMA_HALF_ROW(256, i, r0, r1)

// The first n of a vector's 8 lanes (none for n ≤ 0, all for n ≥ 8), as a maskload/maskstore mask.
__attribute__((target("avx2"))) static inline __m256i lanes8(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The 6×16 tile: c (mr × nr, row stride ldc) [+]= a-panel (kc × 6) · B (kc × 16) [+ bias rows], then
// activation(c + addend). IN_PLACE 0: b is a packed kc×16 panel; 1: row k of B is the 16 floats at b + koff[k] (a
// stored B read in place), copied to next->pack_to as it goes. AHEAD: the A stream prefetched a_ahead floats ahead,
// a line every two k. NEXT: next->rows rows of the next panel (from next->row, next->ld apart) prefetched into L2,
// spread over the steps of k (with next->rows 0 and a_ahead 0 the loop asks for nothing but the current A line
// again). A tile at most 8 columns wide runs the B row's first vector only. k runs in pairs with the extras once a
// pair: a step is only 12 FMAs (6 cycles), and the AVX-512 kernel's checks at every k cost 19–33 % here (ResNet-50's
// 512→2048 on 7×7 with the A prefetch, 512→128 on 28×28 reading B in place). ROWS 4 or 5 (a block's last rows where M
// is not a multiple of 6: 128 = 21·6 + 2, 16 = 2·6 + 4) runs only their FMAs, ROWS·2 accumulators: 4 (the FMA
// latency) or 5 cycles a step instead of 6; SqueezeNet's 96→16 and 128→16 on 55×55 0.93 of the time, 256→32 on 27×27
// and MobileNetV2's 144→32 and 192→32 on 28×28 0.96, ResNet-50's 512→128 on 28×28 0.99. EXTRA: see tile_extra.
__attribute__((target("avx2,fma,prfchw"), always_inline)) static inline void
tile_body(int kc, const float *a, const float *b, const int *koff, float *c, int ldc, int accumulate, const float *bias,
          int mr, int nr, size_t a_ahead, const float *addend, ck_activation activation, const b_side *next,
          const float *bx, const int IN_PLACE, const int AHEAD, const int NEXT, const int ROWS, const int EXTRA) {
    // the rows' start: the bias read in place where all 6 rows exist, else copied for the rows that do
    float start6[MR] = {0, 0, 0, 0, 0, 0};
    const float *start = bias && mr == MR ? bias : start6;
    if (bias && mr < MR) _Pragma("clang loop vectorize(disable)") for (int i = 0; i < mr; i++) start6[i] = bias[i];
    CK_ROWS6(CK_START256)
    // EXTRA: column 16, B's values bx[k·16], the 6 rows in one vector (lanes 0 to 5)
    const __m256i low6 = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
    __m256 cx = EXTRA ? _mm256_maskload_ps(start, low6) : _mm256_setzero_ps();
    (void)low6;
    const float *next_row = NEXT ? next->row : NULL;
    float *pack_to = IN_PLACE ? next->pack_to : NULL;
    const size_t next_ld = NEXT ? next->ld : 0;
    // rows of the next panel left to ask for, and how many a pair of steps asks for
    int next_left = NEXT ? next->rows : 0;
    const int pairs = (kc + 1) / 2, per_pair = NEXT && next_left ? (next_left + pairs - 1) / pairs : 0;
#define CK_PAIR_EXTRAS                                                                            \
    if (AHEAD) _mm_prefetch((const char *)(a + a_ahead), _MM_HINT_T0);                          \
    if (NEXT)                                                                                   \
        for (int t = 0; t < per_pair && next_left > 0; t++, next_left--) {                      \
            _mm_prefetch((const char *)next_row, _MM_HINT_T1);                                  \
            _mm_prefetch((const char *)(next_row + NR - 1), _MM_HINT_T1);                       \
            next_row += next_ld;                                                                \
        }
#define CK_B_ROW(k) (IN_PLACE ? b + koff[k] : b + (size_t)(k) * NR)
#define CK_FMA_HALF_R(i, r0, r1) if ((i) < ROWS) CK_FMA_HALF256(i, r0, r1)
#define CK_FMA_R(i, r0, r1) if ((i) < ROWS) CK_FMA256(i, r0, r1)
#define CK_HALF_STEP(k)                                                                           \
    {                                                                                           \
        const __m256 b0 = _mm256_loadu_ps(CK_B_ROW(k));                                         \
        CK_ROWS6(CK_FMA_HALF_R)                                                                 \
        a += MR;                                                                                \
    }
#define CK_FULL_STEP(k)                                                                           \
    {                                                                                           \
        const float *bk = CK_B_ROW(k);                                                          \
        const __m256 b0 = _mm256_loadu_ps(bk), b1 = _mm256_loadu_ps(bk + 8);                    \
        if (IN_PLACE) {                                                                         \
            _mm256_storeu_ps(pack_to + (size_t)(k) * NR, b0);                                   \
            _mm256_storeu_ps(pack_to + (size_t)(k) * NR + 8, b1);                               \
        }                                                                                       \
        CK_ROWS6(CK_FMA_R)                                                                      \
        if (EXTRA) cx = _mm256_fmadd_ps(CK_EXTRA_ROWS, _mm256_set1_ps(bx[(size_t)(k) * NR]), cx);               \
        a += MR;                                                                                \
    }
    int k = 0;
    if (nr <= 8 && !IN_PLACE) {
        for (; k + 2 <= kc; k += 2) {
            CK_PAIR_EXTRAS
            CK_HALF_STEP(k)
            CK_HALF_STEP(k + 1)
        }
        if (k < kc) CK_HALF_STEP(k)
    } else {
        // EXTRA: the A panel's k-th values and the next k's first two (unused), but at the last k (the panel may end
        // the buffer) only its own, by a masked load, which a step of its own keeps out of the loop (its mask would
        // take a register the loop needs)
#define CK_EXTRA_ROWS _mm256_loadu_ps(a)
        if (EXTRA) {
            // one step a turn (a pair's loads hoisted spilled accumulators), the next panel's rows asked for first
            for (; next_left > 0; next_left--, next_row += next_ld) {
                _mm_prefetch((const char *)next_row, _MM_HINT_T1);
                _mm_prefetch((const char *)(next_row + NR - 1), _MM_HINT_T1);
            }
            for (; k < kc - 1; k++) CK_FULL_STEP(k)
        } else if (IN_PLACE) {
            // one step a turn, the extras every other step: in pairs clang kept both steps' B rows (stored to the
            // packed panel) live beside the 12 accumulators and spilled, 3 spills or reloads and 11 moves a pair.
            // bench/ckab.c, one process, minima of 31 alternating calls, AVX2 on AMD EPYC Zen 4 (family 25 model
            // 17, AVX-512 masked), 1 thread: MobileNetV2's 96→24 and 144→24 on 56×56 0.93, 144→32 and 192→32 on
            // 28×28 0.94–0.96, 192→64 on 14×14 0.96, SqueezeNet's 96→16 on 55×55 0.94, 128→32 0.97, inception(3a)'s
            // 192→32 on 28×28 0.95, 192→64 and 192→96 0.98, NIN's 192→160 and 160→96 on 32×32 0.99
            for (; k < kc; k++) {
                if ((k & 1) == 0) {
                    CK_PAIR_EXTRAS
                }
                CK_FULL_STEP(k)
            }
        } else {
            for (; k + 2 <= kc; k += 2) {
                CK_PAIR_EXTRAS
                CK_FULL_STEP(k)
                CK_FULL_STEP(k + 1)
            }
            if (k < kc) CK_FULL_STEP(k)
        }
#undef CK_EXTRA_ROWS
#define CK_EXTRA_ROWS _mm256_maskload_ps(a, low6)
        if (EXTRA && kc > 0) CK_FULL_STEP(kc - 1)
#undef CK_EXTRA_ROWS
    }
#undef CK_PAIR_EXTRAS
#undef CK_B_ROW
#undef CK_HALF_STEP
#undef CK_FULL_STEP
#undef CK_FMA_HALF_R
#undef CK_FMA_R
    if (EXTRA) {
        float last[8];
        _mm256_storeu_ps(last, cx);
        for (int i = 0; i < mr; i++) {
            float v = last[i];
            if (accumulate) v += c[(size_t)i * ldc + NR];
            if (addend) v += addend[(size_t)i * ldc + NR];
            c[(size_t)i * ldc + NR] = ck_activate1(v, activation);
        }
    }
    if (nr == NR) {
        // whole rows, the ones that exist
#define CK_ROW(i, r0, r1)                                                                   \
    if ((i) < mr) {                                                                         \
        float *row = c + (size_t)(i) * ldc;                                                 \
        if (accumulate) {                                                                   \
            r0 = _mm256_add_ps(r0, _mm256_loadu_ps(row));                                   \
            r1 = _mm256_add_ps(r1, _mm256_loadu_ps(row + 8));                               \
        }                                                                                   \
        if (addend) {                                                                       \
            const float *plus = addend + (size_t)(i) * ldc;                                 \
            r0 = _mm256_add_ps(r0, _mm256_loadu_ps(plus));                                  \
            r1 = _mm256_add_ps(r1, _mm256_loadu_ps(plus + 8));                              \
        }                                                                                   \
        _mm256_storeu_ps(row, ck_activate8(r0, activation));                                \
        _mm256_storeu_ps(row + 8, ck_activate8(r1, activation));                            \
    }
        CK_ROWS6(CK_ROW)
#undef CK_ROW
    } else {
        float tile[MR * NR] __attribute__((aligned(32)));
#define CK_TILE_ROW(i, r0, r1) _mm256_store_ps(tile + (i) * NR, r0); _mm256_store_ps(tile + (i) * NR + 8, r1);
        CK_ROWS6(CK_TILE_ROW)
#undef CK_TILE_ROW
        ck_store_tile(tile, NR, c, ldc, accumulate, mr, nr, addend, activation);
    }
}

__attribute__((target("avx2,fma,prfchw"))) void ck_micro_kernel_avx2(int kc, const float *a, const float *b, float *c,
                                                                     int ldc, int accumulate, const float *bias,
                                                                     int mr, int nr, const float *addend,
                                                                     ck_activation activation) {
    tile_body(kc, a, b, NULL, c, ldc, accumulate, bias, mr, nr, 0, addend, activation, NULL, NULL, 0, 0, 0, MR, 0);
}

// 17 columns (a 7×7 map: 49 = 16 + 16 + 17, 55×55: 3025 = 188·16 + 17): the 16 of a packed panel and column 16 from
// bx (B's values bx[k·16]: a 1-column panel packed beside it), as one more FMA a step of the A panel's k-th values
// times bx[k·16] broadcast (13 FMAs in 16 registers: a step a turn, the next panel's rows asked for first), where
// tail_body's pass of its own over the block's A panels for that column cost 3.5 times its FMAs (8 streams of A
// from L2, most loads crossing a 32-byte boundary): ResNet-50's 512→2048 on 7×7 with its residual add 0.976 of that
// time, 2048→512 0.985, MobileNetV2's 320→1280 on 7×7 0.968 (105 → 108 GFLOP/s).
__attribute__((target("avx2,fma,prfchw"))) static void tile_extra(int kc, const float *a, const float *b, float *c,
                                                                  int ldc, int accumulate, const float *bias, int mr,
                                                                  size_t a_ahead, const float *addend,
                                                                  ck_activation activation, const b_side *next,
                                                                  const float *bx) {
    tile_body(kc, a, b, NULL, c, ldc, accumulate, bias, mr, NR, a_ahead, addend, activation, next, bx, 0, 1, 1, MR, 1);
}

// A column panel's or a row panel's tiles to a call, each tile's loop inlined: the driver's work a tile (its pointers,
// the B-side share, a call through run_tile) cost 2–8 % of a 6×16 tile's 6·kc cycles, a third of what it costs the
// 8×32 tile. 0.93–0.97 of the time: MobileNetV2's 64→256 on 56×56 with the residual add 0.94, ResNet-50's 256→64 on
// 56×56 0.97, K 32 and 20 (a tile of 64 and 40 cycles' FMAs) 0.93; with everything in cache (the same shapes called
// back to back) 144 rows through K 64, 128 and 256: 0.95–0.98, 108–112 GFLOP/s (peak 118; AVX-512 110–114). The
// tiles inlined into the row panel's loop rather than called: K ≤ 64 (16→96 on 112×112, 16→64 on 55×55, 64→256 on
// 56×56) 0.92–0.96, 32→16 on 112×112 0.94.
__attribute__((target("avx2,fma,prfchw"))) void ck_column_panel_avx2(int kc, const float *a, int mc, float *bp, const float *in_place, const int *koff,
                          const float *bx, const float *next_row, size_t next_ld, int next_rows, size_t a_ahead,
                          float *c, int ldc, int accumulate, const float *bias, int nr, const float *addend,
                          ck_activation activation) {
    // a block's 6-row A panels (kc × 6, kc·6 apart) × one B panel -> c (mc × nr, row stride ldc)
    const int tiles = (mc + MR - 1) / MR, per_tile = (next_rows + tiles - 1) / tiles;
    for (int ir = 0, t = 0; ir < mc; ir += MR, t++) {
        const int mr = mc - ir < MR ? mc - ir : MR, r0 = t * per_tile;
        // this tile's share of the next panel's rows, and where the first tile packs the B rows it reads in place
        const b_side side = {next_row ? next_row + (size_t)r0 * next_ld : NULL, next_ld,
                             next_row && r0 < next_rows ? (next_rows - r0 < per_tile ? next_rows - r0 : per_tile) : 0,
                             bp};
        const float *at = a + (size_t)ir * kc, *plus = addend ? addend + (size_t)ir * ldc : NULL;
        const float *row_bias = bias ? bias + ir : NULL;
        float *to = c + (size_t)ir * ldc;
        if (bx)
            tile_extra(kc, at, bp, to, ldc, accumulate, row_bias, mr, a_ahead, plus, activation, &side, bx);
        else if (in_place && ir == 0)
            tile_body(kc, at, in_place, koff, to, ldc, accumulate, row_bias, mr, nr, a_ahead, plus, activation, &side,
                      NULL, 1, 1, 1, MR, 0);
        else if (mr <= 4)
            tile_body(kc, at, bp, NULL, to, ldc, accumulate, row_bias, mr, nr, a_ahead, plus, activation, &side, NULL, 0,
                      1, 1, 4, 0);
        else if (mr == 5)
            tile_body(kc, at, bp, NULL, to, ldc, accumulate, row_bias, mr, nr, a_ahead, plus, activation, &side, NULL, 0,
                      1, 1, 5, 0);
        else
            tile_body(kc, at, bp, NULL, to, ldc, accumulate, row_bias, mr, nr, a_ahead, plus, activation, &side, NULL, 0,
                      1, 1, MR, 0);
    }
}

__attribute__((target("avx2,fma,prfchw"))) void ck_row_panel_avx2(int kc, const float *a, int mr, int nc, float *pb,
                                                                  const float *in_place, const int *koff, size_t ldb,
                                                                  size_t a_ahead, float *c, int ldc, int accumulate,
                                                                  const float *bias, const float *addend,
                                                                  ck_activation activation) {
    // one 6-row A panel (kc × 6) × a block's B panels (kc × 16, kc·16 apart) -> c (mr × nc, row stride ldc)
    static const b_side none = {NULL, 0, 0, NULL};
    for (int jr = 0; jr < nc; jr += NR) {
        const int nr = nc - jr < NR ? nc - jr : NR;
        float *bp = pb + (size_t)jr * kc;
        const float *plus = addend ? addend + jr : NULL;
        // the next panel's kc rows asked for while this one is read in place and packed
        const b_side side = {in_place ? in_place + jr + NR : NULL, ldb, in_place && jr + NR < nc ? kc : 0, bp};
        if (in_place && nr == NR)
            tile_body(kc, a, in_place + jr, koff, c + jr, ldc, accumulate, bias, mr, nr, a_ahead, plus, activation,
                      &side, NULL, 1, 1, 1, MR, 0);
        else if (mr <= 4)
            tile_body(kc, a, bp, NULL, c + jr, ldc, accumulate, bias, mr, nr, a_ahead, plus, activation, &none, NULL, 0,
                      1, 1, 4, 0);
        else if (mr == 5)
            tile_body(kc, a, bp, NULL, c + jr, ldc, accumulate, bias, mr, nr, a_ahead, plus, activation, &none, NULL, 0,
                      1, 1, 5, 0);
        else if (a_ahead)
            tile_body(kc, a, bp, NULL, c + jr, ldc, accumulate, bias, mr, nr, a_ahead, plus, activation, &none, NULL, 0,
                      1, 0, MR, 0);
        else
            tile_body(kc, a, bp, NULL, c + jr, ldc, accumulate, bias, mr, nr, 0, plus, activation, NULL, NULL, 0, 0, 0,
                      MR, 0);
    }
}

// The last column panel of a block whose width leaves at most TAIL_AVX2_MAX columns (14×14: 196 = 12·16 + 4; a
// single column after a full panel goes with that panel instead, tile_extra), P row panels at a time: column j of a
// 6-row panel is one 8-wide accumulator (the rows in lanes 2 to 7), the A panel's k-th values times B's value (k, j)
// broadcast, so each k costs nr FMAs a row panel instead of the 6×16 tile's 12 whatever nr is, and P·nr ≥ 8 chains
// hide the FMA latency. A panel's k-th values are loaded as the 8 floats from 2 before them (inside the panel from
// k = 1 on; at k = 0 a masked load). Each value is the same chain of FMAs from its bias in the same order as in the
// 6×16 tile, and the same adds after it: the same bits. `next` (or NULL): rows of the next B panel to prefetch into
// L2, spread over the steps of k. ResNet-50's 256→1024 on 14×14 with its residual add 0.96 of the time; its 512→2048
// on 7×7 with the add 0.84 (78 → 94 GFLOP/s: the 6×16 tile spent a quarter of its FMAs on the 49th column), and whole
// network (AVX2 forced, 1 thread, 6 alternating processes, per-node minima) res5's 1×1s 0.76–0.83, before that column
// went with the panel before it.
__attribute__((target("avx2,fma"), always_inline)) static inline void
tail_body(const int nr, const int P, int kc, const float *a, int mc, const float *b, float *c, int ldc, int accumulate,
          const float *bias, const float *addend, ck_activation activation, const b_side *next) {
    const float *next_row = next ? next->row : NULL;
    int next_left = next ? next->rows : 0, wait = 0;
    const int groups = (mc + P * MR - 1) / (P * MR), every = next_left ? (groups * kc + next_left - 1) / next_left : 0;
    const __m256i high6 = _mm256_setr_epi32(0, 0, -1, -1, -1, -1, -1, -1);
    for (int ir = 0; ir < mc; ir += P * MR) {
        const int rows = mc - ir < P * MR ? mc - ir : P * MR;
        for (int i = 0; i < rows; i++) {
            _mm_prefetch((const char *)(c + (size_t)(ir + i) * ldc), _MM_HINT_T0);
            if (addend) _mm_prefetch((const char *)(addend + (size_t)(ir + i) * ldc), _MM_HINT_T0);
        }
        // panel p's A values (the group's first panel again for panels past the block's end: not stored) and bias
        const float *ap[8];
        float start[8 * 8];
        for (int p = 0; p < P; p++) ap[p] = a + (size_t)(ir / MR + (p * MR < rows ? p : 0)) * kc * MR;
        for (int i = 0; i < P * 8; i++) start[i] = 0.0f;
        for (int i = 0; bias && i < rows; i++) start[i / MR * 8 + 2 + i % MR] = bias[ir + i];
        __m256 x[8][TAIL_AVX2_MAX];
        for (int p = 0; p < P; p++) {
            const __m256 s = _mm256_loadu_ps(start + p * 8), v = _mm256_maskload_ps(ap[p] - 2, high6);
            for (int j = 0; j < nr; j++) x[p][j] = _mm256_fmadd_ps(v, _mm256_set1_ps(b[j]), s);
        }
        const float *bk = b + NR;
        for (int k = 1; k < kc; k++, bk += NR) {
            if (next_left && wait-- == 0) {
                _mm_prefetch((const char *)next_row, _MM_HINT_T1);
                _mm_prefetch((const char *)(next_row + NR - 1), _MM_HINT_T1);
                next_row += next->ld;
                next_left--;
                wait = every - 1;
            }
            __m256 bj[TAIL_AVX2_MAX];
            for (int j = 0; j < nr; j++) bj[j] = _mm256_set1_ps(bk[j]);
            for (int p = 0; p < P; p++) {
                const __m256 v = _mm256_loadu_ps(ap[p] + (size_t)k * MR - 2);
                for (int j = 0; j < nr; j++) x[p][j] = _mm256_fmadd_ps(v, bj[j], x[p][j]);
            }
        }
        float tile[8][TAIL_AVX2_MAX][8];
        for (int p = 0; p < P; p++)
            for (int j = 0; j < nr; j++) _mm256_storeu_ps(tile[p][j], x[p][j]);
        for (int i = 0; i < rows; i++) {
            float *row = c + (size_t)(ir + i) * ldc;
            const float *plus = addend ? addend + (size_t)(ir + i) * ldc : NULL;
            for (int j = 0; j < nr; j++) {
                float v = tile[i / MR][j][2 + i % MR];
                if (accumulate) v += row[j];
                if (plus) v += plus[j];
                row[j] = ck_activate1(v, activation);
            }
        }
    }
}

// tail_body for each width, P·nr ≥ 8 accumulators.
__attribute__((target("avx2,fma"))) void ck_tail_columns_avx2(int kc, const float *a, int mc, const float *b, int nr,
                                                              float *c, int ldc, int accumulate, const float *bias,
                                                              const float *addend, ck_activation activation,
                                                              const b_side *next) {
    switch (nr) {
    case 1: tail_body(1, 8, kc, a, mc, b, c, ldc, accumulate, bias, addend, activation, next); break;
    case 2: tail_body(2, 4, kc, a, mc, b, c, ldc, accumulate, bias, addend, activation, next); break;
    case 3: tail_body(3, 3, kc, a, mc, b, c, ldc, accumulate, bias, addend, activation, next); break;
    case 4: tail_body(4, 2, kc, a, mc, b, c, ldc, accumulate, bias, addend, activation, next); break;
    default: abort();
    }
}

// Each run of outputs on one row reads twice as many floats of an input row: 8 outputs from two loads, one shuffle
// and one permute, where conv.c's value-by-value copy (a division and a remainder each) cost as much as a quarter of
// the conv: 1×1/2 256→128 56→28 0.67 of the time, 512→256 28→14 0.84, ResNet-50's res3a_branch1 (256→512 56→28) with
// its residual add 0.90.
__attribute__((target("avx2"))) void ck_subsample2_avx2(const ck_conv_desc *g, const float *input, int n0, int n,
                                                        float *b, size_t ld) {
    // input (C, H, W) -> b[c·ld + j] = input[c][oy·sh][2·ox] for output position n0 + j = oy·OW + ox, j < n
    const int H = g->height, W = g->width, OW = g->outWidth, sh = g->strideHeight;
    for (int c = 0; c < g->channels; c++) {
        const float *plane = input + (size_t)c * H * W;
        float *d = b + (size_t)c * ld;
        for (int j = 0; j < n;) {
            const int at = n0 + j, oy = at / OW, ox = at % OW, run = OW - ox < n - j ? OW - ox : n - j;
            const float *s = plane + (size_t)oy * sh * W + (size_t)ox * 2;
            // output t reads s[2t], t < run: the run's `floats` floats, input columns 2·ox ..< 2·ox + floats
            const int floats = 2 * run - 1;
            int t = 0;
            for (; t + 8 <= run; t += 8) {
                const __m256 lo = _mm256_loadu_ps(s + 2 * t);
                const __m256 hi = _mm256_maskload_ps(s + 2 * t + 8, lanes8(floats - 2 * t - 8));
                // [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6] -> [lo0 lo2 lo4 lo6 hi0 hi2 hi4 hi6]
                const __m256 even = _mm256_shuffle_ps(lo, hi, 0x88);
                _mm256_storeu_ps(d + j + t, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), 0xD8)));
            }
            if (t < run) {
                const int left = floats - 2 * t;
                const __m256 lo = _mm256_maskload_ps(s + 2 * t, lanes8(left));
                const __m256 hi = _mm256_maskload_ps(s + 2 * t + 8, lanes8(left - 8));
                const __m256 even = _mm256_shuffle_ps(lo, hi, 0x88);
                ck_store_first8(d + j + t, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), 0xD8)),
                                run - t);
            }
            j += run;
        }
    }
}
#endif
