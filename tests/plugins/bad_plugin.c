/*
 * tests/plugins/bad_plugin.c: a provider plugin that breaks the contract on purpose, for the tool's
 * tests. By default ProvideEvents calls SetStatus on the event sink (guideline 4: never SetStatus
 * from a provider) before starting a well-behaved worker; the violation happens during the
 * subscription, so it is recorded before `wbemev run` prints its first event: the tests are
 * deterministic. With `mistake=no_addref` it keeps the sink without AddRef and releases it in its
 * final Release, the most common way to over-release a sink. With `mistake=polls` it takes
 * NewQuery and CancelQuery and ignores them: it polls every millisecond until stopped, subscribed
 * or not. With `mistake=hang_create`, `hang_initialize`, `hang_provide` or `hang_release` the
 * plugin never returns from create_provider, Initialize, ProvideEvents or its final Release; it
 * says so on standard error first ("bad_plugin: hanging in ..."), so a test knows when to signal.
 * With `mistake=deep` every other event carries embedded objects nested deeper than a formatter
 * goes (WBEMEV_FORMAT_MAX_DEPTH).
 */
#define _POSIX_C_SOURCE 200809L

#include <wbemev.h>
#include <wbemev/module.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const wbemev_property_def bad_props[] = {{"Sequence", WBEMEV_CIM_UINT64, NULL}};
static const wbemev_property_def nest_props[] = {{"Inner", WBEMEV_CIM_OBJECT, NULL}};
static const wbemev_class_def bad_classes[] = {
    {"Bad_Event", "__ExtrinsicEvent", bad_props, 1},
    {"Bad_Nest", NULL, nest_props, 1},
    {"Bad_Deep_Event", "Bad_Event", nest_props, 1},
};
static const char *const bad_queries[] = {"SELECT * FROM Bad_Event"};
static const wbemev_registration bad_registration = {
    "root\\cimv2", "BadProvider", NULL, NULL, bad_classes, 3, bad_queries, 1,
};

/* The hangs: the call never returns (the tool must stop anyway). */
enum hang { HANG_NONE, HANG_CREATE, HANG_INITIALIZE, HANG_PROVIDE, HANG_RELEASE };

static void hang_in(const char *call)
{
    char line[80];
    int n = snprintf(line, sizeof line, "bad_plugin: hanging in %s\n", call);
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return;
    for (;;)
        pause();
}

struct bad {
    wbemev_provider_t base;
    atomic_int refs;
    wbemev_class_t *cls;
    wbemev_sink_t *sink;
    pthread_t worker;
    bool running;
    bool no_addref; /* mistake=no_addref */
    bool polls;     /* mistake=polls */
    bool deep;      /* mistake=deep */
    enum hang hang; /* mistake=hang_... */
    wbemev_class_t *deep_cls, *nest_cls;
    wbemev_object_t *nest; /* mistake=deep: the nested objects */
    atomic_bool stop;
};

static struct bad *bad_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct bad, base);
}

static void bad_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add(&bad_from(p)->refs, 1);
}

static void bad_release(wbemev_provider_t *p)
{
    struct bad *b = bad_from(p);
    if (atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    if (b->hang == HANG_RELEASE)
        hang_in("Release");
    atomic_store(&b->stop, true);
    if (b->running)
        pthread_join(b->worker, NULL);
    if (b->sink != NULL)
        wbemev_sink_release(b->sink);
    if (b->cls != NULL)
        wbemev_class_release(b->cls);
    if (b->nest != NULL)
        wbemev_object_release(b->nest);
    if (b->deep_cls != NULL)
        wbemev_class_release(b->deep_cls);
    if (b->nest_cls != NULL)
        wbemev_class_release(b->nest_cls);
    free(b);
}

static wbemev_status make_nest(struct bad *b);

static wbemev_status bad_initialize(wbemev_provider_t *p, const wbemev_provider_init *init, wbemev_sink_t *init_sink)
{
    struct bad *b = bad_from(p);
    if (b->hang == HANG_INITIALIZE)
        hang_in("Initialize");
    wbemev_status st = wbemev_namespace_get_class(init->ns, "Bad_Event", &b->cls);
    if (WBEMEV_SUCCEEDED(st) && b->deep)
        st = wbemev_namespace_get_class(init->ns, "Bad_Deep_Event", &b->deep_cls);
    if (WBEMEV_SUCCEEDED(st) && b->deep)
        st = wbemev_namespace_get_class(init->ns, "Bad_Nest", &b->nest_cls);
    if (WBEMEV_SUCCEEDED(st) && b->deep)
        st = make_nest(b);
    wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_SUCCEEDED(st) ? WBEMEV_S_INITIALIZED : st,
                           NULL, NULL);
    return WBEMEV_S_NO_ERROR;
}

/* Objects nested past what a formatter writes, made once (the worker embeds a copy in each deep
 * event). */
