/*
 * fuzz/fuzz_common.h: helpers shared by the byte-coded fuzz targets (fuzz_object, fuzz_dispatcher,
 * fuzz_formats): a reader over the input, a fixed set of classes, and CIM values built from input
 * bytes (every type, arrays, strings that may be invalid UTF-8, out-of-range numbers).
 */
#ifndef WBEMEV_FUZZ_COMMON_H
#define WBEMEV_FUZZ_COMMON_H

#include "wbemev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s: invariant failed: %s (line %d)\n", __FILE__, #c, __LINE__);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Reads the input front to back; past the end every read gives 0. */
typedef struct fz_in {
    const uint8_t *p;
    size_t n;
} fz_in;

static inline uint8_t fz_u8(fz_in *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint64_t fz_u64(fz_in *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v = (v << 8) | fz_u8(in);
    return v;
}

/* A string of up to `max` bytes from the input (any bytes but NUL) into buf. */
static inline const char *fz_str(fz_in *in, char *buf, size_t max)
{
    size_t len = fz_u8(in) % (max + 1);
    size_t k = 0;
    for (size_t i = 0; i < len && in->n > 0; i++) {
        char c = (char)fz_u8(in);
        if (c != '\0')
            buf[k++] = c;
    }
    buf[k] = '\0';
    return buf;
}

/* The CIM types a value can take (valid ones, plus a few invalid codes). */
static const wbemev_cimtype fz_types[] = {
    WBEMEV_CIM_SINT8,    WBEMEV_CIM_UINT8,   WBEMEV_CIM_SINT16,   WBEMEV_CIM_UINT16,
    WBEMEV_CIM_SINT32,   WBEMEV_CIM_UINT32,  WBEMEV_CIM_SINT64,   WBEMEV_CIM_UINT64,
    WBEMEV_CIM_REAL32,   WBEMEV_CIM_REAL64,  WBEMEV_CIM_BOOLEAN,  WBEMEV_CIM_STRING,
    WBEMEV_CIM_DATETIME, WBEMEV_CIM_REFERENCE, WBEMEV_CIM_CHAR16, WBEMEV_CIM_OBJECT,
    WBEMEV_CIM_EMPTY,    (wbemev_cimtype)1,  (wbemev_cimtype)0x1fff,
};
#define FZ_NTYPES (sizeof fz_types / sizeof fz_types[0])

/* Storage for a value built from input: the value points into it. */
typedef struct fz_value_store {
    char strings[8][64];
    const char *string_ptrs[8];
    union {
        int8_t s8[8];
        uint8_t u8[8];
        int16_t s16[8];
        uint16_t u16[8];
        int32_t s32[8];
        uint32_t u32[8];
        int64_t s64[8];
        uint64_t u64[8];
        float r32[8];
        double r64[8];
        bool b[8];
        wbemev_datetime dt[8];
        wbemev_object_t *obj[8];
    } items;
} fz_value_store;

static inline wbemev_datetime fz_datetime(fz_in *in)
{
    wbemev_datetime dt;
    memset(&dt, 0, sizeof dt);
    dt.is_interval = fz_u8(in) & 1;
    if (dt.is_interval) {
        dt.days = (uint32_t)fz_u64(in, 4) % 100000000u;
    } else {
        dt.year = (uint16_t)(fz_u64(in, 2) % 10001u);
        dt.month = (uint8_t)(fz_u8(in) % 14u);
        dt.day = (uint8_t)(fz_u8(in) % 33u);
        dt.utc_offset = (int16_t)((int)(fz_u64(in, 2) % 2001u) - 1000);
    }
    dt.hour = fz_u8(in) % 25u;
    dt.minute = fz_u8(in) % 61u;
    dt.second = fz_u8(in) % 62u;
    dt.microseconds = (uint32_t)(fz_u64(in, 3) % 1000001u);
    return dt;
}

/* Builds a value of a type chosen by the input. `objects` (may be NULL) offers embedded objects. */
static inline wbemev_value fz_value(fz_in *in, fz_value_store *st, wbemev_object_t *const *objects,
                                    size_t nobjects)
{
    wbemev_value v;
    memset(&v, 0, sizeof v);
    uint8_t t = fz_u8(in);
    v.type = fz_types[(t & 0x7f) % FZ_NTYPES];
    bool array = (t & 0x80) != 0;
    uint8_t mode = fz_u8(in);
    if ((mode & 7) == 0) {
        v.is_null = true;
        if (array)
            v.type = (wbemev_cimtype)(v.type | WBEMEV_CIM_FLAG_ARRAY);
        return v;
    }
    size_t count = array ? fz_u8(in) % 9 : 1;
    for (size_t i = 0; i < count; i++) {
        uint64_t u = fz_u64(in, (mode >> 3) % 9);
        int64_t s = (int64_t)((mode & 0x80) ? 0 - u : u); /* wraps: INT64_MIN stays itself */
        switch (v.type) {
        case WBEMEV_CIM_SINT8: st->items.s8[i] = (int8_t)s; v.u.sint = s; break;
        case WBEMEV_CIM_UINT8: st->items.u8[i] = (uint8_t)s; v.u.uint = (uint64_t)s; break;
        case WBEMEV_CIM_SINT16: st->items.s16[i] = (int16_t)s; v.u.sint = s; break;
        case WBEMEV_CIM_UINT16:
        case WBEMEV_CIM_CHAR16: st->items.u16[i] = (uint16_t)s; v.u.uint = (uint64_t)s; v.u.char16 = (uint16_t)s; break;
        case WBEMEV_CIM_SINT32: st->items.s32[i] = (int32_t)s; v.u.sint = s; break;
        case WBEMEV_CIM_UINT32: st->items.u32[i] = (uint32_t)s; v.u.uint = (uint64_t)s; break;
        case WBEMEV_CIM_SINT64: st->items.s64[i] = s; v.u.sint = s; break;
        case WBEMEV_CIM_UINT64: st->items.u64[i] = (uint64_t)s; v.u.uint = (uint64_t)s; break;
        case WBEMEV_CIM_REAL32: {
            double d = (mode & 0x40) ? (double)s / 7.0 : (double)s * 1e300; /* inf, huge, small */
            st->items.r32[i] = (float)((double)s / 3.0);
            v.u.real = d;
            break;
        }
        case WBEMEV_CIM_REAL64: {
            uint64_t bits = (uint64_t)s;
            double d;
            memcpy(&d, &bits, sizeof d); /* any bit pattern: NaN, inf, subnormals */
            st->items.r64[i] = d;
            v.u.real = d;
            break;
        }
        case WBEMEV_CIM_BOOLEAN: st->items.b[i] = s & 1; v.u.boolean = s & 1; break;
        case WBEMEV_CIM_STRING:
        case WBEMEV_CIM_REFERENCE:
            st->string_ptrs[i] = fz_str(in, st->strings[i], 63);
            v.u.string = st->string_ptrs[i];
            break;
        case WBEMEV_CIM_DATETIME: st->items.dt[i] = fz_datetime(in); v.u.datetime = st->items.dt[i]; break;
        case WBEMEV_CIM_OBJECT:
            st->items.obj[i] = nobjects ? objects[(size_t)s % nobjects] : NULL;
            v.u.object = st->items.obj[i];
            break;
        default: v.u.uint = (uint64_t)s; break;
        }
    }
    if (array) {
        v.type = (wbemev_cimtype)(v.type | WBEMEV_CIM_FLAG_ARRAY);
        v.u.array.count = count;
        v.u.array.items = (mode & 0x40) && count > 0 ? NULL : (const void *)&st->items;
        if (WBEMEV_CIM_BASE(v.type) == WBEMEV_CIM_STRING || WBEMEV_CIM_BASE(v.type) == WBEMEV_CIM_REFERENCE)
            v.u.array.items = (mode & 0x40) && count > 0 ? NULL : (const void *)st->string_ptrs;
    }
    return v;
}

/* Class and property names the byte-coded targets pick from (some invalid on purpose). */
static const char *const fz_class_names[] = {"Ev", "SubEv", "Base", "Other", "Deep", "ev", "__Bad", "9x", ""};
#define FZ_NCLASS_NAMES (sizeof fz_class_names / sizeof fz_class_names[0])
static const char *const fz_prop_names[] = {"Name",      "Severity", "Target",   "Tags",  "When",
                                            "Big",       "Extra",    "__CLASS",  "__GENUS", "TIME_CREATED",
                                            "SECURITY_DESCRIPTOR", "Nope", "_bad", "name", ""};
#define FZ_NPROP_NAMES (sizeof fz_prop_names / sizeof fz_prop_names[0])

#endif /* WBEMEV_FUZZ_COMMON_H */
