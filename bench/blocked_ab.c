// Planar against blocked (NCHW8c) pools and depthwise convs on the presets' shapes, in one process: each shape's
// two kernels timed alternately (minimum of ROUNDS rounds, each the mean of a few calls), 1 or 2 threads (tasks on
// ck_parallel_for, split by channels as the Swift wrappers split them), and the blocked output checked against the
// planar one bit for bit. Build and run: bench/blocked-ab.sh [ROUNDS] [THREADS] [FILTER].
#include "ckernels.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const char *name;
    int kind;  // 0 max pool, 1 average pool, 2 global average pool, 3 depthwise conv (ReLU6)
    int C, H, W, OH, OW, K, S, P;
} shape;

static const shape shapes[] = {
    {"resnet50 pool1 max 3x3/2 p1 64ch 112->56", 0, 64, 112, 112, 56, 56, 3, 2, 1},
    {"googlenet pool1 max 3x3/2 ceil 64ch 112->56", 0, 64, 112, 112, 56, 56, 3, 2, 0},
    {"googlenet pool2 max 3x3/2 ceil 192ch 56->28", 0, 192, 56, 56, 28, 28, 3, 2, 0},
    {"googlenet pool3 max 3x3/2 ceil 480ch 28->14", 0, 480, 28, 28, 14, 14, 3, 2, 0},
    {"googlenet pool4 max 3x3/2 ceil 832ch 14->7", 0, 832, 14, 14, 7, 7, 3, 2, 0},
    {"inception3a pool max 3x3/1 p1 192ch 28", 0, 192, 28, 28, 28, 28, 3, 1, 1},
    {"inception4 pool max 3x3/1 p1 480ch 14", 0, 480, 14, 14, 14, 14, 3, 1, 1},
    {"googlenet pool5 avg 7x7 1024ch 7->1", 1, 1024, 7, 7, 1, 1, 7, 1, 0},
    {"nin pool1 max 3x3/2 ceil 96ch 32->16", 0, 96, 32, 32, 16, 16, 3, 2, 0},
    {"nin pool2 avg 3x3/2 ceil 192ch 16->8", 1, 192, 16, 16, 8, 8, 3, 2, 0},
    {"squeezenet pool1 max 3x3/2 ceil 96ch 111->55", 0, 96, 111, 111, 55, 55, 3, 2, 0},
    {"squeezenet pool4 max 3x3/2 ceil 256ch 55->27", 0, 256, 55, 55, 27, 27, 3, 2, 0},
    {"squeezenet pool8 max 3x3/2 ceil 512ch 27->13", 0, 512, 27, 27, 13, 13, 3, 2, 0},
    {"resnet50 gap 2048ch 7x7", 2, 2048, 7, 7, 1, 1, 0, 0, 0},
    {"squeezenet gap 1000ch 13x13", 2, 1000, 13, 13, 1, 1, 0, 0, 0},
    {"mobilenetv2 gap 1280ch 7x7", 2, 1280, 7, 7, 1, 1, 0, 0, 0},
    {"mnv2 dw 3x3/1 32ch 112", 3, 32, 112, 112, 112, 112, 3, 1, 1},
    {"mnv2 dw 3x3/2 96ch 112->56", 3, 96, 112, 112, 56, 56, 3, 2, 1},
    {"mnv2 dw 3x3/1 144ch 56", 3, 144, 56, 56, 56, 56, 3, 1, 1},
    {"mnv2 dw 3x3/2 144ch 56->28", 3, 144, 56, 56, 28, 28, 3, 2, 1},
    {"mnv2 dw 3x3/1 192ch 28", 3, 192, 28, 28, 28, 28, 3, 1, 1},
    {"mnv2 dw 3x3/2 192ch 28->14", 3, 192, 28, 28, 14, 14, 3, 2, 1},
    {"mnv2 dw 3x3/1 384ch 14", 3, 384, 14, 14, 14, 14, 3, 1, 1},
    {"mnv2 dw 3x3/1 576ch 14", 3, 576, 14, 14, 14, 14, 3, 1, 1},
    {"mnv2 dw 3x3/2 576ch 14->7 (block6_1)", 3, 576, 14, 14, 7, 7, 3, 2, 1},
    {"mnv2 dw 3x3/1 960ch 7", 3, 960, 7, 7, 7, 7, 3, 1, 1},
};

typedef struct {
    const shape *s;
    ck_pool_desc pool;
    ck_conv_desc conv;
    const float *x, *w, *bias;
    float *y;
    int blocked, tasks;
} job;

