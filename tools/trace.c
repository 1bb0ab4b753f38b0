/*
 * tools/trace.c: `wbemev run --trace`: a tracing provider around the one the plugin creates.
 *
 * The wrapper is a wbemev provider whose vtable logs each call the host makes (Initialize,
 * ProvideEvents, NewQuery, CancelQuery, AccessCheck, AddRef, Release) with the status the provider
 * returns, and forwards it. It has an optional slot exactly when the real provider has it, so the
 * dispatcher calls (and skips) the same ones. The sinks the provider receives (Initialize's init
 * sink, ProvideEvents' event sink) are wrapped too, transparently: every AddRef and Release the
 * provider makes on them is forwarded, so the dispatcher sees the references it would see without
 * the trace (SINK_NOT_KEPT, SINK_HELD_AFTER_STOP). The event sink counts Indicate calls and notices
 * those made while no subscription is left.
 *
 * Each line is stamped with the time it is written (monotonic seconds since the tool started),
 * that is when the call returned; lines are written whole, under the tracer's lock, and flushed.
 */
#define _POSIX_C_SOURCE 200809L

#include "tool.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tool_tracer {
    atomic_uint refs; /* the tool's, each wrapper's */
    pthread_mutex_t lock;
    FILE *out;     /* trace lines, or NULL */
    bool owns_out; /* fclose at the end */
    FILE *warn;    /* where the warning about indicating with no subscription goes */
    uint64_t start_ns;
    const char *provider_name; /* borrowed from the module's registration */

    atomic_bool watching;        /* the run is on: Indicate with no subscription is noticed */
    atomic_size_t subscriptions; /* live subscriptions, as the tool sees them */
    atomic_bool warned;          /* noticed since the count last fell to 0 */
    atomic_uint_fast64_t indicate_calls, indicated, idle_calls, idle_indicated;
};

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

tool_tracer *tool_tracer_new(FILE *out, bool owns_out, FILE *warn, uint64_t start_ns, const char *provider_name)
{
    tool_tracer *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    atomic_init(&t->refs, 1);
    pthread_mutex_init(&t->lock, NULL);
    t->out = out;
    t->owns_out = owns_out;
    t->warn = warn;
    t->start_ns = start_ns;
    t->provider_name = provider_name;
    return t;
}

static tool_tracer *tracer_add_ref(tool_tracer *t)
{
    atomic_fetch_add(&t->refs, 1);
    return t;
}

void tool_tracer_release(tool_tracer *t)
{
    if (t == NULL || atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    if (t->out != NULL && t->owns_out)
        fclose(t->out);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

bool tool_tracer_tracing(const tool_tracer *t)
{
    return t != NULL && t->out != NULL;
}

/* ---- lines ---- */

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 0)))
#endif
static void vline(tool_tracer *t, const char *fmt, va_list ap)
{
    if (t->out == NULL)
        return;
    char buf[2048];
    pthread_mutex_lock(&t->lock);
    uint64_t now = monotonic_ns();
    double secs = now > t->start_ns ? (double)(now - t->start_ns) / 1e9 : 0.0;
    size_t len = (size_t)snprintf(buf, sizeof buf, "[%10.6f] ", secs);
    if (len < sizeof buf)
        vsnprintf(buf + len, sizeof buf - len, fmt, ap);
    len = strlen(buf); /* at most sizeof buf - 1: a longer line is cut */
    if (len == sizeof buf - 1)
        len--;
    /* Control bytes of what the line quotes (parameters, names) escaped; the line's end kept. */
    tool_write_escaped(t->out, buf, len, false);
    fputc('\n', t->out);
    fflush(t->out);
    pthread_mutex_unlock(&t->lock);
}

void tool_trace_line(tool_tracer *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(t, fmt, ap);
    va_end(ap);
}

/* The status as its name ("WBEM_S_NO_ERROR"), or in hex. */
static const char *status_text(wbemev_status st, char *buf, size_t size)
{
    const char *name = wbemev_status_name(st);
    if (name != NULL)
        return name;
    snprintf(buf, size, "0x%08lX", (unsigned long)(uint32_t)st);
    return buf;
}

/* ", took 2.5 ms" for a call of a millisecond or more; "" otherwise. */
static const char *took(uint64_t start, char *buf, size_t size)
{
    uint64_t ns = monotonic_ns() - start;
    if (ns < 1000000u)
        return "";
    snprintf(buf, size, ", took %.3g ms", (double)ns / 1e6);
    return buf;
}

/* A string quoted for the trace: "..." with \" \\ and control characters escaped, cut past 480
 * bytes. */
