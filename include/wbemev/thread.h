/*
 * wbemev/thread.h: a small portable worker thread for providers, on POSIX threads or Win32, so
 * that one provider source builds for Linux and for the Windows DLL.
 *
 * Header-only: every function is static inline, so a provider needs no library for it (not even
 * the core), and nothing here is exported. It is not part of the umbrella header wbemev.h: it
 * includes <pthread.h> or <windows.h>. On POSIX systems link with the threads library (CMake:
 * Threads::Threads, which wbemev::wbemev brings; pkg-config: wbemev-testkit brings -pthread, or add
 * it).
 *
 * A provider's worker, its stop flag and its final Release (docs/contract.md, "Stop: the final
 * Release"):
 *
 *     struct my {
 *         wbemev_provider_t base;
 *         atomic_int refs;
 *         wbemev_sink_t *sink;
 *         wbemev_thread worker;    // zeroed: not started
 *         wbemev_stop_flag stop;   // wbemev_stop_flag_init() when the provider is made
 *         bool free_on_exit;       // written and read on the worker's thread only
 *     };
 *
 *     static void my_worker(void *arg)
 *     {
 *         struct my *me = arg;
 *         while (!wbemev_stop_flag_wait(&me->stop, 1000)) { // every second until stopped
 *             ... clone an event, wbemev_sink_indicate1(me->sink, ev), release it;
 *             ... break on WBEMEV_E_CALL_CANCELLED
 *         }
 *         if (me->free_on_exit) // the final Release came on this thread (below)
 *             my_free(me);      // releases the sink, destroys the stop flag, frees
 *     }
 *
 *     provide_events: me->sink = wbemev_sink_add_ref(sink);
 *                     wbemev_thread_start(&me->worker, my_worker, me) (on failure release the sink)
 *
 *     static void my_release(wbemev_provider_t *p)
 *     {
 *         struct my *me = WBEMEV_CONTAINER_OF(p, struct my, base);
 *         if (atomic_fetch_sub(&me->refs, 1) != 1)
 *             return;
 *         wbemev_stop_flag_set(&me->stop);          // 1. stop the worker
 *         if (wbemev_thread_is_self(&me->worker)) { // a consumer unregistered us from inside
 *             me->free_on_exit = true;              //    the worker's own Indicate: it cannot
 *             wbemev_thread_detach(&me->worker);    //    join itself, it frees at its end
 *             return;
 *         }
 *         wbemev_thread_join(&me->worker);          // 2. join it (not started: nothing to do)
 *         my_free(me);                              // 3. then release the sink, and free
 *     }
 *
 * The final Release stops the worker, joins it unless it is called on the worker itself, and only
 * then releases the sink: nothing of the provider runs once it returned.
 *
 * Thread-safety: a wbemev_thread is started, joined or detached by one thread at a time (its
 * owner, or the thread itself for a detach); wbemev_thread_is_self() may be called from any thread
 * between the start and the join or detach, not during them. The stop flag's functions may be
 * called from any thread, several at once, between init and destroy.
 *
 * The stop flag waits on a monotonic clock where the system has one for condition variables
 * (CLOCK_MONOTONIC when the POSIX 2001 API is visible: glibc's default or _POSIX_C_SOURCE >=
 * 200112L; GetTickCount64 on Windows) and on the system time otherwise (strict C11 without
 * _POSIX_C_SOURCE; macOS). The clock is chosen where the flag is initialized and kept in it.
 */
/** @file wbemev/thread.h
 * @brief A portable worker thread and stop flag for providers (POSIX threads or Win32), header-only.
 */
#ifndef WBEMEV_THREAD_H
#define WBEMEV_THREAD_H

#include "common.h"
#include "status.h"

#include <stdlib.h>

#if defined(_WIN32)
#include <windows.h>
#else
#include <pthread.h>
#include <time.h>
#include <errno.h>
#endif

WBEMEV_BEGIN_DECLS

/** What a thread runs: `fn(arg)`. */
typedef void (*wbemev_thread_fn)(void *arg);

