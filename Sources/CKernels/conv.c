// Convolution drivers: one group as a GEMM whose B is the im2col matrix gathered while packing, and the
// AVX-512 path that reads im2col rows in place from zero-padded stride-phase planes of the input rows.
#include "ckernels_internal.h"
#include <stdlib.h>
#include <string.h>

void ck_conv_im2col_gemm(const ck_conv_desc *desc, const float *input, const float *weight,
                         const float *packedWeight, const float *bias, float *output, int n0, int n1) {
    // input (C, H, W), weight (K, C·KH·KW) -> output columns n0 ..< n1 of (K, OH·OW); one group
    ck_conv_im2col_gemm_batch(desc, 1, input, weight, packedWeight, bias, output, n0, n1, 0, desc->outChannels,
                              ck_no_output_epilogue);
}

// Whether `g` is a 1×1 conv with a stride and no padding, not even implied by the output size (ResNet's
// downsampling shortcuts), which
// ck_conv_im2col_gemm_batch runs on a subsampled copy of its input.
static int strided_pointwise(const ck_conv_desc *g) {
    return g->kernelHeight == 1 && g->kernelWidth == 1 && (g->strideHeight > 1 || g->strideWidth > 1) &&
           g->padTop == 0 && g->padLeft == 0 && (long)(g->outHeight - 1) * g->strideHeight < g->height &&
           (long)(g->outWidth - 1) * g->strideWidth < g->width;
}

size_t ck_conv_subsampled_floats(const ck_conv_desc *g) {
    // rows of OH·OW columns, 16 more where that is a multiple of 256 (ck_conv_im2col_gemm_batch's row stride)
    return strided_pointwise(g) ? (size_t)g->channels * ((size_t)g->outHeight * g->outWidth + 16) : 0;
}

int ck_conv_stores_each_output_once(const ck_conv_desc *g) {
    const int K = g->channels * g->kernelHeight * g->kernelWidth;
    return K > 0 && ck_k_block(K) >= K;
}

// Columns n0 ..< n0 + n of the strided 1×1 conv's B (C rows, OH·OW columns): b[c·ld + j] = input[c][oy·sh][ox·sw]
// for output position n0 + j = oy·OW + ox.
#ifdef CK_X86
__attribute__((target("avx512f")))
static void subsample_avx512(const ck_conv_desc *g, const float *input, int n0, int n, float *b, size_t ld) {
    const int H = g->height, W = g->width, OW = g->outWidth, sh = g->strideHeight;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (int c = 0; c < g->channels; c++) {
        const float *plane = input + (size_t)c * H * W;
        float *d = b + (size_t)c * ld;
        for (int j = 0; j < n;) {
            const int at = n0 + j, oy = at / OW, ox = at % OW, run = OW - ox < n - j ? OW - ox : n - j;
            const float *s = plane + (size_t)oy * sh * W + (size_t)ox * 2;
            // output t reads s[2t], t < run: input columns 2·ox + 2t <= W − 1
            const int floats = 2 * run - 1;
            int t = 0;
            for (; t + 16 <= run; t += 16) {
                const int left = floats - 2 * t;
                const __m512 lo = _mm512_loadu_ps(s + 2 * t);
                const __m512 hi = _mm512_maskz_loadu_ps(ck_lanes16(left - 16), s + 2 * t + 16);
                _mm512_storeu_ps(d + j + t, _mm512_permutex2var_ps(lo, even, hi));
            }
            if (t < run) {
                const int left = floats - 2 * t;
                const __m512 lo = _mm512_maskz_loadu_ps(ck_lanes16(left), s + 2 * t);
                const __m512 hi = _mm512_maskz_loadu_ps(ck_lanes16(left - 16), s + 2 * t + 16);
                _mm512_mask_storeu_ps(d + j + t, ck_lanes16(run - t), _mm512_permutex2var_ps(lo, even, hi));
            }
            j += run;
        }
    }
}
#endif

