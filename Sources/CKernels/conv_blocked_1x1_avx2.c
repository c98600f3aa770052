// 1×1 convolutions (pointwise, any stride, every tap inside the input) on the blocked layout (NCHW8c) on AVX2+FMA.
// Each value takes the portable loop's FMAs in its order (conv_blocked.c): bias or zero, then the input blocks and
// their channels in ascending order, then the addend and the activation: the same bits.
//
// Without the k×k kernel's window machinery (conv_blocked_avx2.c): a call walks bands of about 256 output positions
// (at stride 1 one run across the row ends; at other strides whole rows), in each band groups of 4 output blocks, in
// each of those groups of 16 input blocks (16 KB of weights, in L1 while the band's positions run), the band's
// partial sums in per-thread scratch between input-block groups (so each output value is written once, after the
// last group, with the epilogue: the addend may be the output itself). Tiles of 4 output blocks × 3 positions, one
// asm statement an input channel (3 broadcasts, 4 weight rows, 12 FMAs). Output blocks beyond the last whole group
// of 4 (≤ 24 output channels: the narrow 1×1s that already beat the planar GEMM) run on the general kernel.
//
// AVX2 on AMD EPYC Zen 4 family 25 model 17, AVX-512 masked, 1 thread (bench/pointwise-ab.sh, alternating calls,
// minima, % of the 91.1 GFLOP/s peak; the general kernel before → this one): ResNet-50's 64→256 on 56×56 86.2 →
// 93.9, 512→128 on 28×28 91.5 → 94.9, 1024→256 on 14×14 90.0 → 94.2, 512→2048 on 7×7 82.4 → 89.3, 1×1/2 256→512
// 56→28 77.8 → 86.6; MobileNetV2's 24→144 on 56×56 77.4 → 89.4, 32→192 on 28×28 83.2 → 94.0; NIN's 192→160 on
// 32×32 87.1 → 93.4. Input-block groups of 8 / 16 / 32 and bands of 96 / 192 / 384 positions: within ±1 % but for
// 8 blocks on bands of 384 (64→256: 73.7 %) and 32 blocks on 512→128 (93.0 against 95.3).
#include "conv_blocked.h"
#include <stdlib.h>

#ifdef CK_X86
enum { PW_BLOCKS = 4, PW_POSITIONS = 3, PW_GROUP_BLOCKS = 16, PW_BAND_POSITIONS = 256 };

