/*
 * tests/test_memory_bound.c: a queue holds no more than its byte limits say. The footprint a queue
 * counts is exact for strings, arrays, embedded objects and object arrays at every depth; a queued
 * consumer held at its gate while a provider indicates events carrying 16 KiB embedded objects keeps
 * the library's live bytes (counted by an allocator hook) and the process's resident memory within
 * the limit plus a fixed overhead.
 */
#include "test_support.h"

#include "model/object_layout.h" /* white-box: header_size, align_up, the footprint */

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#endif

#define PAYLOAD_BYTES (16u * 1024u)
#define QUEUE_TOTAL (1024u * 1024u)
#define EVENTS 4000u /* 64 MiB of payloads: far past the limit if it did not hold */
/* What the library may hold besides the queue: classes, the ring, each class's cache of freed
 * instance blocks (256 KiB at most), the event being built. */
#define LIBRARY_OVERHEAD (2u * 1024u * 1024u)
/* What the process's resident set may grow by besides the library's bytes: the allocator's own
 * blocks and spare arenas, a worker's stack. */
#define RSS_OVERHEAD (8u * 1024u * 1024u)

/* ---- an allocator hook that counts live bytes and their peak ---- */
static atomic_size_t live_bytes, peak_bytes;

#define PREFIX 16u /* keeps the caller's block aligned for any type */

static void note_peak(size_t now)
{
    size_t peak = atomic_load(&peak_bytes);
    while (now > peak && !atomic_compare_exchange_weak(&peak_bytes, &peak, now)) {
    }
}

static void *count_malloc(void *ctx, size_t size)
{
    (void)ctx;
    unsigned char *p = malloc(PREFIX + size);
    if (p == NULL)
        return NULL;
    memcpy(p, &size, sizeof size);
    note_peak(atomic_fetch_add(&live_bytes, size) + size);
    return p + PREFIX;
}

static void count_free(void *ctx, void *ptr)
{
    (void)ctx;
    if (ptr == NULL)
        return;
    unsigned char *p = (unsigned char *)ptr - PREFIX;
    size_t size;
    memcpy(&size, p, sizeof size);
    atomic_fetch_sub(&live_bytes, size);
    free(p);
}

static void *count_realloc(void *ctx, void *ptr, size_t size)
{
    if (ptr == NULL)
        return count_malloc(ctx, size);
    unsigned char *old = (unsigned char *)ptr - PREFIX;
    size_t old_size;
    memcpy(&old_size, old, sizeof old_size);
    unsigned char *p = realloc(old, PREFIX + size);
    if (p == NULL)
        return NULL;
    memcpy(p, &size, sizeof size);
    atomic_fetch_sub(&live_bytes, old_size);
    note_peak(atomic_fetch_add(&live_bytes, size) + size);
    return p + PREFIX;
}

static const wbemev_allocator counting = {count_malloc, count_realloc, count_free, NULL};

/* Resident bytes of this process, or 0 where /proc/self/statm cannot say. */
static size_t resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    return n == 2 ? (size_t)resident * 4096u : 0;
}

/* ---- classes ---- */
static const wbemev_property_def payload_props[] = {{"Data", WBEMEV_CIM_STRING, NULL}};
static const wbemev_property_def event_props[] = {
    {"Payload", WBEMEV_CIM_OBJECT, "M_Payload"},
    {"Payloads", (wbemev_cimtype)(WBEMEV_CIM_OBJECT | WBEMEV_CIM_FLAG_ARRAY), "M_Payload"},
    {"Label", WBEMEV_CIM_STRING, NULL},
};

static void define_classes(wbemev_namespace_t *ns, wbemev_class_t **payload, wbemev_class_t **event)
{
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "M_Payload", NULL, payload_props, 1, payload));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "M_Event", "__ExtrinsicEvent", event_props, 3, event));
}

static char big_text[PAYLOAD_BYTES + 1];

static wbemev_object_t *new_payload(wbemev_class_t *payload, char fill)
{
    memset(big_text, fill, PAYLOAD_BYTES);
    big_text[PAYLOAD_BYTES] = '\0';
    wbemev_object_t *p;
    assert_wbemev_ok(wbemev_class_spawn_instance(payload, &p));
    assert_wbemev_ok(wbemev_object_put_string(p, "Data", big_text));
    return p;
}

