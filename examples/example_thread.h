/*
 * examples/example_thread.h: the few thread primitives the examples need, on POSIX threads or
 * Win32, so the same provider source builds for Linux and for the Windows DLL.
 */
#ifndef EXAMPLE_THREAD_H
#define EXAMPLE_THREAD_H

#ifdef _WIN32
#include <windows.h>
typedef HANDLE example_thread;
typedef SRWLOCK example_mutex;
typedef CONDITION_VARIABLE example_cond;
#define EXAMPLE_THREAD_FN(name) static DWORD WINAPI name(LPVOID arg)
#define EXAMPLE_THREAD_RETURN return 0
static inline int example_thread_start(example_thread *t, LPTHREAD_START_ROUTINE fn, void *arg)
{
    *t = CreateThread(NULL, 0, fn, arg, 0, NULL);
    return *t != NULL ? 0 : -1;
}
static inline void example_thread_join(example_thread t)
{
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}
static inline void example_mutex_init(example_mutex *m) { InitializeSRWLock(m); }
static inline void example_mutex_destroy(example_mutex *m) { (void)m; }
static inline void example_mutex_lock(example_mutex *m) { AcquireSRWLockExclusive(m); }
static inline void example_mutex_unlock(example_mutex *m) { ReleaseSRWLockExclusive(m); }
static inline void example_cond_init(example_cond *c) { InitializeConditionVariable(c); }
static inline void example_cond_destroy(example_cond *c) { (void)c; }
static inline void example_cond_wait(example_cond *c, example_mutex *m) { SleepConditionVariableSRW(c, m, INFINITE, 0); }
static inline void example_cond_broadcast(example_cond *c) { WakeAllConditionVariable(c); }
static inline void example_yield(void) { SwitchToThread(); }
/* The calling thread is t (a final Release made on the worker itself must not join it). */
static inline int example_thread_is_self(example_thread t) { return GetThreadId(t) == GetCurrentThreadId(); }
/* Lets t run to its end unjoined. */
static inline void example_thread_detach(example_thread t) { CloseHandle(t); }
#else
#include <pthread.h>
#include <sched.h>
typedef pthread_t example_thread;
typedef pthread_mutex_t example_mutex;
typedef pthread_cond_t example_cond;
#define EXAMPLE_THREAD_FN(name) static void *name(void *arg)
#define EXAMPLE_THREAD_RETURN return NULL
static inline int example_thread_start(example_thread *t, void *(*fn)(void *), void *arg)
{
    return pthread_create(t, NULL, fn, arg);
}
static inline void example_thread_join(example_thread t) { pthread_join(t, NULL); }
static inline void example_mutex_init(example_mutex *m) { pthread_mutex_init(m, NULL); }
static inline void example_mutex_destroy(example_mutex *m) { pthread_mutex_destroy(m); }
static inline void example_mutex_lock(example_mutex *m) { pthread_mutex_lock(m); }
static inline void example_mutex_unlock(example_mutex *m) { pthread_mutex_unlock(m); }
static inline void example_cond_init(example_cond *c) { pthread_cond_init(c, NULL); }
static inline void example_cond_destroy(example_cond *c) { pthread_cond_destroy(c); }
static inline void example_cond_wait(example_cond *c, example_mutex *m) { pthread_cond_wait(c, m); }
static inline void example_cond_broadcast(example_cond *c) { pthread_cond_broadcast(c); }
static inline void example_yield(void) { sched_yield(); }
/* The calling thread is t (a final Release made on the worker itself must not join it). */
static inline int example_thread_is_self(example_thread t) { return pthread_equal(t, pthread_self()); }
/* Lets t run to its end unjoined. */
static inline void example_thread_detach(example_thread t) { pthread_detach(t); }
#endif

#endif /* EXAMPLE_THREAD_H */
