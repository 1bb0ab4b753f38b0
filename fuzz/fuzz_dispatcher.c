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
 *  - the fakes (tests/support) see nothing the dispatcher must never do: a call before readiness
 *    or after the final release, an unfrozen object, a call after the final SetStatus...;
 *  - subscription_count matches the subscriptions the operations left alive;
 *  - when everything is released, no object and no block is alive;
 *  - the filter index changes nothing: filter subscriptions (WHEREs generated from the input, many
 *    on one class, so the dispatcher indexes them, subscribed and ended as the input says) each
 *    receive exactly the objects of successful Indicate calls that evaluating their WHERE
 *    (wbemev_query_matches) accepts, and their filtered count is the rest of their class's.
 */
#include "fuzz_common.h"
#include "wbemev/testkit.h" /* wbemev_testkit_inject_indicate_status */

#include "fake_consumer.h"
#include "fake_provider.h"

#define NPROV 3
#define NCONS 6

/* The fakes are the tests' (tests/support): a provider that keeps its sink, consumers that note
 * what the dispatcher must never do to them (calls after the final SetStatus, unfrozen objects,
 * releases of the fuzzer's reference). */
struct prov {
    fake_provider *fake;
    bool registered;
};

struct cons {
    fake_consumer *fake;
    uint32_t id; /* 0 when not subscribed */
};

static void check_fakes(struct prov *provs, struct cons *cons)
{
    for (int i = 0; i < NPROV; i++) {
        const char *a = fake_provider_anomaly(provs[i].fake);
        if (a != NULL) {
            fprintf(stderr, "fuzz_dispatcher: provider %d: %s\n", i, a);
            abort();
        }
    }
    for (int i = 0; i < NCONS; i++) {
        const char *a = fake_consumer_anomaly(cons[i].fake);
        if (a != NULL) {
            fprintf(stderr, "fuzz_dispatcher: consumer %d: %s\n", i, a);
            abort();
        }
    }
}

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

/* ---- filter subscriptions: the index against evaluating every WHERE ---- */

#define NFILT 24

struct filt {
    wbemev_sink_t *sink;
    wbemev_query_t *q; /* compiled here, evaluated for the expectation */
    uint32_t id;       /* 0 when not subscribed */
    uint64_t got, wrong, want, want_filtered;
};

static wbemev_status filt_on_event(void *ctx, wbemev_object_t *event)
{
    struct filt *f = ctx;
    f->got++;
    if (!wbemev_query_matches(f->q, event))
        f->wrong++;
    return WBEMEV_S_NO_ERROR;
}

/* One conjunct from the input: what the index keys on (equality, ranges, LIKE prefixes, ISA) and
 * what it cannot (<>, NOT, IS NULL), with constants of the property's type and of others. */
static void filt_atom(fz_in *in, bool intrinsic, char *out, size_t size)
{
    uint8_t a = fz_u8(in), k = fz_u8(in);
    char c = "abcdAB"[k % 6];
    int v = (int)(k % 7) - 2;
    if (intrinsic) {
        switch (a % 4) {
        case 0: snprintf(out, size, "TargetInstance ISA 'Base'"); break;
        case 1: snprintf(out, size, "TargetInstance.Name = '%c'", c); break;
        case 2: snprintf(out, size, "TargetInstance.Name LIKE '%c%%'", c); break;
        default: snprintf(out, size, "TargetInstance IS NOT NULL"); break;
        }
        return;
    }
    switch (a % 14) {
    case 0:
    case 1: snprintf(out, size, "Name = '%c'", c); break;
    case 2: snprintf(out, size, "Name = '%c%c'", c, "xyZ"[k % 3]); break;
    case 3: snprintf(out, size, "Name LIKE '%c%%'", c); break;
    case 4: snprintf(out, size, "Severity = %d", v); break;
    case 5: snprintf(out, size, "Severity > %d", v); break;
    case 6: snprintf(out, size, "Severity <= %d.5", v); break;
    case 7: snprintf(out, size, "Severity >= %d AND Severity < %d", v, v + 2); break;
    case 8: snprintf(out, size, "%d = Severity", v); break;
    case 9: snprintf(out, size, "Severity <> %d", v); break;
    case 10: snprintf(out, size, "NOT (Name = '%c')", c); break;
    case 11: snprintf(out, size, "Name IS NULL"); break;
    case 12: snprintf(out, size, "Name > '%c'", c); break;
    default: snprintf(out, size, "Severity = %d.0", v); break;
    }
}

