/*
 * fuzz/fuzz_object.c: libFuzzer target for the object API.
 *
 * The input is a sequence of byte-coded operations on a fresh namespace: define class (names,
 * superclass and property types from the input), delete class, spawn, Put and Get of every CIM
 * type (through names and handles, values built from the input: out-of-range numbers, invalid
 * UTF-8, NULL arrays, embedded objects), clone, freeze, release, class defaults, format. Invariants,
 * beyond the sanitizers:
 *  - a failed Put changes nothing (the property reads back the same before and after);
 *  - a successful Put reads back with the property's type, and Put on a frozen object fails
 *    with WBEMEV_E_READ_ONLY;
 *  - clone gives a mutable object with the same values (same JSON text);
 *  - when everything is released, no object and no block is alive.
 */
#include "fuzz_common.h"

#include "wbemev/format.h"
#include "wbemev/mof.h"

#define NSLOTS 8

static char g_text_a[1 << 16], g_text_b[1 << 16];

static bool json(const wbemev_object_t *o, char *buf)
{
    return wbemev_json_format_instance(o, 0, buf, sizeof g_text_a, NULL) == WBEMEV_S_NO_ERROR;
}

/* A property's value as JSON (empty when it cannot be read). */
struct tb {
    char *p;
    size_t len;
};
static wbemev_status tb_write(void *ctx, const char *t, size_t n)
{
    struct tb *b = ctx;
    if (b->len + n + 1 > sizeof g_text_a)
        return WBEMEV_E_BUFFER_TOO_SMALL;
    memcpy(b->p + b->len, t, n);
    b->len += n;
    b->p[b->len] = '\0';
    return WBEMEV_S_NO_ERROR;
}
static void prop_text(const wbemev_object_t *o, const char *name, char *buf)
{
    wbemev_value v;
    struct tb b = {buf, 0};
    buf[0] = '\0';
    if (wbemev_object_get(o, name, &v) == WBEMEV_S_NO_ERROR)
        (void)wbemev_json_write_value(&v, 0, tb_write, &b);
}

static const wbemev_cimtype def_types[] = {
    WBEMEV_CIM_STRING, WBEMEV_CIM_SINT32, WBEMEV_CIM_OBJECT, WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY,
    WBEMEV_CIM_DATETIME, WBEMEV_CIM_UINT64, WBEMEV_CIM_REAL32, WBEMEV_CIM_CHAR16, WBEMEV_CIM_BOOLEAN,
    WBEMEV_CIM_SINT8 | WBEMEV_CIM_FLAG_ARRAY, WBEMEV_CIM_REFERENCE, WBEMEV_CIM_REAL64,
    WBEMEV_CIM_OBJECT | WBEMEV_CIM_FLAG_ARRAY, WBEMEV_CIM_DATETIME | WBEMEV_CIM_FLAG_ARRAY,
    WBEMEV_CIM_UINT16, (wbemev_cimtype)77,
};