static void put_object(wbemev_object_t *obj, const char *name, wbemev_object_t *value)
{
    wbemev_value v = {.type = WBEMEV_CIM_OBJECT, .is_null = false};
    v.u.object = value;
    assert_wbemev_ok(wbemev_object_put(obj, name, &v));
}

static void put_objects(wbemev_object_t *obj, const char *name, wbemev_object_t **items, size_t n)
{
    wbemev_value v = {.type = (wbemev_cimtype)(WBEMEV_CIM_OBJECT | WBEMEV_CIM_FLAG_ARRAY), .is_null = false};
    v.u.array.items = items;
    v.u.array.count = n;
    assert_wbemev_ok(wbemev_object_put(obj, name, &v));
}

/* An event holding a fresh frozen 16 KiB payload: nothing shared with other events. */
static wbemev_object_t *new_big_event(wbemev_class_t *payload, wbemev_class_t *event, char fill)
{
    wbemev_object_t *p = new_payload(payload, fill);
    wbemev_object_freeze(p);
    wbemev_object_t *e;
    assert_wbemev_ok(wbemev_class_spawn_instance(event, &e));
    put_object(e, "Payload", p);
    wbemev_object_release(p);
    return e;
}

/* ---- the footprint, exactly ---- */
static bool selects_label(void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "Label") == 0;
}

static size_t payload_footprint(void)
{
    return header_size(1) + align_up(PAYLOAD_BYTES + 1);
}

static size_t event_header(const wbemev_class_t *event)
{
    return header_size((uint32_t)wbemev_class_property_count(event));
}

static void test_footprint_exact(void **state)
{
    (void)state;
    wbemev_namespace_t *ns;
    wbemev_class_t *payload, *event;
    assert_wbemev_ok(wbemev_namespace_new("root\\fp", &ns));
    define_classes(ns, &payload, &event);

    wbemev_object_t *p = new_payload(payload, 'a');
    assert_int_equal(wbemev__object_footprint(p), payload_footprint()); /* unfrozen: the same */
    wbemev_object_freeze(p);
    assert_int_equal(wbemev__object_footprint(p), payload_footprint());

    wbemev_object_t *e;
    assert_wbemev_ok(wbemev_class_spawn_instance(event, &e));
    assert_int_equal(wbemev__object_footprint(e), event_header(event));
    assert_wbemev_ok(wbemev_object_put_string(e, "Label", "a label longer than the slot keeps"));
    size_t label = align_up(strlen("a label longer than the slot keeps") + 1);
    assert_int_equal(wbemev__object_footprint(e), event_header(event) + label);

    /* An embedded object: all of it, not its header. Shared (frozen): counted per reference. */
    put_object(e, "Payload", p);
    assert_int_equal(wbemev__object_footprint(e), event_header(event) + label + payload_footprint());
    wbemev_object_t *three[3] = {p, p, p};
    put_objects(e, "Payloads", three, 3);
    size_t expected = event_header(event) + label + align_up(3 * sizeof(void *)) + 4 * payload_footprint();
    assert_int_equal(wbemev__object_footprint(e), expected);
    wbemev_object_freeze(e);
    assert_int_equal(wbemev__object_footprint(e), expected);

    /* A view (SELECT Label): its own block and all of its base. */
    wbemev_object_t *v;
    assert_wbemev_ok(wbemev__object_new_view(e, selects_label, NULL, &v));
    size_t mask = (wbemev_class_property_count(event) + 7) / 8;
    assert_int_equal(wbemev__object_footprint(v), header_size(0) + align_up(mask) + expected);
    wbemev_object_release(v);

    /* An unfrozen object holding an unfrozen copy: the copy's bytes are counted too. */
    wbemev_object_t *u, *q = new_payload(payload, 'b');
    assert_wbemev_ok(wbemev_class_spawn_instance(event, &u));
    put_object(u, "Payload", q); /* unfrozen: a private copy (its string in the copy's arena) */
    assert_int_equal(wbemev__object_footprint(u), event_header(event) + payload_footprint());
    wbemev_object_freeze(u);
    assert_int_equal(wbemev__object_footprint(u), event_header(event) + payload_footprint());
    wbemev_object_release(u);
    wbemev_object_release(q);

    wbemev_object_release(e);
    wbemev_object_release(p);
    wbemev_class_release(event);
    wbemev_class_release(payload);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

/* A chain a million levels deep, frozen level by level and then in one freeze of an unfrozen
 * chain: the footprint is every level's block, read without a walk. */
#define CHAIN_LEVELS 1000000u
static void test_footprint_deep_chain(void **state)
{
    (void)state;
    static const wbemev_property_def node_props[] = {{"Child", WBEMEV_CIM_OBJECT, "M_Node"}};
    wbemev_namespace_t *ns;
    wbemev_class_t *node;
    assert_wbemev_ok(wbemev_namespace_new("root\\fpdeep", &ns));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "M_Node", NULL, node_props, 1, &node));
    wbemev_object_t *top = NULL;
    for (uint32_t i = 0; i < CHAIN_LEVELS; i++) {
        wbemev_object_t *o;
        assert_wbemev_ok(wbemev_class_spawn_instance(node, &o));
        if (top != NULL) {
            put_object(o, "Child", top);
            wbemev_object_release(top);
        }
        wbemev_object_freeze(o);
        top = o;
    }
    assert_int_equal(wbemev__object_footprint(top), (size_t)CHAIN_LEVELS * header_size(1));
    wbemev_object_release(top);

    /* Unfrozen levels, grown from the top down through the copies, then frozen at once. */
    enum { UNFROZEN = 100000 };
    wbemev_object_t *leaf, *root;
    assert_wbemev_ok(wbemev_class_spawn_instance(node, &leaf));
    assert_wbemev_ok(wbemev_class_spawn_instance(node, &root));
    wbemev_object_t *cur = root;
    for (uint32_t i = 0; i < UNFROZEN; i++) {
        put_object(cur, "Child", leaf);
        wbemev_value v;
        assert_wbemev_ok(wbemev_object_get(cur, "Child", &v));
        cur = v.u.object;
    }
    wbemev_object_release(leaf);
    wbemev_object_freeze(root);
    assert_int_equal(wbemev__object_footprint(root), (size_t)(UNFROZEN + 1) * header_size(1));
    wbemev_object_release(root);
    wbemev_class_release(node);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

