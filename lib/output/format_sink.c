/*
 * lib/output/format_sink.c: the formatting sink, a consumer sink that writes every event it
 * receives to a FILE * as MOF instance text or JSON lines. See wbemev/format.h.
 */
#include "base/text_writer.h"
#include "wbemev/format.h"

#include <stdio.h>

struct format_sink {
    wbemev_sink_t base;
    wbemev__refcount refs;
    FILE *file; /* borrowed */
    wbemev_format format;
    uint32_t flags;
    wbemev__mutex lock; /* one fwrite (and fflush) at a time */
    atomic_uint_fast64_t events;
    atomic_uint_fast64_t skipped; /* events that could not be formatted: left out */
    atomic_uint_fast64_t failed;  /* Indicate calls that failed (write error, out of memory) */
    atomic_int last_skip;         /* the status of the last event left out */
};

static struct format_sink *fs_from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, struct format_sink, base);
}

static void fs_add_ref(wbemev_sink_t *s)
{
    wbemev__ref_inc(&fs_from(s)->refs);
}

static void fs_release(wbemev_sink_t *s)
{
    struct format_sink *fs = fs_from(s);
    if (!wbemev__ref_dec(&fs->refs))
        return;
    wbemev__mutex_destroy(&fs->lock);
    wbemev__free(fs);
}

/* True when a formatting failure is the event's own (it cannot be written in this format: nested
 * past WBEMEV_FORMAT_MAX_DEPTH, a class object, an invalid value): the event is left out and the
 * others written. Out of memory is the sink's and fails the call. */
static bool event_skippable(wbemev_status st)
{
    return st != WBEMEV_E_OUT_OF_MEMORY;
}

static wbemev_status fs_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objects)
{
    struct format_sink *fs = fs_from(s);
    if (count < 0 || (count > 0 && objects == NULL))
        return WBEMEV_E_INVALID_PARAMETER;
    if (count == 0)
        return WBEMEV_S_NO_ERROR;
    for (int32_t i = 0; i < count; i++)
        if (objects[i] == NULL)
            return WBEMEV_E_INVALID_PARAMETER;
    /* Format outside the lock, write under it: one fwrite per Indicate. */
    wbemev__text_memory t;
    wbemev__text_memory_init(&t);
    wbemev_status st = WBEMEV_S_NO_ERROR;
    uint64_t written = 0, skipped = 0;
    for (int32_t i = 0; i < count && WBEMEV_SUCCEEDED(st); i++) {
        size_t mark = t.length;
        st = wbemev_format_write_instance(fs->format, objects[i], fs->flags, wbemev__text_memory_write, &t);
        if (WBEMEV_FAILED(st) && event_skippable(st)) {
            t.length = mark; /* what it wrote before failing goes too */
            atomic_store_explicit(&fs->last_skip, (int)st, memory_order_relaxed);
            skipped++;
            st = WBEMEV_S_NO_ERROR;
        } else if (WBEMEV_SUCCEEDED(st)) {
            written++;
        }
    }
    if (WBEMEV_SUCCEEDED(st) && t.length > 0) {
        wbemev__mutex_lock(&fs->lock);
        if (fwrite(t.data, 1, t.length, fs->file) != t.length)
            st = WBEMEV_E_FAILED;
        else if ((fs->flags & WBEMEV_FORMAT_FLUSH) && fflush(fs->file) != 0)
            st = WBEMEV_E_FAILED;
        wbemev__mutex_unlock(&fs->lock);
    }
    wbemev__text_memory_free(&t);
    if (skipped > 0)
        atomic_fetch_add_explicit(&fs->skipped, skipped, memory_order_relaxed);
    if (WBEMEV_SUCCEEDED(st))
        atomic_fetch_add_explicit(&fs->events, written, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&fs->failed, 1, memory_order_relaxed);
    return st;
}

static wbemev_status fs_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status status,
                                   const char *text, wbemev_object_t *object)
{
    struct format_sink *fs = fs_from(s);
    (void)status, (void)text, (void)object;
    if (flags == WBEMEV_STATUS_COMPLETE) {
        wbemev__mutex_lock(&fs->lock);
        fflush(fs->file);
        wbemev__mutex_unlock(&fs->lock);
    }
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_sink_vtbl format_sink_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, fs_add_ref, fs_release, fs_indicate, fs_set_status,
};

wbemev_status wbemev_format_sink_new(FILE *file, wbemev_format format, uint32_t flags,
                                     wbemev_sink_t **out)
{
    if (file == NULL || out == NULL || wbemev_format_name(format) == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    struct format_sink *fs = wbemev__calloc(1, sizeof *fs);
    if (fs == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__mutex_init(&fs->lock);
    fs->base.vtbl = &format_sink_vtbl;
    wbemev__ref_init(&fs->refs, 1);
    fs->file = file;
    fs->format = format;
    fs->flags = flags;
    atomic_init(&fs->events, 0);
    atomic_init(&fs->skipped, 0);
    atomic_init(&fs->failed, 0);
    atomic_init(&fs->last_skip, (int)WBEMEV_S_NO_ERROR);
    *out = &fs->base;
    return WBEMEV_S_NO_ERROR;
}

uint64_t wbemev_format_sink_count(wbemev_sink_t *sink)
{
    if (sink == NULL || sink->vtbl != &format_sink_vtbl)
        return 0;
    return (uint64_t)atomic_load_explicit(&fs_from(sink)->events, memory_order_relaxed);
}

wbemev_status wbemev_format_sink_stats(wbemev_sink_t *sink, wbemev_format_sink_counters *out)
{
    if (sink == NULL || out == NULL || sink->vtbl != &format_sink_vtbl)
        return WBEMEV_E_INVALID_PARAMETER;
    struct format_sink *fs = fs_from(sink);
    out->written = (uint64_t)atomic_load_explicit(&fs->events, memory_order_relaxed);
    out->skipped = (uint64_t)atomic_load_explicit(&fs->skipped, memory_order_relaxed);
    out->failed = (uint64_t)atomic_load_explicit(&fs->failed, memory_order_relaxed);
    out->last_skip = (wbemev_status)atomic_load_explicit(&fs->last_skip, memory_order_relaxed);
    return WBEMEV_S_NO_ERROR;
}
