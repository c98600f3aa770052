// Max and average pooling with Caffe semantics. Pooling at stride 1 or 2 across runs a vector of output
// columns at a time on AVX2 and AVX-512 (chosen by ck_isa(), so tests force each), reading the input rows in
// place; the 3×3/1 pad-1 pools that keep the plane's size fold separably in registers. The rest folds
// separably: for each output row the window's input rows are folded into one row (max or sum), then each output
// takes the max or sum of its columns of that row. Plain loops the compiler vectorises.
#include "pool_window.h"
#include "row_vectors.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { POOL_ROW_MAX = 4096, MAX_POOL_ROWS = 16 };

static inline int pool_row_factor(const ck_pool_desc *g, int oy) {
    return pool_factor(oy, g->strideHeight, g->padTop, g->kernelHeight, g->height, g->excludePadding);
}
// The KH input rows of output row oy's window in plane x, fill_row for those outside the plane.
static inline void pool_window_rows(const ck_pool_desc *g, const float *x, int oy, int KH, const float *fill_row,
                                    const float **rows) {
    for (int ky = 0; ky < KH; ky++) {
        const int iy = oy * g->strideHeight - g->padTop + ky;
        rows[ky] = iy >= 0 && iy < g->height ? x + (size_t)iy * g->width : fill_row;
    }
}

// One output of a folded row whose window is clipped by the row's ends; an average divides by its row factor
// (`row_factor`, of the input rows folded into `row`) times its column factor.
static inline float pool_edge(const ck_pool_desc *g, const float *row, int ox, int row_factor, int average) {
    const int W = g->width, x0 = ox * g->strideWidth - g->padLeft, kw = g->kernelWidth;
    const int xs = x0 > 0 ? x0 : 0, xe = x0 + kw < W ? x0 + kw : W;
    if (average) {
        const int divisor = row_factor * pool_factor(ox, g->strideWidth, g->padLeft, kw, W, g->excludePadding);
        float sum = 0.0f;
        for (int x = xs; x < xe; x++) sum += row[x];
        return divisor > 0 ? sum / (float)divisor : 0.0f;
    }
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
    if (!row) abort();  // the memory budget counts this row; only an exhausted system ends here, never a NULL write
    for (int oy = 0; oy < g->outHeight; oy++) {
        const int y0 = oy * g->strideHeight - g->padTop;
        const int ys = y0 > 0 ? y0 : 0, ye = y0 + g->kernelHeight < H ? y0 + g->kernelHeight : H;
        const int row_factor = average ? pool_row_factor(g, oy) : 0;
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
            const int interior_divisor = row_factor * kw;  // the column factor is kw inside the row
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
            o[ox] = pool_edge(g, row, ox, row_factor, average);
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

// Blocks of 16 columns a row's vectors fold in the 3×3 stride-2 pool, from column −padLeft on.
static inline int pool3s2_blocks(const ck_pool_desc *g) { return (g->outWidth + 15) / 16 * 2 + 1; }

#ifdef CK_X86
// The first n lanes of a row's last vector stored at p: AVX-512's masked store, AVX2's 16-, 8- and 4-byte stores
// (ck_store_first8), where a masked store (vmaskmovps, about 50 cycles on AMD Zen 4) a row bounded the pools. AVX2
// forced on AMD EPYC Zen 4 (family 25 model 17, AVX-512 masked), 1 thread, SqueezeNet, per-node minima of 6 alternating
// processes, with pool3s2_planes_256 against pool_vector_256 and masked stores: pool1 0.222 → 0.197 ms, pool4 0.171 →
// 0.147, pool8 0.112 → 0.094 (onnxruntime 0.078); pool3s2_planes_256 alone 0.85–0.97; GoogLeNet's 3×3/2 pools 0.76–0.83
// and its 3×3/1 pool branches 0.71–0.79 (the 28 and 14 wide rows' stores). 2 threads: SqueezeNet's pools 0.77–0.88,
// GoogLeNet's 0.81–0.92 (pool4 1.03 | 0.96, noise).
__attribute__((target("avx512f"), always_inline)) static inline void pool_store_part_512(float *p, __m512 v, int n) {
    row_store_part_512(p, v, n);
}
__attribute__((target("avx2,fma"), always_inline)) static inline void pool_store_part_256(float *p, __m256 v, int n) {
    ck_store_first8(p, v, n);
}
// Max or average pooling of one plane a vector of output columns at a time (AVX-512: 16, AVX2: 8), reading the
// input rows in place: rows above and below the plane are a row of `fill` (max: −∞, padding never wins; average:
// 0, padding adds nothing), columns left and right of it `fill` through masked loads. Each window column is first
// folded down its KH rows (max, or the sum in row order); at stride 2 a pair of such vectors is deinterleaved into
// window columns kx and kx + 1, folded across in column order — the plain loops' order, so both give the same
// bits. An average is then divided by its window's divisor, a row factor times a column factor (`divisors`).
// Only for geometries whose every window holds input (`pool_vector_fits`); `pool_plane_W` is inlined with
// constant windows for 3×3 and 2×2.
#define CK_DEFINE_POOL_VECTOR(W, LANES, TARGET)                                                            \
    __attribute__((target(TARGET), always_inline)) static inline __m##W pool_fold_##W(__m##W a, __m##W b, int average) { \
        return average ? _mm##W##_add_ps(a, b) : _mm##W##_max_ps(a, b);                                          \
    }                                                                                                             \
    __attribute__((target(TARGET), always_inline)) static inline __m##W pool_column_##W(                          \
        const float *const *rows, int KH, int col, const uint16_t *mask, __m##W fill, int average) {              \
        __m##W v = row_load_##W(rows[0], col, mask, fill);                                                        \
        for (int ky = 1; ky < KH; ky++) v = pool_fold_##W(v, row_load_##W(rows[ky], col, mask, fill), average);  \
        return v;                                                                                                 \
    }                                                                                                             \
    __attribute__((target(TARGET), always_inline)) static inline __m##W pool_vector_##W(                          \
        const float *const *rows, int col, const uint16_t *mask, int KH, int KW, int sw, __m##W fill, int average) { \
        __m##W best = fill;                                                                                       \
        if (sw == 1) {                                                                                            \
            for (int kx = 0; kx < KW; kx++)                                                                       \
                best = pool_fold_##W(best, pool_column_##W(rows, KH, col + kx, mask ? mask + 2 * kx : NULL, fill, average), \
                                     average);                                                                    \
        } else {                                                                                                  \
            for (int kx = 0; kx < KW; kx += 2) {                                                                  \
                __m##W even, odd;                                                                                 \
                row_deinterleave_##W(pool_column_##W(rows, KH, col + kx, mask ? mask + 2 * kx : NULL, fill, average), \
                                     pool_column_##W(rows, KH, col + kx + LANES, mask ? mask + 2 * kx + 1 : NULL, fill, \
                                                     average),                                                    \
                                     &even, &odd);                                                                \
                best = pool_fold_##W(best, even, average);                                                        \
                if (kx + 1 < KW) best = pool_fold_##W(best, odd, average);                                        \
            }                                                                                                     \
        }                                                                                                         \
        return best;                                                                                              \
    }                                                                                                             \
    __attribute__((target(TARGET), always_inline)) static inline void pool_plane_##W(                            \
        const ck_pool_desc *g, const float *x, float *y, const float *fill_row, const uint16_t *masks,            \
        const float *divisors, int KH, int KW, int sw, int average) {                                             \
        const int IW = g->width, OW = g->outWidth;                                                                \
        const int reach = sw == 1 ? KW - 1 + LANES : (KW - 1) / 2 * 2 + 2 * LANES; /* columns read */            \
        const __m##W fill = _mm##W##_set1_ps(average ? 0.0f : -INFINITY);                                         \
        const float *rows[MAX_POOL_ROWS];                                                                         \
        for (int oy = 0; oy < g->outHeight; oy++) {                                                               \
            pool_window_rows(g, x, oy, KH, fill_row, rows);                                                      \
            const __m##W row_factor = _mm##W##_set1_ps(average ? (float)pool_row_factor(g, oy) : 1.0f);           \
            float *out = y + (size_t)oy * OW;                                                                     \
            for (int ox = 0, v = 0; ox < OW; ox += LANES, v++) {                                                  \
                const int col = ox * sw - g->padLeft;                                                             \
                __m##W best = col >= 0 && col + reach <= IW                                                       \
                                  ? pool_vector_##W(rows, col, NULL, KH, KW, sw, fill, average)                   \
                                  : pool_vector_##W(rows, col, masks + (size_t)v * KW * 2, KH, KW, sw, fill, average); \
                if (average)                                                                                      \
                    best = _mm##W##_div_ps(best, _mm##W##_mul_ps(_mm##W##_loadu_ps(divisors + ox), row_factor));   \
                if (ox + LANES <= OW) _mm##W##_storeu_ps(out + ox, best);                                         \
                else pool_store_part_##W(out + ox, best, OW - ox);                                                \
            }                                                                                                     \
        }                                                                                                         \
    }                                                                                                             \
    __attribute__((target(TARGET))) static void pool_planes_##W(const ck_pool_desc *g, const float *input,       \
                                                               float *output, int c0, int c1, const float *fill_row, \
                                                               const uint16_t *masks, const float *divisors) {    \
        const int KH = g->kernelHeight, KW = g->kernelWidth, sw = g->strideWidth, average = divisors != NULL;     \
        const size_t in_plane = (size_t)g->height * g->width, out_plane = (size_t)g->outHeight * g->outWidth;    \
        for (int c = c0; c < c1; c++) {                                                                           \
            const float *x = input + c * in_plane;                                                                \
            float *y = output + c * out_plane;                                                                    \
            if (average) {                                                                                        \
                if (KH == 3 && KW == 3 && sw == 2) pool_plane_##W(g, x, y, fill_row, masks, divisors, 3, 3, 2, 1); \
                else pool_plane_##W(g, x, y, fill_row, masks, divisors, KH, KW, sw, 1);                          \
            } else if (KH == 3 && KW == 3 && sw == 2) pool_plane_##W(g, x, y, fill_row, masks, NULL, 3, 3, 2, 0); \
            else if (KH == 3 && KW == 3 && sw == 1) pool_plane_##W(g, x, y, fill_row, masks, NULL, 3, 3, 1, 0);  \
            else if (KH == 2 && KW == 2 && sw == 2) pool_plane_##W(g, x, y, fill_row, masks, NULL, 2, 2, 2, 0);  \
            else pool_plane_##W(g, x, y, fill_row, masks, NULL, KH, KW, sw, 0);                                   \
        }                                                                                                         \
    }
