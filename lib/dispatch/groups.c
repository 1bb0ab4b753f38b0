/*
 * lib/dispatch/groups.c: the groups of one GROUP WITHIN ... BY window. Events fall in the same group
 * when their BY values are equal as WQL compares them (strings case-insensitively, NULL equal to
 * NULL, NaN equal to NaN). The groups are found through a hash of those values, so finding an
 * event's group costs the same with one group or a hundred thousand; only events whose hashes
 * collide are compared. The groups count the bytes they hold (wbemev__group_bytes), which the
 * window (aggregate.c) bounds.
 */
#include "dispatch/dispatch.h"

#include <math.h>

static bool value_equal(const wbemev_value *a, const wbemev_value *b)
{
    if (a->is_null || b->is_null)
        return a->is_null == b->is_null;
    if (a->type != b->type)
        return false;
    if (WBEMEV_CIM_IS_ARRAY(a->type)) {
        if (a->u.array.count != b->u.array.count)
            return false;
        wbemev_cimtype base = WBEMEV_CIM_BASE(a->type);
        if (base == WBEMEV_CIM_STRING || base == WBEMEV_CIM_REFERENCE) {
            const char *const *x = a->u.array.items, *const *y = b->u.array.items;
            for (size_t i = 0; i < a->u.array.count; i++)
                if (!wbemev__strcaseeq(x[i], y[i]))
                    return false;
            return true;
        }
        if (base == WBEMEV_CIM_DATETIME) { /* field by field: the struct has padding */
            const wbemev_datetime *x = a->u.array.items, *y = b->u.array.items;
            for (size_t i = 0; i < a->u.array.count; i++)
                if (!wbemev_datetime_equal(&x[i], &y[i]))
                    return false;
            return true;
        }
        size_t n = a->u.array.count * wbemev_cimtype_element_size(base);
        return n == 0 || memcmp(a->u.array.items, b->u.array.items, n) == 0;
    }
    switch (a->type) {
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE:
        return wbemev__strcaseeq(a->u.string, b->u.string);
    case WBEMEV_CIM_REAL32:
    case WBEMEV_CIM_REAL64:
        return a->u.real == b->u.real || (isnan(a->u.real) && isnan(b->u.real));
    case WBEMEV_CIM_BOOLEAN:
        return a->u.boolean == b->u.boolean;
    case WBEMEV_CIM_CHAR16:
        return a->u.char16 == b->u.char16;
    case WBEMEV_CIM_DATETIME:
        return wbemev_datetime_equal(&a->u.datetime, &b->u.datetime);
    case WBEMEV_CIM_OBJECT:
        return a->u.object == b->u.object;
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_SINT64:
        return a->u.sint == b->u.sint;
    default:
        return a->u.uint == b->u.uint;
    }
}

/* Do events x and y fall in the same BY group? A BY property missing on an event reads as NULL. */
static bool same_group(const wbemev_query_t *q, const wbemev_object_t *x, const wbemev_object_t *y)
{
    size_t n = wbemev_query_group_by_count(q);
    for (size_t i = 0; i < n; i++) {
        wbemev_value a, b;
        if (WBEMEV_FAILED(wbemev_query_group_by_get(q, i, x, &a)))
            a = WBEMEV_V_NULL(WBEMEV_CIM_EMPTY);
        if (WBEMEV_FAILED(wbemev_query_group_by_get(q, i, y, &b)))
            b = WBEMEV_V_NULL(WBEMEV_CIM_EMPTY);
        if (!value_equal(&a, &b))
            return false;
    }
    return true;
}

/* A hash of v consistent with value_equal: equal values hash alike. */
static uint32_t mix(uint32_t h, uint64_t v)
{
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdull;
    v ^= v >> 33;
    return (h ^ (uint32_t)v ^ (uint32_t)(v >> 32)) * 16777619u;
}

