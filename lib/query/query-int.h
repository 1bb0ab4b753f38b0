/*
 * lib/query/query-int.h: the WQL engine's internals (lexer, parser, compiler, evaluator, formatter).
 *
 * A query is built in one pass by the parser into flat arrays that refer to each other by index
 * (nodes, properties, path segments, constants, one string pool), then left immutable. Compiling
 * against a namespace only fills in the properties' handles and static types and takes a reference
 * on the FROM class, so parse and compile share one representation and one evaluator.
 */
#ifndef WBEMEV_QUERY_INT_H
#define WBEMEV_QUERY_INT_H

#include "query/wql.h"

#include <stdarg.h>

/* Deepest nesting of parentheses and NOTs: keeps the recursive parser and evaluator shallow. */
#define WQ_MAX_DEPTH 64
/* Longest numeric literal, in characters (a real of more digits than a double holds is noise). */
#define WQ_MAX_NUMBER 256
/* "no index" in the node and list arrays */
#define WQ_NONE UINT32_MAX

#if defined(__GNUC__) || defined(__clang__)
#define WQ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define WQ_PRINTF(f, a)
#endif

/* ---- tokens (lexer.c) ---- */
typedef enum wq_tok_kind {
    WQ_T_EOF,
    WQ_T_IDENT,
    WQ_T_STRING,
    WQ_T_INT,
    WQ_T_REAL,
    WQ_T_STAR,
    WQ_T_COMMA,
    WQ_T_DOT,
    WQ_T_LPAREN,
    WQ_T_RPAREN,
    WQ_T_SEMI,
    WQ_T_EQ,
    WQ_T_NE,
    WQ_T_LT,
    WQ_T_GT,
    WQ_T_LE,
    WQ_T_GE,
    WQ_T_ERROR, /* a character or number the language does not have; .error says why */
    /* keywords (reserved: a property cannot be named like one) */
    WQ_T_SELECT,
    WQ_T_FROM,
    WQ_T_WHERE,
    WQ_T_WITHIN,
    WQ_T_GROUP,
    WQ_T_BY,
    WQ_T_HAVING,
    WQ_T_AND,
    WQ_T_OR,
    WQ_T_NOT,
    WQ_T_IS,
    WQ_T_ISA,
    WQ_T_LIKE,
    WQ_T_NULL,
    WQ_T_TRUE,
    WQ_T_FALSE
} wq_tok_kind;

typedef struct wq_token {
    wq_tok_kind kind;
    uint32_t off;    /* byte offset of the token in the text */
    uint32_t len;    /* byte length */
    uint32_t column; /* 1-based character position in the text */
    bool neg;        /* WQ_T_INT: written with a leading '-' */
    uint64_t mag;    /* WQ_T_INT: magnitude */
    double real;     /* WQ_T_REAL: value */
    const char *error; /* WQ_T_ERROR: a static message */
} wq_token;

/*
 * Splits text (len bytes, NUL-terminated) into tokens ending with WQ_T_EOF. *out is allocated with
 * wbemev__malloc. Only an unterminated string and invalid UTF-8 stop the lexer
 * (WBEMEV_E_UNPARSABLE_QUERY, err filled); other problems (a stray character, a malformed or too
 * large number, a name longer than WBEMEV_MAX_IDENTIFIER) become WQ_T_ERROR tokens, reported by the
 * parser where it meets them.
 */
wbemev_status wbemev__wq_lex(const char *text, size_t len, wq_token **out, size_t *count,
                             wbemev_query_error *err);
/* Decodes the string token tok (quotes, backslash escapes, doubled quotes) into dst, which has room
 * for tok->len bytes; returns the decoded length (dst is NUL-terminated). */
size_t wbemev__wq_decode_string(const char *text, const wq_token *tok, char *dst);
/* A short human name for a token kind ("FROM", "a string", "the end of the query"). */
const char *wbemev__wq_tok_name(wq_tok_kind kind);
/* Writes the C locale's decimal point as printf and strtod use it into dp; returns its length. */
size_t wbemev__wq_decimal_point(char *dp, size_t size);
/* Parses a real written as the lexer accepts it ([-]digits[.digits][e[+-]digits]), independent of
 * the C locale. Returns false on overflow to infinity. */
bool wbemev__wq_parse_real(const char *s, size_t len, double *out);

/* Fills err (when non-NULL): status, column and the formatted message, "... at column N" appended
 * when column is not 0. */
void wbemev__wq_set_error(wbemev_query_error *err, wbemev_status status, size_t column, const char *fmt, ...)
    WQ_PRINTF(4, 5);
/* Resets err (when non-NULL) to "no error": what a successful parse or compile leaves. */
void wbemev__wq_clear_error(wbemev_query_error *err);

/* ---- the query ---- */
typedef enum wq_const_kind {
    WQ_C_NULL,
    WQ_C_BOOL,
    WQ_C_INT, /* a negative integer: .i */
    WQ_C_UINT, /* a non-negative integer: .u */
    WQ_C_REAL,
    WQ_C_STRING
} wq_const_kind;

typedef struct wq_const {
    uint8_t kind;     /* wq_const_kind */
    bool boolean;     /* WQ_C_BOOL */
    bool has_dt;      /* WQ_C_STRING that parses as a DMTF datetime: dt_us and dt_interval hold it */
    bool dt_interval; /* ... an interval rather than a timestamp */
    bool has_ch;      /* WQ_C_STRING of exactly one BMP character: ch holds it */
    bool str_bool;    /* WQ_C_STRING spelling "TRUE" or "FALSE" (any case): str_bool_value */
    bool str_bool_value;
    uint16_t ch;
    uint32_t str;     /* WQ_C_STRING: pool offset of the decoded text */
    uint32_t str_len; /* its length in bytes */
    uint32_t column;
    int64_t i;
    uint64_t u;
    double r;
    int64_t dt_us; /* microseconds: since 1970-01-01 UTC for timestamps, the length for intervals */
} wq_const;

