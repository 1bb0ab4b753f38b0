/*
 * tests/test_class.c: namespaces, class definitions, hierarchy, validation and lifetimes.
 */
#include "test_support.h"

#include "model/model.h" /* white-box: the model's internal interface */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_OF(t) ((wbemev_cimtype)((t) | WBEMEV_CIM_FLAG_ARRAY))

/* A malloc that fails once `fail_after` more calls have succeeded (-1: never). */
static long g_fail_after = -1;

static void *failing_malloc(void *ctx, size_t size)
{
    (void)ctx;
    if (g_fail_after == 0)
        return NULL;
    if (g_fail_after > 0)
        g_fail_after--;
    return malloc(size);
}

static void *failing_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return g_fail_after == 0 ? NULL : realloc(ptr, size);
}

static void plain_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static const wbemev_allocator failing_allocator = {failing_malloc, failing_realloc, plain_free, NULL};

/* Each test starts with a fresh namespace and checks, at the end, that everything it made is gone. */
typedef struct fixture {
    size_t allocations_before;
    wbemev_namespace_t *ns;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    f->allocations_before = wbemev_live_allocations();
    if (WBEMEV_FAILED(wbemev_namespace_new("root\\test", &f->ns))) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    wbemev_namespace_release(f->ns);
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), f->allocations_before);
    free(f);
    return 0;
}

static wbemev_namespace_t *ns_of(void **state)
{
    return ((fixture *)*state)->ns;
}

static wbemev_class_t *get_class(wbemev_namespace_t *ns, const char *name)
{
    wbemev_class_t *cls = NULL;
    assert_wbemev_ok(wbemev_namespace_get_class(ns, name, &cls));
    assert_non_null(cls);
    return cls;
}

static void assert_property(const wbemev_class_t *cls, size_t index, const char *name,
                            wbemev_cimtype type, const char *origin)
{
    wbemev_property_info info;
    assert_wbemev_ok(wbemev_class_property_at(cls, index, &info));
    assert_string_equal(info.name, name);
    assert_int_equal(info.type, type);
    assert_string_equal(info.origin, origin);
    assert_int_equal(info.handle.index, index);
}

/* ---- system classes ---- */