static void filt_query(fz_in *in, char *out, size_t size)
{
    static const char *const froms[] = {"Ev", "Ev", "Ev", "SubEv", "__InstanceCreationEvent"};
    uint8_t b = fz_u8(in);
    const char *from = froms[b % 5];
    size_t n = (size_t)snprintf(out, size, "SELECT * FROM %s", from);
    if ((b & 0xe0) == 0xe0)
        return; /* no WHERE */
    n += (size_t)snprintf(out + n, size - n, " WHERE ");
    unsigned nd = 1 + (b >> 3) % 3;
    for (unsigned d = 0; d < nd; d++) {
        unsigned nc = 1 + fz_u8(in) % 2;
        n += (size_t)snprintf(out + n, size - n, "%s(", d ? " OR " : "");
        for (unsigned c = 0; c < nc; c++) {
            char atom[64];
            filt_atom(in, from[0] == '_', atom, sizeof atom);
            n += (size_t)snprintf(out + n, size - n, "%s%s", c ? " AND " : "", atom);
        }
        n += (size_t)snprintf(out + n, size - n, ")");
    }
}

static void filt_subscribe(wbemev_dispatcher_t *d, struct filt *f, fz_in *in)
{
    if (f->id != 0)
        return;
    char text[512];
    filt_query(in, text, sizeof text);
    wbemev_query_release(f->q);
    f->q = NULL;
    CHECK(wbemev_query_compile(text, wbemev_dispatcher_namespace(d), &f->q, NULL) == WBEMEV_S_NO_ERROR);
    f->got = f->wrong = f->want = f->want_filtered = 0;
    if (wbemev_dispatcher_subscribe(d, text, f->sink, NULL, &f->id) != WBEMEV_S_NO_ERROR)
        f->id = 0;
}

/* An Indicate call succeeded: what each filter subscription must have received. */
static void filt_expect(struct filt *filts, int32_t n, wbemev_object_t *const *objs)
{
    for (int k = 0; k < NFILT; k++) {
        struct filt *f = &filts[k];
        if (f->id == 0)
            continue;
        for (int32_t i = 0; i < n; i++) {
            if (!wbemev_class_inherits_from(wbemev_object_class(objs[i]), wbemev_query_class(f->q)))
                continue;
            if (wbemev_query_matches(f->q, objs[i]))
                f->want++;
            else
                f->want_filtered++;
        }
    }
}

