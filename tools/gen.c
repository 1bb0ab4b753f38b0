/*
 * tools/gen.c: `wbemev gen`: typed C from a MOF file.
 *
 *   wbemev gen FILE.mof [-o DIR] [--prefix NAME] [--header NAME.h] [--source NAME.c]
 *
 * The MOF is read into a small description of what the C needs (gen_model: classes, their own
 * properties, the registration), which the emitter turns into a header and a source. Every C name
 * is derived from a MOF name by one rule (gen_c_name), and every name the output declares goes
 * through one table, so two MOF names that give the same C name are reported instead of compiled.
 */
#define _POSIX_C_SOURCE 200809L

#include "tool.h"

#include <wbemev/mof.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char gen_usage[] =
    "usage: wbemev gen FILE.mof [-o DIR] [--prefix NAME] [--header NAME.h] [--source NAME.c]\n"
    "\n"
    "Writes typed C for the classes of a MOF file: per class its property table and class\n"
    "definition, a struct of property handles resolved once (PREFIX_init), and inline setters and\n"
    "getters per property (class Burst_Event, property Severity: burst_event_put_severity,\n"
    "burst_event_get_severity), so a misspelled property is a compile error. The provider\n"
    "registration in the MOF (__Win32Provider, __EventProviderRegistration) becomes\n"
    "PREFIX_registration and PREFIX_event_queries.\n"
    "\n"
    "A MOF error prints FILE:LINE:COLUMN and the line to standard error and exits with 1; so do\n"
    "two MOF names that give the same C name. Nothing is written unless everything succeeds.\n"
    "\n"
    "Options:\n"
    "  -o, --output DIR     where to write the files (default: the current directory)\n"
    "  -p, --prefix NAME    the C prefix of the file-wide names (default: the MOF's file name,\n"
    "                       'burst.mof' gives 'burst')\n"
    "      --header NAME.h  the header's file name (default: PREFIX_mof.h)\n"
    "      --source NAME.c  the source's file name (default: PREFIX_mof.c)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Example:\n"
    "  wbemev gen burst.mof -o build/gen    # build/gen/burst_mof.h, build/gen/burst_mof.c\n";

/* ---- the description the emitter works from ---- */

typedef struct gen_prop {
    const char *name;        /* as in the MOF */
    wbemev_cimtype type;
    const char *ref_class;   /* object and reference properties: the class, or NULL */
    const char *description; /* its Description qualifier, or NULL */
    unsigned line;
    char *c_name;            /* gen_c_name(name) */
} gen_prop;

typedef struct gen_class {
    const char *name;
    const char *superclass; /* NULL for a root class */
    const char *description;
    const char *file;
    unsigned line;
    gen_prop *props; /* its own, in declaration order */
    size_t prop_count;
    char *c_name;
} gen_class;

typedef struct gen_model {
    const char *mof_path; /* the MOF as named on the command line, for messages */
    const char *mof_name; /* its file name, for the generated comment */
    const char *prefix;
    const char *header_name;
    gen_class *classes; /* superclasses (and classes of embedded objects) first */
    size_t class_count;
    bool has_registration;
    const char *namespace_name, *provider_name, *clsid, *hosting_model;
    const char *const *queries;
    size_t query_count;
} gen_model;

static void model_free(gen_model *m)
{
    for (size_t i = 0; i < m->class_count; i++) {
        for (size_t j = 0; j < m->classes[i].prop_count; j++)
            free(m->classes[i].props[j].c_name);
        free(m->classes[i].props);
        free(m->classes[i].c_name);
    }
    free(m->classes);
    m->classes = NULL;
    m->class_count = 0;
}

/* ---- C names ---- */

/* A MOF name in C: lower case, with '_' where a lower-case letter or digit meets an upper-case one
 * ("NumberOfEvents" -> number_of_events) and before the last capital of a run of two or more that
 * a lower-case letter follows ("CPUUsage" -> cpu_usage). Existing underscores stay; none doubles. */
static char *gen_c_name(const char *mof)
{
    size_t len = strlen(mof);
    char *out = malloc(len * 2 + 1);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)mof[i];
        if (isupper(c) && i > 0 && n > 0 && out[n - 1] != '_') {
            unsigned char prev = (unsigned char)mof[i - 1];
            bool after_lower = islower(prev) || isdigit(prev);
            bool ends_run = isupper(prev) && i >= 2 && isupper((unsigned char)mof[i - 2]) && i + 1 < len &&
                            islower((unsigned char)mof[i + 1]);
            if (after_lower || ends_run)
                out[n++] = '_';
        }
        if (c == '_' && n > 0 && out[n - 1] == '_')
            continue;
        out[n++] = (char)tolower(c);
    }
    out[n] = '\0';
    return out;
}

void tool_c_name(const char *mof_name, char *buf, size_t size)
{
    char *c = gen_c_name(mof_name);
    snprintf(buf, size, "%s", c != NULL ? c : "");
    free(c);
}

static bool is_c_keyword(const char *s)
{
    static const char *const words[] = {
        "auto",     "break",  "case",     "char",   "const",    "continue", "default",  "do",
        "double",   "else",   "enum",     "extern", "float",    "for",      "goto",     "if",
        "inline",   "int",    "long",     "register", "restrict", "return", "short",    "signed",
        "sizeof",   "static", "struct",   "switch", "typedef",  "union",    "unsigned", "void",
        "volatile", "while",  "bool",     "true",   "false",    "asm",      "typeof",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

/* Every name the output declares, with what it came from: a second use of a name is the error. */
typedef struct gen_names {
    char **names;
    char **origins;
    unsigned *lines; /* 0 for the file-wide names */
    size_t count, cap;
    size_t *index;     /* open addressing over names: entry + 1, 0 for empty; index_cap slots */
    size_t index_cap;
    const char *file;
    bool failed;
} gen_names;

static void names_free(gen_names *t)
{
    for (size_t i = 0; i < t->count; i++) {
        free(t->names[i]);
        free(t->origins[i]);
    }
    free(t->names);
    free(t->origins);
    free(t->lines);
    free(t->index);
}

static size_t name_hash(const char *s)
{
    size_t h = 14695981039346656037ull & SIZE_MAX; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
    return h;
}

/* The slot of `name` in the index: its entry's, or the empty one where it would go. */
static size_t *names_slot(const gen_names *t, const char *name)
{
    size_t mask = t->index_cap - 1;
    for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask)
        if (t->index[i] == 0 || strcmp(t->names[t->index[i] - 1], name) == 0)
            return &t->index[i];
}

/* Keeps the index at most half full: a new one, twice the size, past that. */
static bool names_grow_index(gen_names *t)
{
    if (t->index_cap != 0 && (t->count + 1) * 2 <= t->index_cap)
        return true;
    size_t cap = t->index_cap != 0 ? t->index_cap * 2 : 256;
    size_t *index = calloc(cap, sizeof *index);
    if (index == NULL)
        return false;
    free(t->index);
    t->index = index;
    t->index_cap = cap;
    for (size_t e = 0; e < t->count; e++)
        *names_slot(t, t->names[e]) = e + 1;
    return true;
}

static char *vformat(const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 0)))
#endif
    ;
