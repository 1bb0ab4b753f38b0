/*
 * tools/sid.c: security identifiers in the binary layout Windows uses (what AccessCheck receives)
 * and in their text form, S-R-I-S1-S2-...:
 *
 *   byte 0      revision (1)
 *   byte 1      number of sub-authorities, 0 to 15
 *   bytes 2-7   the identifier authority, a 48-bit big-endian number (5: NT AUTHORITY)
 *   then        the sub-authorities, 32-bit little-endian each
 *
 * "S-1-5-21-1004336348-1177238915-682003330-512" is revision 1, authority 5, five sub-authorities.
 */
#define _POSIX_C_SOURCE 200809L

#include "tool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Reads a decimal (or, for the authority, "0x" hex) number in [0, max] up to '-' or the end. */
static bool read_number(const char **p, uint64_t max, bool hex_ok, uint64_t *out)
{
    const char *s = *p;
    int base = 10;
    if (hex_ok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!((*s >= '0' && *s <= '9') || (base == 16 && ((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno != 0 || v > max || (*end != '-' && *end != '\0'))
        return false;
    *out = (uint64_t)v;
    *p = end;
    return true;
}

bool tool_sid_parse(const char *text, uint8_t out[TOOL_SID_MAX], size_t *length)
{
    const char *p = text;
    if ((p[0] != 'S' && p[0] != 's') || p[1] != '-')
        return false;
    p += 2;
    uint64_t revision, authority;
    if (!read_number(&p, 255, false, &revision) || revision != 1 || *p != '-')
        return false;
    p++;
    if (!read_number(&p, 0xFFFFFFFFFFFFull, true, &authority))
        return false;
    uint8_t sid[TOOL_SID_MAX];
    size_t count = 0;
    while (*p == '-') {
        p++;
        uint64_t sub;
        if (count == 15 || !read_number(&p, 0xFFFFFFFFu, false, &sub))
            return false;
        uint8_t *at = sid + 8 + 4 * count;
        at[0] = (uint8_t)sub, at[1] = (uint8_t)(sub >> 8), at[2] = (uint8_t)(sub >> 16), at[3] = (uint8_t)(sub >> 24);
        count++;
    }
    if (*p != '\0')
        return false;
    sid[0] = 1;
    sid[1] = (uint8_t)count;
    for (int i = 0; i < 6; i++)
        sid[2 + i] = (uint8_t)(authority >> (8 * (5 - i)));
    *length = 8 + 4 * count;
    memcpy(out, sid, *length);
    return true;
}

const char *tool_sid_format(const uint8_t *sid, size_t length, char *buf, size_t size)
{
    if (sid == NULL) {
        snprintf(buf, size, "none");
        return buf;
    }
    size_t at = 0;
    if (length >= 8 && sid[0] == 1 && sid[1] <= 15 && length == 8 + 4u * sid[1]) {
        uint64_t authority = 0;
        for (int i = 0; i < 6; i++)
            authority = authority << 8 | sid[2 + i];
        /* As Windows writes it: the authority in decimal below 2^32, in hex above. */
        if (authority >> 32)
            at = (size_t)snprintf(buf, size, "S-1-0x%012llX", (unsigned long long)authority);
        else
            at = (size_t)snprintf(buf, size, "S-1-%llu", (unsigned long long)authority);
        for (unsigned i = 0; i < sid[1] && at < size; i++) {
            const uint8_t *s = sid + 8 + 4 * i;
            uint32_t v = (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
            at += (size_t)snprintf(buf + at, size - at, "-%lu", (unsigned long)v);
        }
        return buf;
    }
    /* Not a well-formed SID: its bytes. */
    at = (size_t)snprintf(buf, size, "0x");
    for (size_t i = 0; i < length && at + 3 <= size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%02X", sid[i]);
    if (length == 0)
        snprintf(buf, size, "(empty)");
    return buf;
}
