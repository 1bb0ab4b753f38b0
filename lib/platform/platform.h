/*
 * lib/platform/platform.h: what a platform must implement (lib/platform/posix.c, lib/platform/win32.c).
 * The core never includes <windows.h> or <pthread.h>; it calls these.
 */
#ifndef WBEMEV_PLATFORM_H
#define WBEMEV_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_MSC_VER) && !defined(__clang__)
#define WBEMEV__THREAD_LOCAL __declspec(thread)
#else
#define WBEMEV__THREAD_LOCAL _Thread_local
#endif

/* Keeps a cold path out of line, so the hot caller has no big frame (object.c's general Put). */
#if defined(__GNUC__) || defined(__clang__)
#define WBEMEV__NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define WBEMEV__NOINLINE __declspec(noinline)
#else
#define WBEMEV__NOINLINE
#endif

/* Opaque storage big enough for pthread_mutex_t / SRWLOCK and pthread_cond_t / CONDITION_VARIABLE.
 * Aligned for any of them. */
union wbemev__sync_storage {
    char bytes[64];
    void *align_p;
    int64_t align_i;
    long double align_ld;
};

typedef struct wbemev__mutex {
    union wbemev__sync_storage u;
} wbemev__mutex;

typedef struct wbemev__cond {
    union wbemev__sync_storage u;
} wbemev__cond;

typedef struct wbemev__thread {
    union {
        char bytes[16];
        void *align_p;
        uint64_t align_i;
    } u;
} wbemev__thread;

/* Mutexes are not recursive. Creating a mutex or a condition variable cannot fail (they need no
 * resources on any supported platform; a runtime that fails anyway aborts), so no caller writes
 * cleanup code for it. */
void wbemev__mutex_init(wbemev__mutex *m);
void wbemev__mutex_destroy(wbemev__mutex *m);
void wbemev__mutex_lock(wbemev__mutex *m);
void wbemev__mutex_unlock(wbemev__mutex *m);

void wbemev__cond_init(wbemev__cond *c);
void wbemev__cond_destroy(wbemev__cond *c);
void wbemev__cond_wait(wbemev__cond *c, wbemev__mutex *m);
/* Waits at most timeout_ns; returns false on timeout. Spurious wake-ups return true. */
bool wbemev__cond_timedwait(wbemev__cond *c, wbemev__mutex *m, uint64_t timeout_ns);
void wbemev__cond_signal(wbemev__cond *c);
void wbemev__cond_broadcast(wbemev__cond *c);

/* Threads: start returns false when the thread could not be created. */
bool wbemev__thread_start(wbemev__thread *t, void (*fn)(void *), void *arg);
void wbemev__thread_join(wbemev__thread *t);
void wbemev__thread_yield(void);
/* Processors online (at least 1). */
unsigned wbemev__cpu_count(void);
/* One step of a spin-wait: tells the CPU this thread waits (PAUSE, YIELD), so the other
 * hardware thread of its core runs on and the wait's end costs no memory-order flush. */
static inline void wbemev__cpu_relax(void)
{
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
    __asm__ __volatile__("yield");
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
    _mm_pause();
#endif
}
/* Calls fn(arg) when the calling thread exits (one registration per thread: a second one replaces
 * the first). Returns false where the platform cannot tell: the caller must cope with never being
 * called (win32: a provider DLL may be unloaded while threads it ran on live on). */
bool wbemev__thread_at_exit(void (*fn)(void *), void *arg);

/* Monotonic clock in nanoseconds (arbitrary origin). */
uint64_t wbemev__clock_monotonic_ns(void);
/* A monotonic clock that is cheaper to read (about a third of the cost on Linux) and moves in
 * steps of wbemev__clock_coarse_step_ns(): the scheduler's tick. A step of 0 means the platform has
 * no such clock; wbemev__clock_coarse_ns() is then the precise one. */
uint64_t wbemev__clock_coarse_ns(void);
uint64_t wbemev__clock_coarse_step_ns(void);
/* Wall clock as a FILETIME: 100 ns ticks since 1601-01-01 UTC (the unit of __Event.TIME_CREATED). */
uint64_t wbemev__clock_filetime(void);

/* Aborts the process after flushing stderr (the contract checker's "abort" policy). */
void wbemev__abort(void);

/* Environment variable lookup; NULL when unset. The string is borrowed. */
const char *wbemev__getenv(const char *name);

#endif /* WBEMEV_PLATFORM_H */
