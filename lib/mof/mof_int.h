/*
 * lib/mof/mof_int.h: what the files of the MOF reader share. Not installed.
 *
 * The reader is a pipeline: source.c reads a file (size limit, BOM, UTF-16), lexer.c cuts it into
 * tokens, the parse_*.c files build the document's views in its arena (arena.c), parser.c handles
 * the top level, the pragmas and the includes, values.c turns literals into typed values.
 * diag.c formats every error and warning. After parsing, order.c gives the classes in dependency
 * order, which loader.c (wbemev_namespace_load_mof) and registration.c use. document.c holds the
 * public views. Parsing stops at the first error; everything allocated is in the arena or in the
 * parser's list of sources, so one free undoes any partial parse.
 */
#ifndef WBEMEV_MOF_INT_H
#define WBEMEV_MOF_INT_H

#include <stdarg.h>

#include "base/base.h"

#if defined(__GNUC__) || defined(__clang__)
#define WBEMEV__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define WBEMEV__VPRINTF(f) __attribute__((format(printf, f, 0)))
#else
#define WBEMEV__VPRINTF(f)
#define WBEMEV__PRINTF(f, a)
#endif

#define WBEMEV__MOF_DEFAULT_INCLUDE_DEPTH 32u
#define WBEMEV__MOF_MAX_INCLUDE_DEPTH 256u
/* Properties, methods, parameters, instance values and qualifiers of one declaration: the model's
 * own property limit; they also keep the duplicate checks (linear scans) bounded. */
#define WBEMEV__MOF_MAX_ITEMS ((size_t)WBEMEV_MAX_PROPERTIES)
#define WBEMEV__MOF_DEFAULT_NESTING 64u
#define WBEMEV__MOF_DEFAULT_FILE_BYTES ((size_t)64 << 20)
#define WBEMEV__MOF_DEFAULT_TOTAL_BYTES ((size_t)1 << 30)

/* ---- arena.c: bump allocation, freed all at once ---- */
typedef struct wbemev__mof_chunk wbemev__mof_chunk;
typedef struct wbemev__mof_arena {
    wbemev__mof_chunk *head;
} wbemev__mof_arena;

void *wbemev__mof_alloc(wbemev__mof_arena *a, size_t size); /* zeroed; NULL when out of memory */
void *wbemev__mof_alloc_array(wbemev__mof_arena *a, size_t count, size_t size); /* overflow-checked */
char *wbemev__mof_strndup(wbemev__mof_arena *a, const char *s, size_t n);
void wbemev__mof_arena_free(wbemev__mof_arena *a);

/* A growable array in the arena (growing copies; the old block stays until the arena goes). */
typedef struct wbemev__mof_vec {
    void *items;
    size_t count, cap;
} wbemev__mof_vec;
void *wbemev__mof_vec_push(wbemev__mof_arena *a, wbemev__mof_vec *v, size_t elem_size); /* zeroed */

/* A growable heap text buffer (the lexer's string scratch). */
typedef struct wbemev__mof_buf {
    char *data;
    size_t len, cap;
    bool out_of_memory; /* an append failed */
} wbemev__mof_buf;
bool wbemev__mof_buf_append(wbemev__mof_buf *b, const char *s, size_t n);
bool wbemev__mof_buf_put_utf8(wbemev__mof_buf *b, uint32_t c);

/* ---- name indexes (document.c): case-insensitive name -> index, open addressing ---- */
typedef const char *(*wbemev__mof_name_at)(const void *ctx, size_t index);
typedef struct wbemev__mof_index {
    uint32_t *slots; /* index + 1; 0: empty. A power of 2, at most half full. */
    size_t cap, count;
} wbemev__mof_index;
/* Adds entry `index` (its name from name_at); false when out of memory. */
bool wbemev__mof_index_add(wbemev__mof_index *ix, wbemev__mof_name_at name_at, const void *ctx, size_t index);
/* The entry named `name`, or SIZE_MAX. */
size_t wbemev__mof_index_find(const wbemev__mof_index *ix, wbemev__mof_name_at name_at, const void *ctx,
                              const char *name);

