/*
 * lib/platform/win32.c: the platform contract (lib/platform.h) on Win32 (Windows 8 or later, and
 * Wine): SRWLOCK mutexes, CONDITION_VARIABLE, _beginthreadex threads, QueryPerformanceCounter and
 * GetSystemTimePreciseAsFileTime clocks. Built by mingw-w64 and MSVC.
 */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0602 /* GetSystemTimePreciseAsFileTime */
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <process.h>

#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>

_Static_assert(sizeof(SRWLOCK) <= sizeof(wbemev__mutex), "wbemev__mutex too small for SRWLOCK");
_Static_assert(_Alignof(SRWLOCK) <= _Alignof(wbemev__mutex), "wbemev__mutex misaligned");
_Static_assert(sizeof(CONDITION_VARIABLE) <= sizeof(wbemev__cond), "wbemev__cond too small");
_Static_assert(_Alignof(CONDITION_VARIABLE) <= _Alignof(wbemev__cond), "wbemev__cond misaligned");
_Static_assert(sizeof(HANDLE) <= sizeof(wbemev__thread), "wbemev__thread too small");

#define MUTEX(m) ((SRWLOCK *)(void *)(m)->u.bytes)
#define COND(c) ((CONDITION_VARIABLE *)(void *)(c)->u.bytes)
#define THREAD(t) ((HANDLE *)(void *)(t)->u.bytes)

/* SRW locks need no resources: init cannot fail and destroy has nothing to free. They are not
 * recursive, as the contract asks. */
void wbemev__mutex_init(wbemev__mutex *m)
{
    InitializeSRWLock(MUTEX(m));
}

void wbemev__mutex_destroy(wbemev__mutex *m)
{
    (void)m;
}

void wbemev__mutex_lock(wbemev__mutex *m)
{
    AcquireSRWLockExclusive(MUTEX(m));
}

void wbemev__mutex_unlock(wbemev__mutex *m)
{
    ReleaseSRWLockExclusive(MUTEX(m));
}

void wbemev__cond_init(wbemev__cond *c)
{
    InitializeConditionVariable(COND(c));
}

void wbemev__cond_destroy(wbemev__cond *c)
{
    (void)c;
}

void wbemev__cond_wait(wbemev__cond *c, wbemev__mutex *m)
{
    if (!SleepConditionVariableSRW(COND(c), MUTEX(m), INFINITE, 0))
        abort(); /* only possible on a corrupted lock */
}

bool wbemev__cond_timedwait(wbemev__cond *c, wbemev__mutex *m, uint64_t timeout_ns)
{
    /* Milliseconds, rounded up so a short timeout still waits; INFINITE (0xFFFFFFFF) excluded. */
    uint64_t ms = timeout_ns / 1000000u + (timeout_ns % 1000000u != 0);
    if (ms >= INFINITE)
        ms = INFINITE - 1;
    if (SleepConditionVariableSRW(COND(c), MUTEX(m), (DWORD)ms, 0))
        return true;
    if (GetLastError() != ERROR_TIMEOUT)
        abort();
    return false;
}

void wbemev__cond_signal(wbemev__cond *c)
{
    WakeConditionVariable(COND(c));
}

void wbemev__cond_broadcast(wbemev__cond *c)
{
    WakeAllConditionVariable(COND(c));
}

struct thread_start {
    void (*fn)(void *);
    void *arg;
};

static unsigned __stdcall thread_main(void *p)
{
    struct thread_start start = *(struct thread_start *)p;
    free(p);
    start.fn(start.arg);
    return 0;
}

bool wbemev__thread_start(wbemev__thread *t, void (*fn)(void *), void *arg)
{
    /* Plain malloc, as on POSIX: a platform block, freed by the new thread. */
    struct thread_start *start = malloc(sizeof *start);
    if (start == NULL)
        return false;
    start->fn = fn;
    start->arg = arg;
    /* _beginthreadex, not CreateThread: the new thread uses the C runtime. */
    uintptr_t handle = _beginthreadex(NULL, 0, thread_main, start, 0, NULL);
    if (handle == 0) {
        free(start);
        return false;
    }
    *THREAD(t) = (HANDLE)handle;
    return true;
}

void wbemev__thread_join(wbemev__thread *t)
{
    HANDLE h = *THREAD(t);
    if (WaitForSingleObject(h, INFINITE) != WAIT_OBJECT_0)
        abort();
    CloseHandle(h);
}

void wbemev__thread_yield(void)
{
    SwitchToThread();
}

unsigned wbemev__cpu_count(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors > 0 ? (unsigned)si.dwNumberOfProcessors : 1u;
}

bool wbemev__thread_at_exit(void (*fn)(void *), void *arg)
{
    /* An FLS callback would outlive a provider DLL that WMI unloads while its threads go on, and a
     * static library cannot see DLL_THREAD_DETACH: no hook (lib/counters.c copes). */
    (void)fn, (void)arg;
    return false;
}

uint64_t wbemev__clock_monotonic_ns(void)
{
    static volatile LONGLONG frequency; /* counts per second; constant since boot */
    LONGLONG f = frequency;
    if (f == 0) {
        LARGE_INTEGER li;
        QueryPerformanceFrequency(&li); /* never fails on Windows XP and later */
        f = li.QuadPart;
        frequency = f;
    }
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    uint64_t count = (uint64_t)now.QuadPart, freq = (uint64_t)f;
    /* Split to avoid overflowing count * 1e9. */
    return count / freq * 1000000000u + count % freq * 1000000000u / freq;
}

/* QueryPerformanceCounter is the cheapest monotonic clock with a known step. */
uint64_t wbemev__clock_coarse_ns(void)
{
    return wbemev__clock_monotonic_ns();
}

uint64_t wbemev__clock_coarse_step_ns(void)
{
    return 0;
}

uint64_t wbemev__clock_filetime(void)
{
    FILETIME ft;
    GetSystemTimePreciseAsFileTime(&ft);
    return ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
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
