/*
 * tools/text.c: text output of the tool: the one-line event form, the output buffer, query errors.
 */
#define _POSIX_C_SOURCE 200809L

#include "tool.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

wbemev_status tool_text_write(void *ctx, const char *text, size_t len)
{
    tool_text *t = ctx;
    if (len == 0)
        return WBEMEV_S_NO_ERROR; /* nothing to copy (and t->data may still be NULL) */
    if (len > t->capacity - t->length) {
        size_t cap = t->capacity != 0 ? t->capacity : 4096;
        while (cap - t->length < len) {
            if (cap > SIZE_MAX / 2)
                return WBEMEV_E_OUT_OF_MEMORY;
            cap *= 2;
        }
        char *p = realloc(t->data, cap);
        if (p == NULL)
            return WBEMEV_E_OUT_OF_MEMORY;
        t->data = p;
        t->capacity = cap;
    }
    memcpy(t->data + t->length, text, len);
    t->length += len;
    return WBEMEV_S_NO_ERROR;
}

void tool_text_free(tool_text *t)
{
    free(t->data);
    t->data = NULL;
    t->length = t->capacity = 0;
}

static wbemev_status put(tool_text *t, const char *s)
{
    return tool_text_write(t, s, strlen(s));
}

/* "HH:MM:SS.ffffff" in local time, from a FILETIME (100 ns ticks since 1601). */
static void local_time(uint64_t filetime, char *buf, size_t size)
{
    const uint64_t epoch_delta = 116444736000000000ull; /* 1601-01-01 to 1970-01-01 in ticks */
    if (filetime < epoch_delta) {
        snprintf(buf, size, "--:--:--.------");
        return;
    }
    uint64_t since = filetime - epoch_delta;
    time_t secs = (time_t)(since / 10000000u);
    unsigned micros = (unsigned)(since % 10000000u / 10u);
    struct tm tm;
    if (localtime_r(&secs, &tm) == NULL) {
        snprintf(buf, size, "--:--:--.------");
        return;
    }
    snprintf(buf, size, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

static wbemev_status put_value(tool_text *t, const wbemev_value *v)
{
    char buf[64];
    if (WBEMEV_CIM_IS_ARRAY(v->type))
        return wbemev_json_write_value(v, 0, tool_text_write, t);
    switch (WBEMEV_CIM_BASE(v->type)) {
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_SINT64: snprintf(buf, sizeof buf, "%lld", (long long)v->u.sint); return put(t, buf);
    case WBEMEV_CIM_UINT8:
    case WBEMEV_CIM_UINT16:
    case WBEMEV_CIM_UINT32:
    case WBEMEV_CIM_UINT64: snprintf(buf, sizeof buf, "%llu", (unsigned long long)v->u.uint); return put(t, buf);
    case WBEMEV_CIM_BOOLEAN: return put(t, v->u.boolean ? "TRUE" : "FALSE");
    case WBEMEV_CIM_DATETIME: {
        char dt[WBEMEV_DATETIME_LEN + 1];
        wbemev_status st = wbemev_datetime_format(&v->u.datetime, dt, sizeof dt);
        return WBEMEV_SUCCEEDED(st) ? put(t, dt) : st;
    }
    default: /* strings, references, char16, reals, objects: their JSON form */
        return wbemev_json_write_value(v, 0, tool_text_write, t);
    }
}

wbemev_status tool_format_text(const wbemev_object_t *obj, tool_text *t)
{
    char when[32];
    uint64_t created = 0;
    if (WBEMEV_SUCCEEDED(wbemev_object_get_uint64(obj, "TIME_CREATED", &created)))
        local_time(created, when, sizeof when);
    else
        snprintf(when, sizeof when, "--:--:--.------");
    wbemev_status st = put(t, when);
    if (WBEMEV_SUCCEEDED(st))
        st = put(t, " ");
    if (WBEMEV_SUCCEEDED(st))
        st = put(t, wbemev_object_class_name(obj));
    const wbemev_class_t *cls = wbemev_object_class(obj);
    size_t n = wbemev_class_property_count(cls);
    for (size_t i = 0; i < n && WBEMEV_SUCCEEDED(st); i++) {
        wbemev_property_info info;
        wbemev_value v;
        if (WBEMEV_FAILED(wbemev_class_property_at(cls, i, &info)) ||
            WBEMEV_FAILED(wbemev_object_get(obj, info.name, &v)))
            return WBEMEV_E_INVALID_OBJECT;
        if (v.is_null || strcmp(info.name, "TIME_CREATED") == 0)
            continue;
        st = put(t, " ");
        if (WBEMEV_SUCCEEDED(st))
            st = put(t, info.name);
        if (WBEMEV_SUCCEEDED(st))
            st = put(t, "=");
        if (WBEMEV_SUCCEEDED(st))
            st = put_value(t, &v);
    }
    if (WBEMEV_SUCCEEDED(st))
        st = put(t, "\n");
    return st;
}

/* The escape that shows byte c (or the C1 control U+0080..U+009F, c2 its second byte) as JSON
 * would, into buf; 0 when it is shown as it is. */
static size_t escape_of(const unsigned char *s, size_t n, size_t *consumed, char buf[8])
{
    *consumed = 1;
    unsigned c = s[0];
    if (c == 0xC2 && n > 1 && s[1] >= 0x80 && s[1] <= 0x9F) { /* C1 controls: CSI, OSC... */
        *consumed = 2;
        return (size_t)snprintf(buf, 8, "\\u%04x", s[1]);
    }
    if (c >= 0x20 && c != 0x7F)
        return 0;
    switch (c) {
    case '\n': return (size_t)snprintf(buf, 8, "\\n");
    case '\r': return (size_t)snprintf(buf, 8, "\\r");
    case '\t': return (size_t)snprintf(buf, 8, "\\t");
    default: return (size_t)snprintf(buf, 8, "\\u%04x", c);
    }
}

void tool_write_escaped(FILE *f, const char *s, size_t len, bool keep_newlines)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t start = 0;
    for (size_t i = 0; i < len;) {
        char esc[8];
        size_t used, n = (keep_newlines && u[i] == '\n') ? 0 : escape_of(u + i, len - i, &used, esc);
        if (n == 0) {
            i++;
            continue;
        }
        fwrite(s + start, 1, i - start, f);
        fwrite(esc, 1, n, f);
        i += used;
        start = i;
    }
    fwrite(s + start, 1, len - start, f);
}

const char *tool_escape(const char *s, char **owned)
{
    *owned = NULL;
    if (s == NULL)
        return "(null)";
    size_t len = strlen(s);
    bool plain = true;
    for (size_t i = 0; i < len && plain; i++) {
        char esc[8];
        size_t used;
        plain = escape_of((const unsigned char *)s + i, len - i, &used, esc) == 0;
    }
    if (plain)
        return s;
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f == NULL)
        return "(unprintable text)";
    tool_write_escaped(f, s, len, false);
    if (fclose(f) != 0) {
        free(text);
        return "(unprintable text)";
    }
    *owned = text;
    return text;
}