/* ---- document (document.c) ---- */
typedef struct wbemev__mof_class_slot {
    wbemev_mof_class view;
    wbemev__mof_vec props, methods; /* filled while parsing, then pointed to by view */
} wbemev__mof_class_slot;

struct wbemev_mof_document {
    wbemev__mof_arena arena;
    wbemev__mof_vec classes;         /* wbemev_mof_class */
    wbemev__mof_vec instances;       /* wbemev_mof_instance */
    wbemev__mof_vec qualifier_types; /* wbemev_mof_qualifier */
    wbemev__mof_vec pragmas;         /* wbemev_mof_pragma */
    wbemev__mof_index class_index; /* classes by name */
    wbemev_status reg_status; /* what wbemev_mof_document_registration answers */
    wbemev_registration reg;
};

wbemev_mof_document_t *wbemev__mof_document_new(void);
/* Indexes class number `index`; false when out of memory. */
bool wbemev__mof_document_index_class(wbemev_mof_document_t *doc, size_t index);
/* The index of the class named name, or SIZE_MAX. */
size_t wbemev__mof_document_class_index(const wbemev_mof_document_t *doc, const char *name);
const wbemev_mof_qualifier *wbemev__mof_document_find_qualifier_type(const wbemev_mof_document_t *doc,
                                                                    const char *name);

/* ---- diag.c ---- */
typedef struct wbemev__mof_pos {
    const char *file;       /* the file's name */
    const char *line_start; /* the source line, or NULL */
    const char *text_end;   /* the end of its text */
    unsigned line, column;
} wbemev__mof_pos;

void wbemev__mof_diag_fill(wbemev_mof_diagnostic *d, wbemev_status status, const wbemev__mof_pos *at,
                           const char *fmt, va_list ap) WBEMEV__VPRINTF(4);
void wbemev__mof_diag_set(wbemev_mof_diagnostic *d, wbemev_status status, const wbemev__mof_pos *at,
                          const char *fmt, ...) WBEMEV__PRINTF(4, 5);

/* ---- source.c: one file's text ---- */
typedef struct wbemev__mof_source {
    struct wbemev__mof_source *next; /* the parser's list, freed at the end */
    char *name;                      /* as resolved */
    char *text;                      /* UTF-8, NUL-terminated, BOM removed */
    size_t length;
} wbemev__mof_source;

/* Reads a file (a regular file of at most max_bytes) into *out. On failure *why says why (a
 * static message) and the status is WBEMEV_E_NOT_FOUND, WBEMEV_E_QUOTA_VIOLATION,
 * WBEMEV_MOF_E_INVALID_FILE or WBEMEV_E_OUT_OF_MEMORY. */
wbemev_status wbemev__mof_source_read(const char *path, size_t max_bytes, wbemev__mof_source **out,
                                      const char **why);
/* Makes a source from text in memory (decoded as a file would be). */
wbemev_status wbemev__mof_source_from_text(const char *name, const char *text, size_t length,
                                           wbemev__mof_source **out, const char **why);
void wbemev__mof_source_free(wbemev__mof_source *s);
/* The path of `target` relative to the directory of `including` (NULL: the working directory);
 * heap-allocated. */
char *wbemev__mof_path_join(const char *including, const char *target);

/* ---- lexer.c ---- */
typedef enum wbemev__mof_tk {
    WBEMEV__MOF_TK_EOF,
    WBEMEV__MOF_TK_IDENT,
    WBEMEV__MOF_TK_INT,    /* text in start/len; value in u64 and negative */
    WBEMEV__MOF_TK_REAL,   /* value in real */
    WBEMEV__MOF_TK_STRING, /* decoded, adjacent literals joined: in the lexer's buf */
    WBEMEV__MOF_TK_CHAR,   /* value in u64 */
    WBEMEV__MOF_TK_ALIAS,  /* $name: the name in start/len, without '$' */
    WBEMEV__MOF_TK_PRAGMA, /* #pragma */
    WBEMEV__MOF_TK_PUNCT   /* one of ( ) { } [ ] ; , : = */
} wbemev__mof_tk;

