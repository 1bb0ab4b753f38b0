/*
 * wbemev/value.h: CIM types, the datetime type and the generic value.
 *
 * A wbemev_value is a borrowed view: strings, arrays and embedded objects it points to belong to
 * whoever filled it in. wbemev_object_put() copies what it needs; wbemev_object_get() fills a value
 * that points into the object and stays valid while the caller holds a reference to the object and
 * does not Put that property again.
 */
#ifndef WBEMEV_VALUE_H
#define WBEMEV_VALUE_H

#include "status.h"

WBEMEV_BEGIN_DECLS

/** CIM types: the values of CIMTYPE in wbemcli.h. */
typedef enum wbemev_cimtype {
    WBEMEV_CIM_ILLEGAL = 0xfff,
    WBEMEV_CIM_EMPTY = 0,
    WBEMEV_CIM_SINT8 = 16,
    WBEMEV_CIM_UINT8 = 17,
    WBEMEV_CIM_SINT16 = 2,
    WBEMEV_CIM_UINT16 = 18,
    WBEMEV_CIM_SINT32 = 3,
    WBEMEV_CIM_UINT32 = 19,
    WBEMEV_CIM_SINT64 = 20,
    WBEMEV_CIM_UINT64 = 21,
    WBEMEV_CIM_REAL32 = 4,
    WBEMEV_CIM_REAL64 = 5,
    WBEMEV_CIM_BOOLEAN = 11,
    WBEMEV_CIM_STRING = 8,
    WBEMEV_CIM_DATETIME = 101,
    WBEMEV_CIM_REFERENCE = 102,
    WBEMEV_CIM_CHAR16 = 103,
    WBEMEV_CIM_OBJECT = 13,
    WBEMEV_CIM_FLAG_ARRAY = 0x2000
} wbemev_cimtype;

/** The base type of t, without WBEMEV_CIM_FLAG_ARRAY. */
#define WBEMEV_CIM_BASE(t) ((wbemev_cimtype)((t) & ~WBEMEV_CIM_FLAG_ARRAY))
/** True when t is an array type. */
#define WBEMEV_CIM_IS_ARRAY(t) (((t)&WBEMEV_CIM_FLAG_ARRAY) != 0)

/** True for the 16 base types above and their array forms. Thread-safe. */
WBEMEV_API bool wbemev_cimtype_is_valid(wbemev_cimtype type);
/** The MOF name of a type ("sint32", "string"; arrays give the base name). NULL if invalid. */
WBEMEV_API const char *wbemev_cimtype_name(wbemev_cimtype type);
/**
 * Parses a MOF type name (case-insensitive; "ref" and "reference" both give WBEMEV_CIM_REFERENCE) into
 * *out. WBEMEV_E_INVALID_CIM_TYPE when unknown, WBEMEV_E_INVALID_PARAMETER when an argument is NULL.
 */
WBEMEV_API wbemev_status wbemev_cimtype_from_name(const char *name, wbemev_cimtype *out);
/**
 * Size in bytes of one array element of the base type, as a C array passed in a wbemev_value:
 * sint8 int8_t, uint8 uint8_t, sint16 int16_t, uint16 uint16_t, sint32 int32_t, uint32 uint32_t,
 * sint64 int64_t, uint64 uint64_t, real32 float, real64 double, boolean bool, char16 uint16_t,
 * string and reference const char *, datetime wbemev_datetime, object wbemev_object_t *.
 * 0 for an invalid type.
 */
WBEMEV_API size_t wbemev_cimtype_element_size(wbemev_cimtype type);

/**
 * A CIM datetime: either a timestamp (yyyymmddHHMMSS.mmmmmmsUUU) or an interval
 * (ddddddddHHMMSS.mmmmmm:000). Fields not used by the form are 0.
 */
typedef struct wbemev_datetime {
    bool is_interval;      /**< true for an interval, false for a timestamp */
    uint16_t year;         /**< timestamp: 0..9999 */
    uint8_t month;         /**< timestamp: 1..12 */
    uint8_t day;           /**< timestamp: 1..31, valid for the month and year */
    uint32_t days;         /**< interval: 0..99999999 */
    uint8_t hour;          /**< 0..23 */
    uint8_t minute;        /**< 0..59 */
    uint8_t second;        /**< 0..59 (timestamps allow 60, a leap second) */
    uint32_t microseconds; /**< 0..999999 */
    int16_t utc_offset;    /**< timestamp: minutes east of UTC, -999..999 */
} wbemev_datetime;

/** Length of the DMTF text form, without the terminating NUL. */
#define WBEMEV_DATETIME_LEN 25

