// Same-process A/B timing of two builds of the C kernels (e.g. main's and a branch's Sources/CKernels), for the
// shapes of MobileNetV2's 1×1 convs and depthwise convs and of the channel-tile kernel's small-map deep-K convs and
// 7×7 stems: each build is a shared library loaded with its own
// symbols; the two run alternately, many rounds, and the minimum and median per case are printed with their
// ratio (new / old; below 1 is faster). Between timed calls a 6 MiB buffer (CKAB_EVICT_MIB) is read, so weights and inputs come
// from L3 as in a whole network, and the input is read
// again (in cache, as the previous layer's output). One thread (the pool is not used). Run by bench/ckab.sh.
// CKAB_ALIAS=1 puts a case's addend in its output buffer (refilled before each call), as an inference plan writes
// a residual sum over its other part.
//
// CKAB_COLD=1 reproduces a whole network's memory instead: before each timed call a 64 MiB buffer (CKAB_COLD_MIB) is
// read and written, line by line, so the output, the addend, the input and the weights all come from memory, and
// the caches are full of dirty lines to write back as the call's own lines replace them (a network pass of
// ResNet-50 streams 94 MB of weights and writes an output per layer). CKAB_WARM then names what is read again
// after that, in its order: 'a' the addend (the residual branch's input, written three layers before), 'o' the
// output buffer, 'i' the input (the previous layer's output), 'e' the CKAB_EVICT_MIB buffer (which pushes what was
// read before it out of L2 into L3); e.g. "aoei": addend and output in L3, the input nearest.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ckernels.h"

typedef struct {
    void (*pack_weight)(int, int, const float *, int, float *);
    size_t (*packed_floats)(int, int);
    void (*sgemm_prepacked)(int, int, int, const float *, const float *, int, float *, int, const float *, int, int,
                            ck_output_epilogue);
    void (*depthwise)(const ck_conv_desc *, int, const float *, const float *, const float *, float *, const float *,
                      const float *, float *, float *, ck_activation, int, int);
    size_t (*channel_packed_floats)(int, int);
    void (*pack_channel_weight)(int, int, const float *, float *);
    void (*channel_tile_rows)(const ck_conv_desc *, const float *, const float *, const float *, const float *, float *,
                              int, int, int, int, ck_output_epilogue);
    void (*pool[2])(const ck_pool_desc *, const float *, float *, int, int);  // max, average
    void (*conv_gemm)(const ck_conv_desc *, int, const float *, const float *, const float *, const float *, float *, int,
                      int, int, int, ck_output_epilogue);
} build;

static build load(const char *path) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); exit(2); }
    build b = {dlsym(h, "ck_pack_weight"), dlsym(h, "ck_packed_weight_floats"), dlsym(h, "ck_sgemm_prepacked"),
               dlsym(h, "ck_depthwise_conv"), dlsym(h, "ck_channel_packed_floats"), dlsym(h, "ck_pack_channel_weight"),
               dlsym(h, "ck_conv_channel_tile_rows"), {dlsym(h, "ck_max_pool"), dlsym(h, "ck_average_pool")},
               dlsym(h, "ck_conv_im2col_gemm_batch")};
    // CKAB_ISA=1 runs both builds' AVX2 kernels (0: portable) on a machine that has more, as on AMD Zen 3
    if (getenv("CKAB_ISA")) ((void (*)(int))dlsym(h, "ck_force_isa"))(atoi(getenv("CKAB_ISA")));
    return b;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *randoms(size_t n, unsigned seed) {
    float *p = aligned_alloc(64, (n * 4 + 63) / 64 * 64);
    for (size_t i = 0; i < n; i++) { seed = seed * 1664525u + 1013904223u; p[i] = (float)(seed >> 8) / (1 << 24) - 0.5f; }
    return p;
}

static float *evict_buffer;
static size_t evict_floats;
static volatile float evict_sink;
static int cold;            // CKAB_COLD
static const char *warm = "";  // CKAB_WARM
static float *cold_buffer;
static size_t cold_floats;

