// Fully connected layers, one output row at a time: eight partial sums per row so the dot product vectorises
// without -ffast-math.
#include "ckernels_internal.h"

void ck_dense_rows(int inFeatures, const float *input, const float *weight, const float *bias,
                   float *output, int o0, int o1) {
    // input (in), weight (out, in), bias (out) -> output rows o0 ..< o1 of (out)
    for (int o = o0; o < o1; o++) {
        const float *w = weight + (size_t)o * inFeatures;
        float p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int i = 0;
        for (; i + 8 <= inFeatures; i += 8)
            for (int l = 0; l < 8; l++) p[l] += w[i + l] * input[i + l];
        float sum = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        for (; i < inFeatures; i++) sum += w[i] * input[i];
        output[o] = sum + (bias ? bias[o] : 0.0f);
    }
}

