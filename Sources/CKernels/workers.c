// A persistent worker pool for fork–join loops: N−1 long-lived threads plus the caller share the tasks of
// one loop through an atomic counter. Hand-off is a generation counter the workers watch: they spin for a
// few microseconds after a loop (the next node usually starts within that time), then sleep on a futex, so
// an idle pool costs no CPU and never fights other thread pools for the cores.
#include "ckernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#define CK_FUTEX 1
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_PAUSE() _mm_pause()
#else
#define CK_PAUSE() ((void)0)
#endif

enum { POOL_MAX_WORKERS = 63 };

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;  // one loop at a time; others fall back
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER; // portable sleeping (no futex)
static pthread_cond_t sleep_cond = PTHREAD_COND_INITIALIZER;
static _Atomic unsigned pool_generation;  // bumped once per loop; workers wait for it to change
static _Atomic int pool_pending;          // workers that have not finished the current loop
static _Atomic int pool_sleepers;         // workers asleep (or about to) on pool_generation
static _Atomic int caller_sleeping;       // 1 while the caller sleeps on pool_pending
static _Atomic int pool_next_task;
static int pool_started;                  // worker threads created so far (only grows)
static ck_task_fn pool_fn;
static void *pool_context;
static int pool_tasks, pool_participants; // workers 1 ..< participants take tasks
static _Atomic long pool_spin_ns = 20000;  // how long an idle worker spins before it sleeps

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static void wait_while_equal(_Atomic unsigned *word, unsigned value) {
#ifdef CK_FUTEX
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
#else
    pthread_mutex_lock(&sleep_lock);
    while (atomic_load(word) == value) pthread_cond_wait(&sleep_cond, &sleep_lock);
    pthread_mutex_unlock(&sleep_lock);
#endif
}

static void wake_all(_Atomic unsigned *word) {
#ifdef CK_FUTEX
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, POOL_MAX_WORKERS + 1, NULL, NULL, 0);
#else
    (void)word;
    pthread_mutex_lock(&sleep_lock);
    pthread_cond_broadcast(&sleep_cond);
    pthread_mutex_unlock(&sleep_lock);
#endif
}

/// Spins until *word != value for at most `spin_ns`; returns 1 when it changed.
static int spin_until_changed(_Atomic unsigned *word, unsigned value, long spin_ns) {
    long deadline = 0;
    for (int round = 0;; round++) {
        for (int i = 0; i < 64; i++) {
            if (atomic_load_explicit(word, memory_order_acquire) != value) return 1;
            CK_PAUSE();
        }
        long t = now_ns();
        if (round == 0) deadline = t + spin_ns;
        else if (t >= deadline) return 0;
    }
}

static void run_tasks(ck_task_fn fn, void *context, int tasks) {
    for (;;) {
        int task = atomic_fetch_add_explicit(&pool_next_task, 1, memory_order_relaxed);
        if (task >= tasks) return;
        fn(context, task);
    }
}

static void *worker_main(void *argument) {
    const int index = (int)(intptr_t)argument;
    unsigned seen = 0;
    for (;;) {
        unsigned generation;
        while ((generation = atomic_load_explicit(&pool_generation, memory_order_acquire)) == seen) {
            if (spin_until_changed(&pool_generation, seen, atomic_load_explicit(&pool_spin_ns, memory_order_relaxed)))
                continue;
            atomic_fetch_add(&pool_sleepers, 1);
            if (atomic_load(&pool_generation) == seen) wait_while_equal(&pool_generation, seen);
            atomic_fetch_sub(&pool_sleepers, 1);
        }
        seen = generation;
        if (index < pool_participants) run_tasks(pool_fn, pool_context, pool_tasks);
        if (atomic_fetch_sub(&pool_pending, 1) == 1 && atomic_load(&caller_sleeping))
            wake_all((_Atomic unsigned *)&pool_pending);
    }
    return NULL;
}

int ck_parallel_for(int tasks, int threads, ck_task_fn fn, void *context) {
    if (threads > POOL_MAX_WORKERS + 1) threads = POOL_MAX_WORKERS + 1;
    if (threads > tasks) threads = tasks;
    if (threads <= 1) {
        for (int task = 0; task < tasks; task++) fn(context, task);
        return 1;
    }
    if (pthread_mutex_trylock(&pool_lock) != 0) return 0;  // busy (another caller, or a nested loop)
    while (pool_started < threads - 1) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, worker_main, (void *)(intptr_t)(pool_started + 1));
        pthread_attr_destroy(&attributes);
        if (failed) break;
        pool_started++;
    }
    if (pool_started == 0) {
        pthread_mutex_unlock(&pool_lock);
        return 0;
    }
    pool_fn = fn;
    pool_context = context;
    pool_tasks = tasks;
    pool_participants = threads;
    atomic_store_explicit(&pool_next_task, 0, memory_order_relaxed);
    atomic_store(&pool_pending, pool_started);
    atomic_fetch_add(&pool_generation, 1);  // publishes the loop (seq_cst, paired with pool_sleepers)
    if (atomic_load(&pool_sleepers) > 0) wake_all(&pool_generation);
    run_tasks(fn, context, tasks);
    // Wait for the workers: spin briefly (they are running), then sleep until the last one wakes us.
    for (;;) {
        int pending = atomic_load_explicit(&pool_pending, memory_order_acquire);
        if (pending == 0) break;
        if (spin_until_changed((_Atomic unsigned *)&pool_pending, (unsigned)pending, 50000)) continue;
        atomic_store(&caller_sleeping, 1);
        pending = atomic_load(&pool_pending);
        if (pending != 0) wait_while_equal((_Atomic unsigned *)&pool_pending, (unsigned)pending);
        atomic_store(&caller_sleeping, 0);
    }
    pthread_mutex_unlock(&pool_lock);
    return 1;
}

void ck_set_worker_spin(long nanoseconds) { atomic_store(&pool_spin_ns, nanoseconds < 0 ? 0 : nanoseconds); }

int ck_worker_count(void) {
    pthread_mutex_lock(&pool_lock);
    int started = pool_started;
    pthread_mutex_unlock(&pool_lock);
    return started;
}
