/*
 * wbemev/query.h: WQL event queries: parse, validate against a namespace, evaluate, print.
 *
 *   SELECT * | prop[, prop...] FROM EventClass [WITHIN interval]
 *     [WHERE expr]
 *     [GROUP WITHIN interval [BY prop[, prop...]] [HAVING expr]] [;]
 *
 *   expr:  expr OR expr | expr AND expr | NOT expr | (expr)
 *        | prop op constant | constant op prop       op: = != <> < > <= >=
 *        | prop LIKE "pattern" | prop IS [NOT] NULL | prop ISA "Class"
 *   prop:  name[.name...]   (dotted through embedded objects: TargetInstance.Name)
 *   constants: 'str' "str" (escapes \\ \' \" and doubled quotes; any other backslash is literal),
 *              integers (decimal or 0x hex, optional leading -, 64 bits), reals (1.5, -2e-3),
 *              TRUE FALSE NULL
 *
 * Keywords and names are case-insensitive; keywords are reserved (a property cannot be named
 * FROM). AND binds tighter than OR; NOT applies to the whole comparison after it
 * (NOT Name LIKE "a%"). Intervals are positive numbers of seconds (reals allowed).
 *
 * Ownership and threads:
 *  1. A query starts with one reference owned by its creator; add_ref returns its argument,
 *     release frees at 0. Counts are atomic.
 *  2. A query is immutable once made: every function here may be called on one query from any
 *     number of threads at once. Strings returned are borrowed and live as long as the query.
 *  3. A compiled query holds a reference on its FROM class (not on the namespace).
 *
 * Errors (status, and wbemev_query_error for details):
 *  - WBEMEV_E_INVALID_PARAMETER: a NULL argument.
 *  - WBEMEV_E_UNPARSABLE_QUERY: the text cannot be read as a query at all: empty, not starting
 *    with SELECT, an unterminated string, invalid UTF-8.
 *  - WBEMEV_E_INVALID_QUERY: anything else wrong after SELECT: a character outside the language,
 *    a malformed number ("12ab"), a grammar error (missing FROM, a bad operand, two
 *    properties compared with each other, NULL with < >, IS followed by anything but [NOT] NULL,
 *    a boolean compared with < >, a non-positive interval, an integer beyond 64 bits), a text
 *    longer than WBEMEV_MAX_QUERY characters, a name longer than WBEMEV_MAX_IDENTIFIER, more than
 *    64 nested parentheses and NOTs.
 *  - WBEMEV_E_MISSING_GROUP_WITHIN: BY or HAVING without GROUP WITHIN.
 *  - WBEMEV_E_INVALID_PROPERTY: HAVING on anything but NumberOfEvents (also when only parsing);
 *    with a namespace: an unknown property, or a dotted path through a property that is not an
 *    embedded object.
 *  - compile only: WBEMEV_E_INVALID_CLASS (unknown FROM class or ISA class),
 *    WBEMEV_E_NOT_EVENT_CLASS (FROM class not derived from __Event), WBEMEV_E_TYPE_MISMATCH (a
 *    constant that does not fit its property, see below), WBEMEV_E_AGGREGATING_BY_OBJECT (GROUP
 *    BY an embedded object), WBEMEV_E_OUT_OF_MEMORY.
 *
 * Typing and evaluation (two-valued: what cannot be compared is false, and NOT of it true):
 *  - Integers of every width and reals compare by mathematical value, exactly (a uint64 of
 *    18446744073709551615 is greater than -1; 2^53 + 1 is not equal to 9007199254740992.0). A
 *    constant outside the property's range is allowed and simply never equal: uint8 = 300 is
 *    false, uint8 < 300 is true. Numbers and strings do not mix (TYPE_MISMATCH).
 *  - Strings and references: compared case-insensitively (ASCII) with = <> < > <= >=, and LIKE.
 *  - LIKE: % any run, _ one character, [abc] [a-z] one of, [^abc] none of; [%] [_] [[] match the
 *    character itself, a ']' first in a set is a member ("[]]"), a '[' without its ']' is an
 *    ordinary character. Characters are UTF-8 code points; case-insensitive (ASCII). No
 *    backtracking blow-up: O(len * pattern) at worst. LIKE on a property that is not a string
 *    (or reference) is a TYPE_MISMATCH.
 *  - Booleans: only = and <> (others are INVALID_QUERY); the constant may be TRUE, FALSE, 1, 0,
 *    -1 (VARIANT_TRUE) or the strings "TRUE"/"FALSE".
 *  - Datetimes: compared by instant (UTC offsets applied) with a DMTF string constant
 *    ("20240101120000.000000+000"); intervals only with intervals. Other strings: TYPE_MISMATCH.
 *  - char16: as its code (a number) or as a one-character string (case-insensitive).
 *  - Embedded objects: only ISA (class or any subclass, by name) and IS [NOT] NULL. Arrays: only
 *    IS [NOT] NULL.
 *  - NULL: prop = NULL, prop <> NULL and any comparison of a NULL property are false; only
 *    IS [NOT] NULL sees NULLs. A NULL embedded object makes every property below it NULL.
 *  - TargetInstance-like properties declared `object` without a ref_class can hold any class:
 *    names after them are not checked by compile and are looked up on the embedded object at
 *    evaluation (a missing property makes the comparison false, and IS [NOT] NULL false too).
 *    With a ref_class, the path is checked against that class.
 *  - System properties __CLASS, __SUPERCLASS, __DYNASTY, __DERIVATION, __GENUS,
 *    __PROPERTY_COUNT are readable; __PATH, __RELPATH, __SERVER and __NAMESPACE are NULL on events.
 *  - HAVING sees only NumberOfEvents, a uint32.
 *  - A NaN real compares unequal to everything (only <> holds).
 *  - Cost: a compiled query reads first-level properties through handles (no name lookups);
 *    names below an embedded object are looked up on it. Each node is evaluated at most once, so
 *    the work is bounded by the query's size plus its LIKE matches.
 */