CK_DEFINE_POOL_VECTOR(512, 16, "avx512f")
CK_DEFINE_POOL_VECTOR(256, 8, "avx2,fma")

// 3×3 stride-1 pad-1 max pooling that keeps the plane's size (GoogLeNet's pool branches), separably in registers:
// each vector of columns is folded down its three rows once (three loads), and the window's left and right
// columns come from the neighbouring folded vectors shifted by one lane (AVX-512: valignd; AVX2: a rotation and
// a blend), so an output vector takes three loads instead of nine. Lanes past the row's end and the rows above
// and below the plane are −∞.
static inline int max_pool_same3_fits(const ck_pool_desc *g) {
    return g->kernelHeight == 3 && g->kernelWidth == 3 && g->strideHeight == 1 && g->strideWidth == 1 &&
           g->padTop == 1 && g->padLeft == 1 && g->outHeight == g->height && g->outWidth == g->width;
}
__attribute__((target("avx512f"))) static inline __m512 shift_in_512(__m512 before, __m512 here, __m512 after, int right) {
    return right ? _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(after), _mm512_castps_si512(here), 1))
                 : _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(here), _mm512_castps_si512(before), 15));
}
__attribute__((target("avx2,fma"))) static inline __m256 shift_in_256(__m256 before, __m256 here, __m256 after, int right) {
    const __m256i up = _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 0), down = _mm256_setr_epi32(7, 0, 1, 2, 3, 4, 5, 6);
    return right ? _mm256_blend_ps(_mm256_permutevar8x32_ps(here, up), _mm256_permutevar8x32_ps(after, up), 0x80)
                 : _mm256_blend_ps(_mm256_permutevar8x32_ps(here, down), _mm256_permutevar8x32_ps(before, down), 0x01);
}
#define CK_DEFINE_MAX_POOL_SAME3(W, LANES, TARGET)                                                                 \
    __attribute__((target(TARGET), always_inline)) static inline __m##W max_fold3_##W(                             \
        const float *const *rows, int col, const uint16_t *inside, __m##W lowest) {                                  \
        return _mm##W##_max_ps(_mm##W##_max_ps(row_load_##W(rows[0], col, inside, lowest),                         \
                                               row_load_##W(rows[1], col, inside, lowest)),                        \
                               row_load_##W(rows[2], col, inside, lowest));                                        \
    }                                                                                                              \
    __attribute__((target(TARGET))) static void max_pool_same3_##W(const ck_pool_desc *g, const float *input,      \
                                                                  float *output, int c0, int c1,                  \
                                                                  const float *lowest_row) {                      \
        const int H = g->height, W_ = g->width, vectors = (W_ + LANES - 1) / LANES;                                \
        const uint16_t last = (uint16_t)((1u << (W_ - (vectors - 1) * LANES)) - 1u); /* lanes inside the row */  \
        const uint16_t *inside = last == (1u << LANES) - 1u ? NULL : &last; /* the last vector's mask */          \
        const __m##W lowest = _mm##W##_set1_ps(-INFINITY);                                                         \
        for (int c = c0; c < c1; c++) {                                                                            \
            const float *x = input + (size_t)c * H * W_;                                                           \
            float *y = output + (size_t)c * H * W_;                                                                \
            for (int oy = 0; oy < H; oy++) {                                                                       \
                const float *rows[3] = {oy > 0 ? x + (size_t)(oy - 1) * W_ : lowest_row, x + (size_t)oy * W_,      \
                                        oy + 1 < H ? x + (size_t)(oy + 1) * W_ : lowest_row};                       \
                __m##W before = lowest, here = max_fold3_##W(rows, 0, vectors == 1 ? inside : NULL, lowest);       \
                for (int v = 0; v < vectors; v++) {                                                                \
                    const __m##W after = v + 1 < vectors                                                           \
                                             ? max_fold3_##W(rows, (v + 1) * LANES, v + 2 == vectors ? inside : NULL, lowest) \
                                             : lowest;                                                             \
                    const __m##W best = _mm##W##_max_ps(_mm##W##_max_ps(shift_in_##W(before, here, after, 0), here), \
                                                        shift_in_##W(before, here, after, 1));                     \
                    if (v + 1 < vectors || !inside) _mm##W##_storeu_ps(y + (size_t)oy * W_ + v * LANES, best);    \
                    else pool_store_part_##W(y + (size_t)oy * W_ + v * LANES, best, W_ - v * LANES);              \
                    before = here;                                                                                 \
                    here = after;                                                                                  \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
    }
CK_DEFINE_MAX_POOL_SAME3(512, 16, "avx512f")
CK_DEFINE_MAX_POOL_SAME3(256, 8, "avx2,fma")

// 3×3 stride-2 pooling (ResNet's, SqueezeNet's and GoogLeNet's downsampling max pools, NIN's average one),
// AVX-512: each input column is folded down the window's three rows once, and a vector of outputs takes window
// columns 0 and 1 as the even and odd columns of two folded vectors and column 2 as the even ones shifted in from the
// next folded vector, which the next outputs start from: two folded vectors (six loads) per vector of outputs where
// `pool_vector` folds four. The same sums or maxima in the same order as `pool_vector` and the plain loops (down
// the rows, then from the fill across columns 0, 1, 2, an average then divided), so the same bits, NaN and signed
// zeros included. Columns outside the row and the rows above and below the plane are the fill. In the networks (1
// thread, AMD EPYC Zen 4 AVX-512, per-node minima of 6 alternating processes): SqueezeNet's pool1 0.75 of the
// time, pool4 and pool8 0.93, GoogLeNet's pool1 0.70, pool4 0.90. On AVX2 (forced on the same CPU) an early version
// (masks made a block at a time) was 1.1–1.35× slower than pool_vector; pool3s2_planes_256 is this loop on AVX2.
// Each block of 16 columns' mask comes from a table made once a call and a row of one vector has its own loop
// (`bench/ckab.sh`, minima of 21 alternating calls, warm, same CPU, against masks made a block at a time and every
// row in the vector loop: max 111→55 0.72, 55→27 0.70, 27→13 0.60, 14→7 0.48, 32→16 0.52; the average 16→8 0.45
// against pool_vector; whole networks, 1 thread: NIN's pool1 0.60 and pool2 0.56, SqueezeNet's pools 0.64–0.83).
// The lanes of a vector of columns col, col + 1, … that lie inside a row of `width` columns.
static inline uint16_t pool_lanes_inside(int col, int width, int lanes) {
    const int lo = col < 0 ? (-col < lanes ? -col : lanes) : 0, hi = width - col < lanes ? width - col : lanes;
    return hi <= lo ? 0 : (uint16_t)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}
// Columns col ..< col + 16 folded down the window's rows, `inside` the lanes that lie inside the row.
__attribute__((target("avx512f"), always_inline)) static inline __m512
pool_fold3_cols_512(const float *const *rows, int col, const uint16_t *inside, __m512 fill, int average) {
    if (*inside == 0xFFFFu) return pool_column_512(rows, 3, col, NULL, fill, average);
    return *inside ? pool_column_512(rows, 3, col, inside, fill, average) : fill;
}
// A vector of one row's outputs from its two folded blocks, here and then, and the next one (an average divided by
// `divisors`' column factors times the row factor).
__attribute__((target("avx512f"), always_inline)) static inline __m512
pool3s2_vector_512(__m512 here, __m512 then, __m512 next, __m512 fill, const float *divisors, __m512 row_factor,
                   int average) {
    __m512 even, odd;
    row_deinterleave_512(here, then, &even, &odd);
    const __m512 best = pool_fold_512(pool_fold_512(pool_fold_512(fill, even, average), odd, average),
                                      shift_in_512(fill, even, next, 1), average);
    return average ? _mm512_div_ps(best, _mm512_mul_ps(_mm512_loadu_ps(divisors), row_factor)) : best;
}
// `inside` (pool3s2_blocks entries) is filled here with each block's lanes inside the row; `divisors` as
// pool_vector's for an average, NULL for a max.
__attribute__((target("avx512f"), always_inline)) static inline void
pool3s2_planes_512(const ck_pool_desc *g, const float *input, float *output, int c0, int c1, const float *fill_row,
                   uint16_t *inside, const float *divisors, int average) {
    const int H = g->height, W = g->width, OH = g->outHeight, OW = g->outWidth, pl = g->padLeft;
    const __m512 fill = _mm512_set1_ps(average ? 0.0f : -INFINITY);
    for (int b = 0; b < pool3s2_blocks(g); b++) inside[b] = pool_lanes_inside(b * 16 - pl, W, 16);
    for (int c = c0; c < c1; c++) {
        const float *x = input + (size_t)c * H * W;
        float *y = output + (size_t)c * OH * OW;
        for (int oy = 0; oy < OH; oy++) {
            const float *rows[3];
            pool_window_rows(g, x, oy, 3, fill_row, rows);
            const __m512 row_factor = _mm512_set1_ps(average ? (float)pool_row_factor(g, oy) : 1.0f);
            float *out = y + (size_t)oy * OW;
            __m512 here = pool_fold3_cols_512(rows, -pl, inside, fill, average);
            if (OW <= 16) {
                const __m512 then = pool_fold3_cols_512(rows, 16 - pl, inside + 1, fill, average);
                const __m512 next = pool_fold3_cols_512(rows, 32 - pl, inside + 2, fill, average);
                _mm512_mask_storeu_ps(out, (__mmask16)((1u << OW) - 1u),
                                      pool3s2_vector_512(here, then, next, fill, divisors, row_factor, average));
                continue;
            }
            for (int ox = 0, b = 0; ox < OW; ox += 16, b += 2) {
                const int col = ox * 2 - pl;
                const __m512 then = pool_fold3_cols_512(rows, col + 16, inside + b + 1, fill, average);
                const __m512 next = pool_fold3_cols_512(rows, col + 32, inside + b + 2, fill, average);
                const __m512 best =
                    pool3s2_vector_512(here, then, next, fill, divisors ? divisors + ox : NULL, row_factor, average);
                if (ox + 16 <= OW) _mm512_storeu_ps(out + ox, best);
                else row_store_part_512(out + ox, best, OW - ox);
                here = next;
            }
        }
    }
}
// 3×3 stride-2 pools on rows of at most 16 columns, unpadded on the left (NIN's average pool2 16×16 → 8×8,
// GoogLeNet's max pool4 14×14 → 7×7), AVX-512: two output rows a vector. Each output row's three input rows fold
// into one 16-column vector (U for the upper row, L for the lower); deinterleaving U and L gives window columns 0
// and 1 of both rows (lanes 0 ..< 8 the upper row, 8 ..< 16 the lower), and column 2 is column 0 one lane on in
// each half, with the fill at lanes 7 and 15 (column 16, past the row). The same folds in the same order as
// pool3s2_vector_512, so the same bits; one vector's loads, permutes, division and store where those took two. The
// two rows' OW outputs are packed by a compress and stored at once (they lie side by side in the output). AMD EPYC
// Zen 4, 1 thread, against pool3s2_planes_512: `bench/ckab.sh`, minima of 31 alternating calls, warm (cold): max
// 832 ch 14→7 0.83 (0.88), average 192 ch 16→8 0.82 (0.90); in the networks (per-node minima of 6–8 alternating
// processes) GoogLeNet's pool4 0.024 → 0.020 ms, NIN's pool2 0.008 → 0.007 (onnxruntime 0.007).
__attribute__((target("avx512f"), always_inline)) static inline void
pool3s2_pairs_512(const ck_pool_desc *g, const float *input, float *output, int c0, int c1, const float *fill_row,
                  const float *divisors, int average) {
    const int H = g->height, W = g->width, OH = g->outHeight, OW = g->outWidth;
    const __m512 fill = _mm512_set1_ps(average ? 0.0f : -INFINITY);
    const uint16_t inside = (uint16_t)ck_lanes16(W);
    const __mmask16 outputs = (__mmask16)(((1u << OW) - 1u) | (((1u << OW) - 1u) << 8));
    const __m512i on = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 16, 9, 10, 11, 12, 13, 14, 15, 16);
    const __m512 columns = average ? _mm512_permutexvar_ps(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5,
                                                                             6, 7),
                                                           _mm512_loadu_ps(divisors))
                                   : fill;
    for (int c = c0; c < c1; c++) {
        const float *x = input + (size_t)c * H * W;
        float *y = output + (size_t)c * OH * OW;
        for (int oy = 0; oy < OH; oy += 2) {
            const float *rows[5];
            _Pragma("clang loop vectorize(disable)") for (int j = 0; j < 5; j++) {
                const int iy = oy * 2 - g->padTop + j;
                rows[j] = iy >= 0 && iy < H && (j < 3 || oy + 1 < OH) ? x + (size_t)iy * W : fill_row;
            }
            const __m512 upper = pool_column_512(rows, 3, 0, &inside, fill, average);
            const __m512 lower = pool_column_512(rows + 2, 3, 0, &inside, fill, average);
            __m512 even, odd;
            row_deinterleave_512(upper, lower, &even, &odd);
            __m512 best = pool_fold_512(pool_fold_512(pool_fold_512(fill, even, average), odd, average),
                                        _mm512_permutex2var_ps(even, on, fill), average);
            if (average) {
                const float below = oy + 1 < OH ? (float)pool_row_factor(g, oy + 1) : 1.0f;
                const __m512 row_factor = _mm512_mask_blend_ps((__mmask16)0xFF00, _mm512_set1_ps((float)pool_row_factor(g, oy)),
                                                               _mm512_set1_ps(below));
                best = _mm512_div_ps(best, _mm512_mul_ps(columns, row_factor));
            }
            const int count = oy + 1 < OH ? 2 * OW : OW;
            _mm512_mask_storeu_ps(y + (size_t)oy * OW, ck_lanes16(count), _mm512_maskz_compress_ps(outputs, best));
        }
    }
}
__attribute__((target("avx512f"))) static void max_pool3s2_pairs_512(const ck_pool_desc *g, const float *input,
                                                                    float *output, int c0, int c1,
                                                                    const float *lowest_row) {
    pool3s2_pairs_512(g, input, output, c0, c1, lowest_row, NULL, 0);
}
__attribute__((target("avx512f"))) static void average_pool3s2_pairs_512(const ck_pool_desc *g, const float *input,
                                                                        float *output, int c0, int c1,
                                                                        const float *zero_row, const float *divisors) {
    pool3s2_pairs_512(g, input, output, c0, c1, zero_row, divisors, 1);
}
__attribute__((target("avx512f"))) static void max_pool3s2_512(const ck_pool_desc *g, const float *input,
                                                              float *output, int c0, int c1, const float *lowest_row,
                                                              uint16_t *inside) {
    pool3s2_planes_512(g, input, output, c0, c1, lowest_row, inside, NULL, 0);
}
__attribute__((target("avx512f"))) static void average_pool3s2_512(const ck_pool_desc *g, const float *input,
                                                                  float *output, int c0, int c1, const float *zero_row,
                                                                  uint16_t *inside, const float *divisors) {
    pool3s2_planes_512(g, input, output, c0, c1, zero_row, inside, divisors, 1);
}

// 3×3 stride-2 pooling on AVX2, in registers as pool3s2_planes_512 does on AVX-512: each block of 8 input columns (F_j,
// columns 8j − padLeft on) is folded down the window's three rows once, a vector of outputs takes window columns 0 and
// 1 as the even and odd columns of F_2v and F_2v+1, and column 2 as those even ones shifted one lane on with the next
// vector's first even column (shift_in_256), which the next outputs start from. Two folded blocks (six loads) a vector
// of 8 outputs where pool_vector_256 folds four (twelve loads, half of them masked with blends on a row of 27 or 55):
// AVX2 on AMD EPYC Zen 4 (family 25 model 17, AVX-512 masked), 1 thread, SqueezeNet, per-node minima of 6 alternating
// processes: pool1 0.85 of the time, pool4 0.96, pool8 0.97. The same folds in the same order as pool_vector_256, so
// the same bits, NaN and signed zeros included; a block wholly outside the row is the fill, without a load.
__attribute__((target("avx2,fma"), always_inline)) static inline __m256
pool_fold3_cols_256(const float *const *rows, int col, int width, __m256 fill, int average) {
    if (col >= 0 && col + 8 <= width) return pool_column_256(rows, 3, col, NULL, fill, average);
    const uint16_t inside = pool_lanes_inside(col, width, 8);
    return inside ? pool_column_256(rows, 3, col, &inside, fill, average) : fill;
}
__attribute__((target("avx2,fma"), always_inline)) static inline void
pool3s2_planes_256(const ck_pool_desc *g, const float *input, float *output, int c0, int c1, const float *fill_row,
                   const float *divisors, int average) {
    const int H = g->height, W = g->width, OH = g->outHeight, OW = g->outWidth, pl = g->padLeft;
    const __m256 fill = _mm256_set1_ps(average ? 0.0f : -INFINITY);
    for (int c = c0; c < c1; c++) {
        const float *x = input + (size_t)c * H * W;
        float *y = output + (size_t)c * OH * OW;
        for (int oy = 0; oy < OH; oy++) {
            const float *rows[3];
            pool_window_rows(g, x, oy, 3, fill_row, rows);
            const __m256 row_factor = _mm256_set1_ps(average ? (float)pool_row_factor(g, oy) : 1.0f);
            float *out = y + (size_t)oy * OW;
            __m256 even, odd;
            row_deinterleave_256(pool_fold3_cols_256(rows, -pl, W, fill, average),
                                 pool_fold3_cols_256(rows, 8 - pl, W, fill, average), &even, &odd);
            for (int ox = 0; ox < OW; ox += 8) {
                const int col = ox * 2 - pl;
                // the next vector's even and odd columns, or for the last vector only its first even column (lane 0)
                __m256 next_even = pool_fold3_cols_256(rows, col + 16, W, fill, average), next_odd = fill;
                if (ox + 8 < OW)
                    row_deinterleave_256(next_even, pool_fold3_cols_256(rows, col + 24, W, fill, average), &next_even,
                                         &next_odd);
                // a max from −∞ is its operand's bits; a sum from 0 is not (0 + −0 is +0)
                const __m256 first = average ? pool_fold_256(fill, even, average) : even;
                __m256 best = pool_fold_256(pool_fold_256(first, odd, average), shift_in_256(fill, even, next_even, 1),
                                            average);
                if (average)
                    best = _mm256_div_ps(best, _mm256_mul_ps(_mm256_loadu_ps(divisors + ox), row_factor));
                if (ox + 8 <= OW) _mm256_storeu_ps(out + ox, best);
                else pool_store_part_256(out + ox, best, OW - ox);
                even = next_even, odd = next_odd;
            }
        }
    }
}
__attribute__((target("avx2,fma"))) static void max_pool3s2_256(const ck_pool_desc *g, const float *input,
                                                               float *output, int c0, int c1, const float *lowest_row) {
    pool3s2_planes_256(g, input, output, c0, c1, lowest_row, NULL, 0);
}
__attribute__((target("avx2,fma"))) static void average_pool3s2_256(const ck_pool_desc *g, const float *input,
                                                                   float *output, int c0, int c1, const float *zero_row,
                                                                   const float *divisors) {
    pool3s2_planes_256(g, input, output, c0, c1, zero_row, divisors, 1);
}
#endif

// Average pooling whose one window is the whole plane, unpadded (GoogLeNet's pool5: 7×7/1 on 7×7, 1024 channels):
// each plane's columns are summed down its rows a vector of columns at a time, then the column sums are added in
// order from 0 and divided by W·H — the vector path's order (`pool_vector` from the fill 0 across the window's
// columns, each folded down its rows), so the same bits; that path took 49 masked loads and vectors of 16 lanes
// for the one output of a 7×7 plane: GoogLeNet's pool5 0.044 → 0.006 ms (onnxruntime 0.006), AVX-512, 1 thread, AMD
// EPYC Zen 4, per-node minima of 8 alternating processes (alone, warm: 42.9 → 3.5 µs).
static inline int pool_whole_plane_fits(const ck_pool_desc *g) {
    return g->outHeight == 1 && g->outWidth == 1 && g->padTop == 0 && g->padLeft == 0 &&
           g->kernelHeight == g->height && g->kernelWidth == g->width;
}
#ifdef CK_X86
#define CK_DEFINE_AVERAGE_WHOLE(W, LANES, TARGET, LOAD)                                                             \
    __attribute__((target(TARGET))) static void average_pool_whole_##W(const ck_pool_desc *g, const float *input,   \
                                                                        float *output, int c0, int c1) {             \
        const int H = g->height, IW = g->width;                                                                     \
        const float divisor = (float)IW * (float)H;                                                                 \
        for (int c = c0; c < c1; c++) {                                                                             \
            const float *x = input + (size_t)c * H * IW;                                                            \
            float sum = 0.0f;                                                                                       \
            for (int x0 = 0; x0 < IW; x0 += LANES) {                                                                \
                const int n = IW - x0 < LANES ? IW - x0 : LANES;                                                    \
                __m##W s = LOAD(x + x0, n);                                                                         \
                for (int y = 1; y < H; y++) s = _mm##W##_add_ps(s, LOAD(x + (size_t)y * IW + x0, n));               \
                float t[LANES];                                                                                     \
                _mm##W##_storeu_ps(t, s);                                                                           \
                for (int i = 0; i < n; i++) sum += t[i];                                                            \
            }                                                                                                       \
            output[c] = sum / divisor;                                                                              \
        }                                                                                                           \
    }
