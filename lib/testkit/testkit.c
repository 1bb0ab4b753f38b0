/*
 * lib/testkit/testkit.c: the provider test kit (wbemev/testkit.h), built on the public API.
 */
#include "wbemev/testkit.h"

#include <string.h>

static bool scalar_equal(wbemev_cimtype base, const void *a, const void *b)
{
    switch (base) {
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE:
        return strcmp(*(const char *const *)a, *(const char *const *)b) == 0;
    case WBEMEV_CIM_DATETIME:
        return wbemev_datetime_equal(a, b);
    default:
        return memcmp(a, b, wbemev_cimtype_element_size(base)) == 0;
    }
}

bool wbemev_value_equal(const wbemev_value *a, const wbemev_value *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    if (a->type != b->type || a->is_null != b->is_null)
        return false;
    if (a->is_null)
        return true;
    wbemev_cimtype base = WBEMEV_CIM_BASE(a->type);
    if (WBEMEV_CIM_IS_ARRAY(a->type)) {
        if (a->u.array.count != b->u.array.count)
            return false;
        size_t es = wbemev_cimtype_element_size(base);
        for (size_t i = 0; i < a->u.array.count; i++)
            if (!scalar_equal(base, (const char *)a->u.array.items + i * es,
                              (const char *)b->u.array.items + i * es))
                return false;
        return true;
    }
    switch (base) {
    case WBEMEV_CIM_SINT8: case WBEMEV_CIM_SINT16: case WBEMEV_CIM_SINT32: case WBEMEV_CIM_SINT64:
        return a->u.sint == b->u.sint;
    case WBEMEV_CIM_UINT8: case WBEMEV_CIM_UINT16: case WBEMEV_CIM_UINT32: case WBEMEV_CIM_UINT64:
        return a->u.uint == b->u.uint;
    case WBEMEV_CIM_REAL32: case WBEMEV_CIM_REAL64:
        return a->u.real == b->u.real;
    case WBEMEV_CIM_BOOLEAN:
        return a->u.boolean == b->u.boolean;
    case WBEMEV_CIM_CHAR16:
        return a->u.char16 == b->u.char16;
    case WBEMEV_CIM_STRING: case WBEMEV_CIM_REFERENCE:
        return strcmp(a->u.string, b->u.string) == 0;
    case WBEMEV_CIM_DATETIME:
        return wbemev_datetime_equal(&a->u.datetime, &b->u.datetime);
    case WBEMEV_CIM_OBJECT:
        return a->u.object == b->u.object;
    default:
        return false;
    }
}

static bool matches(wbemev_object_t *e, const char *class_name, const char *property, const wbemev_value *value)
{
    if (e == NULL)
        return false;
    if (class_name != NULL && !wbemev_class_is_a(wbemev_object_class(e), class_name))
        return false;
    if (property == NULL)
        return true;
    wbemev_value got;
    if (WBEMEV_FAILED(wbemev_object_get(e, property, &got)))
        return false;
    if (value == NULL || value->is_null)
        return got.is_null;
    return wbemev_value_equal(&got, value);
}

/* Event number i, or NULL (the sink was cleared meanwhile). */
static wbemev_object_t *event_at(wbemev_sink_t *recording, size_t i)
{
    wbemev_object_t *e = NULL;
    return WBEMEV_SUCCEEDED(wbemev_recording_sink_event_at(recording, i, &e)) ? e : NULL;
}

size_t wbemev_testkit_count_where(wbemev_sink_t *recording, const char *class_name, const char *property,
                                  const wbemev_value *value)
{
    size_t n = 0, total = wbemev_recording_sink_count(recording);
    for (size_t i = 0; i < total; i++)
        n += matches(event_at(recording, i), class_name, property, value);
    return n;
}

size_t wbemev_testkit_count(wbemev_sink_t *recording, const char *class_name)
{
    return wbemev_testkit_count_where(recording, class_name, NULL, NULL);
}

wbemev_object_t *wbemev_testkit_find(wbemev_sink_t *recording, const char *class_name, const char *property,
                                     const wbemev_value *value)
{
    size_t total = wbemev_recording_sink_count(recording);
    for (size_t i = 0; i < total; i++) {
        wbemev_object_t *e = event_at(recording, i);
        if (matches(e, class_name, property, value))
            return e;
    }
    return NULL;
}

wbemev_status wbemev_testkit_failing_consumer_new(size_t after, wbemev_status status, wbemev_sink_t **out)
{
    if (out == NULL || WBEMEV_SUCCEEDED(status))
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_sink_t *s;
    wbemev_status st = wbemev_recording_sink_new(&s);
    if (WBEMEV_FAILED(st))
        return st;
    wbemev_recording_sink_fail_after(s, after, status);
    *out = s;
    return WBEMEV_S_NO_ERROR;
}
