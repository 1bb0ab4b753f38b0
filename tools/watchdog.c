/*
 * tools/watchdog.c: stopping `wbemev run` on the first SIGINT or SIGTERM, even while the plugin
 * hangs.
 *
 * SIGINT and SIGTERM are blocked in every thread (the mask is set before any thread starts, and
 * threads inherit it); one thread of the tool's own takes them with sigtimedwait, so no code runs
 * in a signal handler. The first signal wakes the main thread (the caller's callback writes to its
 * self-pipe), which stops as usual. The main thread says what it waits for in the plugin while it
 * calls it (create_provider, Initialize, ProvideEvents, CancelQuery, the final Release): if such a
 * call is still running TOOL_HANG_MS after the signal, the main thread is stuck inside the plugin
 * and cannot stop, so this thread does: it flushes standard output if no other thread holds it,
 * writes what hung to standard error with write(2) and ends the process with _exit(EXIT_HUNG).
 * A second signal ends the process at once, killed by that signal.
 */
#define _POSIX_C_SOURCE 200809L

#include "tool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TOOL_HANG_MS 2000 /* the contract's default provider-call limit */

static struct {
    pthread_mutex_t mu;
    const char *cmd;
    char phase[160]; /* what the main thread waits for in the plugin, "" for nothing */
    uint64_t phase_since;
    bool done;
    void (*on_first)(void *ctx, int sig);
    void *ctx;
} wd = {PTHREAD_MUTEX_INITIALIZER, NULL, "", 0, false, NULL, NULL};

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

static void put(const char *s)
{
    size_t len = strlen(s);
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

/* The main thread is stuck in the plugin: say what hung and end the process. */
static void exit_hung(int sig, const char *phase, uint64_t ms)
{
    /* What the printer wrote is flushed, unless a thread is inside stdout (it may be stuck). */
    if (ftrylockfile(stdout) == 0) {
        fflush(stdout);
        funlockfile(stdout);
    }
    char line[512];
    snprintf(line, sizeof line,
             "wbemev %s: stopped: %s, but the plugin did not return from %s for %llu ms: exiting without "
             "shutting down (exit status %d)\n",
             wd.cmd, sig == SIGTERM ? "terminated (SIGTERM)" : "interrupted (SIGINT)", phase,
             (unsigned long long)ms, EXIT_HUNG);
    put(line);
    _exit(EXIT_HUNG);
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    sigset_t set;
    stop_signals(&set);
    int first = 0;
    uint64_t signalled = 0;
    for (;;) {
        int sig;
        if (first == 0) {
            if (sigwait(&set, &sig) != 0)
                continue;
        } else {
            struct timespec tick = {0, 50 * 1000000};
            sig = sigtimedwait(&set, NULL, &tick);
        }
        char phase[sizeof wd.phase];
        pthread_mutex_lock(&wd.mu);
        bool done = wd.done;
        memcpy(phase, wd.phase, sizeof phase);
        uint64_t since = wd.phase_since;
        pthread_mutex_unlock(&wd.mu);
        if (sig > 0 && first != 0) {
            /* The second one: stop now, the hard way, killed by the signal. */
            put("wbemev: second signal: exiting at once\n");
            signal(sig, SIG_DFL);
            pthread_sigmask(SIG_UNBLOCK, &set, NULL);
            raise(sig);
            _exit(128 + sig);
        }
        if (sig > 0) {
            first = sig;
            signalled = monotonic_ns();
            if (done)
                continue; /* the command is ending anyway */
            wd.on_first(wd.ctx, sig);
        }
        if (first == 0 || done || phase[0] == '\0')
            continue;
        uint64_t now = monotonic_ns(), from = since > signalled ? since : signalled;
        if (now - from >= (uint64_t)TOOL_HANG_MS * 1000000u)
            exit_hung(first, phase, (now - since) / 1000000u);
    }
    return NULL;
}

bool tool_watchdog_start(const char *cmd, void (*on_first)(void *ctx, int sig), void *ctx)
{
    sigset_t set;
    stop_signals(&set);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
        return false;
    wd.cmd = cmd;
    wd.on_first = on_first;
    wd.ctx = ctx;
    pthread_t t;
    if (pthread_create(&t, NULL, watchdog_main, NULL) != 0) {
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        return false;
    }
    pthread_detach(t); /* it lives until the process ends */
    return true;
}

void tool_watchdog_phase(const char *what)
{
    pthread_mutex_lock(&wd.mu);
    snprintf(wd.phase, sizeof wd.phase, "%s", what != NULL ? what : "");
    wd.phase_since = monotonic_ns();
    pthread_mutex_unlock(&wd.mu);
}

void tool_watchdog_done(void)
{
    pthread_mutex_lock(&wd.mu);
    wd.done = true;
    wd.phase[0] = '\0';
    pthread_mutex_unlock(&wd.mu);
}
