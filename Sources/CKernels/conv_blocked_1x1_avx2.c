// 1×1 convolutions (pointwise, any stride, every tap inside the input) on the blocked layout (NCHW8c) on AVX2+FMA.
// Each value takes the portable loop's FMAs in its order (conv_blocked.c): bias or zero, then the input blocks and
// their channels in ascending order, then the addend and the activation: the same bits.
//
// Without the k×k kernel's window machinery (conv_blocked_avx2.c): a call walks bands of 256 output positions (runs
// across the row ends at any stride: each tile's 3 positions have their own input offsets), in each band groups of
// 4 output blocks, in each of those groups of 16 input blocks (16 KB of weights, in L1 while the band's positions
// run), the band's partial sums in per-thread scratch between input-block groups (so each output value is written
// once, after the last group, with the epilogue: the addend may be the output itself). Tiles of 4 output blocks ×
// 3 positions, one asm statement an input channel (3 broadcasts, 4 weight rows, 12 FMAs). Output blocks beyond the
// last whole group of 4 (≤ 24 output channels: the narrow 1×1s that already beat the planar GEMM) run on the general
// kernel.
//
// AVX2 on AMD EPYC Zen 4 family 25 model 17, AVX-512 masked, 1 thread (bench/pointwise-ab.sh, alternating calls,
// minima, % of the 91.1 GFLOP/s peak; the general kernel before → this one): ResNet-50's 64→256 on 56×56 86.2 →
// 93.9, 512→128 on 28×28 91.5 → 94.9, 1024→256 on 14×14 90.0 → 94.2, 512→2048 on 7×7 82.4 → 89.3, 1×1/2 256→512
// 56→28 77.8 → 86.6; MobileNetV2's 24→144 on 56×56 77.4 → 89.4, 32→192 on 28×28 83.2 → 94.0; NIN's 192→160 on
// 32×32 87.1 → 93.4. Input-block groups of 8 / 16 / 32 and bands of 96 / 192 / 384 positions: within ±1 % but for
// 8 blocks on bands of 384 (64→256: 73.7 %) and 32 blocks on 512→128 (93.0 against 95.3). At stride 2 tiles across
// the row ends (a cursor stepping each tile's 3 input offsets) rather than runs along each row: 1×1/2 256→512 56→28
// 0.94–0.97 of the time, 512→1024 28→14 0.98–0.99, 1024→2048 14→7 0.94–0.95 (7-wide rows ended in 2-position tiles).
// Input-block groups and bands in this order (band outermost: the band's input stays in L2 while the groups of 4
// output blocks turn over it).
#include "conv_blocked.h"
#include <stdlib.h>

#ifdef CK_X86
enum { PW_BLOCKS = 4, PW_POSITIONS = 3, PW_GROUP_BLOCKS = 16, PW_BAND_POSITIONS = 256 };

/// One tile: NP positions × 4 output blocks over one group of input blocks.
typedef struct {
    const float *x;       // the input at the first position's first input block
    long d1, d2;          // input floats from the first position to the second and the third
    long plane;           // input floats between input blocks
    int blocks;           // input blocks of the group
    const float *w;       // the first output block's weights for the group's first input block
    long wblock;          // weight floats between output blocks
    const float *from;    // the partial sums to start from (NULL: the bias, or zero)
    long from_block;      // floats between output blocks of `from`
    const float *bias;    // the first output block's bias, or NULL
    float *to;            // where the sums go: the output (last group) or scratch
    long to_block;        // floats between output blocks of `to` (and of `addend`)
    const float *addend;  // the last group's addend (laid out as `to`), or NULL
    ck_activation activation;  // the last group's activation (none for partial sums)
} pw_tile;

// One input channel's FMAs of a tile of 4 output blocks × NP positions: NP broadcasts, then each block's weight row
// once for NP FMAs. One asm statement: from intrinsics clang hoisted the next channel's loads and spilled an
// accumulator to the stack on each channel (47 % of the peak).
#define PW_FMA2(w, c0, c1)                                                                                            \
    "vmovups " w ", %[t]\n\tvfmadd231ps %[t], %[b0], " c0 "\n\tvfmadd231ps %[t], %[b1], " c1 "\n\t"