static void run_task(void *context, int task) {
    const job *j = context;
    const shape *s = j->s;
    const int units = j->blocked ? s->C / CK_BLOCK : s->C;
    const int u0 = units * task / j->tasks, u1 = units * (task + 1) / j->tasks;
    const ck_activation relu6 = {CK_ACTIVATION_CLIP, 0.0f, 6.0f};
    switch (s->kind) {
    case 0:
        if (j->blocked) ck_blocked_max_pool(&j->pool, j->x, j->y, u0, u1, 0, s->OH);
        else ck_max_pool(&j->pool, j->x, j->y, u0, u1);
        break;
    case 1:
        if (j->blocked) ck_blocked_average_pool(&j->pool, j->x, j->y, u0, u1, 0, s->OH);
        else ck_average_pool(&j->pool, j->x, j->y, u0, u1);
        break;
    case 2:
        if (j->blocked) ck_blocked_global_average_pool(j->x, j->y, s->H * s->W, u0, u1);
        else ck_global_average_pool(j->x, j->y, s->H * s->W, u0, u1);
        break;
    default:
        if (j->blocked) ck_blocked_depthwise_conv(&j->conv, j->x, j->w, j->bias, j->y, relu6, u0, u1, 0, s->OH);
        else ck_depthwise_conv(&j->conv, 1, j->x, j->w, j->bias, j->y, NULL, NULL, NULL, j->y, relu6, u0, u1);
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double time_job(job *j, int threads, int calls) {
    const double start = now();
    for (int i = 0; i < calls; i++)
        if (threads == 1 || !ck_parallel_for(j->tasks, threads, run_task, j))
            for (int t = 0; t < j->tasks; t++) run_task(j, t);
    return (now() - start) / calls;
}

int main(int argc, char **argv) {
    const int rounds = argc > 1 ? atoi(argv[1]) : 21, threads = argc > 2 ? atoi(argv[2]) : 1;
    const char *filter = argc > 3 ? argv[3] : "";
    srand(7);
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        const shape *s = &shapes[i];
        if (!strstr(s->name, filter)) continue;
        const long in = (long)s->C * s->H * s->W, out = (long)s->C * s->OH * s->OW;
        float *x = malloc(in * 4), *xb = malloc(in * 4), *y = malloc(out * 4), *yb = malloc(out * 4),
              *yp = malloc(out * 4), *w = malloc((size_t)s->C * 9 * 4), *wb = malloc((size_t)s->C * 9 * 4),
              *bias = malloc((size_t)s->C * 4);
        for (long k = 0; k < in; k++) x[k] = (float)rand() / (float)RAND_MAX * 2 - 1;
        for (int k = 0; k < s->C * 9; k++) w[k] = (float)rand() / (float)RAND_MAX * 2 - 1;
        for (int k = 0; k < s->C; k++) bias[k] = (float)rand() / (float)RAND_MAX * 2 - 1;
        ck_to_blocked(s->C, (long)s->H * s->W, x, xb, 0, s->C / CK_BLOCK);
        ck_pack_blocked_depthwise_weight(s->C, 3, 3, w, wb);
        job planar = {s, {s->H, s->W, s->OH, s->OW, s->K, s->K, s->S, s->S, s->P, s->P, 0},
                      {1, s->H, s->W, 1, s->OH, s->OW, 3, 3, s->S, s->S, s->P, s->P, 1, 1}, x, w, bias, y, 0, threads};
        job blocked = planar;
        blocked.x = xb, blocked.w = wb, blocked.y = yb, blocked.blocked = 1;
        time_job(&planar, threads, 1);
        time_job(&blocked, threads, 1);
        if (s->kind == 2) memcpy(yp, yb, out * 4);
        else ck_from_blocked(s->C, (long)s->OH * s->OW, yb, yp, 0, s->C / CK_BLOCK);
        long differ = 0;
        for (long k = 0; k < out; k++) differ += memcmp(&y[k], &yp[k], 4) != 0;
        const int calls = in < 200000 ? 20 : 5;
        double tp = 1e9, tb = 1e9;
        for (int r = 0; r < rounds; r++) {
            const double a = time_job(&planar, threads, calls), b = time_job(&blocked, threads, calls);
            tp = a < tp ? a : tp, tb = b < tb ? b : tb;
        }
        const double bytes = (double)(in + out) * 4;
        printf("%-46s planar %8.2f us  blocked %8.2f us  %5.2f  blocked %5.1f GB/s  %s\n", s->name, tp * 1e6, tb * 1e6,
               tb / tp, bytes / tb * 1e-9, differ ? "BITS DIFFER" : "same bits");
        if (differ)
            for (long k = 0; k < out; k++)
                if (memcmp(&y[k], &yp[k], 4)) {
                    fprintf(stderr, "  %ld of %ld values differ, first at channel %ld position %ld: %.9g %.9g\n", differ, out,
                            k / (s->OH * s->OW), k % (s->OH * s->OW), y[k], yp[k]);
                    break;
                }
        free(x), free(xb), free(y), free(yb), free(yp), free(w), free(wb), free(bias);
    }
    return 0;
}