static wbemev_class_t *pick_class(wbemev_namespace_t *ns, fz_in *in)
{
    wbemev_class_t *cls = NULL;
    uint8_t b = fz_u8(in);
    const char *name = b & 0x80 ? "__ExtrinsicEvent" : fz_class_names[b % FZ_NCLASS_NAMES];
    if (b == 0xff)
        name = "__InstanceModificationEvent";
    (void)wbemev_namespace_get_class(ns, name, &cls);
    return cls;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size};
    wbemev_namespace_t *ns = NULL;
    CHECK(wbemev_namespace_new("root\\fuzz", &ns) == WBEMEV_S_NO_ERROR);
    /* A starting point so that short inputs reach objects. */
    static const wbemev_property_def base_props[] = {{"Name", WBEMEV_CIM_STRING, NULL},
                                                     {"Severity", WBEMEV_CIM_SINT32, NULL}};
    static const wbemev_property_def ev_props[] = {{"Target", WBEMEV_CIM_OBJECT, "Base"},
                                                   {"Tags", WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY, NULL},
                                                   {"When", WBEMEV_CIM_DATETIME, NULL},
                                                   {"Big", WBEMEV_CIM_UINT64, NULL},
                                                   {"Name", WBEMEV_CIM_STRING, NULL}};
    CHECK(wbemev_namespace_define_class(ns, "Base", NULL, base_props, 2, NULL) == WBEMEV_S_NO_ERROR);
    CHECK(wbemev_namespace_define_class(ns, "Ev", "__ExtrinsicEvent", ev_props, 5, NULL) == WBEMEV_S_NO_ERROR);

    wbemev_object_t *slots[NSLOTS] = {0};
    fz_value_store store;
    for (int ops = 0; in.n > 0 && ops < 256; ops++) {
        uint8_t op = fz_u8(&in);
        wbemev_object_t **slot = &slots[fz_u8(&in) % NSLOTS];
        switch (op % 12) {
        case 0: { /* define class */
            char name[40];
            uint8_t nb = fz_u8(&in);
            const char *cname = nb < 200 ? fz_class_names[nb % FZ_NCLASS_NAMES] : fz_str(&in, name, 39);
            uint8_t sb = fz_u8(&in);
            const char *super = sb % 4 == 0 ? NULL : sb % 4 == 1 ? "__ExtrinsicEvent" : fz_class_names[sb % FZ_NCLASS_NAMES];
            wbemev_property_def props[6];
            size_t n = fz_u8(&in) % 7;
            for (size_t i = 0; i < n && i < 6; i++) {
                props[i].name = fz_prop_names[fz_u8(&in) % FZ_NPROP_NAMES];
                props[i].type = def_types[fz_u8(&in) % (sizeof def_types / sizeof def_types[0])];
                uint8_t rb = fz_u8(&in);
                props[i].ref_class = rb % 3 == 0 ? NULL : fz_class_names[rb % FZ_NCLASS_NAMES];
            }
            size_t before = wbemev_namespace_class_count(ns);
            wbemev_class_t *out = NULL;
            wbemev_status st = wbemev_namespace_define_class(ns, cname, super, props, n > 6 ? 6 : n, &out);
            if (st == WBEMEV_S_NO_ERROR) {
                CHECK(out != NULL && wbemev_namespace_class_count(ns) == before + 1);
                wbemev_class_release(out);
            } else {
                CHECK(out == NULL && wbemev_namespace_class_count(ns) == before);
            }
            break;
        }
        case 1: /* delete class */
            (void)wbemev_namespace_delete_class(ns, fz_class_names[fz_u8(&in) % FZ_NCLASS_NAMES]);
            break;
        case 2: { /* spawn */
            wbemev_class_t *cls = pick_class(ns, &in);
            wbemev_object_t *o = NULL;
            if (cls != NULL && wbemev_class_spawn_instance(cls, &o) == WBEMEV_S_NO_ERROR) {
                CHECK(!wbemev_object_is_frozen(o) && wbemev_object_genus(o) == WBEMEV_GENUS_INSTANCE);
                wbemev_object_release(*slot);
                *slot = o;
            }
            wbemev_class_release(cls);
            break;
        }
        case 3:
        case 4: { /* put by name (or on a class object: defaults) */
            wbemev_object_t *target = *slot;
            wbemev_class_t *cls = NULL;
            if (op & 0x80) {
                cls = pick_class(ns, &in);
                target = cls != NULL ? wbemev_class_object(cls) : NULL;
            }
            const char *name = fz_prop_names[fz_u8(&in) % FZ_NPROP_NAMES];
            wbemev_value v = fz_value(&in, &store, slots, NSLOTS);
            if (target != NULL) {
                prop_text(target, name, g_text_a);
                bool frozen = wbemev_object_is_frozen(target);
                wbemev_status st = wbemev_object_put(target, name, (op & 0x40) ? NULL : &v);
                prop_text(target, name, g_text_b);
                if (st != WBEMEV_S_NO_ERROR) {
                    CHECK(strcmp(g_text_a, g_text_b) == 0);
                } else {
                    CHECK(!frozen);
                    wbemev_value got;
                    CHECK(wbemev_object_get(target, name, &got) == WBEMEV_S_NO_ERROR);
                }
                if (frozen && wbemev_object_genus(target) == WBEMEV_GENUS_INSTANCE)
                    CHECK(st == WBEMEV_E_READ_ONLY || st == WBEMEV_E_INVALID_PARAMETER);
            }
            wbemev_class_release(cls);
            break;
        }
        case 5: { /* get by name, every name */
            if (*slot == NULL)
                break;
            wbemev_value v;
            for (size_t i = 0; i < FZ_NPROP_NAMES; i++)
                (void)wbemev_object_get(*slot, fz_prop_names[i], &v);
            (void)wbemev_object_is_null(*slot, fz_prop_names[fz_u8(&in) % FZ_NPROP_NAMES]);
            break;
        }
        case 6: { /* handles */
            if (*slot == NULL)
                break;
            wbemev_prop_handle h;
            const char *name = fz_prop_names[fz_u8(&in) % FZ_NPROP_NAMES];
            if (wbemev_object_property_handle(*slot, name, &h) == WBEMEV_S_NO_ERROR) {
                wbemev_value v = fz_value(&in, &store, slots, NSLOTS), got;
                wbemev_object_t *other = slots[fz_u8(&in) % NSLOTS];
                wbemev_object_t *target = other != NULL && (op & 0x80) ? other : *slot;
                prop_text(target, name, g_text_a);
                if (wbemev_object_put_h(target, h, &v) != WBEMEV_S_NO_ERROR) {
                    prop_text(target, name, g_text_b);
                    CHECK(strcmp(g_text_a, g_text_b) == 0);
                }
                (void)wbemev_object_get_h(target, h, &got);
            }
            break;
        }
        case 7: { /* clone */
            wbemev_object_t *src = slots[fz_u8(&in) % NSLOTS];
            wbemev_object_t *copy = NULL;
            if (src != NULL && wbemev_object_clone(src, &copy) == WBEMEV_S_NO_ERROR) {
                CHECK(!wbemev_object_is_frozen(copy));
                if (json(src, g_text_a)) {
                    CHECK(json(copy, g_text_b));
                    CHECK(strcmp(g_text_a, g_text_b) == 0);
                }
                wbemev_object_release(*slot);
                *slot = copy;
            }
            break;
        }
        case 8: /* freeze */
            if (*slot != NULL) {
                wbemev_object_freeze(*slot);
                CHECK(wbemev_object_is_frozen(*slot));
            }
            break;
        case 9: /* release */
            wbemev_object_release(*slot);
            *slot = NULL;
            break;
        case 10: /* format */
            if (*slot != NULL) {
                size_t len = 0, len2 = 0;
                if (wbemev_mof_format_instance(*slot, NULL, 0, &len) == WBEMEV_S_NO_ERROR) {
                    CHECK(len < sizeof g_text_a);
                    CHECK(wbemev_mof_format_instance(*slot, g_text_a, sizeof g_text_a, &len2) == WBEMEV_S_NO_ERROR);
                    CHECK(len == len2 && strlen(g_text_a) == len);
                }
                (void)json(*slot, g_text_b);
            }
            break;
        default: { /* add_ref / release pairs, spawn from a class object */
            wbemev_class_t *cls = pick_class(ns, &in);
            wbemev_object_t *o = NULL;
            if (cls != NULL && wbemev_object_spawn_instance(wbemev_class_object(cls), &o) == WBEMEV_S_NO_ERROR)
                wbemev_object_release(wbemev_object_add_ref(o)), wbemev_object_release(o);
            wbemev_class_release(cls);
            break;
        }
        }
    }
    for (int i = 0; i < NSLOTS; i++)
        wbemev_object_release(slots[i]);
    wbemev_namespace_release(ns);
    CHECK(wbemev_live_objects() == 0);
    CHECK(wbemev_live_allocations() == 0);
    return 0;
}