#define PW_FMA3(w, c0, c1, c2) PW_FMA2(w, c0, c1) "vfmadd231ps %[t], %[b2], " c2 "\n\t"
#define PW_FMA1(w, c0) "vfmadd231ps " w ", %[b0], " c0 "\n\t"

__attribute__((target("avx2,fma"), always_inline)) static inline void
pw_channel(__m256 c[3][4], const float *x, long d1, long d2, const float *w, long wblock, const int NP) {
    __m256 b0, b1, b2, t;
    if (NP == 3)
        __asm__("vbroadcastss %[x0], %[b0]\n\tvbroadcastss %[x1], %[b1]\n\tvbroadcastss %[x2], %[b2]\n\t"
                PW_FMA3("%[w0]", "%[c00]", "%[c10]", "%[c20]") PW_FMA3("%[w1]", "%[c01]", "%[c11]", "%[c21]")
                PW_FMA3("%[w2]", "%[c02]", "%[c12]", "%[c22]") PW_FMA3("%[w3]", "%[c03]", "%[c13]", "%[c23]")
                : [b0] "=&x"(b0), [b1] "=&x"(b1), [b2] "=&x"(b2), [t] "=&x"(t), [c00] "+x"(c[0][0]),
                  [c01] "+x"(c[0][1]), [c02] "+x"(c[0][2]), [c03] "+x"(c[0][3]), [c10] "+x"(c[1][0]),
                  [c11] "+x"(c[1][1]), [c12] "+x"(c[1][2]), [c13] "+x"(c[1][3]), [c20] "+x"(c[2][0]),
                  [c21] "+x"(c[2][1]), [c22] "+x"(c[2][2]), [c23] "+x"(c[2][3])
                : [x0] "m"(x[0]), [x1] "m"(x[d1]), [x2] "m"(x[d2]), [w0] "m"(*(const __m256 *)w),
                  [w1] "m"(*(const __m256 *)(w + wblock)), [w2] "m"(*(const __m256 *)(w + 2 * wblock)),
                  [w3] "m"(*(const __m256 *)(w + 3 * wblock)));
    else if (NP == 2)
        __asm__("vbroadcastss %[x0], %[b0]\n\tvbroadcastss %[x1], %[b1]\n\t" PW_FMA2("%[w0]", "%[c00]", "%[c10]")
                    PW_FMA2("%[w1]", "%[c01]", "%[c11]") PW_FMA2("%[w2]", "%[c02]", "%[c12]")
                        PW_FMA2("%[w3]", "%[c03]", "%[c13]")
                : [b0] "=&x"(b0), [b1] "=&x"(b1), [t] "=&x"(t), [c00] "+x"(c[0][0]), [c01] "+x"(c[0][1]),
                  [c02] "+x"(c[0][2]), [c03] "+x"(c[0][3]), [c10] "+x"(c[1][0]), [c11] "+x"(c[1][1]),
                  [c12] "+x"(c[1][2]), [c13] "+x"(c[1][3])
                : [x0] "m"(x[0]), [x1] "m"(x[d1]), [w0] "m"(*(const __m256 *)w),
                  [w1] "m"(*(const __m256 *)(w + wblock)), [w2] "m"(*(const __m256 *)(w + 2 * wblock)),
                  [w3] "m"(*(const __m256 *)(w + 3 * wblock)));
    else
        __asm__("vbroadcastss %[x0], %[b0]\n\t" PW_FMA1("%[w0]", "%[c00]") PW_FMA1("%[w1]", "%[c01]")
                    PW_FMA1("%[w2]", "%[c02]") PW_FMA1("%[w3]", "%[c03]")
                : [b0] "=&x"(b0), [c00] "+x"(c[0][0]), [c01] "+x"(c[0][1]), [c02] "+x"(c[0][2]),
                  [c03] "+x"(c[0][3])
                : [x0] "m"(x[0]), [w0] "m"(*(const __m256 *)w), [w1] "m"(*(const __m256 *)(w + wblock)),
                  [w2] "m"(*(const __m256 *)(w + 2 * wblock)), [w3] "m"(*(const __m256 *)(w + 3 * wblock)));
    (void)b1, (void)b2, (void)t;
}