__attribute__((target("avx512f"), always_inline)) static inline __m512 whole_load_512(const float *p, int n) {
    return _mm512_maskz_loadu_ps(ck_lanes16(n), p);
}
__attribute__((target("avx2,fma"), always_inline)) static inline __m256 whole_load_256(const float *p, int n) {
    if (n >= 8) return _mm256_loadu_ps(p);
    const __m256i inside = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_maskload_ps(p, inside);
}
CK_DEFINE_AVERAGE_WHOLE(512, 16, "avx512f", whole_load_512)
CK_DEFINE_AVERAGE_WHOLE(256, 8, "avx2,fma", whole_load_256)
// Rows at most 8 wide, both instruction sets: eight planes at a time, each plane's column sums a vector, the eight
// vectors transposed so that vector x holds column x's sums of the eight planes, added from 0 in column order and
// divided at once. Row loads are whole vectors (lanes past the row, read from the next row or plane, land in the
// vectors past the row's width, which are not added) except where they would pass the call's last plane, which
// could end the input.
__attribute__((target("avx2,fma"))) static void average_pool_whole8(const ck_pool_desc *g, const float *input,
                                                                    float *output, int c0, int c1) {
    const int H = g->height, IW = g->width;
    const size_t plane = (size_t)H * IW;
    const __m256 divisor = _mm256_set1_ps((float)IW * (float)H);
    const __m256i inside = _mm256_cmpgt_epi32(_mm256_set1_epi32(IW), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const float *end = input + (size_t)c1 * plane;
    int c = c0;
    for (; c + 8 <= c1; c += 8) {
        const float *x = input + (size_t)c * plane;
        __m256 s[8];
        const int near_end = (size_t)(c1 - c) * plane < 8 * plane + 8;  // a row's vector could pass the last plane
        for (int j = 0; j < 8; j++) {
            const float *p = x + j * plane;
            if (near_end) {
                s[j] = p + 8 <= end ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, inside);
                for (int y = 1; y < H; y++) {
                    const float *row = p + (size_t)y * IW;
                    s[j] = _mm256_add_ps(s[j], row + 8 <= end ? _mm256_loadu_ps(row) : _mm256_maskload_ps(row, inside));
                }
            } else {
                s[j] = _mm256_loadu_ps(p);
                for (int y = 1; y < H; y++) s[j] = _mm256_add_ps(s[j], _mm256_loadu_ps(p + (size_t)y * IW));
            }
        }
        ck_transpose8(s);
        __m256 sum = _mm256_setzero_ps();
        for (int col = 0; col < IW; col++) sum = _mm256_add_ps(sum, s[col]);
        _mm256_storeu_ps(output + c, _mm256_div_ps(sum, divisor));
    }
    if (c < c1) average_pool_whole_256(g, input, output, c, c1);
}
#endif

