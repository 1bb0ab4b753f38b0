/*
 * lib/mof/lexer.c: MOF text to tokens (DSP0221's lexical rules as mofcomp applies them): comments,
 * identifiers (keywords are identifiers: the parser compares them case-insensitively), integers in
 * decimal, hex (0x), octal (leading 0) and binary (101b), reals, strings with every escape and
 * adjacent literals joined, char16 literals, $aliases, #pragma and the punctuation.
 */
#include "mof/mof_int.h"
#include "query/query-int.h" /* wbemev__wq_parse_real: the one locale-proof real reader */

#define MAX_NUMBER_TEXT 256

void wbemev__mof_lexer_init(wbemev__mof_lexer *lx, const wbemev__mof_source *src, wbemev_mof_diagnostic *err)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->p = src->text;
    lx->end = src->text + src->length;
    lx->line_start = src->text;
    lx->line = 1;
    lx->col_p = src->text;
    lx->col = 1;
    lx->err = err;
}

void wbemev__mof_lexer_fini(wbemev__mof_lexer *lx)
{
    wbemev__free(lx->buf.data);
    lx->buf.data = NULL;
}

/* The position of q (on the current line, at or after the last one asked). */
static wbemev__mof_pos pos_of(wbemev__mof_lexer *lx, const char *q)
{
    if (lx->col_p < lx->line_start || lx->col_p > q) {
        lx->col_p = lx->line_start;
        lx->col = 1;
    }
    for (; lx->col_p < q; lx->col_p++) {
        if (((unsigned char)*lx->col_p & 0xC0) != 0x80)
            lx->col++;
    }
    wbemev__mof_pos at = {lx->src->name, lx->line_start, lx->end, lx->line, lx->col};
    return at;
}

static bool lex_error(wbemev__mof_lexer *lx, const char *q, wbemev_status s, const char *why)
{
    wbemev__mof_pos at = pos_of(lx, q);
    wbemev__mof_diag_set(lx->err, s, &at, "%s", why);
    return false;
}

static void newline(wbemev__mof_lexer *lx, const char *after)
{
    lx->line++;
    lx->line_start = after;
    lx->col_p = after;
    lx->col = 1;
}

/* Skips white space and comments; false on an unterminated comment. */
static bool skip_space(wbemev__mof_lexer *lx)
{
    for (;;) {
        const char *p = lx->p;
        if (p >= lx->end)
            return true;
        if (*p == '\n') {
            lx->p = p + 1;
            newline(lx, lx->p);
        } else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
            lx->p = p + 1;
        } else if (p[0] == '/' && p + 1 < lx->end && p[1] == '/') {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
        } else if (p[0] == '/' && p + 1 < lx->end && p[1] == '*') {
            const char *q = p + 2;
            const char *line_start = lx->line_start;
            unsigned line = lx->line;
            for (;; q++) {
                if (q + 1 >= lx->end) {
                    lx->line_start = line_start;
                    lx->line = line;
                    return lex_error(lx, p, WBEMEV_E_INVALID_SYNTAX, "unterminated comment");
                }
                if (q[0] == '*' && q[1] == '/')
                    break;
                if (*q == '\n')
                    newline(lx, q + 1);
            }
            lx->p = q + 2;
        } else {
            return true;
        }
    }
}