typedef struct wbemev__mof_token {
    wbemev__mof_tk kind;
    const char *start;
    size_t len;
    char punct;
    bool negative;
    uint64_t u64;
    double real;
    wbemev__mof_pos pos;
} wbemev__mof_token;

typedef struct wbemev__mof_lexer {
    const wbemev__mof_source *src;
    const char *p, *end;
    const char *line_start;
    unsigned line;
    const char *col_p; /* the column of col_p is col: columns are counted on from there */
    unsigned col;
    wbemev__mof_buf buf; /* the current string token's text */
    wbemev_mof_diagnostic *err;
} wbemev__mof_lexer;

void wbemev__mof_lexer_init(wbemev__mof_lexer *lx, const wbemev__mof_source *src, wbemev_mof_diagnostic *err);
void wbemev__mof_lexer_fini(wbemev__mof_lexer *lx);
/* The next token into *t; false on a lexical error (err filled). */
bool wbemev__mof_lexer_next(wbemev__mof_lexer *lx, wbemev__mof_token *t);

/* ---- the parser (parser.c and parse_*.c) ---- */
/* An alias reference waiting for the whole document: instance and property index, element index
 * (SIZE_MAX for a scalar). */
typedef struct wbemev__mof_alias_ref {
    size_t instance, property, element;
    const char *alias;
    wbemev__mof_pos pos;
} wbemev__mof_alias_ref;

typedef struct wbemev__mof_parser {
    wbemev_mof_document_t *doc;
    wbemev__mof_lexer *lx; /* the file being read */
    wbemev__mof_token tok; /* the current token */
    wbemev_mof_diagnostic *err;
    const wbemev_mof_options *opts;
    unsigned max_include_depth, max_nesting;
    size_t max_file_bytes, max_total_bytes, total_bytes;
    unsigned include_depth, nesting;
    const char *include_stack[WBEMEV__MOF_MAX_INCLUDE_DEPTH + 1]; /* resolved names */
    wbemev__mof_source *sources;
    const char *namespace_name; /* in the arena */
    const char *file_name;      /* the current file's name, in the arena */
    wbemev__mof_vec alias_refs; /* wbemev__mof_alias_ref */
    wbemev__mof_index alias_index; /* instances by alias */
    bool failed;
} wbemev__mof_parser;

/* parser.c */
bool wbemev__mof_fail(wbemev__mof_parser *p, wbemev_status s, const char *fmt, ...) WBEMEV__PRINTF(3, 4);
bool wbemev__mof_fail_at(wbemev__mof_parser *p, const wbemev__mof_pos *at, wbemev_status s,
                         const char *fmt, ...) WBEMEV__PRINTF(4, 5);
void wbemev__mof_warn(wbemev__mof_parser *p, const wbemev__mof_pos *at, const char *fmt, ...)
    WBEMEV__PRINTF(3, 4);
bool wbemev__mof_advance(wbemev__mof_parser *p);
bool wbemev__mof_is_punct(const wbemev__mof_parser *p, char c);
bool wbemev__mof_is_word(const wbemev__mof_parser *p, const char *word); /* case-insensitive */
bool wbemev__mof_expect(wbemev__mof_parser *p, char c, const char *after);
/* The current identifier copied to the arena, then advances; NULL and fails when it is none. */
char *wbemev__mof_take_ident(wbemev__mof_parser *p, const char *what);
char *wbemev__mof_take_string(wbemev__mof_parser *p, const char *what);
wbemev_status wbemev__mof_parse_source(wbemev__mof_parser *p, wbemev__mof_source *src);