/** wbemev_stop_flag_wait() without a time limit. */
#define WBEMEV_THREAD_WAIT_FOREVER UINT32_MAX

#if defined(_WIN32)
/** A thread. Zero-initialized it is not started; wbemev_thread_start() starts it. */
typedef struct wbemev_thread {
    HANDLE handle; /**< the thread's handle, while started */
    DWORD id;      /**< its id */
    bool started;  /**< started and not yet joined or detached */
} wbemev_thread;

/** A stop flag: set once, by any thread; a worker waits on it instead of sleeping. */
typedef struct wbemev_stop_flag {
    SRWLOCK lock;            /**< guards `set` */
    CONDITION_VARIABLE cond; /**< broadcast when it is set */
    bool set;                /**< the flag */
} wbemev_stop_flag;
#else
/** A thread. Zero-initialized it is not started; wbemev_thread_start() starts it. */
typedef struct wbemev_thread {
    pthread_t handle; /**< the thread, while started */
    bool started;     /**< started and not yet joined or detached */
} wbemev_thread;

/** A stop flag: set once, by any thread; a worker waits on it instead of sleeping. */
typedef struct wbemev_stop_flag {
    pthread_mutex_t lock; /**< guards `set` */
    pthread_cond_t cond;  /**< broadcast when it is set */
    bool set;             /**< the flag */
    /** The clock `cond` waits on, chosen by wbemev_stop_flag_init() (see the file comment). */
    void (*now)(struct timespec *ts);
} wbemev_stop_flag;
#endif

/* What the new thread is handed: the function and its argument, freed by the thread. On POSIX
 * systems the thread first takes `ready`, which its creator holds until *t is written, so that the
 * thread's own wbemev_thread_is_self(t) sees it (Win32 starts the thread suspended instead). */
struct wbemev__thread_start {
    wbemev_thread_fn fn;
    void *arg;
#if !defined(_WIN32)
    pthread_mutex_t ready;
#endif
};

#if defined(_WIN32)
static inline DWORD WINAPI wbemev__thread_main(LPVOID p)
{
    struct wbemev__thread_start s = *(struct wbemev__thread_start *)p;
    free(p);
    s.fn(s.arg);
    return 0;
}
#else
static inline void *wbemev__thread_main(void *p)
{
    struct wbemev__thread_start *start = (struct wbemev__thread_start *)p;
    pthread_mutex_lock(&start->ready); /* *t is written */
    pthread_mutex_unlock(&start->ready);
    pthread_mutex_destroy(&start->ready);
    struct wbemev__thread_start s = *start;
    free(p);
    s.fn(s.arg);
    return NULL;
}
#endif

/**
 * Starts a thread running `fn(arg)`, into *t (written only on success, before `fn` runs: the new
 * thread's wbemev_thread_is_self(t) is true). It uses the C library's malloc for a few bytes handed
 * to the new thread, not the wbemev_set_allocator hook.
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL t or fn; WBEMEV_E_OUT_OF_MEMORY;
 *         WBEMEV_E_FAILED when the system starts no thread
 */
