/*
 * lib/format_json.c: JSON lines for event objects, and the format dispatch. See wbemev/format.h.
 *
 * Everything is written through a writer callback; nothing is allocated.
 */
#include "base/base.h"
#include "wbemev/format.h"
#include "wbemev/mof.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- output ---- */

struct jout {
    wbemev_format_writer fn;
    void *ctx;
    uint32_t flags;
    wbemev_status status;
};

static void put_n(struct jout *o, const char *s, size_t n)
{
    if (n > 0 && WBEMEV_SUCCEEDED(o->status))
        o->status = o->fn(o->ctx, s, n);
}

static void put_s(struct jout *o, const char *s)
{
    put_n(o, s, strlen(s));
}

static void fail(struct jout *o, wbemev_status s)
{
    if (WBEMEV_SUCCEEDED(o->status))
        o->status = s;
}

static void put_u64(struct jout *o, uint64_t v)
{
    char buf[WBEMEV__INT_TEXT_MAX];
    put_n(o, buf, wbemev__format_u64(buf, v));
}

static void put_i64(struct jout *o, int64_t v)
{
    char buf[WBEMEV__INT_TEXT_MAX];
    put_n(o, buf, wbemev__format_i64(buf, v));
}

static void put_u_escape(struct jout *o, unsigned v)
{
    static const char digits[] = "0123456789abcdef";
    char buf[6] = {'\\', 'u', digits[(v >> 12) & 15], digits[(v >> 8) & 15], digits[(v >> 4) & 15],
                   digits[v & 15]};
    put_n(o, buf, sizeof buf);
}

/* One code point inside a JSON string. */
static void put_code_point(struct jout *o, uint32_t c)
{
    switch (c) {
    case '"': put_n(o, "\\\"", 2); return;
    case '\\': put_n(o, "\\\\", 2); return;
    case '\n': put_n(o, "\\n", 2); return;
    case '\t': put_n(o, "\\t", 2); return;
    case '\r': put_n(o, "\\r", 2); return;
    case '\b': put_n(o, "\\b", 2); return;
    case '\f': put_n(o, "\\f", 2); return;
    default: break;
    }
    /* Controls (DEL too: a terminal acts on it), the JavaScript line separators, and with
     * WBEMEV_FORMAT_ASCII everything past ASCII, as \u escapes. */
    if (c < 0x20 || c == 0x7F || c == 0x2028 || c == 0x2029 || (c >= 0x80 && (o->flags & WBEMEV_FORMAT_ASCII))) {
        if (c >= 0x10000) {
            c -= 0x10000;
            put_u_escape(o, 0xD800 + (c >> 10));
            put_u_escape(o, 0xDC00 + (c & 0x3FF));
        } else {
            put_u_escape(o, c);
        }
        return;
    }
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
    put_n(o, buf, n);
}

