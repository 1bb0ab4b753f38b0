/*
 * fuzz/fuzz_dispatcher.c: libFuzzer target for the dispatcher.
 *
 * The input picks the contract policy, then is a sequence of byte-coded operations: register and
 * unregister up to three providers (with or without initialize, new_query failing or access denied
 * as the input says), subscribe (queries from a table, with or without a SID, synchronous or
 * queued delivery), unsubscribe, indicate from a provider (fresh, reused or class objects, several
 * per call), inject an Indicate status, make a consumer fail, shutdown. Single-threaded except for
 * the dispatcher's own workers. Invariants, beyond the sanitizers:
 *  - a consumer receives no Indicate after its SetStatus and exactly one SetStatus once its
 *    subscription ended (unsubscribe, failure, shutdown);
 *  - every reference the dispatcher took on consumers and providers is given back at destroy;
 *  - subscription_count matches the subscriptions the operations left alive;
 *  - when everything is released, no object and no block is alive.
 */
#include "fuzz_common.h"
#include "wbemev/testkit.h" /* wbemev_testkit_inject_indicate_status */

#include <stdatomic.h>

#define NPROV 3
#define NCONS 6

struct prov {
    wbemev_provider_t base;
    atomic_int refs;
    wbemev_sink_t *sink;
    wbemev_status new_query_answer;
    wbemev_status access_answer;
    bool registered;
};

static struct prov *prov_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct prov, base);
}
static void prov_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add(&prov_from(p)->refs, 1);
}
static void prov_release(wbemev_provider_t *p)
{
    struct prov *f = prov_from(p);
    if (atomic_fetch_sub(&f->refs, 1) == 2 && f->sink != NULL) {
        /* Only the fuzzer's own reference is left: the dispatcher stopped us. Let go of the sink. */
        wbemev_sink_t *s = f->sink;
        f->sink = NULL;
        wbemev_sink_release(s);
    }
}
static wbemev_status prov_init(wbemev_provider_t *p, const wbemev_provider_init *init, wbemev_sink_t *s)
{
    (void)p, (void)init;
    return wbemev_sink_set_status(s, WBEMEV_STATUS_COMPLETE, WBEMEV_S_INITIALIZED, NULL, NULL);
}
static wbemev_status prov_provide(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    (void)flags;
    struct prov *f = prov_from(p);
    if (f->sink != NULL)
        wbemev_sink_release(f->sink);
    f->sink = wbemev_sink_add_ref(sink);
    return WBEMEV_S_NO_ERROR;
}
static wbemev_status prov_new_query(wbemev_provider_t *p, uint32_t id, const char *l, const char *q)
{
    (void)id, (void)l, (void)q;
    return prov_from(p)->new_query_answer;
}
static wbemev_status prov_cancel_query(wbemev_provider_t *p, uint32_t id)
{
    (void)p, (void)id;
    return WBEMEV_S_NO_ERROR;
}
static wbemev_status prov_access(wbemev_provider_t *p, const char *l, const char *q, const uint8_t *sid, size_t n)
{
    (void)l, (void)q, (void)sid, (void)n;
    return prov_from(p)->access_answer;
}
static const wbemev_provider_vtbl vtbl_full = {
    WBEMEV_PROVIDER_VTBL_VERSION, prov_add_ref, prov_release, prov_init, prov_provide,
    prov_new_query, prov_cancel_query, prov_access,
};
static const wbemev_provider_vtbl vtbl_min = {
    WBEMEV_PROVIDER_VTBL_VERSION, prov_add_ref, prov_release, NULL, prov_provide, NULL, NULL, NULL,
};

struct cons {
    wbemev_sink_t base;
    atomic_int refs;
    atomic_int statuses;
    atomic_int after_status; /* Indicates received after the SetStatus */
    atomic_int fail_in;      /* > 0: fail the Indicate after that many */
    uint32_t id;             /* 0 when not subscribed */
};
static struct cons *cons_from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, struct cons, base);
}
static void cons_add_ref(wbemev_sink_t *s)
{
    atomic_fetch_add(&cons_from(s)->refs, 1);
}
static void cons_release(wbemev_sink_t *s)
{
    CHECK(atomic_fetch_sub(&cons_from(s)->refs, 1) > 1); /* the fuzzer keeps the last one */
}
static wbemev_status cons_indicate(wbemev_sink_t *s, int32_t n, wbemev_object_t *const *objs)
{
    struct cons *c = cons_from(s);
    CHECK(n >= 1 && objs != NULL);
    for (int32_t i = 0; i < n; i++)
        CHECK(objs[i] != NULL && wbemev_object_is_frozen(objs[i]));
    if (atomic_load(&c->statuses) != 0)
        atomic_fetch_add(&c->after_status, 1);
    if (atomic_load(&c->fail_in) > 0 && atomic_fetch_sub(&c->fail_in, 1) == 1)
        return WBEMEV_E_FAILED;
    return WBEMEV_S_NO_ERROR;
}
static wbemev_status cons_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status st, const char *t,
                                     wbemev_object_t *o)
{
    (void)flags, (void)st, (void)t, (void)o;
    atomic_fetch_add(&cons_from(s)->statuses, 1);
    return WBEMEV_S_NO_ERROR;
}
static const wbemev_sink_vtbl cons_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, cons_add_ref, cons_release, cons_indicate, cons_set_status,
};