/**
 * Parses DMTF text (exactly 25 characters) into *out. WBEMEV_E_INVALID_PARAMETER when text or out is
 * NULL, or the text is malformed or a field is out of range (month 13, February 30, offset sign other
 * than + - :, an interval whose offset is not 000). "-000" is accepted as offset 0.
 * Asterisk wildcards are not supported. Thread-safe.
 */
WBEMEV_API wbemev_status wbemev_datetime_parse(const char *text, wbemev_datetime *out);

/**
 * Writes the DMTF text form and a NUL into buf (at least WBEMEV_DATETIME_LEN + 1 bytes; offset 0 is
 * written "+000"). WBEMEV_E_INVALID_PARAMETER when an argument is NULL or the datetime is not valid,
 * WBEMEV_E_BUFFER_TOO_SMALL when size < WBEMEV_DATETIME_LEN + 1 (buf untouched). Thread-safe.
 */
WBEMEV_API wbemev_status wbemev_datetime_format(const wbemev_datetime *dt, char *buf, size_t size);

/**
 * WBEMEV_S_NO_ERROR when every field is in range for its form and the fields the form does not use
 * are 0, else WBEMEV_E_INVALID_PARAMETER (also for NULL). Thread-safe.
 */
WBEMEV_API wbemev_status wbemev_datetime_validate(const wbemev_datetime *dt);

/**
 * True when a and b hold the same fields. Compare datetimes with this, not memcmp: the struct has
 * padding between its fields, which a copy or an assignment need not keep. NULL equals only NULL.
 * Thread-safe.
 */
WBEMEV_API bool wbemev_datetime_equal(const wbemev_datetime *a, const wbemev_datetime *b);

/**
 * The UTC timestamp (offset 0) for a count of 100 ns ticks since 1601-01-01 (a FILETIME, the unit of
 * __Event.TIME_CREATED); the sub-microsecond digit is truncated. WBEMEV_E_VALUE_OUT_OF_RANGE past
 * 9999-12-31, WBEMEV_E_INVALID_PARAMETER when out is NULL. Thread-safe.
 */
WBEMEV_API wbemev_status wbemev_datetime_from_filetime(uint64_t ticks, wbemev_datetime *out);

/**
 * The inverse of wbemev_datetime_from_filetime: the offset is applied (UTC = local - utc_offset) and a
 * leap second counts as :00 of the next minute. Intervals give their length in ticks.
 * WBEMEV_E_INVALID_PARAMETER when an argument is NULL or dt is not valid, WBEMEV_E_VALUE_OUT_OF_RANGE
 * when the instant is before 1601-01-01 UTC or the interval does not fit in 64 bits. Thread-safe.
 */
WBEMEV_API wbemev_status wbemev_datetime_to_filetime(const wbemev_datetime *dt, uint64_t *out);

/**
 * A typed value. `type` says which union member is used; is_null marks a NULL of that type.
 * Scalars: sint8..sint64 use .sint, uint8..uint64 .uint, real32 and real64 .real, boolean .boolean,
 * char16 .char16, string and reference .string (UTF-8, NUL-terminated), datetime .datetime,
 * object .object. Arrays (type | WBEMEV_CIM_FLAG_ARRAY) use .array: `items` points to `count`
 * elements of the C type named at wbemev_cimtype_element_size().
 */
typedef struct wbemev_value {
    wbemev_cimtype type; /**< the CIM type, WBEMEV_CIM_FLAG_ARRAY included */
    bool is_null;        /**< a NULL of that type */
    /** The contents: the member named above for the type. */
    union {
        int64_t sint;
        uint64_t uint;
        double real;
        bool boolean;
        uint16_t char16;
        const char *string;
        wbemev_datetime datetime;
        wbemev_object_t *object;
        struct {
            const void *items;
            size_t count;
        } array;
    } u;
} wbemev_value;

