// Convolutions on the blocked layout (NCHW8c) on AVX2+FMA: register tiles of up to 4 output blocks (32 channels) ×
// 3 positions (12 accumulators, 3 broadcasts and one weight vector: 16 ymm registers), or more positions for fewer
// blocks (3 × 4, 2 × 6, 1 × 8), as MLAS's SconvKernelFma3. Each value takes the portable loop's FMAs in its order
// (conv_blocked.c): the same bits.
//
// A call walks groups of 4 output blocks, bands of output rows and groups of input blocks whose weights for the 4
// output blocks fit in L1; the partial sums of a band live in per-thread scratch between input-block groups (so
// each output value is written once, after the last group, with the epilogue: the addend may be the output itself).
// Inside a band, positions whose taps inside the input are the same window (kernel rows ky0 ..< ky1, columns kx0 ..<
// kx1) run as one kind: the interior as runs along rows (across row ends where the input rows follow each other, as
// a 1×1 at stride 1), the few columns at the row ends that reach into the padding as runs down the band's rows, the
// rows in the padding as runs along them. No padding copy, no masks. On maps of one band the next pass's weights
// are prefetched into L2 while a pass runs (`aim_prefetch`).
#include "conv_blocked.h"
#include <stdlib.h>

#ifdef CK_X86
enum { BT_MAX_BLOCKS = 4, BT_MAX_POSITIONS = 8 };

// Positions a tile of `blocks` output blocks holds at most: 12 accumulators for 2–4 blocks, 8 for one (enough
// FMAs in flight for their latency).
static const int tile_positions[BT_MAX_BLOCKS + 1] = {0, 8, 6, 4, 3};

/// One tile: NP positions × NB output blocks over the taps of one window and one group of input blocks.
typedef struct {
    const float *x;       // the input at the first position's first tap (first input block, ky0, kx0)
    long step;            // input floats from one position to the next
    int blocks, rows, cols;  // input blocks, kernel rows, kernel columns the taps cover
    long plane, row;      // input floats between input blocks, between input rows
    const float *w;       // the first output block's weights at the first tap
    long wblock, wplane, wrow;  // weight floats between output blocks, between input blocks, between kernel rows
    const float *from;    // the partial sums to start from (NULL: the bias, or zero)
    long from_block;      // floats between output blocks of `from`
    const float *bias;    // the first output block's bias, or NULL
    float *to;            // where the sums go: the output (last group) or scratch
    long to_block;        // floats between output blocks of `to` (and of `addend`)
    long to_step;         // floats between positions of `from`, `to` and `addend`
    const float *addend;  // the last group's addend (laid out as `to`), or NULL
    ck_activation activation;  // the last group's activation (none for partial sums)
} bt_tile;

// The taps of one kernel position (ky, kx) of one input block: for each input channel ic of the block, every
// position's input value broadcast times the 8-channel weight row of each output block. Up to 3 positions keep
// their broadcasts in registers and stream the weights (one load for 3 FMAs); more keep the NB weight vectors and
// stream the broadcasts.
// One position of a tile that keeps the weight vectors in registers: its input value broadcast, then one FMA per
// output block. Inline asm: from intrinsics clang loaded the next channel's broadcasts and weights early and
// spilled accumulators to the stack (3 blocks × 4 positions, 1 × 8).
__attribute__((target("avx2,fma"), always_inline)) static inline void broadcast_fmas(__m256 c[BT_MAX_BLOCKS],
                                                                                     const float *x,
                                                                                     const __m256 wv[BT_MAX_BLOCKS],
                                                                                     const int NB) {
    __m256 b;
    if (NB == 1)
        __asm__("vbroadcastss %[x], %[b]\n\tvfmadd231ps %[w0], %[b], %[c0]"
                : [b] "=&x"(b), [c0] "+x"(c[0])
                : [x] "m"(*x), [w0] "x"(wv[0]));
    else if (NB == 2)
        __asm__("vbroadcastss %[x], %[b]\n\tvfmadd231ps %[w0], %[b], %[c0]\n\tvfmadd231ps %[w1], %[b], %[c1]"
                : [b] "=&x"(b), [c0] "+x"(c[0]), [c1] "+x"(c[1])
                : [x] "m"(*x), [w0] "x"(wv[0]), [w1] "x"(wv[1]));
    else
        __asm__("vbroadcastss %[x], %[b]\n\tvfmadd231ps %[w0], %[b], %[c0]\n\tvfmadd231ps %[w1], %[b], %[c1]\n\t"
                "vfmadd231ps %[w2], %[b], %[c2]"
                : [b] "=&x"(b), [c0] "+x"(c[0]), [c1] "+x"(c[1]), [c2] "+x"(c[2])
                : [x] "m"(*x), [w0] "x"(wv[0]), [w1] "x"(wv[1]), [w2] "x"(wv[2]));
}

