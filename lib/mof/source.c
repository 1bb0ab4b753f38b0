/*
 * lib/mof/source.c: one MOF file's text, as the lexer reads it: UTF-8 without its byte order mark,
 * NUL-terminated. UTF-16 files (with a byte order mark, as mofcomp's Unicode files are) are
 * decoded to UTF-8; any other text that is not UTF-8, or holds a NUL byte, is refused.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "mof/mof_int.h"

void wbemev__mof_source_free(wbemev__mof_source *s)
{
    if (s == NULL)
        return;
    wbemev__free(s->name);
    wbemev__free(s->text);
    wbemev__free(s);
}

static bool put_utf8(wbemev__mof_buf *b, uint32_t c, bool *ok)
{
    if (!wbemev__mof_buf_put_utf8(b, c)) {
        *ok = false;
        return false;
    }
    return true;
}

/* UTF-16 (after its BOM) to UTF-8 in b; the status says what is wrong. */
static wbemev_status decode_utf16(const unsigned char *s, size_t n, bool big_endian, wbemev__mof_buf *b,
                                  const char **why)
{
    bool ok = true;
    if (n % 2 != 0) {
        *why = "UTF-16 text of an odd number of bytes";
        return WBEMEV_MOF_E_INVALID_FILE;
    }
    for (size_t i = 0; i < n; i += 2) {
        uint32_t c = big_endian ? (uint32_t)(s[i] << 8 | s[i + 1]) : (uint32_t)(s[i + 1] << 8 | s[i]);
        if (c >= 0xD800 && c <= 0xDBFF && i + 3 < n) {
            uint32_t lo = big_endian ? (uint32_t)(s[i + 2] << 8 | s[i + 3]) : (uint32_t)(s[i + 3] << 8 | s[i + 2]);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            }
        }
        if (c == 0 || (c >= 0xD800 && c <= 0xDFFF)) {
            *why = c == 0 ? "a NUL character in UTF-16 text" : "a lone surrogate in UTF-16 text";
            return WBEMEV_MOF_E_INVALID_FILE;
        }
        if (!put_utf8(b, c, &ok))
            break;
    }
    return ok ? WBEMEV_S_NO_ERROR : WBEMEV_E_OUT_OF_MEMORY;
}