static inline wbemev_status wbemev_thread_start(wbemev_thread *t, wbemev_thread_fn fn, void *arg)
{
    if (t == NULL || fn == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    struct wbemev__thread_start *s = (struct wbemev__thread_start *)malloc(sizeof *s);
    if (s == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    s->fn = fn;
    s->arg = arg;
#if defined(_WIN32)
    DWORD id = 0;
    HANDLE h = CreateThread(NULL, 0, wbemev__thread_main, s, CREATE_SUSPENDED, &id);
    if (h == NULL) {
        free(s);
        return WBEMEV_E_FAILED;
    }
    t->handle = h;
    t->id = id;
    t->started = true;
    ResumeThread(h);
#else
    if (pthread_mutex_init(&s->ready, NULL) != 0) {
        free(s);
        return WBEMEV_E_FAILED;
    }
    pthread_mutex_lock(&s->ready);
    pthread_t h;
    int rc = pthread_create(&h, NULL, wbemev__thread_main, s);
    if (rc != 0) {
        pthread_mutex_unlock(&s->ready);
        pthread_mutex_destroy(&s->ready);
        free(s);
        return rc == EAGAIN ? WBEMEV_E_OUT_OF_MEMORY : WBEMEV_E_FAILED;
    }
    t->handle = h;
    t->started = true;
    pthread_mutex_unlock(&s->ready); /* the thread may run fn now; s is its own from here */
#endif
    return WBEMEV_S_NO_ERROR;
}

/** True when the calling thread is `t` (started, not yet joined or detached): a provider's final
 * Release made on its own worker must not join it. False for NULL. */
static inline bool wbemev_thread_is_self(const wbemev_thread *t)
{
    if (t == NULL || !t->started)
        return false;
#if defined(_WIN32)
    return t->id == GetCurrentThreadId();
#else
    return pthread_equal(t->handle, pthread_self()) != 0;
#endif
}

/**
 * Waits until `t` has returned from its function, and frees what the system kept for it; *t is then
 * not started (it may be started again).
 * @return WBEMEV_S_NO_ERROR, also when t was not started (nothing to join);
 *         WBEMEV_E_INVALID_PARAMETER for NULL t; WBEMEV_E_INVALID_OPERATION on the thread itself
 *         (it would wait for itself: see wbemev_thread_detach()); WBEMEV_E_FAILED when the system
 *         refused
 */
static inline wbemev_status wbemev_thread_join(wbemev_thread *t)
{
    if (t == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (!t->started)
        return WBEMEV_S_NO_ERROR;
    if (wbemev_thread_is_self(t))
        return WBEMEV_E_INVALID_OPERATION;
#if defined(_WIN32)
    if (WaitForSingleObject(t->handle, INFINITE) != WAIT_OBJECT_0)
        return WBEMEV_E_FAILED;
    CloseHandle(t->handle);
#else
    if (pthread_join(t->handle, NULL) != 0)
        return WBEMEV_E_FAILED;
#endif
    t->started = false;
    return WBEMEV_S_NO_ERROR;
}

/**
 * Lets `t` run to its end unjoined (the system frees what it kept for it then); *t is not started
 * any more. For a final Release made on the worker itself, which cannot join it.
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL t or a thread not started
 */
static inline wbemev_status wbemev_thread_detach(wbemev_thread *t)
{
    if (t == NULL || !t->started)
        return WBEMEV_E_INVALID_PARAMETER;
#if defined(_WIN32)
    CloseHandle(t->handle);
#else
    (void)pthread_detach(t->handle);
#endif
    t->started = false;
    return WBEMEV_S_NO_ERROR;
}

#if !defined(_WIN32)
static inline void wbemev__thread_realtime(struct timespec *ts)
{
#if defined(TIME_UTC)
    (void)timespec_get(ts, TIME_UTC); /* C11 */
#elif defined(CLOCK_REALTIME)
    (void)clock_gettime(CLOCK_REALTIME, ts);
#else
    ts->tv_sec = time(NULL); /* strict C99: whole seconds */
    ts->tv_nsec = 0;
#endif
}
#if !defined(__APPLE__) && defined(CLOCK_MONOTONIC) &&                                             \
    ((defined(_POSIX_C_SOURCE) && _POSIX_C_SOURCE >= 200112L) ||                                   \
     (defined(_XOPEN_SOURCE) && _XOPEN_SOURCE >= 600) || defined(_DEFAULT_SOURCE) ||               \
     defined(_BSD_SOURCE) || defined(_GNU_SOURCE))
#define WBEMEV__THREAD_MONOTONIC 1
static inline void wbemev__thread_monotonic(struct timespec *ts)
{
    (void)clock_gettime(CLOCK_MONOTONIC, ts);
}
#endif
#endif

/**
 * Initializes a stop flag, not set.
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL f; WBEMEV_E_FAILED when the system
 *         has no room for its lock or condition variable
 */
static inline wbemev_status wbemev_stop_flag_init(wbemev_stop_flag *f)
{
    if (f == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    f->set = false;
#if defined(_WIN32)
    InitializeSRWLock(&f->lock);
    InitializeConditionVariable(&f->cond);
#else
    if (pthread_mutex_init(&f->lock, NULL) != 0)
        return WBEMEV_E_FAILED;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) {
        pthread_mutex_destroy(&f->lock);
        return WBEMEV_E_FAILED;
    }
    f->now = wbemev__thread_realtime;
#if defined(WBEMEV__THREAD_MONOTONIC)
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0)
        f->now = wbemev__thread_monotonic;
#endif
    int rc = pthread_cond_init(&f->cond, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0) {
        pthread_mutex_destroy(&f->lock);
        return WBEMEV_E_FAILED;
    }
#endif
    return WBEMEV_S_NO_ERROR;
}

/** Frees what wbemev_stop_flag_init() took; nobody may be waiting on it. NULL is ignored. */
static inline void wbemev_stop_flag_destroy(wbemev_stop_flag *f)
{
    if (f == NULL)
        return;
#if !defined(_WIN32)
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->lock);
#endif
}

/** Sets the flag and wakes every wbemev_stop_flag_wait() on it. Idempotent; NULL is ignored. */
static inline void wbemev_stop_flag_set(wbemev_stop_flag *f)
{
    if (f == NULL)
        return;
#if defined(_WIN32)
    AcquireSRWLockExclusive(&f->lock);
    f->set = true;
    WakeAllConditionVariable(&f->cond);
    ReleaseSRWLockExclusive(&f->lock);
#else
    pthread_mutex_lock(&f->lock);
    f->set = true;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
#endif
}

/** True once the flag was set (false for NULL). */
static inline bool wbemev_stop_flag_is_set(wbemev_stop_flag *f)
{
    if (f == NULL)
        return false;
    bool set;
#if defined(_WIN32)
    AcquireSRWLockShared(&f->lock);
    set = f->set;
    ReleaseSRWLockShared(&f->lock);
#else
    pthread_mutex_lock(&f->lock);
    set = f->set;
    pthread_mutex_unlock(&f->lock);
#endif
    return set;
}

/**
 * Waits until the flag is set or `timeout_ms` milliseconds passed (WBEMEV_THREAD_WAIT_FOREVER: no
 * limit; 0: just looks), on a condition variable: a worker's "sleep unless stopped". Returns at once
 * when the flag is set already.
 * @return true when the flag is set (stop), false when the time passed first or for NULL f
 */
static inline bool wbemev_stop_flag_wait(wbemev_stop_flag *f, uint32_t timeout_ms)
{
    if (f == NULL)
        return false;
#if defined(_WIN32)
    ULONGLONG deadline = GetTickCount64() + timeout_ms;
    AcquireSRWLockExclusive(&f->lock);
    while (!f->set) {
        DWORD left = INFINITE;
        if (timeout_ms != WBEMEV_THREAD_WAIT_FOREVER) {
            ULONGLONG now = GetTickCount64();
            if (now >= deadline)
                break;
            left = (DWORD)(deadline - now < INFINITE ? deadline - now : INFINITE - 1);
        }
        SleepConditionVariableSRW(&f->cond, &f->lock, left, 0);
    }
    bool set = f->set;
    ReleaseSRWLockExclusive(&f->lock);
#else
    struct timespec deadline;
    f->now(&deadline);
    deadline.tv_sec += (time_t)(timeout_ms / 1000u);
    deadline.tv_nsec += (long)(timeout_ms % 1000u) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&f->lock);
    while (!f->set) {
        if (timeout_ms == WBEMEV_THREAD_WAIT_FOREVER) {
            pthread_cond_wait(&f->cond, &f->lock);
            continue;
        }
        if (pthread_cond_timedwait(&f->cond, &f->lock, &deadline) != 0) { /* ETIMEDOUT, or early */
            struct timespec now;
            f->now(&now);
            if (now.tv_sec > deadline.tv_sec ||
                (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))
                break;
        }
    }
    bool set = f->set;
    pthread_mutex_unlock(&f->lock);
#endif
    return set;
}

WBEMEV_END_DECLS

#endif /* WBEMEV_THREAD_H */