__attribute__((target("avx2,fma"), always_inline)) static inline void
tile_tap(__m256 c[BT_MAX_POSITIONS][BT_MAX_BLOCKS], const float *x, long step, const float *w, long wblock,
         const int NB, const int NP) {
    for (int ic = 0; ic < CK_BLOCK; ic++) {
        if (NP <= 3) {
            __m256 b[3];
            for (int i = 0; i < NP; i++) b[i] = _mm256_broadcast_ss(x + i * step + ic);
            for (int o = 0; o < NB; o++) {
                const __m256 wv = _mm256_loadu_ps(w + o * wblock + ic * CK_BLOCK);
                for (int i = 0; i < NP; i++) c[i][o] = _mm256_fmadd_ps(b[i], wv, c[i][o]);
            }
        } else {
            __m256 wv[BT_MAX_BLOCKS];
            for (int o = 0; o < NB; o++) wv[o] = _mm256_loadu_ps(w + o * wblock + ic * CK_BLOCK);
            for (int i = 0; i < NP; i++) broadcast_fmas(c[i], x + i * step + ic, wv, NB);
        }
    }
}

__attribute__((target("avx2,fma"), always_inline)) static inline void tile_body(const bt_tile *t, const int NB,
                                                                                const int NP) {
    __m256 c[BT_MAX_POSITIONS][BT_MAX_BLOCKS];
    for (int i = 0; i < NP; i++)
        for (int o = 0; o < NB; o++)
            c[i][o] = t->from ? _mm256_loadu_ps(t->from + o * t->from_block + i * t->to_step)
                      : t->bias ? _mm256_loadu_ps(t->bias + o * CK_BLOCK)
                                : _mm256_setzero_ps();
    const float *xb = t->x, *wb = t->w;
    for (int ib = 0; ib < t->blocks; ib++, xb += t->plane, wb += t->wplane) {
        const float *xr = xb, *wr = wb;
        for (int ky = 0; ky < t->rows; ky++, xr += t->row, wr += t->wrow) {
            const float *xt = xr, *wt = wr;
            for (int kx = 0; kx < t->cols; kx++, xt += CK_BLOCK, wt += CK_BLOCK * CK_BLOCK)
                tile_tap(c, xt, t->step, wt, t->wblock, NB, NP);
        }
    }
    for (int i = 0; i < NP; i++)
        for (int o = 0; o < NB; o++) {
            const long at = o * t->to_block + i * t->to_step;
            __m256 v = c[i][o];
            if (t->addend) v = _mm256_add_ps(v, _mm256_loadu_ps(t->addend + at));
            _mm256_storeu_ps(t->to + at, ck_activate8(v, t->activation));
        }
}

typedef void (*tile_fn)(const bt_tile *t);
#define BT_TILE(NB, NP)                                                                                               \
    __attribute__((target("avx2,fma"))) static void tile_##NB##_##NP(const bt_tile *t) { tile_body(t, NB, NP); }
