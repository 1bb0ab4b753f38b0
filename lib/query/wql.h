/*
 * lib/query/wql.h: what the layers above the WQL engine need of a compiled query beyond the public
 * API: the select list (projection) and GROUP WITHIN ... BY ... HAVING (aggregation). All
 * thread-safe; strings and values are borrowed from the query or the event. Not installed.
 */
#ifndef WBEMEV_WQL_H
#define WBEMEV_WQL_H

#include "model/model.h"

/** True for SELECT *. */
bool wbemev_query_selects_all(const wbemev_query_t *q);
/** Number of entries in the select list: 1 for SELECT * (whose one entry is "*"). */
size_t wbemev_query_select_count(const wbemev_query_t *q);
/** Select-list entry `index` as written, dotted paths normalized ("TargetInstance.Name"), "*"
 * for SELECT *; NULL when out of range. */
const char *wbemev_query_select_name(const wbemev_query_t *q, size_t index);
/**
 * True when top-level property `name` of the event is to be delivered: always for SELECT *;
 * otherwise when a select entry is `name` or starts with `name` and a dot (selecting TargetInstance.Name
 * delivers the whole TargetInstance, as WMI does), compared case-insensitively. System properties
 * ("__CLASS", ...) are always selected. NULL arguments give false.
 */
bool wbemev_query_selects(const wbemev_query_t *q, const char *name);

/** True when the query has WITHIN (a polling interval). */
bool wbemev_query_has_within(const wbemev_query_t *q);
/** The WITHIN interval in seconds, 0 when absent. */
double wbemev_query_within(const wbemev_query_t *q);

/** True when the query has GROUP WITHIN (deliver one __AggregateEvent per window). */
bool wbemev_query_has_group(const wbemev_query_t *q);
/** The GROUP WITHIN interval in seconds, 0 when absent. */
double wbemev_query_group_within(const wbemev_query_t *q);
/** Number of GROUP ... BY properties (0 when there is no BY). */
size_t wbemev_query_group_by_count(const wbemev_query_t *q);
/** GROUP ... BY property `index` as written ("TargetInstance.SourceName"); NULL when out of range. */
const char *wbemev_query_group_by_name(const wbemev_query_t *q, size_t index);
/** The first GROUP ... BY property, or NULL when there is none. */
const char *wbemev_query_group_by(const wbemev_query_t *q);
/**
 * Reads GROUP ... BY property `index` of `event`, following its dotted path, into *out (the value
 * points into the event, as wbemev_object_get's does). A NULL embedded object on the way gives a
 * NULL value. WBEMEV_E_INVALID_PARAMETER for NULL arguments or an index out of range,
 * WBEMEV_E_NOT_FOUND when a property on the path does not exist.
 */
wbemev_status wbemev_query_group_by_get(const wbemev_query_t *q, size_t index,
                                                   const wbemev_object_t *event, wbemev_value *out);

/** True when the query has HAVING. */
bool wbemev_query_has_having(const wbemev_query_t *q);
/**
 * Evaluates HAVING with NumberOfEvents = number_of_events: true when it holds or when there is no
 * HAVING clause; false for a NULL query.
 */
bool wbemev_query_having_matches(const wbemev_query_t *q, uint32_t number_of_events);

/* ---- filter indexing (indexable.c) ----
 * What a filter index may use of a WHERE clause: for each disjunct (operand of the top-level OR),
 * one conjunct that holds only when a property's value offers one of the term's keys (or lies in
 * its closed interval). Keys may match more than the comparison (hashes, doubles for 64-bit
 * integers, closed bounds): an index built on them narrows, and the WHERE is still evaluated. */
enum wbemev_query_index_domain {
    WBEMEV_QX_STR,    /* string or reference: hash of the ASCII-folded text */
    WBEMEV_QX_PREFIX, /* string: hash of its folded first prefix_len bytes (LIKE 'abc%') */
    WBEMEV_QX_NUM,    /* integer, real, char16 against a number: the value as a double */
    WBEMEV_QX_DTS,    /* datetime timestamp: microseconds as a double */
    WBEMEV_QX_DTI,    /* datetime interval: microseconds as a double */
    WBEMEV_QX_BOOL,   /* boolean: 0 or 1 */
    WBEMEV_QX_CH,     /* char16 against a one-character string: the folded character */
    WBEMEV_QX_ISA     /* embedded object: hash of the folded name of its class or a superclass */
};
/* Ordered domains (NUM, DTS, DTI) have ranges; their keys are the double's bits. */
#define WBEMEV_QUERY_INDEX_KEYS_MAX 4
#define WBEMEV_QUERY_INDEX_DISJUNCTS_MAX 64
typedef struct wbemev_query_index_key {
    uint8_t domain; /* enum wbemev_query_index_domain */
    bool ranged;    /* [lo, hi] in an ordered domain; else key */
    uint32_t prefix_len;
    uint64_t key;
    double lo, hi;
} wbemev_query_index_key;
typedef struct wbemev_query_index_term {
    uint32_t prop; /* the property (path) the keys are of: pass to wbemev_query_index_probe_event */
    uint64_t path_hash; /* wbemev_query_index_hash of its dotted path */
    uint32_t nkeys;
    wbemev_query_index_key keys[WBEMEV_QUERY_INDEX_KEYS_MAX];
} wbemev_query_index_term;
/**
 * One term per disjunct of q's WHERE, in *out (wbemev__malloc'd, the caller frees it), *count
 * terms; *count 0 when the clause cannot be indexed (no WHERE, or a disjunct without an indexable
 * conjunct). WBEMEV_E_INVALID_PARAMETER, WBEMEV_E_OUT_OF_MEMORY.
 */