static void test_namespace_basics(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    assert_string_equal(wbemev_namespace_name(ns), "root\\test");
    assert_int_equal(wbemev_namespace_class_count(ns), 7);
    assert_ptr_equal(wbemev_namespace_add_ref(ns), ns);
    wbemev_namespace_release(ns);

    wbemev_namespace_t *other = NULL;
    assert_wbemev_status(wbemev_namespace_new(NULL, &other), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_new("", &other), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_new("root", NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_null(other);
}

static void test_system_classes(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    static const struct {
        const char *name;
        const char *super;
        size_t depth;
        size_t props;
    } expect[] = {
        {"__Event", NULL, 0, 2},
        {"__ExtrinsicEvent", "__Event", 1, 2},
        {"__InstanceOperationEvent", "__Event", 1, 3},
        {"__InstanceCreationEvent", "__InstanceOperationEvent", 2, 3},
        {"__InstanceDeletionEvent", "__InstanceOperationEvent", 2, 3},
        {"__InstanceModificationEvent", "__InstanceOperationEvent", 2, 4},
        {"__AggregateEvent", "__Event", 1, 4},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        wbemev_class_t *cls = get_class(ns, expect[i].name);
        assert_string_equal(wbemev_class_name(cls), expect[i].name);
        assert_int_equal(wbemev_class_depth(cls), expect[i].depth);
        assert_int_equal(wbemev_class_property_count(cls), expect[i].props);
        if (expect[i].super == NULL)
            assert_null(wbemev_class_superclass(cls));
        else
            assert_string_equal(wbemev_class_name(wbemev_class_superclass(cls)), expect[i].super);
        assert_true(wbemev_class_is_system(cls));
        assert_true(wbemev_class_is_event_class(cls));
        assert_true(wbemev_class_is_defined(cls));
        assert_true(wbemev_class_is_a(cls, "__EVENT"));
        assert_true(wbemev_class_id(cls) >= 1);
        /* Every event class starts with __Event's two properties. */
        assert_property(cls, 0, "SECURITY_DESCRIPTOR", ARRAY_OF(WBEMEV_CIM_UINT8), "__Event");
        assert_property(cls, 1, "TIME_CREATED", WBEMEV_CIM_UINT64, "__Event");
        assert_non_null(wbemev_class_object(cls));
        assert_int_equal(wbemev_object_genus(wbemev_class_object(cls)), WBEMEV_GENUS_CLASS);
        wbemev_class_release(cls);
    }

    wbemev_class_t *mod = get_class(ns, "__InstanceModificationEvent");
    assert_property(mod, 2, "TargetInstance", WBEMEV_CIM_OBJECT, "__InstanceOperationEvent");
    assert_property(mod, 3, "PreviousInstance", WBEMEV_CIM_OBJECT, "__InstanceModificationEvent");
    wbemev_property_info info;
    assert_wbemev_ok(wbemev_class_property_at(mod, 2, &info));
    assert_null(info.ref_class);
    assert_true(wbemev_class_is_a(mod, "__InstanceOperationEvent"));
    assert_false(wbemev_class_is_a(mod, "__ExtrinsicEvent"));
    assert_false(wbemev_class_is_a(mod, "__AggregateEvent"));
    wbemev_class_release(mod);

    wbemev_class_t *agg = get_class(ns, "__AggregateEvent");
    assert_property(agg, 2, "NumberOfEvents", WBEMEV_CIM_UINT32, "__AggregateEvent");
    assert_property(agg, 3, "Representative", WBEMEV_CIM_OBJECT, "__AggregateEvent");
    wbemev_class_release(agg);

    wbemev_class_t *cls = NULL;
    assert_wbemev_status(wbemev_namespace_get_class(ns, "NoSuchClass", &cls), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_namespace_get_class(ns, NULL, &cls), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_get_class(ns, "__Event", NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_get_class(NULL, "__Event", &cls), WBEMEV_E_INVALID_PARAMETER);
    assert_null(cls);
}

static void test_class_ids_unique(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    wbemev_namespace_t *ns2 = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\other", &ns2));
    wbemev_class_t *a = get_class(ns, "__Event");
    wbemev_class_t *b = get_class(ns2, "__Event");
    wbemev_class_t *c = get_class(ns, "__ExtrinsicEvent");
    assert_int_not_equal(wbemev_class_id(a), wbemev_class_id(b));
    assert_int_not_equal(wbemev_class_id(a), wbemev_class_id(c));
    /* Classes of different namespaces are unrelated even with the same name. */
    assert_false(wbemev_class_inherits_from(a, b));
    wbemev_class_release(a);
    wbemev_class_release(b);
    wbemev_class_release(c);
    wbemev_namespace_release(ns2);
}

/* ---- user classes ---- */

static void test_define_with_superclass(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    const wbemev_property_def base_props[] = {
        {"Severity", WBEMEV_CIM_SINT32, NULL},
        {"Message", WBEMEV_CIM_STRING, NULL},
    };
    const wbemev_property_def derived_props[] = {
        {"Code", WBEMEV_CIM_UINT16, NULL},
        {"Tags", ARRAY_OF(WBEMEV_CIM_STRING), NULL},
    };
    wbemev_class_t *base = NULL, *derived = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "App_Event", "__ExtrinsicEvent", base_props, 2,
                                                   &base));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "App_DiskEvent", "app_event", derived_props, 2,
                                                   &derived));
    assert_int_equal(wbemev_namespace_class_count(ns), 9);

    assert_int_equal(wbemev_class_depth(base), 2);
    assert_int_equal(wbemev_class_depth(derived), 3);
    assert_ptr_equal(wbemev_class_superclass(derived), base);
    assert_int_equal(wbemev_class_property_count(derived), 6);
    assert_property(derived, 0, "SECURITY_DESCRIPTOR", ARRAY_OF(WBEMEV_CIM_UINT8), "__Event");
    assert_property(derived, 1, "TIME_CREATED", WBEMEV_CIM_UINT64, "__Event");
    assert_property(derived, 2, "Severity", WBEMEV_CIM_SINT32, "App_Event");
    assert_property(derived, 3, "Message", WBEMEV_CIM_STRING, "App_Event");
    assert_property(derived, 4, "Code", WBEMEV_CIM_UINT16, "App_DiskEvent");
    assert_property(derived, 5, "Tags", ARRAY_OF(WBEMEV_CIM_STRING), "App_DiskEvent");

    /* Case-insensitive lookups of classes and properties. */
    wbemev_class_t *again = get_class(ns, "APP_DISKEVENT");
    assert_ptr_equal(again, derived);
    wbemev_class_release(again);
    wbemev_property_info info;
    assert_wbemev_ok(wbemev_class_find_property(derived, "sEVERITY", &info));
    assert_string_equal(info.name, "Severity");
    assert_int_equal(info.handle.index, 2);
    assert_int_equal(info.handle.class_id, wbemev_class_id(derived));
    assert_int_equal(info.handle.depth, 3);
    assert_int_equal(info.handle.type, WBEMEV_CIM_SINT32);
    assert_wbemev_ok(wbemev_class_find_property(base, "message", &info));
    assert_string_equal(info.origin, "App_Event");
    assert_wbemev_status(wbemev_class_find_property(base, "Code", &info), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_class_find_property(base, "__CLASS", &info), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_class_find_property(base, NULL, &info), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_class_find_property(NULL, "Code", &info), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_class_find_property(base, "Code", NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_class_property_at(base, 4, &info), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_class_property_at(NULL, 0, &info), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_class_property_at(base, 0, NULL), WBEMEV_E_INVALID_PARAMETER);

    /* Hierarchy. */
    wbemev_class_t *event = get_class(ns, "__Event");
    wbemev_class_t *extrinsic = get_class(ns, "__ExtrinsicEvent");
    wbemev_class_t *creation = get_class(ns, "__InstanceCreationEvent");
    assert_true(wbemev_class_inherits_from(derived, derived));
    assert_true(wbemev_class_inherits_from(derived, base));
    assert_true(wbemev_class_inherits_from(derived, extrinsic));
    assert_true(wbemev_class_inherits_from(derived, event));
    assert_false(wbemev_class_inherits_from(base, derived));
    assert_false(wbemev_class_inherits_from(derived, creation));
    assert_false(wbemev_class_inherits_from(creation, derived));
    assert_false(wbemev_class_inherits_from(NULL, derived));
    assert_false(wbemev_class_inherits_from(derived, NULL));
    assert_true(wbemev_class_is_a(derived, "app_event"));
    assert_true(wbemev_class_is_a(derived, "App_DiskEvent"));
    assert_true(wbemev_class_is_a(derived, "__extrinsicevent"));
    assert_false(wbemev_class_is_a(base, "App_DiskEvent"));
    assert_false(wbemev_class_is_a(NULL, "App_Event"));
    assert_false(wbemev_class_is_a(base, NULL));
    assert_true(wbemev_class_is_event_class(derived));
    assert_false(wbemev_class_is_system(derived));
    assert_true(wbemev_class_is_defined(derived));
    assert_ptr_equal(wbemev__class_ancestor(derived, 0), event);
    assert_ptr_equal(wbemev__class_ancestor(derived, 1), extrinsic);
    assert_ptr_equal(wbemev__class_ancestor(derived, 2), base);
    assert_ptr_equal(wbemev__class_ancestor(derived, 3), derived);
    assert_null(wbemev__class_ancestor(derived, 4));
    assert_null(wbemev__class_ancestor(base, 3));

    wbemev_class_release(event);
    wbemev_class_release(extrinsic);
    wbemev_class_release(creation);
    wbemev_class_release(base);
    wbemev_class_release(derived);
}