BT_TILE(1, 1) BT_TILE(1, 2) BT_TILE(1, 3) BT_TILE(1, 4) BT_TILE(1, 5) BT_TILE(1, 6) BT_TILE(1, 7) BT_TILE(1, 8)
BT_TILE(2, 1) BT_TILE(2, 2) BT_TILE(2, 3) BT_TILE(2, 4) BT_TILE(2, 5) BT_TILE(2, 6)
BT_TILE(3, 1) BT_TILE(3, 2) BT_TILE(3, 3) BT_TILE(3, 4)
BT_TILE(4, 1) BT_TILE(4, 2) BT_TILE(4, 3)
// [output blocks][positions]
static const tile_fn tiles[BT_MAX_BLOCKS + 1][BT_MAX_POSITIONS + 1] = {
    [1] = {NULL, tile_1_1, tile_1_2, tile_1_3, tile_1_4, tile_1_5, tile_1_6, tile_1_7, tile_1_8},
    [2] = {NULL, tile_2_1, tile_2_2, tile_2_3, tile_2_4, tile_2_5, tile_2_6},
    [3] = {NULL, tile_3_1, tile_3_2, tile_3_3, tile_3_4},
    [4] = {NULL, tile_4_1, tile_4_2, tile_4_3},
};

/// A call's fixed parts: the geometry, the group of output blocks, the band of rows and the input-block group.
typedef struct {
    const ck_conv_desc *g;
    const float *input, *packed, *bias, *addend;
    float *output, *scratch;
    ck_activation activation;
    int nb, ob0, ib0, blocks, r0, band, first, last;
    // The next pass's weights (`aim_prefetch`): one stream of `next_bytes` (a multiple of 64) an output block,
    // `next_stride` bytes apart, prefetched into L2 `next_lines` lines after each tile.
    const char *next;     // the next line to prefetch
    long next_left;       // bytes left of its stream
    int next_stream, next_streams;
    long next_stride, next_bytes;
    int next_lines;
} bt_pass;

// Prefetches the next `p->next_lines` lines of the next pass's weights into L2.
static void prefetch_next(bt_pass *p) {
    for (int k = 0; k < p->next_lines && p->next_stream < p->next_streams; k++) {
        _mm_prefetch(p->next, _MM_HINT_T1);
        p->next += 64, p->next_left -= 64;
        if (p->next_left == 0 && ++p->next_stream < p->next_streams)
            p->next += p->next_stride - p->next_bytes, p->next_left = p->next_bytes;
    }
}

// The window of kernel taps inside the input for output row oy (rows) or column ox (columns): [*k0, *k1).
static void tap_window(int o, int stride, int pad, int kernel, int size, int *k0, int *k1) {
    const int at = o * stride - pad;
    *k0 = at < 0 ? -at : 0;
    *k1 = size - at < kernel ? size - at : kernel;
    if (*k1 < *k0) *k1 = *k0;
}

