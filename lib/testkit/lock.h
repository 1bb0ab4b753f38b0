/*
 * lib/testkit/lock.h: the test kit's mutex and condition variable. The test kit is built on the
 * public API only (so it links with the shared library as with the static one), which has no lock:
 * these are its own, on the system's primitives. Not installed.
 *
 * The condition variable waits with a deadline on a monotonic clock, so a change of the system
 * time neither shortens nor stretches a wait: pthread_cond_timedwait on CLOCK_MONOTONIC
 * (pthread_cond_timedwait_relative_np on Apple systems, which lack pthread_condattr_setclock), or
 * SleepConditionVariableCS against GetTickCount64 on Windows. A wait may wake spuriously: callers
 * loop on their own condition, and give up once testkit_cond_wait_until() said the deadline passed.
 *
 * On POSIX systems the source including this header defines _POSIX_C_SOURCE (200809L) before its
 * first include: strict C11 hides clock_gettime and pthread_condattr_setclock otherwise.
 */
#ifndef WBEMEV_TESTKIT_LOCK_H
#define WBEMEV_TESTKIT_LOCK_H

#include <stdbool.h>
#include <stdint.h>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
typedef CRITICAL_SECTION testkit_lock;
typedef CONDITION_VARIABLE testkit_cond;
/* A moment on GetTickCount64's clock, in milliseconds. */
typedef struct testkit_deadline {
    ULONGLONG at_ms;
} testkit_deadline;

static inline void testkit_lock_init(testkit_lock *l)
{
    InitializeCriticalSection(l);
}
static inline void testkit_lock_destroy(testkit_lock *l)
{
    DeleteCriticalSection(l);
}
static inline void testkit_lock_acquire(testkit_lock *l)
{
    EnterCriticalSection(l);
}
static inline void testkit_lock_release(testkit_lock *l)
{
    LeaveCriticalSection(l);
}
static inline void testkit_cond_init(testkit_cond *c)
{
    InitializeConditionVariable(c);
}
static inline void testkit_cond_destroy(testkit_cond *c)
{
    (void)c; /* nothing to free */
}
static inline void testkit_cond_broadcast(testkit_cond *c)
{
    WakeAllConditionVariable(c);
}
/* Waits (l held) for a broadcast, without a limit. */
static inline void testkit_cond_wait(testkit_cond *c, testkit_lock *l)
{
    (void)SleepConditionVariableCS(c, l, INFINITE);
}
/* `ms` milliseconds from now. */
static inline testkit_deadline testkit_deadline_in(uint32_t ms)
{
    testkit_deadline d = {GetTickCount64() + ms};
    return d;
}
/* Waits (l held) for a broadcast or the deadline; false when the deadline has passed. */
static inline bool testkit_cond_wait_until(testkit_cond *c, testkit_lock *l, const testkit_deadline *d)
{
    ULONGLONG now = GetTickCount64();
    if (now >= d->at_ms)
        return false;
    ULONGLONG left = d->at_ms - now; /* at most UINT32_MAX: below INFINITE, which is never passed */
    if (left >= INFINITE)
        left = INFINITE - 1;
    if (!SleepConditionVariableCS(c, l, (DWORD)left))
        return GetLastError() != ERROR_TIMEOUT || GetTickCount64() < d->at_ms;
    return true;
}
#else
#include <errno.h>
#include <pthread.h>
#include <time.h>
typedef pthread_mutex_t testkit_lock;
typedef pthread_cond_t testkit_cond;
/* A moment on CLOCK_MONOTONIC. */
typedef struct testkit_deadline {
    struct timespec at;
} testkit_deadline;

static inline void testkit_lock_init(testkit_lock *l)
{
    (void)pthread_mutex_init(l, NULL); /* default attributes: nothing to allocate */
}
static inline void testkit_lock_destroy(testkit_lock *l)
{
    (void)pthread_mutex_destroy(l);
}
static inline void testkit_lock_acquire(testkit_lock *l)
{
    (void)pthread_mutex_lock(l);
}
static inline void testkit_lock_release(testkit_lock *l)
{
    (void)pthread_mutex_unlock(l);
}
static inline void testkit_cond_init(testkit_cond *c)
{
#if defined(__APPLE__)
    (void)pthread_cond_init(c, NULL);
#else
    pthread_condattr_t attr;
    (void)pthread_condattr_init(&attr);
    (void)pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    (void)pthread_cond_init(c, &attr);
    (void)pthread_condattr_destroy(&attr);
#endif
}
static inline void testkit_cond_destroy(testkit_cond *c)
{
    (void)pthread_cond_destroy(c);
}
static inline void testkit_cond_broadcast(testkit_cond *c)
{
    (void)pthread_cond_broadcast(c);
}
/* Waits (l held) for a broadcast, without a limit. */
static inline void testkit_cond_wait(testkit_cond *c, testkit_lock *l)
{
    (void)pthread_cond_wait(c, l);
}
static inline struct timespec testkit_monotonic_now(void)
{
    struct timespec now;
    (void)clock_gettime(CLOCK_MONOTONIC, &now);
    return now;
}
/* `ms` milliseconds from now. */
static inline testkit_deadline testkit_deadline_in(uint32_t ms)
{
    testkit_deadline d = {testkit_monotonic_now()};
    d.at.tv_sec += (time_t)(ms / 1000u);
    d.at.tv_nsec += (long)(ms % 1000u) * 1000000L;
    if (d.at.tv_nsec >= 1000000000L) {
        d.at.tv_sec++;
        d.at.tv_nsec -= 1000000000L;
    }
    return d;
}
static inline bool testkit_deadline_passed(const testkit_deadline *d)
{
    struct timespec now = testkit_monotonic_now();
    return now.tv_sec > d->at.tv_sec || (now.tv_sec == d->at.tv_sec && now.tv_nsec >= d->at.tv_nsec);
}
/* Waits (l held) for a broadcast or the deadline; false when the deadline has passed. */
static inline bool testkit_cond_wait_until(testkit_cond *c, testkit_lock *l, const testkit_deadline *d)
{
    if (testkit_deadline_passed(d))
        return false;
#if defined(__APPLE__)
    struct timespec now = testkit_monotonic_now(), left;
    left.tv_sec = d->at.tv_sec - now.tv_sec;
    left.tv_nsec = d->at.tv_nsec - now.tv_nsec;
    if (left.tv_nsec < 0) {
        left.tv_sec--;
        left.tv_nsec += 1000000000L;
    }
    int rc = pthread_cond_timedwait_relative_np(c, l, &left);
#else
    int rc = pthread_cond_timedwait(c, l, &d->at);
#endif
    return rc != ETIMEDOUT || !testkit_deadline_passed(d);
}
#endif

#endif /* WBEMEV_TESTKIT_LOCK_H */