/// One tile: NP positions × 4 output blocks over one group of input blocks.
typedef struct {
    const float *x;       // the input at the first position's first input block
    long step;            // input floats from one position to the next
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
#define PW_FMA3(w, c0, c1, c2) "vmovups " w ", %[t]\n\tvfmadd231ps %[t], %[b0], " c0 "\n\tvfmadd231ps %[t], %[b1], " c1 \
    "\n\tvfmadd231ps %[t], %[b2], " c2 "\n\t"
#define PW_FMA2(w, c0, c1) "vmovups " w ", %[t]\n\tvfmadd231ps %[t], %[b0], " c0 "\n\tvfmadd231ps %[t], %[b1], " c1 "\n\t"
#define PW_FMA1(w, c0) "vfmadd231ps " w ", %[b0], " c0 "\n\t"

__attribute__((target("avx2,fma"), always_inline)) static inline void
pw_channel(__m256 c[3][4], const float *x, long step, const float *w, long wblock, const int NP) {
    __m256 b0, b1, b2, t;
    if (NP == 3)
        __asm__("vbroadcastss %[x0], %[b0]\n\tvbroadcastss %[x1], %[b1]\n\tvbroadcastss %[x2], %[b2]\n\t"
                PW_FMA3("%[w0]", "%[c00]", "%[c10]", "%[c20]") PW_FMA3("%[w1]", "%[c01]", "%[c11]", "%[c21]")
                PW_FMA3("%[w2]", "%[c02]", "%[c12]", "%[c22]") PW_FMA3("%[w3]", "%[c03]", "%[c13]", "%[c23]")
                : [b0] "=&x"(b0), [b1] "=&x"(b1), [b2] "=&x"(b2), [t] "=&x"(t), [c00] "+x"(c[0][0]),
                  [c01] "+x"(c[0][1]), [c02] "+x"(c[0][2]), [c03] "+x"(c[0][3]), [c10] "+x"(c[1][0]),
                  [c11] "+x"(c[1][1]), [c12] "+x"(c[1][2]), [c13] "+x"(c[1][3]), [c20] "+x"(c[2][0]),
                  [c21] "+x"(c[2][1]), [c22] "+x"(c[2][2]), [c23] "+x"(c[2][3])
                : [x0] "m"(x[0]), [x1] "m"(x[step]), [x2] "m"(x[2 * step]), [w0] "m"(*(const __m256 *)w),
                  [w1] "m"(*(const __m256 *)(w + wblock)), [w2] "m"(*(const __m256 *)(w + 2 * wblock)),
                  [w3] "m"(*(const __m256 *)(w + 3 * wblock)));
    else if (NP == 2)
        __asm__("vbroadcastss %[x0], %[b0]\n\tvbroadcastss %[x1], %[b1]\n\t" PW_FMA2("%[w0]", "%[c00]", "%[c10]")
                    PW_FMA2("%[w1]", "%[c01]", "%[c11]") PW_FMA2("%[w2]", "%[c02]", "%[c12]")
                        PW_FMA2("%[w3]", "%[c03]", "%[c13]")
                : [b0] "=&x"(b0), [b1] "=&x"(b1), [t] "=&x"(t), [c00] "+x"(c[0][0]), [c01] "+x"(c[0][1]),
                  [c02] "+x"(c[0][2]), [c03] "+x"(c[0][3]), [c10] "+x"(c[1][0]), [c11] "+x"(c[1][1]),
                  [c12] "+x"(c[1][2]), [c13] "+x"(c[1][3])
                : [x0] "m"(x[0]), [x1] "m"(x[step]), [w0] "m"(*(const __m256 *)w),
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
        for (int ic = 0; ic < CK_BLOCK; ic++) pw_channel(c, x + ic, t->step, w + ic * CK_BLOCK, t->wblock, NP);
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

// A run of n positions of output blocks ob0 ..< ob0 + 4 over input blocks ib0 ..< ib0 + blocks: the input at float
// `in` of block 0, `in_step` floats apart; the output at float `out` of block 0 and the band's scratch at position
// `s`, 8 floats apart. Tiles of nearly equal sizes (25 positions: 7 × 3 + 2 × 2, not 8 × 3 + 1).
static void pw_run(const pw_call *k, long in, long in_step, long out, long s, int n, int ob0, int ib0, int blocks,
                   long scratch_block) {
    const ck_conv_desc *g = k->g;
    const long plane = (long)g->height * g->width * CK_BLOCK, oplane = (long)g->outHeight * g->outWidth * CK_BLOCK;
    const int first = ib0 == 0, last = ib0 + blocks == k->CB;
    const int count = (n + PW_POSITIONS - 1) / PW_POSITIONS;
    pw_tile t = {
        .x = k->input + (long)ib0 * plane + in,
        .step = in_step,
        .plane = plane,
        .blocks = blocks,
        .w = k->packed + ((long)ob0 * k->CB + ib0) * CK_BLOCK * CK_BLOCK,
        .wblock = (long)k->CB * CK_BLOCK * CK_BLOCK,
        .from = first ? NULL : k->scratch + s * CK_BLOCK,
        .from_block = scratch_block,
        .bias = k->bias ? k->bias + ob0 * CK_BLOCK : NULL,
    };
    if (last) {
        const long at = (long)ob0 * oplane + out;
        t.to = k->output + at, t.to_block = oplane;
        t.addend = k->addend ? k->addend + at : NULL, t.activation = k->activation;
    } else {
        t.to = k->scratch + s * CK_BLOCK, t.to_block = scratch_block;
        t.activation = ck_no_activation;
    }
    for (int j = 0; j < count; j++) {
        const int size = n / count + (j < n % count);
        pw_tiles[size](&t);
        t.x += size * in_step;
        if (t.from) t.from += size * CK_BLOCK;
        t.to += size * CK_BLOCK;
        if (t.addend) t.addend += size * CK_BLOCK;
    }
}

void ck_blocked_pointwise_rows_avx2(const ck_conv_desc *g, const float *input, const float *packed, const float *bias,
                                    float *output, int oy0, int oy1, int b0, int b1, ck_output_epilogue e) {
    // Output blocks beyond the last whole group of 4 on the general kernel (the same bits).
    const int whole = b0 + (b1 - b0) / PW_BLOCKS * PW_BLOCKS;
    if (whole < b1) ck_blocked_conv_rows_avx2(g, input, packed, bias, output, oy0, oy1, whole, b1, e);
    b1 = whole;
    if (b0 == b1) return;
    const int CB = g->channels / CK_BLOCK, OW = g->outWidth;
    const int groups = (CB + PW_GROUP_BLOCKS - 1) / PW_GROUP_BLOCKS, group = (CB + groups - 1) / groups;
    // Stride 1: rows follow each other in the input, a band is a run of positions; else a band is whole rows.
    const int flat = g->strideHeight == 1 && g->strideWidth == 1 && g->width == OW;
    const long total = (long)(oy1 - oy0) * OW;
    long band = flat ? PW_BAND_POSITIONS : (long)((PW_BAND_POSITIONS + OW - 1) / OW) * OW;
    if (band > total) band = total;
    if (band < 1) return;
    float *scratch = groups > 1 ? ck_scratch_buffer(CK_SCRATCH_GRID, (size_t)PW_BLOCKS * band * CK_BLOCK) : NULL;
    if (groups > 1 && !scratch) abort();
    pw_call k = {.g = g, .input = input, .packed = packed, .bias = bias, .addend = e.addend, .output = output,
                 .scratch = scratch, .activation = e.activation, .CB = CB};
    const long scratch_block = band * CK_BLOCK;
    const long in_step = (long)g->strideWidth * CK_BLOCK;
    for (long p0 = (long)oy0 * OW; p0 < (long)oy1 * OW; p0 += band) {
        const long p1 = p0 + band < (long)oy1 * OW ? p0 + band : (long)oy1 * OW;
        for (int ob0 = b0; ob0 < b1; ob0 += PW_BLOCKS) {
            for (int ib0 = 0; ib0 < CB; ib0 += group) {
                const int blocks = CB - ib0 < group ? CB - ib0 : group;
                if (flat)
                    pw_run(&k, p0 * CK_BLOCK, in_step, p0 * CK_BLOCK, 0, (int)(p1 - p0), ob0, ib0, blocks, scratch_block);
                else
                    for (long p = p0; p < p1; p += OW) {
                        const long oy = p / OW;
                        pw_run(&k, oy * g->strideHeight * g->width * CK_BLOCK, in_step, p * CK_BLOCK, p - p0, OW, ob0,
                               ib0, blocks, scratch_block);
                    }
            }
        }
    }
}
#endif
