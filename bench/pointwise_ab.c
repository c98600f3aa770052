// Same-process A/B of blocked 1×1 convs (NCHW8c) at 1 thread: the planar GEMM (ck_sgemm_prepacked; a 1×1 at stride
// 2 on its strided copy, the copy not timed), the general blocked AVX2 kernel (ck_blocked_conv_rows_avx2) and the
// dispatch (ck_blocked_conv_rows: the pointwise kernel), calls alternating, minima, % of PEAK GFLOP/s; the two blocked
// outputs checked bit for bit. Built and run by bench/pointwise-ab.sh: `pointwise_ab C H W M stride [calls]`, PEAK in
// GFLOP/s (default 91.1).
#include "conv_blocked.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *floats(long n) {
    float *p = aligned_alloc(64, ((size_t)n * 4 + 63) / 64 * 64);
    for (long i = 0; i < n; i++) p[i] = rand() / (float)RAND_MAX - 0.5f;
    return p;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: pointwise_ab C H W M stride [calls]\n");
        return 2;
    }
    const int C = atoi(argv[1]), H = atoi(argv[2]), W = atoi(argv[3]), M = atoi(argv[4]), s = atoi(argv[5]);
    const int calls = argc > 6 ? atoi(argv[6]) : 100;
    const double peak = getenv("PEAK") ? atof(getenv("PEAK")) : 91.1;
    const int OH = (H - 1) / s + 1, OW = (W - 1) / s + 1, P = OH * OW;
    ck_conv_desc g = {C, H, W, M, OH, OW, 1, 1, s, s, 0, 0, 1, 1};
    srand(1);
    float *x = floats((long)C * H * W), *w = floats((long)M * C), *b = floats(M), *xs = floats((long)C * P);
    float *xb = floats((long)C * H * W), *y0 = floats((long)M * P), *y1 = floats((long)M * P), *y2 = floats((long)M * P);
    float *gp = malloc(sizeof(float) * ck_packed_weight_floats(M, C)), *bp = malloc(sizeof(float) * M * C);
    ck_pack_weight(M, C, w, C, gp);
    ck_pack_blocked_weight(M, C, 1, 1, w, bp);
    ck_to_blocked(C, (long)H * W, x, xb, 0, C / CK_BLOCK);
    for (int c = 0; c < C; c++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) xs[((long)c * OH + oy) * OW + ox] = x[((long)c * H + oy * s) * W + ox * s];
    const ck_output_epilogue relu = {NULL, {CK_ACTIVATION_RELU, 0, 0}};
    double t[3] = {1e9, 1e9, 1e9};
    for (int i = -3; i < calls; i++) {
        double a = now();
        ck_sgemm_prepacked(M, P, C, gp, xs, P, y0, P, b, 0, M, relu);
        double m = now();
        ck_blocked_conv_rows_avx2(&g, xb, bp, b, y1, 0, OH, 0, M / CK_BLOCK, relu);
        double e = now();
        ck_blocked_conv_rows(&g, xb, bp, b, y2, 0, OH, 0, M / CK_BLOCK, relu);
        double f = now();
        if (i >= 0) {
            if (m - a < t[0]) t[0] = m - a;
            if (e - m < t[1]) t[1] = e - m;
            if (f - e < t[2]) t[2] = f - e;
        }
    }
    const int same = memcmp(y1, y2, sizeof(float) * M * P) == 0;
    const double flops = 2.0 * M * C * P;
    printf("%4d→%-4d %3dx%-3d /%d  gemm %7.3f ms %5.1f%%  blocked %7.3f ms %5.1f%% (%.3f)  new %7.3f ms %5.1f%% (%.3f, "
           "%.3f of blocked) %s\n",
           C, M, H, W, s, t[0] * 1e3, flops / t[0] * 1e-7 / peak, t[1] * 1e3, flops / t[1] * 1e-7 / peak, t[1] / t[0],
           t[2] * 1e3, flops / t[2] * 1e-7 / peak, t[2] / t[0], t[2] / t[1], same ? "same bits" : "BITS DIFFER");
    return !same;
}
