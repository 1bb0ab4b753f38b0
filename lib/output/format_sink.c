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

static wbemev_status fs_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objects)
{
    struct format_sink *fs = fs_from(s);
    if (count < 0 || (count > 0 && objects == NULL))
        return WBEMEV_E_INVALID_PARAMETER;
    if (count == 0)
        return WBEMEV_S_NO_ERROR;
    /* Format outside the lock, write under it: one fwrite per Indicate. */
    wbemev__text_memory t;
    wbemev__text_memory_init(&t);
    wbemev_status st = WBEMEV_S_NO_ERROR;
    for (int32_t i = 0; i < count && WBEMEV_SUCCEEDED(st); i++) {
        if (objects[i] == NULL)
            st = WBEMEV_E_INVALID_PARAMETER;
        else
            st = wbemev_format_write_instance(fs->format, objects[i], fs->flags,
                                              wbemev__text_memory_write, &t);
    }
    if (WBEMEV_SUCCEEDED(st)) {
        wbemev__mutex_lock(&fs->lock);
        if (fwrite(t.data, 1, t.length, fs->file) != t.length)
            st = WBEMEV_E_FAILED;
        else if ((fs->flags & WBEMEV_FORMAT_FLUSH) && fflush(fs->file) != 0)
            st = WBEMEV_E_FAILED;
        wbemev__mutex_unlock(&fs->lock);
    }
    wbemev__text_memory_free(&t);
    if (WBEMEV_SUCCEEDED(st))
        atomic_fetch_add_explicit(&fs->events, (uint_fast64_t)count, memory_order_relaxed);
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
    *out = &fs->base;
    return WBEMEV_S_NO_ERROR;
}

uint64_t wbemev_format_sink_count(wbemev_sink_t *sink)
{
    if (sink == NULL || sink->vtbl != &format_sink_vtbl)
        return 0;
    return (uint64_t)atomic_load_explicit(&fs_from(sink)->events, memory_order_relaxed);
}
