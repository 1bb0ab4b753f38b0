/*
 * lib/contract/checker.c: the contract checker object: records, report, per-thread marks, the
 * host-entry rules, the unique-object marks and the tags that name a provider in its objects.
 */
#include "contract/checker.h"

#include <stdlib.h>

void wbemev__checker_init(struct wbemev__checker *c, const struct wbemev__checker_options *o)
{
    memset(c, 0, sizeof *c);
    c->policy = o->policy;
    c->provider_limit_ns = o->provider_limit_ns;
    c->consumer_limit_ns = o->consumer_limit_ns;
    c->clock = o->clock;
    c->clock_ctx = o->clock_ctx;
    uint64_t step = o->clock == NULL ? wbemev__clock_coarse_step_ns() : 0;
    c->consumer_step_ns = step > 0 && step <= o->consumer_limit_ns / 16 ? step : 0;
    wbemev__mutex_init(&c->lock);
}

void wbemev__checker_fini(struct wbemev__checker *c)
{
    for (size_t i = 0; i < c->nrecords; i++) {
        wbemev__free(c->records[i].provider);
        wbemev__free(c->records[i].first_class);
        wbemev__free(c->records[i].query);
    }
    wbemev__free(c->records);
    c->records = NULL;
    c->nrecords = 0;
    wbemev__mutex_destroy(&c->lock);
}

uint64_t wbemev__checker_now(const struct wbemev__checker *c)
{
    return c->clock != NULL ? c->clock(c->clock_ctx) : wbemev__clock_monotonic_ns();
}

/* The clock consumer calls are timed with (see consumer_step_ns). */
static uint64_t consumer_now(const struct wbemev__checker *c)
{
    return c->consumer_step_ns != 0 ? wbemev__clock_coarse_ns() : wbemev__checker_now(c);
}

/* ------------------------------------------------------------------------------------------------
 * Marks: the host calls this thread is inside, innermost first (depth orders the two kinds).
 */
static WBEMEV__THREAD_LOCAL const struct wbemev__provider_call *tls_call;
static WBEMEV__THREAD_LOCAL const struct wbemev__consumer_call *tls_consumer;
static WBEMEV__THREAD_LOCAL unsigned tls_depth;

