// Which instruction set the kernels run: detected once per process, overridable per thread for tests.
#include "ckernels_internal.h"

int ckernels_version(void) { return 2; }

// Instruction set in use: 0 portable C, 1 AVX2+FMA, 2 AVX-512F. `forced` overrides detection per thread
// (−1: detect), so a test can run any kernel the machine supports without racing other threads.
static _Thread_local int forced_isa = -1;

void ck_force_portable(int portable) { forced_isa = portable ? 0 : -1; }

void ck_force_isa(int isa) { forced_isa = isa < 0 ? -1 : (isa < ck_best_isa() ? isa : ck_best_isa()); }

int ck_best_isa(void) {
#ifdef CK_X86
    static int detected = -1;
    if (detected < 0) {
        __builtin_cpu_init();
        int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        detected = avx2 ? (__builtin_cpu_supports("avx512f") ? 2 : 1) : 0;
    }
    return detected;
#else
    return 0;
#endif
}

int ck_isa(void) { return forced_isa >= 0 ? forced_isa : ck_best_isa(); }

int ck_uses_avx2(void) { return ck_isa() >= 1; }

int ck_panel_width(void) { return ck_isa() >= 2 ? NR512 : NR; }