// A run of n positions from output (oy, ox) on, `in_step` input floats and `out_step` output floats apart, all with
// the taps ky0 ..< ky1, kx0 ..< kx1: tiles of nearly equal sizes (25 positions of 3-position tiles: 7 × 3 + 2 × 2,
// not 8 × 3 + 1, whose one-position tile would be latency-bound).
static void run_positions(bt_pass *p, int oy, int ox, int n, long in_step, long out_step, int ky0, int ky1,
                          int kx0, int kx1) {
    const ck_conv_desc *g = p->g;
    const int CB = g->channels / CK_BLOCK, KH = g->kernelHeight, KW = g->kernelWidth, OW = g->outWidth;
    const long taps = (long)KH * KW, plane = (long)g->outHeight * OW * CK_BLOCK;
    const long band_block = (long)p->band * OW * CK_BLOCK;
    const int most = tile_positions[p->nb], count = (n + most - 1) / most;
    bt_tile t = {
        .x = p->input + (((long)p->ib0 * g->height + (long)oy * g->strideHeight - g->padTop + ky0) * g->width +
                         (long)ox * g->strideWidth - g->padLeft + kx0) * CK_BLOCK,
        .step = in_step,
        .blocks = p->blocks,
        .rows = ky1 - ky0,
        .cols = kx1 - kx0,
        .plane = (long)g->height * g->width * CK_BLOCK,
        .row = (long)g->width * CK_BLOCK,
        .w = p->packed + (((long)p->ob0 * CB + p->ib0) * taps + (long)ky0 * KW + kx0) * CK_BLOCK * CK_BLOCK,
        .wblock = (long)CB * taps * CK_BLOCK * CK_BLOCK,
        .wplane = taps * CK_BLOCK * CK_BLOCK,
        .wrow = (long)KW * CK_BLOCK * CK_BLOCK,
        .from = p->first ? NULL : p->scratch + ((long)(oy - p->r0) * OW + ox) * CK_BLOCK,
        .from_block = band_block,
        .bias = p->bias ? p->bias + p->ob0 * CK_BLOCK : NULL,
        .to_step = out_step,
    };
    if (p->last) {
        const long at = ((long)p->ob0 * g->outHeight * OW + (long)oy * OW + ox) * CK_BLOCK;
        t.to = p->output + at, t.to_block = plane;
        t.addend = p->addend ? p->addend + at : NULL, t.activation = p->activation;
    } else {
        t.to = p->scratch + ((long)(oy - p->r0) * OW + ox) * CK_BLOCK, t.to_block = band_block;
        t.activation = ck_no_activation;
    }
    for (int k = 0; k < count; k++) {
        const int size = n / count + (k < n % count);
        tiles[p->nb][size](&t);
        prefetch_next(p);
        t.x += size * in_step;
        if (t.from) t.from += size * out_step;
        t.to += size * out_step;
        if (t.addend) t.addend += size * out_step;
    }
}

// Rows oy0 ..< oy1 (one kind: the same kernel rows ky0 ..< ky1) of one pass, column kinds in turn.
static void run_rows(bt_pass *p, int oy0, int oy1, int ky0, int ky1) {
    const ck_conv_desc *g = p->g;
    const int OW = g->outWidth, sh = g->strideHeight, sw = g->strideWidth;
    const long along = (long)sw * CK_BLOCK, down = (long)sh * g->width * CK_BLOCK;
    for (int ox0 = 0, ox1; ox0 < OW; ox0 = ox1) {
        int kx0, kx1, a, b;
        tap_window(ox0, sw, g->padLeft, g->kernelWidth, g->width, &kx0, &kx1);
        for (ox1 = ox0 + 1; ox1 < OW; ox1++) {
            tap_window(ox1, sw, g->padLeft, g->kernelWidth, g->width, &a, &b);
            if (a != kx0 || b != kx1) break;
        }
        const int width = ox1 - ox0, height = oy1 - oy0;
        if (width == OW && down == (long)OW * along)  // rows follow each other in the input: one run
            run_positions(p, oy0, 0, height * OW, along, CK_BLOCK, ky0, ky1, kx0, kx1);
        else if (width >= height)
            for (int oy = oy0; oy < oy1; oy++) run_positions(p, oy, ox0, width, along, CK_BLOCK, ky0, ky1, kx0, kx1);
        else
            for (int ox = ox0; ox < ox1; ox++)
                run_positions(p, oy0, ox, height, down, (long)OW * CK_BLOCK, ky0, ky1, kx0, kx1);
    }
}

// One pass: the band's rows r0 ..< r1 for one group of output blocks and one group of input blocks, row kinds in
// turn.
static void run_pass(bt_pass *p, int r1) {
    const ck_conv_desc *g = p->g;
    for (int oy0 = p->r0, oy1; oy0 < r1; oy0 = oy1) {
        int ky0, ky1, a, b;
        tap_window(oy0, g->strideHeight, g->padTop, g->kernelHeight, g->height, &ky0, &ky1);
        for (oy1 = oy0 + 1; oy1 < r1; oy1++) {
            tap_window(oy1, g->strideHeight, g->padTop, g->kernelHeight, g->height, &a, &b);
            if (a != ky0 || b != ky1) break;
        }
        run_rows(p, oy0, oy1, ky0, ky1);
    }
}