/* ---- a queue held at its consumer's gate ---- */
struct bound_fx {
    wbemev_dispatcher_t *d;
    test_fakes fakes;
    fake_provider *p;
    fake_consumer *c;
    wbemev_class_t *payload, *event;
    uint32_t id;
};

static void bound_setup(struct bound_fx *f, uint64_t total, uint64_t queue_bytes, wbemev_backpressure bp)
{
    memset(f, 0, sizeof *f);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.workers = 1;
    o.queue_total_bytes = total;
    o.keep_final_stats = true;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &f->d));
    define_classes(wbemev_dispatcher_namespace(f->d), &f->payload, &f->event);
    f->p = test_fakes_provider(&f->fakes);
    static const char *const list[] = {"SELECT * FROM M_Event"};
    assert_wbemev_ok(wbemev_dispatcher_register(f->d, "MP", fake_provider_base(f->p), list, 1));
    f->c = test_fakes_consumer(&f->fakes);
    fake_consumer_log_events(f->c, false);
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.delivery = WBEMEV_DELIVERY_QUEUED;
    so.backpressure = bp;
    so.queue_max_bytes = queue_bytes;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM M_Event", fake_consumer_sink(f->c), &so, &f->id));
}

static void bound_teardown(struct bound_fx *f)
{
    wbemev_dispatcher_destroy(f->d);
    wbemev_class_release(f->event);
    wbemev_class_release(f->payload);
    test_fakes_teardown(&f->fakes);
    wbemev_test_assert_no_leaks();
}

static wbemev_status indicate_big(struct bound_fx *f, char fill)
{
    wbemev_object_t *e = new_big_event(f->payload, f->event, fill);
    wbemev_sink_t *sink = fake_provider_sink(f->p);
    assert_non_null(sink);
    wbemev_status st = wbemev_sink_indicate(sink, 1, &e);
    wbemev_object_release(e);
    return st;
}

static bool rss_measurable(void)
{
#ifdef UNDER_SANITIZER
    return false; /* freed memory waits in the sanitizer's quarantine */
#else
    return !RUNNING_ON_VALGRIND && resident_bytes() != 0;
#endif
}