/* Number of characters (UTF-8 code points) in s[0..n). */
static size_t chars(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

void tool_print_query_error(FILE *f, const char *cmd, const char *query, const wbemev_query_error *err)
{
    const char *name = wbemev_status_name(err->status);
    const char *message = err->message[0] != '\0' ? err->message : wbemev_status_message(err->status);
    fflush(stdout);
    flockfile(f); /* the lines together, whatever other threads write */
    fprintf(f, "wbemev %s: %s: ", cmd, name != NULL ? name : "unknown status");
    tool_write_escaped(f, message, strlen(message), false); /* it may quote the query */
    if (err->column > 0 && strstr(message, "column") == NULL)
        fprintf(f, " (column %zu)", err->column);
    fputc('\n', f);
    if (err->column == 0) {
        funlockfile(f);
        return;
    }
    /* The line holding the column, tabs shown as spaces so the caret lines up. */
    size_t len = strlen(query), at = err->column - 1;
    if (at > len)
        at = len;
    size_t start = at, end = at;
    while (start > 0 && query[start - 1] != '\n')
        start--;
    while (end < len && query[end] != '\n' && query[end] != '\r')
        end++;
    /* Control bytes shown escaped, as in event values: the caret counts their escapes' width. */
    fputs("  ", f);
    size_t caret = 0;
    for (size_t i = start; i < end;) {
        char esc[8];
        size_t used, n = query[i] == '\t' ? 0 : escape_of((const unsigned char *)query + i, end - i, &used, esc);
        if (n > 0) {
            fwrite(esc, 1, n, f);
        } else {
            used = 1;
            fputc(query[i] == '\t' ? ' ' : query[i], f);
        }
        if (i < at)
            caret += n > 0 ? n : chars(query + i, 1);
        i += used;
    }
    fputs("\n  ", f);
    for (size_t i = caret; i > 0; i--)
        fputc(' ', f);
    fputs("^\n", f);
    funlockfile(f);
}