// Aims the pass's prefetches at the next pass's weights (the next input-block group's, or after the last one the
// next group of output blocks' first), spread over the pass's tiles; only when the call is one band (the map of
// at most 256 positions: ResNet's res4/res5 3×3s), whose weights are read once a call, from memory in a network.
// Wider maps' bands read the same weights again from L2, and their ~100 tiles a pass leave the hardware prefetcher
// time. AVX2 on AMD EPYC Zen 4 family 25 model 17, AVX-512 masked, 1 thread, each call after the caches were
// flushed and the input read again (the weights cold, as in a network), minima of 11, before → after: 3×3 512→512
// on 7×7 3.28–3.35 → 2.97–3.10 ms, 3×3/2 512→512 14→7 3.40–3.52 → 3.10–3.11, 192→384 on 7×7 0.906–0.922 →
// 0.791–0.813, 256→256 on 14×14 2.79 → 2.73, 3×3/2 256→256 28→14 3.16–3.21 → 3.07–3.10, 5×5 32→128 on 14×14 0.473–
// 0.485 → 0.460–0.466; with warm caches alike (±1 %); prefetching on every band too cost wider maps ~1 % (28×28).
static void aim_prefetch(bt_pass *p, int r1, int group, int b1, int one_band) {
    const ck_conv_desc *g = p->g;
    const int CB = g->channels / CK_BLOCK;
    const long tap_bytes = (long)g->kernelHeight * g->kernelWidth * CK_BLOCK * CK_BLOCK * 4;
    int ob = p->ob0, ib = p->ib0 + p->blocks;
    if (ib == CB) ob += p->nb, ib = 0;
    p->next_stream = p->next_streams = 0;
    if (ob >= b1 || !one_band) return;
    const int blocks = CB - ib < group ? CB - ib : group;
    p->next_streams = b1 - ob < BT_MAX_BLOCKS ? b1 - ob : BT_MAX_BLOCKS;
    p->next_stride = CB * tap_bytes, p->next_bytes = p->next_left = blocks * tap_bytes;
    p->next = (const char *)p->packed + ((long)ob * CB + ib) * tap_bytes;
    const long lines = p->next_streams * p->next_bytes / 64;
    const long tiles = (long)(r1 - p->r0) * g->outWidth / tile_positions[p->nb] + 1;
    p->next_lines = (int)(lines / tiles + 1);
}

// Weight bytes of 4 output blocks an input-block group may take (they stay in L1 while the band's positions run):
// 3 input blocks of a 3×3, 16 of a 1×1. AVX2 on AMD EPYC Zen 4 family 25 model 17, AVX-512 masked, 1 thread, one
// process, 11 alternating calls, minima, % of the 91.1 GFLOP/s peak, budgets 16 / 24 / 32 / 48 KB: ResNet's 3×3
// 64→64 on 56×56 90.6 / 94.3 / 96.3 / 95.7, 128→128 on 28×28 91.5 / 92.8 / 94.7 / 94.7, 3×3/2 128→128 86.3 / 89.6 /
// 90.6 / 89.7, 256→256 on 14×14 93.0 / 96.8 / 98.6 / 98.6, 512→512 on 7×7 74.9 / 79.6 / 82.0 / 79.4; the 1×1s
// alike or best at 16 KB (256→64 on 56×56 91.0 / 90.7 / 81.6 / 86.5, 512→128 on 28×28 92.1 / 90.6 / 90.4 / 90.0).
// A band of about 256 positions (5 rows of 56) keeps its partial sums (32 KB for 4 blocks) near.
enum { BT_GROUP_WEIGHT_BYTES = 32 * 1024, BT_POINTWISE_WEIGHT_BYTES = 16 * 1024, BT_BAND_POSITIONS = 256 };

