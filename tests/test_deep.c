/*
 * tests/test_deep.c: deep nesting takes constant stack. Releasing, cloning and freezing a chain of
 * embedded objects a million levels deep, and freeing long chains of classes (through ref_class,
 * and through class-object defaults that hold instances of other classes), walk the chain one
 * level after the other: a recursion per level would overflow the stack long before the end.
 * Every text writer (JSON, MOF, the format dispatch, the formatting sinks) writes chains up to
 * WBEMEV_FORMAT_MAX_DEPTH and refuses deeper ones, a million levels included, without recursing
 * past the limit.
 */
#include "test_support.h"

#include "wbemev/format.h"
#include "wbemev/mof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Frozen levels are shared, so a chain this deep is cheap to build. */
#define FROZEN_LEVELS 1000000
/* Unfrozen levels are private copies, cloned again by every clone of the chain. */
#define UNFROZEN_LEVELS 200000
#define CLASS_LEVELS 100000

static double seconds_since(clock_t start)
{
    return (double)(clock() - start) / CLOCKS_PER_SEC;
}

/* A namespace with class Node: an embedded Node (Child) and an array of them (Kids). */
static wbemev_namespace_t *node_namespace(wbemev_class_t **node)
{
    static const wbemev_property_def props[] = {
        {"Child", WBEMEV_CIM_OBJECT, "Node"},
        {"Kids", (wbemev_cimtype)(WBEMEV_CIM_OBJECT | WBEMEV_CIM_FLAG_ARRAY), "Node"},
        {"Depth", WBEMEV_CIM_UINT32, NULL},
        {"Name", WBEMEV_CIM_STRING, NULL},
    };
    wbemev_namespace_t *ns;
    assert_wbemev_ok(wbemev_namespace_new("root\\deep", &ns));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Node", NULL, props, 4, node));
    return ns;
}

static void put_object(wbemev_object_t *obj, const char *name, wbemev_object_t *value)
{
    wbemev_value v = {.type = WBEMEV_CIM_OBJECT, .is_null = false};
    v.u.object = value;
    assert_wbemev_ok(wbemev_object_put(obj, name, &v));
}

static void put_one_kid(wbemev_object_t *obj, wbemev_object_t *kid)
{
    wbemev_value v = {.type = (wbemev_cimtype)(WBEMEV_CIM_OBJECT | WBEMEV_CIM_FLAG_ARRAY), .is_null = false};
    v.u.array.items = &kid;
    v.u.array.count = 1;
    assert_wbemev_ok(wbemev_object_put(obj, "Kids", &v));
}

/* The object one level down: Child on even levels, the only one of Kids on odd ones. */
static wbemev_object_t *below(const wbemev_object_t *obj, uint32_t level)
{
    wbemev_value v;
    assert_wbemev_ok(wbemev_object_get(obj, level % 2 == 0 ? "Child" : "Kids", &v));
    if (v.is_null)
        return NULL;
    if (level % 2 == 0)
        return v.u.object;
    assert_int_equal(v.u.array.count, 1);
    return ((wbemev_object_t *const *)v.u.array.items)[0];
}

static void check_writers(wbemev_object_t *top, uint32_t depth, wbemev_sink_t *json_sink, wbemev_sink_t *mof_sink);

/* A million frozen levels, each holding the only reference to the next: every writer refuses it
 * (without recursing past the depth limit), then one release frees all. */
static void test_release_frozen_chain(void **state)
{
    (void)state;
    wbemev_class_t *node;
    wbemev_namespace_t *ns = node_namespace(&node);
    size_t base = wbemev_live_objects(); /* the class objects */
    wbemev_object_t *top = NULL;
    for (uint32_t i = 0; i < FROZEN_LEVELS; i++) {
        wbemev_object_t *o;
        assert_wbemev_ok(wbemev_class_spawn_instance(node, &o));
        if (top != NULL) {
            if (i % 2 == 0)
                put_object(o, "Child", top); /* frozen: shared, not copied */
            else
                put_one_kid(o, top);
            wbemev_object_release(top);
        }
        wbemev_object_freeze(o);
        top = o;
    }
    assert_int_equal(wbemev_live_objects(), base + FROZEN_LEVELS);
    FILE *null_out = tmpfile();
    assert_non_null(null_out);
    wbemev_sink_t *json_sink, *mof_sink;
    assert_wbemev_ok(wbemev_format_sink_new(null_out, WBEMEV_FORMAT_JSON, 0, &json_sink));
    assert_wbemev_ok(wbemev_format_sink_new(null_out, WBEMEV_FORMAT_MOF, 0, &mof_sink));
    clock_t start = clock();
    check_writers(top, FROZEN_LEVELS - 1, json_sink, mof_sink);
    printf("every writer refused %u levels in %.3f s\n", FROZEN_LEVELS, seconds_since(start));
    wbemev_sink_release(json_sink);
    wbemev_sink_release(mof_sink);
    fclose(null_out);
    start = clock();
    wbemev_object_release(top);
    printf("released %u frozen levels in %.3f s\n", FROZEN_LEVELS, seconds_since(start));
    assert_int_equal(wbemev_live_objects(), base);
    wbemev_class_release(node);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), 0);
}