static void subsample(const ck_conv_desc *g, const float *input, int n0, int n, float *b, size_t ld) {
#ifdef CK_X86
    if (g->strideWidth == 2 && ck_isa() >= CK_ISA_AVX512) {
        subsample_avx512(g, input, n0, n, b, ld);
        return;
    }
    if (g->strideWidth == 2 && ck_isa() >= CK_ISA_AVX2) {
        ck_subsample2_avx2(g, input, n0, n, b, ld);
        return;
    }
#endif
    const int H = g->height, W = g->width, OW = g->outWidth, sh = g->strideHeight, sw = g->strideWidth;
    for (int c = 0; c < g->channels; c++) {
        const float *plane = input + (size_t)c * H * W;
        float *d = b + (size_t)c * ld;
        for (int j = 0; j < n; j++) {
            const int at = n0 + j, oy = at / OW, ox = at % OW;
            d[j] = plane[(size_t)oy * sh * W + (size_t)ox * sw];
        }
    }
}

void ck_conv_im2col_gemm_batch(const ck_conv_desc *desc, int images, const float *input, const float *weight,
                               const float *packedWeight, const float *bias, float *output, int n0, int n1, int m0,
                               int m1, ck_output_epilogue epilogue) {
    // input (C, N, H, W), weight (K, C·KH·KW) -> output rows m0 ..< m1, columns n0 ..< n1 of (K, N·OH·OW); one group
    const int K = desc->channels * desc->kernelHeight * desc->kernelWidth;
    if (images == 1 && strided_pointwise(desc) && n1 - n0 > 2 * ck_panel_width() && m1 > m0) {
        // A strided 1×1 conv: its B columns are copied once, densely, to per-thread scratch (the im2col panels
        // gathered every other float of each line), then the plain GEMM runs on the copy, whose first tiles read
        // it in place and prefetch the next panel. Same tiles and K blocks as packing the im2col panels: the same
        // bits. bench/ckab.sh, one process, minima of 21 alternating calls, weights out of L3, AMD EPYC Zen 4
        // AVX-512: ResNet-50's 256→512 56→28 0.95–0.97 of the time, 512→1024 28→14 0.92–0.95, 256→128 0.90;
        // with at most two column panels (1024→2048 14→7: 49 columns) it gained nothing (0.98–1.03): packed. AVX2's
        // 49 columns are 4 panels: 1024→2048 14→7 with its residual add 0.99 of the time, 1024→512 0.94 (minima of
        // 21 alternating calls, AVX2 forced, same CPU).
        const int n = n1 - n0, out_plane = desc->outHeight * desc->outWidth;
        // a row stride of a multiple of 256 floats would map a panel's rows onto few L1 sets
        const size_t ld = (size_t)n + (n % 256 == 0 ? 16 : 0);
        float *b = ck_scratch_buffer(CK_SCRATCH_PADDED, (size_t)desc->channels * ld);
        if (!b) abort();
        subsample(desc, input, n0, n, b, ld);
        b_source s = {b, (int)ld, 0, NULL, NULL, 0};
        const ck_output_epilogue shifted = {epilogue.addend ? epilogue.addend + n0 : NULL, epilogue.activation};
        ck_gemm_blocked(desc->outChannels, m0, m1, 0, n, K, weight, K, 0, packedWeight, &s, output + n0, out_plane, 0,
                        bias, &shifted);
        return;
    }
    b_source s = {NULL, 0, 0, desc, input, images};
    ck_gemm_blocked(desc->outChannels, m0, m1, n0, n1, K, weight, K, 0, packedWeight, &s, output,
                    images * desc->outHeight * desc->outWidth, 0, bias, &epilogue);
}

// ---------------------------------------------------------------------------------------------
// The im2col matrix written out, and its adjoint (col2im), for the backward pass: ∂W = ∂Y · colᵀ needs the
// matrix whole, and ∂X is col2im(Wᵀ · ∂Y).