static void test_root_and_ref_classes(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    const wbemev_property_def disk_props[] = {{"Name", WBEMEV_CIM_STRING, NULL}};
    wbemev_class_t *disk = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Disk", NULL, disk_props, 1, &disk));
    assert_int_equal(wbemev_class_depth(disk), 0);
    assert_null(wbemev_class_superclass(disk));
    assert_false(wbemev_class_is_event_class(disk));
    assert_false(wbemev_class_is_system(disk));
    assert_false(wbemev_class_is_a(disk, "__Event"));
    assert_property(disk, 0, "Name", WBEMEV_CIM_STRING, "Disk");

    /* ref_class is resolved case-insensitively and reported with the class's own spelling; it is
     * ignored for types other than object and reference; a class may refer to itself. */
    const wbemev_property_def ev_props[] = {
        {"Target", WBEMEV_CIM_OBJECT, "DISK"},
        {"Path", WBEMEV_CIM_REFERENCE, "disk"},
        {"Count", WBEMEV_CIM_UINT32, "NoSuchClass"},
        {"Any", WBEMEV_CIM_OBJECT, NULL},
        {"Disks", ARRAY_OF(WBEMEV_CIM_OBJECT), "Disk"},
        {"Next", WBEMEV_CIM_OBJECT, "DiskEvent"},
    };
    wbemev_class_t *ev = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "DiskEvent", "__ExtrinsicEvent", ev_props, 6, &ev));
    wbemev_property_info info;
    assert_wbemev_ok(wbemev_class_find_property(ev, "Target", &info));
    assert_string_equal(info.ref_class, "Disk");
    assert_wbemev_ok(wbemev_class_find_property(ev, "Path", &info));
    assert_string_equal(info.ref_class, "Disk");
    assert_wbemev_ok(wbemev_class_find_property(ev, "Count", &info));
    assert_null(info.ref_class);
    assert_wbemev_ok(wbemev_class_find_property(ev, "Any", &info));
    assert_null(info.ref_class);
    assert_wbemev_ok(wbemev_class_find_property(ev, "Disks", &info));
    assert_string_equal(info.ref_class, "Disk");
    assert_wbemev_ok(wbemev_class_find_property(ev, "Next", &info));
    assert_string_equal(info.ref_class, "DiskEvent");

    /* A class with no properties of its own, and out == NULL. */
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Empty", NULL, NULL, 0, NULL));
    wbemev_class_t *empty = get_class(ns, "Empty");
    assert_int_equal(wbemev_class_property_count(empty), 0);
    assert_wbemev_status(wbemev_class_find_property(empty, "Name", &info), WBEMEV_E_NOT_FOUND);
    wbemev_class_release(empty);

    /* A subclass of a user root class. */
    wbemev_class_t *ssd = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Ssd", "Disk", NULL, 0, &ssd));
    assert_true(wbemev_class_inherits_from(ssd, disk));
    assert_property(ssd, 0, "Name", WBEMEV_CIM_STRING, "Disk");
    wbemev_class_release(ssd);

    wbemev_class_release(ev);
    wbemev_class_release(disk);
}

/* ---- validation ---- */

