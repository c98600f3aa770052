// Pools on the blocked layout (NCHW8c: (C/8, H, W, 8), ckernels.h): max, average and global average pooling, so an
// inference plan's activations stay blocked through the pools between its convs. Every lane of a vector is a
// channel, so each output position is one vector whatever the map's width (no masks, no edge lanes). The portable
// loops define the bits, window by window; the AVX2 loops give the same bits with the planar vector paths' order
// (pool.c): a window column's fold down its rows, then the columns in order from the fill.
#include "ckernels_internal.h"
#include "pool_window.h"
#include <math.h>

// x86's maxps, which the planar vector pools fold with: a if a > b, else b (b when either is NaN).
static inline float maxps1(float a, float b) { return a > b ? a : b; }

// Output row oy's window rows ys ..< ye inside the input, of a window starting at row y0.
typedef struct {
    int y0, ys, ye;
} window_rows;
static inline window_rows rows_of(const ck_pool_desc *g, int oy) {
    const int y0 = oy * g->strideHeight - g->padTop;
    return (window_rows){y0, y0 > 0 ? y0 : 0, y0 + g->kernelHeight < g->height ? y0 + g->kernelHeight : g->height};
}
// Whether output column ox's window holds input columns.
static inline int columns_inside(const ck_pool_desc *g, int ox) {
    const int x0 = ox * g->strideWidth - g->padLeft;
    return x0 < g->width && x0 + g->kernelWidth > 0;
}
// An average's divisor at (oy, ox), as the planar pools compute it (row factor times column factor).
static inline float divisor_at(const ck_pool_desc *g, int oy, int ox) {
    return (float)(pool_factor(oy, g->strideHeight, g->padTop, g->kernelHeight, g->height, g->excludePadding) *
                   pool_factor(ox, g->strideWidth, g->padLeft, g->kernelWidth, g->width, g->excludePadding));
}

// One output position's 8 channels: the definition every instruction set follows (ckernels.h).
static void pool_position_portable(const ck_pool_desc *g, const float *x, float *out, int oy, int ox, int average) {
    const window_rows r = rows_of(g, oy);
    if (r.ye <= r.ys || !columns_inside(g, ox)) {
        for (int j = 0; j < CK_BLOCK; j++) out[j] = 0.0f;
        return;
    }
    const int x0 = ox * g->strideWidth - g->padLeft;
    const float fill = average ? 0.0f : -INFINITY;
    for (int j = 0; j < CK_BLOCK; j++) {
        float best = fill;
        for (int kx = 0; kx < g->kernelWidth; kx++) {
            const int ix = x0 + kx;
            float column = fill;
            for (int ky = 0; ky < g->kernelHeight; ky++) {
                const int iy = r.y0 + ky;
                const float v = iy >= 0 && iy < g->height && ix >= 0 && ix < g->width
                                    ? x[((size_t)iy * g->width + ix) * CK_BLOCK + j]
                                    : fill;
                column = ky == 0 ? v : average ? column + v : maxps1(column, v);
            }
            best = average ? best + column : maxps1(best, column);
        }
        out[j] = average ? best / divisor_at(g, oy, ox) : best;
    }
}

static void pool_portable(const ck_pool_desc *g, const float *input, float *output, int b0, int b1, int oy0, int oy1,
                          int average) {
    const size_t in_block = (size_t)g->height * g->width * CK_BLOCK, out_block = (size_t)g->outHeight * g->outWidth * CK_BLOCK;
    for (int b = b0; b < b1; b++)
        for (int oy = oy0; oy < oy1; oy++)
            for (int ox = 0; ox < g->outWidth; ox++)
                pool_position_portable(g, input + b * in_block,
                                       output + b * out_block + ((size_t)oy * g->outWidth + ox) * CK_BLOCK, oy, ox,
                                       average);
}

