/*
 * lib/mof/diag.c: every error and warning of the reader in one form: "file:line:column: message",
 * then the source line and a caret under the column (tabs kept, so the caret lines up).
 */
#include <stdio.h>

#include "mof/mof_int.h"

/* Appends n bytes of s to d's text, truncating (the text stays NUL-terminated). */
static void text_add(wbemev_mof_diagnostic *d, size_t *len, const char *s, size_t n)
{
    size_t room = sizeof d->text - 1 - *len;
    if (n > room)
        n = room;
    memcpy(d->text + *len, s, n);
    *len += n;
    d->text[*len] = 0;
}

/* The source line (up to its end or a cut at 200 bytes) and the caret under `column`. */
static void add_source_line(wbemev_mof_diagnostic *d, size_t *len, const wbemev__mof_pos *at)
{
    const char *s = at->line_start, *e = s;
    while (e < at->text_end && *e != '\n' && *e != '\r' && *e != 0 && e - s < 200)
        e++;
    text_add(d, len, s, (size_t)(e - s));
    text_add(d, len, "\n", 1);
    unsigned col = 1;
    for (const char *q = s; q < e && col < at->column; q++) {
        if (((unsigned char)*q & 0xC0) == 0x80)
            continue; /* continuation byte: one column per character */
        text_add(d, len, *q == '\t' ? "\t" : " ", 1);
        col++;
    }
    text_add(d, len, "^\n", 2);
}

void wbemev__mof_diag_fill(wbemev_mof_diagnostic *d, wbemev_status status, const wbemev__mof_pos *at,
                           const char *fmt, va_list ap)
{
    memset(d, 0, sizeof *d);
    d->status = status;
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    if (at != NULL && at->file != NULL)
        snprintf(d->file, sizeof d->file, "%s", at->file);
    if (at != NULL) {
        d->line = at->line;
        d->column = at->column;
    }
    size_t len = 0;
    char head[sizeof d->file + 64];
    int n;
    if (d->line > 0 && d->column == 0)
        n = snprintf(head, sizeof head, "%s:%u: ", d->file[0] ? d->file : "<mof>", d->line);
    else if (d->line > 0)
        n = snprintf(head, sizeof head, "%s:%u:%u: ", d->file[0] ? d->file : "<mof>", d->line, d->column);
    else
        n = snprintf(head, sizeof head, "%s: ", d->file[0] ? d->file : "<mof>");
    text_add(d, &len, head, n > 0 ? (size_t)n < sizeof head ? (size_t)n : sizeof head - 1 : 0);
    text_add(d, &len, d->message, strlen(d->message));
    text_add(d, &len, "\n", 1);
    if (at != NULL && at->line_start != NULL && d->line > 0 && d->column > 0)
        add_source_line(d, &len, at);
}

void wbemev__mof_diag_set(wbemev_mof_diagnostic *d, wbemev_status status, const wbemev__mof_pos *at,
                          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wbemev__mof_diag_fill(d, status, at, fmt, ap);
    va_end(ap);
}