static void test_define_invalid(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    const wbemev_property_def ok1[] = {{"Value", WBEMEV_CIM_SINT32, NULL}};
    wbemev_class_t *cls = NULL;
    const size_t count_before = wbemev_namespace_class_count(ns);

    assert_wbemev_status(wbemev_namespace_define_class(NULL, "A", NULL, ok1, 1, &cls),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_define_class(ns, NULL, NULL, ok1, 1, &cls),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "A", NULL, NULL, 1, &cls),
                         WBEMEV_E_INVALID_PARAMETER);

    /* Invalid class names. */
    static const char *const bad_names[] = {"", "1abc", "a-b", "a b", "caf\xc3\xa9", "__Mine", "__"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
        assert_wbemev_status(wbemev_namespace_define_class(ns, bad_names[i], NULL, ok1, 1, &cls),
                             WBEMEV_E_INVALID_PARAMETER);
    /* A single leading underscore and a trailing one are fine for classes. */
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "_Under_", NULL, ok1, 1, NULL));

    /* Property names. */
    const wbemev_property_def null_name[] = {{NULL, WBEMEV_CIM_SINT32, NULL}};
    const wbemev_property_def bad_name[] = {{"9lives", WBEMEV_CIM_SINT32, NULL}};
    const wbemev_property_def dash_name[] = {{"a-b", WBEMEV_CIM_SINT32, NULL}};
    const wbemev_property_def empty_name[] = {{"", WBEMEV_CIM_SINT32, NULL}};
    const wbemev_property_def lead[] = {{"_x", WBEMEV_CIM_SINT32, NULL}};
    const wbemev_property_def trail[] = {{"x_", WBEMEV_CIM_SINT32, NULL}};
    const wbemev_property_def sys[] = {{"__CLASS", WBEMEV_CIM_STRING, NULL}};
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, null_name, 1, &cls),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, bad_name, 1, &cls),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, dash_name, 1, &cls),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, empty_name, 1, &cls),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, lead, 1, &cls),
                         WBEMEV_E_SYSTEM_PROPERTY);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, trail, 1, &cls),
                         WBEMEV_E_SYSTEM_PROPERTY);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, sys, 1, &cls),
                         WBEMEV_E_SYSTEM_PROPERTY);

    /* Types. */
    const wbemev_property_def bad_types[][1] = {
        {{"X", WBEMEV_CIM_EMPTY, NULL}},
        {{"X", WBEMEV_CIM_ILLEGAL, NULL}},
        {{"X", (wbemev_cimtype)7, NULL}},
        {{"X", WBEMEV_CIM_FLAG_ARRAY, NULL}},
        {{"X", (wbemev_cimtype)(WBEMEV_CIM_SINT32 | 0x4000), NULL}},
    };
    for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++)
        assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, bad_types[i], 1, &cls),
                             WBEMEV_E_INVALID_PROPERTY_TYPE);

    /* Duplicates: the class, own properties, inherited properties (case-insensitively). */
    assert_wbemev_status(wbemev_namespace_define_class(ns, "_under_", NULL, ok1, 1, &cls),
                         WBEMEV_E_ALREADY_EXISTS);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "__extrinsicEVENT", NULL, ok1, 1, &cls),
                         WBEMEV_E_INVALID_PARAMETER);
    const wbemev_property_def dup_own[] = {{"Value", WBEMEV_CIM_SINT32, NULL},
                                           {"VALUE", WBEMEV_CIM_STRING, NULL}};
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, dup_own, 2, &cls),
                         WBEMEV_E_ALREADY_EXISTS);
    const wbemev_property_def dup_inherited[] = {{"time_created", WBEMEV_CIM_UINT64, NULL}};
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", "__ExtrinsicEvent", dup_inherited, 1, &cls),
                         WBEMEV_E_ALREADY_EXISTS);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", "_Under_", ok1, 1, &cls),
                         WBEMEV_E_ALREADY_EXISTS);

    /* Unknown superclass and ref_class. */
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", "NoSuchClass", ok1, 1, &cls),
                         WBEMEV_E_INVALID_SUPERCLASS);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", "not a name", ok1, 1, &cls),
                         WBEMEV_E_INVALID_SUPERCLASS);
    const wbemev_property_def bad_ref[] = {{"X", WBEMEV_CIM_OBJECT, "NoSuchClass"}};
    const wbemev_property_def bad_ref2[] = {{"X", WBEMEV_CIM_REFERENCE, "NoSuchClass"}};
    const wbemev_property_def bad_ref3[] = {{"X", ARRAY_OF(WBEMEV_CIM_OBJECT), "no such"}};
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, bad_ref, 1, &cls),
                         WBEMEV_E_INVALID_CLASS);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, bad_ref2, 1, &cls),
                         WBEMEV_E_INVALID_CLASS);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, bad_ref3, 1, &cls),
                         WBEMEV_E_INVALID_CLASS);

    assert_null(cls);
    assert_int_equal(wbemev_namespace_class_count(ns), count_before + 1);
    assert_wbemev_status(wbemev_namespace_get_class(ns, "B", &cls), WBEMEV_E_NOT_FOUND);
}