static void filt_check(wbemev_dispatcher_t *d, struct filt *filts)
{
    for (int k = 0; k < NFILT; k++) {
        struct filt *f = &filts[k];
        if (f->id == 0)
            continue;
        wbemev_subscription_stats st;
        if (wbemev_dispatcher_subscription_stats(d, f->id, &st) != WBEMEV_S_NO_ERROR)
            continue; /* ended by shutdown */
        if (f->wrong != 0 || f->got != f->want || st.filtered != f->want_filtered) {
            fprintf(stderr, "fuzz_dispatcher: \"%s\": %llu delivered (%llu not matching), expected %llu; filtered %llu, expected %llu\n",
                    wbemev_query_text(f->q), (unsigned long long)f->got, (unsigned long long)f->wrong,
                    (unsigned long long)f->want, (unsigned long long)st.filtered,
                    (unsigned long long)f->want_filtered);
            abort();
        }
    }
}

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
        provs[i].fake = fake_provider_new();
        CHECK(provs[i].fake != NULL);
        if (i == 1)
            fake_provider_set_methods(provs[i].fake, 0); /* ProvideEvents only */
    }
    for (int i = 0; i < NCONS; i++) {
        cons[i].fake = fake_consumer_new();
        CHECK(cons[i].fake != NULL);
        fake_consumer_log_events(cons[i].fake, false);
    }
    static const char *const class_names[] = {"Ev", "SubEv", "Other", "Base", "__InstanceCreationEvent"};
    wbemev_object_t *reused = NULL;
    bool shut = false;
    struct filt filts[NFILT];
    memset(filts, 0, sizeof filts);
    for (int k = 0; k < NFILT; k++)
        CHECK(wbemev_callback_sink_new(filt_on_event, NULL, &filts[k], &filts[k].sink) == WBEMEV_S_NO_ERROR);
    /* Enough on one class from the start that the dispatcher indexes them. */
    for (int k = 0; k < 16; k++)
        filt_subscribe(d, &filts[k], &in);

    for (int ops = 0; in.n > 0 && ops < 128; ops++) {
        uint8_t op = fz_u8(&in), arg = fz_u8(&in);
        struct prov *p = &provs[arg % NPROV];
        struct cons *c = &cons[arg % NCONS];
        switch (op % 11) {
        case 0: { /* register */
            fake_provider_answer(p->fake, FAKE_CALL_NEW_QUERY, (op & 0x40) ? WBEMEV_E_FAILED : WBEMEV_S_NO_ERROR);
            fake_provider_answer(p->fake, FAKE_CALL_ACCESS_CHECK,
                                 (op & 0x80)   ? WBEMEV_E_ACCESS_DENIED
                                 : (op & 0x20) ? WBEMEV_S_SUBJECT_TO_SDS
                                               : WBEMEV_S_NO_ERROR);
            const char *const *q = event_queries[arg % NPROV];
            wbemev_status st =
                wbemev_dispatcher_register(d, prov_names[arg % NPROV], fake_provider_base(p->fake), q, q[1] ? 2 : 1);
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
            fake_consumer_reset(c->fake); /* a new subscription: its own log, no failure scripted yet */
            fake_consumer_fail_after(c->fake, SIZE_MAX, WBEMEV_E_FAILED);
            uint32_t id = 0;
            size_t before = wbemev_dispatcher_subscription_count(d);
            wbemev_status st = wbemev_dispatcher_subscribe(d, queries[fz_u8(&in) % NQUERIES],
                                                           fake_consumer_sink(c->fake), (op & 0x20) ? NULL : &so, &id);
            if (st == WBEMEV_S_NO_ERROR) {
                CHECK(id != 0 && !shut);
                c->id = id;
            } else {
                /* Nothing added; others may end meanwhile (a failing queued consumer is cancelled
                 * by its worker). */
                CHECK(id == 0 && fake_consumer_refs(c->fake) == 1 && wbemev_dispatcher_subscription_count(d) <= before);
            }
            break;
        }
        case 3: /* unsubscribe */
            if (c->id != 0) {
                wbemev_status st = wbemev_dispatcher_unsubscribe(d, c->id);
                CHECK(st == WBEMEV_S_NO_ERROR || st == WBEMEV_E_NOT_FOUND);
                CHECK(fake_consumer_completes(c->fake) == 1 && fake_consumer_refs(c->fake) == 1);
                c->id = 0;
            } else if (wbemev_dispatcher_unsubscribe(d, arg) == WBEMEV_S_NO_ERROR) {
                CHECK(arg != 0);
                for (int k = 0; k < NFILT; k++) /* a filter subscription's id */
                    if (filts[k].id == arg)
                        filts[k].id = 0;
            }
            break;
        case 4:
        case 5: { /* indicate */
            if (fake_provider_sink(p->fake) == NULL) /* kept since ProvideEvents, maybe of an earlier registration */
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
            if (ok && WBEMEV_SUCCEEDED(fake_provider_indicate(p->fake, n, objs)))
                filt_expect(filts, n, objs);
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
        case 7: /* a consumer that fails soon: within its next 1 to 3 events */
            fake_consumer_fail_after(c->fake, fake_consumer_events(c->fake) + fz_u8(&in) % 3, WBEMEV_E_FAILED);
            break;
        case 9: /* a filter subscription */
            if (!shut)
                filt_subscribe(d, &filts[arg % NFILT], &in);
            break;
        case 10: /* ended */
            if (filts[arg % NFILT].id != 0) {
                CHECK(wbemev_dispatcher_unsubscribe(d, filts[arg % NFILT].id) == WBEMEV_S_NO_ERROR || shut);
                filts[arg % NFILT].id = 0;
            }
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
        /* A subscription that ended on its own (consumer failure) got its one SetStatus, and no
         * fake saw what the dispatcher must never do. */
        for (int i = 0; i < NCONS; i++)
            CHECK(fake_consumer_completes(cons[i].fake) <= 1);
        check_fakes(provs, cons);
        filt_check(d, filts);
    }
    wbemev_object_release(reused);
    wbemev_dispatcher_destroy(d);
    for (int k = 0; k < NFILT; k++) {
        wbemev_sink_release(filts[k].sink);
        wbemev_query_release(filts[k].q);
    }
    check_fakes(provs, cons);
    for (int i = 0; i < NCONS; i++) {
        CHECK(fake_consumer_refs(cons[i].fake) == 1);
        CHECK(fake_consumer_completes(cons[i].fake) <= 1);
        CHECK(cons[i].id == 0 || fake_consumer_completes(cons[i].fake) == 1);
        CHECK(fake_consumer_after_complete(cons[i].fake) == 0);
        CHECK(fake_consumer_check(cons[i].fake) == NULL);
        fake_consumer_free(cons[i].fake);
    }
    for (int i = 0; i < NPROV; i++) {
        CHECK(fake_provider_refs(provs[i].fake) == 1);
        fake_provider_release(provs[i].fake); /* ours, the last: the provider lets go of its sink */
        CHECK(fake_provider_check_ended(provs[i].fake) == NULL);
        fake_provider_free(provs[i].fake);
    }
    CHECK(wbemev_live_objects() == 0);
    CHECK(wbemev_live_allocations() == 0);
    return 0;
}