static const char *const queries[] = {
    "SELECT * FROM Ev",
    "SELECT * FROM SubEv WHERE Severity > 2",
    "SELECT Name FROM Ev WHERE Name LIKE \"a%\"",
    "SELECT * FROM __ExtrinsicEvent",
    "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA \"Base\"",
    "SELECT * FROM Ev GROUP WITHIN 10 BY Name",
    "SELECT * FROM Other",
    "SELECT * FROM Base",
    "SELECT * FROM",
    "SELECT * FROM Ev WHERE Nope = 1",
};
#define NQUERIES (sizeof queries / sizeof queries[0])

static const char *const event_queries[][2] = {
    {"SELECT * FROM Ev", NULL},
    {"SELECT * FROM SubEv", "SELECT * FROM Other"},
    {"SELECT * FROM __InstanceCreationEvent", "SELECT * FROM Base"},
};

static const char *const prov_names[NPROV] = {"P0", "P1", "P2"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size};
    wbemev_dispatcher_options opts;
    wbemev_dispatcher_options_init(&opts);
    uint8_t cfg = fz_u8(&in);
    opts.contract = (wbemev_contract_policy)(cfg % 3); /* off, record, strict (never abort) */
    opts.model_throttling = (cfg & 0x10) != 0;
    opts.refire_limit = 4;
    wbemev_dispatcher_t *d = NULL;
    CHECK(wbemev_dispatcher_new(&opts, &d) == WBEMEV_S_NO_ERROR);
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(d);
    static const wbemev_property_def base_props[] = {{"Name", WBEMEV_CIM_STRING, NULL}};
    static const wbemev_property_def ev_props[] = {{"Name", WBEMEV_CIM_STRING, NULL},
                                                   {"Severity", WBEMEV_CIM_SINT32, NULL}};
    CHECK(wbemev_namespace_define_class(ns, "Base", NULL, base_props, 1, NULL) == WBEMEV_S_NO_ERROR);
    CHECK(wbemev_namespace_define_class(ns, "Ev", "__ExtrinsicEvent", ev_props, 2, NULL) == WBEMEV_S_NO_ERROR);
    CHECK(wbemev_namespace_define_class(ns, "SubEv", "Ev", NULL, 0, NULL) == WBEMEV_S_NO_ERROR);
    CHECK(wbemev_namespace_define_class(ns, "Other", "__ExtrinsicEvent", NULL, 0, NULL) == WBEMEV_S_NO_ERROR);

    struct prov provs[NPROV];
    struct cons cons[NCONS];
    memset(provs, 0, sizeof provs);
    memset(cons, 0, sizeof cons);
    for (int i = 0; i < NPROV; i++) {
        provs[i].base.vtbl = i == 1 ? &vtbl_min : &vtbl_full;
        atomic_init(&provs[i].refs, 1);
    }
    for (int i = 0; i < NCONS; i++) {
        cons[i].base.vtbl = &cons_vtbl;
        atomic_init(&cons[i].refs, 1);
    }
    static const char *const class_names[] = {"Ev", "SubEv", "Other", "Base", "__InstanceCreationEvent"};
    wbemev_object_t *reused = NULL;
    bool shut = false;

    for (int ops = 0; in.n > 0 && ops < 128; ops++) {
        uint8_t op = fz_u8(&in), arg = fz_u8(&in);
        struct prov *p = &provs[arg % NPROV];
        struct cons *c = &cons[arg % NCONS];
        switch (op % 9) {
        case 0: { /* register */
            p->new_query_answer = (op & 0x40) ? WBEMEV_E_FAILED : WBEMEV_S_NO_ERROR;
            p->access_answer = (op & 0x80) ? WBEMEV_E_ACCESS_DENIED
                               : (op & 0x20) ? WBEMEV_S_SUBJECT_TO_SDS : WBEMEV_S_NO_ERROR;
            const char *const *q = event_queries[arg % NPROV];
            wbemev_status st = wbemev_dispatcher_register(d, prov_names[arg % NPROV], &p->base, q, q[1] ? 2 : 1);
            if (st == WBEMEV_S_NO_ERROR) {
                CHECK(!p->registered && !shut);
                p->registered = true;
            }
            break;
        }
        case 1: /* unregister */
            if (wbemev_dispatcher_unregister(d, prov_names[arg % NPROV]) == WBEMEV_S_NO_ERROR) {
                CHECK(p->registered);
                p->registered = false;
            }
            break;
        case 2: { /* subscribe */
            if (c->id != 0)
                break;
            wbemev_subscribe_options so;
            wbemev_subscribe_options_init(&so);
            static const uint8_t sid[] = {1, 1, 0, 0, 0, 0, 0, 5, 7, 0, 0, 0};
            if (op & 0x40) {
                so.sid = sid;
                so.sid_length = sizeof sid;
            }
            so.delivery = (op & 0x80) ? WBEMEV_DELIVERY_QUEUED : WBEMEV_DELIVERY_SYNC;
            atomic_store(&c->statuses, 0);
            atomic_store(&c->after_status, 0);
            uint32_t id = 0;
            size_t before = wbemev_dispatcher_subscription_count(d);
            wbemev_status st = wbemev_dispatcher_subscribe(d, queries[fz_u8(&in) % NQUERIES], &c->base,
                                                           (op & 0x20) ? NULL : &so, &id);
            if (st == WBEMEV_S_NO_ERROR) {
                CHECK(id != 0 && !shut);
                c->id = id;
            } else {
                /* Nothing added; others may end meanwhile (a failing queued consumer is cancelled
                 * by its worker). */
                CHECK(id == 0 && atomic_load(&c->refs) == 1 && wbemev_dispatcher_subscription_count(d) <= before);
            }
            break;
        }
        case 3: /* unsubscribe */
            if (c->id != 0) {
                wbemev_status st = wbemev_dispatcher_unsubscribe(d, c->id);
                CHECK(st == WBEMEV_S_NO_ERROR || st == WBEMEV_E_NOT_FOUND);
                CHECK(atomic_load(&c->statuses) == 1 && atomic_load(&c->refs) == 1);
                c->id = 0;
            } else {
                CHECK(wbemev_dispatcher_unsubscribe(d, arg) != WBEMEV_S_NO_ERROR || arg != 0);
            }
            break;
        case 4:
        case 5: { /* indicate */
            if (p->sink == NULL)
                break;
            wbemev_object_t *objs[4] = {0};
            int32_t n = 1 + fz_u8(&in) % 4;
            for (int32_t i = 0; i < n; i++) {
                uint8_t how = fz_u8(&in);
                wbemev_class_t *cls = NULL;
                (void)wbemev_namespace_get_class(ns, class_names[how % 5], &cls);
                if (how & 0x80 && reused != NULL) {
                    objs[i] = wbemev_object_add_ref(reused); /* indicated again: a violation */
                } else if (how & 0x40 && cls != NULL) {
                    objs[i] = wbemev_object_add_ref(wbemev_class_object(cls)); /* a class object */
                } else if (cls != NULL && wbemev_class_spawn_instance(cls, &objs[i]) == WBEMEV_S_NO_ERROR) {
                    char name[16];
                    (void)wbemev_object_put_string(objs[i], "Name", fz_str(&in, name, 15));
                    (void)wbemev_object_put_sint32(objs[i], "Severity", (int32_t)(fz_u8(&in) % 5));
                }
                wbemev_class_release(cls);
                if (objs[i] == NULL)
                    objs[i] = wbemev_object_add_ref(objs[0] != NULL ? objs[0] : NULL);
            }
            bool ok = true;
            for (int32_t i = 0; i < n; i++)
                ok &= objs[i] != NULL;
            if (ok)
                (void)wbemev_sink_indicate(p->sink, n, objs);
            if (ok && reused == NULL && objs[0] != wbemev_class_object(wbemev_object_class(objs[0])))
                reused = wbemev_object_add_ref(objs[0]);
            for (int32_t i = 0; i < n; i++)
                wbemev_object_release(objs[i]);
            break;
        }
        case 6: /* injected status */
            (void)wbemev_testkit_inject_indicate_status(d, prov_names[arg % NPROV],
                                                            (op & 1) ? WBEMEV_E_SERVER_TOO_BUSY : WBEMEV_E_CALL_CANCELLED,
                                                            fz_u8(&in) % 3);
            break;
        case 7: /* a consumer that fails soon */
            atomic_store(&c->fail_in, 1 + fz_u8(&in) % 3);
            break;
        default: /* shutdown (rarely), or read the stats and the report */
            if ((op & 0xf0) == 0xf0) {
                wbemev_dispatcher_shutdown(d);
                shut = true;
            } else {
                wbemev_subscription_stats ss;
                wbemev_provider_stats ps;
                (void)wbemev_dispatcher_subscription_stats(d, c->id, &ss);
                (void)wbemev_dispatcher_provider_stats(d, prov_names[arg % NPROV], &ps);
                (void)wbemev_dispatcher_violation_count(d);
            }
            break;
        }
        /* A subscription that ended on its own (consumer failure) got its one SetStatus. */
        for (int i = 0; i < NCONS; i++)
            CHECK(atomic_load(&cons[i].statuses) <= 1);
    }
    wbemev_object_release(reused);
    wbemev_dispatcher_destroy(d);
    for (int i = 0; i < NCONS; i++) {
        CHECK(atomic_load(&cons[i].refs) == 1);
        CHECK(atomic_load(&cons[i].statuses) <= 1);
        CHECK(cons[i].id == 0 || atomic_load(&cons[i].statuses) == 1);
        CHECK(atomic_load(&cons[i].after_status) == 0);
    }
    for (int i = 0; i < NPROV; i++) {
        CHECK(atomic_load(&provs[i].refs) == 1);
        CHECK(provs[i].sink == NULL);
    }
    CHECK(wbemev_live_objects() == 0);
    CHECK(wbemev_live_allocations() == 0);
    return 0;
}