/* Builds a chain of `levels` unfrozen objects below top: each Put copies its value, so the chain
 * is grown from the top down, through the copies Get points to. */
static void grow_unfrozen_chain(wbemev_class_t *node, wbemev_object_t *top, uint32_t levels)
{
    wbemev_object_t *leaf;
    assert_wbemev_ok(wbemev_class_spawn_instance(node, &leaf));
    wbemev_object_t *cur = top;
    for (uint32_t i = 0; i < levels; i++) {
        if (i % 2 == 0)
            put_object(cur, "Child", leaf); /* unfrozen: a copy */
        else
            put_one_kid(cur, leaf);
        cur = below(cur, i);
        assert_non_null(cur);
        assert_false(wbemev_object_is_frozen(cur));
    }
    assert_wbemev_ok(wbemev_object_put_uint32(cur, "Depth", levels));
    wbemev_object_release(leaf);
}

/* The depth of the chain below obj, checking that every level is frozen or not as expected. */
static uint32_t chain_depth(const wbemev_object_t *obj, bool frozen)
{
    uint32_t depth = 0;
    for (const wbemev_object_t *cur = obj; (cur = below(cur, depth)) != NULL; depth++)
        if (wbemev_object_is_frozen(cur) != frozen)
            fail_msg("level %u: frozen is %d", depth + 1, !frozen);
    return depth;
}

/* Clone copies every unfrozen level; freeze reaches every level; release frees both chains. */
static void test_clone_freeze_unfrozen_chain(void **state)
{
    (void)state;
    wbemev_class_t *node;
    wbemev_namespace_t *ns = node_namespace(&node);
    size_t base = wbemev_live_objects(); /* the class objects */
    wbemev_object_t *top;
    assert_wbemev_ok(wbemev_class_spawn_instance(node, &top));
    grow_unfrozen_chain(node, top, UNFROZEN_LEVELS);
    assert_int_equal(wbemev_live_objects(), base + 1 + UNFROZEN_LEVELS);

    clock_t start = clock();
    wbemev_object_t *copy;
    assert_wbemev_ok(wbemev_object_clone(top, &copy));
    printf("cloned %u unfrozen levels in %.3f s\n", UNFROZEN_LEVELS, seconds_since(start));
    assert_int_equal(wbemev_live_objects(), base + 2 * (1 + UNFROZEN_LEVELS));
    assert_int_equal(chain_depth(copy, false), UNFROZEN_LEVELS);

    start = clock();
    wbemev_object_freeze(copy);
    printf("froze %u levels in %.3f s\n", UNFROZEN_LEVELS, seconds_since(start));
    assert_true(wbemev_object_is_frozen(copy));
    assert_int_equal(chain_depth(copy, true), UNFROZEN_LEVELS);
    assert_int_equal(chain_depth(top, false), UNFROZEN_LEVELS); /* the original is untouched */

    /* A clone of the frozen chain shares its first level: nothing deep to copy. */
    wbemev_object_t *again;
    assert_wbemev_ok(wbemev_object_clone(copy, &again));
    assert_false(wbemev_object_is_frozen(again));
    assert_ptr_equal(below(again, 0), below(copy, 0));
    wbemev_object_release(again);

    wbemev_object_release(copy);
    wbemev_object_release(top);
    assert_int_equal(wbemev_live_objects(), base);
    wbemev_class_release(node);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), 0);
}

/* An allocator whose fail_at-th call fails (0: none does). */
static unsigned alloc_calls, fail_at;

static void *failing_malloc(void *ctx, size_t size)
{
    (void)ctx;
    return ++alloc_calls == fail_at ? NULL : malloc(size);
}

