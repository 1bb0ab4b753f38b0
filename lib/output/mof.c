/*
 * lib/mof.c: MOF text for a provider's registration (classes, __Win32Provider,
 * __EventProviderRegistration) and for event instances. See wbemev/mof.h.
 *
 * Everything is written through a writer callback; nothing is allocated.
 */
#include "base/base.h"
#include "wbemev/mof.h"

#include <math.h>
#include <stdlib.h>

/* ---- output ---- */

struct out {
    wbemev_mof_writer fn;
    void *ctx;
    wbemev_status status;
};

static void out_n(struct out *o, const char *s, size_t n)
{
    if (n > 0 && WBEMEV_SUCCEEDED(o->status))
        o->status = o->fn(o->ctx, s, n);
}

static void out_s(struct out *o, const char *s)
{
    out_n(o, s, strlen(s));
}

static void out_indent(struct out *o, unsigned depth)
{
    for (unsigned i = 0; i < depth; i++)
        out_n(o, "    ", 4);
}

static void out_u64(struct out *o, uint64_t v)
{
    char buf[WBEMEV__INT_TEXT_MAX];
    out_n(o, buf, wbemev__format_u64(buf, v));
}

static void out_i64(struct out *o, int64_t v)
{
    char buf[WBEMEV__INT_TEXT_MAX];
    out_n(o, buf, wbemev__format_i64(buf, v));
}

static void out_hex4(struct out *o, unsigned v)
{
    static const char digits[] = "0123456789ABCDEF";
    char buf[6] = {'\\', 'x', digits[(v >> 12) & 15], digits[(v >> 8) & 15], digits[(v >> 4) & 15],
                   digits[v & 15]};
    out_n(o, buf, sizeof buf);
}

/* One character of a MOF string or char literal (quote is '"' or '\''). */
static void out_char(struct out *o, uint32_t c, char quote)
{
    switch (c) {
    case '\\': out_n(o, "\\\\", 2); return;
    case '\n': out_n(o, "\\n", 2); return;
    case '\t': out_n(o, "\\t", 2); return;
    case '\r': out_n(o, "\\r", 2); return;
    case '\b': out_n(o, "\\b", 2); return;
    case '\f': out_n(o, "\\f", 2); return;
    default: break;
    }
    if (c == (uint32_t)(unsigned char)quote) {
        char esc[2] = {'\\', quote};
        out_n(o, esc, 2);
    } else if (c >= 0x20 && c < 0x7F) {
        char ch = (char)c;
        out_n(o, &ch, 1);
    } else if (c >= 0x10000) {
        c -= 0x10000;
        out_hex4(o, 0xD800 + (c >> 10));
        out_hex4(o, 0xDC00 + (c & 0x3FF));
    } else {
        out_hex4(o, c);
    }
}

/* A quoted MOF string literal from UTF-8 text. */
static void out_string(struct out *o, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    out_n(o, "\"", 1);
    while (*p != 0)
        out_char(o, wbemev__utf8_decode_lossy(&p), '"');
    out_n(o, "\"", 1);
}

/* The shortest decimal form that reads back as the same value (float or double). */
static void out_real(struct out *o, double v, bool single)
{
    char buf[40];
    int max = single ? 9 : 17;
    for (int prec = 1; prec <= max; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        if (single ? (float)back == (float)v : back == v)
            break;
    }
    out_s(o, buf);
    if (strpbrk(buf, ".eE") == NULL)
        out_n(o, ".0", 2); /* keep it a real literal */
}

/* ---- registration ---- */

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool clsid_valid(const char *s)
{
    static const char pattern[] = "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";
    if (s == NULL || strlen(s) != sizeof pattern - 1)
        return false;
    for (size_t i = 0; pattern[i] != 0; i++) {
        if (pattern[i] == 'x' ? !is_hex(s[i]) : s[i] != pattern[i])
            return false;
    }
    return true;
}