static void put_string(struct jout *o, const char *s)
{
    put_n(o, "\"", 1);
    if (s != NULL) {
        const unsigned char *p = (const unsigned char *)s;
        /* Copy runs of plain ASCII at once; escape the rest character by character. */
        while (*p != 0) {
            const unsigned char *run = p;
            while (*p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\')
                p++;
            put_n(o, (const char *)run, (size_t)(p - run));
            if (*p != 0)
                put_code_point(o, wbemev__utf8_decode_lossy(&p));
        }
    }
    put_n(o, "\"", 1);
}

/* The shortest decimal form that reads back as the same value (float or double), with '.' as the
 * decimal point whatever the C locale says. Non-finite values are strings. */
static void put_real(struct jout *o, double v, bool single)
{
    if (isnan(v)) {
        put_s(o, "\"NaN\"");
        return;
    }
    if (isinf(v)) {
        put_s(o, v < 0 ? "\"-Infinity\"" : "\"Infinity\"");
        return;
    }
    char buf[48];
    int max = single ? 9 : 17;
    for (int prec = 1; prec <= max; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        double back = strtod(buf, NULL); /* same locale as snprintf: reads its own output */
        if (single ? (float)back == (float)v : back == v)
            break;
    }
    /* The locale's decimal point (',' in some) becomes '.': keep digits, signs and exponents. */
    for (char *c = buf; *c != 0; c++) {
        if (!((*c >= '0' && *c <= '9') || *c == '-' || *c == '+' || *c == 'e' || *c == 'E'))
            *c = '.';
    }
    put_s(o, buf);
}

/* ---- values ---- */

static void put_instance(struct jout *o, const wbemev_object_t *obj, unsigned depth);

/* Nesting limit for embedded objects: deeper ones are refused instead of recursing without end. */
#define JSON_MAX_DEPTH 64

static void put_scalar(struct jout *o, wbemev_cimtype base, const wbemev_value *v, unsigned depth)
{
    switch (base) {
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32: put_i64(o, v->u.sint); break;
    case WBEMEV_CIM_UINT8:
    case WBEMEV_CIM_UINT16:
    case WBEMEV_CIM_UINT32: put_u64(o, v->u.uint); break;
    case WBEMEV_CIM_SINT64:
        put_n(o, "\"", 1);
        put_i64(o, v->u.sint);
        put_n(o, "\"", 1);
        break;
    case WBEMEV_CIM_UINT64:
        put_n(o, "\"", 1);
        put_u64(o, v->u.uint);
        put_n(o, "\"", 1);
        break;
    case WBEMEV_CIM_REAL32: put_real(o, v->u.real, true); break;
    case WBEMEV_CIM_REAL64: put_real(o, v->u.real, false); break;
    case WBEMEV_CIM_BOOLEAN: put_s(o, v->u.boolean ? "true" : "false"); break;
    case WBEMEV_CIM_CHAR16:
        put_n(o, "\"", 1);
        /* A lone surrogate has no UTF-8 form: validation refuses it; write U+FFFD if one slips by. */
        put_code_point(o, (v->u.char16 >= 0xD800 && v->u.char16 <= 0xDFFF) ? 0xFFFDu : v->u.char16);
        put_n(o, "\"", 1);
        break;
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE: put_string(o, v->u.string); break;
    case WBEMEV_CIM_DATETIME: {
        char buf[WBEMEV_DATETIME_LEN + 1];
        wbemev_status s = wbemev_datetime_format(&v->u.datetime, buf, sizeof buf);
        if (WBEMEV_FAILED(s)) {
            fail(o, s);
            return;
        }
        put_string(o, buf);
        break;
    }
    case WBEMEV_CIM_OBJECT:
        if (v->u.object == NULL)
            put_s(o, "null");
        else
            put_instance(o, v->u.object, depth + 1);
        break;
    default: fail(o, WBEMEV_E_INVALID_CIM_TYPE); break;
    }
}

static void put_value(struct jout *o, const wbemev_value *v, unsigned depth)
{
    if (v->is_null) {
        put_s(o, "null");
        return;
    }
    wbemev_cimtype base = WBEMEV_CIM_BASE(v->type);
    if (!WBEMEV_CIM_IS_ARRAY(v->type)) {
        put_scalar(o, base, v, depth);
        return;
    }
    put_n(o, "[", 1);
    for (size_t i = 0; i < v->u.array.count && WBEMEV_SUCCEEDED(o->status); i++) {
        if (i > 0)
            put_n(o, ",", 1);
        wbemev_value e;
        (void)wbemev_value_array_element(v, i, &e); /* stored arrays are valid */
        put_scalar(o, base, &e, depth);
    }
    put_n(o, "]", 1);
}

static void put_instance(struct jout *o, const wbemev_object_t *obj, unsigned depth)
{
    if (depth > JSON_MAX_DEPTH) {
        fail(o, WBEMEV_E_INVALID_OBJECT);
        return;
    }
    const wbemev_class_t *cls = wbemev_object_class(obj);
    put_s(o, "{\"__CLASS\":");
    put_string(o, wbemev_object_class_name(obj));
    size_t n = wbemev_class_property_count(cls);
    for (size_t i = 0; i < n && WBEMEV_SUCCEEDED(o->status); i++) {
        wbemev_property_info info;
        wbemev_value v;
        if (WBEMEV_FAILED(wbemev_class_property_at(cls, i, &info)) ||
            WBEMEV_FAILED(wbemev_object_get(obj, info.name, &v))) {
            fail(o, WBEMEV_E_INVALID_OBJECT);
            break;
        }
        if (v.is_null && (o->flags & WBEMEV_FORMAT_SKIP_NULLS))
            continue;
        put_n(o, ",", 1);
        put_string(o, info.name);
        put_n(o, ":", 1);
        put_value(o, &v, depth);
    }
    put_n(o, "}", 1);
}

/* ---- public ---- */

const char *wbemev_format_name(wbemev_format format)
{
    switch (format) {
    case WBEMEV_FORMAT_MOF: return "mof";
    case WBEMEV_FORMAT_JSON: return "json";
    default: return NULL;
    }
}

wbemev_status wbemev_format_from_name(const char *name, wbemev_format *out)
{
    if (name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (wbemev__strcaseeq(name, "mof")) {
        *out = WBEMEV_FORMAT_MOF;
    } else if (wbemev__strcaseeq(name, "json")) {
        *out = WBEMEV_FORMAT_JSON;
    } else {
        return WBEMEV_E_INVALID_PARAMETER;
    }
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_json_write_value(const wbemev_value *value, uint32_t flags,
                                      wbemev_format_writer writer, void *ctx)
{
    if (value == NULL || writer == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status st = wbemev_value_validate(value);
    if (WBEMEV_FAILED(st))
        return st;
    struct jout o = {writer, ctx, flags, WBEMEV_S_NO_ERROR};
    put_value(&o, value, 0);
    return o.status;
}

wbemev_status wbemev_json_write_instance(const wbemev_object_t *obj, uint32_t flags,
                                         wbemev_format_writer writer, void *ctx)
{
    if (obj == NULL || writer == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (wbemev_object_genus(obj) != WBEMEV_GENUS_INSTANCE)
        return WBEMEV_E_INVALID_OPERATION;
    struct jout o = {writer, ctx, flags, WBEMEV_S_NO_ERROR};
    put_instance(&o, obj, 0);
    put_n(&o, "\n", 1);
    return o.status;
}

/* snprintf-like buffer: counts the whole length, copies what fits. */
struct jbuffer {
    char *buf;
    size_t size;
    size_t length;
};

static wbemev_status jbuffer_write(void *ctx, const char *text, size_t len)
{
    struct jbuffer *b = ctx;
    if (b->buf != NULL && b->length < b->size) {
        size_t room = b->size - 1 - b->length; /* keep one byte for the NUL */
        size_t n = len < room ? len : room;
        memcpy(b->buf + b->length, text, n);
        b->buf[b->length + n] = 0;
    }
    b->length += len;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_json_format_instance(const wbemev_object_t *obj, uint32_t flags, char *buf,
                                          size_t size, size_t *length)
{
    if (buf != NULL ? size == 0 : size != 0)
        return WBEMEV_E_INVALID_PARAMETER;
    struct jbuffer b = {buf, size, 0};
    if (buf != NULL)
        buf[0] = 0;
    wbemev_status st = wbemev_json_write_instance(obj, flags, jbuffer_write, &b);
    if (WBEMEV_FAILED(st))
        return st;
    if (buf != NULL && b.length >= size)
        return WBEMEV_E_BUFFER_TOO_SMALL;
    if (length != NULL)
        *length = b.length;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status file_write(void *ctx, const char *text, size_t len)
{
    return fwrite(text, 1, len, (FILE *)ctx) == len ? WBEMEV_S_NO_ERROR : WBEMEV_E_FAILED;
}

wbemev_status wbemev_json_fwrite_instance(const wbemev_object_t *obj, uint32_t flags, FILE *file)
{
    if (file == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    return wbemev_json_write_instance(obj, flags, file_write, file);
}

wbemev_status wbemev_format_write_instance(wbemev_format format, const wbemev_object_t *obj,
                                           uint32_t flags, wbemev_format_writer writer, void *ctx)
{
    switch (format) {
    case WBEMEV_FORMAT_JSON: return wbemev_json_write_instance(obj, flags, writer, ctx);
    case WBEMEV_FORMAT_MOF: {
        wbemev_status st = wbemev_mof_write_instance(obj, writer, ctx);
        if (WBEMEV_FAILED(st))
            return st;
        return writer(ctx, "\n", 1); /* an empty line between instances */
    }
    default: return WBEMEV_E_INVALID_PARAMETER;
    }
}