static float touch(const float *p, size_t n) {
    float s = 0;
    for (size_t i = 0; p && i < n; i += 16) s += p[i];
    return s;
}

// Reads CKAB_EVICT_MIB (6) MiB of other memory (the weights fall out of L2, as in a whole network), then the input `hot` (the
// previous layer's output, still in cache in a network). Under CKAB_COLD, flushes every cache level with dirty lines
// instead and reads again what CKAB_WARM names: the addend `plus` (n_plus floats), the output `out` (n_out), the input.
static void evict(const float *hot, size_t n, const float *plus, size_t n_plus, const float *out, size_t n_out) {
    if (!cold) {
        evict_sink = touch(evict_buffer, evict_floats) + touch(hot, n);
        return;
    }
    for (size_t i = 0; i < cold_floats; i += 16) cold_buffer[i] += 1.0f;
    float s = 0;
    for (const char *w = warm; *w; w++)
        s += *w == 'a' ? touch(plus, n_plus) : *w == 'o' ? touch(out, n_out) : *w == 'i' ? touch(hot, n)
           : *w == 'e' ? touch(evict_buffer, evict_floats) : 0;
    evict_sink = s;
}


typedef struct {
    const char *name;
    int kind;  // 0: 1×1 conv (M out, K in, N positions, 1: residual addend and ReLU); 1: depthwise 3×3 (C, H, W,
               // stride); 2: square conv on the channel tiles (C in, H = W, M out, kernel, stride, pad); 3: square
               // pool (C, H = W, OH = OW, kernel, stride, pad, max 0 / average 1); 4: strided 1×1 conv through the
               // GEMM with pre-packed weights (C in, H = W, M out, stride, 1: residual addend and ReLU)
    int a, b, c, d, e, f;
} shape;

