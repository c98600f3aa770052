// Which instruction set the kernels run: detected once per process, capped for the whole process (`convplay bench
// --isa`), overridable per thread for tests.
#include "ckernels_internal.h"

#include <stdatomic.h>

// Instruction set in use: CK_ISA_PORTABLE, CK_ISA_AVX2 or CK_ISA_AVX512. `forced_isa` overrides detection per
// thread (−1: detect), so a test can run any kernel the machine supports without racing other threads.
static _Thread_local int forced_isa = -1;

void ck_force_isa(int isa) { forced_isa = isa < 0 ? -1 : (isa < ck_best_isa() ? isa : ck_best_isa()); }

// The process-wide cap ck_limit_isa sets (CK_ISA_AVX512: none). Set before any kernel runs, read by every thread.
static _Atomic int isa_limit = CK_ISA_AVX512;

void ck_limit_isa(int isa) {
    atomic_store_explicit(&isa_limit, isa < CK_ISA_PORTABLE ? CK_ISA_PORTABLE : isa, memory_order_relaxed);
}

int ck_best_isa(void) {
    const int cpu = ck_cpu_isa(), limit = atomic_load_explicit(&isa_limit, memory_order_relaxed);
    return cpu < limit ? cpu : limit;
}

int ck_cpu_isa(void) {
#ifdef CK_X86
    // Every thread that finds it unset detects the same value: a relaxed atomic is enough.
    static _Atomic int detected = -1;
    int isa = atomic_load_explicit(&detected, memory_order_relaxed);
    if (isa < 0) {
        __builtin_cpu_init();
        int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        isa = avx2 ? (__builtin_cpu_supports("avx512f") ? CK_ISA_AVX512 : CK_ISA_AVX2) : CK_ISA_PORTABLE;
        atomic_store_explicit(&detected, isa, memory_order_relaxed);
    }
    return isa;
#else
    return CK_ISA_PORTABLE;
#endif
}

int ck_isa(void) { return forced_isa >= 0 ? forced_isa : ck_best_isa(); }

int ck_panel_width(void) { return ck_isa() >= CK_ISA_AVX512 ? NR512 : NR; }
