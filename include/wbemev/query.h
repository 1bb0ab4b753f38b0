/*
 * wbemev/query.h: WQL event queries: parse, validate against a namespace, evaluate, print.
 *
 *   SELECT * | prop[, prop...] FROM EventClass [WITHIN interval]
 *     [WHERE expr]
 *     [GROUP WITHIN interval [BY [TargetInstance.]prop] [HAVING expr]]
 *
 * A compiled query is immutable and reference counted, so it may be shared between threads and
 * evaluated concurrently. Providers can use the same API to pre-filter at the source.
 */
#ifndef WBEMEV_QUERY_H
#define WBEMEV_QUERY_H

#include "object.h"

WBEMEV_BEGIN_DECLS

typedef struct wbemev_query_s wbemev_query_t;

/** WBEM_MAX_QUERY: longest query text, in characters. */
#define WBEMEV_MAX_QUERY 0x4000

/** Where and why a query was rejected. */
typedef struct wbemev_query_error {
    wbemev_status status; /**< WBEMEV_E_INVALID_QUERY, WBEMEV_E_UNPARSABLE_QUERY, ... */
    size_t column;        /**< 1-based column of the offending token; 0 when not positional */
    char message[256];    /**< a sentence naming what was expected, NUL-terminated */
} wbemev_query_error;

/**
 * Parses `text` (syntax only: no class lookups). *out receives a new reference. On failure `err`
 * (optional) says where and why. Thread-safe.
 */
WBEMEV_API wbemev_status wbemev_query_parse(const char *text, wbemev_query_t **out,
                                            wbemev_query_error *err);

/**
 * Parses `text` and validates it against `ns`: the FROM class exists (WBEMEV_E_INVALID_CLASS) and
 * derives from __Event (WBEMEV_E_NOT_EVENT_CLASS), every property exists
 * (WBEMEV_E_INVALID_PROPERTY), constants fit their property's type. The result can be evaluated.
 * Thread-safe.
 */
WBEMEV_API wbemev_status wbemev_query_compile(const char *text, wbemev_namespace_t *ns,
                                              wbemev_query_t **out, wbemev_query_error *err);

WBEMEV_API wbemev_query_t *wbemev_query_add_ref(wbemev_query_t *q);
WBEMEV_API void wbemev_query_release(wbemev_query_t *q);

/** The FROM class name as written (borrowed). */
WBEMEV_API const char *wbemev_query_class_name(const wbemev_query_t *q);
/** The FROM class (borrowed) of a compiled query; NULL for a query only parsed. */
WBEMEV_API wbemev_class_t *wbemev_query_class(const wbemev_query_t *q);
/** The original text (borrowed). */
WBEMEV_API const char *wbemev_query_text(const wbemev_query_t *q);

/**
 * True when `event` satisfies the query: its class is the FROM class or a subclass, and the WHERE
 * clause (if any) is true. Thread-safe on a compiled query; a query only parsed compares names.
 */
WBEMEV_API bool wbemev_query_matches(const wbemev_query_t *q, const wbemev_object_t *event);

/** True when the query has a WHERE clause. */
WBEMEV_API bool wbemev_query_has_where(const wbemev_query_t *q);

/**
 * Writes the normalized query text (keywords upper case, canonical spacing and quoting) into buf
 * and returns its length without the NUL, truncating like snprintf.
 */
WBEMEV_API size_t wbemev_query_format(const wbemev_query_t *q, char *buf, size_t size);

WBEMEV_END_DECLS

#endif /* WBEMEV_QUERY_H */