// The input columns ix = ox·sw − pl + dx that exist for ox in 0 ..< OW: ox in [lo, hi).
static inline void valid_columns(int W, int OW, int sw, int x0, int *lo, int *hi) {
    int l = x0 >= 0 ? 0 : (-x0 + sw - 1) / sw;
    int h = x0 > W - 1 ? 0 : (W - 1 - x0) / sw + 1;
    if (h > OW) h = OW;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

void ck_im2col(const ck_conv_desc *g, int images, int batch, const float *input, float *col, int k0, int k1) {
    // input (C, batch, H, W), its first `images` images -> rows k0 ..< k1 of col (C·KH·KW, images·OH·OW)
    const int H = g->height, W = g->width, OH = g->outHeight, OW = g->outWidth, KH = g->kernelHeight, KW = g->kernelWidth;
    const int sh = g->strideHeight, sw = g->strideWidth;
    const size_t plane = (size_t)H * W, out_plane = (size_t)OH * OW, columns = (size_t)images * out_plane;
    for (int k = k0; k < k1; k++) {
        const int c = k / (KH * KW), ky = (k / KW) % KH, kx = k % KW;
        const int dy = ky * g->dilationHeight - g->padTop, x0 = kx * g->dilationWidth - g->padLeft;
        int lo, hi;
        valid_columns(W, OW, sw, x0, &lo, &hi);
        for (int n = 0; n < images; n++) {
            const float *source = input + ((size_t)c * batch + n) * plane;
            float *row = col + (size_t)k * columns + (size_t)n * out_plane;
            for (int oy = 0; oy < OH; oy++) {
                float *d = row + (size_t)oy * OW;
                const int iy = oy * sh + dy;
                if (iy < 0 || iy >= H) {
                    memset(d, 0, (size_t)OW * sizeof(float));
                    continue;
                }
                const float *s = source + (size_t)iy * W + x0;
                for (int ox = 0; ox < lo; ox++) d[ox] = 0.0f;
                if (sw == 1) memcpy(d + lo, s + lo, (size_t)(hi - lo) * sizeof(float));
                else for (int ox = lo; ox < hi; ox++) d[ox] = s[(size_t)ox * sw];
                for (int ox = hi; ox < OW; ox++) d[ox] = 0.0f;
            }
        }
    }
}

void ck_col2im(const ck_conv_desc *g, int images, int batch, const float *col, float *input, int c0, int c1) {
    // col (C·KH·KW, images·OH·OW) -> channels c0 ..< c1 of the first `images` images of input (C, batch, H, W),
    // overwritten: each input value is the sum of the col entries im2col copied it to, in the order of rows k
    const int H = g->height, W = g->width, OH = g->outHeight, OW = g->outWidth, KH = g->kernelHeight, KW = g->kernelWidth;
    const int sh = g->strideHeight, sw = g->strideWidth;
    const size_t plane = (size_t)H * W, out_plane = (size_t)OH * OW, columns = (size_t)images * out_plane;
    for (int c = c0; c < c1; c++) {
        for (int n = 0; n < images; n++) memset(input + ((size_t)c * batch + n) * plane, 0, plane * sizeof(float));
        for (int ky = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++) {
                const int k = (c * KH + ky) * KW + kx;
                const int dy = ky * g->dilationHeight - g->padTop, x0 = kx * g->dilationWidth - g->padLeft;
                int lo, hi;
                valid_columns(W, OW, sw, x0, &lo, &hi);
                for (int n = 0; n < images; n++) {
                    float *target = input + ((size_t)c * batch + n) * plane;
                    const float *row = col + (size_t)k * columns + (size_t)n * out_plane;
                    for (int oy = 0; oy < OH; oy++) {
                        const int iy = oy * sh + dy;
                        if (iy < 0 || iy >= H) continue;
                        float *t = target + (size_t)iy * W + x0;
                        const float *s = row + (size_t)oy * OW;
                        if (sw == 1) for (int ox = lo; ox < hi; ox++) t[ox] += s[ox];
                        else for (int ox = lo; ox < hi; ox++) t[(size_t)ox * sw] += s[ox];
                    }
                }
            }
    }
}

// ---------------------------------------------------------------------------------------------
// Convolution without im2col packing (AVX-512). The input rows a block of output rows needs are copied once,
// zero-padded, into stride-phase planes: plane (py, px) of channel c holds the padded input rows ≡ py and
// columns ≡ px (mod stride), Wp = `grid_width` columns wide. On the grid of output rows × Wp
// columns (the last Wp − OW columns of each row are junk), im2col row k = (c, ky, kx) is then a contiguous run
// of plane ((ky·dh) mod sh, (kx·dw) mod sw) of channel c, from its row (ky·dh) div sh and column (kx·dw) div sw,
// so the micro-kernel reads B in place. Only the phases some tap reads are built (one for a 1×1 conv, which
// is then a plain GEMM on the subsampled input); stride 1 has one phase, the padded rows themselves. The GEMM
// writes the grid a chunk of column panels at a time into a scratch C, whose valid columns go to the output.

// Columns of a grid row and of a phase plane's row: OW + ((KW−1)·dw) div sw. At stride 1 a row's right padding
// and the next row's left padding can be the same zeros: the windows of row r then read on into row r + 1's
// left padding, so a row needs only max(padLeft + W, OW + (KW−1)·dw − padLeft, OW) columns — 29 instead of 30
// for a 3×3 pad-1 conv on a 28×28 map, 3 % fewer grid columns to compute, 14×14: 15 instead of 16.
static int grid_width(const ck_conv_desc *g) {
    const int OW = g->outWidth, wide = OW + (g->kernelWidth - 1) * g->dilationWidth / g->strideWidth;
    if (g->strideWidth != 1) return wide;
    int shared = g->padLeft + g->width;
    if (wide - g->padLeft > shared) shared = wide - g->padLeft;
    if (OW > shared) shared = OW;
    return shared < wide ? shared : wide;
}

// The phases (mod `stride`) the taps t·dilation (t < taps) fall on: slot[p] is phase p's plane index among
// those read, −1 for a phase none reads; returns how many are read.
static int phase_slots(int taps, int dilation, int stride, int *slot) {
    for (int p = 0; p < stride; p++) slot[p] = -1;
    for (int t = 0; t < taps; t++) slot[(t * dilation) % stride] = 0;
    int used = 0;
    for (int p = 0; p < stride; p++)
        if (slot[p] == 0) slot[p] = used++;
    return used;
}

int ck_conv_reads_in_place(const ck_conv_desc *g) {
    // one group's geometry -> 1 when ck_conv_rows is the faster way to run it
    const int KH = g->kernelHeight, KW = g->kernelWidth, sw = g->strideWidth;
    if (ck_isa() < CK_ISA_AVX512 || g->strideHeight > CK_CONV_ROWS_MAX_STRIDE || sw > CK_CONV_ROWS_MAX_STRIDE ||
        KH * KW == 1)
        return 0;
    const int K = g->channels * KH * KW, reach_x = (KW - 1) * g->dilationWidth / sw;
    // Strided: a kernel row's taps fall on several column phases, so the B rows one 32-column panel reads for a
    // K block are that many runs per kernel row and channel. Where they outgrow half the 48 KB L1 next to the
    // streamed weight panels (ResNet's strided 3×3 convs, 128 to 512 channels: 30–33 KB), packing wins
    // (1.0–1.1× its time in place, 1 thread, Xeon AVX-512); the stems (7×7/2 on 3 channels: 9 KB) gain 0.85×.
    // A 1×1 strided conv is a plain GEMM in place, but it lost to packing too (1.2–1.33×): it runs on a dense
    // subsampled copy (ck_conv_im2col_gemm_batch).
    if (g->strideHeight > 1 || sw > 1) {
        int slot_x[CK_CONV_ROWS_MAX_STRIDE];
        const double lines_per_run = (NR512 + reach_x) * sizeof(float) / 64.0 + 1.0;
        const double channels_per_block = (double)ck_k_block(K) / (KH * KW);
        if (channels_per_block * KH * phase_slots(KW, g->dilationWidth, sw, slot_x) * lines_per_run * 64 > 24 * 1024)
            return 0;
    }
    // Cost model per useful multiply, fitted to 12 stride-1 5×5, 3×3 and 7×7 convs (maps 7×7 to 112×112) with
    // weights packed once, all chosen right (and right on the strided stems): reading in place computes OH·Wp
    // grid columns (rounded up to whole 32-column panels) for OH·OW outputs, plus copying the padded input and
    // the grid (~15/K); packing gathers each B panel row in runs of one output row (32/OW + 1 of them), ~10 units
    // per run, shared by the M/8 row panels.
    const int wp = grid_width(g);
    const double OW = g->outWidth;
    const long grid_panels = ((long)g->outHeight * wp + NR512 - 1) / NR512;
    const long output_panels = ((long)g->outHeight * g->outWidth + NR512 - 1) / NR512;
    const double in_place = (double)grid_panels / (double)output_panels + 15.0 / K;
    const double packed = 1.0 + 10.0 * (32.0 / OW + 1.0) / g->outChannels;
    return in_place < packed;
}

void ck_padded_row(float *d, const float *source, int W, int Wp, int sw, int x0) {
    if (!source) {
        memset(d, 0, (size_t)Wp * sizeof(float));
        return;
    }
    int lo, hi;
    valid_columns(W, Wp, sw, x0, &lo, &hi);
    memset(d, 0, (size_t)lo * sizeof(float));
    if (sw == 1) memcpy(d + lo, source + x0 + lo, (size_t)(hi - lo) * sizeof(float));
    else for (int j = lo; j < hi; j++) d[j] = source[x0 + j * sw];
    memset(d + hi, 0, (size_t)(Wp - hi) * sizeof(float));
}

#ifdef CK_X86
// Floats of scratch C (the grid) one chunk of columns may take: 256 KB, which stays in L2 next to the weight
// block and B rows the micro-kernel streams.
enum { GRID_CHUNK_FLOATS = 64 * 1024 };

// Grid columns per chunk for `rows` output channels: whole 32-column panels, chunks of near-equal size.
static size_t grid_chunk_columns(size_t columns, int rows) {
    const size_t panels = (columns + NR512 - 1) / NR512;
    size_t most = GRID_CHUNK_FLOATS / ((size_t)rows * NR512);
    if (most < 1) most = 1;
    const size_t chunks = (panels + most - 1) / most;
    return (panels + chunks - 1) / chunks * NR512;
}

// to[i] = activation(from[i] + addend[i]) for i < n (no addend when NULL): a grid row's valid columns on their
// way to the output, with the add and ReLU an inference plan fused into the conv.
__attribute__((target("avx512f")))
static void copy_out(long n, const float *from, const float *addend, ck_activation activation, float *to) {
    if (!addend && activation.kind == CK_ACTIVATION_NONE) {
        memcpy(to, from, (size_t)n * sizeof(float));
        return;
    }
    for (long i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1u);
        __m512 v = _mm512_maskz_loadu_ps(m, from + i);
        if (addend) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, addend + i));
        _mm512_mask_storeu_ps(to + i, m, ck_activate16(v, activation));
    }
}
#endif