static bool identifier_valid(const char *s)
{
    if (s == NULL || *s == 0 || strlen(s) > WBEMEV_MAX_IDENTIFIER || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s != 0; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static bool plain_text(const char *s)
{
    if (s == NULL || *s == 0)
        return false;
    for (; *s != 0; s++) {
        if ((unsigned char)*s < 0x20 || *s == '"' || *s == 0x7F)
            return false;
    }
    return true;
}

static wbemev_status class_def_validate(const wbemev_class_def *cls)
{
    if (cls == NULL || !identifier_valid(cls->name) || (cls->props == NULL && cls->prop_count > 0))
        return WBEMEV_E_INVALID_PARAMETER;
    if (cls->superclass != NULL && !identifier_valid(cls->superclass))
        return WBEMEV_E_INVALID_PARAMETER;
    for (size_t i = 0; i < cls->prop_count; i++) {
        const wbemev_property_def *p = &cls->props[i];
        if (!identifier_valid(p->name))
            return WBEMEV_E_INVALID_PARAMETER;
        if (!wbemev_cimtype_is_valid(p->type))
            return WBEMEV_E_INVALID_PROPERTY_TYPE;
        wbemev_cimtype base = WBEMEV_CIM_BASE(p->type);
        if ((base == WBEMEV_CIM_OBJECT || base == WBEMEV_CIM_REFERENCE) && p->ref_class != NULL &&
            !identifier_valid(p->ref_class))
            return WBEMEV_E_INVALID_PARAMETER;
    }
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_registration_validate(const wbemev_registration *reg)
{
    if (reg == NULL || !plain_text(reg->namespace_name) || !plain_text(reg->provider_name) ||
        !clsid_valid(reg->clsid) || (reg->hosting_model != NULL && !plain_text(reg->hosting_model)))
        return WBEMEV_E_INVALID_PARAMETER;
    if (reg->classes == NULL && reg->class_count > 0)
        return WBEMEV_E_INVALID_PARAMETER;
    for (size_t i = 0; i < reg->class_count; i++) {
        wbemev_status s = class_def_validate(&reg->classes[i]);
        if (WBEMEV_FAILED(s))
            return s;
    }
    if (reg->event_queries == NULL || reg->query_count == 0)
        return WBEMEV_E_INVALID_PARAMETER;
    for (size_t i = 0; i < reg->query_count; i++) {
        if (reg->event_queries[i] == NULL || reg->event_queries[i][0] == 0)
            return WBEMEV_E_INVALID_PARAMETER;
    }
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_registration_define_classes(const wbemev_registration *reg,
                                                 wbemev_namespace_t *ns, bool skip_existing)
{
    if (reg == NULL || ns == NULL || (reg->classes == NULL && reg->class_count > 0))
        return WBEMEV_E_INVALID_PARAMETER;
    size_t i;
    wbemev_status s = WBEMEV_S_NO_ERROR;
    bool *defined = NULL;
    if (reg->class_count > 0) {
        defined = wbemev__calloc(reg->class_count, sizeof *defined);
        if (defined == NULL)
            return WBEMEV_E_OUT_OF_MEMORY;
    }
    for (i = 0; i < reg->class_count; i++) {
        const wbemev_class_def *c = &reg->classes[i];
        if (skip_existing) {
            wbemev_class_t *existing = NULL;
            if (c->name != NULL && WBEMEV_SUCCEEDED(wbemev_namespace_get_class(ns, c->name, &existing))) {
                wbemev_class_release(existing);
                continue;
            }
        }
        s = wbemev_namespace_define_class(ns, c->name, c->superclass, c->props, c->prop_count, NULL);
        if (WBEMEV_FAILED(s))
            break;
        defined[i] = true;
    }
    if (WBEMEV_FAILED(s)) {
        /* Undo in reverse order; deleting a class deletes its subclasses, so a miss is fine. */
        while (i-- > 0) {
            if (defined[i])
                (void)wbemev_namespace_delete_class(ns, reg->classes[i].name);
        }
    }
    wbemev__free(defined);
    return s;
}

static void write_property_decl(struct out *o, const wbemev_property_def *p)
{
    wbemev_cimtype base = WBEMEV_CIM_BASE(p->type);
    out_indent(o, 1);
    if (base == WBEMEV_CIM_OBJECT) {
        out_s(o, p->ref_class != NULL ? p->ref_class : "object");
    } else if (base == WBEMEV_CIM_REFERENCE) {
        out_s(o, p->ref_class != NULL ? p->ref_class : "object");
        out_s(o, " ref");
    } else {
        out_s(o, wbemev_cimtype_name(base));
    }
    out_s(o, " ");
    out_s(o, p->name);
    if (WBEMEV_CIM_IS_ARRAY(p->type))
        out_s(o, "[]");
    out_s(o, ";\n");
}

static void write_class(struct out *o, const wbemev_class_def *cls)
{
    out_s(o, "class ");
    out_s(o, cls->name);
    if (cls->superclass != NULL) {
        out_s(o, " : ");
        out_s(o, cls->superclass);
    }
    out_s(o, "\n{\n");
    for (size_t i = 0; i < cls->prop_count; i++)
        write_property_decl(o, &cls->props[i]);
    out_s(o, "};\n");
}

wbemev_status wbemev_mof_write_class(const wbemev_class_def *cls, wbemev_mof_writer writer, void *ctx)
{
    if (writer == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status s = class_def_validate(cls);
    if (WBEMEV_FAILED(s))
        return s;
    struct out o = {writer, ctx, WBEMEV_S_NO_ERROR};
    write_class(&o, cls);
    return o.status;
}

wbemev_status wbemev_mof_write_registration(const wbemev_registration *reg, wbemev_mof_writer writer,
                                            void *ctx)
{
    if (writer == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status s = wbemev_registration_validate(reg);
    if (WBEMEV_FAILED(s))
        return s;
    struct out o = {writer, ctx, WBEMEV_S_NO_ERROR};

    out_s(&o, "// Registration of the WMI event provider \"");
    out_s(&o, reg->provider_name);
    out_s(&o, "\", generated by wbemev.\n"
              "// Register the provider DLL first (regsvr32), then load this file: mofcomp <file>\n\n"
              "#pragma autorecover\n"
              "#pragma namespace(");
    /* "\\\\.\\<namespace>": the namespace on the local machine. */
    out_s(&o, "\"\\\\\\\\.\\\\");
    const unsigned char *ns = (const unsigned char *)reg->namespace_name;
    while (*ns != 0)
        out_char(&o, wbemev__utf8_decode_lossy(&ns), '"');
    out_s(&o, "\"");
    out_s(&o, ")\n");

    for (size_t i = 0; i < reg->class_count; i++) {
        out_s(&o, "\n");
        write_class(&o, &reg->classes[i]);
    }

    out_s(&o, "\ninstance of __Win32Provider as $P\n{\n    Name = ");
    out_string(&o, reg->provider_name);
    out_s(&o, ";\n    CLSID = ");
    out_string(&o, reg->clsid);
    out_s(&o, ";\n    HostingModel = ");
    out_string(&o, reg->hosting_model != NULL ? reg->hosting_model : WBEMEV_MOF_DEFAULT_HOSTING_MODEL);
    out_s(&o, ";\n};\n\ninstance of __EventProviderRegistration\n{\n    Provider = $P;\n"
              "    EventQueryList = {");
    for (size_t i = 0; i < reg->query_count; i++) {
        if (i > 0)
            out_s(&o, ", ");
        out_string(&o, reg->event_queries[i]);
    }
    out_s(&o, "};\n};\n");
    return o.status;
}

/* ---- instances ---- */

static void write_instance(struct out *o, const wbemev_object_t *obj, unsigned depth);

static void write_scalar(struct out *o, wbemev_cimtype base, const wbemev_value *v, unsigned depth)
{
    switch (base) {
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_SINT64: out_i64(o, v->u.sint); break;
    case WBEMEV_CIM_UINT8:
    case WBEMEV_CIM_UINT16:
    case WBEMEV_CIM_UINT32:
    case WBEMEV_CIM_UINT64: out_u64(o, v->u.uint); break;
    case WBEMEV_CIM_REAL32: out_real(o, v->u.real, true); break;
    case WBEMEV_CIM_REAL64: out_real(o, v->u.real, false); break;
    case WBEMEV_CIM_BOOLEAN: out_s(o, v->u.boolean ? "TRUE" : "FALSE"); break;
    case WBEMEV_CIM_CHAR16:
        out_n(o, "'", 1);
        out_char(o, v->u.char16, '\'');
        out_n(o, "'", 1);
        break;
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE: out_string(o, v->u.string != NULL ? v->u.string : ""); break;
    case WBEMEV_CIM_DATETIME: {
        char buf[WBEMEV_DATETIME_LEN + 1];
        wbemev_status s = wbemev_datetime_format(&v->u.datetime, buf, sizeof buf);
        if (WBEMEV_FAILED(s)) {
            if (WBEMEV_SUCCEEDED(o->status))
                o->status = s;
            return;
        }
        out_string(o, buf);
        break;
    }
    case WBEMEV_CIM_OBJECT:
        if (v->u.object == NULL)
            out_s(o, "NULL");
        else
            write_instance(o, v->u.object, depth);
        break;
    default:
        if (WBEMEV_SUCCEEDED(o->status))
            o->status = WBEMEV_E_INVALID_CIM_TYPE;
        break;
    }
}

static bool real_is_finite(wbemev_cimtype base, const wbemev_value *v)
{
    return (base != WBEMEV_CIM_REAL32 && base != WBEMEV_CIM_REAL64) || isfinite(v->u.real);
}

static void write_property(struct out *o, const char *name, const wbemev_value *v, unsigned depth)
{
    wbemev_cimtype base = WBEMEV_CIM_BASE(v->type);
    bool finite = true;
    if (WBEMEV_CIM_IS_ARRAY(v->type)) {
        for (size_t i = 0; i < v->u.array.count && finite; i++) {
            wbemev_value e;
            (void)wbemev_value_array_element(v, i, &e); /* stored arrays are valid */
            finite = real_is_finite(base, &e);
        }
    } else {
        finite = real_is_finite(base, v);
    }
    out_indent(o, depth);
    if (!finite) {
        /* MOF has no literal for NaN or infinity. */
        out_s(o, "// ");
        out_s(o, name);
        out_s(o, ": a real that is not finite has no MOF form\n");
        return;
    }
    out_s(o, name);
    out_s(o, " = ");
    if (WBEMEV_CIM_IS_ARRAY(v->type) && base == WBEMEV_CIM_OBJECT && v->u.array.count > 0) {
        /* One embedded instance per line. */
        out_s(o, "{\n");
        for (size_t i = 0; i < v->u.array.count; i++) {
            wbemev_value e;
            (void)wbemev_value_array_element(v, i, &e); /* stored arrays are valid */
            out_indent(o, depth + 1);
            write_scalar(o, base, &e, depth + 1);
            out_s(o, i + 1 < v->u.array.count ? ",\n" : "\n");
        }
        out_indent(o, depth);
        out_s(o, "}");
    } else if (WBEMEV_CIM_IS_ARRAY(v->type)) {
        out_s(o, "{");
        for (size_t i = 0; i < v->u.array.count; i++) {
            if (i > 0)
                out_s(o, ", ");
            wbemev_value e;
            (void)wbemev_value_array_element(v, i, &e); /* stored arrays are valid */
            write_scalar(o, base, &e, depth);
        }
        out_s(o, "}");
    } else {
        write_scalar(o, base, v, depth);
    }
    out_s(o, ";\n");
}

/* `instance of Class\n<indent>{\n ... <indent>}` without the final ';'. The first line is not
 * indented: it follows "Prop = " or starts a line. */
static void write_instance(struct out *o, const wbemev_object_t *obj, unsigned depth)
{
    const wbemev_class_t *cls = wbemev_object_class(obj);
    out_s(o, "instance of ");
    out_s(o, wbemev_object_class_name(obj));
    out_s(o, "\n");
    out_indent(o, depth);
    out_s(o, "{\n");
    size_t n = wbemev_class_property_count(cls);
    for (size_t i = 0; i < n && WBEMEV_SUCCEEDED(o->status); i++) {
        wbemev_property_info info;
        wbemev_value v;
        if (WBEMEV_FAILED(wbemev_class_property_at(cls, i, &info)) ||
            WBEMEV_FAILED(wbemev_object_get(obj, info.name, &v))) {
            o->status = WBEMEV_E_INVALID_OBJECT;
            break;
        }
        if (!v.is_null)
            write_property(o, info.name, &v, depth + 1);
    }
    out_indent(o, depth);
    out_s(o, "}");
}

wbemev_status wbemev_mof_write_instance(const wbemev_object_t *obj, wbemev_mof_writer writer, void *ctx)
{
    if (obj == NULL || writer == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (wbemev_object_genus(obj) != WBEMEV_GENUS_INSTANCE)
        return WBEMEV_E_INVALID_OPERATION;
    struct out o = {writer, ctx, WBEMEV_S_NO_ERROR};
    write_instance(&o, obj, 0);
    out_s(&o, ";\n");
    return o.status;
}

/* ---- buffer and FILE* forms ---- */

struct buffer {
    char *buf;
    size_t size;
    size_t length; /* total text length so far, even past size */
};

static wbemev_status buffer_write(void *ctx, const char *text, size_t len)
{
    struct buffer *b = ctx;
    if (b->buf != NULL && b->length < b->size) {
        size_t room = b->size - 1 - b->length; /* keep one byte for the NUL */
        size_t n = len < room ? len : room;
        memcpy(b->buf + b->length, text, n);
        b->buf[b->length + n] = 0;
    }
    b->length += len;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status buffer_finish(wbemev_status s, struct buffer *b, size_t *length)
{
    if (WBEMEV_FAILED(s))
        return s;
    if (b->buf == NULL)
        goto done;
    if (b->length >= b->size)
        return WBEMEV_E_BUFFER_TOO_SMALL;
    b->buf[b->length] = 0;
done:
    if (length != NULL)
        *length = b->length;
    return WBEMEV_S_NO_ERROR;
}

static bool buffer_args_valid(const char *buf, size_t size)
{
    return buf != NULL ? size > 0 : size == 0;
}

wbemev_status wbemev_mof_format_registration(const wbemev_registration *reg, char *buf, size_t size,
                                             size_t *length)
{
    if (!buffer_args_valid(buf, size))
        return WBEMEV_E_INVALID_PARAMETER;
    struct buffer b = {buf, size, 0};
    if (buf != NULL)
        buf[0] = 0;
    return buffer_finish(wbemev_mof_write_registration(reg, buffer_write, &b), &b, length);
}

wbemev_status wbemev_mof_format_instance(const wbemev_object_t *obj, char *buf, size_t size,
                                         size_t *length)
{
    if (!buffer_args_valid(buf, size))
        return WBEMEV_E_INVALID_PARAMETER;
    struct buffer b = {buf, size, 0};
    if (buf != NULL)
        buf[0] = 0;
    return buffer_finish(wbemev_mof_write_instance(obj, buffer_write, &b), &b, length);
}

static wbemev_status file_write(void *ctx, const char *text, size_t len)
{
    return fwrite(text, 1, len, (FILE *)ctx) == len ? WBEMEV_S_NO_ERROR : WBEMEV_E_FAILED;
}

wbemev_status wbemev_mof_fwrite_registration(const wbemev_registration *reg, FILE *file)
{
    if (file == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    return wbemev_mof_write_registration(reg, file_write, file);
}

wbemev_status wbemev_mof_fwrite_instance(const wbemev_object_t *obj, FILE *file)
{
    if (file == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    return wbemev_mof_write_instance(obj, file_write, file);
}