static void test_define_limits(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    wbemev_class_t *cls = NULL;

    /* Identifiers of exactly WBEMEV_MAX_IDENTIFIER characters are fine, one more is not. */
    char *longest = malloc(WBEMEV_MAX_IDENTIFIER + 2);
    assert_non_null(longest);
    memset(longest, 'a', WBEMEV_MAX_IDENTIFIER + 1);
    longest[WBEMEV_MAX_IDENTIFIER + 1] = '\0';
    const wbemev_property_def long_prop[] = {{longest, WBEMEV_CIM_SINT32, NULL}};
    assert_wbemev_status(wbemev_namespace_define_class(ns, longest, NULL, NULL, 0, &cls),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "B", NULL, long_prop, 1, &cls),
                         WBEMEV_E_INVALID_PARAMETER);
    longest[WBEMEV_MAX_IDENTIFIER] = '\0';
    assert_wbemev_ok(wbemev_namespace_define_class(ns, longest, NULL, long_prop, 1, &cls));
    assert_string_equal(wbemev_class_name(cls), longest);
    wbemev_class_release(cls);
    cls = NULL;
    free(longest);

    /* WBEMEV_MAX_PROPERTIES properties, inherited ones included. */
    size_t n = WBEMEV_MAX_PROPERTIES + 1;
    wbemev_property_def *defs = calloc(n, sizeof *defs);
    char(*names)[16] = calloc(n, sizeof *names);
    assert_non_null(defs);
    assert_non_null(names);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "P%zu", i);
        defs[i].name = names[i];
        defs[i].type = WBEMEV_CIM_UINT8;
    }
    assert_wbemev_status(wbemev_namespace_define_class(ns, "Big", NULL, defs, n, &cls),
                         WBEMEV_E_TOO_MANY_PROPERTIES);
    /* __ExtrinsicEvent brings 2, so 0x3FE of our own is the most. */
    assert_wbemev_status(wbemev_namespace_define_class(ns, "Big", "__ExtrinsicEvent", defs,
                                                       WBEMEV_MAX_PROPERTIES - 1, &cls),
                         WBEMEV_E_TOO_MANY_PROPERTIES);
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Big", "__ExtrinsicEvent", defs,
                                                   WBEMEV_MAX_PROPERTIES - 2, &cls));
    assert_int_equal(wbemev_class_property_count(cls), WBEMEV_MAX_PROPERTIES);
    wbemev_property_info info;
    assert_wbemev_ok(wbemev_class_find_property(cls, "p1021", &info));
    assert_int_equal(info.handle.index, 1023);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "Bigger", "Big", defs + 1022, 1, NULL),
                         WBEMEV_E_TOO_MANY_PROPERTIES);
    wbemev_class_release(cls);
    free(defs);
    free(names);
}

/* ---- deletion ---- */

typedef struct hook_log {
    wbemev_namespace_t *ns;
    wbemev_status answer; /* what the hook returns */
    int calls;
    bool defined_when_asked; /* whether the class was visible in ns when the hook ran */
    char last_name[64];
    char last_what[16];
} hook_log;

static wbemev_status record_change(void *ctx, const char *class_name, const char *what)
{
    hook_log *log = ctx;
    log->calls++;
    snprintf(log->last_name, sizeof log->last_name, "%s", class_name);
    snprintf(log->last_what, sizeof log->last_what, "%s", what);
    wbemev_class_t *cls = NULL;
    log->defined_when_asked = WBEMEV_SUCCEEDED(wbemev_namespace_get_class(log->ns, class_name, &cls));
    wbemev_class_release(cls);
    return log->answer;
}

static void test_delete_with_subclasses(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    const wbemev_property_def props[] = {{"Value", WBEMEV_CIM_SINT32, NULL}};
    wbemev_class_t *a = NULL, *b = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "A", "__ExtrinsicEvent", props, 1, &a));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "B", "A", NULL, 0, &b));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "C", "B", NULL, 0, NULL));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "D", "A", NULL, 0, NULL));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Other", "__ExtrinsicEvent", NULL, 0, NULL));
    /* Enough classes to make the name table grow and wrap. */
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof name, "Leaf%d", i);
        assert_wbemev_ok(wbemev_namespace_define_class(ns, name, (i % 2) ? "B" : "Other", NULL, 0, NULL));
    }
    assert_int_equal(wbemev_namespace_class_count(ns), 7 + 5 + 40);

    wbemev_object_t *inst = NULL;
    assert_wbemev_ok(wbemev_class_spawn_instance(b, &inst));
    assert_wbemev_ok(wbemev_object_put_sint32(inst, "Value", 7));

    assert_wbemev_status(wbemev_namespace_delete_class(ns, "NoSuchClass"), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_namespace_delete_class(ns, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_delete_class(NULL, "A"), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_ok(wbemev_namespace_delete_class(ns, "b"));
    /* B, C and the 20 odd leaves are gone; A, D, Other and the even leaves remain. */
    assert_int_equal(wbemev_namespace_class_count(ns), 7 + 3 + 20);
    wbemev_class_t *cls = NULL;
    assert_wbemev_status(wbemev_namespace_get_class(ns, "B", &cls), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_namespace_get_class(ns, "C", &cls), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_namespace_get_class(ns, "Leaf1", &cls), WBEMEV_E_NOT_FOUND);
    for (int i = 0; i < 40; i += 2) {
        char name[16];
        snprintf(name, sizeof name, "LEAF%d", i);
        cls = get_class(ns, name);
        wbemev_class_release(cls);
    }
    cls = get_class(ns, "D");
    wbemev_class_release(cls);
    assert_true(wbemev_class_is_defined(a));
    assert_false(wbemev_class_is_defined(b));

    /* The instance and the deleted class keep working. */
    int32_t v = 0;
    assert_wbemev_ok(wbemev_object_get_sint32(inst, "Value", &v));
    assert_int_equal(v, 7);
    assert_string_equal(wbemev_object_class_name(inst), "B");
    assert_true(wbemev_class_inherits_from(b, a));
    assert_int_equal(wbemev_class_live_instances(b), 1);

    /* The name can be defined again: a new, unrelated class. */
    wbemev_class_t *b2 = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "B", "A", NULL, 0, &b2));
    assert_ptr_not_equal(b2, b);
    assert_int_not_equal(wbemev_class_id(b2), wbemev_class_id(b));
    assert_false(wbemev_class_inherits_from(b2, b));

    wbemev_object_release(inst);
    assert_int_equal(wbemev_class_live_instances(b), 0);
    wbemev_class_release(b2);
    wbemev_class_release(b);
    wbemev_class_release(a);
}