void ck_conv_rows(const ck_conv_desc *g, const float *input, const float *weight, const float *packedWeight,
                  const float *bias, float *output, int oy0, int oy1, int m0, int m1, ck_output_epilogue epilogue) {
#ifdef CK_X86
    // input (C, H, W), weight (K, C·KH·KW) -> output rows oy0 ..< oy1 of (K, OH, OW)
    if (oy1 <= oy0 || m1 <= m0) return;
    const int C = g->channels, H = g->height, W = g->width, M = g->outChannels, OW = g->outWidth;
    const int KH = g->kernelHeight, KW = g->kernelWidth, dh = g->dilationHeight, dw = g->dilationWidth;
    const int sh = g->strideHeight, sw = g->strideWidth;
    const int K = C * KH * KW, rows = oy1 - oy0;
    int slot_y[CK_CONV_ROWS_MAX_STRIDE], slot_x[CK_CONV_ROWS_MAX_STRIDE];
    const int phases_y = phase_slots(KH, dh, sh, slot_y), phases_x = phase_slots(KW, dw, sw, slot_x);
    const int Wp = grid_width(g), plane_rows = rows + (KH - 1) * dh / sh;
    const size_t plane = (size_t)plane_rows * Wp, columns = (size_t)rows * Wp;
    const size_t planes = (size_t)C * phases_y * phases_x;
    const size_t slack = (size_t)(KW - 1) * dw / sw + 2 * NR512;  // junk columns of the last row read past the end
    float *padded = ck_scratch_buffer(CK_SCRATCH_PADDED, planes * plane + slack);
    if (!padded) abort();
    // Plane row r of phase py holds padded row (oy0 + r)·sh + py, column j of phase px padded column j·sw + px.
    for (int ch = 0; ch < C; ch++)
        for (int py = 0; py < sh; py++) {
            if (slot_y[py] < 0) continue;
            for (int px = 0; px < sw; px++) {
                if (slot_x[px] < 0) continue;
                float *p = padded + ((size_t)(ch * phases_y + slot_y[py]) * phases_x + slot_x[px]) * plane;
                for (int r = 0; r < plane_rows; r++) {
                    const long iy = (long)(oy0 + r) * sh + py - g->padTop;
                    const float *source = iy >= 0 && iy < H ? input + ((size_t)ch * H + (size_t)iy) * W : NULL;
                    ck_padded_row(p + (size_t)r * Wp, source, W, Wp, sw, px - g->padLeft);
                }
            }
        }
    memset(padded + planes * plane, 0, slack * sizeof(float));

    // The grid in chunks of whole column panels, each finished over every K block while its scratch C is still
    // in L2 and copied out then (a 56×56 map's whole grid is MBs: re-read once per K block from memory).
    const int kcb = ck_k_block(K);
    const size_t chunk = grid_chunk_columns(columns, m1 - m0);
    float *grid = ck_scratch_buffer(CK_SCRATCH_GRID, (size_t)(m1 - m0) * chunk);
    float *pa = ck_scratch_buffer(CK_SCRATCH_PACK_A, (size_t)((MC_MAX + MR512 - 1) / MR512 * MR512) * kcb);
    if (!grid || !pa) abort();
    int koff[KC_MAX];
    for (size_t j0 = 0; j0 < columns; j0 += chunk) {
        const size_t n = columns - j0 < chunk ? columns - j0 : chunk;
        for (int pc = 0; pc < K; pc += kcb) {
            const int kc = K - pc < kcb ? K - pc : kcb;
            for (int k = 0; k < kc; k++) {
                const int kk = pc + k, ch = kk / (KH * KW), ty = (kk / KW) % KH * dh, tx = kk % KW * dw;
                const size_t p = (size_t)(ch * phases_y + slot_y[ty % sh]) * phases_x + slot_x[tx % sw];
                koff[k] = (int)(p * plane + (size_t)(ty / sh) * Wp + (size_t)(tx / sw));
            }
            for (int ic = m0; ic < m1; ic += MC_MAX) {
                const int mc = m1 - ic < MC_MAX ? m1 - ic : MC_MAX;
                const float *block_a = pa;
                if (packedWeight) block_a = ck_packed_block(packedWeight, M, MR512, pc, kc, ic);
                else ck_pack_a(weight, K, 0, ic, mc, pc, kc, MR512, pa);
                for (size_t jr = 0; jr < n; jr += NR512) {
                    const int nr = n - jr < NR512 ? (int)(n - jr) : NR512;
                    for (int ir = 0; ir < mc; ir += MR512) {
                        const int mr = mc - ir < MR512 ? mc - ir : MR512;
                        // A deep K's weights (ResNet's 512→512 3×3: 9.4 MB) come from memory once per pass and
                        // each panel meets only a few column panels, so the FMAs waited on them (the hardware
                        // prefetcher stops at every 4 KB page): A is prefetched two panels ahead.
                        ck_micro_kernel_avx512_offsets(kc, block_a + (size_t)(ir / MR512) * kc * MR512,
                                                       padded + j0 + jr, koff, grid + (size_t)(ic - m0 + ir) * n + jr,
                                                       (int)n, pc > 0, (pc == 0 && bias) ? bias + ic + ir : NULL, mr,
                                                       nr, (size_t)2 * kc * MR512, NULL, ck_no_activation);
                    }
                }
            }
        }
        // Grid column j is output row oy0 + j / Wp, column j mod Wp (junk from OW on). Channel by channel, so the
        // output is written in order; the epilogue's add and activation on the way (a 56×56 map's output is past
        // L2 by the time a pass after the conv would read it back).
        for (int m = m0; m < m1; m++)
            for (size_t r = j0 / Wp; r * Wp < j0 + n; r++) {
                const size_t row = r * Wp, x0 = j0 > row ? j0 - row : 0, end = j0 + n - row;
                const size_t x1 = end < (size_t)OW ? end : (size_t)OW;
                if (x1 <= x0) continue;
                const size_t at = ((size_t)m * g->outHeight + oy0 + r) * OW + x0;
                copy_out((long)(x1 - x0), grid + (size_t)(m - m0) * n + (row + x0 - j0),
                         epilogue.addend ? epilogue.addend + at : NULL, epilogue.activation, output + at);
            }
    }
#else
    (void)g; (void)input; (void)weight; (void)packedWeight; (void)bias; (void)output; (void)oy0; (void)oy1; (void)m0; (void)m1;
    (void)epilogue;
    abort();
#endif
}