static int cmp(const void *x, const void *y) { double a = *(const double *)x, b = *(const double *)y; return (a > b) - (a < b); }

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: ckab OLD.so NEW.so [rounds] [filter]\n"); return 2; }
    build v[2] = {load(argv[1]), load(argv[2])};
    const int rounds = argc > 3 ? atoi(argv[3]) : 41;
    const char *filter = argc > 4 ? argv[4] : "";
    evict_floats = (size_t)(getenv("CKAB_EVICT_MIB") ? atoi(getenv("CKAB_EVICT_MIB")) : 6) << 18;
    evict_buffer = randoms(evict_floats, 7);
    cold = getenv("CKAB_COLD") ? atoi(getenv("CKAB_COLD")) : 0;
    const int alias = getenv("CKAB_ALIAS") ? atoi(getenv("CKAB_ALIAS")) : 0;
    if (getenv("CKAB_WARM")) warm = getenv("CKAB_WARM");
    cold_floats = cold ? (size_t)(getenv("CKAB_COLD_MIB") ? atoi(getenv("CKAB_COLD_MIB")) : 64) << 18 : 0;
    if (cold) cold_buffer = randoms(cold_floats, 8);
    const shape shapes[] = {
        {"conv_last 1x1 320->1280 7x7", 0, 1280, 320, 49, 0},
        {"block7_1/linear 960->320 7x7", 0, 320, 960, 49, 0},
        {"block7_1/expand 160->960 7x7", 0, 960, 160, 49, 0},
        {"block6_2/linear 960->160 7x7", 0, 160, 960, 49, 0},
        {"block6_1/linear 576->160 7x7", 0, 160, 576, 49, 0},
        {"block5_2/linear 576->96 14x14", 0, 96, 576, 196, 0},
        {"block4_2/expand 64->384 14x14", 0, 384, 64, 196, 0},
        {"block1_1/linear 32->16 112x112", 0, 16, 32, 12544, 0},
        {"block2_2/linear 144->24 56x56", 0, 24, 144, 3136, 0},
        {"block3_2/linear 192->32 28x28", 0, 32, 192, 784, 0},
        {"block2_1/expand 16->96 112x112", 0, 96, 16, 12544, 0},
        {"googlenet 3a reduce 192->16 28x28", 0, 16, 192, 784, 0},
        {"googlenet 4a reduce 480->16 14x14", 0, 16, 480, 196, 0},
        {"nin cccp 192->10 8x8", 0, 10, 192, 64, 0},
        {"squeezenet conv10 512->1000 13x13", 0, 1000, 512, 169, 0},
        {"squeezenet fire5 squeeze 256->32 27x27", 0, 32, 256, 729, 0},
        {"squeezenet fire2 squeeze 96->16 55x55", 0, 16, 96, 3025, 0},
        {"googlenet 5b 1x1 832->384 7x7", 0, 384, 832, 49, 0},
        {"resnet res2 branch2c 64->256 56x56+", 0, 256, 64, 3136, 1},
        {"resnet res2 branch2a 256->64 56x56", 0, 64, 256, 3136, 0},
        {"resnet res2a branch1 64->256 56x56", 0, 256, 64, 3136, 0},
        {"resnet res2a branch2a 64->64 56x56", 0, 64, 64, 3136, 0},
        {"resnet res3 branch2a 512->128 28x28", 0, 128, 512, 784, 0},
        {"resnet res3 branch2c 128->512 28x28+", 0, 512, 128, 784, 1},
        {"googlenet 3b 1x1 256->128 28x28", 0, 128, 256, 784, 0},
        {"dw 3x3/2 576 14->7", 1, 576, 14, 14, 2},
        {"dw 3x3/2 192 28->14", 1, 192, 28, 28, 2},
        {"dw 3x3/2 144 56->28", 1, 144, 56, 56, 2},
        {"dw 3x3/2 96 112->56", 1, 96, 112, 112, 2},
        {"dw 3x3/1 960 7x7", 1, 960, 7, 7, 1},
        {"dw 3x3/1 576 14x14", 1, 576, 14, 14, 1},
        {"dw 3x3/1 144 56x56", 1, 144, 56, 56, 1},
        {"dw 3x3/1 192 28x28", 1, 192, 28, 28, 1},
        {"dw 3x3/1 32 112x112", 1, 32, 112, 112, 1},
        {"resnet res5 3x3 512->512 7x7", 2, 512, 7, 512, 3, 1, 1},
        {"resnet res4 3x3 256->256 14x14", 2, 256, 14, 256, 3, 1, 1},
        {"googlenet 4a 3x3 96->208 14x14", 2, 96, 14, 208, 3, 1, 1},
        {"googlenet 4b 1x1 512->112 14x14", 2, 512, 14, 112, 1, 1, 0},
        {"googlenet 4b 1x1 512->144 14x14", 2, 512, 14, 144, 1, 1, 0},
        {"squeezenet conv10 tiles 512->1000 13", 2, 512, 13, 1000, 1, 1, 0},
        {"googlenet 4e 3x3 160->320 14x14", 2, 160, 14, 320, 3, 1, 1},
        {"googlenet 5b 3x3 192->384 7x7", 2, 192, 7, 384, 3, 1, 1},
        {"googlenet 4e 5x5 32->128 14x14", 2, 32, 14, 128, 5, 1, 2},
        {"googlenet 5b 5x5 48->128 7x7", 2, 48, 7, 128, 5, 1, 2},
        {"resnet res3a 3x3/2 128->128 56", 2, 128, 56, 128, 3, 2, 1},
        {"resnet res2 3x3 64->64 56x56", 2, 64, 56, 64, 3, 1, 1},
        {"resnet res3 3x3 128->128 28x28", 2, 128, 28, 128, 3, 1, 1},
        {"googlenet conv2 3x3 64->192 56x56", 2, 64, 56, 192, 3, 1, 1},
        {"googlenet 3a 3x3 96->128 28x28", 2, 96, 28, 128, 3, 1, 1},
        {"squeezenet fire6 3x3 48->192 27x27", 2, 48, 27, 192, 3, 1, 1},
        {"squeezenet fire9 3x3 64->256 13x13", 2, 64, 13, 256, 3, 1, 1},
        {"resnet conv1 7x7/2 3->64 224", 2, 3, 224, 64, 7, 2, 3},
        {"squeezenet conv1 7x7/2 3->96 224", 2, 3, 224, 96, 7, 2, 0},
        {"mobilenet conv1 3x3/2 3->32 224", 2, 3, 224, 32, 3, 2, 1},
        {"nin conv1 5x5 3->192 32x32", 2, 3, 32, 192, 5, 1, 2},
        {"squeezenet fire2 3x3 16->64 55x55", 2, 16, 55, 64, 3, 1, 1},
        {"squeezenet fire4 3x3 32->128 55x55", 2, 32, 55, 128, 3, 1, 1},
        {"squeezenet fire8 3x3 64->256 27x27", 2, 64, 27, 256, 3, 1, 1},
        {"googlenet 3b 3x3 128->192 28x28", 2, 128, 28, 192, 3, 1, 1},
        {"nin conv2 5x5 96->256 16x16", 2, 96, 16, 256, 5, 1, 2},
        {"resnet res4 1x1 1024->256 14x14", 2, 1024, 14, 256, 1, 1, 0},
        {"maxpool 3x3/2 96 111->55", 3, 96, 111, 55, 3, 2, 0},
        {"maxpool 3x3/2 64 112->56 pad 1", 3, 64, 112, 56, 3, 2, 1},
        {"maxpool 3x3/2 64 112->56 ceil", 3, 64, 112, 56, 3, 2, 0},
        {"maxpool 3x3/2 256 55->27", 3, 256, 55, 27, 3, 2, 0},
        {"maxpool 3x3/2 512 27->13", 3, 512, 27, 13, 3, 2, 0},
        {"maxpool 3x3/2 480 28->14 ceil", 3, 480, 28, 14, 3, 2, 0},
        {"maxpool 3x3/2 832 14->7 ceil", 3, 832, 14, 7, 3, 2, 0},
        {"maxpool 3x3/2 96 32->16 ceil", 3, 96, 32, 16, 3, 2, 0},
        {"avgpool 3x3/2 192 16->8 ceil", 3, 192, 16, 8, 3, 2, 0 + 16},
        {"avgpool 7x7 1024 7->1", 3, 1024, 7, 1, 7, 1, 0 + 16},
        // ResNet-50's strided 1×1 shortcuts and its residual 1×1s on 14×14
        {"resnet res3a branch1 1x1/2 256->512 56", 4, 256, 56, 512, 2},
        {"resnet res4a branch1 1x1/2 512->1024 28", 4, 512, 28, 1024, 2},
        {"resnet res5a branch1 1x1/2 1024->2048 14", 4, 1024, 14, 2048, 2},
        {"resnet res3a branch1 1x1/2 256->512 56+", 4, 256, 56, 512, 2, 1},
        {"resnet res4a branch1 1x1/2 512->1024 28+", 4, 512, 28, 1024, 2, 1},
        {"resnet res3a branch2a 1x1/2 256->128 56", 4, 256, 56, 128, 2},
        {"resnet res4a branch2a 1x1/2 512->256 28", 4, 512, 28, 256, 2},
        {"resnet res4 branch2c 256->1024 14x14+", 0, 1024, 256, 196, 1},
        {"resnet res5 branch2c 512->2048 7x7+", 0, 2048, 512, 49, 1},
    };
    printf("%-34s %10s %10s %10s %10s %7s %7s\n", "case", "old min", "new min", "old med", "new med", "min", "med");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const shape sh = shapes[s];
        if (*filter && !strstr(sh.name, filter)) continue;
        double *t[2] = {malloc(rounds * sizeof(double)), malloc(rounds * sizeof(double))};
        const ck_activation relu6 = {CK_ACTIVATION_CLIP, 0, 6};
        if (sh.kind == 0) {
            const int M = sh.a, K = sh.b, N = sh.c;
            float *w = randoms((size_t)M * K, 1), *x = randoms((size_t)K * N, 2), *bias = randoms(M, 3);
            // the residual branch's output, read from L3 (written two layers before), and the ReLU after the add
            float *addend = sh.d ? randoms((size_t)M * N, 6) : NULL;
            const ck_output_epilogue epilogue = {addend, sh.d ? (ck_activation){CK_ACTIVATION_RELU, 0, 0} : relu6};
            float *out[2] = {randoms((size_t)M * N, 4), randoms((size_t)M * N, 4)};
            float *packed[2];
            for (int i = 0; i < 2; i++) {
                packed[i] = randoms(v[i].packed_floats(M, K), 5);
                v[i].pack_weight(M, K, w, K, packed[i]);
            }
            for (int r = 0; r < rounds; r++)
                for (int i = 0; i < 2; i++) {
                    ck_output_epilogue e = epilogue;
                    if (alias && addend) memcpy(out[i], addend, (size_t)M * N * sizeof(float)), e.addend = out[i];
                    evict(x, (size_t)K * N, e.addend, addend ? (size_t)M * N : 0, out[i], (size_t)M * N);
                    const double t0 = now();
                    v[i].sgemm_prepacked(M, N, K, packed[i], x, N, out[i], N, bias, 0, M, e);
                    t[i][r] = now() - t0;
                }
            double diff = 0;
            for (size_t i = 0; i < (size_t)M * N; i++) {
                const double d = out[0][i] - out[1][i];
                if (d * d > diff) diff = d * d;
            }
            if (diff > 1e-6) printf("  (outputs differ: %g)\n", diff);
        } else if (sh.kind == 4) {
            const int C = sh.a, H = sh.b, M = sh.c, st = sh.d, O = (H - 1) / st + 1;
            const ck_conv_desc g = {C, H, H, M, O, O, 1, 1, st, st, 0, 0, 1, 1};
            const size_t in = (size_t)C * H * H, outs = (size_t)M * O * O;
            float *x = randoms(in, 2), *w = randoms((size_t)M * C, 1), *bias = randoms(M, 3);
            float *out[2] = {randoms(outs, 4), randoms(outs, 4)}, *packed[2];
            // ResNet's shortcut runs after its residual branch, whose output it adds (just written, in L2 and L3)
            float *addend = sh.e ? randoms(outs, 6) : NULL;
            const ck_output_epilogue epilogue = {addend, {sh.e ? CK_ACTIVATION_RELU : CK_ACTIVATION_NONE, 0, 0}};
            for (int i = 0; i < 2; i++) {
                packed[i] = randoms(v[i].packed_floats(M, C), 5);
                v[i].pack_weight(M, C, w, C, packed[i]);
            }
            for (int r = 0; r < rounds; r++)
                for (int i = 0; i < 2; i++) {
                    ck_output_epilogue e = epilogue;
                    if (alias && addend) memcpy(out[i], addend, outs * sizeof(float)), e.addend = out[i];
                    evict(x, in, e.addend, addend ? outs : 0, out[i], outs);
                    const double t0 = now();
                    v[i].conv_gemm(&g, 1, x, w, packed[i], bias, out[i], 0, O * O, 0, M, e);
                    t[i][r] = now() - t0;
                }
            for (size_t i = 0; i < outs; i++)
                if (out[0][i] != out[1][i]) { printf("  (outputs differ at %zu)\n", i); break; }
        } else if (sh.kind == 2) {
            const int C = sh.a, H = sh.b, M = sh.c, k = sh.d, st = sh.e, pad = sh.f, O = (H + 2 * pad - k) / st + 1;
            const ck_conv_desc g = {C, H, H, M, O, O, k, k, st, st, pad, pad, 1, 1};
            const size_t K = (size_t)C * k * k, in = (size_t)C * H * H, outs = (size_t)M * O * O;
            float *x = randoms(in, 2), *w = randoms((size_t)M * K, 1), *bias = randoms(M, 3);
            float *out[2] = {randoms(outs, 4), randoms(outs, 4)}, *packed[2];
            for (int i = 0; i < 2; i++) {
                packed[i] = randoms(v[i].channel_packed_floats(M, (int)K), 5);
                v[i].pack_channel_weight(M, (int)K, w, packed[i]);
            }
            const ck_activation relu = {CK_ACTIVATION_RELU, 0, 0};
            for (int r = 0; r < rounds; r++)
                for (int i = 0; i < 2; i++) {
                    evict(x, in, NULL, 0, out[i], outs);
                    const double t0 = now();
                    v[i].channel_tile_rows(&g, x, w, packed[i], bias, out[i], 0, O, 0, M, (ck_output_epilogue){NULL, relu});
                    t[i][r] = now() - t0;
                }
            double diff = 0;
            for (size_t i = 0; i < outs; i++) {
                const double d = out[0][i] - out[1][i];
                if (d * d > diff) diff = d * d;
            }
            if (diff > 1e-6) printf("  (outputs differ: %g)\n", diff);
        } else if (sh.kind == 3) {
            const int C = sh.a, H = sh.b, O = sh.c, k = sh.d, st = sh.e, pad = sh.f & 15, average = sh.f >> 4;
            const ck_pool_desc g = {H, H, O, O, k, k, st, st, pad, pad, 0};
            float *x = randoms((size_t)C * H * H, 2), *out[2] = {randoms((size_t)C * O * O, 4), randoms((size_t)C * O * O, 4)};
            for (int r = 0; r < rounds; r++)
                for (int i = 0; i < 2; i++) {
                    evict(x, (size_t)C * H * H, NULL, 0, out[i], (size_t)C * O * O);
                    const double t0 = now();
                    v[i].pool[average](&g, x, out[i], 0, C);
                    t[i][r] = now() - t0;
                }
            for (size_t i = 0; i < (size_t)C * O * O; i++)
                if (out[0][i] != out[1][i]) { printf("  (outputs differ at %zu)\n", i); break; }
        } else {
            const int C = sh.a, H = sh.b, W = sh.c, st = sh.d, OH = (H + 2 - 3) / st + 1, OW = (W + 2 - 3) / st + 1;
            const ck_conv_desc g = {1, H, W, 1, OH, OW, 3, 3, st, st, 1, 1, 1, 1};
            float *x = randoms((size_t)C * H * W, 2), *w = randoms((size_t)C * 9, 1), *bias = randoms(C, 3);
            float *out[2] = {randoms((size_t)C * OH * OW, 4), randoms((size_t)C * OH * OW, 4)};
            for (int r = 0; r < rounds; r++)
                for (int i = 0; i < 2; i++) {
                    evict(x, (size_t)C * H * W, NULL, 0, out[i], (size_t)C * OH * OW);
                    const double t0 = now();
                    // in place: the activation written over the conv's output, as an inference plan runs it
                    v[i].depthwise(&g, 1, x, w, bias, out[i], NULL, NULL, NULL, out[i], relu6, 0, C);
                    t[i][r] = now() - t0;
                }
            for (size_t i = 0; i < (size_t)C * OH * OW; i++)
                if (out[0][i] != out[1][i]) { printf("  (outputs differ at %zu)\n", i); break; }
        }
        qsort(t[0], rounds, sizeof(double), cmp);
        qsort(t[1], rounds, sizeof(double), cmp);
        printf("%-34s %10.4f %10.4f %10.4f %10.4f %7.3f %7.3f\n", sh.name, t[0][0] * 1e3, t[1][0] * 1e3,
               t[0][rounds / 2] * 1e3, t[1][rounds / 2] * 1e3, t[1][0] / t[0][0], t[1][rounds / 2] / t[0][rounds / 2]);
    }
    return 0;
}