// The input-block groups a call runs (their weights for 4 output blocks within the budget above).
static int bt_input_groups(const ck_conv_desc *g) {
    const int CB = g->channels / CK_BLOCK;
    const long block_bytes = (long)BT_MAX_BLOCKS * g->kernelHeight * g->kernelWidth * CK_BLOCK * CK_BLOCK * 4;
    const long budget = g->kernelHeight * g->kernelWidth == 1 ? BT_POINTWISE_WEIGHT_BYTES : BT_GROUP_WEIGHT_BYTES;
    int per = (int)(budget / block_bytes);
    if (per < 1) per = 1;
    return (CB + per - 1) / per;
}

// Output rows of a band: about BT_BAND_POSITIONS positions, at most the `rows` a call covers.
static int bt_band_rows(const ck_conv_desc *g, int rows) {
    const int band = (BT_BAND_POSITIONS + g->outWidth - 1) / g->outWidth;
    return band < rows ? band : rows;
}

size_t ck_blocked_conv_scratch_floats_avx2(const ck_conv_desc *g) {
    if (bt_input_groups(g) < 2) return 0;
    return (size_t)BT_MAX_BLOCKS * bt_band_rows(g, g->outHeight) * g->outWidth * CK_BLOCK;
}

void ck_blocked_conv_rows_avx2(const ck_conv_desc *g, const float *input, const float *packed, const float *bias,
                               float *output, int oy0, int oy1, int b0, int b1, ck_output_epilogue e) {
    const int CB = g->channels / CK_BLOCK, OW = g->outWidth;
    const int groups = bt_input_groups(g), group = (CB + groups - 1) / groups;
    const int band = bt_band_rows(g, oy1 - oy0);
    if (band < 1) return;
    float *scratch = groups > 1 ? ck_scratch_buffer(CK_SCRATCH_GRID, (size_t)BT_MAX_BLOCKS * band * OW * CK_BLOCK)
                                : NULL;
    if (groups > 1 && !scratch) abort();
    bt_pass p = {.g = g, .input = input, .packed = packed, .bias = bias, .addend = e.addend, .output = output,
                 .scratch = scratch, .activation = e.activation, .band = band};
    for (p.ob0 = b0; p.ob0 < b1; p.ob0 += p.nb) {
        p.nb = b1 - p.ob0 < BT_MAX_BLOCKS ? b1 - p.ob0 : BT_MAX_BLOCKS;
        for (p.r0 = oy0; p.r0 < oy1; p.r0 += band) {
            const int r1 = p.r0 + band < oy1 ? p.r0 + band : oy1;
            for (p.ib0 = 0; p.ib0 < CB; p.ib0 += group) {
                p.blocks = CB - p.ib0 < group ? CB - p.ib0 : group;
                p.first = p.ib0 == 0, p.last = p.ib0 + p.blocks == CB;
                aim_prefetch(&p, r1, group, b1, band == oy1 - oy0);
                run_pass(&p, r1);
            }
        }
    }
}

void ck_reorder_blocked_avx2(long positions, const float *input, float *output, int b0, int b1, int to) {
    // A block's 8 planes (8 rows of `positions`) and its blocked (positions, 8) start at the same offset.
    const long ld_in = to ? positions : CK_BLOCK, ld_out = to ? CK_BLOCK : positions;
    const long in_step = to ? 1 : CK_BLOCK, out_step = to ? CK_BLOCK : 1;
    for (int b = b0; b < b1; b++) {
        const float *from = input + (long)b * CK_BLOCK * positions;
        float *into = output + (long)b * CK_BLOCK * positions;
        long p = 0;
        for (; p + 8 <= positions; p += 8) ck_transpose8_copy(from + p * in_step, ld_in, into + p * out_step, ld_out);
        for (; p < positions; p++)
            for (int j = 0; j < CK_BLOCK; j++) {
                if (to) into[p * CK_BLOCK + j] = from[j * positions + p];
                else into[j * positions + p] = from[p * CK_BLOCK + j];
            }
    }
}
#endif
