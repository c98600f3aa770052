// What the channel tiles' driver (conv_channel.c) shares with their AVX2 tiles (conv_channel_avx2.c).
#ifndef CONV_CHANNEL_H
#define CONV_CHANNEL_H
#include "ckernels_internal.h"

// Output channels per weight panel and tile (one panel's row of weights a tap), positions per tile at most,
// positions per chunk of an AVX2 tile at most (conv_channel_avx2.c), and the widest map AVX2 runs two rows a tile.
enum { CT_BLOCK = 32, CT_TILE = 14, CT2_CHUNK = 6, CT2_PAIRED = CT_TILE };

/// The input window output rows oy0 ..< oy1 read: rows iy0 ..< iy0 + vh, vw columns from −padLeft (every channel tile
/// pads or reads it). The stems (pr_rows, ck_stem_rows_avx2) copy it zero-padded in column phases: each of its vh rows
/// the `sw` phases of pw columns (input columns x0, x0 + sw, … then x0 + 1, …), row_floats a row, plane a channel.
typedef struct {
    int iy0, vh, vw, pw;
    size_t row_floats, plane;
} ct_window;

static inline ct_window ct_window_of(const ck_conv_desc *g, int oy0, int oy1) {
    ct_window v;
    v.iy0 = oy0 * g->strideHeight - g->padTop;
    v.vh = (oy1 - oy0 - 1) * g->strideHeight + (g->kernelHeight - 1) * g->dilationHeight + 1;
    v.vw = (g->outWidth - 1) * g->strideWidth + (g->kernelWidth - 1) * g->dilationWidth + 1;
    v.pw = (v.vw + g->strideWidth - 1) / g->strideWidth;
    v.row_floats = (size_t)g->strideWidth * v.pw;
    v.plane = (size_t)v.vh * v.row_floats;
    return v;
}

#ifdef CK_X86
// Output lines a tile asks for, to be written: `count` lines from line `l0` of the plane at `at` on, `lines` a
// plane, planes `plane` floats apart.
typedef struct {
    const float *at;
    long plane;
    int lines, l0, count;
} ct_lines;

// Where a tile's output-line prefetches stand: the next line to ask for and its plane.
typedef struct {
    const float *at;
    int line;
} ct_line_cursor;

// Asks for the cursor's line (to be written) and steps to the next, into the next plane after a plane's last.
static inline __attribute__((always_inline)) void ct_prefetch_line(const ct_lines *lines, ct_line_cursor *cursor) {
    __builtin_prefetch(cursor->at + cursor->line * 16, 1, 3);
    if (++cursor->line == lines->lines) cursor->line = 0, cursor->at += lines->plane;
}

// Starts a tile of kc taps on `lines` (may be NULL): asks at once for the lines beyond one a tap and returns how
// many taps ask for one each (0 without lines).
static inline __attribute__((always_inline)) int ct_start_lines(const ct_lines *lines, int kc, ct_line_cursor *cursor) {
    if (!lines) return 0;
    *cursor = (ct_line_cursor){lines->at, lines->l0};
    for (int i = kc; i < lines->count; i++) ct_prefetch_line(lines, cursor);
    return lines->count < kc ? lines->count : kc;
}

// One tile: its positions (which the function's name gives) × 32 channels over kc taps; see tile_body.
typedef void (*tile_fn)(int kc, const float *w, const float *x, const int *koff, long step, float *acc, int first,
                        const float *bias, const float *ahead, int ahead_taps, long input_ahead,
                        const ct_lines *out_lines);

/// The AVX2 tiles, indexed as conv_channel.c's AVX-512 ones after [the block's channels: 0 at most 16 (the panel's
/// first half only), 1 at most 24 (and one 8-channel vector), 2 up to 32]: [column stride − 1][positions of one
/// row, 1 ..< 15] and [column stride − 1][positions of each of two rows, 1 ..< 15]: on AVX2 maps up to 14 wide run
/// two rows a tile (CT2_PAIRED), so a run of chunks crosses the row end (14 × 14: 6 + 5 + 6 + 5 + 6 a pair of rows
/// where one row ran 5 + 5 + 4).
CK_INTERNAL extern const tile_fn ck_ct_one_row_avx2[3][2][CT_TILE + 1];
CK_INTERNAL extern const tile_fn ck_ct_two_rows_avx2[3][2][CT_TILE + 1];

/// Rows iy0 ..< iy0 + vh, columns x0 ..< x0 + vw of a channel plane (H, W), zero outside it -> d (vh, vw), as
/// conv_channel.c's pad_plane on AVX-512: 8 columns a masked load, lanes outside the plane neither read nor faulting.
CK_INTERNAL void ck_ct_pad_plane_avx2(float *d, const float *plane, int H, int W, int iy0, int vh, int vw, int x0);

/// The tile scratch acc (count positions, 32 channels) -> channels 0 ..< jend of the output's planes from `out` on,
/// plus the addend (NULL: none), through the activation: store_tiles on AVX2 (8 × 8 transposes), the same bits.
CK_INTERNAL void ck_ct_store_tiles_avx2(const float *acc, int count, int jend, float *out, const float *addend,
                                        size_t plane, ck_activation a);

/// koff[k]: where tap k (channel, ky, kx) of an output's window starts in the view, from the output's first column.
static inline void ct_stem_tap_offsets(const ck_conv_desc *g, const ct_window *v, int *koff) {
    const int KH = g->kernelHeight, KW = g->kernelWidth, sw = g->strideWidth, dh = g->dilationHeight;
    const int dw = g->dilationWidth;
    for (int kk = 0; kk < g->channels * KH * KW; kk++) {
        const int c = kk / (KH * KW), ky = kk / KW % KH, kx = kk % KW;
        koff[kk] = (int)((size_t)c * v->plane + (size_t)ky * dh * v->row_floats + (size_t)(kx * dw % sw) * v->pw +
                         (size_t)(kx * dw / sw));
    }
}

/// A stem (conv_channel.c's pr_stem) on AVX2 (conv_stem_avx2.c): output rows oy0 ..< oy1, channels m0 ..< m1 (m0 a
/// multiple of 32) as ck_conv_channel_tile_rows computes them, the same bits. Weights: the packed panels, or when
/// `panels` is NULL each panel b packed by pack(M, K, weight, b, own) into `own` (K × 32 floats).
CK_INTERNAL void ck_stem_rows_avx2(const ck_conv_desc *g, const float *input, const float *panels, const float *bias,
                                   float *output, int oy0, int oy1, int m0, int m1, ck_output_epilogue epilogue,
                                   float *own, void (*pack)(int M, int K, const float *A, int b, float *dst),
                                   const float *weight);
#endif
#endif