// Floats of the column factors of the average's divisors: one per output column and a vector's worth past them.
static inline size_t divisor_floats(const ck_pool_desc *g) { return (size_t)g->outWidth + 16; }
// Floats of the grid scratch: the divisors, then the 3×3 stride-2 pool's block masks (`pool3s2_blocks` of them).
static inline size_t grid_floats(const ck_pool_desc *g) {
    return divisor_floats(g) + ((size_t)pool3s2_blocks(g) + 1) / 2;
}

// Whether the vector pool takes this geometry: stride 1 or 2 across, windows of at most MAX_POOL_ROWS rows, and
// every window holding input (a window of padding only gives 0, which the plain paths write).
static inline int pool_vector_fits(const ck_pool_desc *g) {
    return (g->strideWidth == 1 || g->strideWidth == 2) && g->kernelHeight <= MAX_POOL_ROWS && g->padTop < g->kernelHeight &&
           g->padLeft < g->kernelWidth && (g->outHeight - 1) * g->strideHeight - g->padTop < g->height &&
           (g->outWidth - 1) * g->strideWidth - g->padLeft < g->width;
}

// Whether `pool3s2` takes this geometry (every window holding input, as `pool_vector` needs).
static inline int pool3s2_fits(const ck_pool_desc *g) {
    return g->kernelHeight == 3 && g->kernelWidth == 3 && g->strideHeight == 2 && g->strideWidth == 2 &&
           pool_vector_fits(g);
}

