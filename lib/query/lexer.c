/*
 * lib/query/lexer.c: WQL tokens.
 *
 * The whole text is tokenized before parsing: any lexical error (unterminated string, a character
 * outside the language, invalid UTF-8, a malformed number) makes the query unparsable
 * (WBEMEV_E_UNPARSABLE_QUERY) wherever it is. Columns count characters, not bytes.
 */
#include "query/query-int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void wbemev__wq_set_error(wbemev_query_error *err, wbemev_status status, size_t column, const char *fmt, ...)
{
    if (err == NULL)
        return;
    err->status = status;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    if (n < 0) {
        err->message[0] = '\0';
        n = 0;
    }
    if (column != 0 && (size_t)n < sizeof err->message)
        snprintf(err->message + n, sizeof err->message - (size_t)n, " at column %zu", column);
}

void wbemev__wq_clear_error(wbemev_query_error *err)
{
    if (err != NULL) {
        err->status = WBEMEV_S_NO_ERROR;
        err->column = 0;
        err->message[0] = '\0';
    }
}

static const struct {
    const char *word;
    wq_tok_kind kind;
} wq_keywords[] = {
    {"SELECT", WQ_T_SELECT}, {"FROM", WQ_T_FROM},     {"WHERE", WQ_T_WHERE}, {"WITHIN", WQ_T_WITHIN},
    {"GROUP", WQ_T_GROUP},   {"BY", WQ_T_BY},         {"HAVING", WQ_T_HAVING}, {"AND", WQ_T_AND},
    {"OR", WQ_T_OR},         {"NOT", WQ_T_NOT},       {"IS", WQ_T_IS},       {"ISA", WQ_T_ISA},
    {"LIKE", WQ_T_LIKE},     {"NULL", WQ_T_NULL},     {"TRUE", WQ_T_TRUE},   {"FALSE", WQ_T_FALSE},
};

const char *wbemev__wq_tok_name(wq_tok_kind kind)
{
    switch (kind) {
    case WQ_T_EOF: return "the end of the query";
    case WQ_T_IDENT: return "a name";
    case WQ_T_STRING: return "a string";
    case WQ_T_INT: return "an integer";
    case WQ_T_REAL: return "a real number";
    case WQ_T_STAR: return "'*'";
    case WQ_T_COMMA: return "','";
    case WQ_T_DOT: return "'.'";
    case WQ_T_LPAREN: return "'('";
    case WQ_T_RPAREN: return "')'";
    case WQ_T_SEMI: return "';'";
    case WQ_T_EQ: return "'='";
    case WQ_T_NE: return "'<>'";
    case WQ_T_LT: return "'<'";
    case WQ_T_GT: return "'>'";
    case WQ_T_LE: return "'<='";
    case WQ_T_GE: return "'>='";
    case WQ_T_ERROR: return "an invalid token";
    default: break;
    }
    for (size_t i = 0; i < sizeof wq_keywords / sizeof wq_keywords[0]; i++)
        if (wq_keywords[i].kind == kind)
            return wq_keywords[i].word;
    return "?";
}