static void *failing_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return ++alloc_calls == fail_at ? NULL : realloc(ptr, size);
}

static void failing_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

/* A clone that runs out of memory at any level gives nothing back and leaves nothing behind. */
static void test_clone_out_of_memory(void **state)
{
    (void)state;
    enum { LEVELS = 6 };
    const wbemev_allocator failing = {failing_malloc, failing_realloc, failing_free, NULL};
    assert_wbemev_ok(wbemev_set_allocator(&failing));
    fail_at = 0;
    wbemev_class_t *node;
    wbemev_namespace_t *ns = node_namespace(&node);
    wbemev_object_t *top;
    assert_wbemev_ok(wbemev_class_spawn_instance(node, &top));
    grow_unfrozen_chain(node, top, LEVELS);
    /* A long string at every level: each copy has an arena, so none reuses a cached block. */
    wbemev_object_t *cur = top;
    for (uint32_t i = 0; cur != NULL; cur = below(cur, i++))
        assert_wbemev_ok(wbemev_object_put_string(cur, "Name", "a name too long to be stored in its slot"));
    size_t objects = wbemev_live_objects(), blocks = wbemev_live_allocations();

    unsigned failed = 0;
    for (unsigned n = 1;; n++) {
        alloc_calls = 0;
        fail_at = n;
        wbemev_object_t *copy = NULL;
        wbemev_status st = wbemev_object_clone(top, &copy);
        fail_at = 0;
        if (WBEMEV_SUCCEEDED(st)) {
            assert_int_equal(chain_depth(copy, false), LEVELS);
            wbemev_object_release(copy);
            assert_true(alloc_calls < n); /* every allocation of the clone was failed once */
            break;
        }
        assert_wbemev_status(st, WBEMEV_E_OUT_OF_MEMORY);
        assert_null(copy);
        assert_int_equal(wbemev_live_objects(), objects);
        assert_int_equal(wbemev_live_allocations(), blocks);
        failed++;
    }
    assert_int_equal(failed, LEVELS + 1); /* one block per level */
    wbemev_object_release(top);
    wbemev_class_release(node);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
    assert_wbemev_ok(wbemev_set_allocator(NULL));
}

/* Defines `count` classes C0, C1 ... into ns (Ci has property Prev: an object, of class C(i-1) when
 * by_ref_class) and returns a reference to each. */
static wbemev_class_t **define_class_chain(wbemev_namespace_t *ns, uint32_t count, bool by_ref_class)
{
    wbemev_class_t **classes = calloc(count, sizeof *classes);
    assert_non_null(classes);
    char name[32], prev[32];
    for (uint32_t i = 0; i < count; i++) {
        snprintf(name, sizeof name, "C%u", i);
        wbemev_property_def def = {"Prev", WBEMEV_CIM_OBJECT, NULL};
        if (by_ref_class && i > 0)
            def.ref_class = prev;
        assert_wbemev_ok(wbemev_namespace_define_class(ns, name, NULL, &def, 1, &classes[i]));
        memcpy(prev, name, sizeof prev);
    }
    return classes;
}

/* Drops the namespace, then our references from the first class to the last: only the last drop
 * frees anything, and it frees the whole chain. */
static void release_class_chain(wbemev_namespace_t *ns, wbemev_class_t **classes, uint32_t count)
{
    wbemev_namespace_release(ns);
    for (uint32_t i = 0; i + 1 < count; i++)
        wbemev_class_release(classes[i]);
    size_t before = wbemev_live_allocations();
    clock_t start = clock();
    wbemev_class_release(classes[count - 1]);
    printf("freed a chain of %u classes in %.3f s\n", count, seconds_since(start));
    assert_true(before > count);
    assert_int_equal(wbemev_live_allocations(), 0);
    free(classes);
    wbemev_test_assert_no_leaks();
}

/* Each class refers to the one before it by ref_class, which holds a reference to it. */
static void test_release_ref_class_chain(void **state)
{
    (void)state;
    wbemev_namespace_t *ns;
    assert_wbemev_ok(wbemev_namespace_new("root\\deep", &ns));
    wbemev_class_t **classes = define_class_chain(ns, CLASS_LEVELS, true);
    release_class_chain(ns, classes, CLASS_LEVELS);
}

/* Each class's class object holds, as a default, an instance of the class before it (which keeps
 * that class alive): freeing a class frees an object, which frees a class, and so on. */
