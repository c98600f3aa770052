// What the GEMM's driver and AVX-512 kernels (gemm.c) share with its AVX2 kernels (gemm_avx2.c).
#ifndef GEMM_H
#define GEMM_H
#include "ckernels_internal.h"

// What a micro-kernel does for the B panels beside its FMAs: prefetch into L2 `rows` rows of the next panel (a
// panel's width of floats each from `row`, `ld` apart; none when `rows` is 0), and copy the B rows it reads in place
// to the packed panel `pack_to` (NULL: none), so the tiles after it read that.
typedef struct {
    const float *row;
    size_t ld;
    int rows;
    float *pack_to;
} b_side;

/// c (mr × nr, row stride ldc) [+]= tile (mr × nr, row stride tile_ld), then activation(c + addend) (addend NULL:
/// none; laid out as C): a partial tile's store, value by value.
static inline void ck_store_tile(const float *tile, int tile_ld, float *c, int ldc, int accumulate, int mr, int nr,
                                 const float *addend, ck_activation activation) {
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) {
            float v = accumulate ? c[i * ldc + j] + tile[i * tile_ld + j] : tile[i * tile_ld + j];
            if (addend) v += addend[i * ldc + j];
            c[i * ldc + j] = ck_activate1(v, activation);
        }
}

#ifdef CK_X86
// The register tiles' rows: row i keeps its two accumulator vectors in (ri0, ri1), 6 rows in the AVX2 kernel and
// 8 in the AVX-512 one. Each kernel applies one row macro X(i, r0, r1) to every row, so the steps below are
// written once for both widths W (256, 512) and the rows are still plain named registers.
#define CK_ROWS6(X) X(0, c00, c01) X(1, c10, c11) X(2, c20, c21) X(3, c30, c31) X(4, c40, c41) X(5, c50, c51)
#define CK_ROWS8(X) CK_ROWS6(X) X(6, c60, c61) X(7, c70, c71)
// Row i starts at start[i] (its bias, or 0); per k, a[i] broadcast times the B row's two vectors b0, b1.
#define CK_START_ROW(W, i, r0, r1) __m##W r0 = _mm##W##_set1_ps(start[i]), r1 = r0;
#define CK_FMA_ROW(W, i, r0, r1)                                                              \
    {                                                                                         \
        const __m##W ai = _mm##W##_set1_ps(a[i]);                                             \
        r0 = _mm##W##_fmadd_ps(ai, b0, r0);                                                   \
        r1 = _mm##W##_fmadd_ps(ai, b1, r1);                                                   \
    }
// A tile at most 16 columns wide: the B row's first vector only.
#define CK_FMA_HALF_ROW(W, i, r0, r1) r0 = _mm##W##_fmadd_ps(_mm##W##_set1_ps(a[i]), b0, r0);

/// The 6×16 AVX2 micro-kernel on a packed B panel (micro_kernel_fn): c (mr×nr, ldc) [+]= a-panel (kc×6) · b-panel
/// (kc×16) [+ bias rows], then activation(c + addend) (addend NULL: none; row stride ldc).
CK_INTERNAL void ck_micro_kernel_avx2(int kc, const float *a, const float *b, float *c, int ldc, int accumulate,
                                      const float *bias, int mr, int nr, const float *addend, ck_activation activation);

/// The tiles of one column panel on AVX2, all mc rows of a block (6-row A panels kc × 6, kc·6 apart, from `a`): c (mc ×
/// nr, ldc) [+]= A · B [+ bias rows], then activation(c + addend). B is the packed panel bp (kc × 16), or, with
/// `in_place`, row k at in_place + koff[k] for the first tile, which packs it to bp for the others. The tiles ask for
/// the next panel's next_rows rows (from next_row, next_ld apart; NULL: none) into L2, a share each, and prefetch A
/// a_ahead floats ahead (0: not). `bx` (NULL: none, else nr is 16 and in_place NULL): a 1-column panel packed beside
/// bp (kc × 16, column 0 used), whose column the tiles compute too, into c's column 16.
CK_INTERNAL void ck_column_panel_avx2(int kc, const float *a, int mc, float *bp, const float *in_place, const int *koff,
                                      const float *bx, const float *next_row, size_t next_ld, int next_rows,
                                      size_t a_ahead, float *c, int ldc, int accumulate, const float *bias, int nr,
                                      const float *addend, ck_activation activation);

/// The tiles of one row panel on AVX2, all nc columns of a block: c (mr × nc, ldc) [+]= a (kc × 6) · B [+ bias rows],
/// then activation(c + addend). B is the packed panels from pb (kc × 16 each, kc·16 apart), or, with `in_place`, whole
/// panels' row k at in_place + jr + koff[k], packed to pb as they are read while the next panel's rows (ldb apart) are
/// asked for into L2 (a partial last panel must be packed before). A prefetched a_ahead floats ahead (0: not).
CK_INTERNAL void ck_row_panel_avx2(int kc, const float *a, int mr, int nc, float *pb, const float *in_place,
                                   const int *koff, size_t ldb, size_t a_ahead, float *c, int ldc, int accumulate,
                                   const float *bias, const float *addend, ck_activation activation);

/// Widest last column panel ck_tail_columns_avx2 takes.
enum { TAIL_AVX2_MAX = 4 };

/// The last nr ≤ TAIL_AVX2_MAX columns of a block, all its mc rows: c (mc × nr, ldc) [+]= the block's 6-row A panels
/// (kc × 6 each, kc·6 apart, from `a`) · the packed B panel `b` (kc × 16, columns past nr unused) [+ bias rows], then
/// activation(c + addend); `next` (or NULL): rows of the next B panel to prefetch into L2.
CK_INTERNAL void ck_tail_columns_avx2(int kc, const float *a, int mc, const float *b, int nr, float *c, int ldc,
                                      int accumulate, const float *bias, const float *addend, ck_activation activation,
                                      const b_side *next);
#endif
#endif
