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

#endif /* WBEMEV_WQL_H */