static const char *quoted(const char *s, char *buf, size_t size)
{
    if (s == NULL) {
        snprintf(buf, size, "NULL");
        return buf;
    }
    size_t at = 0;
    buf[at++] = '"';
    for (; *s != '\0' && at + 8 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[at++] = '\\';
            buf[at++] = (char)c;
        } else if (c < 0x20 || c == 0x7F) {
            at += (size_t)snprintf(buf + at, size - at, "\\x%02X", c);
        } else {
            buf[at++] = (char)c;
        }
    }
    if (*s != '\0') {
        memcpy(buf + at, "...", 3);
        at += 3;
    }
    buf[at++] = '"';
    buf[at] = '\0';
    return buf;
}

static const char *flags_text(int32_t flags, char *buf, size_t size)
{
    if (flags == WBEMEV_STATUS_COMPLETE)
        return "COMPLETE";
    if (flags == WBEMEV_STATUS_PROGRESS)
        return "PROGRESS";
    snprintf(buf, size, "flags=%ld", (long)flags);
    return buf;
}

/* ---- subscriptions, as the tool sees them ---- */

void tool_tracer_set_subscriptions(tool_tracer *t, size_t n)
{
    size_t before = atomic_exchange(&t->subscriptions, n);
    if (n == 0 && before != 0)
        atomic_store(&t->warned, false); /* a new idle period: notice it again */
}

void tool_tracer_watch(tool_tracer *t, bool on)
{
    atomic_store(&t->watching, on);
}

void tool_tracer_counts(tool_tracer *t, tool_trace_counts *out)
{
    out->indicate_calls = atomic_load(&t->indicate_calls);
    out->indicated = atomic_load(&t->indicated);
    out->idle_calls = atomic_load(&t->idle_calls);
    out->idle_indicated = atomic_load(&t->idle_indicated);
}

/* ---- the sinks the provider receives ---- */

struct tsink {
    wbemev_sink_t base;
    atomic_uint refs;    /* ours (not forwarded) + the provider's (each forwarded) */
    wbemev_sink_t *real; /* borrowed: the provider's references keep it */
    tool_tracer *t;
    bool init; /* Initialize's init sink; else ProvideEvents' event sink */
};

static struct tsink *tsink_from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, struct tsink, base);
}

static void tsink_drop(struct tsink *ts)
{
    if (atomic_fetch_sub(&ts->refs, 1) == 1) {
        tool_tracer_release(ts->t);
        free(ts);
    }
}

static void tsink_add_ref(wbemev_sink_t *s)
{
    struct tsink *ts = tsink_from(s);
    atomic_fetch_add(&ts->refs, 1);
    wbemev_sink_add_ref(ts->real);
}

static void tsink_release(wbemev_sink_t *s)
{
    struct tsink *ts = tsink_from(s);
    wbemev_sink_release(ts->real);
    tsink_drop(ts);
}

static wbemev_status tsink_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objects)
{
    struct tsink *ts = tsink_from(s);
    tool_tracer *t = ts->t;
    wbemev_status st = wbemev_sink_indicate(ts->real, count, objects);
    if (ts->init)
        return st;
    uint64_t n = count > 0 ? (uint64_t)count : 0;
    atomic_fetch_add_explicit(&t->indicate_calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->indicated, n, memory_order_relaxed);
    if (atomic_load(&t->watching) && atomic_load(&t->subscriptions) == 0) {
        atomic_fetch_add(&t->idle_calls, 1);
        atomic_fetch_add(&t->idle_indicated, n);
        if (!atomic_exchange(&t->warned, true)) {
            char sbuf[16];
            tool_trace_line(t, "Indicate %llu object%s with no subscription left -> %s (the provider keeps "
                               "indicating after the last subscription went; 'stats' counts these calls)",
                            (unsigned long long)n, n == 1 ? "" : "s", status_text(st, sbuf, sizeof sbuf));
            if (t->warn != NULL && t->warn != t->out) {
                fprintf(t->warn,
                        "wbemev run: warning: %s keeps indicating with no subscription left; 'stats' counts "
                        "these calls\n",
                        t->provider_name);
                fflush(t->warn);
            }
        }
    }
    return st;
}