/* values.c: a literal as written, before it has a type */
typedef enum wbemev__mof_lit_kind {
    WBEMEV__MOF_LIT_INT,
    WBEMEV__MOF_LIT_REAL,
    WBEMEV__MOF_LIT_STRING,
    WBEMEV__MOF_LIT_CHAR,
    WBEMEV__MOF_LIT_BOOL,
    WBEMEV__MOF_LIT_NULL,
    WBEMEV__MOF_LIT_ALIAS,
    WBEMEV__MOF_LIT_OBJECT, /* an embedded `instance of` */
    WBEMEV__MOF_LIT_ARRAY
} wbemev__mof_lit_kind;

typedef struct wbemev__mof_lit {
    wbemev__mof_lit_kind kind;
    bool negative, boolean;
    uint64_t u64;
    double real;
    const char *str; /* string, alias name (arena) */
    struct wbemev__mof_lit *items;
    size_t count;
    wbemev__mof_pos pos;
} wbemev__mof_lit;

/* Parses a literal, or `{ literal, ... }` when allow_array. */
bool wbemev__mof_parse_literal(wbemev__mof_parser *p, bool allow_array, wbemev__mof_lit *out);
/* Converts lit to `type` (WBEMEV_CIM_EMPTY: the literal's own type) into *out, in the arena. A
 * scalar given for an array type becomes one element when `lenient`. */
bool wbemev__mof_convert(wbemev__mof_parser *p, const wbemev__mof_lit *lit, wbemev_cimtype type, bool lenient,
                         wbemev_value *out);

/* parse_qualifier.c */
typedef struct wbemev__mof_quals {
    wbemev_mof_qualifier *items;
    size_t count;
} wbemev__mof_quals;
/* `[ ... ]` when the current token is '['; else an empty list. */
bool wbemev__mof_parse_qualifier_list(wbemev__mof_parser *p, wbemev__mof_quals *out);
/* `Qualifier Name : type ... ;` (the current token is the word Qualifier). */
bool wbemev__mof_parse_qualifier_decl(wbemev__mof_parser *p);

/* parse_class.c: the current token is the word class */
bool wbemev__mof_parse_class(wbemev__mof_parser *p, const wbemev__mof_quals *quals);
/* A type name into *type and *ref_class (the class of a class-named type); the current token is
 * the type's first word. void_ok for method return types. */
bool wbemev__mof_parse_type(wbemev__mof_parser *p, bool void_ok, wbemev_cimtype *type, char **ref_class);

/* parse_instance.c: the current token is the word instance */
bool wbemev__mof_parse_instance(wbemev__mof_parser *p, const wbemev__mof_quals *quals, bool embedded);
/* Replaces alias references by object paths, once the whole document is read. */
bool wbemev__mof_resolve_aliases(wbemev__mof_parser *p);

/* order.c: the document's classes in dependency order: superclasses always first, classes a
 * REF or an embedded object names first when that does not close a cycle. *order (heap,
 * wbemev__free) receives every class index once. WBEMEV_E_INVALID_SUPERCLASS for a superclass
 * cycle (*bad_class: a class on it), WBEMEV_E_OUT_OF_MEMORY. */
wbemev_status wbemev__mof_order_classes(const wbemev_mof_document_t *doc, size_t **order, size_t *bad_class);
/* The document class a property refers to (REF class or embedded class), or SIZE_MAX. */
size_t wbemev__mof_property_target(const wbemev_mof_document_t *doc, const wbemev_mof_property *prop);
/* True when a document ancestor of c declares a property of that name (a CIM override). */
bool wbemev__mof_property_is_override(const wbemev_mof_document_t *doc, const wbemev_mof_class *c,
                                      const char *name);
/* Names starting with "__": WMI's system classes. */
bool wbemev__mof_is_system_name(const char *name);

/* registration.c: fills doc->reg and doc->reg_status after parsing */
wbemev_status wbemev__mof_build_registration(wbemev_mof_document_t *doc);

#endif /* WBEMEV_MOF_INT_H */
