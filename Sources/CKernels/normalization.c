// Local response normalisation across channels, a block of positions at a time. Each window's Σx² is summed
// afresh from the input rather than kept as a running sum: adding the entering channel's square and
// subtracting the leaving one's cancels catastrophically (x = [30000.3, 0.8] lost 0.8² entirely), and a fresh
// sum of `size` squares costs no more here, where two square roots and a division per output set the pace.
// beta = 0.75 (every Caffe model) is base^−¾ = 1 / (√base · ⁴√base): square roots vectorise, powf does not.
#include "ckernels_internal.h"
#include <math.h>
#include <stdlib.h>

// Positions per block: the block's rows of a window's channels stay in L1 from one channel to the next.
enum { LRN_BLOCK = 256, LRN_UNROLLED_WINDOW = 8 };

// One channel of a block: y[p] = x[p] · (k + scale · Σ_j first[j·stride + p]²)^−beta over the window's `rows`
// channels. Inlined with a constant `rows`, the sum unrolls and the loop over positions vectorises.
__attribute__((always_inline))
static inline void lrn_channel(int rows, const float *restrict first, size_t stride, const float *restrict x,
                               float *restrict y, int n, float k, float scale, float beta) {
    if (beta == 0.75f) {
        for (int p = 0; p < n; p++) {
            float sum = first[p] * first[p];
            for (int j = 1; j < rows; j++) sum += first[j * stride + p] * first[j * stride + p];
            const float root = sqrtf(k + scale * sum);
            y[p] = x[p] / (root * sqrtf(root));
        }
    } else {
        for (int p = 0; p < n; p++) {
            float sum = first[p] * first[p];
            for (int j = 1; j < rows; j++) sum += first[j * stride + p] * first[j * stride + p];
            y[p] = x[p] * powf(k + scale * sum, -beta);
        }
    }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void ck_lrn(int channels, int planeSize, int size, float alpha, float beta, float k,
            const float *restrict input, float *restrict output, int p0, int p1) {
    // input (C, P) -> output (C, P), positions p0 ..< p1
    const int before = (size - 1) / 2, after = size - 1 - before;
    const float scale = alpha / (float)size;
    const size_t stride = (size_t)planeSize;
    float window[LRN_BLOCK];  // Σx² per position, for windows wider than LRN_UNROLLED_WINDOW channels
    for (int b0 = p0; b0 < p1; b0 += LRN_BLOCK) {
        const int n = p1 - b0 < LRN_BLOCK ? p1 - b0 : LRN_BLOCK;
        for (int c = 0; c < channels; c++) {
            const int first = c - before > 0 ? c - before : 0;
            const int last = c + after < channels - 1 ? c + after : channels - 1;
            const float *xf = input + (size_t)first * stride + b0, *x = input + (size_t)c * stride + b0;
            float *y = output + (size_t)c * stride + b0;
            switch (last - first + 1) {
            case 1: lrn_channel(1, xf, stride, x, y, n, k, scale, beta); break;
            case 2: lrn_channel(2, xf, stride, x, y, n, k, scale, beta); break;
            case 3: lrn_channel(3, xf, stride, x, y, n, k, scale, beta); break;
            case 4: lrn_channel(4, xf, stride, x, y, n, k, scale, beta); break;
            case 5: lrn_channel(5, xf, stride, x, y, n, k, scale, beta); break;
            case 6: lrn_channel(6, xf, stride, x, y, n, k, scale, beta); break;
            case 7: lrn_channel(7, xf, stride, x, y, n, k, scale, beta); break;
            case LRN_UNROLLED_WINDOW: lrn_channel(LRN_UNROLLED_WINDOW, xf, stride, x, y, n, k, scale, beta); break;
            default:
                // wide windows: the same sums, one channel's row at a time into `window`
                for (int p = 0; p < n; p++) window[p] = xf[p] * xf[p];
                for (int j = first + 1; j <= last; j++) {
                    const float *xj = input + (size_t)j * stride + b0;
                    for (int p = 0; p < n; p++) window[p] += xj[p] * xj[p];
                }
                if (beta == 0.75f) {
                    for (int p = 0; p < n; p++) {
                        const float root = sqrtf(k + scale * window[p]);
                        y[p] = x[p] / (root * sqrtf(root));
                    }
                } else {
                    for (int p = 0; p < n; p++) y[p] = x[p] * powf(k + scale * window[p], -beta);
                }
            }
        }
    }
}

// The backward pass of ck_lrn. With s_c = k + alpha/size · Σ_{j in window(c)} x_j² and y_c = x_c · s_c^−beta:
// ∂x_j = ∂y_j · s_j^−beta − 2·alpha·beta/size · x_j · Σ_{c: j in window(c)} ∂y_c · x_c · s_c^(−beta−1).
// A block of positions at a time: s and the products t_c = ∂y_c · x_c · s_c^(−beta−1) for every channel first
// (scratch 2·C·LRN_BLOCK floats), then each channel's sum over the windows that hold it.
void ck_lrn_backward(int channels, int planeSize, int size, float alpha, float beta, float k,
                     const float *restrict input, const float *restrict outGrad, float *restrict inGrad, int p0,
                     int p1) {
    // input, outGrad (C, P) -> inGrad (C, P), positions p0 ..< p1, overwritten
    const int before = (size - 1) / 2, after = size - 1 - before;
    const float scale = alpha / (float)size, factor = 2.0f * alpha * beta / (float)size;
    const size_t stride = (size_t)planeSize;
    float *s = ck_scratch_buffer(CK_SCRATCH_GRID, (size_t)2 * channels * LRN_BLOCK);
    if (!s) abort();
    float *t = s + (size_t)channels * LRN_BLOCK;
    for (int b0 = p0; b0 < p1; b0 += LRN_BLOCK) {
        const int n = p1 - b0 < LRN_BLOCK ? p1 - b0 : LRN_BLOCK;
        for (int c = 0; c < channels; c++) {
            const int first = c - before > 0 ? c - before : 0;
            const int last = c + after < channels - 1 ? c + after : channels - 1;
            float *sc = s + (size_t)c * LRN_BLOCK, *tc = t + (size_t)c * LRN_BLOCK;
            const float *x = input + (size_t)c * stride + b0, *dy = outGrad + (size_t)c * stride + b0;
            for (int p = 0; p < n; p++) sc[p] = 0.0f;
            for (int j = first; j <= last; j++) {
                const float *xj = input + (size_t)j * stride + b0;
                for (int p = 0; p < n; p++) sc[p] += xj[p] * xj[p];
            }
            for (int p = 0; p < n; p++) {
                sc[p] = k + scale * sc[p];
                tc[p] = dy[p] * x[p] * powf(sc[p], -beta - 1.0f);
            }
        }
        for (int j = 0; j < channels; j++) {
            // channels c whose window holds j: c − before <= j <= c + after
            const int first = j - after > 0 ? j - after : 0;
            const int last = j + before < channels - 1 ? j + before : channels - 1;
            const float *x = input + (size_t)j * stride + b0, *dy = outGrad + (size_t)j * stride + b0;
            const float *sj = s + (size_t)j * LRN_BLOCK;
            float *dx = inGrad + (size_t)j * stride + b0, sum[LRN_BLOCK];
            for (int p = 0; p < n; p++) sum[p] = 0.0f;
            for (int c = first; c <= last; c++)
                for (int p = 0; p < n; p++) sum[p] += t[(size_t)c * LRN_BLOCK + p];
            for (int p = 0; p < n; p++) dx[p] = dy[p] * powf(sj[p], -beta) - factor * x[p] * sum[p];
        }
    }
}