static uint32_t bytes_hash(uint32_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* The fields, not the bytes: the padding between them is not part of the value. */
static uint32_t datetime_hash(uint32_t h, const wbemev_datetime *dt)
{
    h = mix(h, (uint64_t)dt->is_interval << 56 | (uint64_t)dt->year << 40 | (uint64_t)dt->month << 32 |
                   (uint64_t)dt->day << 24 | (uint64_t)dt->hour << 16 | (uint64_t)dt->minute << 8 | dt->second);
    return mix(h, (uint64_t)dt->days << 36 | (uint64_t)dt->microseconds << 16 | (uint16_t)dt->utc_offset);
}

static uint64_t real_bits(double r)
{
    if (isnan(r))
        return 1; /* every NaN is one key */
    if (r == 0.0)
        return 0; /* 0.0 and -0.0 compare equal */
    uint64_t bits;
    memcpy(&bits, &r, sizeof bits);
    return bits;
}

static uint32_t value_hash(const wbemev_value *v)
{
    if (v->is_null)
        return 0x9e3779b9u; /* a NULL of any type equals any other NULL */
    uint32_t h = mix(2166136261u, (uint64_t)v->type);
    if (WBEMEV_CIM_IS_ARRAY(v->type)) {
        wbemev_cimtype base = WBEMEV_CIM_BASE(v->type);
        h = mix(h, v->u.array.count);
        if (base == WBEMEV_CIM_STRING || base == WBEMEV_CIM_REFERENCE) {
            const char *const *x = v->u.array.items;
            for (size_t i = 0; i < v->u.array.count; i++)
                h = mix(h, wbemev__name_hash(x[i]));
            return h;
        }
        if (base == WBEMEV_CIM_DATETIME) {
            const wbemev_datetime *x = v->u.array.items;
            for (size_t i = 0; i < v->u.array.count; i++)
                h = datetime_hash(h, &x[i]);
            return h;
        }
        return bytes_hash(h, v->u.array.items, v->u.array.count * wbemev_cimtype_element_size(base));
    }
    switch (v->type) {
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE:
        return mix(h, wbemev__name_hash(v->u.string));
    case WBEMEV_CIM_REAL32:
    case WBEMEV_CIM_REAL64:
        return mix(h, real_bits(v->u.real));
    case WBEMEV_CIM_BOOLEAN:
        return mix(h, v->u.boolean);
    case WBEMEV_CIM_CHAR16:
        return mix(h, v->u.char16);
    case WBEMEV_CIM_DATETIME:
        return datetime_hash(h, &v->u.datetime);
    case WBEMEV_CIM_OBJECT:
        return mix(h, (uint64_t)(uintptr_t)v->u.object);
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_SINT64:
        return mix(h, (uint64_t)v->u.sint);
    default:
        return mix(h, v->u.uint);
    }
}

/* The hash of an event's BY values. */
static uint32_t key_hash(const wbemev_query_t *q, const wbemev_object_t *event)
{
    uint32_t h = 2166136261u;
    size_t n = wbemev_query_group_by_count(q);
    for (size_t i = 0; i < n; i++) {
        wbemev_value v;
        if (WBEMEV_FAILED(wbemev_query_group_by_get(q, i, event, &v)))
            v = WBEMEV_V_NULL(WBEMEV_CIM_EMPTY);
        h = mix(h, value_hash(&v));
    }
    return h;
}

/* Doubles the slot table (at least 16 slots, at most half full); false out of memory. */
static bool slots_grow(struct wbemev__groups *g)
{
    size_t nslots = g->slots != NULL ? ((size_t)g->mask + 1) * 2 : 16;
    if (nslots > UINT32_MAX)
        return false;
    uint32_t *slots = wbemev__calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return false;
    uint32_t mask = (uint32_t)(nslots - 1);
    for (size_t i = 0; i < g->n; i++) {
        uint32_t s = g->v[i].hash & mask;
        while (slots[s] != 0)
            s = (s + 1) & mask;
        slots[s] = (uint32_t)i + 1;
    }
    wbemev__free(g->slots);
    g->slots = slots;
    g->mask = mask;
    return true;
}

/* Room for one more group, in the array and in the slots; false out of memory. */
static bool groups_reserve(struct wbemev__groups *g)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 4;
        struct wbemev__group *v = wbemev__realloc(g->v, cap * sizeof *v);
        if (v == NULL)
            return false;
        g->v = v;
        g->cap = cap;
    }
    return (g->slots != NULL && (g->n + 1) * 2 <= (size_t)g->mask + 1) || slots_grow(g);
}

struct wbemev__group *wbemev__groups_lookup(const struct wbemev__groups *g, const wbemev_query_t *q,
                                            wbemev_object_t *event, uint32_t *hash)
{
    uint32_t h = key_hash(q, event);
    *hash = h;
    if (g->slots != NULL) {
        for (uint32_t s = h & g->mask; g->slots[s] != 0; s = (s + 1) & g->mask) {
            struct wbemev__group *e = &g->v[g->slots[s] - 1];
            if (e->hash == h && same_group(q, e->representative, event))
                return e;
        }
    }
    return NULL;
}

uint64_t wbemev__group_bytes(const wbemev_object_t *event)
{
    /* The table's share: the array doubles (two entries a group at most), the slots are at most
     * half full and double too (four a group at most). */
    return (uint64_t)wbemev__object_footprint(event) + 2 * sizeof(struct wbemev__group) + 4 * sizeof(uint32_t);
}

struct wbemev__group *wbemev__groups_add(struct wbemev__groups *g, wbemev_object_t *event, uint32_t hash,
                                         uint64_t bytes)
{
    if (!groups_reserve(g))
        return NULL;
    uint32_t s = hash & g->mask;
    while (g->slots[s] != 0)
        s = (s + 1) & g->mask;
    g->slots[s] = (uint32_t)g->n + 1;
    struct wbemev__group *e = &g->v[g->n++];
    *e = (struct wbemev__group){wbemev_object_add_ref(event), 0, hash};
    g->bytes += bytes;
    return e;
}

void wbemev__groups_take(struct wbemev__groups *g, struct wbemev__groups *out)
{
    *out = *g;
    *g = (struct wbemev__groups){0};
}

void wbemev__groups_free(struct wbemev__groups *g)
{
    for (size_t i = 0; i < g->n; i++)
        wbemev_object_release(g->v[i].representative);
    wbemev__free(g->v);
    wbemev__free(g->slots);
    *g = (struct wbemev__groups){0};
}