#ifdef CK_X86
enum { POOL_COLUMNS = 128 };  // window columns an output row's chunk folds at once (a 4 KB stack array)
// Bytes of input prefetched past the last row an output row's window reads, in pools striding down the rows (AVX2). The
// blocks of a call lie one after the other, so the rows the windows read, in output order, only move forward through
// the input: a cursor prefetches every line up to this distance past the current window, crossing into the next block
// as the rows do. The three rows a 3×3/2 window folds in registers are three streams 28 lines long (a 28-wide map)
// that restart two rows on at every output row, which the hardware prefetcher does not follow. AVX2 on AMD EPYC Zen 4
// (family 25 model 17, AVX-512 masked), 1 thread, input evicted to L3 (an 8 MB sweep between calls; in the networks
// the weights streaming through evict it so), minima of 60 alternating calls, without → with: GoogLeNet's pool3 480
// ch 28→14 93.8 → 47.4 µs, pool4 832 ch 14→7 57.8 → 25.4; from DRAM (a 64 MB sweep) pool3 101 → 72; distances 0,
// 512, 2048 and 4096 within noise of 1024, 8192 worse. In GoogLeNet, 1 thread, per-node minima of 6 alternating
// processes against the same tree without the cursor: pool3 0.078 → 0.062 ms (onnxruntime 0.052), pool4 0.029 → 0.029.
// Stride-1 pools gained from L3 alone (192 ch 28² 52.3 → 40.1 µs) but not in GoogLeNet (inception_3a/pool 1.10 of
// the time with the cursor), so they go without; their code is unchanged, yet inception_3a/pool and 3b measured
// 1.07–1.10 of the time in the network (0.046 → 0.051 ms), which their kernel alone does not show (0.94–1.00): not
// explained.
// Only inputs larger than a core's L2 (1 MB) are prefetched: a smaller one may sit there, where the prefetches only
// cost (pool4 832 ch 14→7, 650 KB, 0.029 → 0.032 ms in GoogLeNet at 1 thread).
enum { POOL_AHEAD = 1024, POOL_PREFETCH_FROM = 1 << 20 };

__attribute__((target("avx2,fma"), always_inline)) static inline __m256 pool_fold8(__m256 a, __m256 b, int average) {
    return average ? _mm256_add_ps(a, b) : _mm256_max_ps(a, b);
}

// The columns c0 ..< c0 + count of a chunk folded down the window's rows ys ..< ye into `columns`, columns outside the
// row the fill: three rows (a 3×3 window inside the plane's height) each column down them in registers, other counts
// a row at a time (a run of up to POOL_COLUMNS vectors of one row, then the next row's). A 3×3/2 chunk of 16 outputs
// fold down three rows a column at a time (three streams 3.5 KB apart on 112-wide maps) measured 1.8–2.0× the planar
// pool's time on 112→56, a row at a time in runs of 128 columns 1.08–1.16, three rows in registers over those runs
// 0.95–1.06 (AVX2 on AMD EPYC Zen 4 family 25 model 17, AVX-512 masked, bench/blocked-ab.sh, 1 thread). Each column
// folds from its first row, as the planar vector path's from a −∞ (max) or 0 (average) row above the plane gives the
// same bits (maxps(−∞, v) is v; 0 + v differs from v only in a zero's sign, which the sum across columns from 0
// erases). Rows past the plane's bottom are −∞ to a max: one maxps with −∞ (idempotent) stands for them, as it drops a
// NaN there as the planar path does.
__attribute__((target("avx2,fma"), always_inline)) static inline void
pool_columns8(const ck_pool_desc *g, const float *x, window_rows r, int c0, int count, __m256 fill, int average,
              __m256 *columns) {
    const int W = g->width, lo = c0 < 0 ? -c0 : 0, hi = W - c0 < count ? W - c0 : count;
    const size_t row = (size_t)W * CK_BLOCK;
    for (int i = 0; i < count; i++) columns[i] = fill;
    if (hi <= lo) return;
    const float *top = x + ((size_t)r.ys * W + c0) * CK_BLOCK;
    const int rows = r.ye - r.ys;
    if (rows == 3) {  // three rows (a 3×3 window inside the plane's height): each column folded in registers
        for (int i = lo; i < hi; i++) {
            const float *p = top + (size_t)i * CK_BLOCK;
            columns[i] = pool_fold8(pool_fold8(_mm256_loadu_ps(p), _mm256_loadu_ps(p + row), average),
                                    _mm256_loadu_ps(p + 2 * row), average);
        }
    } else {
        for (int i = lo; i < hi; i++) columns[i] = _mm256_loadu_ps(top + (size_t)i * CK_BLOCK);
        for (int y = 1; y < rows; y++)
            for (int i = lo; i < hi; i++)
                columns[i] = pool_fold8(columns[i], _mm256_loadu_ps(top + y * row + (size_t)i * CK_BLOCK), average);
    }
    if (!average && r.y0 + g->kernelHeight > g->height)
        for (int i = lo; i < hi; i++) columns[i] = _mm256_max_ps(columns[i], _mm256_set1_ps(-INFINITY));
}