static wbemev_status tsink_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status status, const char *text,
                                      wbemev_object_t *object)
{
    struct tsink *ts = tsink_from(s);
    wbemev_status st = wbemev_sink_set_status(ts->real, flags, status, text, object);
    char fbuf[24], sbuf[16], rbuf[16], qbuf[512];
    tool_trace_line(ts->t, "%s SetStatus %s %s%s%s -> %s%s", ts->init ? "init sink" : "event sink",
                    flags_text(flags, fbuf, sizeof fbuf), status_text(status, sbuf, sizeof sbuf),
                    text != NULL ? " " : "", text != NULL ? quoted(text, qbuf, sizeof qbuf) : "",
                    status_text(st, rbuf, sizeof rbuf),
                    ts->init ? "" : " (a provider never calls SetStatus on its event sink)");
    return st;
}

static const wbemev_sink_vtbl tsink_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, tsink_add_ref, tsink_release, tsink_indicate, tsink_set_status,
};

/* A wrapper over `real` holding only our (unforwarded) reference; NULL out of memory. */
static struct tsink *tsink_new(tool_tracer *t, wbemev_sink_t *real, bool init)
{
    struct tsink *ts = calloc(1, sizeof *ts);
    if (ts == NULL)
        return NULL;
    ts->base.vtbl = &tsink_vtbl;
    atomic_init(&ts->refs, 1);
    ts->real = real;
    ts->t = tracer_add_ref(t);
    ts->init = init;
    return ts;
}

/* ---- the provider ---- */

struct tprov {
    wbemev_provider_t base;
    wbemev_provider_vtbl vtbl; /* this wrapper's own: optional slots as the real provider's */
    atomic_uint refs;          /* the host's; each is forwarded to the real provider */
    wbemev_provider_t *real;
    tool_tracer *t;
};

static struct tprov *tprov_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct tprov, base);
}

static void tprov_add_ref(wbemev_provider_t *p)
{
    struct tprov *tp = tprov_from(p);
    unsigned n = atomic_fetch_add(&tp->refs, 1) + 1;
    wbemev_provider_add_ref(tp->real);
    tool_trace_line(tp->t, "AddRef -> %u reference%s", n, n == 1 ? "" : "s");
}

static void tprov_release(wbemev_provider_t *p)
{
    struct tprov *tp = tprov_from(p);
    unsigned left = atomic_fetch_sub(&tp->refs, 1) - 1;
    tool_tracer *t = tp->t;
    uint64_t start = monotonic_ns();
    wbemev_provider_release(tp->real);
    char tbuf[32];
    if (left > 0) {
        tool_trace_line(t, "Release -> %u reference%s%s", left, left == 1 ? "" : "s", took(start, tbuf, sizeof tbuf));
        return;
    }
    tool_trace_line(t, "Release (final: the provider stops) -> returned%s", took(start, tbuf, sizeof tbuf));
    free(tp);
    tool_tracer_release(t);
}

static wbemev_status tprov_initialize(wbemev_provider_t *p, const wbemev_provider_init *init, wbemev_sink_t *init_sink)
{
    struct tprov *tp = tprov_from(p);
    struct tsink *ts = tsink_new(tp->t, init_sink, true);
    wbemev_status st = tp->real->vtbl->initialize(tp->real, init, ts != NULL ? &ts->base : init_sink);
    if (ts != NULL)
        tsink_drop(ts);
    char nbuf[512], sbuf[16];
    tool_trace_line(tp->t, "Initialize namespace=%s -> %s", quoted(init->namespace_name, nbuf, sizeof nbuf),
                    status_text(st, sbuf, sizeof sbuf));
    return st;
}

static wbemev_status tprov_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    struct tprov *tp = tprov_from(p);
    struct tsink *ts = tsink_new(tp->t, sink, false);
    uint64_t start = monotonic_ns();
    wbemev_status st = tp->real->vtbl->provide_events(tp->real, ts != NULL ? &ts->base : sink, flags);
    char sbuf[16], tbuf[32];
    tool_trace_line(tp->t, "ProvideEvents flags=%ld -> %s%s", (long)flags, status_text(st, sbuf, sizeof sbuf),
                    took(start, tbuf, sizeof tbuf));
    if (ts != NULL)
        tsink_drop(ts);
    return st;
}

static wbemev_status tprov_new_query(wbemev_provider_t *p, uint32_t id, const char *language, const char *query)
{
    struct tprov *tp = tprov_from(p);
    uint64_t start = monotonic_ns();
    wbemev_status st = tp->real->vtbl->new_query(tp->real, id, language, query);
    char lbuf[64], qbuf[512], sbuf[16], tbuf[32];
    bool wql = language != NULL && strcmp(language, "WQL") == 0;
    tool_trace_line(tp->t, "NewQuery id=%lu %s%s%s -> %s%s", (unsigned long)id, wql ? "" : quoted(language, lbuf, sizeof lbuf),
                    wql ? "" : " ", quoted(query, qbuf, sizeof qbuf), status_text(st, sbuf, sizeof sbuf),
                    took(start, tbuf, sizeof tbuf));
    return st;
}

