// What the channel tiles' driver (conv_channel.c) shares with their AVX2 tiles (conv_channel_avx2.c).
#ifndef CONV_CHANNEL_H
#define CONV_CHANNEL_H
#include "ckernels_internal.h"

// Output channels per weight panel and tile (one panel's row of weights a tap), positions per tile at most,
// positions per chunk of an AVX2 tile at most (conv_channel_avx2.c), and the widest map AVX2 runs two rows a tile.
enum { CT_BLOCK = 32, CT_TILE = 14, CT2_CHUNK = 6, CT2_PAIRED = CT_TILE };

#ifdef CK_X86
// Output lines a tile asks for, to be written: `count` lines from line `l0` of the plane at `at` on, `lines` a
// plane, planes `plane` floats apart.
typedef struct {
    const float *at;
    long plane;
    int lines, l0, count;
} ct_lines;

// One tile: its positions (which the function's name gives) × 32 channels over kc taps; see tile_body.
typedef void (*tile_fn)(int kc, const float *w, const float *x, const int *koff, long step, float *acc, int first,
                        const float *bias, const float *ahead, int ahead_taps, long input_ahead, int add_after,
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
#endif
#endif