static int wq_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static bool wq_is_ident_start(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool wq_is_ident_char(int c)
{
    return wq_is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool wq_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int wq_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = wq_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static wq_tok_kind wq_keyword(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof wq_keywords / sizeof wq_keywords[0]; i++) {
        const char *w = wq_keywords[i].word;
        size_t k = 0;
        while (k < len && w[k] != '\0' && wq_lower((unsigned char)s[k]) == wq_lower((unsigned char)w[k]))
            k++;
        if (k == len && w[k] == '\0')
            return wq_keywords[i].kind;
    }
    return WQ_T_IDENT;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid (overlong, surrogate, > U+10FFFF,
 * truncated). */
static size_t wq_utf8_len(const unsigned char *s)
{
    const unsigned char *p = s;
    return wbemev__utf8_decode(&p) != WBEMEV__UTF8_INVALID ? (size_t)(p - s) : 0;
}

size_t wbemev__wq_decimal_point(char *dp, size_t size)
{
    /* What printf (and so strtod) uses in the current C locale. localeconv() would say it too, but
     * it is not required to be thread-safe. */
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.1f", 1.5);
    const char *five = strrchr(tmp, '5');
    size_t n = (five != NULL && five > tmp + 1) ? (size_t)(five - (tmp + 1)) : 0;
    if (n == 0 || n >= size) {
        dp[0] = '.';
        dp[1] = '\0';
        return 1;
    }
    memcpy(dp, tmp + 1, n);
    dp[n] = '\0';
    return n;
}

bool wbemev__wq_parse_real(const char *s, size_t len, double *out)
{
    /* strtod honours the C locale's decimal point: rewrite the one '.' into it. The lexer checked
     * the syntax and the length (at most WQ_MAX_NUMBER bytes). */
    char buf[WQ_MAX_NUMBER + 32];
    char dp[16];
    size_t dpl = wbemev__wq_decimal_point(dp, sizeof dp);
    if (len > WQ_MAX_NUMBER)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            memcpy(buf + k, dp, dpl);
            k += dpl;
        } else {
            buf[k++] = s[i];
        }
    }
    buf[k] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return false;
    *out = v;
    return true;
}

/* Marks t as an error token covering the rest of a glued word (so "12abc" is one token). */
static void wq_bad_number(const char *text, size_t len, size_t i, wq_token *t, size_t *end,
                          const char *why)
{
    while (i < len && (wq_is_ident_char((unsigned char)text[i]) || text[i] == '.'))
        i++;
    t->kind = WQ_T_ERROR;
    t->error = why;
    *end = i;
}

/* Scans a number at text[i] (a digit, or '-' followed by a digit). */
static void wq_lex_number(const char *text, size_t len, size_t i, wq_token *t, size_t *end)
{
    size_t start = i;
    bool neg = false;
    if (text[i] == '-') {
        neg = true;
        i++;
    }
    if (text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
        i += 2;
        uint64_t mag = 0;
        size_t digits = 0;
        while (i < len && wq_hex_value((unsigned char)text[i]) >= 0) {
            if (mag > (UINT64_MAX >> 4)) {
                wq_bad_number(text, len, i, t, end, "the hexadecimal constant does not fit in 64 bits");
                return;
            }
            mag = (mag << 4) | (uint64_t)wq_hex_value((unsigned char)text[i]);
            digits++;
            i++;
        }
        if (digits == 0 || (i < len && (wq_is_ident_char((unsigned char)text[i]) || text[i] == '.'))) {
            wq_bad_number(text, len, i, t, end, "malformed hexadecimal number");
            return;
        }
        if (neg && mag > (uint64_t)INT64_MAX + 1u) { /* as for decimal: sint64 is the floor */
            wq_bad_number(text, len, i, t, end, "the hexadecimal constant does not fit in 64 bits");
            return;
        }
        t->kind = WQ_T_INT;
        t->neg = neg && mag != 0;
        t->mag = mag;
        *end = i;
        return;
    }
    bool is_real = false;
    bool overflow = false;
    uint64_t mag = 0;
    while (i < len && wq_is_digit((unsigned char)text[i])) {
        unsigned d = (unsigned)(text[i] - '0');
        if (mag > (UINT64_MAX - d) / 10)
            overflow = true;
        else
            mag = mag * 10 + d;
        i++;
    }
    if (text[i] == '.' && wq_is_digit((unsigned char)text[i + 1])) {
        is_real = true;
        i++;
        while (i < len && wq_is_digit((unsigned char)text[i]))
            i++;
    }
    if (text[i] == 'e' || text[i] == 'E') {
        size_t j = i + 1;
        if (text[j] == '+' || text[j] == '-')
            j++;
        if (!wq_is_digit((unsigned char)text[j])) {
            wq_bad_number(text, len, j, t, end, "malformed number: the exponent has no digits");
            return;
        }
        while (j < len && wq_is_digit((unsigned char)text[j]))
            j++;
        i = j;
        is_real = true;
    }
    if (i < len && (wq_is_ident_char((unsigned char)text[i]) || text[i] == '.')) {
        /* "12abc", "1.5.3", "1.": a number glued to something */
        wq_bad_number(text, len, i, t, end, "malformed number");
        return;
    }
    if (i - start > WQ_MAX_NUMBER) {
        wq_bad_number(text, len, i, t, end, "a number is longer than 256 characters");
        return;
    }
    if (is_real) {
        double v;
        if (!wbemev__wq_parse_real(text + start, i - start, &v)) {
            wq_bad_number(text, len, i, t, end, "the real constant is out of range");
            return;
        }
        t->kind = WQ_T_REAL;
        t->real = v;
    } else {
        if (overflow || (neg && mag > (uint64_t)INT64_MAX + 1u)) {
            wq_bad_number(text, len, i, t, end, "the integer constant does not fit in 64 bits");
            return;
        }
        t->kind = WQ_T_INT;
        t->neg = neg && mag != 0;
        t->mag = mag;
    }
    *end = i;
}

