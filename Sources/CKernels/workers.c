// A persistent worker pool for fork–join loops: N−1 long-lived threads plus the caller share the tasks of
// one loop. Hand-off is a generation counter the workers watch: a worker whose tasks are done spins while the
// caller's loop is still running and for at most 50 µs after it ends (the next node usually starts within that
// time), then sleeps on a futex, so an idle pool costs no CPU and never fights other thread pools for the cores
// for long. (Counting the 50 µs from the worker's own last task put it to sleep whenever the caller's share ran
// 50 µs longer, about every other node of ResNet-50, and the next node paid a wake.) Measured on a
// 2-vCPU KVM guest: a hand-off to a spinning worker takes about 0.2 µs, waking a sleeping one about 26 µs
// (Dispatch's concurrentPerform, for comparison, mostly ran both tasks of a tiny loop on the caller).
#include "ckernels_internal.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#define CK_FUTEX 1
#endif
// No PAUSE in the spin loops: under KVM a tight PAUSE loop triggers pause-loop exiting, and the hypervisor then
// deschedules the vCPU, which turned a 0.2 µs hand-off into 25 µs here. A compiler barrier keeps the loads.
#define CK_SPIN_RELAX() __asm__ volatile("" ::: "memory")

enum { POOL_MAX_WORKERS = 63 };

// One loop at a time owns the pool (others fall back to Dispatch). A loop is published as a ticket,
// generation << 40 | tasks claimed from the front << 20 | tasks claimed from the back, and its function,
// context and task count sit in slot generation & 1. Tasks are claimed by compare-and-swap on the ticket, so a
// worker that wakes late (its core busy elsewhere) finds the ticket moved on and claims nothing: the caller never
// waits for a worker that did not start, only for claimed tasks to finish. The caller claims from the front, the
// workers from the back: on two threads the caller computes the first pieces of every loop and the worker the
// last ones (the boundary moves with their speeds), so a node mostly reads the values its own core just wrote
// (a conv's column pieces are the next conv's), where claiming in turn sent each piece to either core.
typedef struct {
    _Atomic(ck_task_fn) fn;
    _Atomic(void *) context;
    _Atomic int tasks;
} loop_slot;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
#ifndef CK_FUTEX
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;  // portable sleeping (no futex)
static pthread_cond_t sleep_cond = PTHREAD_COND_INITIALIZER;
#endif
static _Atomic unsigned long long pool_ticket;
static loop_slot pool_slots[2];
static _Atomic unsigned pool_generation;  // futex word: the ticket's generation, which idle workers watch
static _Atomic unsigned pool_done;        // tasks of the current loop finished
static _Atomic int pool_sleepers;         // workers asleep (or about to be) on pool_generation
static _Atomic int loop_running;          // 1 from a loop's publication until its caller has seen every task done
static int pool_started;                  // worker threads created so far (only grows)
enum { WORKER_SPIN_NS = 50000 };  // spin after a loop before sleeping
enum { TICKET_BITS = 20, TICKET_MASK = (1 << TICKET_BITS) - 1, GENERATION_MASK = (1 << 24) - 1 };  // ticket fields

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

/// Spins until *word != value (checking the clock every 256 loads) for at most `spin_ns` after `*hold` (when
/// given) was last seen 0; 1 when it changed. While `*hold` is set it yields the core between rounds, so a thread
/// that waits through a long loop gives way to any other thread that wants the core (the caller's own, when there
/// are more threads than cores) and still sees the change within a system call's time.
static int spin_until_changed(_Atomic unsigned *word, unsigned value, long spin_ns, _Atomic int *hold) {
    long deadline = 0;
    for (int round = 0;; round++) {
        for (int i = 0; i < 256; i++) {
            if (atomic_load_explicit(word, memory_order_acquire) != value) return 1;
            CK_SPIN_RELAX();
        }
        long t = now_ns();
        if (hold && atomic_load_explicit(hold, memory_order_relaxed)) {
            deadline = t + spin_ns;
            sched_yield();
        } else if (round == 0) deadline = t + spin_ns;
        else if (t >= deadline) return 0;
    }
}

// Set while this thread runs a task of a pool loop, which other threads' tasks run beside (ck_in_pool_loop).
static _Thread_local int tl_in_pool_loop;

int ck_in_pool_loop(void) { return tl_in_pool_loop; }