__attribute__((target("avx2,fma"), always_inline)) static inline void pw_body(const pw_tile *t, const int NP) {
    __m256 c[3][4];
    for (int i = 0; i < NP; i++)
        for (int o = 0; o < 4; o++)
            c[i][o] = t->from ? _mm256_loadu_ps(t->from + o * t->from_block + i * CK_BLOCK)
                      : t->bias ? _mm256_loadu_ps(t->bias + o * CK_BLOCK)
                                : _mm256_setzero_ps();
    const float *x = t->x, *w = t->w;
    for (int ib = 0; ib < t->blocks; ib++, x += t->plane, w += CK_BLOCK * CK_BLOCK)
        for (int ic = 0; ic < CK_BLOCK; ic++) pw_channel(c, x + ic, t->d1, t->d2, w + ic * CK_BLOCK, t->wblock, NP);
    for (int i = 0; i < NP; i++)
        for (int o = 0; o < 4; o++) {
            const long at = o * t->to_block + i * CK_BLOCK;
            __m256 v = c[i][o];
            if (t->addend) v = _mm256_add_ps(v, _mm256_loadu_ps(t->addend + at));
            _mm256_storeu_ps(t->to + at, ck_activate8(v, t->activation));
        }
}

typedef void (*pw_fn)(const pw_tile *t);
__attribute__((target("avx2,fma"))) static void pw_1(const pw_tile *t) { pw_body(t, 1); }
__attribute__((target("avx2,fma"))) static void pw_2(const pw_tile *t) { pw_body(t, 2); }
__attribute__((target("avx2,fma"))) static void pw_3(const pw_tile *t) { pw_body(t, 3); }
static const pw_fn pw_tiles[4] = {NULL, pw_1, pw_2, pw_3};

/// A call's fixed parts.
typedef struct {
    const ck_conv_desc *g;
    const float *input, *packed, *bias, *addend;
    float *output, *scratch;
    ck_activation activation;
    int CB;
} pw_call;

/// Where a band's tiles read: output position (oy, ox)'s input float offset (block 0), stepped along the output
/// rows without a division (at stride 1 on a map as wide as the output, position p's offset is p · 8).
typedef struct {
    const ck_conv_desc *g;
    long oy, ox;
} pw_cursor;

static long pw_at(const pw_cursor *c) {
    return (c->oy * c->g->strideHeight * c->g->width + c->ox * c->g->strideWidth) * CK_BLOCK;
}

static void pw_next(pw_cursor *c) {
    if (++c->ox == c->g->outWidth) c->ox = 0, c->oy++;
}