typedef struct wq_seg {
    uint32_t name;   /* pool offset */
    uint32_t column; /* where it was written */
} wq_seg;

typedef struct wq_prop {
    uint32_t seg_first; /* index of the first segment in segs */
    uint32_t seg_count; /* 1 for "Name", 2 for "TargetInstance.Name", ... */
    uint32_t path;      /* pool offset of the dotted text as written */
    uint32_t column;
    /* compile.c fills these; a parsed query leaves has_handle false and type ILLEGAL */
    bool has_handle;           /* the first segment is read through `handle` */
    wbemev_prop_handle handle; /* valid on the FROM class and its subclasses */
    wbemev_cimtype type;       /* static type of the last segment, ILLEGAL when not known */
} wq_prop;

typedef enum wq_node_kind {
    WQ_N_AND, /* children: child, then each child's next */
    WQ_N_OR,
    WQ_N_NOT,
    WQ_N_CMP,   /* prop op cst (or cst op prop when const_left) */
    WQ_N_ISNULL,
    WQ_N_ISNOTNULL,
    WQ_N_ISA    /* prop ISA cst (a string: the class name) */
} wq_node_kind;

typedef enum wq_op { WQ_OP_EQ, WQ_OP_NE, WQ_OP_LT, WQ_OP_GT, WQ_OP_LE, WQ_OP_GE, WQ_OP_LIKE } wq_op;

/* int_cmp keys: a signed value's bits with this flipped order as unsigned keys (compile.c). */
#define WQ_SIGN_BIT ((uint64_t)1 << 63)

typedef struct wq_node {
    uint8_t kind;    /* wq_node_kind */
    uint8_t op;      /* wq_op as written */
    uint8_t eval_op; /* the same comparison with the property on the left */
    bool const_left; /* written "constant op property" */
    bool int_cmp;    /* CMP of an integer property read by handle with an integer constant: eval.c
                      * compares the slot's bits directly (compile.c sets it) */
    bool int_signed; /* int_cmp: the property is signed; its bits are compared with the sign bit
                      * flipped, so that both kinds order as unsigned keys */
    bool int_outside; /* int_cmp: the comparison holds outside [int_lo, int_hi] (<>) */
    uint64_t int_lo, int_hi; /* int_cmp: the keys the comparison holds on (lo > hi: none) */
    uint32_t child;  /* AND/OR/NOT: first operand */
    uint32_t next;   /* next sibling under an AND/OR, or WQ_NONE */
    uint32_t prop;   /* CMP/ISNULL/ISNOTNULL/ISA */
    uint32_t cst;    /* CMP/ISA */
    uint32_t column;
} wq_node;

struct wbemev_query_s {
    wbemev__refcount refs;
    char *text;
    char *pool;
    wq_node *nodes;
    wq_prop *props;
    wq_seg *segs;
    wq_const *consts;
    uint32_t *select;   /* property indices of the select list (empty for SELECT *) */
    uint32_t *group_by; /* property indices of GROUP ... BY */
    size_t node_count, prop_count, seg_count, const_count, pool_len;
    size_t select_count, group_by_count;
    bool select_all;
    bool has_within;
    bool has_group;
    bool has_semicolon;
    uint32_t within;       /* const index */
    uint32_t group_within; /* const index */
    uint32_t where;        /* node index or WQ_NONE */
    uint32_t having;       /* node index or WQ_NONE */
    uint32_t class_name;   /* pool offset */
    uint32_t class_column;
    wbemev_class_t *cls; /* the FROM class of a compiled query (a reference), NULL when parsed */
};

static inline const char *wq_str(const wbemev_query_t *q, uint32_t off)
{
    return q->pool + off;
}

/* parser.c: builds a query (refcount 1) from text; no class lookups. */
wbemev_status wbemev__wq_parse(const char *text, wbemev_query_t **out, wbemev_query_error *err);
/* query.c: frees a query whatever state the parser left it in. */
void wbemev__wq_free(wbemev_query_t *q);

/* compile.c: the static checks shared with eval.c */
/* True when name is a system property the evaluator knows (__CLASS, ...); *type receives its type. */
bool wbemev__wq_system_property(const char *name, wbemev_cimtype *type);

/* eval.c */
typedef struct wq_ctx {
    const wbemev_query_t *q;
    const wbemev_object_t *event;
    bool use_handles; /* event's class derives from the compiled FROM class: handles are valid */
    const wbemev_value *number_of_events; /* HAVING: the value every property reads */
} wq_ctx;
/* Evaluates the expression rooted at node. */
bool wbemev__wq_eval(const wq_ctx *cx, uint32_t node);
/* Reads property `prop` of cx->event following its path. WBEMEV_E_NOT_FOUND when a segment does
 * not exist; a NULL embedded object on the way gives a NULL value. */
wbemev_status wbemev__wq_get_property(const wq_ctx *cx, const wq_prop *prop, wbemev_value *out);
/* Instant of a datetime in microseconds (see wq_const.dt_us). */
int64_t wbemev__wq_datetime_us(const wbemev_datetime *dt);
/* Case-insensitive LIKE (%, _, [set], [^set], [a-z]) in O(len(s) * len(pattern)) at worst. */
bool wbemev__wq_like(const char *s, const char *pattern);

#endif /* WBEMEV_QUERY_INT_H */