#ifndef WBEMEV_QUERY_H
#define WBEMEV_QUERY_H

#include "object.h"

WBEMEV_BEGIN_DECLS

/** A parsed or compiled WQL query. Opaque, immutable, reference counted. */
typedef struct wbemev_query_s wbemev_query_t;

/** WBEM_MAX_QUERY: longest query text, in characters. */
#define WBEMEV_MAX_QUERY 0x4000

/** Where and why a query was rejected. */
typedef struct wbemev_query_error {
    wbemev_status status; /**< WBEMEV_E_INVALID_QUERY, WBEMEV_E_UNPARSABLE_QUERY, ... */
    size_t column;        /**< 1-based character position in the whole text of the offending
                               token (a newline counts as one character); 0 when not positional */
    char message[256];    /**< a sentence naming what was expected, NUL-terminated, ending with
                               "at column N" when column is not 0 */
} wbemev_query_error;

/**
 * Parses `text` (syntax only: no class lookups). *out receives a new reference. `err` (optional)
 * is filled on failure and cleared (status 0, empty message) on success. Thread-safe.
 */
WBEMEV_API wbemev_status wbemev_query_parse(const char *text, wbemev_query_t **out,
                                            wbemev_query_error *err);

/**
 * Parses `text` and validates it against `ns`: the FROM class exists (WBEMEV_E_INVALID_CLASS) and
 * derives from __Event (WBEMEV_E_NOT_EVENT_CLASS), every property exists
 * (WBEMEV_E_INVALID_PROPERTY), constants fit their property's type. The result can be evaluated.
 * `err` as for wbemev_query_parse. Thread-safe.
 */
WBEMEV_API wbemev_status wbemev_query_compile(const char *text, wbemev_namespace_t *ns,
                                              wbemev_query_t **out, wbemev_query_error *err);

/** Adds a reference to q and returns it. Thread-safe. */
WBEMEV_API wbemev_query_t *wbemev_query_add_ref(wbemev_query_t *q);
/** Drops a reference; the query is freed at 0. NULL is ignored. Thread-safe. */
WBEMEV_API void wbemev_query_release(wbemev_query_t *q);

/** The FROM class name as written (borrowed). */
WBEMEV_API const char *wbemev_query_class_name(const wbemev_query_t *q);
/** The FROM class (borrowed) of a compiled query; NULL for a query only parsed. */
WBEMEV_API wbemev_class_t *wbemev_query_class(const wbemev_query_t *q);
/** The original text (borrowed). */
WBEMEV_API const char *wbemev_query_text(const wbemev_query_t *q);

/**
 * True when `event` satisfies the query: its class is the FROM class or a subclass, and the WHERE
 * clause (if any) is true. A compiled query reads the first level of properties through handles
 * when the event's class is the class object it was compiled against or a subclass; otherwise (a
 * query only parsed, or a class deleted and defined again under the same name) the class is matched
 * by name (the event's class or one of its superclasses has the FROM name) and every property is
 * read by name.
 * NULL arguments give false. Thread-safe.
 */
WBEMEV_API bool wbemev_query_matches(const wbemev_query_t *q, const wbemev_object_t *event);

/** True when the query has a WHERE clause. */
WBEMEV_API bool wbemev_query_has_where(const wbemev_query_t *q);

/**
 * Writes the normalized query text into buf and returns its length without the NUL, truncating
 * like snprintf (buf may be NULL when size is 0). Normalized: keywords upper case, single spaces,
 * names as written, strings in double quotes (\\ and \" escaped), integers in decimal, reals in
 * their shortest exact form, != as <>, parentheses only where precedence needs them, no ';'.
 * wbemev_query_parse of the result formats identically.
 */
WBEMEV_API size_t wbemev_query_format(const wbemev_query_t *q, char *buf, size_t size);

WBEMEV_END_DECLS

#endif /* WBEMEV_QUERY_H */