// Claims and runs tasks of loop `generation` from the front (the caller) or the back (workers) until none is
// left (or a newer loop replaced it).
static void run_loop(unsigned generation, int from_back) {
    const loop_slot *slot = &pool_slots[generation & 1];
    const ck_task_fn fn = atomic_load_explicit(&slot->fn, memory_order_relaxed);
    void *const context = atomic_load_explicit(&slot->context, memory_order_relaxed);
    const unsigned tasks = (unsigned)atomic_load_explicit(&slot->tasks, memory_order_relaxed);
    unsigned long long ticket = atomic_load_explicit(&pool_ticket, memory_order_acquire);
    for (;;) {
        // The slot reads above are this loop's as long as the ticket still carries its generation.
        const unsigned front = (unsigned)(ticket >> TICKET_BITS) & TICKET_MASK, back = (unsigned)ticket & TICKET_MASK;
        if ((unsigned)(ticket >> 2 * TICKET_BITS) != (generation & GENERATION_MASK) || front + back >= tasks) return;
        const unsigned long long claimed = ticket + (from_back ? 1 : 1ULL << TICKET_BITS);
        if (!atomic_compare_exchange_weak_explicit(&pool_ticket, &ticket, claimed, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        tl_in_pool_loop = 1;
        fn(context, (int)(from_back ? tasks - 1 - back : front));
        tl_in_pool_loop = 0;
        atomic_fetch_add(&pool_done, 1);
        ticket = atomic_load_explicit(&pool_ticket, memory_order_acquire);
    }
}

static void *worker_main(void *argument) {
    // The generation at creation, not at start: the loop that created this worker is published after it,
    // possibly before the thread first runs, and must not count as seen.
    unsigned seen = (unsigned)(uintptr_t)argument;
    for (;;) {
        unsigned generation;
        while ((generation = atomic_load_explicit(&pool_generation, memory_order_acquire)) == seen) {
            if (spin_until_changed(&pool_generation, seen, WORKER_SPIN_NS, &loop_running))
                continue;
            atomic_fetch_add(&pool_sleepers, 1);
            if (atomic_load(&pool_generation) == seen) wait_while_equal(&pool_generation, seen);
            atomic_fetch_sub(&pool_sleepers, 1);
        }
        seen = generation;
        run_loop(generation, 1);
    }
    return NULL;
}

int ck_parallel_for(int tasks, int threads, ck_task_fn fn, void *context) {
    if (threads > POOL_MAX_WORKERS + 1) threads = POOL_MAX_WORKERS + 1;
    if (threads > tasks) threads = tasks;
    if (threads > 1 && tasks > TICKET_MASK) return 0;  // more tasks than a ticket counts: Dispatch runs them
    if (threads <= 1) {
        for (int task = 0; task < tasks; task++) fn(context, task);
        return 1;
    }
    if (pthread_mutex_trylock(&pool_lock) != 0) return 0;  // busy (another caller, or a loop inside a task)
    while (pool_started < threads - 1) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        void *generation = (void *)(uintptr_t)atomic_load(&pool_generation);
        int failed = pthread_create(&thread, &attributes, worker_main, generation);
        pthread_attr_destroy(&attributes);
        if (failed) break;
        pool_started++;
    }
    if (pool_started == 0) {
        pthread_mutex_unlock(&pool_lock);
        return 0;
    }
    // More workers than `threads` − 1 may join a loop (the pool only grows); tasks are what bounds the work.
    const unsigned generation = atomic_load_explicit(&pool_generation, memory_order_relaxed) + 1;
    loop_slot *slot = &pool_slots[generation & 1];
    atomic_store_explicit(&slot->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&slot->context, context, memory_order_relaxed);
    atomic_store_explicit(&slot->tasks, tasks, memory_order_relaxed);
    atomic_store_explicit(&pool_done, 0, memory_order_relaxed);
    atomic_store_explicit(&loop_running, 1, memory_order_relaxed);
    atomic_store_explicit(&pool_ticket, (unsigned long long)(generation & GENERATION_MASK) << 2 * TICKET_BITS,
                          memory_order_release);
    atomic_store(&pool_generation, generation);  // seq_cst, paired with pool_sleepers
    if (atomic_load(&pool_sleepers) > 0) wake_all(&pool_generation);
    run_loop(generation, 0);
    // Every task is claimed now; wait for the workers' running ones to end, yielding the core meanwhile (a futex
    // sleep here put a ~26 µs wake on the critical path whenever a worker's last piece ended 100 µs after ours).
    for (unsigned done; (done = atomic_load_explicit(&pool_done, memory_order_acquire)) != (unsigned)tasks;)
        spin_until_changed(&pool_done, done, WORKER_SPIN_NS, &loop_running);
    atomic_store_explicit(&loop_running, 0, memory_order_relaxed);
    pthread_mutex_unlock(&pool_lock);
    return 1;
}