/* The host call a violation recorded now happened inside ("NewQuery", "consumer Indicate"). */
static const char *inside_now(void)
{
    if (tls_consumer != NULL && (tls_call == NULL || tls_consumer->depth > tls_call->depth))
        return "consumer Indicate";
    return tls_call != NULL ? tls_call->call : NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Records
 */
struct occurrence {
    wbemev_violation_code code;
    const char *provider;
    uint32_t subscription;
    const char *call, *inside, *class_name, *query;
};

/* Copies of the strings a new record owns; false out of memory (nothing kept). */
static bool record_strings(struct wbemev__violation_rec *rec, const struct occurrence *o)
{
    rec->provider = wbemev__strdup(o->provider);
    rec->first_class = o->class_name != NULL ? wbemev__strdup(o->class_name) : NULL;
    rec->query = o->query != NULL ? wbemev__strdup(o->query) : NULL;
    if (rec->provider != NULL && (o->class_name == NULL || rec->first_class != NULL) &&
        (o->query == NULL || rec->query != NULL))
        return true;
    wbemev__free(rec->provider);
    wbemev__free(rec->first_class);
    wbemev__free(rec->query);
    return false;
}

/* The record of (code, provider, subscription), made when new; NULL out of memory. Called with
 * c->lock held. */
static struct wbemev__violation_rec *record_for(struct wbemev__checker *c, const struct occurrence *o)
{
    for (size_t i = 0; i < c->nrecords; i++) {
        struct wbemev__violation_rec *r = &c->records[i];
        if (r->code == o->code && r->subscription == o->subscription && strcmp(r->provider, o->provider) == 0)
            return r;
    }
    struct wbemev__violation_rec *v = wbemev__realloc(c->records, (c->nrecords + 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    c->records = v;
    struct wbemev__violation_rec rec = {o->code, NULL, o->subscription, o->call, o->inside, NULL, NULL, 0};
    if (!record_strings(&rec, o))
        return NULL;
    c->records[c->nrecords] = rec;
    return &c->records[c->nrecords++];
}

static bool record(struct wbemev__checker *c, const struct occurrence *o)
{
    if (c->policy == WBEMEV_CONTRACT_OFF)
        return false;
    wbemev__mutex_lock(&c->lock);
    struct wbemev__violation_rec *rec = record_for(c, o);
    if (rec != NULL)
        rec->count++;
    else
        c->lost++; /* out of memory: counted in the total only */
    wbemev__mutex_unlock(&c->lock);
    if (c->policy == WBEMEV_CONTRACT_ABORT) {
        fprintf(stderr, "wbemev: contract violation under policy \"abort\":\n");
        wbemev__checker_report(c, stderr);
        wbemev__abort();
    }
    return c->policy == WBEMEV_CONTRACT_STRICT;
}

bool wbemev__checker_violation(struct wbemev__checker *c, wbemev_violation_code code, const char *provider,
                               const char *call, const char *class_name)
{
    struct occurrence o = {code, provider != NULL ? provider : "(dispatcher)", 0, call, inside_now(), class_name,
                           NULL};
    return record(c, &o);
}

/* A violation by the consumer of the innermost consumer call (or `cc`). */
static bool consumer_violation(struct wbemev__checker *c, const struct wbemev__consumer_call *cc,
                               wbemev_violation_code code, const char *call, const char *class_name)
{
    struct occurrence o = {code, "(consumer)", cc->subscription, call, inside_now(), class_name, cc->query};
    return record(c, &o);
}

bool wbemev__checker_consumer_violation(struct wbemev__checker *c, wbemev_violation_code code, uint32_t subscription,
                                        const char *query, const char *call, const char *class_name)
{
    struct occurrence o = {code, "(consumer)", subscription, call, inside_now(), class_name, query};
    return record(c, &o);
}

static void fill(const struct wbemev__violation_rec *rec, wbemev_violation *out)
{
    const char *name = NULL, *rule = NULL, *fix = NULL;
    wbemev__rule_text(rec->code, &name, &rule, &fix);
    out->code = rec->code;
    out->name = name;
    out->rule = rule;
    out->message = fix;
    out->provider = rec->provider;
    out->first_call = rec->first_call;
    out->inside = rec->inside;
    out->first_class = rec->first_class;
    out->subscription = rec->subscription;
    out->query = rec->query;
    out->count = rec->count;
    out->warning = rec->code == WBEMEV_VIOLATION_SLOW_CONSUMER;
}

size_t wbemev__checker_count(struct wbemev__checker *c)
{
    wbemev__mutex_lock(&c->lock);
    size_t n = c->nrecords;
    wbemev__mutex_unlock(&c->lock);
    return n;
}

bool wbemev__checker_get(struct wbemev__checker *c, size_t index, wbemev_violation *out)
{
    wbemev__mutex_lock(&c->lock);
    bool ok = index < c->nrecords;
    if (ok)
        fill(&c->records[index], out);
    wbemev__mutex_unlock(&c->lock);
    return ok;
}

uint64_t wbemev__checker_count_of(struct wbemev__checker *c, wbemev_violation_code code)
{
    uint64_t n = 0;
    wbemev__mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nrecords; i++)
        if (c->records[i].code == code)
            n += c->records[i].count;
    wbemev__mutex_unlock(&c->lock);
    return n;
}

/* One record: what, who, where, and where to read about it. */
static void report_one(FILE *f, const wbemev_violation *v)
{
    fprintf(f, "  %s %s [%d] x%llu, %s \"%s\"", v->warning ? "warning" : "error", v->name, (int)v->code,
            (unsigned long long)v->count, v->subscription != 0 ? "consumer of subscription" : "provider",
            v->subscription != 0 ? v->query : v->provider);
    if (v->subscription != 0)
        fprintf(f, " (id %u)", (unsigned)v->subscription);
    fprintf(f, ", first in %s", v->first_call);
    if (v->inside != NULL && strcmp(v->inside, v->first_call) != 0)
        fprintf(f, " inside %s", v->inside);
    if (v->first_class != NULL)
        fprintf(f, " on class %s", v->first_class);
    fprintf(f, "\n    rule: %s\n    fix:  %s\n    see:  docs/contract.md#%s\n", v->rule, v->message, v->name);
}

size_t wbemev__checker_report(struct wbemev__checker *c, FILE *f)
{
    const char *policy = wbemev_contract_policy_name(c->policy);
    wbemev__mutex_lock(&c->lock);
    size_t n = c->nrecords;
    uint64_t occurrences = c->lost;
    for (size_t i = 0; i < n; i++)
        occurrences += c->records[i].count;
    if (n == 0 && c->lost == 0)
        fprintf(f, "wbemev contract report (policy %s): no violations.\n", policy);
    else
        fprintf(f, "wbemev contract report (policy %s): %zu kind%s of violation, %llu occurrence%s\n", policy, n,
                n == 1 ? "" : "s", (unsigned long long)occurrences, occurrences == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        wbemev_violation v;
        fill(&c->records[i], &v);
        report_one(f, &v);
    }
    if (c->lost)
        fprintf(f, "  (%llu more not recorded: out of memory)\n", (unsigned long long)c->lost);
    wbemev__mutex_unlock(&c->lock);
    return n;
}

/* ------------------------------------------------------------------------------------------------
 * Brackets
 */
void wbemev__checker_provider_call_begin(struct wbemev__checker *c, struct wbemev__provider_call *pc,
                                         const char *provider, const char *call)
{
    pc->provider = provider;
    pc->call = call;
    pc->t0 = wbemev__checker_on(c) ? wbemev__checker_now(c) : 0;
    pc->timed = true;
    pc->depth = ++tls_depth;
    pc->outer = tls_call;
    tls_call = pc;
}

void wbemev__checker_provider_call_end(struct wbemev__checker *c, struct wbemev__provider_call *pc)
{
    tls_call = pc->outer;
    tls_depth--;
    if (pc->timed && wbemev__checker_on(c) && wbemev__checker_now(c) - pc->t0 > c->provider_limit_ns)
        wbemev__checker_violation(c, WBEMEV_VIOLATION_SLOW_PROVIDER_CALL, pc->provider, pc->call, NULL);
}

const struct wbemev__provider_call *wbemev__checker_current_call(void)
{
    return tls_call;
}

void wbemev__checker_consumer_call_begin(struct wbemev__checker *c, struct wbemev__consumer_call *cc,
                                         uint32_t subscription, const char *query, bool timed)
{
    cc->subscription = subscription;
    cc->query = query;
    cc->timed = timed;
    cc->t0 = timed ? consumer_now(c) : 0;
    cc->depth = ++tls_depth;
    cc->outer = tls_consumer;
    tls_consumer = cc;
}

void wbemev__checker_consumer_call_end(struct wbemev__checker *c, struct wbemev__consumer_call *cc,
                                       const char *class_name)
{
    tls_consumer = cc->outer;
    tls_depth--;
    if (cc->timed && consumer_now(c) - cc->t0 > c->consumer_limit_ns + c->consumer_step_ns)
        consumer_violation(c, cc, WBEMEV_VIOLATION_SLOW_CONSUMER, "Indicate", class_name);
}

bool wbemev__checker_in_consumer_call(void)
{
    return tls_consumer != NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Rules on entry to the host: the offending call is `what`; the violation says which host call
 * it was made inside.
 */
wbemev_status wbemev__checker_host_call(struct wbemev__checker *c, const char *what)
{
    if (!wbemev__checker_on(c))
        return WBEMEV_S_NO_ERROR;
    bool refuse = false;
    if (tls_call != NULL)
        refuse |= wbemev__checker_violation(c, WBEMEV_VIOLATION_EVENT_CALL_IN_CALL, tls_call->provider, what, NULL);
    if (tls_consumer != NULL)
        refuse |= consumer_violation(c, tls_consumer, WBEMEV_VIOLATION_CONSUMER_REENTRY, what, NULL);
    return refuse ? WBEMEV_E_INVALID_OPERATION : WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__checker_class_change(struct wbemev__checker *c, const char *class_name, const char *what)
{
    if (!wbemev__checker_on(c))
        return WBEMEV_S_NO_ERROR;
    bool refuse = false;
    if (tls_call != NULL)
        refuse |= wbemev__checker_violation(c, WBEMEV_VIOLATION_CLASS_CHANGE_IN_CALL, tls_call->provider, what,
                                            class_name);
    if (tls_consumer != NULL)
        refuse |= consumer_violation(c, tls_consumer, WBEMEV_VIOLATION_CONSUMER_REENTRY, what, class_name);
    return refuse ? WBEMEV_E_INVALID_OPERATION : WBEMEV_S_NO_ERROR;
}

/* ------------------------------------------------------------------------------------------------
 * One unique object per event
 */
/* Each Indicate call gets a token; objects remember the token they were indicated with, which tells
 * a duplicate within one call from an object indicated again later. */
static atomic_uint_fast64_t indicate_tokens = 1;

/* Each thread takes tokens in blocks, so two threads indicating at once share no line written per
 * call. */
#define TOKEN_BLOCK 1024
static WBEMEV__THREAD_LOCAL struct {
    uint64_t next, end;
} tls_tokens;

static uint64_t next_token(void)
{
    if (tls_tokens.next == tls_tokens.end) {
        tls_tokens.next = atomic_fetch_add_explicit(&indicate_tokens, TOKEN_BLOCK, memory_order_relaxed);
        tls_tokens.end = tls_tokens.next + TOKEN_BLOCK;
    }
    return tls_tokens.next++;
}

wbemev_status wbemev__checker_mark_unique(struct wbemev__checker *c, const char *provider, uint32_t tag,
                                          int32_t count, wbemev_object_t *const *objects)
{
    uint64_t token = next_token();
    uint64_t prev = 0;
    for (int32_t i = 0; (i = wbemev__objects_mark_indicated(i, count, objects, token, tag, &prev)) < count; i++) {
        wbemev_violation_code code =
            prev == token ? WBEMEV_VIOLATION_DUPLICATE_IN_BATCH : WBEMEV_VIOLATION_OBJECT_REINDICATED;
        if (wbemev__checker_violation(c, code, provider, "Indicate", wbemev_object_class_name(objects[i]))) {
            for (int32_t j = 0; j < i; j++)
                wbemev__object_unmark_indicated(objects[j], token);
            return code == WBEMEV_VIOLATION_DUPLICATE_IN_BATCH ? WBEMEV_E_INVALID_PARAMETER
                                                               : WBEMEV_E_INVALID_OBJECT;
        }
    }
    return WBEMEV_S_NO_ERROR;
}

/* ------------------------------------------------------------------------------------------------
 * Tags: which provider a frozen object came from, for a Put on it later (PUT_AFTER_INDICATE). A
 * small process-wide table, since objects outlive the providers and checkers that marked them.
 * The lock is held while a refused Put is recorded, so a tag freed (its checker about to go) is
 * never reported into.
 */
struct tag_entry {
    uint32_t tag;
    struct wbemev__checker *checker;
    const char *provider;
};
static atomic_flag tag_lock = ATOMIC_FLAG_INIT;
static atomic_uint next_tag = 1;
static struct tag_entry *tags;
static size_t ntags, tags_cap;

static void tag_lock_take(void)
{
    while (atomic_flag_test_and_set_explicit(&tag_lock, memory_order_acquire))
        wbemev__thread_yield();
}

static void tag_lock_drop(void)
{
    atomic_flag_clear_explicit(&tag_lock, memory_order_release);
}

bool wbemev__checker_violation_tagged(uint32_t tag, wbemev_violation_code code, const char *call,
                                      const char *class_name)
{
    bool refuse = false;
    if (tag == 0)
        return false;
    tag_lock_take();
    for (size_t i = 0; i < ntags; i++) {
        if (tags[i].tag == tag) {
            refuse = wbemev__checker_violation(tags[i].checker, code, tags[i].provider, call, class_name);
            break;
        }
    }
    tag_lock_drop();
    return refuse;
}

static void on_frozen_put(uint32_t tag, const char *class_name)
{
    wbemev__checker_violation_tagged(tag, WBEMEV_VIOLATION_PUT_AFTER_INDICATE, "Put", class_name);
}

uint32_t wbemev__checker_tag_new(struct wbemev__checker *c, const char *provider)
{
    uint32_t tag = 0;
    tag_lock_take();
    if (ntags == tags_cap) {
        size_t cap = tags_cap ? tags_cap * 2 : 8;
        struct tag_entry *v = wbemev__realloc(tags, cap * sizeof *v);
        if (v != NULL) {
            tags = v;
            tags_cap = cap;
        }
    }
    if (ntags < tags_cap) {
        do
            tag = atomic_fetch_add(&next_tag, 1);
        while (tag == 0);
        tags[ntags++] = (struct tag_entry){tag, c, provider};
    }
    tag_lock_drop();
    if (tag != 0)
        wbemev__object_set_frozen_put_hook(on_frozen_put);
    return tag;
}

void wbemev__checker_tag_free(uint32_t tag)
{
    if (tag == 0)
        return;
    tag_lock_take();
    for (size_t i = 0; i < ntags; i++) {
        if (tags[i].tag == tag) {
            tags[i] = tags[--ntags];
            break;
        }
    }
    if (ntags == 0) {
        wbemev__free(tags); /* nothing left behind for leak checkers */
        tags = NULL;
        tags_cap = 0;
    }
    tag_lock_drop();
}