static wbemev_status tprov_cancel_query(wbemev_provider_t *p, uint32_t id)
{
    struct tprov *tp = tprov_from(p);
    uint64_t start = monotonic_ns();
    wbemev_status st = tp->real->vtbl->cancel_query(tp->real, id);
    char sbuf[16], tbuf[32];
    tool_trace_line(tp->t, "CancelQuery id=%lu -> %s%s", (unsigned long)id, status_text(st, sbuf, sizeof sbuf),
                    took(start, tbuf, sizeof tbuf));
    return st;
}

static wbemev_status tprov_access_check(wbemev_provider_t *p, const char *language, const char *query,
                                        const uint8_t *sid, size_t sid_length)
{
    struct tprov *tp = tprov_from(p);
    uint64_t start = monotonic_ns();
    wbemev_status st = tp->real->vtbl->access_check(tp->real, language, query, sid, sid_length);
    char sidbuf[TOOL_SID_TEXT_MAX], lbuf[64], qbuf[512], sbuf[16], tbuf[32];
    bool wql = language != NULL && strcmp(language, "WQL") == 0;
    tool_trace_line(tp->t, "AccessCheck sid=%s%s %s%s%s -> %s%s", tool_sid_format(sid, sid_length, sidbuf, sizeof sidbuf),
                    sid == NULL ? " (temporary consumer)" : "", wql ? "" : quoted(language, lbuf, sizeof lbuf),
                    wql ? "" : " ", quoted(query, qbuf, sizeof qbuf), status_text(st, sbuf, sizeof sbuf),
                    took(start, tbuf, sizeof tbuf));
    return st;
}

wbemev_status tool_trace_provider(tool_tracer *t, wbemev_provider_t *real, wbemev_provider_t **out)
{
    struct tprov *tp = calloc(1, sizeof *tp);
    if (tp == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    const wbemev_provider_vtbl *rv = real->vtbl;
    /* Version 1 slots, each optional one exactly when the real provider has it. */
    tp->vtbl.version = WBEMEV_PROVIDER_VTBL_VERSION;
    tp->vtbl.add_ref = tprov_add_ref;
    tp->vtbl.release = tprov_release;
    tp->vtbl.initialize = rv->initialize != NULL ? tprov_initialize : NULL;
    tp->vtbl.provide_events = tprov_provide_events;
    tp->vtbl.new_query = rv->new_query != NULL ? tprov_new_query : NULL;
    tp->vtbl.cancel_query = rv->cancel_query != NULL ? tprov_cancel_query : NULL;
    tp->vtbl.access_check = rv->access_check != NULL ? tprov_access_check : NULL;
    tp->base.vtbl = &tp->vtbl;
    atomic_init(&tp->refs, 1); /* stands for the reference to `real` we take over */
    tp->real = real;
    tp->t = tracer_add_ref(t);
    /* Which calls the host will not make: the slots the provider leaves NULL. */
    static const char *const slots[] = {"initialize", "new_query", "cancel_query", "access_check"};
    static const char *const calls[] = {"Initialize", "NewQuery", "CancelQuery", "AccessCheck"};
    const bool has[] = {rv->initialize != NULL, rv->new_query != NULL, rv->cancel_query != NULL,
                        rv->access_check != NULL};
    char missing[96] = "", skipped[96] = "";
    size_t nmissing = 0;
    for (size_t i = 0; i < 4; i++) {
        if (has[i])
            continue;
        size_t a = strlen(missing), b = strlen(skipped);
        snprintf(missing + a, sizeof missing - a, "%s%s", nmissing == 0 ? "" : ", ", slots[i]);
        snprintf(skipped + b, sizeof skipped - b, "%s%s", nmissing == 0 ? "" : ", ", calls[i]);
        nmissing++;
    }
    if (nmissing == 0)
        tool_trace_line(t, "tracing %s (provider vtable version %lu, every optional slot)", t->provider_name,
                        (unsigned long)rv->version);
    else
        tool_trace_line(t, "tracing %s (provider vtable version %lu; no %s slot%s: the host makes no %s call%s)",
                        t->provider_name, (unsigned long)rv->version, missing, nmissing == 1 ? "" : "s", skipped,
                        nmissing == 1 ? "" : "s");
    *out = &tp->base;
    return WBEMEV_S_NO_ERROR;
}
