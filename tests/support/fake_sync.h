/*
 * tests/support/fake_sync.h: the lock, condition variable and yield the fakes need, on POSIX threads
 * or Win32 (the fakes are built for the mingw test run and for the benchmark too).
 */
#ifndef WBEMEV_FAKE_SYNC_H
#define WBEMEV_FAKE_SYNC_H

#ifdef _WIN32
#include <windows.h>
typedef SRWLOCK fake_mutex;
typedef CONDITION_VARIABLE fake_cond;
static inline void fake_mutex_init(fake_mutex *m) { InitializeSRWLock(m); }
static inline void fake_mutex_destroy(fake_mutex *m) { (void)m; }
static inline void fake_mutex_lock(fake_mutex *m) { AcquireSRWLockExclusive(m); }
static inline void fake_mutex_unlock(fake_mutex *m) { ReleaseSRWLockExclusive(m); }
static inline void fake_cond_init(fake_cond *c) { InitializeConditionVariable(c); }
static inline void fake_cond_destroy(fake_cond *c) { (void)c; }
static inline void fake_cond_wait(fake_cond *c, fake_mutex *m) { SleepConditionVariableSRW(c, m, INFINITE, 0); }
static inline void fake_cond_broadcast(fake_cond *c) { WakeAllConditionVariable(c); }
static inline void fake_yield(void) { SwitchToThread(); }
#else
#include <pthread.h>
#include <sched.h>
typedef pthread_mutex_t fake_mutex;
typedef pthread_cond_t fake_cond;
static inline void fake_mutex_init(fake_mutex *m) { pthread_mutex_init(m, NULL); }
static inline void fake_mutex_destroy(fake_mutex *m) { pthread_mutex_destroy(m); }
static inline void fake_mutex_lock(fake_mutex *m) { pthread_mutex_lock(m); }
static inline void fake_mutex_unlock(fake_mutex *m) { pthread_mutex_unlock(m); }
static inline void fake_cond_init(fake_cond *c) { pthread_cond_init(c, NULL); }
static inline void fake_cond_destroy(fake_cond *c) { pthread_cond_destroy(c); }
static inline void fake_cond_wait(fake_cond *c, fake_mutex *m) { pthread_cond_wait(c, m); }
static inline void fake_cond_broadcast(fake_cond *c) { pthread_cond_broadcast(c); }
static inline void fake_yield(void) { sched_yield(); }
#endif

#endif /* WBEMEV_FAKE_SYNC_H */
