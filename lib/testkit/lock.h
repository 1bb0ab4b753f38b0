/*
 * lib/testkit/lock.h: the test kit's mutex. The test kit is built on the public API only (so it
 * links with the shared library as with the static one), which has no lock: this is its own, on
 * the system's primitive. Not installed.
 */
#ifndef WBEMEV_TESTKIT_LOCK_H
#define WBEMEV_TESTKIT_LOCK_H

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
typedef CRITICAL_SECTION testkit_lock;
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
#else
#include <pthread.h>
typedef pthread_mutex_t testkit_lock;
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
#endif

#endif /* WBEMEV_TESTKIT_LOCK_H */