static void test_release_class_object_chain(void **state)
{
    (void)state;
    wbemev_namespace_t *ns;
    assert_wbemev_ok(wbemev_namespace_new("root\\deep", &ns));
    wbemev_class_t **classes = define_class_chain(ns, CLASS_LEVELS, false);
    size_t base = wbemev_live_objects(); /* the class objects */
    for (uint32_t i = 1; i < CLASS_LEVELS; i++) {
        wbemev_object_t *inst;
        assert_wbemev_ok(wbemev_class_spawn_instance(classes[i - 1], &inst));
        wbemev_object_freeze(inst);
        put_object(wbemev_class_object(classes[i]), "Prev", inst);
        wbemev_object_release(inst);
    }
    assert_int_equal(wbemev_live_objects(), base + CLASS_LEVELS - 1);
    release_class_chain(ns, classes, CLASS_LEVELS);
}

/* ---- every writer against nesting: documented status past the limit, success up to it ---- */

/* A writer that counts what it receives and keeps nothing. */
static wbemev_status count_writer(void *ctx, const char *text, size_t len)
{
    (void)text;
    *(size_t *)ctx += len;
    return WBEMEV_S_NO_ERROR;
}

/* Every writer of an object's text, on top (its chain `depth` levels deep below it): each answers
 * `expected` (WBEMEV_S_NO_ERROR up to WBEMEV_FORMAT_MAX_DEPTH, WBEMEV_E_INVALID_OBJECT past it). A
 * formatting sink leaves an event it cannot write out and counts it, and never fails. */
static void check_writers(wbemev_object_t *top, uint32_t depth, wbemev_sink_t *json_sink, wbemev_sink_t *mof_sink)
{
    wbemev_status expected = depth <= WBEMEV_FORMAT_MAX_DEPTH ? WBEMEV_S_NO_ERROR : WBEMEV_E_INVALID_OBJECT;
    size_t n = 0, len = 0;
    assert_wbemev_status(wbemev_json_write_instance(top, 0, count_writer, &n), expected);
    assert_wbemev_status(wbemev_json_write_instance(top, WBEMEV_FORMAT_SKIP_NULLS | WBEMEV_FORMAT_ASCII, count_writer,
                                                    &n),
                         expected);
    assert_wbemev_status(wbemev_json_format_instance(top, 0, NULL, 0, &len), expected);
    assert_wbemev_status(wbemev_mof_write_instance(top, count_writer, &n), expected);
    assert_wbemev_status(wbemev_mof_format_instance(top, NULL, 0, &len), expected);
    assert_wbemev_status(wbemev_format_write_instance(WBEMEV_FORMAT_JSON, top, 0, count_writer, &n), expected);
    assert_wbemev_status(wbemev_format_write_instance(WBEMEV_FORMAT_MOF, top, 0, count_writer, &n), expected);
    /* A value holding the object (the form the wbemev tool's text lines write property values in):
     * the value is level 0, the object in it level 1. */
    wbemev_value v = {.type = WBEMEV_CIM_OBJECT, .is_null = false};
    v.u.object = top;
    assert_wbemev_status(wbemev_json_write_value(&v, 0, count_writer, &n),
                         depth + 1 <= WBEMEV_FORMAT_MAX_DEPTH ? WBEMEV_S_NO_ERROR : WBEMEV_E_INVALID_OBJECT);
    wbemev_format_sink_counters before[2], after[2];
    wbemev_sink_t *sinks[2] = {json_sink, mof_sink};
    for (int k = 0; k < 2; k++) {
        assert_wbemev_ok(wbemev_format_sink_stats(sinks[k], &before[k]));
        assert_wbemev_ok(wbemev_sink_indicate(sinks[k], 1, &top));
        assert_wbemev_ok(wbemev_format_sink_stats(sinks[k], &after[k]));
        assert_int_equal(after[k].written - before[k].written, expected == WBEMEV_S_NO_ERROR);
        assert_int_equal(after[k].skipped - before[k].skipped, expected != WBEMEV_S_NO_ERROR);
        assert_int_equal(after[k].failed, 0);
    }
}

/* Depths 0 .. 200 one after the other (each chain the previous one, frozen, one level down): every
 * writer, and release. (test_release_frozen_chain gives them the million-level chain.) */