// Whether `pool3s2_pairs` takes this geometry: rows of at most 16 columns from column 0, so that every output row
// is one vector of folded columns and column 16 lies past the row.
static inline int pool3s2_pairs_fits(const ck_pool_desc *g) {
    return g->kernelHeight == 3 && g->kernelWidth == 3 && g->strideHeight == 2 && g->strideWidth == 2 &&
           g->padLeft == 0 && g->width <= 16 && g->outWidth <= 8 && pool_vector_fits(g);
}

void ck_max_pool(const ck_pool_desc *g, const float *input, float *output, int c0, int c1) {
    // input (C, H, W) -> output (C, OH, OW)
    if (g->outHeight <= 0 || g->outWidth <= 0) return;
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX2 && pool_vector_fits(g)) {
        // a row of −∞ for the rows above and below the plane, and the edge vectors' masks
        const int wide = ck_isa() >= CK_ISA_AVX512;
        const uint16_t *masks;
        const float *lowest = row_scratch(wide ? 16 : 8, g->outWidth, g->width, g->kernelWidth, g->strideWidth,
                                          g->padLeft, 1, -INFINITY, &masks);
        if (max_pool_same3_fits(g)) (wide ? max_pool_same3_512 : max_pool_same3_256)(g, input, output, c0, c1, lowest);
        else if (wide && pool3s2_pairs_fits(g)) max_pool3s2_pairs_512(g, input, output, c0, c1, lowest);
        else if (wide && pool3s2_fits(g)) {
            float *grid = ck_scratch_buffer(CK_SCRATCH_GRID, grid_floats(g));
            if (!grid) abort();  // the memory budget counts it (ck_pool_scratch_floats)
            max_pool3s2_512(g, input, output, c0, c1, lowest, (uint16_t *)(grid + divisor_floats(g)));
        } else if (!wide && pool3s2_fits(g)) max_pool3s2_256(g, input, output, c0, c1, lowest);
        else (wide ? pool_planes_512 : pool_planes_256)(g, input, output, c0, c1, lowest, masks, NULL);
        return;
    }