static void test_delete_system_class(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    assert_wbemev_status(wbemev_namespace_delete_class(ns, "__Event"), WBEMEV_E_ACCESS_DENIED);
    assert_wbemev_status(wbemev_namespace_delete_class(ns, "__extrinsicevent"), WBEMEV_E_ACCESS_DENIED);
    assert_int_equal(wbemev_namespace_class_count(ns), 7);
}

static void test_deleted_class_outlives_namespace(void **state)
{
    (void)state;
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\short", &ns));
    const wbemev_property_def props[] = {{"Text", WBEMEV_CIM_STRING, NULL}};
    wbemev_class_t *cls = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Mine", "__ExtrinsicEvent", props, 1, &cls));
    wbemev_object_t *inst = NULL;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &inst));
    wbemev_class_release(cls);
    wbemev_namespace_release(ns);
    /* The instance holds the class, which holds its superclasses. */
    assert_wbemev_ok(wbemev_object_put_string(inst, "Text", "a string long enough to need the heap"));
    cls = wbemev_object_class(inst);
    assert_false(wbemev_class_is_defined(cls));
    assert_true(wbemev_class_is_event_class(cls));
    assert_string_equal(wbemev_class_name(wbemev_class_superclass(cls)), "__ExtrinsicEvent");
    wbemev_object_release(inst);
}

static void test_change_hook(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    hook_log log = {ns, WBEMEV_S_NO_ERROR, 0, false, "", ""};
    wbemev__namespace_set_change_hook(ns, record_change, &log);

    /* Asked before the change, without the lock (the hook looks the class up). */
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Watched", NULL, NULL, 0, NULL));
    assert_int_equal(log.calls, 1);
    assert_string_equal(log.last_name, "Watched");
    assert_string_equal(log.last_what, "define");
    assert_false(log.defined_when_asked);

    /* Requests that fail anyway are not asked about. */
    assert_wbemev_status(wbemev_namespace_define_class(ns, "Watched", NULL, NULL, 0, NULL),
                         WBEMEV_E_ALREADY_EXISTS);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "Orphan", "Nope", NULL, 0, NULL),
                         WBEMEV_E_INVALID_SUPERCLASS);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "__Bad", NULL, NULL, 0, NULL),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_namespace_delete_class(ns, "__Event"), WBEMEV_E_ACCESS_DENIED);
    assert_wbemev_status(wbemev_namespace_delete_class(ns, "Nope"), WBEMEV_E_NOT_FOUND);
    assert_int_equal(log.calls, 1);

    assert_wbemev_ok(wbemev_namespace_define_class(ns, "WatchedChild", "Watched", NULL, 0, NULL));
    assert_int_equal(log.calls, 2);
    assert_wbemev_ok(wbemev_namespace_delete_class(ns, "watched"));
    assert_int_equal(log.calls, 3); /* one call per delete, subclasses included */
    assert_string_equal(log.last_name, "Watched");
    assert_string_equal(log.last_what, "delete");
    assert_true(log.defined_when_asked);

    /* A success code other than S_NO_ERROR lets the change go ahead. */
    log.answer = WBEMEV_S_FALSE;
    wbemev_class_t *kept = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Kept", NULL, NULL, 0, &kept));
    assert_true(wbemev_class_is_defined(kept));

    /* A failure vetoes the change and is returned; nothing changes. */
    log.answer = WBEMEV_E_INVALID_OPERATION;
    size_t count = wbemev_namespace_class_count(ns);
    size_t objects = wbemev_live_objects();
    wbemev_class_t *cls = NULL;
    assert_wbemev_status(wbemev_namespace_define_class(ns, "Vetoed", "Kept", NULL, 0, &cls),
                         WBEMEV_E_INVALID_OPERATION);
    assert_null(cls);
    assert_wbemev_status(wbemev_namespace_get_class(ns, "Vetoed", &cls), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_namespace_delete_class(ns, "Kept"), WBEMEV_E_INVALID_OPERATION);
    assert_true(wbemev_class_is_defined(kept));
    assert_int_equal(wbemev_namespace_class_count(ns), count);
    assert_int_equal(wbemev_live_objects(), objects);
    assert_int_equal(log.calls, 6);
    wbemev_class_release(kept);

    wbemev__namespace_set_change_hook(ns, NULL, NULL);
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Quiet", NULL, NULL, 0, NULL));
    assert_wbemev_ok(wbemev_namespace_delete_class(ns, "Kept"));
    assert_int_equal(log.calls, 6);
}

/* A hook may call back into the namespace (no lock is held while it runs), even to make the same
 * change itself: the change it was asked about then fails as if it came second. */
typedef struct racer {
    wbemev_namespace_t *ns;
    int depth;
    int calls;
} racer;

static wbemev_status racing_hook(void *ctx, const char *class_name, const char *what)
{
    racer *r = ctx;
    r->calls++;
    if (r->depth > 0)
        return WBEMEV_S_NO_ERROR;
    r->depth++;
    (void)wbemev_namespace_class_count(r->ns);
    wbemev_status st = strcmp(what, "define") == 0
                           ? wbemev_namespace_define_class(r->ns, class_name, NULL, NULL, 0, NULL)
                           : wbemev_namespace_delete_class(r->ns, class_name);
    r->depth--;
    return WBEMEV_SUCCEEDED(st) ? WBEMEV_S_NO_ERROR : st;
}

