// Local response normalisation across channels.
#include "ckernels_internal.h"
#include <math.h>
#include <stdlib.h>

// LRN over a block of positions at a time: a running window of Σx² across channels per position.
// beta = 0.75 (every Caffe model) is base^−¾ = 1 / (√base · ⁴√base): square roots vectorise, powf does not.

enum { LRN_BLOCK = 256, LRN_RING_STACK = 16 };

__attribute__((target_clones("avx512f", "avx2", "default")))
void ck_lrn(int channels, int planeSize, int size, float alpha, float beta, float k,
            const float *input, float *output, int p0, int p1) {
    // input (C, P) -> output (C, P), positions p0 ..< p1
    const int before = (size - 1) / 2, after = size - 1 - before;
    const int ring_rows = size + 1;  // squares of channels c − before − 1 ... c + after, kept so y may alias x
    const float scale = alpha / (float)size;
    const int three_quarters = beta == 0.75f;
    float window[LRN_BLOCK];
    float ring_stack[LRN_RING_STACK * LRN_BLOCK];
    float *ring = ring_rows <= LRN_RING_STACK ? ring_stack : malloc((size_t)ring_rows * LRN_BLOCK * sizeof(float));
    for (int b0 = p0; b0 < p1; b0 += LRN_BLOCK) {
        const int n = p1 - b0 < LRN_BLOCK ? p1 - b0 : LRN_BLOCK;
        const float *x = input + b0;
        float *y = output + b0;
        for (int p = 0; p < n; p++) window[p] = 0.0f;
        for (int c = 0; c < after && c < channels; c++) {
            const float *xc = x + (size_t)c * planeSize;
            float *sq = ring + (size_t)(c % ring_rows) * LRN_BLOCK;
            for (int p = 0; p < n; p++) { sq[p] = xc[p] * xc[p]; window[p] += sq[p]; }
        }
        for (int c = 0; c < channels; c++) {
            const int entering = c + after, leaving = c - before - 1;
            if (entering < channels) {
                const float *xe = x + (size_t)entering * planeSize;  // not yet overwritten: entering >= c
                float *sq = ring + (size_t)(entering % ring_rows) * LRN_BLOCK;
                for (int p = 0; p < n; p++) { sq[p] = xe[p] * xe[p]; window[p] += sq[p]; }
            }
            if (leaving >= 0) {
                const float *sq = ring + (size_t)(leaving % ring_rows) * LRN_BLOCK;
                for (int p = 0; p < n; p++) window[p] -= sq[p];
            }
            const float *xc = x + (size_t)c * planeSize;
            float *yc = y + (size_t)c * planeSize;
            if (three_quarters) {
                for (int p = 0; p < n; p++) {
                    float w = window[p] > 0.0f ? window[p] : 0.0f;
                    float root = sqrtf(k + scale * w);
                    yc[p] = xc[p] / (root * sqrtf(root));
                }
            } else {
                for (int p = 0; p < n; p++) {
                    float w = window[p] > 0.0f ? window[p] : 0.0f;
                    yc[p] = xc[p] * powf(k + scale * w, -beta);
                }
            }
        }
    }
    if (ring != ring_stack) free(ring);
}