#endif
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

size_t ck_pool_scratch_floats(const ck_pool_desc *g) {
    return row_scratch_floats(g->width, g->outWidth, g->kernelWidth) + grid_floats(g);
}

void ck_average_pool(const ck_pool_desc *g, const float *input, float *output, int c0, int c1) {
    // input (C, H, W) -> output (C, OH, OW)
    if (g->outHeight <= 0 || g->outWidth <= 0) return;
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX2 && pool_vector_fits(g)) {
        // a row of zeros for the rows above and below the plane, the edge vectors' masks, each column's factor
        const int wide = ck_isa() >= CK_ISA_AVX512;
        const uint16_t *masks;
        if (pool_whole_plane_fits(g)) {
            (g->width <= 8 ? average_pool_whole8 : wide ? average_pool_whole_512 : average_pool_whole_256)(g, input, output,
                                                                                                        c0, c1);
            return;
        }
        const float *zeros = row_scratch(wide ? 16 : 8, g->outWidth, g->width, g->kernelWidth, g->strideWidth,
                                         g->padLeft, 1, 0.0f, &masks);
        float *divisors = ck_scratch_buffer(CK_SCRATCH_GRID, grid_floats(g));
        if (!divisors) abort();  // the memory budget counts it (ck_pool_scratch_floats)
        for (size_t ox = 0; ox < divisor_floats(g); ox++)
            divisors[ox] = ox < (size_t)g->outWidth ? (float)pool_factor((int)ox, g->strideWidth, g->padLeft,
                                                                         g->kernelWidth, g->width, g->excludePadding)
                                                    : 1.0f;
        if (wide && pool3s2_pairs_fits(g)) average_pool3s2_pairs_512(g, input, output, c0, c1, zeros, divisors);
        else if (wide && pool3s2_fits(g))
            average_pool3s2_512(g, input, output, c0, c1, zeros, (uint16_t *)(divisors + divisor_floats(g)), divisors);
        else if (!wide && pool3s2_fits(g)) average_pool3s2_256(g, input, output, c0, c1, zeros, divisors);
        else (wide ? pool_planes_512 : pool_planes_256)(g, input, output, c0, c1, zeros, masks, divisors);
        return;
    }
