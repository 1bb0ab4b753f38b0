/*
 * lib/base/text.c: the text utilities the whole library shares, written once: the UTF-8 decoder,
 * decimal integer text, ASCII case-insensitive comparison and hashing, the identifier check.
 */
#include "base/base.h"

uint32_t wbemev__utf8_decode(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    size_t len;
    uint32_t min;
    if (c < 0x80) {
        *p = s + 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) { /* 0xC0, 0xC1 only start overlong 2-byte forms */
        len = 2;
        c &= 0x1Fu;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0Fu;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) { /* 0xF5.. would start a value past U+10FFFF */
        len = 4;
        c &= 0x07u;
        min = 0x10000;
    } else {
        *p = s + 1; /* stray continuation byte or invalid lead */
        return WBEMEV__UTF8_INVALID;
    }
    for (size_t i = 1; i < len; i++) {
        /* A NUL here (truncated sequence) fails the test too, so we never read past it. */
        if ((s[i] & 0xC0u) != 0x80u) {
            *p = s + 1;
            return WBEMEV__UTF8_INVALID;
        }
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFFu || (c >= 0xD800u && c <= 0xDFFFu)) {
        *p = s + 1;
        return WBEMEV__UTF8_INVALID;
    }
    *p = s + len;
    return c;
}

uint32_t wbemev__utf8_decode_lossy(const unsigned char **p)
{
    uint32_t c = wbemev__utf8_decode(p);
    return c == WBEMEV__UTF8_INVALID ? 0xFFFDu : c;
}

bool wbemev_utf8_is_valid(const char *s)
{
    if (s == NULL)
        return false;
    const unsigned char *p = (const unsigned char *)s;
    while (*p != 0)
        if (wbemev__utf8_decode(&p) == WBEMEV__UTF8_INVALID)
            return false;
    return true;
}

size_t wbemev__format_u64(char *buf, uint64_t v)
{
    char tmp[WBEMEV__INT_TEXT_MAX];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    memcpy(buf, tmp + i, sizeof tmp - i);
    return sizeof tmp - i;
}

size_t wbemev__format_i64(char *buf, int64_t v)
{
    if (v >= 0)
        return wbemev__format_u64(buf, (uint64_t)v);
    buf[0] = '-';
    return 1 + wbemev__format_u64(buf + 1, (uint64_t)0 - (uint64_t)v);
}

/* ---- internal ASCII string helpers ---- */

static unsigned char ascii_lower(unsigned char c)
{
    /* Locale-independent on purpose: tolower() depends on the C locale and on the sign of char. */
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

int wbemev__strcasecmp(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b ? 0 : (a == NULL ? -1 : 1); /* NULL sorts first */
    const unsigned char *pa = (const unsigned char *)a;
    const unsigned char *pb = (const unsigned char *)b;
    for (;;) {
        unsigned char ca = ascii_lower(*pa++);
        unsigned char cb = ascii_lower(*pb++);
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (ca == 0)
            return 0;
    }
}

bool wbemev__strcaseeq(const char *a, const char *b)
{
    return wbemev__strcasecmp(a, b) == 0;
}

uint32_t wbemev__name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a 32-bit offset basis */
    if (s == NULL)
        return h;
    for (const unsigned char *p = (const unsigned char *)s; *p != 0; p++) {
        h ^= ascii_lower(*p);
        h *= 16777619u; /* FNV prime */
    }
    return h;
}

bool wbemev__identifier_valid(const char *s)
{
    if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
        return false;
    size_t len = 0;
    for (const char *p = s; *p != '\0'; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok || ++len > WBEMEV_MAX_IDENTIFIER)
            return false;
    }
    return true;
}
