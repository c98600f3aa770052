// Same-process A/B of one conv shape at 1 thread: the channel-tile kernel (ck_conv_channel_tile_rows, weights packed
// in its panels) against the path conv2d takes without it (ck_sgemm_prepacked for a 1×1 at stride 1, ck_conv_rows
// where ck_conv_reads_in_place, else ck_conv_im2col_gemm_batch; GEMM-packed weights), ReLU stored by the kernel.
// Calls alternate old, new, old, new …; prints each side's minimum and median and the ratio new / old.
// Built and run by bench/conv-ab.sh: `conv_ab C H W M KH KW stride pad [calls]`.
#include "ckernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 9) {
        fprintf(stderr, "usage: conv_ab C H W M KH KW stride pad [calls]\n");
        return 2;
    }
    const int C = atoi(argv[1]), H = atoi(argv[2]), W = atoi(argv[3]), M = atoi(argv[4]), KH = atoi(argv[5]),
              KW = atoi(argv[6]), s = atoi(argv[7]), pad = atoi(argv[8]), calls = argc > 9 ? atoi(argv[9]) : 200;
    const int OH = (H + 2 * pad - KH) / s + 1, OW = (W + 2 * pad - KW) / s + 1, K = C * KH * KW;
    ck_conv_desc g = {C, H, W, M, OH, OW, KH, KW, s, s, pad, pad, 1, 1};
    float *x = malloc(sizeof(float) * C * H * W), *w = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * M);
    float *y0 = malloc(sizeof(float) * M * OH * OW), *y1 = malloc(sizeof(float) * M * OH * OW);
    srand(1);
    for (long i = 0; i < (long)C * H * W; i++) x[i] = rand() / (float)RAND_MAX - 0.5f;
    for (long i = 0; i < (long)M * K; i++) w[i] = rand() / (float)RAND_MAX - 0.5f;
    for (int i = 0; i < M; i++) b[i] = rand() / (float)RAND_MAX - 0.5f;
    float *gemm_packed = malloc(sizeof(float) * ck_packed_weight_floats(M, K));
    float *tile_packed = malloc(sizeof(float) * ck_channel_packed_floats(M, K));
    ck_pack_weight(M, K, w, K, gemm_packed);
    ck_pack_channel_weight(M, K, w, tile_packed);
    const ck_output_epilogue relu = {NULL, {CK_ACTIVATION_RELU, 0, 0}};
    const int pointwise = KH * KW == 1 && s == 1 && pad == 0, in_place = ck_conv_reads_in_place(&g);
    double *t0 = malloc(sizeof(double) * calls), *t1 = malloc(sizeof(double) * calls);
    for (int i = -3; i < calls; i++) {
        double a = now();
        if (pointwise) ck_sgemm_prepacked(M, OH * OW, K, gemm_packed, x, OH * OW, y0, OH * OW, b, 0, M, relu);
        else if (in_place) ck_conv_rows(&g, x, w, gemm_packed, b, y0, 0, OH, 0, M, relu);
        else ck_conv_im2col_gemm_batch(&g, 1, x, w, gemm_packed, b, y0, 0, OH * OW, 0, M, relu);
        double m = now();
        ck_conv_channel_tile_rows(&g, x, w, tile_packed, b, y1, 0, OH, 0, M, relu);
        double e = now();
        if (i >= 0) t0[i] = m - a, t1[i] = e - m;
    }
    double worst = 0;
    for (long i = 0; i < (long)M * OH * OW; i++) {
        const double d = y0[i] > y1[i] ? y0[i] - y1[i] : y1[i] - y0[i];
        if (d > worst) worst = d;
    }
    qsort(t0, calls, sizeof(double), by_value);
    qsort(t1, calls, sizeof(double), by_value);
    const double flops = 2.0 * M * K * OH * OW;
    printf("%4d×%-3d→%-4d %dx%d/%d p%d out %3dx%-3d K %5d  old(%s) min %7.3f med %7.3f ms %5.1f GF  tiles min %7.3f "
           "med %7.3f ms %5.1f GF  ratio min %.3f med %.3f  maxdiff %.1e\n",
           C, H, M, KH, KW, s, pad, OH, OW, K, pointwise ? "gemm" : in_place ? "rows" : "im2col", t0[0] * 1e3,
           t0[calls / 2] * 1e3, flops / t0[0] * 1e-9, t1[0] * 1e3, t1[calls / 2] * 1e3, flops / t1[0] * 1e-9,
           t1[0] / t0[0], t1[calls / 2] / t0[calls / 2], worst);
    return 0;
}
