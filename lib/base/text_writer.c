/*
 * lib/base/text_writer.c: the text writer the output formats share. See base/text_writer.h.
 */
#include "base/text_writer.h"

#include <stdlib.h>

/* ---- writing through a wbemev_text_writer ---- */

void wbemev__text_put(wbemev__text_out *o, const char *s, size_t n)
{
    if (n > 0 && WBEMEV_SUCCEEDED(o->status))
        o->status = o->fn(o->ctx, s, n);
}

void wbemev__text_puts(wbemev__text_out *o, const char *s)
{
    wbemev__text_put(o, s, strlen(s));
}

void wbemev__text_fail(wbemev__text_out *o, wbemev_status status)
{
    if (WBEMEV_SUCCEEDED(o->status))
        o->status = status;
}

void wbemev__text_put_u64(wbemev__text_out *o, uint64_t v)
{
    char buf[WBEMEV__INT_TEXT_MAX];
    wbemev__text_put(o, buf, wbemev__format_u64(buf, v));
}

void wbemev__text_put_i64(wbemev__text_out *o, int64_t v)
{
    char buf[WBEMEV__INT_TEXT_MAX];
    wbemev__text_put(o, buf, wbemev__format_i64(buf, v));
}

void wbemev__text_put_utf8(wbemev__text_out *o, uint32_t c)
{
    char buf[4];
    size_t n;
    if (c < 0x80) {
        buf[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        buf[0] = (char)(0xC0 | (c >> 6));
        buf[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        buf[0] = (char)(0xE0 | (c >> 12));
        buf[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        buf[0] = (char)(0xF0 | (c >> 18));
        buf[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        buf[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        buf[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    wbemev__text_put(o, buf, n);
}

static void put_escape4(wbemev__text_out *o, const char prefix[2], unsigned v, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[6] = {prefix[0], prefix[1], digits[(v >> 12) & 15], digits[(v >> 8) & 15],
                   digits[(v >> 4) & 15], digits[v & 15]};
    wbemev__text_put(o, buf, sizeof buf);
}

void wbemev__text_put_utf16_escape(wbemev__text_out *o, const char prefix[2], uint32_t c, bool upper)
{
    if (c >= 0x10000) {
        c -= 0x10000;
        put_escape4(o, prefix, 0xD800 + (c >> 10), upper);
        put_escape4(o, prefix, 0xDC00 + (c & 0x3FF), upper);
    } else {
        put_escape4(o, prefix, c, upper);
    }
}

static bool real_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'E';
}

size_t wbemev__format_real(char *buf, double v, bool single)
{
    char tmp[WBEMEV__REAL_TEXT_MAX];
    int max = single ? 9 : 17; /* digits that always round-trip a float, a double */
    for (int prec = 1; prec <= max; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        double back = strtod(tmp, NULL); /* same locale as snprintf: reads its own output */
        if (single ? (float)back == (float)v : back == v)
            break;
    }
    /* The locale's decimal point (',' in some, several bytes in a few) becomes one '.'. */
    size_t n = 0;
    for (const char *c = tmp; *c != 0;) {
        if (real_char(*c)) {
            buf[n++] = *c++;
        } else {
            buf[n++] = '.';
            while (*c != 0 && !real_char(*c))
                c++;
        }
    }
    buf[n] = 0;
    return n;
}

/* ---- destinations ---- */

wbemev_status wbemev__text_buffer_start(wbemev__text_buffer *b, char *buf, size_t size)
{
    if (buf != NULL ? size == 0 : size != 0)
        return WBEMEV_E_INVALID_PARAMETER;
    b->buf = buf;
    b->size = size;
    b->length = 0;
    if (buf != NULL)
        buf[0] = 0;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__text_buffer_write(void *ctx, const char *text, size_t len)
{
    wbemev__text_buffer *b = ctx;
    if (b->buf != NULL && b->length < b->size) {
        size_t room = b->size - 1 - b->length; /* keep one byte for the NUL */
        size_t n = len < room ? len : room;
        memcpy(b->buf + b->length, text, n);
        b->buf[b->length + n] = 0;
    }
    b->length += len;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__text_buffer_finish(const wbemev__text_buffer *b, wbemev_status st, size_t *length)
{
    if (WBEMEV_FAILED(st))
        return st;
    if (b->buf != NULL && b->length >= b->size)
        return WBEMEV_E_BUFFER_TOO_SMALL;
    if (length != NULL)
        *length = b->length;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__text_file_write(void *ctx, const char *text, size_t len)
{
    return fwrite(text, 1, len, (FILE *)ctx) == len ? WBEMEV_S_NO_ERROR : WBEMEV_E_FAILED;
}

void wbemev__text_memory_init(wbemev__text_memory *m)
{
    m->data = m->small;
    m->length = 0;
    m->capacity = sizeof m->small;
    m->heap = false;
}

void wbemev__text_memory_free(wbemev__text_memory *m)
{
    if (m->heap)
        wbemev__free(m->data);
    wbemev__text_memory_init(m);
}

wbemev_status wbemev__text_memory_write(void *ctx, const char *text, size_t len)
{
    wbemev__text_memory *m = ctx;
    if (len > m->capacity - m->length) {
        if (len > SIZE_MAX / 2 - m->length)
            return WBEMEV_E_OUT_OF_MEMORY;
        size_t cap = m->capacity * 2;
        while (cap - m->length < len)
            cap *= 2;
        char *p;
        if (m->heap) {
            p = wbemev__realloc(m->data, cap);
        } else {
            p = wbemev__malloc(cap);
            if (p != NULL)
                memcpy(p, m->data, m->length);
        }
        if (p == NULL)
            return WBEMEV_E_OUT_OF_MEMORY;
        m->data = p;
        m->capacity = cap;
        m->heap = true;
    }
    memcpy(m->data + m->length, text, len);
    m->length += len;
    return WBEMEV_S_NO_ERROR;
}