#endif
    for (int c = c0; c < c1; c++)
        pool_plane(g, input + (size_t)c * g->height * g->width, output + (size_t)c * g->outHeight * g->outWidth, 1);
}

// Global average pooling (ResNet-50's pool5, SqueezeNet's pool10, MobileNetV2's pool, NIN's pool3): each plane's
// values in four partial sums by index mod 4, each added in order from 0, then (p0 + p1) + (p2 + p3), the last
// planeSize mod 4 values in order, and one division — the order of the Swift loop it replaces, so the same bits on
// every instruction set. Eight planes at a time, a 4-float vector each: eight independent chains of adds instead of
// one plane's four scalar ones; their last steps run four planes a vector after a 4×4 transpose (the last values
// from a load ending at each plane's end). In the networks (1 thread, AMD EPYC Zen 4, per-node minima of 8
// alternating processes): ResNet-50's pool5 0.018 → 0.011 ms, SqueezeNet's pool10 0.030 → 0.016, MobileNetV2's pool
// 0.011 → 0.006 (alone, warm: 15.9 → 6.0 µs, 27.2 → 9.0, 9.9 → 3.8).
typedef float gap_f4 __attribute__((vector_size(16)));
static inline gap_f4 gap_load4(const float *p) {
    gap_f4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void gap_transpose4(gap_f4 v[4]) {
    const gap_f4 t0 = __builtin_shufflevector(v[0], v[1], 0, 4, 1, 5), t1 = __builtin_shufflevector(v[0], v[1], 2, 6, 3, 7);
    const gap_f4 t2 = __builtin_shufflevector(v[2], v[3], 0, 4, 1, 5), t3 = __builtin_shufflevector(v[2], v[3], 2, 6, 3, 7);
    v[0] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
    v[1] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
    v[2] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
    v[3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}
// The means of four planes of n ≥ 4 values from x on, given their partial sums p (`whole` values summed).
static inline void gap_means4(gap_f4 p[4], const float *x, int n, int whole, float *out) {
    gap_transpose4(p);
    gap_f4 sum = (p[0] + p[1]) + (p[2] + p[3]);
    if (whole < n) {
        gap_f4 last[4];
        for (int j = 0; j < 4; j++) last[j] = gap_load4(x + (size_t)(j + 1) * n - 4);
        gap_transpose4(last);
        for (int k = 4 - (n - whole); k < 4; k++) sum += last[k];
    }
    sum /= (gap_f4){(float)n, (float)n, (float)n, (float)n};
    memcpy(out, &sum, sizeof sum);
}
// One plane's mean from its partial sums.
static inline float gap_mean(gap_f4 partial, const float *x, int n, int i) {
    float sum = (partial[0] + partial[1]) + (partial[2] + partial[3]);
    for (; i < n; i++) sum += x[i];
    return n > 0 ? sum / (float)n : 0.0f;
}

// AVX encodings take each load into its add (SSE's addps wants an aligned operand): 11 instructions a step of
// eight planes instead of 19.
__attribute__((target_clones("avx2", "default"))) static void gap_planes(const float *input, float *output,
                                                                         int planeSize, int c0, int c1) {
    const size_t n = planeSize > 0 ? (size_t)planeSize : 0;
    const int whole = planeSize > 0 ? planeSize / 4 * 4 : 0;
    int c = c0;
    for (; planeSize >= 4 && c + 8 <= c1; c += 8) {
        const float *x = input + (size_t)c * n;
        gap_f4 p[8] = {{0}};
        for (int i = 0; i < whole; i += 4) {
            p[0] += gap_load4(x + i);
            p[1] += gap_load4(x + n + i);
            p[2] += gap_load4(x + 2 * n + i);
            p[3] += gap_load4(x + 3 * n + i);
            p[4] += gap_load4(x + 4 * n + i);
            p[5] += gap_load4(x + 5 * n + i);
            p[6] += gap_load4(x + 6 * n + i);
            p[7] += gap_load4(x + 7 * n + i);
        }
        gap_means4(p, x, planeSize, whole, output + c);
        gap_means4(p + 4, x + 4 * n, planeSize, whole, output + c + 4);
    }
    for (; c < c1; c++) {
        const float *x = input + (size_t)c * n;
        gap_f4 p = {0};
        for (int i = 0; i < whole; i += 4) p += gap_load4(x + i);
        output[c] = gap_mean(p, x, planeSize, whole);
    }
}

void ck_global_average_pool(const float *input, float *output, int planeSize, int c0, int c1) {
    // input (C, planeSize) -> output (C)
    gap_planes(input, output, planeSize, c0, c1);
}

// ---------------------------------------------------------------------------------------------
// Backward passes: each output's gradient goes to the input values its window read. Planes are independent,
// so callers split by channels; within a plane the additions run in output order.

void ck_max_pool_backward(const ck_pool_desc *g, const float *input, const float *outGrad, float *inGrad, int c0,
                          int c1) {
    // input (C, H, W), outGrad (C, OH, OW) -> inGrad (C, H, W), overwritten
    const int H = g->height, W = g->width, OH = g->outHeight, OW = g->outWidth;
    for (int c = c0; c < c1; c++) {
        const float *plane = input + (size_t)c * H * W, *dy = outGrad + (size_t)c * OH * OW;
        float *dx = inGrad + (size_t)c * H * W;
        memset(dx, 0, (size_t)H * W * sizeof(float));
        for (int oy = 0; oy < OH; oy++) {
            const int y0 = oy * g->strideHeight - g->padTop;
            const int ys = y0 > 0 ? y0 : 0, ye = y0 + g->kernelHeight < H ? y0 + g->kernelHeight : H;
            for (int ox = 0; ox < OW; ox++) {
                const int x0 = ox * g->strideWidth - g->padLeft;
                const int xs = x0 > 0 ? x0 : 0, xe = x0 + g->kernelWidth < W ? x0 + g->kernelWidth : W;
                if (ye <= ys || xe <= xs) continue;  // a window of padding only: its output is a constant 0
                // the first maximum in row-major order, as PyTorch's max_pool2d picks it
                size_t best = (size_t)ys * W + xs;
                float top = plane[best];
                for (int y = ys; y < ye; y++) {
                    const float *row = plane + (size_t)y * W;
                    for (int x = xs; x < xe; x++)
                        if (row[x] > top) {
                            top = row[x];
                            best = (size_t)y * W + x;
                        }
                }
                dx[best] += dy[(size_t)oy * OW + ox];
            }
        }
    }
}

void ck_average_pool_backward(const ck_pool_desc *g, const float *outGrad, float *inGrad, int c0, int c1) {
    // outGrad (C, OH, OW) -> inGrad (C, H, W), overwritten; the divisor as in ck_average_pool
    const int H = g->height, W = g->width, OH = g->outHeight, OW = g->outWidth;
    for (int c = c0; c < c1; c++) {
        const float *dy = outGrad + (size_t)c * OH * OW;
        float *dx = inGrad + (size_t)c * H * W;
        memset(dx, 0, (size_t)H * W * sizeof(float));
        for (int oy = 0; oy < OH; oy++) {
            const int y0 = oy * g->strideHeight - g->padTop, row_factor = pool_row_factor(g, oy);
            const int ys = y0 > 0 ? y0 : 0, ye = y0 + g->kernelHeight < H ? y0 + g->kernelHeight : H;
            for (int ox = 0; ox < OW; ox++) {
                const int x0 = ox * g->strideWidth - g->padLeft;
                const int xs = x0 > 0 ? x0 : 0, xe = x0 + g->kernelWidth < W ? x0 + g->kernelWidth : W;
                const int divisor =
                    row_factor * pool_factor(ox, g->strideWidth, g->padLeft, g->kernelWidth, W, g->excludePadding);
                if (divisor <= 0) continue;
                const float share = dy[(size_t)oy * OW + ox] / (float)divisor;
                for (int y = ys; y < ye; y++)
                    for (int x = xs; x < xe; x++) dx[(size_t)y * W + x] += share;
            }
        }
    }
}