/* Scans a quoted string at text[i]; escapes are decoded later by wbemev__wq_decode_string. */
static wbemev_status wq_lex_string(const char *text, size_t len, size_t i, wq_token *t, size_t *end,
                                   uint32_t *column, wbemev_query_error *err)
{
    char quote = text[i++];
    uint32_t col = *column + 1;
    for (;;) {
        if (i >= len) {
            wbemev__wq_set_error(err, WBEMEV_E_UNPARSABLE_QUERY, t->column, "unterminated string");
            return WBEMEV_E_UNPARSABLE_QUERY;
        }
        unsigned char c = (unsigned char)text[i];
        if (c == '\\' && i + 1 < len && (text[i + 1] == '\\' || text[i + 1] == '\'' || text[i + 1] == '"')) {
            i += 2;
            col += 2;
            continue;
        }
        if (c == (unsigned char)quote) {
            if (i + 1 < len && text[i + 1] == quote) { /* doubled quote */
                i += 2;
                col += 2;
                continue;
            }
            i++;
            col++;
            break;
        }
        size_t n = wq_utf8_len((const unsigned char *)text + i);
        if (n == 0) {
            wbemev__wq_set_error(err, WBEMEV_E_UNPARSABLE_QUERY, col, "invalid UTF-8 in a string");
            return WBEMEV_E_UNPARSABLE_QUERY;
        }
        i += n;
        col++;
    }
    t->kind = WQ_T_STRING;
    *end = i;
    *column = col;
    return WBEMEV_S_NO_ERROR;
}

size_t wbemev__wq_decode_string(const char *text, const wq_token *tok, char *dst)
{
    const char *s = text + tok->off;
    char quote = s[0];
    size_t n = 0;
    size_t i = 1;
    size_t stop = tok->len - 1; /* the closing quote */
    while (i < stop) {
        if (s[i] == '\\' && i + 1 < stop && (s[i + 1] == '\\' || s[i + 1] == '\'' || s[i + 1] == '"')) {
            dst[n++] = s[i + 1];
            i += 2;
        } else if (s[i] == quote) { /* doubled quote (the lexer checked) */
            dst[n++] = quote;
            i += 2;
        } else {
            dst[n++] = s[i++];
        }
    }
    dst[n] = '\0';
    return n;
}

