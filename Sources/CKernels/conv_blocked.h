#ifndef CK_CONV_BLOCKED_H
#define CK_CONV_BLOCKED_H
// What conv_blocked.c (the portable loops, the dispatch) shares with conv_blocked_avx2.c (the AVX2 kernels).
#include "ckernels_internal.h"

#ifdef CK_X86
/// `ck_blocked_conv_rows` on AVX2+FMA: the same bits as the portable loop.
CK_INTERNAL void ck_blocked_conv_rows_avx2(const ck_conv_desc *g, const float *input, const float *packed,
                                           const float *bias, float *output, int oy0, int oy1, int b0, int b1,
                                           ck_output_epilogue e);

/// `ck_blocked_conv_rows` of a 1×1 without padding on AVX2+FMA (conv_blocked_1x1_avx2.c): the same bits.
CK_INTERNAL void ck_blocked_pointwise_rows_avx2(const ck_conv_desc *g, const float *input, const float *packed,
                                                const float *bias, float *output, int oy0, int oy1, int b0, int b1,
                                                ck_output_epilogue e);

/// Floats of per-thread scratch (`CK_SCRATCH_GRID`) `ck_blocked_conv_rows_avx2` / `ck_blocked_pointwise_rows_avx2`
/// take at most for this geometry, whatever rows and blocks a call covers: a band's partial sums when the input
/// blocks do not fit one group.
CK_INTERNAL size_t ck_blocked_conv_scratch_floats_avx2(const ck_conv_desc *g);
CK_INTERNAL size_t ck_blocked_pointwise_scratch_floats_avx2(const ck_conv_desc *g);

/// `ck_to_blocked` (`to` 1) or `ck_from_blocked` (`to` 0) on AVX2: 8 × 8 transposes in registers.
CK_INTERNAL void ck_reorder_blocked_avx2(long positions, const float *input, float *output, int b0, int b1, int to);
#endif

#endif
