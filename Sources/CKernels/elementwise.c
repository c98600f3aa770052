// Element-wise kernels: activations and one-pass statistics.
#include "ckernels_internal.h"

__attribute__((target_clones("avx512f", "avx2", "default")))
void ck_relu(long count, const float *input, float *output) {
    // input (N) -> output (N)
    for (long i = 0; i < count; i++) output[i] = input[i] > 0.0f ? input[i] : 0.0f;
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void ck_statistics(long count, const float *values, float *minimum, float *maximum, double *sum,
                   double *squares, long *zeros) {
    // values (N) -> min, max, Σx, Σx², zeros
    // Eight float lanes per 1024-value block, folded into double after each block so long maps stay exact.
    float lo[8], hi[8];
    double total = 0.0, total_squares = 0.0;
    long zero_count = 0;
    for (int l = 0; l < 8; l++) { lo[l] = count > 0 ? values[0] : 0.0f; hi[l] = lo[l]; }
    long i = 0;
    while (i + 8 <= count) {
        long block_end = i + 1024 <= count ? i + 1024 : count - (count - i) % 8;
        float s[8] = {0}, q[8] = {0}, z[8] = {0};
        for (; i < block_end; i += 8)
            for (int l = 0; l < 8; l++) {
                float v = values[i + l];
                lo[l] = v < lo[l] ? v : lo[l];
                hi[l] = v > hi[l] ? v : hi[l];
                s[l] += v;
                q[l] += v * v;
                z[l] += v == 0.0f ? 1.0f : 0.0f;
            }
        for (int l = 0; l < 8; l++) { total += s[l]; total_squares += q[l]; zero_count += (long)z[l]; }
    }
    float mn = lo[0], mx = hi[0];
    for (int l = 1; l < 8; l++) { mn = lo[l] < mn ? lo[l] : mn; mx = hi[l] > mx ? hi[l] : mx; }
    for (; i < count; i++) {
        float v = values[i];
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        total += v;
        total_squares += (double)v * v;
        zero_count += v == 0.0f;
    }
    *minimum = mn; *maximum = mx; *sum = total; *squares = total_squares; *zeros = zero_count;
}