wbemev_status wbemev__wq_lex(const char *text, size_t len, wq_token **out, size_t *count,
                             wbemev_query_error *err)
{
    /* Every token takes at least one byte, plus the EOF token. */
    size_t cap = len + 1;
    wq_token *toks = wbemev__calloc(cap, sizeof *toks);
    if (toks == NULL) {
        wbemev__wq_set_error(err, WBEMEV_E_OUT_OF_MEMORY, 0, "out of memory");
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    size_t n = 0;
    size_t i = 0;
    uint32_t column = 1; /* column of text[i] */
    wbemev_status st = WBEMEV_S_NO_ERROR;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            i++;
            column++;
            continue;
        }
        wq_token *t = &toks[n];
        memset(t, 0, sizeof *t);
        t->off = (uint32_t)i;
        t->column = column;
        size_t end = i + 1;
        uint32_t next_column = column + 1;
        if (wq_is_ident_start(c)) {
            while (end < len && wq_is_ident_char((unsigned char)text[end]))
                end++;
            if (end - i > WBEMEV_MAX_IDENTIFIER) {
                t->kind = WQ_T_ERROR;
                t->error = "a name is longer than 4096 characters";
            } else {
                t->kind = wq_keyword(text + i, end - i);
            }
            next_column = column + (uint32_t)(end - i);
        } else if (wq_is_digit(c) || (c == '-' && wq_is_digit((unsigned char)text[i + 1]))) {
            wq_lex_number(text, len, i, t, &end);
            next_column = column + (uint32_t)(end - i);
        } else if (c == '\'' || c == '"') {
            next_column = column;
            st = wq_lex_string(text, len, i, t, &end, &next_column, err);
            if (WBEMEV_FAILED(st))
                goto fail;
        } else {
            switch (c) {
            case '*': t->kind = WQ_T_STAR; break;
            case ',': t->kind = WQ_T_COMMA; break;
            case '.': t->kind = WQ_T_DOT; break;
            case '(': t->kind = WQ_T_LPAREN; break;
            case ')': t->kind = WQ_T_RPAREN; break;
            case ';': t->kind = WQ_T_SEMI; break;
            case '=': t->kind = WQ_T_EQ; break;
            case '!':
                if (text[i + 1] != '=') {
                    t->kind = WQ_T_ERROR;
                    t->error = "'!' must be followed by '='";
                    break;
                }
                t->kind = WQ_T_NE;
                end = i + 2;
                break;
            case '<':
                if (text[i + 1] == '>') {
                    t->kind = WQ_T_NE;
                    end = i + 2;
                } else if (text[i + 1] == '=') {
                    t->kind = WQ_T_LE;
                    end = i + 2;
                } else {
                    t->kind = WQ_T_LT;
                }
                break;
            case '>':
                if (text[i + 1] == '=') {
                    t->kind = WQ_T_GE;
                    end = i + 2;
                } else {
                    t->kind = WQ_T_GT;
                }
                break;
            default:
                if (c >= 0x80) {
                    size_t ulen = wq_utf8_len((const unsigned char *)text + i);
                    if (ulen == 0) {
                        wbemev__wq_set_error(err, WBEMEV_E_UNPARSABLE_QUERY, column, "invalid UTF-8");
                        st = WBEMEV_E_UNPARSABLE_QUERY;
                        goto fail;
                    }
                    end = i + ulen;
                }
                t->kind = WQ_T_ERROR;
                t->error = c == '-' ? "'-' must be followed by digits (arithmetic is not part of WQL)"
                                    : "a character that is not part of WQL";
                break;
            }
            next_column = column + 1;
            if (end - i == 2 && c < 0x80) /* two-character operators */
                next_column = column + 2;
        }
        t->len = (uint32_t)(end - i);
        n++;
        i = end;
        column = next_column;
    }
    memset(&toks[n], 0, sizeof toks[n]);
    toks[n].kind = WQ_T_EOF;
    toks[n].off = (uint32_t)len;
    toks[n].column = column;
    *out = toks;
    *count = n + 1;
    return WBEMEV_S_NO_ERROR;
fail:
    wbemev__free(toks);
    return st;
}