// The band's positions p0 ..< p1 (one run across the row ends) of output blocks ob0 ..< ob0 + 4 over input blocks
// ib0 ..< ib0 + blocks, partial sums in the band's scratch. Tiles of nearly equal sizes (25 positions: 7 × 3 + 2 × 2,
// not 8 × 3 + 1).
static void pw_band(const pw_call *k, long p0, long p1, int ob0, int ib0, int blocks, long scratch_block) {
    const ck_conv_desc *g = k->g;
    const long plane = (long)g->height * g->width * CK_BLOCK, oplane = (long)g->outHeight * g->outWidth * CK_BLOCK;
    const int first = ib0 == 0, last = ib0 + blocks == k->CB;
    const long n = p1 - p0, count = (n + PW_POSITIONS - 1) / PW_POSITIONS;
    const float *x = k->input + (long)ib0 * plane;
    pw_tile t = {
        .plane = plane,
        .blocks = blocks,
        .w = k->packed + ((long)ob0 * k->CB + ib0) * CK_BLOCK * CK_BLOCK,
        .wblock = (long)k->CB * CK_BLOCK * CK_BLOCK,
        .from = first ? NULL : k->scratch,
        .from_block = scratch_block,
        .bias = k->bias ? k->bias + ob0 * CK_BLOCK : NULL,
    };
    if (last) {
        const long at = (long)ob0 * oplane + p0 * CK_BLOCK;
        t.to = k->output + at, t.to_block = oplane;
        t.addend = k->addend ? k->addend + at : NULL, t.activation = k->activation;
    } else {
        t.to = k->scratch, t.to_block = scratch_block;
        t.activation = ck_no_activation;
    }
    // At stride 1 on a map as wide as the output, position p reads at p · 8: the offsets stay (a cursor a tile cost
    // 1.04–1.08 of the time on 1×1s from 16–64 channels, whose tiles are short).
    const int flat = g->strideHeight == 1 && g->strideWidth == 1 && g->width == g->outWidth;
    pw_cursor at = {g, p0 / g->outWidth, p0 % g->outWidth};
    t.x = x + p0 * CK_BLOCK, t.d1 = CK_BLOCK, t.d2 = 2 * CK_BLOCK;
    for (long j = 0; j < count; j++) {
        const int size = (int)(n / count + (j < n % count));
        if (!flat) {
            const long a0 = pw_at(&at);
            t.x = x + a0, t.d1 = t.d2 = 0;
            pw_next(&at);
            if (size > 1) t.d1 = pw_at(&at) - a0, pw_next(&at);
            if (size > 2) t.d2 = pw_at(&at) - a0, pw_next(&at);
        }
        pw_tiles[size](&t);
        if (flat) t.x += size * CK_BLOCK;
        if (t.from) t.from += size * CK_BLOCK;
        t.to += size * CK_BLOCK;
        if (t.addend) t.addend += size * CK_BLOCK;
    }
}

size_t ck_blocked_pointwise_scratch_floats_avx2(const ck_conv_desc *g) {
    const int CB = g->channels / CK_BLOCK;
    const long positions = (long)g->outHeight * g->outWidth;
    const size_t own = CB > PW_GROUP_BLOCKS
                           ? (size_t)PW_BLOCKS * (positions < PW_BAND_POSITIONS ? positions : PW_BAND_POSITIONS) * CK_BLOCK
                           : 0;
    const size_t general = ck_blocked_conv_scratch_floats_avx2(g);  // the output blocks beyond the last group of 4
    return own > general ? own : general;
}

void ck_blocked_pointwise_rows_avx2(const ck_conv_desc *g, const float *input, const float *packed, const float *bias,
                                    float *output, int oy0, int oy1, int b0, int b1, ck_output_epilogue e) {
    // Output blocks beyond the last whole group of 4 on the general kernel (the same bits).
    const int whole = b0 + (b1 - b0) / PW_BLOCKS * PW_BLOCKS;
    if (whole < b1) ck_blocked_conv_rows_avx2(g, input, packed, bias, output, oy0, oy1, whole, b1, e);
    b1 = whole;
    const long first = (long)oy0 * g->outWidth, end = (long)oy1 * g->outWidth;
    if (b0 == b1 || first >= end) return;
    const int CB = g->channels / CK_BLOCK;
    const int groups = (CB + PW_GROUP_BLOCKS - 1) / PW_GROUP_BLOCKS, group = (CB + groups - 1) / groups;
    const long band = end - first < PW_BAND_POSITIONS ? end - first : PW_BAND_POSITIONS;
    float *scratch = groups > 1 ? ck_scratch_buffer(CK_SCRATCH_GRID, (size_t)PW_BLOCKS * band * CK_BLOCK) : NULL;
    if (groups > 1 && !scratch) abort();
    const pw_call k = {.g = g, .input = input, .packed = packed, .bias = bias, .addend = e.addend, .output = output,
                       .scratch = scratch, .activation = e.activation, .CB = CB};
    for (long p0 = first; p0 < end; p0 += band) {
        const long p1 = p0 + band < end ? p0 + band : end;
        for (int ob0 = b0; ob0 < b1; ob0 += PW_BLOCKS)
            for (int ib0 = 0; ib0 < CB; ib0 += group)
                pw_band(&k, p0, p1, ob0, ib0, CB - ib0 < group ? CB - ib0 : group, band * CK_BLOCK);
    }
}
#endif