static wbemev_status delete_parent_hook(void *ctx, const char *class_name, const char *what)
{
    (void)class_name;
    if (strcmp(what, "define") == 0)
        (void)wbemev_namespace_delete_class(ctx, "Parent");
    return WBEMEV_S_NO_ERROR;
}

static void test_change_hook_reentrant(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    racer r = {ns, 0, 0};
    wbemev__namespace_set_change_hook(ns, racing_hook, &r);
    size_t objects = wbemev_live_objects();
    wbemev_class_t *cls = NULL;
    assert_wbemev_status(wbemev_namespace_define_class(ns, "Re", "__ExtrinsicEvent", NULL, 0, &cls),
                         WBEMEV_E_ALREADY_EXISTS);
    assert_null(cls);
    assert_int_equal(r.calls, 2);
    cls = get_class(ns, "Re"); /* the hook's own define */
    assert_null(wbemev_class_superclass(cls));
    assert_int_equal(wbemev_live_objects(), objects + 1);
    assert_wbemev_status(wbemev_namespace_delete_class(ns, "Re"), WBEMEV_E_NOT_FOUND);
    assert_int_equal(r.calls, 4);
    assert_false(wbemev_class_is_defined(cls));
    wbemev_class_release(cls);
    assert_int_equal(wbemev_live_objects(), objects);

    /* The superclass deleted while the hook runs: the define fails. */
    wbemev__namespace_set_change_hook(ns, NULL, NULL);
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Parent", NULL, NULL, 0, NULL));
    wbemev__namespace_set_change_hook(ns, delete_parent_hook, ns);
    assert_wbemev_status(wbemev_namespace_define_class(ns, "Child", "Parent", NULL, 0, NULL),
                         WBEMEV_E_INVALID_SUPERCLASS);
    assert_wbemev_status(wbemev_namespace_get_class(ns, "Child", &cls), WBEMEV_E_NOT_FOUND);
    wbemev__namespace_set_change_hook(ns, NULL, NULL);
}

/* ---- lifetimes ---- */

static void test_refcounts(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    wbemev_class_t *cls = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Counted", "__ExtrinsicEvent", NULL, 0, &cls));
    assert_ptr_equal(wbemev_class_add_ref(cls), cls);
    wbemev_class_release(cls);
    assert_null(wbemev_class_add_ref(NULL));
    wbemev_class_release(NULL);
    wbemev_namespace_release(NULL);
    assert_null(wbemev_namespace_add_ref(NULL));

    /* The class object lives as long as its class; a reference on it keeps the class alive. */
    wbemev_object_t *co = wbemev_object_add_ref(wbemev_class_object(cls));
    assert_wbemev_ok(wbemev_namespace_delete_class(ns, "Counted"));
    wbemev_class_release(cls);
    assert_string_equal(wbemev_object_class_name(co), "Counted");
    assert_int_equal(wbemev_object_genus(co), WBEMEV_GENUS_CLASS);
    wbemev_object_t *inst = NULL;
    assert_wbemev_ok(wbemev_object_spawn_instance(co, &inst));
    wbemev_object_release(co);
    wbemev_object_release(inst);

    /* Accessors tolerate NULL. */
    assert_null(wbemev_class_name(NULL));
    assert_null(wbemev_class_superclass(NULL));
    assert_int_equal(wbemev_class_depth(NULL), 0);
    assert_int_equal(wbemev_class_property_count(NULL), 0);
    assert_int_equal(wbemev_class_id(NULL), 0);
    assert_int_equal(wbemev_class_live_instances(NULL), 0);
    assert_null(wbemev_class_object(NULL));
    assert_false(wbemev_class_is_defined(NULL));
    assert_false(wbemev_class_is_system(NULL));
    assert_false(wbemev_class_is_event_class(NULL));
    assert_null(wbemev_namespace_name(NULL));
    assert_int_equal(wbemev_namespace_class_count(NULL), 0);
}

/* ---- out of memory: every allocation may fail, and a failure changes nothing ---- */

static void test_namespace_new_out_of_memory(void **state)
{
    (void)state;
    size_t allocations = wbemev_live_allocations();
    size_t objects = wbemev_live_objects();
    int failures = 0;
    for (long n = 0;; n++) {
        wbemev_namespace_t *ns = NULL;
        g_fail_after = n;
        wbemev_status st = wbemev_namespace_new("root\\oom", &ns);
        g_fail_after = -1;
        if (WBEMEV_SUCCEEDED(st)) {
            assert_int_equal(wbemev_namespace_class_count(ns), 7);
            wbemev_namespace_release(ns);
            break;
        }
        assert_wbemev_status(st, WBEMEV_E_OUT_OF_MEMORY);
        assert_null(ns);
        assert_int_equal(wbemev_live_allocations(), allocations);
        assert_int_equal(wbemev_live_objects(), objects);
        failures++;
    }
    assert_true(failures > 10);
}

