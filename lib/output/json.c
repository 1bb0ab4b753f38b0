/*
 * lib/output/json.c: JSON lines for event objects, and the format dispatch. See wbemev/format.h.
 *
 * Everything is written through the shared text writer (base/text_writer.h); nothing is allocated.
 */
#include "base/text_writer.h"
#include "wbemev/format.h"
#include "wbemev/mof.h"

#include <math.h>
#include <stdio.h>

/* ---- output ---- */

struct jout {
    wbemev__text_out out;
    uint32_t flags;
};

static void put_n(struct jout *o, const char *s, size_t n)
{
    wbemev__text_put(&o->out, s, n);
}

static void put_s(struct jout *o, const char *s)
{
    wbemev__text_puts(&o->out, s);
}

static void fail(struct jout *o, wbemev_status s)
{
    wbemev__text_fail(&o->out, s);
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
    if (c < 0x20 || c == 0x7F || c == 0x2028 || c == 0x2029 || (c >= 0x80 && (o->flags & WBEMEV_FORMAT_ASCII)))
        wbemev__text_put_utf16_escape(&o->out, "\\u", c, false);
    else
        wbemev__text_put_utf8(&o->out, c);
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
    char buf[WBEMEV__REAL_TEXT_MAX];
    put_n(o, buf, wbemev__format_real(buf, v, single));
}

/* ---- values ---- */

static void put_instance(struct jout *o, const wbemev_object_t *obj, unsigned depth);

static void put_scalar(struct jout *o, wbemev_cimtype base, const wbemev_value *v, unsigned depth)
{
    switch (base) {
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32: wbemev__text_put_i64(&o->out, v->u.sint); break;
    case WBEMEV_CIM_UINT8:
    case WBEMEV_CIM_UINT16:
    case WBEMEV_CIM_UINT32: wbemev__text_put_u64(&o->out, v->u.uint); break;
    case WBEMEV_CIM_SINT64:
        put_n(o, "\"", 1);
        wbemev__text_put_i64(&o->out, v->u.sint);
        put_n(o, "\"", 1);
        break;
    case WBEMEV_CIM_UINT64:
        put_n(o, "\"", 1);
        wbemev__text_put_u64(&o->out, v->u.uint);
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
    for (size_t i = 0; i < v->u.array.count && wbemev__text_ok(&o->out); i++) {
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
    if (depth > WBEMEV_FORMAT_MAX_DEPTH) { /* deeper ones are refused, not recursed into */
        fail(o, WBEMEV_E_INVALID_OBJECT);
        return;
    }
    const wbemev_class_t *cls = wbemev_object_class(obj);
    put_s(o, "{\"__CLASS\":");
    put_string(o, wbemev_object_class_name(obj));
    size_t n = wbemev_class_property_count(cls);
    for (size_t i = 0; i < n && wbemev__text_ok(&o->out); i++) {
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
                                      wbemev_text_writer writer, void *ctx)
{
    if (value == NULL || writer == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status st = wbemev_value_validate(value);
    if (WBEMEV_FAILED(st))
        return st;
    struct jout o = {.flags = flags};
    wbemev__text_out_init(&o.out, writer, ctx);
    put_value(&o, value, 0);
    return o.out.status;
}

wbemev_status wbemev_json_write_instance(const wbemev_object_t *obj, uint32_t flags,
                                         wbemev_text_writer writer, void *ctx)
{
    if (obj == NULL || writer == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (wbemev_object_genus(obj) != WBEMEV_GENUS_INSTANCE)
        return WBEMEV_E_INVALID_OPERATION;
    struct jout o = {.flags = flags};
    wbemev__text_out_init(&o.out, writer, ctx);
    put_instance(&o, obj, 0);
    put_n(&o, "\n", 1);
    return o.out.status;
}

wbemev_status wbemev_json_format_instance(const wbemev_object_t *obj, uint32_t flags, char *buf,
                                          size_t size, size_t *length)
{
    wbemev__text_buffer b;
    wbemev_status st = wbemev__text_buffer_start(&b, buf, size);
    if (WBEMEV_FAILED(st))
        return st;
    st = wbemev_json_write_instance(obj, flags, wbemev__text_buffer_write, &b);
    return wbemev__text_buffer_finish(&b, st, length);
}

wbemev_status wbemev_json_fwrite_instance(const wbemev_object_t *obj, uint32_t flags, FILE *file)
{
    if (file == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    return wbemev_json_write_instance(obj, flags, wbemev__text_file_write, file);
}

wbemev_status wbemev_format_write_instance(wbemev_format format, const wbemev_object_t *obj,
                                           uint32_t flags, wbemev_text_writer writer, void *ctx)
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