/* Value builders, for readable call sites: wbemev_object_put(o, "Severity", &WBEMEV_V_SINT32(3)). */
/** A NULL value of type t. */
#define WBEMEV_V_NULL(t) ((wbemev_value){.type = (t), .is_null = true})
/** A sint8 value. */
#define WBEMEV_V_SINT8(x) ((wbemev_value){.type = WBEMEV_CIM_SINT8, .u.sint = (x)})
/** A uint8 value. */
#define WBEMEV_V_UINT8(x) ((wbemev_value){.type = WBEMEV_CIM_UINT8, .u.uint = (x)})
/** A sint16 value. */
#define WBEMEV_V_SINT16(x) ((wbemev_value){.type = WBEMEV_CIM_SINT16, .u.sint = (x)})
/** A uint16 value. */
#define WBEMEV_V_UINT16(x) ((wbemev_value){.type = WBEMEV_CIM_UINT16, .u.uint = (x)})
/** A sint32 value. */
#define WBEMEV_V_SINT32(x) ((wbemev_value){.type = WBEMEV_CIM_SINT32, .u.sint = (x)})
/** A uint32 value. */
#define WBEMEV_V_UINT32(x) ((wbemev_value){.type = WBEMEV_CIM_UINT32, .u.uint = (x)})
/** A sint64 value. */
#define WBEMEV_V_SINT64(x) ((wbemev_value){.type = WBEMEV_CIM_SINT64, .u.sint = (x)})
/** A uint64 value. */
#define WBEMEV_V_UINT64(x) ((wbemev_value){.type = WBEMEV_CIM_UINT64, .u.uint = (x)})
/** A real32 value. */
#define WBEMEV_V_REAL32(x) ((wbemev_value){.type = WBEMEV_CIM_REAL32, .u.real = (x)})
/** A real64 value. */
#define WBEMEV_V_REAL64(x) ((wbemev_value){.type = WBEMEV_CIM_REAL64, .u.real = (x)})
/** A boolean value. */
#define WBEMEV_V_BOOLEAN(x) ((wbemev_value){.type = WBEMEV_CIM_BOOLEAN, .u.boolean = (x)})
/** A char16 value. */
#define WBEMEV_V_CHAR16(x) ((wbemev_value){.type = WBEMEV_CIM_CHAR16, .u.char16 = (x)})
/** A string value. */
#define WBEMEV_V_STRING(x) ((wbemev_value){.type = WBEMEV_CIM_STRING, .u.string = (x)})
/** A reference value. */
#define WBEMEV_V_REFERENCE(x) ((wbemev_value){.type = WBEMEV_CIM_REFERENCE, .u.string = (x)})
/** A datetime value. */
#define WBEMEV_V_DATETIME(x) ((wbemev_value){.type = WBEMEV_CIM_DATETIME, .u.datetime = (x)})
/** An object value. */
#define WBEMEV_V_OBJECT(x) ((wbemev_value){.type = WBEMEV_CIM_OBJECT, .u.object = (x)})
/** An array value of base type t: `count_` elements at `items_` (see wbemev_cimtype_element_size()). */
#define WBEMEV_V_ARRAY(t, items_, count_)                                                          \
    ((wbemev_value){.type = (wbemev_cimtype)((t) | WBEMEV_CIM_FLAG_ARRAY),                         \
                    .u.array = {.items = (items_), .count = (count_)}})

/**
 * Checks a value as Put would: valid type, integer within the range of its width, real32 within
 * float range (or NaN/inf), valid UTF-8 without NUL in strings, valid datetime, char16 not a lone
 * surrogate, arrays with non-NULL items when count > 0 and non-NULL string elements.
 * A value with is_null set is valid for any valid type and for WBEMEV_CIM_EMPTY.
 * Statuses: WBEMEV_E_INVALID_CIM_TYPE (bad type, or EMPTY without is_null);
 * WBEMEV_E_VALUE_OUT_OF_RANGE (integer outside its width, finite real32 beyond FLT_MAX, char16 or
 * char16 array element in 0xD800..0xDFFF, array whose size in bytes overflows size_t);
 * WBEMEV_E_INVALID_PARAMETER (value NULL, NULL or invalid UTF-8 string or reference, invalid
 * datetime, NULL object, NULL items with count > 0, NULL or invalid string element, invalid datetime
 * element, NULL object element). Thread-safe.
 */
WBEMEV_API wbemev_status wbemev_value_validate(const wbemev_value *value);

/**
 * Element `index` of an array value, as a scalar value of its base type, into *out. Strings,
 * references and objects are borrowed from the array, as the array borrows them. Statuses:
 * WBEMEV_E_INVALID_PARAMETER when value or out is NULL, value is not an array (or is null, or has
 * NULL items), or index >= its count; WBEMEV_E_INVALID_CIM_TYPE for an invalid type. On failure
 * *out (when not NULL) is a null value of type WBEMEV_CIM_EMPTY. Thread-safe.
 */
WBEMEV_API wbemev_status wbemev_value_array_element(const wbemev_value *value, size_t index, wbemev_value *out);

/** True when s is NUL-terminated valid UTF-8 (no overlongs, no surrogates). NULL gives false. */
WBEMEV_API bool wbemev_utf8_is_valid(const char *s);

WBEMEV_END_DECLS

#endif /* WBEMEV_VALUE_H */