static wbemev_status make_nest(struct bad *b)
{
    wbemev_object_t *inner = NULL;
    for (int depth = 0; depth < WBEMEV_FORMAT_MAX_DEPTH + 2; depth++) {
        wbemev_object_t *nest;
        if (WBEMEV_FAILED(wbemev_class_spawn_instance(b->nest_cls, &nest))) {
            wbemev_object_release(inner);
            return WBEMEV_E_OUT_OF_MEMORY;
        }
        if (inner != NULL) {
            wbemev_object_put_object(nest, "Inner", inner);
            wbemev_object_release(inner);
        }
        inner = nest;
    }
    b->nest = inner;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status spawn_deep(struct bad *b, wbemev_object_t **out)
{
    wbemev_status st = wbemev_class_spawn_instance(b->deep_cls, out);
    if (WBEMEV_SUCCEEDED(st))
        wbemev_object_put_object(*out, "Inner", b->nest);
    return st;
}

static void *bad_worker(void *arg)
{
    struct bad *b = arg;
    for (uint64_t seq = 0; !atomic_load(&b->stop); seq++) {
        wbemev_object_t *ev;
        wbemev_status made = b->deep && seq % 2 == 1 ? spawn_deep(b, &ev) : wbemev_class_spawn_instance(b->cls, &ev);
        if (WBEMEV_FAILED(made))
            break;
        wbemev_object_put_uint64(ev, "Sequence", seq);
        wbemev_status st = wbemev_sink_indicate1(b->sink, ev);
        wbemev_object_release(ev);
        if (st == WBEMEV_E_CALL_CANCELLED)
            break;
        if (b->polls)
            nanosleep(&(struct timespec){0, 1000000}, NULL); /* its polling interval */
    }
    return NULL;
}

static wbemev_status bad_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    struct bad *b = bad_from(p);
    (void)flags;
    if (b->running)
        return WBEMEV_S_NO_ERROR;
    if (b->hang == HANG_PROVIDE)
        hang_in("ProvideEvents");
    if (b->no_addref) {
        b->sink = sink; /* the violation: no reference taken, one given back at stop */
    } else if (b->polls || b->deep || b->hang != HANG_NONE) {
        b->sink = wbemev_sink_add_ref(sink);
    } else {
        /* The violation: a provider never calls SetStatus on its event sink. */
        wbemev_sink_set_status(sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL);
        b->sink = wbemev_sink_add_ref(sink);
    }
    if (b->hang != HANG_NONE)
        return WBEMEV_S_NO_ERROR; /* no events needed: the hang is the point (no thread left behind) */
    if (pthread_create(&b->worker, NULL, bad_worker, b) != 0) {
        wbemev_sink_release(b->sink);
        b->sink = NULL;
        return WBEMEV_E_FAILED;
    }
    b->running = true;
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_provider_vtbl bad_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, bad_add_ref, bad_release, bad_initialize, bad_provide_events, NULL, NULL, NULL,
};

static wbemev_status ignore_new_query(wbemev_provider_t *p, uint32_t id, const char *language, const char *query)
{
    (void)p, (void)id, (void)language, (void)query;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status ignore_cancel_query(wbemev_provider_t *p, uint32_t id)
{
    (void)p, (void)id;
    return WBEMEV_S_NO_ERROR; /* the mistake: it goes on polling */
}

static const wbemev_provider_vtbl polling_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, bad_add_ref,      bad_release,         bad_initialize, bad_provide_events,
    ignore_new_query,             ignore_cancel_query, NULL,
};

static wbemev_status bad_create(void *ctx, const wbemev_module_args *args, wbemev_provider_t **out)
{
    (void)ctx;
    const char *mistake = wbemev_module_arg(args, "mistake", "setstatus");
    bool no_addref = strcmp(mistake, "no_addref") == 0, polls = strcmp(mistake, "polls") == 0;
    bool deep = strcmp(mistake, "deep") == 0;
    static const char *const hangs[] = {NULL, "hang_create", "hang_initialize", "hang_provide", "hang_release"};
    enum hang hang = HANG_NONE;
    for (int i = HANG_CREATE; i <= HANG_RELEASE; i++)
        if (strcmp(mistake, hangs[i]) == 0)
            hang = (enum hang)i;
    if (!no_addref && !polls && !deep && hang == HANG_NONE && strcmp(mistake, "setstatus") != 0)
        return WBEMEV_E_INVALID_PARAMETER;
    if (hang == HANG_CREATE)
        hang_in("create_provider");
    struct bad *b = calloc(1, sizeof *b);
    if (b == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    b->no_addref = no_addref;
    b->polls = polls;
    b->deep = deep;
    b->hang = hang;
    b->base.vtbl = polls ? &polling_vtbl : &bad_vtbl;
    atomic_init(&b->refs, 1);
    atomic_init(&b->stop, false);
    *out = &b->base;
    return WBEMEV_S_NO_ERROR;
}

WBEMEV_MODULE(&bad_registration, bad_create, NULL, "Breaks the contract on purpose (a test plugin)",
              "mistake=setstatus   SetStatus on the event sink in ProvideEvents (the default)\n"
              "mistake=no_addref   keeps the sink without AddRef, releases it at stop\n"
              "mistake=polls       takes CancelQuery and goes on polling\n"
              "mistake=hang_create, hang_initialize, hang_provide, hang_release\n"
              "                    never returns from create_provider, Initialize, ProvideEvents\n"
              "                    or the final Release\n"
              "mistake=deep        every other event nests objects past the formatters' depth\n");
