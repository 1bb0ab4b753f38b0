/*
 * lib/base/text_writer.h: the text writer the output formats share (JSON lines, MOF).
 *
 * A format writes through a wbemev__text_out: the caller's wbemev_text_writer with a status latch,
 * and the pieces every format writes (integers, reals, UTF-8, UTF-16 escapes). The destinations a
 * public function offers besides a callback are here too: a caller buffer (snprintf-like), a FILE *,
 * and a growable memory buffer. Not installed. Calls only base/ and platform/.
 */
#ifndef WBEMEV_BASE_TEXT_WRITER_H
#define WBEMEV_BASE_TEXT_WRITER_H

#include "base/base.h"

#include <stdio.h>

/* ---- writing through a wbemev_text_writer ---- */

/* The first failure (the writer's, or one the format reports with wbemev__text_fail) is kept and
 * stops the writing: every later put does nothing, so a format writes on without checking each
 * call and returns `status` at the end. */
typedef struct wbemev__text_out {
    wbemev_text_writer fn;
    void *ctx;
    wbemev_status status;
} wbemev__text_out;

static inline void wbemev__text_out_init(wbemev__text_out *o, wbemev_text_writer fn, void *ctx)
{
    o->fn = fn;
    o->ctx = ctx;
    o->status = WBEMEV_S_NO_ERROR;
}

static inline bool wbemev__text_ok(const wbemev__text_out *o)
{
    return WBEMEV_SUCCEEDED(o->status);
}

/* n bytes of s (n may be 0: nothing is written, the writer is not called). */
void wbemev__text_put(wbemev__text_out *o, const char *s, size_t n);
/* A NUL-terminated string. */
void wbemev__text_puts(wbemev__text_out *o, const char *s);
/* Keeps `status` (a failure) unless a failure is kept already. */
void wbemev__text_fail(wbemev__text_out *o, wbemev_status status);
/* Decimal integers. */
void wbemev__text_put_u64(wbemev__text_out *o, uint64_t v);
void wbemev__text_put_i64(wbemev__text_out *o, int64_t v);
/* One code point, 0..0x10FFFF and not a surrogate, as UTF-8. */
void wbemev__text_put_utf8(wbemev__text_out *o, uint32_t c);
/* One code point as UTF-16 escapes: `prefix` (two characters, such as "\\u" or "\\x") and four hex
 * digits (A-F when `upper`, else a-f); a surrogate pair of two escapes for c >= 0x10000. */
void wbemev__text_put_utf16_escape(wbemev__text_out *o, const char prefix[2], uint32_t c, bool upper);

/* The shortest decimal text that reads back (strtod) as the same float (`single`) or double, with
 * '.' as the decimal point whatever the C locale says. v must be finite. Writes it and a NUL into
 * buf (WBEMEV__REAL_TEXT_MAX bytes) and returns its length. */
#define WBEMEV__REAL_TEXT_MAX 48
size_t wbemev__format_real(char *buf, double v, bool single);

/* ---- destinations ---- */

/* A caller buffer, snprintf-like: counts the whole length, copies what fits and keeps the copy
 * NUL-terminated. */
typedef struct wbemev__text_buffer {
    char *buf;
    size_t size;
    size_t length; /* the whole text's length so far, even past size */
} wbemev__text_buffer;

/* Starts writing into buf (emptied): WBEMEV_E_INVALID_PARAMETER unless buf is non-NULL with
 * size > 0, or NULL with size 0 (measure only). */
wbemev_status wbemev__text_buffer_start(wbemev__text_buffer *b, char *buf, size_t size);
/* The wbemev_text_writer of a buffer (ctx: the wbemev__text_buffer). Never fails. */
wbemev_status wbemev__text_buffer_write(void *ctx, const char *text, size_t len);
/* What the buffer form of a function returns once the text is written with status `st`: st when it
 * failed; WBEMEV_E_BUFFER_TOO_SMALL when the text (and its NUL) did not fit; else
 * WBEMEV_S_NO_ERROR, with the text's length in *length (optional). */
wbemev_status wbemev__text_buffer_finish(const wbemev__text_buffer *b, wbemev_status st, size_t *length);

/* The wbemev_text_writer of a FILE * (ctx: the stream): WBEMEV_E_FAILED when fwrite writes less. */
wbemev_status wbemev__text_file_write(void *ctx, const char *text, size_t len);

/* Growable memory: starts in its own array, moves to the heap (wbemev__malloc) when it outgrows
 * it. Not NUL-terminated. */
typedef struct wbemev__text_memory {
    char *data;
    size_t length;
    size_t capacity;
    bool heap;
    char small[2048];
} wbemev__text_memory;

void wbemev__text_memory_init(wbemev__text_memory *m);
void wbemev__text_memory_free(wbemev__text_memory *m);
/* The wbemev_text_writer of a memory buffer (ctx: the wbemev__text_memory): appends, or answers
 * WBEMEV_E_OUT_OF_MEMORY and keeps what it had. */
wbemev_status wbemev__text_memory_write(void *ctx, const char *text, size_t len);

#endif /* WBEMEV_BASE_TEXT_WRITER_H */
