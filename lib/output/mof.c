/*
 * lib/output/mof.c: MOF text for a provider's registration (classes, __Win32Provider,
 * __EventProviderRegistration) and for event instances. See wbemev/mof.h.
 *
 * Everything is written through the shared text writer (base/text_writer.h); nothing is allocated.
 */
#include "base/text_writer.h"
#include "wbemev/mof.h"

#include <math.h>

/* ---- output ---- */

static void out_n(wbemev__text_out *o, const char *s, size_t n)
{
    wbemev__text_put(o, s, n);
}

static void out_s(wbemev__text_out *o, const char *s)
{
    wbemev__text_puts(o, s);
}

static void out_indent(wbemev__text_out *o, unsigned depth)
{
    for (unsigned i = 0; i < depth; i++)
        out_n(o, "    ", 4);
}

/* One character of a MOF string or char literal (quote is '"' or '\''). */
static void out_char(wbemev__text_out *o, uint32_t c, char quote)
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
    } else {
        wbemev__text_put_utf16_escape(o, "\\x", c, true);
    }
}

/* A quoted MOF string literal from UTF-8 text. */
static void out_string(wbemev__text_out *o, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    out_n(o, "\"", 1);
    while (*p != 0)
        out_char(o, wbemev__utf8_decode_lossy(&p), '"');
    out_n(o, "\"", 1);
}

/* The shortest decimal form that reads back as the same value (float or double). */
static void out_real(wbemev__text_out *o, double v, bool single)
{
    char buf[WBEMEV__REAL_TEXT_MAX];
    size_t n = wbemev__format_real(buf, v, single);
    out_n(o, buf, n);
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

static void write_property_decl(wbemev__text_out *o, const wbemev_property_def *p)
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

static void write_class(wbemev__text_out *o, const wbemev_class_def *cls)
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

wbemev_status wbemev_mof_write_class(const wbemev_class_def *cls, wbemev_text_writer writer, void *ctx)
{
    if (writer == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status s = class_def_validate(cls);
    if (WBEMEV_FAILED(s))
        return s;
    wbemev__text_out o;
    wbemev__text_out_init(&o, writer, ctx);
    write_class(&o, cls);
    return o.status;
}

wbemev_status wbemev_mof_write_registration(const wbemev_registration *reg, wbemev_text_writer writer,
                                            void *ctx)
{
    if (writer == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status s = wbemev_registration_validate(reg);
    if (WBEMEV_FAILED(s))
        return s;
    wbemev__text_out o;
    wbemev__text_out_init(&o, writer, ctx);

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

static void write_instance(wbemev__text_out *o, const wbemev_object_t *obj, unsigned depth);

static void write_scalar(wbemev__text_out *o, wbemev_cimtype base, const wbemev_value *v, unsigned depth)
{
    switch (base) {
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_SINT64: wbemev__text_put_i64(o, v->u.sint); break;
    case WBEMEV_CIM_UINT8:
    case WBEMEV_CIM_UINT16:
    case WBEMEV_CIM_UINT32:
    case WBEMEV_CIM_UINT64: wbemev__text_put_u64(o, v->u.uint); break;
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
            wbemev__text_fail(o, s);
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
        wbemev__text_fail(o, WBEMEV_E_INVALID_CIM_TYPE);
        break;
    }
}

static bool real_is_finite(wbemev_cimtype base, const wbemev_value *v)
{
    return (base != WBEMEV_CIM_REAL32 && base != WBEMEV_CIM_REAL64) || isfinite(v->u.real);
}

static void write_property(wbemev__text_out *o, const char *name, const wbemev_value *v, unsigned depth)
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
static void write_instance(wbemev__text_out *o, const wbemev_object_t *obj, unsigned depth)
{
    const wbemev_class_t *cls = wbemev_object_class(obj);
    out_s(o, "instance of ");
    out_s(o, wbemev_object_class_name(obj));
    out_s(o, "\n");
    out_indent(o, depth);
    out_s(o, "{\n");
    size_t n = wbemev_class_property_count(cls);
    for (size_t i = 0; i < n && wbemev__text_ok(o); i++) {
        wbemev_property_info info;
        wbemev_value v;
        if (WBEMEV_FAILED(wbemev_class_property_at(cls, i, &info)) ||
            WBEMEV_FAILED(wbemev_object_get(obj, info.name, &v))) {
            wbemev__text_fail(o, WBEMEV_E_INVALID_OBJECT);
            break;
        }
        if (!v.is_null)
            write_property(o, info.name, &v, depth + 1);
    }
    out_indent(o, depth);
    out_s(o, "}");
}

wbemev_status wbemev_mof_write_instance(const wbemev_object_t *obj, wbemev_text_writer writer, void *ctx)
{
    if (obj == NULL || writer == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (wbemev_object_genus(obj) != WBEMEV_GENUS_INSTANCE)
        return WBEMEV_E_INVALID_OPERATION;
    wbemev__text_out o;
    wbemev__text_out_init(&o, writer, ctx);
    write_instance(&o, obj, 0);
    out_s(&o, ";\n");
    return o.status;
}

/* ---- buffer and FILE* forms ---- */

wbemev_status wbemev_mof_format_registration(const wbemev_registration *reg, char *buf, size_t size,
                                             size_t *length)
{
    wbemev__text_buffer b;
    wbemev_status st = wbemev__text_buffer_start(&b, buf, size);
    if (WBEMEV_FAILED(st))
        return st;
    st = wbemev_mof_write_registration(reg, wbemev__text_buffer_write, &b);
    return wbemev__text_buffer_finish(&b, st, length);
}

wbemev_status wbemev_mof_format_instance(const wbemev_object_t *obj, char *buf, size_t size,
                                         size_t *length)
{
    wbemev__text_buffer b;
    wbemev_status st = wbemev__text_buffer_start(&b, buf, size);
    if (WBEMEV_FAILED(st))
        return st;
    st = wbemev_mof_write_instance(obj, wbemev__text_buffer_write, &b);
    return wbemev__text_buffer_finish(&b, st, length);
}

wbemev_status wbemev_mof_fwrite_registration(const wbemev_registration *reg, FILE *file)
{
    if (file == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    return wbemev_mof_write_registration(reg, wbemev__text_file_write, file);
}

wbemev_status wbemev_mof_fwrite_instance(const wbemev_object_t *obj, FILE *file)
{
    if (file == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    return wbemev_mof_write_instance(obj, wbemev__text_file_write, file);
}
