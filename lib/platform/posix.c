/*
 * lib/platform/posix.c: the platform contract (lib/platform.h) on POSIX threads.
 */
#define _POSIX_C_SOURCE 200809L
#define _GNU_SOURCE /* glibc: PTHREAD_MUTEX_ADAPTIVE_NP; ignored elsewhere */

#include "platform/platform.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

_Static_assert(sizeof(pthread_mutex_t) <= sizeof(wbemev__mutex), "wbemev__mutex too small");
_Static_assert(sizeof(pthread_cond_t) <= sizeof(wbemev__cond), "wbemev__cond too small");
_Static_assert(sizeof(pthread_t) <= sizeof(wbemev__thread), "wbemev__thread too small");

#define MUTEX(m) ((pthread_mutex_t *)(void *)(m)->u.bytes)
#define COND(c) ((pthread_cond_t *)(void *)(c)->u.bytes)

void wbemev__mutex_init(wbemev__mutex *m)
{
    int rc;
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    /* The library's locks are held for a few dozen instructions (a queue's ring, the run list), by
     * a provider thread and a worker at once: spinning briefly before sleeping saves a futex wait
     * and a wake-up per contended lock, which cost more than the critical section. */
    pthread_mutexattr_t attr;
    rc = pthread_mutexattr_init(&attr);
    if (rc == 0) {
        rc = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
        if (rc == 0)
            rc = pthread_mutex_init(MUTEX(m), &attr);
        pthread_mutexattr_destroy(&attr);
    }
#else
    rc = pthread_mutex_init(MUTEX(m), NULL);
#endif
    if (rc != 0)
        abort(); /* glibc and musl never fail here: a failure is a broken runtime */
}

void wbemev__mutex_destroy(wbemev__mutex *m)
{
    pthread_mutex_destroy(MUTEX(m));
}

void wbemev__mutex_lock(wbemev__mutex *m)
{
    if (pthread_mutex_lock(MUTEX(m)) != 0)
        abort(); /* only possible on a corrupted or destroyed mutex */
}

void wbemev__mutex_unlock(wbemev__mutex *m)
{
    if (pthread_mutex_unlock(MUTEX(m)) != 0)
        abort();
}

void wbemev__cond_init(wbemev__cond *c)
{
    /* CLOCK_MONOTONIC so timed waits ignore wall-clock changes. */
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc == 0) {
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        rc = pthread_cond_init(COND(c), &attr);
        pthread_condattr_destroy(&attr);
    }
    if (rc != 0)
        abort(); /* as for mutexes: needs no resources on the platforms supported */
}

void wbemev__cond_destroy(wbemev__cond *c)
{
    pthread_cond_destroy(COND(c));
}

void wbemev__cond_wait(wbemev__cond *c, wbemev__mutex *m)
{
    if (pthread_cond_wait(COND(c), MUTEX(m)) != 0)
        abort();
}

bool wbemev__cond_timedwait(wbemev__cond *c, wbemev__mutex *m, uint64_t timeout_ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec + timeout_ns % 1000000000u;
    ts.tv_sec += (time_t)(timeout_ns / 1000000000u + ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    int rc = pthread_cond_timedwait(COND(c), MUTEX(m), &ts);
    if (rc != 0 && rc != ETIMEDOUT)
        abort();
    return rc == 0;
}

void wbemev__cond_signal(wbemev__cond *c)
{
    pthread_cond_signal(COND(c));
}

void wbemev__cond_broadcast(wbemev__cond *c)
{
    pthread_cond_broadcast(COND(c));
}

struct thread_start {
    void (*fn)(void *);
    void *arg;
};

static void *thread_main(void *p)
{
    struct thread_start start = *(struct thread_start *)p;
    free(p);
    start.fn(start.arg);
    return NULL;
}

bool wbemev__thread_start(wbemev__thread *t, void (*fn)(void *), void *arg)
{
    /* Plain malloc: this block is the platform's, not an event-model allocation, and a hooked
     * allocator must not see a block freed on another thread before the creator returns. */
    struct thread_start *start = malloc(sizeof *start);
    if (start == NULL)
        return false;
    start->fn = fn;
    start->arg = arg;
    if (pthread_create((pthread_t *)(void *)t->u.bytes, NULL, thread_main, start) != 0) {
        free(start);
        return false;
    }
    return true;
}

void wbemev__thread_join(wbemev__thread *t)
{
    pthread_join(*(pthread_t *)(void *)t->u.bytes, NULL);
}

void wbemev__thread_yield(void)
{
    sched_yield();
}

unsigned wbemev__cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

/* One key whose destructor runs the thread's registration, made once. */
struct at_exit {
    void (*fn)(void *);
    void *arg;
};
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static bool exit_key_made;
static _Thread_local struct at_exit tls_at_exit;

static void run_at_exit(void *p)
{
    struct at_exit *e = p;
    e->fn(e->arg);
}

static void make_exit_key(void)
{
    exit_key_made = pthread_key_create(&exit_key, run_at_exit) == 0;
}

bool wbemev__thread_at_exit(void (*fn)(void *), void *arg)
{
    pthread_once(&exit_key_once, make_exit_key);
    if (!exit_key_made)
        return false;
    tls_at_exit = (struct at_exit){fn, arg};
    return pthread_setspecific(exit_key, &tls_at_exit) == 0;
}

#if defined(__GNUC__) || defined(__clang__)
/* A shared library being unloaded: no thread may later call into its code at exit. */
__attribute__((destructor)) static void delete_exit_key(void)
{
    if (exit_key_made)
        pthread_key_delete(exit_key);
}
#endif

uint64_t wbemev__clock_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#ifdef CLOCK_MONOTONIC_COARSE
uint64_t wbemev__clock_coarse_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t wbemev__clock_coarse_step_ns(void)
{
    struct timespec ts;
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#else
uint64_t wbemev__clock_coarse_ns(void)
{
    return wbemev__clock_monotonic_ns();
}

uint64_t wbemev__clock_coarse_step_ns(void)
{
    return 0;
}
#endif

/* Seconds from 1601-01-01 to 1970-01-01. */
#define FILETIME_UNIX_EPOCH 11644473600ull

uint64_t wbemev__clock_filetime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec + FILETIME_UNIX_EPOCH) * 10000000u + (uint64_t)ts.tv_nsec / 100u;
}

void wbemev__abort(void)
{
    fflush(stderr);
    abort();
}

const char *wbemev__getenv(const char *name)
{
    return getenv(name);
}