static bool is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool word_is(const char *s, const char *end, const char *word)
{
    for (; *word != 0; s++, word++) {
        if (s >= end || (*s | 0x20) != *word)
            return false;
    }
    return true;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Accumulates digits of `base` in [s, e) into *v; false on overflow or a bad digit. */
static bool digits_value(const char *s, const char *e, unsigned base, uint64_t *v)
{
    uint64_t x = 0;
    if (s >= e)
        return false;
    for (; s < e; s++) {
        int d = hex_value(*s);
        if (d < 0 || (unsigned)d >= base || x > (UINT64_MAX - (unsigned)d) / base)
            return false;
        x = x * base + (unsigned)d;
    }
    *v = x;
    return true;
}

static bool lex_number(wbemev__mof_lexer *lx, wbemev__mof_token *t)
{
    const char *s = lx->p, *q = s;
    if (*q == '+' || *q == '-')
        q++;
    const char *digits = q;
    const char *e = q;
    bool hex = lx->end - q > 1 && q[0] == '0' && (q[1] | 0x20) == 'x';
    while (e < lx->end && (is_ident_char((unsigned char)*e) || *e == '.' ||
                           ((*e == '+' || *e == '-') && e > digits && (e[-1] | 0x20) == 'e' && !hex)))
        e++;
    t->start = s;
    t->len = (size_t)(e - s);
    t->negative = *s == '-';
    lx->p = e;
    if (t->len > MAX_NUMBER_TEXT)
        return lex_error(lx, s, WBEMEV_E_INVALID_SYNTAX, "number too long");
    size_t n = (size_t)(e - digits);
    bool ok;
    if (hex) {
        ok = digits_value(digits + 2, e, 16, &t->u64);
    } else if (n > 1 && (e[-1] | 0x20) == 'b' && digits_value(digits, e - 1, 2, &t->u64)) {
        ok = true;
    } else if (memchr(digits, '.', n) != NULL || memchr(digits, 'e', n) != NULL || memchr(digits, 'E', n) != NULL) {
        t->kind = WBEMEV__MOF_TK_REAL;
        /* The syntax first: digits, at most one '.', an optional exponent with digits. */
        const char *r = digits;
        size_t before = 0, after = 0, exp = 0;
        while (r < e && *r >= '0' && *r <= '9') r++, before++;
        if (r < e && *r == '.')
            for (r++; r < e && *r >= '0' && *r <= '9'; r++) after++;
        if (r < e && (*r | 0x20) == 'e') {
            r++;
            if (r < e && (*r == '+' || *r == '-'))
                r++;
            for (; r < e && *r >= '0' && *r <= '9'; r++) exp++;
            if (exp == 0)
                r = s; /* an exponent needs digits */
        }
        if (r != e || (before == 0 && after == 0))
            return lex_error(lx, s, WBEMEV_E_INVALID_SYNTAX, "invalid real number");
        if (!wbemev__wq_parse_real(s, t->len, &t->real))
            return lex_error(lx, s, WBEMEV_E_VALUE_OUT_OF_RANGE, "real number out of range");
        return true;
    } else if (n > 1 && digits[0] == '0') {
        ok = digits_value(digits + 1, e, 8, &t->u64);
    } else {
        ok = digits_value(digits, e, 10, &t->u64);
    }
    t->kind = WBEMEV__MOF_TK_INT;
    if (!ok) {
        /* Digits all of their base, and still no value: too big. */
        unsigned base = hex ? 16 : n > 1 && digits[0] == '0' ? 8 : 10;
        const char *r = hex ? digits + 2 : digits;
        bool syntax_ok = r < e;
        for (; r < e && syntax_ok; r++)
            syntax_ok = hex_value(*r) >= 0 && (unsigned)hex_value(*r) < base;
        return lex_error(lx, s, syntax_ok ? WBEMEV_E_VALUE_OUT_OF_RANGE : WBEMEV_E_INVALID_SYNTAX,
                         syntax_ok ? "integer out of range" : "invalid number");
    }
    return true;
}

/* `\xHHHH` at q (1 to 4 hex digits): the code unit into *v; the end, or NULL when q is not one. */
static const char *hex_escape(const char *q, const char *end, uint32_t *v)
{
    if (end - q < 3 || q[0] != '\\' || (q[1] | 0x20) != 'x' || hex_value(q[2]) < 0)
        return NULL;
    const char *r = q + 2;
    *v = 0;
    for (int i = 0; i < 4 && r < end && hex_value(*r) >= 0; i++, r++)
        *v = *v * 16 + (uint32_t)hex_value(*r);
    return r;
}

/* One character of a string or char literal at lx->p (after the opening quote): *c receives the
 * code point. \x and \X take 1 to 4 hex digits, a UTF-16 code unit; a surrogate pair written as
 * two escapes gives one character. */
static bool lex_char(wbemev__mof_lexer *lx, uint32_t *c)
{
    const char *q = lx->p;
    if (*q != '\\') {
        const unsigned char *u = (const unsigned char *)q;
        *c = wbemev__utf8_decode(&u); /* the source is valid UTF-8 */
        lx->p = (const char *)u;
        return true;
    }
    char e = q + 1 < lx->end ? q[1] : 0;
    static const char from[] = "btnfr\"'\\", to[] = "\b\t\n\f\r\"'\\";
    const char *k = e != 0 ? strchr(from, e) : NULL;
    if (k != NULL) {
        *c = (unsigned char)to[k - from];
        lx->p = q + 2;
        return true;
    }
    if (e != 'x' && e != 'X')
        return lex_error(lx, q, WBEMEV_E_INVALID_SYNTAX, "unknown escape sequence");
    uint32_t v = 0, lo = 0;
    const char *r = hex_escape(q, lx->end, &v);
    if (r == NULL)
        return lex_error(lx, q, WBEMEV_E_INVALID_SYNTAX, "\\x needs hex digits");
    lx->p = r;
    const char *r2 = v >= 0xD800 && v <= 0xDBFF ? hex_escape(r, lx->end, &lo) : NULL;
    if (r2 != NULL && lo >= 0xDC00 && lo <= 0xDFFF) {
        lx->p = r2;
        *c = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
        return true;
    }
    if (v == 0 || (v >= 0xD800 && v <= 0xDFFF))
        return lex_error(lx, q, WBEMEV_E_INVALID_SYNTAX,
                         v == 0 ? "a NUL character in a string" : "a lone UTF-16 surrogate");
    *c = v;
    return true;
}

/* One "..." literal appended to lx->buf (lx->p at its opening quote). */
static bool lex_one_string(wbemev__mof_lexer *lx)
{
    const char *open = lx->p++;
    for (;;) {
        if (lx->p >= lx->end || *lx->p == '\n' || *lx->p == '\r')
            return lex_error(lx, open, WBEMEV_E_INVALID_SYNTAX, "unterminated string");
        if (*lx->p == '"') {
            lx->p++;
            return true;
        }
        uint32_t c;
        if (!lex_char(lx, &c))
            return false;
        if (!wbemev__mof_buf_put_utf8(&lx->buf, c))
            return lex_error(lx, open, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    }
}

static bool lex_string(wbemev__mof_lexer *lx, wbemev__mof_token *t)
{
    t->kind = WBEMEV__MOF_TK_STRING;
    lx->buf.len = 0;
    if (!wbemev__mof_buf_append(&lx->buf, "", 0))
        return lex_error(lx, lx->p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    do {
        if (!lex_one_string(lx) || !skip_space(lx))
            return false;
    } while (lx->p < lx->end && *lx->p == '"'); /* "a" "b" is "ab" */
    t->start = lx->buf.data;
    t->len = lx->buf.len;
    return true;
}

static bool lex_char_literal(wbemev__mof_lexer *lx, wbemev__mof_token *t)
{
    const char *open = lx->p++;
    uint32_t c = 0;
    if (lx->p >= lx->end || *lx->p == '\'' || *lx->p == '\n')
        return lex_error(lx, open, WBEMEV_E_INVALID_SYNTAX, "empty or unterminated char16 literal");
    if (!lex_char(lx, &c))
        return false;
    if (lx->p >= lx->end || *lx->p != '\'')
        return lex_error(lx, open, WBEMEV_E_INVALID_SYNTAX, "a char16 literal holds one character");
    if (c > 0xFFFF)
        return lex_error(lx, open, WBEMEV_E_VALUE_OUT_OF_RANGE, "the character does not fit in a char16");
    lx->p++;
    t->kind = WBEMEV__MOF_TK_CHAR;
    t->u64 = c;
    t->start = open;
    t->len = (size_t)(lx->p - open);
    return true;
}

static bool lex_word(wbemev__mof_lexer *lx, wbemev__mof_token *t, wbemev__mof_tk kind, const char *from)
{
    const char *e = from;
    while (e < lx->end && is_ident_char((unsigned char)*e))
        e++;
    t->kind = kind;
    t->start = from;
    t->len = (size_t)(e - from);
    lx->p = e;
    return true;
}

static bool lex_pragma(wbemev__mof_lexer *lx, wbemev__mof_token *t)
{
    const char *hash = lx->p, *q = hash + 1;
    while (q < lx->end && (*q == ' ' || *q == '\t'))
        q++;
    if (lx->end - q < 6 || !word_is(q, lx->end, "pragma") || (q + 6 < lx->end && is_ident_char((unsigned char)q[6])))
        return lex_error(lx, hash, WBEMEV_E_INVALID_SYNTAX, "expected #pragma");
    t->kind = WBEMEV__MOF_TK_PRAGMA;
    t->start = hash;
    t->len = (size_t)(q + 6 - hash);
    lx->p = q + 6;
    return true;
}

bool wbemev__mof_lexer_next(wbemev__mof_lexer *lx, wbemev__mof_token *t)
{
    memset(t, 0, sizeof *t);
    if (!skip_space(lx))
        return false;
    t->pos = pos_of(lx, lx->p);
    if (lx->p >= lx->end) {
        t->kind = WBEMEV__MOF_TK_EOF;
        t->start = lx->p;
        return true;
    }
    unsigned char c = (unsigned char)*lx->p;
    bool sign_digit = (c == '-' || c == '+') && lx->p + 1 < lx->end &&
                      ((lx->p[1] >= '0' && lx->p[1] <= '9') || lx->p[1] == '.');
    if ((c >= '0' && c <= '9') || sign_digit ||
        (c == '.' && lx->p + 1 < lx->end && lx->p[1] >= '0' && lx->p[1] <= '9'))
        return lex_number(lx, t);
    if (is_ident_start(c))
        return lex_word(lx, t, WBEMEV__MOF_TK_IDENT, lx->p);
    if (c == '"')
        return lex_string(lx, t);
    if (c == '\'')
        return lex_char_literal(lx, t);
    if (c == '#')
        return lex_pragma(lx, t);
    if (c == '$') {
        if (lx->p + 1 >= lx->end || !is_ident_start((unsigned char)lx->p[1]))
            return lex_error(lx, lx->p, WBEMEV_E_INVALID_SYNTAX, "expected an alias name after '$'");
        lx->p++;
        return lex_word(lx, t, WBEMEV__MOF_TK_ALIAS, lx->p);
    }
    if (strchr("(){}[];,:=", c) != NULL) {
        t->kind = WBEMEV__MOF_TK_PUNCT;
        t->punct = (char)c;
        t->start = lx->p++;
        t->len = 1;
        return true;
    }
    return lex_error(lx, lx->p, WBEMEV_E_INVALID_SYNTAX, "unexpected character");
}