// Outputs ox0 ..< ox1 of row oy of block x (KW and sw constants where inlined so): each input column their windows
// reach folded down the rows once into `columns` (columns outside the row the fill), then each output folds its
// window's columns from the fill. Outputs whose window holds no input column (outside [lo, hi)) give 0.
__attribute__((target("avx2,fma"), always_inline)) static inline void
pool_chunk8(const ck_pool_desc *g, const float *x, float *out, int oy, window_rows r, int ox0, int ox1, int lo, int hi,
            int KW, int sw, int average) {
    const int W = g->width, c0 = ox0 * sw - g->padLeft, count = (ox1 - 1 - ox0) * sw + KW;
    const __m256 fill = _mm256_set1_ps(average ? 0.0f : -INFINITY);
    const float row_factor = average ? (float)pool_factor(oy, g->strideHeight, g->padTop, g->kernelHeight, g->height,
                                                          g->excludePadding)
                                     : 1.0f;
    __m256 columns[POOL_COLUMNS];
    pool_columns8(g, x, r, c0, count, fill, average, columns);
    for (int ox = ox0; ox < ox1; ox++) {
        __m256 best = fill;
        const __m256 *window = columns + (ox - ox0) * sw;
        for (int kx = 0; kx < KW; kx++) best = pool_fold8(best, window[kx], average);
        if (ox < lo || ox >= hi) best = _mm256_setzero_ps();
        else if (average) {
            const int column_factor = pool_factor(ox, sw, g->padLeft, KW, W, g->excludePadding);
            best = _mm256_div_ps(best, _mm256_set1_ps(row_factor * (float)column_factor));
        }
        _mm256_storeu_ps(out + (size_t)ox * CK_BLOCK, best);
    }
}

// Moves the prefetch cursor `ahead` up to a window's first row `from` (not the rows of a split's other part), then
// prefetches every line from it to POOL_AHEAD bytes past the window's last row `to`, short of `last`.
__attribute__((target("avx2,fma"), always_inline)) static inline void prefetch_rows(const float **ahead, const float *from,
                                                                                    const float *to, const float *last) {
    const char *frontier = (const char *)to + POOL_AHEAD, *p = (const char *)(*ahead > from ? *ahead : from);
    if (frontier > (const char *)last) frontier = (const char *)last;
    for (; p < frontier; p += 64) _mm_prefetch(p, _MM_HINT_T0);
    *ahead = (const float *)p;
}

__attribute__((target("avx2,fma"), always_inline)) static inline void
pool_rows8(const ck_pool_desc *g, const float *input, float *output, int b0, int b1, int oy0, int oy1, int KW, int sw,
           int average, int prefetch) {
    const size_t in_block = (size_t)g->height * g->width * CK_BLOCK, out_block = (size_t)g->outHeight * g->outWidth * CK_BLOCK;
    const int OW = g->outWidth;
    // outputs a chunk takes: as many as their columns fit in POOL_COLUMNS
    const int chunk = (POOL_COLUMNS - KW) / sw + 1;
    int lo = 0, hi = OW;  // outputs [lo, hi) have input columns
    while (lo < OW && !columns_inside(g, lo)) lo++;
    while (hi > lo && !columns_inside(g, hi - 1)) hi--;
    const size_t row = (size_t)g->width * CK_BLOCK;
    const float *ahead = input, *const last = input + b1 * in_block;
    for (int b = b0; b < b1; b++)
        for (int oy = oy0; oy < oy1; oy++) {
            const float *x = input + b * in_block;
            float *out = output + b * out_block + (size_t)oy * OW * CK_BLOCK;
            const window_rows r = rows_of(g, oy);
            if (prefetch) prefetch_rows(&ahead, x + r.ys * row, x + r.ye * row, last);
            if (r.ye <= r.ys) {
                for (int ox = 0; ox < OW; ox++) _mm256_storeu_ps(out + (size_t)ox * CK_BLOCK, _mm256_setzero_ps());
                continue;
            }
            for (int ox = 0; ox < OW; ox += chunk)
                pool_chunk8(g, x, out, oy, r, ox, ox + chunk < OW ? ox + chunk : OW, lo, hi, KW, sw, average);
        }
}

// Whether a call prefetches its input (POOL_AHEAD): a pool striding down the rows whose input passes L2.
static inline int prefetch_pays(const ck_pool_desc *g, int b0, int b1) {
    return g->strideHeight > 1 && (size_t)(b1 - b0) * g->height * g->width * CK_BLOCK * sizeof(float) > POOL_PREFETCH_FROM;
}