static char *vformat(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s != NULL)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static char *format(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

/* Declares `name` (case-sensitive, as C is; macros are upper case, so they are compared as such
 * too) for `origin`; a clash is reported with both origins. False on a clash or out of memory. */
static bool names_add(gen_names *t, char *name, char *origin, unsigned line)
{
    if (name == NULL || origin == NULL || !names_grow_index(t)) {
        free(name);
        free(origin);
        tool_error("gen", "out of memory");
        t->failed = true;
        return false;
    }
    size_t *slot = names_slot(t, name);
    if (*slot != 0) {
        size_t i = *slot - 1;
        fprintf(stderr, "%s:", t->file);
        if (line > 0)
            fprintf(stderr, "%u:", line);
        fprintf(stderr, " %s gives the C name '%s', which %s already has", origin, name, t->origins[i]);
        if (t->lines[i] > 0)
            fprintf(stderr, " (line %u)", t->lines[i]);
        fprintf(stderr, ": rename one of them%s\n", t->lines[i] == 0 || line == 0 ? ", or give another --prefix" : "");
        free(name);
        free(origin);
        t->failed = true;
        return false;
    }
    if (t->count == t->cap) {
        size_t cap = t->cap != 0 ? t->cap * 2 : 64;
        char **n = realloc(t->names, cap * sizeof *n);
        if (n != NULL)
            t->names = n;
        char **o = n != NULL ? realloc(t->origins, cap * sizeof *o) : NULL;
        if (o != NULL)
            t->origins = o;
        unsigned *l = o != NULL ? realloc(t->lines, cap * sizeof *l) : NULL;
        if (l == NULL) {
            free(name);
            free(origin);
            tool_error("gen", "out of memory");
            t->failed = true;
            return false;
        }
        t->lines = l;
        t->cap = cap;
    }
    t->names[t->count] = name;
    t->origins[t->count] = origin;
    t->lines[t->count] = line;
    t->count++;
    *slot = t->count;
    return true;
}

static char *upper(const char *s)
{
    char *u = format("%s", s);
    for (char *p = u; p != NULL && *p != '\0'; p++)
        *p = (char)toupper((unsigned char)*p);
    return u;
}

/* Declares every name the output will have; false (reported) on the first clash. */
static bool check_names(const gen_model *m)
{
    gen_names t;
    memset(&t, 0, sizeof t);
    t.file = m->mof_path;
    const char *p = m->prefix;
    char *up = upper(p);
    static const char *const file_wide[] = {"classes", "define_classes", "handles", "init", "fini",
                                            "registration", "event_queries", "event_query_count",
                                            "resolve", "layout"};
    for (size_t i = 0; i < sizeof file_wide / sizeof file_wide[0] && !t.failed; i++)
        names_add(&t, format("%s_%s", p, file_wide[i]), format("the file-wide name '%s_%s'", p, file_wide[i]), 0);
    if (!t.failed)
        names_add(&t, format("%s_CLASS_COUNT", up), format("the file-wide name '%s_CLASS_COUNT'", up), 0);
    for (size_t i = 0; i < m->class_count && !t.failed; i++) {
        const gen_class *c = &m->classes[i];
        char *cu = upper(c->c_name);
        static const char *const per_class[] = {"handles", "spawn", "properties", "handle_offsets"};
        for (size_t k = 0; k < sizeof per_class / sizeof per_class[0] && !t.failed; k++)
            names_add(&t, format("%s_%s", c->c_name, per_class[k]), format("class '%s'", c->name), c->line);
        if (!t.failed)
            names_add(&t, format("%s_CLASS_NAME", cu), format("class '%s'", c->name), c->line);
        free(cu);
        /* the class's member of PREFIX_handles */
        if (!t.failed)
            names_add(&t, format("%s_handles.%s", p, c->c_name), format("class '%s'", c->name), c->line);
        for (size_t j = 0; j < c->prop_count && !t.failed; j++) {
            const gen_prop *q = &c->props[j];
            static const char *const verbs[] = {"put", "get", "clear", "is_null"};
            for (size_t k = 0; k < sizeof verbs / sizeof verbs[0] && !t.failed; k++)
                names_add(&t, format("%s_%s_%s", c->c_name, verbs[k], q->c_name),
                          format("property '%s.%s'", c->name, q->name), q->line);
            if (!t.failed)
                names_add(&t, format("%s_handles.%s", c->c_name, q->c_name),
                          format("property '%s.%s'", c->name, q->name), q->line);
        }
    }
    free(up);
    bool ok = !t.failed;
    names_free(&t);
    return ok;
}

/* A struct member named after a MOF name: a C keyword gets a trailing '_' ("Default" -> default_). */
static const char *member(const char *c_name, char buf[], size_t size)
{
    snprintf(buf, size, "%s%s", c_name, is_c_keyword(c_name) ? "_" : "");
    return buf;
}

/* ---- output text ---- */

typedef struct gen_out {
    tool_text text;
    bool failed;
} gen_out;

static void out(gen_out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void out(gen_out *o, const char *fmt, ...)
{
    if (o->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    if (s == NULL || WBEMEV_FAILED(tool_text_write(&o->text, s, strlen(s))))
        o->failed = true;
    free(s);
}

/* A C string literal for s: quotes, backslashes, '?' (no trigraph can form) and every byte outside
 * printable ASCII escaped, the last as three-digit octal so no following digit joins it. */
static void out_c_string(gen_out *o, const char *s)
{
    out(o, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\' || *p == '?')
            out(o, "\\%c", *p);
        else if (*p < 0x20 || *p > 0x7e)
            out(o, "\\%03o", *p);
        else
            out(o, "%c", *p);
    }
    out(o, "\"");
}

/* Text from the MOF inside a C comment: printable ASCII only, no comment end, no trigraph, wrapped
 * at about 100 columns after `lead`. */
static void out_comment_text(gen_out *o, const char *lead, const char *text)
{
    size_t col = 0;
    out(o, "%s", lead);
    char prev = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        char c = (*p < 0x20 || *p > 0x7e) ? ' ' : (char)*p;
        if (c == ' ' && col >= 90) {
            out(o, "\n%s", lead);
            col = 0;
            prev = 0;
            continue;
        }
        if ((c == '/' && prev == '*') || (c == '?' && prev == '?'))
            out(o, " ");
        out(o, "%c", c);
        prev = c;
        col++;
    }
    out(o, "\n");
}

/* ---- CIM types in C ---- */

typedef struct c_type {
    const char *ctype;   /* the C type of one value */
    const char *member;  /* the wbemev_value member */
    bool cast;           /* the member is wider: Get casts */
    const char *constant; /* WBEMEV_CIM_... */
} c_type;

static c_type c_type_of(wbemev_cimtype type)
{
    switch (WBEMEV_CIM_BASE(type)) {
    case WBEMEV_CIM_SINT8: return (c_type){"int8_t", "sint", true, "WBEMEV_CIM_SINT8"};
    case WBEMEV_CIM_UINT8: return (c_type){"uint8_t", "uint", true, "WBEMEV_CIM_UINT8"};
    case WBEMEV_CIM_SINT16: return (c_type){"int16_t", "sint", true, "WBEMEV_CIM_SINT16"};
    case WBEMEV_CIM_UINT16: return (c_type){"uint16_t", "uint", true, "WBEMEV_CIM_UINT16"};
    case WBEMEV_CIM_SINT32: return (c_type){"int32_t", "sint", true, "WBEMEV_CIM_SINT32"};
    case WBEMEV_CIM_UINT32: return (c_type){"uint32_t", "uint", true, "WBEMEV_CIM_UINT32"};
    case WBEMEV_CIM_SINT64: return (c_type){"int64_t", "sint", false, "WBEMEV_CIM_SINT64"};
    case WBEMEV_CIM_UINT64: return (c_type){"uint64_t", "uint", false, "WBEMEV_CIM_UINT64"};
    case WBEMEV_CIM_REAL32: return (c_type){"float", "real", true, "WBEMEV_CIM_REAL32"};
    case WBEMEV_CIM_REAL64: return (c_type){"double", "real", false, "WBEMEV_CIM_REAL64"};
    case WBEMEV_CIM_BOOLEAN: return (c_type){"bool", "boolean", false, "WBEMEV_CIM_BOOLEAN"};
    case WBEMEV_CIM_CHAR16: return (c_type){"uint16_t", "char16", false, "WBEMEV_CIM_CHAR16"};
    case WBEMEV_CIM_STRING: return (c_type){"const char *", "string", false, "WBEMEV_CIM_STRING"};
    case WBEMEV_CIM_REFERENCE: return (c_type){"const char *", "string", false, "WBEMEV_CIM_REFERENCE"};
    case WBEMEV_CIM_DATETIME: return (c_type){"wbemev_datetime", "datetime", false, "WBEMEV_CIM_DATETIME"};
    case WBEMEV_CIM_OBJECT: return (c_type){"wbemev_object_t *", "object", false, "WBEMEV_CIM_OBJECT"};
    default: return (c_type){NULL, NULL, false, NULL};
    }
}

/* The suffix of the typed Put through a handle for a scalar of this type (wbemev_object_put_<suffix>_h),
 * NULL where the setter goes through a wbemev_value (references, embedded objects). */
static const char *typed_put_suffix(wbemev_cimtype type)
{
    switch (WBEMEV_CIM_BASE(type)) {
    case WBEMEV_CIM_SINT8: return "sint8";
    case WBEMEV_CIM_UINT8: return "uint8";
    case WBEMEV_CIM_SINT16: return "sint16";
    case WBEMEV_CIM_UINT16: return "uint16";
    case WBEMEV_CIM_SINT32: return "sint32";
    case WBEMEV_CIM_UINT32: return "uint32";
    case WBEMEV_CIM_SINT64: return "sint64";
    case WBEMEV_CIM_UINT64: return "uint64";
    case WBEMEV_CIM_REAL32: return "real32";
    case WBEMEV_CIM_REAL64: return "real64";
    case WBEMEV_CIM_BOOLEAN: return "boolean";
    case WBEMEV_CIM_CHAR16: return "char16";
    case WBEMEV_CIM_STRING: return "string";
    case WBEMEV_CIM_DATETIME: return "datetime";
    default: return NULL;
    }
}

/* The property's type as a C expression of type wbemev_cimtype. */
static void out_type_constant(gen_out *o, wbemev_cimtype type)
{
    if (WBEMEV_CIM_IS_ARRAY(type))
        out(o, "(wbemev_cimtype)(%s | WBEMEV_CIM_FLAG_ARRAY)", c_type_of(type).constant);
    else
        out(o, "%s", c_type_of(type).constant);
}

/* "T v" for a parameter: pointer types keep their '*' next to the name. */
static void out_param(gen_out *o, const char *ctype, const char *name)
{
    size_t len = strlen(ctype);
    out(o, "%s%s%s", ctype, ctype[len - 1] == '*' ? "" : " ", name);
}

/* A pointer to const T: "const int32_t *", "const char *const *". */
static void out_const_ptr(gen_out *o, const char *ctype)
{
    size_t len = strlen(ctype);
    if (ctype[len - 1] == '*')
        out(o, "%sconst *", ctype);
    else
        out(o, "const %s *", ctype);
}

/* "sint32 Severity", "string Tags[]", "Burst_Event REF Target", "object Payload" for comments. */
static void out_mof_decl(gen_out *o, const gen_prop *q)
{
    wbemev_cimtype base = WBEMEV_CIM_BASE(q->type);
    if (base == WBEMEV_CIM_REFERENCE)
        out(o, "%s REF %s", q->ref_class != NULL ? q->ref_class : "object", q->name);
    else if (base == WBEMEV_CIM_OBJECT && q->ref_class != NULL)
        out(o, "object %s (embedded %s)", q->name, q->ref_class);
    else
        out(o, "%s %s", wbemev_cimtype_name(base), q->name);
    if (WBEMEV_CIM_IS_ARRAY(q->type))
        out(o, "[]");
}

/* ---- the header ---- */

/* A getter's body through wbemev_value: arrays, references and embedded objects. */
static void emit_get_body(gen_out *o, c_type t, bool array, const char *cm, const char *h)
{
    out(o, "    wbemev_value v;\n    wbemev_status s = wbemev_object_get_h(obj, h->%s.%s, &v);\n", cm, h);
    out(o, "    if (WBEMEV_FAILED(s))\n        return s;\n    if (v.is_null)\n        return WBEMEV_E_ILLEGAL_NULL;\n");
    if (array) {
        out(o, "    if (items == NULL || count == NULL)\n        return WBEMEV_E_INVALID_PARAMETER;\n");
        out(o, "    *items = (");
        out_const_ptr(o, t.ctype);
        out(o, ")v.u.array.items;\n    *count = v.u.array.count;\n");
    } else {
        out(o, "    if (out == NULL)\n        return WBEMEV_E_INVALID_PARAMETER;\n");
        if (t.cast)
            out(o, "    *out = (%s)v.u.%s;\n", t.ctype, t.member);
        else
            out(o, "    *out = v.u.%s;\n", t.member);
    }
    out(o, "    return WBEMEV_S_NO_ERROR;\n}\n");
}

static void emit_accessors(gen_out *o, const gen_model *m, const gen_class *c, const gen_prop *q)
{
    char mb[256], cb[256];
    const char *p = m->prefix;
    const char *h = member(q->c_name, mb, sizeof mb);
    const char *cm = member(c->c_name, cb, sizeof cb);
    c_type t = c_type_of(q->type);
    bool array = WBEMEV_CIM_IS_ARRAY(q->type);
    out(o, "\n/* ");
    out_mof_decl(o, q);
    if (q->description != NULL) {
        out(o, "\n");
        out_comment_text(o, " * ", q->description);
    }
    out(o, " */\n");

    /* put */
    out(o, "static inline wbemev_status %s_put_%s(const %s_handles *h, wbemev_object_t *obj, ", c->c_name, q->c_name, p);
    const char *typed = array ? NULL : typed_put_suffix(q->type);
    if (array) {
        out_const_ptr(o, t.ctype);
        out(o, "items, size_t count)\n{\n");
        out(o, "    wbemev_value v = WBEMEV_V_ARRAY(%s, items, count);\n", t.constant);
    } else {
        out_param(o, t.ctype, "x");
        out(o, ")\n{\n");
        if (typed == NULL)
            out(o, "    wbemev_value v = WBEMEV_V_%s(x);\n", t.constant + strlen("WBEMEV_CIM_"));
    }
    if (typed != NULL) /* the typed Put: a handle check, a type check and a store */
        out(o, "    return wbemev_object_put_%s_h(obj, h->%s.%s, %sx);\n}\n", typed, cm, h,
            WBEMEV_CIM_BASE(q->type) == WBEMEV_CIM_DATETIME ? "&" : "");
    else
        out(o, "    return wbemev_object_put_h(obj, h->%s.%s, &v);\n}\n", cm, h);

    /* get */
    out(o, "static inline wbemev_status %s_get_%s(const %s_handles *h, const wbemev_object_t *obj, ", c->c_name,
        q->c_name, p);
    if (array) {
        out_const_ptr(o, t.ctype);
        out(o, "*items, size_t *count)\n{\n");
    } else {
        out(o, "%s%s*out)\n{\n", t.ctype, t.ctype[strlen(t.ctype) - 1] == '*' ? "" : " ");
    }
    if (typed != NULL) /* the typed Get: a handle check, a type check and a load */
        out(o, "    return wbemev_object_get_%s_h(obj, h->%s.%s, out);\n}\n", typed, cm, h);
    else
        emit_get_body(o, t, array, cm, h);

    /* clear, is_null */
    out(o, "static inline wbemev_status %s_clear_%s(const %s_handles *h, wbemev_object_t *obj)\n{\n", c->c_name,
        q->c_name, p);
    out(o, "    wbemev_value v = WBEMEV_V_NULL(WBEMEV_CIM_EMPTY);\n");
    out(o, "    return wbemev_object_put_h(obj, h->%s.%s, &v);\n}\n", cm, h);
    out(o, "static inline bool %s_is_null_%s(const %s_handles *h, const wbemev_object_t *obj)\n{\n", c->c_name,
        q->c_name, p);
    out(o, "    wbemev_value v;\n    return WBEMEV_SUCCEEDED(wbemev_object_get_h(obj, h->%s.%s, &v)) && v.is_null;\n}\n",
        cm, h);
}

static void emit_header(gen_out *o, const gen_model *m)
{
    const char *p = m->prefix;
    char *up = upper(p);
    char *guard = upper(m->header_name);
    for (char *s = guard; s != NULL && *s != '\0'; s++)
        if (!isalnum((unsigned char)*s))
            *s = '_';
    out(o, "/*\n * %s: generated by `wbemev gen` from %s. Do not edit: change the MOF and generate again.\n *\n",
        m->header_name, m->mof_name);
    out(o, " * For each class: its definition (%s_classes, %s_define_classes), its property handles\n", p, p);
    out(o, " * (%s_handles, resolved once by %s_init in the namespace the classes are defined in) and typed\n", p, p);
    out(o, " * accessors for its own properties: CLASS_put_PROP, CLASS_get_PROP (borrowed strings, arrays and\n");
    out(o, " * objects, as wbemev_object_get; WBEMEV_E_ILLEGAL_NULL for a NULL), CLASS_clear_PROP (sets NULL)\n");
    out(o, " * and CLASS_is_null_PROP. A subclass's object uses its superclass's accessors for inherited\n");
    out(o, " * properties. They return the statuses of wbemev_object_put_h and wbemev_object_get_h, or of the\n");
    out(o, " * typed wbemev_object_put_<type>_h and wbemev_object_get_<type>_h they call for scalars.\n");
    out(o, " * Thread-safety: that of the objects they are given; the handles are read-only after init.\n */\n");
    out(o, "#ifndef %s\n#define %s\n\n#include <wbemev.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n", guard,
        guard);

    out(o, "/* The classes, superclasses first. */\n");
    out(o, "#define %s_CLASS_COUNT %zu\n", up, m->class_count);
    out(o, "extern const wbemev_class_def %s_classes[%s_CLASS_COUNT];\n", p, up);
    for (size_t i = 0; i < m->class_count; i++) {
        const gen_class *c = &m->classes[i];
        char *cu = upper(c->c_name);
        out(o, "#define %s_CLASS_NAME \"%s\" /* %s_classes[%zu] */\n", cu, c->name, p, i);
        free(cu);
    }
    out(o, "\n/* Defines the classes in ns (wbemev_registration_define_classes: a class already there is kept\n"
           " * when skip_existing, else WBEMEV_E_ALREADY_EXISTS; on failure none stays defined). */\n");
    out(o, "wbemev_status %s_define_classes(wbemev_namespace_t *ns, bool skip_existing);\n", p);

    if (m->has_registration) {
        out(o, "\n/* The provider registration written in %s: its __Win32Provider, its classes and its\n"
               " * EventQueryList. */\n",
            m->mof_name);
        out(o, "extern const wbemev_registration %s_registration;\n", p);
        out(o, "extern const char *const %s_event_queries[%zu];\n", p, m->query_count);
        out(o, "extern const size_t %s_event_query_count;\n", p);
    }

    out(o, "\n/* Property handles: fill with %s_init, give back with %s_fini. */\n", p, p);
    for (size_t i = 0; i < m->class_count; i++) {
        const gen_class *c = &m->classes[i];
        char mb[256];
        out(o, "typedef struct %s_handles {\n    wbemev_class_t *cls; /* a reference, released by %s_fini */\n",
            c->c_name, p);
        for (size_t j = 0; j < c->prop_count; j++)
            out(o, "    wbemev_prop_handle %s;\n", member(c->props[j].c_name, mb, sizeof mb));
        out(o, "} %s_handles;\n", c->c_name);
    }
    out(o, "typedef struct %s_handles {\n", p);
    if (m->class_count == 0)
        out(o, "    int unused; /* no class */\n");
    for (size_t i = 0; i < m->class_count; i++) {
        char mb[256];
        out(o, "    %s_handles %s;\n", m->classes[i].c_name, member(m->classes[i].c_name, mb, sizeof mb));
    }
    out(o, "} %s_handles;\n\n", p);
    out(o, "/* Looks up every class in ns (defined already: %s_define_classes) and resolves its property\n"
           " * handles into *h. WBEMEV_E_INVALID_PARAMETER for NULL arguments, WBEMEV_E_NOT_FOUND for a class\n"
           " * or property missing from ns, WBEMEV_E_TYPE_MISMATCH for a property of another type there.\n"
           " * On failure *h holds no reference. */\n",
        p);
    out(o, "wbemev_status %s_init(%s_handles *h, wbemev_namespace_t *ns);\n", p, p);
    out(o, "/* Releases the class references of h (NULL, or a zeroed or failed h, is fine). */\n");
    out(o, "void %s_fini(%s_handles *h);\n", p, p);

    for (size_t i = 0; i < m->class_count; i++) {
        const gen_class *c = &m->classes[i];
        char cb[256];
        out(o, "\n/* ---- class %s", c->name);
        if (c->superclass != NULL)
            out(o, " : %s", c->superclass);
        out(o, " (%s:%u) ---- */\n", m->mof_name, c->line);
        if (c->description != NULL) {
            out(o, "/*\n");
            out_comment_text(o, " * ", c->description);
            out(o, " */\n");
        }
        out(o, "\n/* A new instance of %s, its properties at their defaults. */\n", c->name);
        out(o, "static inline wbemev_status %s_spawn(const %s_handles *h, wbemev_object_t **out)\n{\n", c->c_name, p);
        out(o, "    return wbemev_class_spawn_instance(h->%s.cls, out);\n}\n", member(c->c_name, cb, sizeof cb));
        for (size_t j = 0; j < c->prop_count; j++)
            emit_accessors(o, m, c, &c->props[j]);
    }
    out(o, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
    free(guard);
    free(up);
}

/* ---- the source ---- */

static void emit_source(gen_out *o, const gen_model *m, const char *source_name)
{
    const char *p = m->prefix;
    char *up = upper(p);
    out(o, "/*\n * %s: generated by `wbemev gen` from %s. Do not edit: change the MOF and generate again.\n */\n",
        source_name, m->mof_name);
    out(o, "#include \"%s\"\n\n#include <stddef.h>\n#include <string.h>\n\n", m->header_name);
    for (size_t i = 0; i < m->class_count; i++) {
        const gen_class *c = &m->classes[i];
        if (c->prop_count == 0)
            continue;
        out(o, "static const wbemev_property_def %s_properties[] = {\n", c->c_name);
        for (size_t j = 0; j < c->prop_count; j++) {
            const gen_prop *q = &c->props[j];
            out(o, "    {\"%s\", ", q->name);
            out_type_constant(o, q->type);
            out(o, ", ");
            if (q->ref_class != NULL) {
                out_c_string(o, q->ref_class);
                out(o, "},\n");
            } else
                out(o, "NULL},\n");
        }
        out(o, "};\n");
    }
    if (m->class_count == 0) {
        out(o, "const wbemev_class_def %s_classes[%s_CLASS_COUNT];\n", p, up);
    } else {
        out(o, "\nconst wbemev_class_def %s_classes[%s_CLASS_COUNT] = {\n", p, up);
        for (size_t i = 0; i < m->class_count; i++) {
            const gen_class *c = &m->classes[i];
            out(o, "    {\"%s\", ", c->name);
            if (c->superclass != NULL)
                out(o, "\"%s\", ", c->superclass);
            else
                out(o, "NULL, ");
            if (c->prop_count > 0)
                out(o, "%s_properties, sizeof %s_properties / sizeof %s_properties[0]},\n", c->c_name, c->c_name,
                    c->c_name);
            else
                out(o, "NULL, 0},\n");
        }
        out(o, "};\n");
    }

    out(o, "\nwbemev_status %s_define_classes(wbemev_namespace_t *ns, bool skip_existing)\n{\n", p);
    out(o, "    wbemev_registration classes_only;\n    memset(&classes_only, 0, sizeof classes_only);\n");
    out(o, "    classes_only.classes = %s_classes;\n    classes_only.class_count = %s_CLASS_COUNT;\n", p, up);
    out(o, "    return wbemev_registration_define_classes(&classes_only, ns, skip_existing);\n}\n");

    if (m->has_registration) {
        out(o, "\nconst char *const %s_event_queries[%zu] = {\n", p, m->query_count);
        for (size_t i = 0; i < m->query_count; i++) {
            out(o, "    ");
            out_c_string(o, m->queries[i]);
            out(o, ",\n");
        }
        out(o, "};\nconst size_t %s_event_query_count = sizeof %s_event_queries / sizeof %s_event_queries[0];\n", p, p, p);
        out(o, "\nconst wbemev_registration %s_registration = {\n    ", p);
        out_c_string(o, m->namespace_name);
        out(o, ",\n    ");
        out_c_string(o, m->provider_name);
        out(o, ",\n    ");
        if (m->clsid != NULL)
            out_c_string(o, m->clsid);
        else
            out(o, "NULL");
        out(o, ",\n    ");
        if (m->hosting_model != NULL)
            out_c_string(o, m->hosting_model);
        else
            out(o, "NULL");
        out(o, ",\n    %s_classes,\n    %s_CLASS_COUNT,\n    %s_event_queries,\n"
               "    sizeof %s_event_queries / sizeof %s_event_queries[0],\n};\n",
            p, up, p, p, p);
    }

    /* init walks a table (where each class reference and handle goes in PREFIX_handles) instead of
     * one call per property: the source stays small for a MOF of many classes. */
    for (size_t i = 0; i < m->class_count; i++) {
        const gen_class *c = &m->classes[i];
        char cb[256], mb[256];
        const char *cm = member(c->c_name, cb, sizeof cb);
        if (c->prop_count == 0)
            continue;
        out(o, "\nstatic const size_t %s_handle_offsets[] = {\n", c->c_name);
        for (size_t j = 0; j < c->prop_count; j++)
            out(o, "    offsetof(%s_handles, %s.%s),\n", p, cm, member(c->props[j].c_name, mb, sizeof mb));
        out(o, "};\n");
    }
    out(o, "\n/* Where %s_init puts each class of %s_classes and its property handles. */\n", p, p);
    out(o, "static const struct {\n    size_t cls;            /* offset of the class reference */\n"
           "    const size_t *handles; /* offsets of the handles, in the order of the class's props */\n"
           "} %s_layout[%s_CLASS_COUNT] = {\n",
        p, up);
    for (size_t i = 0; i < m->class_count; i++) {
        const gen_class *c = &m->classes[i];
        char cb[256];
        out(o, "    {offsetof(%s_handles, %s.cls), ", p, member(c->c_name, cb, sizeof cb));
        if (c->prop_count > 0)
            out(o, "%s_handle_offsets},\n", c->c_name);
        else
            out(o, "NULL},\n");
    }
    out(o, "};\n");
    out(o, "\n/* The handle of `name` in cls, when it has the type the MOF declares. */\n");
    out(o, "static wbemev_status %s_resolve(wbemev_class_t *cls, const char *name, wbemev_cimtype type,\n", p);
    out(o, "%*swbemev_prop_handle *out)\n{\n", (int)(strlen(p) + strlen("static wbemev_status _resolve(")), "");
    out(o, "    wbemev_property_info info;\n    wbemev_status s = wbemev_class_find_property(cls, name, &info);\n");
    out(o, "    if (WBEMEV_FAILED(s))\n        return s;\n    if (info.type != type)\n"
           "        return WBEMEV_E_TYPE_MISMATCH;\n    *out = info.handle;\n    return WBEMEV_S_NO_ERROR;\n}\n");
    out(o, "\nwbemev_status %s_init(%s_handles *h, wbemev_namespace_t *ns)\n{\n", p, p);
    out(o, "    if (h == NULL || ns == NULL)\n        return WBEMEV_E_INVALID_PARAMETER;\n");
    out(o, "    memset(h, 0, sizeof *h);\n    wbemev_status s = WBEMEV_S_NO_ERROR;\n");
    out(o, "    for (size_t i = 0; i < %s_CLASS_COUNT && WBEMEV_SUCCEEDED(s); i++) {\n", up);
    out(o, "        const wbemev_class_def *c = &%s_classes[i];\n", p);
    out(o, "        wbemev_class_t **cls = (wbemev_class_t **)(void *)((char *)h + %s_layout[i].cls);\n", p);
    out(o, "        s = wbemev_namespace_get_class(ns, c->name, cls);\n");
    out(o, "        for (size_t j = 0; j < c->prop_count && WBEMEV_SUCCEEDED(s); j++)\n");
    out(o, "            s = %s_resolve(*cls, c->props[j].name, c->props[j].type,\n", p);
    out(o, "%*s(wbemev_prop_handle *)(void *)((char *)h + %s_layout[i].handles[j]));\n",
        (int)(strlen("            s = _resolve(") + strlen(p)), "", p);
    out(o, "    }\n    if (WBEMEV_FAILED(s))\n        %s_fini(h);\n    return s;\n}\n", p);
    out(o, "\nvoid %s_fini(%s_handles *h)\n{\n    if (h == NULL)\n        return;\n", p, p);
    out(o, "    for (size_t i = 0; i < %s_CLASS_COUNT; i++)\n", up);
    out(o, "        wbemev_class_release(*(wbemev_class_t **)(void *)((char *)h + %s_layout[i].cls));\n", p);
    out(o, "    memset(h, 0, sizeof *h);\n}\n");
    free(up);
}

/* ---- from the document to the description ---- */

static const char *description_of(const wbemev_mof_qualifier *list, size_t count)
{
    const wbemev_mof_qualifier *d = wbemev_mof_find_qualifier(list, count, "Description");
    if (d == NULL || d->value.is_null || d->value.type != WBEMEV_CIM_STRING)
        return NULL;
    return d->value.u.string;
}

/* The namespace as a registration names it: "root\cimv2", without a "\\.\" (or "//./") machine
 * part that #pragma namespace may carry. */
static const char *registration_namespace(const char *ns)
{
    if (ns != NULL && (strncmp(ns, "\\\\.\\", 4) == 0 || strncmp(ns, "//./", 4) == 0))
        return ns + 4;
    return ns;
}

/* Appends the classes of doc in definition order: a class after its superclass and after the classes
 * its embedded objects and references name, when those are in the document too. A cycle of
 * references (or a chain deeper than the stack should go) keeps document order for the rest:
 * the reader's load reports what cannot be defined. */
static void place_class(const wbemev_mof_document_t *doc, const wbemev_mof_class *c, bool *placed, bool *visiting,
                        const wbemev_mof_class **order, size_t *n, unsigned depth)
{
    size_t count = wbemev_mof_document_class_count(doc);
    size_t index = 0;
    while (index < count && wbemev_mof_document_class_at(doc, index) != c)
        index++;
    if (index == count || placed[index] || visiting[index])
        return;
    visiting[index] = true;
    if (depth < 1024) {
        for (size_t k = 0; k <= c->property_count; k++) {
            const char *dep = k == 0 ? c->superclass : c->properties[k - 1].ref_class;
            const wbemev_mof_class *d = dep != NULL ? wbemev_mof_document_find_class(doc, dep) : NULL;
            if (d != NULL && d != c)
                place_class(doc, d, placed, visiting, order, n, depth + 1);
        }
    }
    placed[index] = true;
    order[(*n)++] = c;
}

/* True when a superclass of c found in the document declares `name`: a CIM override, which the
 * class inherits (as wbemev_namespace_load_mof defines it) instead of declaring again. */
static bool inherited_in_document(const wbemev_mof_document_t *doc, const wbemev_mof_class *c, const char *name)
{
    size_t depth = 0;
    for (const wbemev_mof_class *s = c->superclass != NULL ? wbemev_mof_document_find_class(doc, c->superclass) : NULL;
         s != NULL && s != c && depth < 256; depth++) {
        for (size_t j = 0; j < s->property_count; j++)
            if (strcasecmp(s->properties[j].name, name) == 0)
                return true;
        s = s->superclass != NULL ? wbemev_mof_document_find_class(doc, s->superclass) : NULL;
    }
    return false;
}

static bool build_model(const wbemev_mof_document_t *doc, gen_model *m)
{
    size_t count = wbemev_mof_document_class_count(doc);
    const wbemev_mof_class **order = calloc(count + 1, sizeof *order);
    bool *placed = calloc(count + 1, sizeof *placed), *visiting = calloc(count + 1, sizeof *visiting);
    m->classes = calloc(count + 1, sizeof *m->classes);
    bool ok = order != NULL && placed != NULL && visiting != NULL && m->classes != NULL;
    size_t n = 0;
    for (size_t i = 0; ok && i < count; i++)
        place_class(doc, wbemev_mof_document_class_at(doc, i), placed, visiting, order, &n, 0);
    for (size_t i = 0; ok && i < n; i++) {
        const wbemev_mof_class *src = order[i];
        gen_class *c = &m->classes[m->class_count++];
        c->name = src->name;
        c->superclass = src->superclass;
        c->description = description_of(src->qualifiers, src->qualifier_count);
        c->file = src->file;
        c->line = src->line;
        c->c_name = gen_c_name(src->name);
        c->props = calloc(src->property_count + 1, sizeof *c->props);
        if (c->c_name == NULL || c->props == NULL) {
            ok = false;
            break;
        }
        for (size_t j = 0; j < src->property_count; j++) {
            const wbemev_mof_property *sp = &src->properties[j];
            if (inherited_in_document(doc, src, sp->name))
                continue;
            gen_prop *q = &c->props[c->prop_count++];
            q->name = sp->name;
            q->type = sp->type;
            q->ref_class = sp->ref_class;
            q->description = description_of(sp->qualifiers, sp->qualifier_count);
            q->line = sp->line;
            q->c_name = gen_c_name(sp->name);
            if (q->c_name == NULL) {
                ok = false;
                break;
            }
            if (c_type_of(sp->type).ctype == NULL) {
                fprintf(stderr, "%s:%u: property '%s.%s' has a type C cannot be generated for\n", m->mof_path, sp->line,
                        src->name, sp->name);
                free(order), free(placed), free(visiting);
                return false;
            }
        }
    }
    free(order);
    free(placed);
    free(visiting);
    if (!ok) {
        tool_error("gen", "out of memory");
        return false;
    }
    const wbemev_registration *reg;
    wbemev_status st = wbemev_mof_document_registration(doc, &reg);
    if (WBEMEV_FAILED(st) && st != WBEMEV_E_NOT_FOUND) {
        char sbuf[160];
        fprintf(stderr, "%s: the provider registration (__Win32Provider, __EventProviderRegistration): %s\n",
                m->mof_path, tool_status_text(st, sbuf, sizeof sbuf));
        return false;
    }
    if (WBEMEV_SUCCEEDED(st)) {
        m->has_registration = true;
        m->namespace_name = registration_namespace(reg->namespace_name);
        m->provider_name = reg->provider_name;
        m->clsid = reg->clsid;
        m->hosting_model = reg->hosting_model;
        m->queries = reg->event_queries;
        m->query_count = reg->query_count;
        if (m->namespace_name == NULL)
            m->namespace_name = "root\\cimv2";
        if (m->provider_name == NULL || m->query_count == 0) {
            fprintf(stderr, "%s: the provider registration needs a __Win32Provider Name and an EventQueryList\n",
                    m->mof_path);
            return false;
        }
    }
    return true;
}

/* ---- the command ---- */

/* The default prefix: the MOF's file name without its directory and extension, as a C name. */
static char *default_prefix(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot != NULL && dot != base ? (size_t)(dot - base) : strlen(base);
    char *stem = malloc(len + 1);
    if (stem == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        stem[i] = isalnum((unsigned char)base[i]) ? base[i] : '_';
    stem[len] = '\0';
    char *prefix = gen_c_name(stem);
    free(stem);
    return prefix;
}

static bool valid_prefix(const char *s)
{
    if (s[0] == '\0' || s[0] == '_' || isdigit((unsigned char)s[0]))
        return false;
    for (const char *p = s; *p != '\0'; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
            return false;
    return !is_c_keyword(s);
}

static bool valid_file_name(const char *s)
{
    return s[0] != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static bool write_file(const char *dir, const char *name, const tool_text *t)
{
    char *path = format("%s/%s", dir, name);
    if (path == NULL) {
        tool_error("gen", "out of memory");
        return false;
    }
    FILE *f = fopen(path, "w");
    bool ok = f != NULL && fwrite(t->data, 1, t->length, f) == t->length;
    int saved = errno;
    if (f != NULL && fclose(f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok)
        tool_error("gen", "cannot write %s: %s", path, strerror(saved));
    free(path);
    return ok;
}

/* Derives names, checks them and writes both files (nothing when anything fails). */
static int generate(gen_model *m, const char *dir, const char *source_name)
{
    for (size_t i = 0; i < m->class_count; i++) {
        const gen_class *c = &m->classes[i];
        if (!valid_prefix(c->c_name) && !is_c_keyword(c->c_name)) {
            fprintf(stderr, "%s:%u: class '%s' gives no usable C name ('%s')\n", m->mof_path, c->line, c->name,
                    c->c_name);
            return EXIT_FAIL;
        }
    }
    if (m->class_count == 0) {
        fprintf(stderr, "%s: no class to generate C for\n", m->mof_path);
        return EXIT_FAIL;
    }
    if (!check_names(m))
        return EXIT_FAIL;
    gen_out h = {{NULL, 0, 0}, false}, s = {{NULL, 0, 0}, false};
    emit_header(&h, m);
    emit_source(&s, m, source_name);
    int rc = EXIT_FAIL;
    if (h.failed || s.failed)
        tool_error("gen", "out of memory");
    else if (write_file(dir, m->header_name, &h.text) && write_file(dir, source_name, &s.text))
        rc = EXIT_OK;
    tool_text_free(&h.text);
    tool_text_free(&s.text);
    return rc;
}

int tool_cmd_gen(int argc, char **argv)
{
    enum { OPT_HELP = 1, OPT_OUTPUT, OPT_PREFIX, OPT_HEADER, OPT_SOURCE };
    static const tool_option opts[] = {
        {"help", 'h', TOOL_NO_VALUE, OPT_HELP},       {"output", 'o', TOOL_VALUE, OPT_OUTPUT},
        {"prefix", 'p', TOOL_VALUE, OPT_PREFIX},      {"header", 0, TOOL_VALUE, OPT_HEADER},
        {"source", 0, TOOL_VALUE, OPT_SOURCE},        {NULL, 0, TOOL_NO_VALUE, 0},
    };
    tool_args a = {argc, argv, 1, "gen", false};
    const char *path = NULL, *dir = ".", *prefix_arg = NULL, *header_arg = NULL, *source_arg = NULL, *v;
    int id;
    while ((id = tool_next(&a, opts, &v)) != -1) {
        switch (id) {
        case -2: return EXIT_USAGE;
        case OPT_HELP: fputs(gen_usage, stdout); return EXIT_OK;
        case OPT_OUTPUT: dir = v; break;
        case OPT_PREFIX: prefix_arg = v; break;
        case OPT_HEADER: header_arg = v; break;
        case OPT_SOURCE: source_arg = v; break;
        default:
            if (path != NULL)
                return tool_usage_error("gen", "one MOF file only ('%s' and '%s')", path, v);
            path = v;
            break;
        }
    }
    if (path == NULL)
        return tool_usage_error("gen", "missing the MOF file");
    if (prefix_arg != NULL && !valid_prefix(prefix_arg))
        return tool_usage_error("gen", "--prefix needs a lower-case C identifier (letters, digits, '_'), not '%s'",
                                prefix_arg);
    if (header_arg != NULL && !valid_file_name(header_arg))
        return tool_usage_error("gen", "--header needs a file name without a directory, not '%s'", header_arg);
    if (source_arg != NULL && !valid_file_name(source_arg))
        return tool_usage_error("gen", "--source needs a file name without a directory, not '%s'", source_arg);

    char *prefix = prefix_arg != NULL ? format("%s", prefix_arg) : default_prefix(path);
    if (prefix == NULL) {
        tool_error("gen", "out of memory");
        return EXIT_FAIL;
    }
    if (!valid_prefix(prefix)) {
        int rc = tool_usage_error("gen", "'%s' gives no C prefix: give one with --prefix NAME", path);
        free(prefix);
        return rc;
    }
    char *header = header_arg != NULL ? format("%s", header_arg) : format("%s_mof.h", prefix);
    char *source = source_arg != NULL ? format("%s", source_arg) : format("%s_mof.c", prefix);

    int rc = EXIT_FAIL;
    wbemev_mof_document_t *doc = NULL;
    wbemev_mof_diagnostic err;
    memset(&err, 0, sizeof err);
    gen_model m;
    memset(&m, 0, sizeof m);
    char mof_name[256];
    /* The MOF's file name, for comments: no directory (the output is the same wherever it is
     * generated), nothing that could end a comment. */
    const char *base = strrchr(path, '/');
    snprintf(mof_name, sizeof mof_name, "%s", base != NULL ? base + 1 : path);
    for (char *c = mof_name; *c != '\0'; c++)
        if (*c < 0x20 || *c > 0x7e || *c == '*' || *c == '?' || *c == '\\')
            *c = '_';
    m.mof_name = mof_name;
    m.mof_path = path;
    m.prefix = prefix;
    m.header_name = header;
    if (header == NULL || source == NULL) {
        tool_error("gen", "out of memory");
        goto done;
    }
    wbemev_status st = wbemev_mof_parse_file(path, NULL, &doc, &err);
    if (WBEMEV_FAILED(st)) {
        char sbuf[160];
        if (err.text[0] != '\0')
            fputs(err.text, stderr);
        else
            tool_error("gen", "%s: %s", path, tool_status_text(st, sbuf, sizeof sbuf));
        goto done;
    }
    if (build_model(doc, &m))
        rc = generate(&m, dir, source);
done:
    model_free(&m);
    wbemev_mof_document_free(doc);
    free(prefix);
    free(header);
    free(source);
    return rc;
}