/* DROP_NEWEST under the dispatcher's total: the provider never waits, the queue keeps what fits. */
static void test_queue_total_holds(void **state)
{
    (void)state;
    struct bound_fx f;
    bound_setup(&f, QUEUE_TOTAL, 0, WBEMEV_BACKPRESSURE_DROP_NEWEST);
    fake_consumer_gate(f.c, true);
    assert_wbemev_ok(indicate_big(&f, 'a'));
    fake_consumer_wait_entered(f.c, 1); /* the worker is parked in the consumer with one event */
    size_t live0 = atomic_load(&live_bytes), rss0 = resident_bytes();
    atomic_store(&peak_bytes, live0);
    for (unsigned i = 1; i < EVENTS; i++)
        assert_wbemev_ok(indicate_big(&f, (char)('a' + i % 26)));
    size_t peak = atomic_load(&peak_bytes) - live0, rss1 = resident_bytes();
    wbemev_subscription_stats st;
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f.d, f.id, &st));
    size_t per_event = event_header(f.event) + payload_footprint();
    printf("queue_total_bytes %u: %u events of %zu bytes indicated, %llu queued, %llu dropped; library "
           "peak +%zu bytes, resident +%zu bytes\n",
           QUEUE_TOTAL, EVENTS, per_event, (unsigned long long)st.queued, (unsigned long long)st.dropped,
           peak, rss1 > rss0 ? rss1 - rss0 : 0);
    assert_true(st.queued * per_event <= QUEUE_TOTAL);
    assert_true(st.dropped >= EVENTS - QUEUE_TOTAL / per_event - 1);
    assert_true(peak <= QUEUE_TOTAL + LIBRARY_OVERHEAD);
    if (rss_measurable())
        assert_true(rss1 <= rss0 + QUEUE_TOTAL + RSS_OVERHEAD);
    else
        printf("resident memory not asserted here (sanitizer, valgrind or no /proc/self/statm)\n");
    fake_consumer_gate(f.c, false);
    assert_wbemev_ok(wbemev_dispatcher_wait_idle(f.d, 60000));
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f.d, f.id, &st));
    assert_balanced(&st);
    assert_int_equal(st.delivered + st.dropped, EVENTS);
    bound_teardown(&f);
}

/* REFUSE under a subscription's queue_max_bytes: the reservation counts the whole event. */
static void test_queue_max_bytes_refuses(void **state)
{
    (void)state;
    struct bound_fx f;
    const uint64_t limit = 256u * 1024u;
    bound_setup(&f, 0, limit, WBEMEV_BACKPRESSURE_REFUSE);
    fake_consumer_gate(f.c, true);
    assert_wbemev_ok(indicate_big(&f, 'a'));
    fake_consumer_wait_entered(f.c, 1);
    size_t per_event = event_header(f.event) + payload_footprint();
    unsigned accepted = 1, refused = 0;
    for (unsigned i = 1; i < 100; i++) {
        wbemev_status st = indicate_big(&f, 'b');
        if (st == WBEMEV_S_NO_ERROR)
            accepted++;
        else if (st == WBEMEV_E_SERVER_TOO_BUSY)
            refused++;
        else
            fail_msg("Indicate answered 0x%08x", (unsigned)st);
    }
    /* The one in the consumer's hands counts until it is released. */
    printf("queue_max_bytes %llu: %u of 100 events of %zu bytes accepted\n", (unsigned long long)limit, accepted,
           per_event);
    assert_int_equal(accepted, limit / per_event);
    assert_int_equal(refused, 100 - accepted);
    fake_consumer_gate(f.c, false);
    assert_wbemev_ok(wbemev_dispatcher_wait_idle(f.d, 60000));
    wbemev_subscription_stats st;
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f.d, f.id, &st));
    assert_balanced(&st);
    assert_int_equal(st.delivered, accepted);
    assert_int_equal(st.refused, refused);
    bound_teardown(&f);
}

int main(void)
{
    /* Before anything allocates: the hook must have made every live block. */
    if (WBEMEV_FAILED(wbemev_set_allocator(&counting))) {
        fprintf(stderr, "could not install the counting allocator\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_footprint_exact),
        cmocka_unit_test(test_footprint_deep_chain),
        cmocka_unit_test(test_queue_total_holds),
        cmocka_unit_test(test_queue_max_bytes_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