static wbemev_status check_utf8(const char *s, size_t n, const char **why)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        if (*p == 0) {
            *why = "a NUL byte: the file is not UTF-8 text (UTF-16 needs its byte order mark)";
            return WBEMEV_MOF_E_INVALID_FILE;
        }
        if (*p < 0x80) {
            p++;
            continue;
        }
        const unsigned char *q = p;
        uint32_t c = wbemev__utf8_decode(&q);
        if (c == WBEMEV__UTF8_INVALID || q > end) {
            *why = "the file is not UTF-8 text (or UTF-16 with a byte order mark)";
            return WBEMEV_MOF_E_INVALID_FILE;
        }
        p = q;
    }
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__mof_source_from_text(const char *name, const char *text, size_t length,
                                           wbemev__mof_source **out, const char **why)
{
    *why = "out of memory";
    wbemev__mof_source *src = wbemev__calloc(1, sizeof *src);
    if (src == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    src->name = wbemev__strdup(name != NULL ? name : "<string>");
    wbemev__mof_buf b = {0};
    wbemev_status s = src->name != NULL ? WBEMEV_S_NO_ERROR : WBEMEV_E_OUT_OF_MEMORY;
    const unsigned char *u = (const unsigned char *)text;
    if (WBEMEV_SUCCEEDED(s) && length >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        s = decode_utf16(u + 2, length - 2, u[0] == 0xFE, &b, why);
    } else if (WBEMEV_SUCCEEDED(s)) {
        if (length >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
            text += 3;
            length -= 3;
        }
        /* Checked in the NUL-terminated copy: the decoder may look one sequence ahead. */
        if (!wbemev__mof_buf_append(&b, text, length))
            s = WBEMEV_E_OUT_OF_MEMORY;
        else
            s = check_utf8(b.data, b.len, why);
    }
    if (WBEMEV_SUCCEEDED(s) && b.data == NULL && !wbemev__mof_buf_append(&b, "", 0))
        s = WBEMEV_E_OUT_OF_MEMORY;
    if (WBEMEV_FAILED(s)) {
        wbemev__free(b.data);
        wbemev__mof_source_free(src);
        return s;
    }
    src->text = b.data;
    src->length = b.len;
    *out = src;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__mof_source_read(const char *path, size_t max_bytes, wbemev__mof_source **out,
                                      const char **why)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        *why = "cannot open the file";
        return WBEMEV_E_NOT_FOUND;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = "not a regular file";
        return WBEMEV_E_NOT_FOUND;
    }
    if ((uint64_t)st.st_size > (uint64_t)max_bytes) {
        *why = "the file is larger than the size limit";
        return WBEMEV_E_QUOTA_VIOLATION;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        *why = "cannot open the file";
        return WBEMEV_E_NOT_FOUND;
    }
    size_t size = (size_t)st.st_size;
    char *data = wbemev__malloc(size + 1);
    if (data == NULL) {
        fclose(f);
        *why = "out of memory";
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    /* Read one byte more than stat said, so a file that grew past the limit is caught. */
    size_t got = fread(data, 1, size + 1, f);
    bool read_error = ferror(f) != 0;
    fclose(f);
    wbemev_status s;
    if (read_error || got > size) {
        *why = read_error ? "cannot read the file" : "the file changed while it was read";
        s = WBEMEV_E_NOT_FOUND;
    } else {
        s = wbemev__mof_source_from_text(path, data, got, out, why);
    }
    wbemev__free(data);
    return s;
}

static bool is_sep(char c)
{
    return c == '/' || c == '\\';
}

/* Drops "./" segments and folds "name/../", so that one file reached by two spellings is one name
 * (an include cycle through "./a.mof" is still a cycle). A leading ".." stays. */
static void remove_dot_segments(char *path)
{
    char *out = path;
    const char *in = path;
    while (*in != 0) {
        const char *seg = in;
        while (*in != 0 && !is_sep(*in))
            in++;
        size_t n = (size_t)(in - seg);
        bool at_start = out == path;
        if (n == 1 && seg[0] == '.' && *in != 0) {
            in++; /* "./" */
            continue;
        }
        if (n == 2 && seg[0] == '.' && seg[1] == '.' && !at_start) {
            /* Back over the previous segment, unless it is itself ".." or the root. */
            char *prev = out - 1; /* out ends with a separator */
            char *start = prev;
            while (start > path && !is_sep(start[-1]))
                start--;
            bool prev_dotdot = prev - start == 2 && start[0] == '.' && start[1] == '.';
            if (prev > start && !prev_dotdot) {
                out = start;
                in += *in != 0;
                continue;
            }
        }
        memmove(out, seg, n);
        out += n;
        if (*in != 0)
            *out++ = *in++;
    }
    *out = 0;
}

char *wbemev__mof_path_join(const char *including, const char *target)
{
    size_t dir_len = 0;
    bool absolute = target[0] == '/' || target[0] == '\\' ||
                    (((target[0] | 0x20) >= 'a' && (target[0] | 0x20) <= 'z') && target[1] == ':');
    if (!absolute && including != NULL) {
        for (size_t i = 0; including[i] != 0; i++) {
            if (including[i] == '/' || including[i] == '\\')
                dir_len = i + 1;
        }
    }
    size_t tlen = strlen(target);
    char *path = wbemev__malloc(dir_len + tlen + 1);
    if (path == NULL)
        return NULL;
    memcpy(path, including, dir_len);
    memcpy(path + dir_len, target, tlen + 1);
#ifndef _WIN32
    for (char *q = path + dir_len; *q != 0; q++) {
        if (*q == '\\')
            *q = '/'; /* "Core\\CIM_X.mof" as written for Windows */
    }
#endif
    remove_dot_segments(path);
    return path;
}