static void test_writers_against_nesting(void **state)
{
    (void)state;
    wbemev_class_t *node;
    wbemev_namespace_t *ns = node_namespace(&node);
    size_t base = wbemev_live_objects();
    FILE *null_out = tmpfile();
    assert_non_null(null_out);
    wbemev_sink_t *json_sink, *mof_sink;
    assert_wbemev_ok(wbemev_format_sink_new(null_out, WBEMEV_FORMAT_JSON, 0, &json_sink));
    assert_wbemev_ok(wbemev_format_sink_new(null_out, WBEMEV_FORMAT_MOF, 0, &mof_sink));
    wbemev_object_t *top = NULL;
    uint32_t depth = 0;
    for (uint32_t i = 0; i <= 200; i++) {
        wbemev_object_t *o;
        assert_wbemev_ok(wbemev_class_spawn_instance(node, &o));
        assert_wbemev_ok(wbemev_object_put_uint32(o, "Depth", i));
        if (top != NULL) {
            if (i % 2 == 0)
                put_object(o, "Child", top);
            else
                put_one_kid(o, top);
            wbemev_object_release(top);
        }
        wbemev_object_freeze(o);
        top = o;
        depth = i;
        check_writers(top, depth, json_sink, mof_sink);
    }
    wbemev_format_sink_counters st;
    assert_wbemev_ok(wbemev_format_sink_stats(json_sink, &st));
    assert_int_equal(st.written, WBEMEV_FORMAT_MAX_DEPTH + 1);
    assert_int_equal(st.skipped, 200 - WBEMEV_FORMAT_MAX_DEPTH);
    assert_wbemev_status(st.last_skip, WBEMEV_E_INVALID_OBJECT);
    wbemev_sink_release(json_sink);
    wbemev_sink_release(mof_sink);
    fclose(null_out);
    wbemev_object_release(top);
    assert_int_equal(wbemev_live_objects(), base);
    wbemev_class_release(node);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

/* WQL follows a dotted path (Child.Child...Depth) in a loop, however long, and formats the query
 * back. */
static void test_wql_deep_path(void **state)
{
    (void)state;
    enum { PATH = 2000 }; /* 12,000 characters: queries are at most 16,384 */
    wbemev_class_t *node;
    wbemev_namespace_t *ns = node_namespace(&node);
    wbemev_object_t *top = NULL;
    for (uint32_t i = 0; i <= PATH + 10; i++) {
        wbemev_object_t *o;
        assert_wbemev_ok(wbemev_class_spawn_instance(node, &o));
        assert_wbemev_ok(wbemev_object_put_uint32(o, "Depth", PATH + 10 - i));
        if (top != NULL) {
            put_object(o, "Child", top);
            wbemev_object_release(top);
        }
        wbemev_object_freeze(o);
        top = o;
    }
    /* top's Depth is 0, the object PATH levels below it has Depth PATH. */
    size_t cap = 64 + (size_t)PATH * 6;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = (size_t)snprintf(text, cap, "SELECT * FROM Node WHERE ");
    for (int i = 0; i < PATH; i++)
        n += (size_t)snprintf(text + n, cap - n, "Child.");
    snprintf(text + n, cap - n, "Depth = %d", PATH);
    wbemev_query_t *q;
    wbemev_query_error err;
    assert_wbemev_ok(wbemev_query_parse(text, &q, &err));
    assert_true(wbemev_query_matches(q, top));
    size_t len = wbemev_query_format(q, NULL, 0);
    assert_true(len > (size_t)PATH * 6);
    wbemev_query_release(q);
    /* One level short of the path's end: Depth is PATH - 1 there, so the query must not match. */
    text[n - 6] = '\0';
    char *shorter = malloc(cap);
    assert_non_null(shorter);
    snprintf(shorter, cap, "%sDepth = %d", text, PATH);
    assert_wbemev_ok(wbemev_query_parse(shorter, &q, &err));
    assert_false(wbemev_query_matches(q, top));
    wbemev_query_release(q);
    free(shorter);
    free(text);
    wbemev_object_release(top);
    wbemev_class_release(node);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_release_frozen_chain),
        cmocka_unit_test(test_clone_freeze_unfrozen_chain),
        cmocka_unit_test(test_clone_out_of_memory),
        cmocka_unit_test(test_release_ref_class_chain),
        cmocka_unit_test(test_release_class_object_chain),
        cmocka_unit_test(test_writers_against_nesting),
        cmocka_unit_test(test_wql_deep_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