// 3×3 windows at stride 1 and 2 across (every preset's pools but GoogLeNet's 7×7) with their loops unrolled; the
// stride-1 loop without the prefetch cursor, which those pools never take.
#define CK_DEFINE_POOL_AVX2(NAME, AVERAGE)                                                                           \
    __attribute__((target("avx2,fma"))) static void NAME(const ck_pool_desc *g, const float *input, float *output,  \
                                                        int b0, int b1, int oy0, int oy1) {                           \
        const int KW = g->kernelWidth, sw = g->strideWidth, prefetch = prefetch_pays(g, b0, b1);                    \
        if (KW == 3 && sw == 2) pool_rows8(g, input, output, b0, b1, oy0, oy1, 3, 2, AVERAGE, prefetch);            \
        else if (KW == 3 && sw == 1 && !prefetch) pool_rows8(g, input, output, b0, b1, oy0, oy1, 3, 1, AVERAGE, 0);  \
        else pool_rows8(g, input, output, b0, b1, oy0, oy1, KW, sw, AVERAGE, prefetch);                             \
    }
CK_DEFINE_POOL_AVX2(max_pool_avx2, 0)
CK_DEFINE_POOL_AVX2(average_pool_avx2, 1)
#undef CK_DEFINE_POOL_AVX2
#endif

// The pool of blocks b0 ..< b1, rows oy0 ..< oy1: AVX2 where its chunks' columns fit, else the portable loops.
static void pool_blocked(const ck_pool_desc *g, const float *input, float *output, int b0, int b1, int oy0, int oy1,
                         int average) {
    if (g->outWidth <= 0 || oy1 <= oy0) return;
#ifdef CK_X86
    if (ck_isa() >= CK_ISA_AVX2 && g->kernelWidth <= POOL_COLUMNS) {
        (average ? average_pool_avx2 : max_pool_avx2)(g, input, output, b0, b1, oy0, oy1);
        return;
    }
#endif
    pool_portable(g, input, output, b0, b1, oy0, oy1, average);
}

void ck_blocked_max_pool(const ck_pool_desc *g, const float *input, float *output, int b0, int b1, int oy0, int oy1) {
    pool_blocked(g, input, output, b0, b1, oy0, oy1, 0);
}

void ck_blocked_average_pool(const ck_pool_desc *g, const float *input, float *output, int b0, int b1, int oy0,
                             int oy1) {
    pool_blocked(g, input, output, b0, b1, oy0, oy1, 1);
}

// Global average pooling, one block's 8 channels: ck_global_average_pool's order (four partial sums by position mod
// 4, each from 0, then (p0 + p1) + (p2 + p3), the rest in order, one division), lane by lane.
static void global_average_portable(const float *x, float *out, int n) {
    const int whole = n / 4 * 4;
    for (int j = 0; j < CK_BLOCK; j++) {
        float p[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int i = 0; i < whole; i += 4)
            for (int k = 0; k < 4; k++) p[k] += x[(size_t)(i + k) * CK_BLOCK + j];
        float sum = (p[0] + p[1]) + (p[2] + p[3]);
        for (int i = whole; i < n; i++) sum += x[(size_t)i * CK_BLOCK + j];
        out[j] = n > 0 ? sum / (float)n : 0.0f;
    }
}

#ifdef CK_X86
// The same sums, a vector of 8 channels each: the four partial sums are four independent chains.
__attribute__((target("avx2,fma"))) static void global_average_avx2(const float *x, float *out, int n) {
    const int whole = n / 4 * 4;
    __m256 p0 = _mm256_setzero_ps(), p1 = p0, p2 = p0, p3 = p0;
    for (int i = 0; i < whole; i += 4) {
        const float *at = x + (size_t)i * CK_BLOCK;
        p0 = _mm256_add_ps(p0, _mm256_loadu_ps(at));
        p1 = _mm256_add_ps(p1, _mm256_loadu_ps(at + CK_BLOCK));
        p2 = _mm256_add_ps(p2, _mm256_loadu_ps(at + 2 * CK_BLOCK));
        p3 = _mm256_add_ps(p3, _mm256_loadu_ps(at + 3 * CK_BLOCK));
    }
    __m256 sum = _mm256_add_ps(_mm256_add_ps(p0, p1), _mm256_add_ps(p2, p3));
    for (int i = whole; i < n; i++) sum = _mm256_add_ps(sum, _mm256_loadu_ps(x + (size_t)i * CK_BLOCK));
    _mm256_storeu_ps(out, n > 0 ? _mm256_div_ps(sum, _mm256_set1_ps((float)n)) : _mm256_setzero_ps());
}
#endif

void ck_blocked_global_average_pool(const float *input, float *output, int planeSize, int b0, int b1) {
    const int n = planeSize > 0 ? planeSize : 0;
    for (int b = b0; b < b1; b++) {
        const float *x = input + (size_t)b * n * CK_BLOCK;
#ifdef CK_X86
        if (ck_isa() >= CK_ISA_AVX2) {
            global_average_avx2(x, output + (size_t)b * CK_BLOCK, n);
            continue;
        }
#endif
        global_average_portable(x, output + (size_t)b * CK_BLOCK, n);
    }
}