static void test_define_delete_out_of_memory(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    const wbemev_property_def target[] = {{"Name", WBEMEV_CIM_STRING, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Target", NULL, target, 1, NULL));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Base", "__ExtrinsicEvent", target, 1, NULL));
    /* Fill the name table up to its first growth, so the define below must also grow it. */
    size_t count = wbemev_namespace_class_count(ns);
    for (size_t i = count; i < 16; i++) {
        char name[16];
        snprintf(name, sizeof name, "Fill%zu", i);
        assert_wbemev_ok(wbemev_namespace_define_class(ns, name, NULL, NULL, 0, NULL));
    }
    count = wbemev_namespace_class_count(ns);
    size_t allocations = wbemev_live_allocations();
    size_t objects = wbemev_live_objects();

    const wbemev_property_def props[] = {
        {"Value", WBEMEV_CIM_SINT32, NULL},
        {"Item", WBEMEV_CIM_OBJECT, "Target"},
        {"Items", ARRAY_OF(WBEMEV_CIM_OBJECT), "target"},
        {"Next", WBEMEV_CIM_OBJECT, "Derived"},
    };
    int failures = 0;
    wbemev_class_t *cls = NULL;
    for (long n = 0;; n++) {
        g_fail_after = n;
        wbemev_status st = wbemev_namespace_define_class(ns, "Derived", "Base", props, 4, &cls);
        g_fail_after = -1;
        if (WBEMEV_SUCCEEDED(st))
            break;
        assert_wbemev_status(st, WBEMEV_E_OUT_OF_MEMORY);
        assert_null(cls);
        assert_int_equal(wbemev_namespace_class_count(ns), count);
        assert_int_equal(wbemev_live_objects(), objects);
        /* (the name table may have grown before the failure: still one block) */
        assert_int_equal(wbemev_live_allocations(), allocations);
        failures++;
    }
    assert_true(failures > 5);
    assert_int_equal(wbemev_namespace_class_count(ns), count + 1);
    assert_int_equal(wbemev_class_property_count(cls), 7);

    g_fail_after = 0;
    assert_wbemev_status(wbemev_namespace_delete_class(ns, "Base"), WBEMEV_E_OUT_OF_MEMORY);
    g_fail_after = -1;
    assert_true(wbemev_class_is_defined(cls));
    assert_int_equal(wbemev_namespace_class_count(ns), count + 1);
    assert_wbemev_ok(wbemev_namespace_delete_class(ns, "Base"));
    assert_false(wbemev_class_is_defined(cls));
    assert_int_equal(wbemev_namespace_class_count(ns), count - 1);
    wbemev_class_release(cls);
}

/* ---- threads: defines, lookups, spawns and deletes from several threads at once ---- */

#define WORKERS 4
#define ROUNDS 50

typedef struct worker {
    wbemev_namespace_t *ns;
    int id;
    int errors;
} worker;

static void worker_main(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < ROUNDS; i++) {
        char name[32];
        snprintf(name, sizeof name, "T%d_%d", w->id, i);
        const wbemev_property_def props[] = {{"Value", WBEMEV_CIM_SINT32, NULL}};
        wbemev_class_t *cls = NULL, *again = NULL, *shared = NULL;
        wbemev_object_t *inst = NULL;
        if (WBEMEV_FAILED(wbemev_namespace_define_class(w->ns, name, "Shared", props, 1, &cls)) ||
            WBEMEV_FAILED(wbemev_namespace_get_class(w->ns, name, &again)) || again != cls ||
            WBEMEV_FAILED(wbemev_namespace_get_class(w->ns, "Shared", &shared)) ||
            !wbemev_class_inherits_from(cls, shared) ||
            WBEMEV_FAILED(wbemev_class_spawn_instance(cls, &inst)) ||
            WBEMEV_FAILED(wbemev_object_put_sint32(inst, "Value", i)))
            w->errors++;
        if (i % 2 == 0 && WBEMEV_FAILED(wbemev_namespace_delete_class(w->ns, name)))
            w->errors++;
        wbemev_object_release(inst);
        wbemev_class_release(shared);
        wbemev_class_release(again);
        wbemev_class_release(cls);
    }
}

static void test_threads(void **state)
{
    wbemev_namespace_t *ns = ns_of(state);
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Shared", "__ExtrinsicEvent", NULL, 0, NULL));
    worker workers[WORKERS];
    wbemev__thread threads[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i] = (worker){ns, i, 0};
        assert_true(wbemev__thread_start(&threads[i], worker_main, &workers[i]));
    }
    for (int i = 0; i < WORKERS; i++) {
        wbemev__thread_join(&threads[i]);
        assert_int_equal(workers[i].errors, 0);
    }
    assert_int_equal(wbemev_namespace_class_count(ns), 7 + 1 + WORKERS * ROUNDS / 2);
    assert_wbemev_ok(wbemev_namespace_delete_class(ns, "Shared"));
    assert_int_equal(wbemev_namespace_class_count(ns), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_namespace_basics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_classes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_class_ids_unique, setup, teardown),
        cmocka_unit_test_setup_teardown(test_define_with_superclass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_and_ref_classes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_define_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_define_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_with_subclasses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_system_class, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_class_outlives_namespace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_hook_reentrant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refcounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namespace_new_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_define_delete_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
    };
    /* Installed before anything is allocated (set_allocator refuses while blocks are alive). */
    if (WBEMEV_FAILED(wbemev_set_allocator(&failing_allocator)))
        return 1;
    int failed = cmocka_run_group_tests_name("class", tests, NULL, NULL);
    (void)wbemev_set_allocator(NULL);
    return failed;
}