wbemev_status wbemev_query_index_terms(const wbemev_query_t *q, wbemev_query_index_term **out, size_t *count);
/** The dotted path of property `prop` as written ("TargetInstance.Name"); NULL out of range. */
const char *wbemev_query_prop_path(const wbemev_query_t *q, uint32_t prop);
/** The hash STR, PREFIX and ISA keys are made of (ASCII case folded, as WQL compares). */
uint64_t wbemev_query_index_hash(const char *s, size_t len);
/* A key an event offers for one property: looked up as `key`; in ordered domains also the point
 * that ranges are stabbed with. */
typedef struct wbemev_query_index_probe {
    uint8_t domain;
    bool ordered;
    uint32_t prefix_len;
    uint64_t key;
    double point;
} wbemev_query_index_probe;
/**
 * The keys event offers for property `prop` of q (read as the evaluation reads it), into out (room
 * for max): for a string, also its prefixes of the lengths in prefix_lens. Returns the count (0:
 * no indexed comparison can hold: NULL, missing, an array), or max + 1 when out was too small.
 * *value: the value itself when it is a string or an exact number (see the type).
 */
/** What a probe read of the event's value, for the filter index to decide a WHERE with. */
typedef struct wbemev_query_probed_value {
    const char *str; /**< a string or reference (borrowed from the event), else NULL */
    bool has_number; /**< an integer of at most 32 bits or a real, not NaN: number is it, exactly */
    double number;
} wbemev_query_probed_value;
size_t wbemev_query_index_probe_event(const wbemev_query_t *q, uint32_t prop, const wbemev_object_t *event,
                                      const uint32_t *prefix_lens, size_t nprefix, wbemev_query_index_probe *out,
                                      size_t max, wbemev_query_probed_value *value);
/**
 * When q's whole WHERE is `prop = 'literal'` (either way round), the literal, and *prop the
 * property; NULL otherwise. Then an event whose value of that property is a string (str from
 * wbemev_query_index_probe_event) passes exactly when wbemev_query_strings_equal(str, literal):
 * the filter index decides such a subscription without evaluating it.
 */
/** An interval of numbers, each end open or closed (infinite ends are closed). */
typedef struct wbemev_query_range {
    double lo, hi;
    bool lo_open, hi_open;
} wbemev_query_range;
/**
 * When q's whole WHERE is one comparison (<, <=, >, >=, =) of a numeric property (an integer of
 * at most 32 bits, or a real) with a number exact as a double, or the AND of two such on the same
 * property: true, with *prop the property and *out the values that pass. Then an event whose
 * value of that property is an exact number (wbemev_query_probed_value) passes exactly when
 * wbemev_query_range_holds(out, number).
 */
bool wbemev_query_sole_range(const wbemev_query_t *q, uint32_t *prop, wbemev_query_range *out);
static inline bool wbemev_query_range_holds(const wbemev_query_range *r, double x)
{
    return (x > r->lo || (!r->lo_open && x == r->lo)) && (x < r->hi || (!r->hi_open && x == r->hi));
}
const char *wbemev_query_sole_string_eq(const wbemev_query_t *q, uint32_t *prop);

/**
 * q's test for the events of one class, made once for the class (a route makes one per
 * subscription): wbemev_query_filter_holds(f, event) is wbemev_query_matches(q, event) for every
 * event of that class, without the class checks, and for the commonest WHERE (one integer
 * comparison) one range test on the property's bits. Valid while q lives.
 */
typedef struct wbemev_query_filter {
    const wbemev_query_t *q;
    uint8_t kind;     /* wbemev_query_filter_make's */
    bool use_handles; /* the class derives from q's compiled FROM class */
    bool int_signed, int_outside;
    uint32_t index; /* the integer comparison's property, in the class */
    uint64_t lo, hi;
} wbemev_query_filter;
void wbemev_query_filter_make(const wbemev_query_t *q, const wbemev_class_t *cls, wbemev_query_filter *out);
bool wbemev_query_filter_holds(const wbemev_query_filter *f, const wbemev_object_t *event);
/** Strings equal as WQL's `=` compares them (ASCII case-insensitively). */
bool wbemev_query_strings_equal(const char *a, const char *b);

#endif /* WBEMEV_WQL_H */
