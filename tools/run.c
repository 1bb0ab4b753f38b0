/*
 * tools/run.c: `wbemev run PLUGIN`: host a provider plugin in a dispatcher, subscribe, print events.
 *
 * Threads: the provider's own threads deliver events (synchronously, or through the dispatcher's
 * worker with --queued) to the consumer sink, which only queues them (a consumer returns quickly and
 * never blocks the provider: past --queue events it drops, as WMI does past its high threshold). A
 * printer thread formats each event whole into a buffer and writes the buffer; an event that
 * cannot be formatted is counted as failed and not written at all. The main thread waits on a
 * self-pipe for the reasons to stop (SIGINT or SIGTERM, --count reached, output closed) with a
 * timeout for --seconds and the progress line, and, with --interactive, on standard input: it runs
 * the commands itself (subscribe and cancel are never made from inside a provider call or a
 * consumer). The signals are taken by the watchdog's thread (watchdog.c), which also ends the
 * process when the main thread is stuck in a plugin call after the first one.
 *
 * Counting: every event the consumer receives is printed (counted, with --silent), dropped (the
 * output queue was full), failed (could not be formatted) or not printed (queued when the run
 * stopped or the output closed, in a chunk whose write failed, or arriving after the stop); the
 * summary's numbers add up to the received count.
 *
 * With --trace or --interactive the provider is wrapped in the tracing provider (trace.c) and
 * registered by the tool, in place of wbemev_module_register.
 */
#define _POSIX_C_SOURCE 200809L

#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char run_usage[] =
    "usage: wbemev run PLUGIN [options]\n"
    "\n"
    "Hosts the provider in PLUGIN (a shared object exporting wbemev_module_v1) in a dispatcher,\n"
    "subscribes, and prints each event as it arrives. Ends after --count events, after --seconds,\n"
    "or on Ctrl-C, with a summary on standard error (events, rate, drops) and the contract\n"
    "checker's report. Events go to standard output; on a terminal, standard error shows a live\n"
    "progress line.\n"
    "\n"
    "Options:\n"
    "  -q, --query WQL        subscribe with this WQL event query (repeatable); default: every\n"
    "                         query of the provider's EventQueryList\n"
    "  -n, --count N          stop after N events\n"
    "  -t, --seconds S        stop after S seconds (decimals allowed)\n"
    "  -f, --format FORMAT    text (default: one line per event), mof (MOF instance text) or json\n"
    "                         (JSON lines)\n"
    "  -c, --contract POLICY  the contract checker: off, record (default), strict or abort; under\n"
    "                         strict a violation fails the offending call and the exit status is 3;\n"
    "                         under abort the first violation prints the report and aborts.\n"
    "                         Overrides the WBEMEV_CONTRACT environment variable\n"
    "  -p, --param KEY=VALUE  a parameter for the provider (repeatable); 'wbemev run PLUGIN --help'\n"
    "                         lists the plugin's parameters\n"
    "  -M, --mof FILE         define the classes of a MOF file before the plugin's own (repeatable):\n"
    "                         for a plugin that does not carry its classes\n"
    "  -s, --silent           print no events: count them (and show the summary)\n"
    "      --queued           deliver through the dispatcher's worker thread, not on the\n"
    "                         provider's thread\n"
    "      --queue N          events waiting to be printed before new ones are dropped (10000)\n"
    "      --trace[=FILE]     print every call the host makes into the provider (Initialize,\n"
    "                         ProvideEvents, NewQuery, CancelQuery, AccessCheck, AddRef, Release)\n"
    "                         with the status it returns, one line each, stamped with the seconds\n"
    "                         since the start, to standard error (or FILE); events stay on\n"
    "                         standard output\n"
    "  -i, --interactive      read commands on standard input while events flow (see below); off\n"
    "                         unless given, also on a terminal\n"
    "      --sid SID          the consumer's SID for every subscription, as AccessCheck sees it\n"
    "                         (S-1-5-21-...; default: none, a temporary consumer)\n"
    "      --progress         show the progress line even when standard error is not a terminal\n"
    "                         (never with --interactive, nor while the trace goes to standard error)\n"
    "      --no-progress      never show it\n"
    "  -h, --help             show this help (and PLUGIN's parameters when given)\n";

/* The rest of the help, apart: one string literal stays within what every C compiler takes. */
static const char run_usage_more[] =
    "\n"
    "Interactive commands (--interactive; one a line, answers on standard error):\n"
    "  subscribe WQL          subscribe with the query; prints the new subscription's id\n"
    "  cancel ID              end subscription ID (the provider gets CancelQuery)\n"
    "  list                   the subscriptions: id, live or cancelled, query\n"
    "  stats                  counters of each subscription, of the provider and of its Indicate\n"
    "                         calls, those made with no subscription left included\n"
    "  report                 the contract checker's report so far\n"
    "  quit                   stop with the summary; so does the end of standard input\n"
    "A provider that keeps indicating once no subscription is left gets a warning (and a trace\n"
    "line), once each time the last subscription goes.\n"
    "\n"
    "SIGINT or SIGTERM stops the run (the summary follows); if the plugin hangs in a call, the tool\n"
    "says which two seconds later and exits with status 4; a second signal ends it at once.\n"
    "\n"
    "Exit status: 0 done; 1 the plugin or a subscription failed, an event could not be formatted or\n"
    "the output could not be written; 2 bad command line; 3 contract violations under --contract\n"
    "strict; 4 stopped while the plugin hung (or the host's shutdown timed out).\n"
    "\n"
    "Examples:\n"
    "  wbemev run ./burst_plugin.so --count 800 --format json\n"
    "  wbemev run ./heartbeat_plugin.so --trace --interactive\n";

enum run_format { FORMAT_TEXT, FORMAT_MOF, FORMAT_JSON };

/* A subscription the tool made. */
struct run_sub {
    uint32_t id;
    char *query;                     /* owned */
    bool live;                       /* not ended yet */
    bool cancelled;                  /* ended by the 'cancel' command */
    wbemev_subscription_stats last;  /* read just before it ended */
};

struct run {
    /* options */
    const char *plugin_path;
    tool_mof_list mofs; /* --mof */
    const char **queries;
    size_t nqueries;
    char **keys;
    const char **values;
    size_t nparams;
    uint64_t count;
    double seconds;
    bool has_count, has_seconds, has_contract, silent, queued, help, trace;
    const char *trace_path; /* --trace=FILE; NULL: standard error */
    int progress; /* -1: when stderr is a terminal */
    enum run_format format;
    wbemev_contract_policy contract;
    size_t queue_max;

    /* the queue between the consumer sink and the printer, under lock */
    pthread_mutex_t lock;
    pthread_cond_t more;
    wbemev_object_t **ring;
    size_t head, len;
    bool stopping, discard, output_failed, count_reached;
    int output_errno;
    /* received == printed + dropped + failed + discarded + late */
    uint64_t received, admitted, dropped, printed, failed, discarded, late;

    /* the terminal: event lines and the progress line take turns, under term */
    pthread_mutex_t term;
    bool progress_shown, out_is_tty;

    bool keep_plugin; /* a provider thread may outlive its provider: do not dlclose */

    uint64_t t0;         /* when the command started (the trace's time 0) */
    uint64_t start;      /* when the subscriptions started */
    tool_tracer *tracer; /* the tracing provider's state, when the provider is wrapped */

    /* the host */
    wbemev_dispatcher_t *d;
    wbemev_sink_t *consumer;
    wbemev_subscribe_options sopts;
    const char *provider_name;
    struct run_sub *subs;
    size_t nsubs, subs_cap, live;
    wbemev_provider_t *provider; /* the plugin's, borrowed while registered: which calls it has */
    bool provided;               /* a subscription succeeded: ProvideEvents was made */
    bool has_sid;
    uint8_t sid[TOOL_SID_MAX];
    size_t sid_length;

    /* --interactive: commands on standard input */
    bool interactive;
    bool stdin_open, stdin_tty, discarding;
    char inbuf[4096];
    size_t inlen;
};

/* The self-pipe: the watchdog (on a signal), the consumer and the printer write one byte to wake
 * main. */
static int notify_pipe[2] = {-1, -1};
static atomic_int interrupts;

static void notify(char c)
{
    ssize_t n = write(notify_pipe[1], &c, 1); /* non-blocking: a full pipe already wakes main */
    (void)n;
}

/* The first SIGINT or SIGTERM (the watchdog's thread). */
static void on_first_signal(void *ctx, int sig)
{
    (void)ctx, (void)sig;
    atomic_store(&interrupts, 1);
    notify('i');
}

/* The main thread is about to call `call` of the plugin's provider (the watchdog names it if the
 * call hangs after a signal); NULL: back in the tool. */
static void in_plugin(const struct run *r, const char *call)
{
    if (call == NULL) {
        tool_watchdog_phase(NULL);
        return;
    }
    char *esc, what[160];
    snprintf(what, sizeof what, "%s's %s", tool_escape(r->provider_name, &esc), call);
    free(esc);
    tool_watchdog_phase(what);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the consumer sink: queue, never block ---- */

static wbemev_status on_event(void *ctx, wbemev_object_t *event)
{
    struct run *r = ctx;
    bool reached = false;
    pthread_mutex_lock(&r->lock);
    r->received++;
    /* --count counts events printed: those that failed to format leave room for others. */
    if (r->stopping || (r->has_count && r->admitted - r->failed >= r->count)) {
        r->late++; /* past --count or stopping: not printed, not a drop */
    } else if (r->silent) {
        r->admitted++;
        r->printed++;
        reached = r->has_count && r->printed == r->count;
    } else if (r->len == r->queue_max) {
        r->dropped++; /* the printer cannot keep up: drop, as WMI does past its high threshold */
    } else {
        r->ring[(r->head + r->len) % r->queue_max] = wbemev_object_add_ref(event);
        r->len++;
        r->admitted++;
        pthread_cond_signal(&r->more);
    }
    pthread_mutex_unlock(&r->lock);
    if (reached)
        notify('c');
    return WBEMEV_S_NO_ERROR;
}

/* ---- the printer ---- */

static void clear_progress_locked(struct run *r)
{
    if (r->progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        r->progress_shown = false;
    }
}

static wbemev_status format_event(struct run *r, const wbemev_object_t *obj, tool_text *t)
{
    switch (r->format) {
    case FORMAT_JSON: return wbemev_json_write_instance(obj, 0, tool_text_write, t);
    case FORMAT_MOF: return wbemev_format_write_instance(WBEMEV_FORMAT_MOF, obj, 0, tool_text_write, t);
    default: return tool_format_text(obj, t);
    }
}

/* Interrupted or output closed: what is still queued is not printed. */
static void drain_ring(struct run *r)
{
    pthread_mutex_lock(&r->lock);
    while (r->len > 0) {
        wbemev_object_release(r->ring[r->head]);
        r->head = (r->head + 1) % r->queue_max;
        r->len--;
        r->discarded++;
    }
    pthread_mutex_unlock(&r->lock);
}

static void *printer_main(void *arg)
{
    struct run *r = arg;
    tool_text t = {NULL, 0, 0};
    wbemev_object_t *chunk[256];
    for (;;) {
        pthread_mutex_lock(&r->lock);
        while (r->len == 0 && !r->stopping)
            pthread_cond_wait(&r->more, &r->lock);
        if (r->len == 0 || r->discard) {
            pthread_mutex_unlock(&r->lock);
            break;
        }
        size_t k = r->len < 256 ? r->len : 256;
        for (size_t i = 0; i < k; i++)
            chunk[i] = r->ring[(r->head + i) % r->queue_max];
        r->head = (r->head + k) % r->queue_max;
        r->len -= k;
        pthread_mutex_unlock(&r->lock);

        /* Whole events or nothing: one that fails to format leaves no partial text behind. */
        t.length = 0;
        size_t failed = 0;
        for (size_t i = 0; i < k; i++) {
            size_t mark = t.length;
            wbemev_status st = format_event(r, chunk[i], &t);
            if (WBEMEV_FAILED(st)) {
                t.length = mark;
                failed++;
                char sbuf[160];
                tool_error("run", "cannot format a %s event (not printed): %s", wbemev_object_class_name(chunk[i]),
                           tool_status_text(st, sbuf, sizeof sbuf));
            }
            wbemev_object_release(chunk[i]);
        }
        pthread_mutex_lock(&r->term);
        if (r->out_is_tty)
            clear_progress_locked(r);
        errno = 0;
        bool ok = fwrite(t.data, 1, t.length, stdout) == t.length && fflush(stdout) == 0;
        int err = errno;
        pthread_mutex_unlock(&r->term);

        bool reached = false, write_failed = false;
        pthread_mutex_lock(&r->lock);
        r->failed += failed;
        if (ok) {
            r->printed += k - failed;
            reached = r->has_count && r->printed >= r->count && !r->count_reached;
            r->count_reached = r->count_reached || reached;
        } else {
            r->output_failed = write_failed = true;
            r->output_errno = err != 0 ? err : EIO;
            r->discarded += k - failed; /* a chunk written in part counts wholly as not printed */
        }
        pthread_mutex_unlock(&r->lock);
        if (reached)
            notify('c');
        if (write_failed) {
            notify('o');
            break;
        }
    }
    drain_ring(r);
    tool_text_free(&t);
    return NULL;
}

/* ---- progress and summary ---- */

/* The rate shown is measured over windows of about a second, so it neither jumps nor lags. */
struct rate_window {
    uint64_t t, n;
    double rate;
};

static void draw_progress(struct run *r, uint64_t start, struct rate_window *w)
{
    pthread_mutex_lock(&r->lock);
    uint64_t received = r->received, printed = r->printed, dropped = r->dropped;
    pthread_mutex_unlock(&r->lock);
    uint64_t t = now_ns();
    if (t - w->t >= 1000000000u || w->t == start) {
        w->rate = t > w->t ? (double)(received - w->n) * 1e9 / (double)(t - w->t) : 0.0;
        if (t - w->t >= 1000000000u) {
            w->t = t;
            w->n = received;
        }
    }
    double rate = w->rate;
    pthread_mutex_lock(&r->term);
    fprintf(stderr, "\r\033[K  %6.1f s  %llu events  %.0f/s  %s %llu  dropped %llu",
            (double)(t - start) / 1e9, (unsigned long long)received, rate, r->silent ? "counted" : "printed",
            (unsigned long long)printed, (unsigned long long)dropped);
    fflush(stderr);
    r->progress_shown = true;
    pthread_mutex_unlock(&r->term);
}

static const char *policy_name(wbemev_contract_policy p)
{
    switch (p) {
    case WBEMEV_CONTRACT_OFF: return "off";
    case WBEMEV_CONTRACT_RECORD: return "record";
    case WBEMEV_CONTRACT_STRICT: return "strict";
    case WBEMEV_CONTRACT_ABORT: return "abort";
    default: return "?";
    }
}

/* ---- options ---- */

/* The parameter keys a plugin documents: the text before '=' on each line of params_help. */
static bool plugin_knows_param(const wbemev_module *m, const char *key)
{
    const char *help = m->params_help;
    if (help == NULL)
        return true; /* undocumented: let the plugin judge */
    size_t klen = strlen(key);
    for (const char *line = help; *line != '\0';) {
        while (*line == ' ')
            line++;
        if (strncmp(line, key, klen) == 0 && line[klen] == '=')
            return true;
        const char *nl = strchr(line, '\n');
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    return false;
}

/* The plugin's own text, its control bytes escaped. */
static void put_plugin_text(const char *s)
{
    tool_write_escaped(stdout, s, strlen(s), false);
}

static void print_plugin_params(const tool_plugin *p)
{
    const wbemev_module *m = p->module;
    printf("\nPlugin ");
    put_plugin_text(m->registration->provider_name);
    printf(": ");
    put_plugin_text(m->description != NULL ? m->description : "(no description)");
    printf("\nEvent queries:");
    for (size_t i = 0; i < m->registration->query_count; i++) {
        printf("%s", i == 0 ? " " : "               ");
        put_plugin_text(m->registration->event_queries[i]);
        printf("\n");
    }
    if (m->params_help == NULL) {
        printf("Parameters: none documented\n");
        return;
    }
    printf("Parameters (--param KEY=VALUE):\n");
    for (const char *line = m->params_help; *line != '\0';) {
        const char *nl = strchr(line, '\n');
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        printf("  ");
        tool_write_escaped(stdout, line, len, false);
        printf("\n");
        if (nl == NULL)
            break;
        line = nl + 1;
    }
}

static void free_options(struct run *r)
{
    for (size_t i = 0; i < r->nparams; i++)
        free(r->keys[i]);
    free(r->keys);
    free(r->values);
    free(r->queries);
    tool_mof_list_free(&r->mofs);
}

static int parse_options(struct run *r, int argc, char **argv)
{
    enum {
        OPT_HELP = 1, OPT_QUERY, OPT_COUNT, OPT_SECONDS, OPT_FORMAT, OPT_CONTRACT, OPT_PARAM, OPT_SILENT,
        OPT_QUEUED, OPT_QUEUE, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_TRACE, OPT_INTERACTIVE, OPT_SID, OPT_MOF
    };
    static const tool_option opts[] = {
        {"help", 'h', TOOL_NO_VALUE, OPT_HELP},
        {"query", 'q', TOOL_VALUE, OPT_QUERY},
        {"count", 'n', TOOL_VALUE, OPT_COUNT},
        {"seconds", 't', TOOL_VALUE, OPT_SECONDS},
        {"format", 'f', TOOL_VALUE, OPT_FORMAT},
        {"contract", 'c', TOOL_VALUE, OPT_CONTRACT},
        {"param", 'p', TOOL_VALUE, OPT_PARAM},
        {"silent", 's', TOOL_NO_VALUE, OPT_SILENT},
        {"queued", 0, TOOL_NO_VALUE, OPT_QUEUED},
        {"queue", 0, TOOL_VALUE, OPT_QUEUE},
        {"progress", 0, TOOL_NO_VALUE, OPT_PROGRESS},
        {"no-progress", 0, TOOL_NO_VALUE, OPT_NO_PROGRESS},
        {"trace", 0, TOOL_OPTIONAL_VALUE, OPT_TRACE},
        {"interactive", 'i', TOOL_NO_VALUE, OPT_INTERACTIVE},
        {"sid", 0, TOOL_VALUE, OPT_SID},
        {"mof", 'M', TOOL_VALUE, OPT_MOF},
        {NULL, 0, TOOL_NO_VALUE, 0},
    };
    tool_args a = {argc, argv, 1, "run", false};
    const char *v;
    int id;
    while ((id = tool_next(&a, opts, &v)) != -1) {
        switch (id) {
        case -2: return EXIT_USAGE;
        case OPT_HELP: r->help = true; break;
        case OPT_QUERY: {
            const char **q = realloc(r->queries, (r->nqueries + 1) * sizeof *q);
            if (q == NULL)
                return EXIT_FAIL;
            r->queries = q;
            r->queries[r->nqueries++] = v;
            break;
        }
        case OPT_COUNT:
            if (!tool_parse_u64(v, &r->count) || r->count == 0)
                return tool_usage_error("run", "--count needs a number > 0, not '%s'", v);
            r->has_count = true;
            break;
        case OPT_SECONDS:
            if (!tool_parse_seconds(v, &r->seconds))
                return tool_usage_error("run", "--seconds needs a number of seconds, not '%s'", v);
            r->has_seconds = true;
            break;
        case OPT_FORMAT:
            if (strcmp(v, "text") == 0)
                r->format = FORMAT_TEXT;
            else if (strcmp(v, "mof") == 0)
                r->format = FORMAT_MOF;
            else if (strcmp(v, "json") == 0)
                r->format = FORMAT_JSON;
            else
                return tool_usage_error("run", "--format is text, mof or json, not '%s'", v);
            break;
        case OPT_CONTRACT:
            if (WBEMEV_FAILED(wbemev_contract_policy_from_name(v, &r->contract)))
                return tool_usage_error("run", "--contract is off, record, strict or abort, not '%s'", v);
            r->has_contract = true;
            break;
        case OPT_PARAM: {
            const char *eq = strchr(v, '=');
            if (eq == NULL || eq == v)
                return tool_usage_error("run", "--param needs KEY=VALUE, not '%s'", v);
            char **k = realloc(r->keys, (r->nparams + 1) * sizeof *k);
            if (k == NULL)
                return EXIT_FAIL;
            r->keys = k;
            const char **vals = realloc(r->values, (r->nparams + 1) * sizeof *vals);
            if (vals == NULL)
                return EXIT_FAIL;
            r->values = vals;
            char *key = malloc((size_t)(eq - v) + 1);
            if (key == NULL)
                return EXIT_FAIL;
            memcpy(key, v, (size_t)(eq - v));
            key[eq - v] = '\0';
            r->keys[r->nparams] = key;
            r->values[r->nparams] = eq + 1;
            r->nparams++;
            break;
        }
        case OPT_SILENT: r->silent = true; break;
        case OPT_QUEUED: r->queued = true; break;
        case OPT_QUEUE: {
            uint64_t n;
            if (!tool_parse_u64(v, &n) || n == 0 || n > 100000000u)
                return tool_usage_error("run", "--queue needs a number between 1 and 100000000, not '%s'", v);
            r->queue_max = (size_t)n;
            break;
        }
        case OPT_PROGRESS: r->progress = 1; break;
        case OPT_NO_PROGRESS: r->progress = 0; break;
        case OPT_TRACE:
            if (v != NULL && *v == '\0')
                return tool_usage_error("run", "--trace=FILE needs a file name");
            r->trace = true;
            r->trace_path = v;
            break;
        case OPT_INTERACTIVE: r->interactive = true; break;
        case OPT_SID:
            if (!tool_sid_parse(v, r->sid, &r->sid_length))
                return tool_usage_error("run", "--sid needs a SID such as S-1-5-21-1004336348-1177238915-682003330-1001, "
                                               "not '%s'", v);
            r->has_sid = true;
            break;
        case OPT_MOF:
            if (!tool_mof_list_add(&r->mofs, v))
                return EXIT_FAIL;
            break;
        default:
            if (r->plugin_path != NULL)
                return tool_usage_error("run", "one plugin only ('%s' and '%s')", r->plugin_path, v);
            r->plugin_path = v;
            break;
        }
    }
    return EXIT_OK;
}

/* ---- run ---- */

/* The self-pipe, and the watchdog that takes SIGINT and SIGTERM: set up before the plugin is
 * loaded, so that every thread (the plugin's too) has them blocked. */
static bool setup_notify(void)
{
    if (pipe(notify_pipe) != 0)
        return false;
    for (int i = 0; i < 2; i++) {
        fcntl(notify_pipe[i], F_SETFD, FD_CLOEXEC);
        fcntl(notify_pipe[i], F_SETFL, fcntl(notify_pipe[i], F_GETFL) | O_NONBLOCK);
    }
    signal(SIGPIPE, SIG_IGN); /* a closed stdout is a write error, handled as "output closed" */
    return tool_watchdog_start("run", on_first_signal, NULL);
}

/* What wbemev_module_register does (the classes, the provider, its registration), one step at a
 * time so that a step that hangs is named, with the tracing provider between the provider the
 * plugin creates and the dispatcher when tracing. */
static wbemev_status register_provider(struct run *r, wbemev_dispatcher_t *d, const wbemev_module *m,
                                       const wbemev_module_args *args)
{
    const wbemev_registration *reg = m->registration;
    wbemev_status st = wbemev_registration_define_classes(reg, wbemev_dispatcher_namespace(d), true);
    if (WBEMEV_FAILED(st))
        return st;
    wbemev_provider_t *real = NULL;
    in_plugin(r, "create_provider");
    st = m->create_provider(m->ctx, args, &real);
    in_plugin(r, NULL);
    if (tool_tracer_tracing(r->tracer)) {
        tool_text params = {NULL, 0, 0};
        for (size_t i = 0; i < args->count; i++) {
            tool_text_write(&params, " ", 1);
            tool_text_write(&params, args->keys[i], strlen(args->keys[i]));
            tool_text_write(&params, "=", 1);
            tool_text_write(&params, args->values[i], strlen(args->values[i]));
        }
        tool_text_write(&params, "", 1);
        const char *name = wbemev_status_name(st);
        tool_trace_line(r->tracer, "create_provider (the plugin's)%s -> %s", params.data != NULL ? params.data : "",
                        name != NULL ? name : "?");
        tool_text_free(&params);
    }
    if (WBEMEV_SUCCEEDED(st) && !wbemev_provider_is_valid(real)) {
        st = WBEMEV_E_PROVIDER_LOAD_FAILURE; /* "succeeded" without a usable provider */
        if (real != NULL && real->vtbl != NULL && real->vtbl->release != NULL)
            wbemev_provider_release(real);
    }
    if (WBEMEV_FAILED(st))
        return st;
    wbemev_provider_t *registered = real;
    if (r->tracer != NULL) {
        st = tool_trace_provider(r->tracer, real, &registered);
        if (WBEMEV_FAILED(st)) {
            wbemev_provider_release(real);
            return st;
        }
    }
    r->provider = real;
    in_plugin(r, real->vtbl->initialize != NULL ? "Initialize" : "AddRef");
    st = wbemev_dispatcher_register(d, reg->provider_name, registered, reg->event_queries, reg->query_count);
    in_plugin(r, "Release");
    wbemev_provider_release(registered); /* the dispatcher keeps its own reference on success */
    in_plugin(r, NULL);
    if (WBEMEV_FAILED(st))
        r->provider = NULL;
    return st;
}

/* ---- subscriptions ---- */

/* Checks `query` against the namespace (an error shows where it is) and subscribes the consumer. */
static bool run_subscribe(struct run *r, const char *query)
{
    char sbuf[160];
    wbemev_query_t *q;
    wbemev_query_error err;
    memset(&err, 0, sizeof err);
    wbemev_status st = wbemev_query_compile(query, wbemev_dispatcher_namespace(r->d), &q, &err);
    if (WBEMEV_FAILED(st)) {
        if (err.status == 0)
            err.status = st;
        tool_print_query_error(stderr, "run", query, &err);
        return false;
    }
    wbemev_query_release(q);
    if (r->nsubs == r->subs_cap) {
        size_t cap = r->subs_cap != 0 ? r->subs_cap * 2 : 8;
        struct run_sub *subs = realloc(r->subs, cap * sizeof *subs);
        if (subs == NULL) {
            tool_error("run", "out of memory");
            return false;
        }
        r->subs = subs;
        r->subs_cap = cap;
    }
    char *copy = malloc(strlen(query) + 1);
    if (copy == NULL) {
        tool_error("run", "out of memory");
        return false;
    }
    strcpy(copy, query);
    /* Counted before the call: events the provider sends while it runs have a subscription. */
    if (r->tracer != NULL)
        tool_tracer_set_subscriptions(r->tracer, r->live + 1);
    uint32_t id;
    /* The calls subscribe makes into the provider: AccessCheck, NewQuery (those it has), and
     * ProvideEvents the first time. */
    char calls[64] = "";
    if (r->provider != NULL) {
        const wbemev_provider_vtbl *v = r->provider->vtbl;
        snprintf(calls, sizeof calls, "%s%s%s%s%s", v->access_check != NULL ? "AccessCheck" : "",
                 v->access_check != NULL && (v->new_query != NULL || !r->provided) ? " or " : "",
                 v->new_query != NULL ? "NewQuery" : "", v->new_query != NULL && !r->provided ? " or " : "",
                 !r->provided ? "ProvideEvents" : "");
    }
    in_plugin(r, calls[0] != '\0' ? calls : NULL);
    st = wbemev_dispatcher_subscribe(r->d, query, r->consumer, &r->sopts, &id);
    in_plugin(r, NULL);
    if (WBEMEV_SUCCEEDED(st))
        r->provided = true;
    if (WBEMEV_FAILED(st)) {
        if (r->tracer != NULL)
            tool_tracer_set_subscriptions(r->tracer, r->live);
        tool_error("run", "cannot subscribe '%s': %s", query, tool_status_text(st, sbuf, sizeof sbuf));
        free(copy);
        return false;
    }
    struct run_sub *s = &r->subs[r->nsubs++];
    memset(s, 0, sizeof *s);
    s->id = id;
    s->query = copy;
    s->live = true;
    r->live++;
    char *esc;
    fprintf(stderr, "wbemev run: subscription %lu: %s\n", (unsigned long)id, tool_escape(query, &esc));
    free(esc);
    fflush(stderr);
    return true;
}

static struct run_sub *find_sub(struct run *r, uint32_t id)
{
    for (size_t i = 0; i < r->nsubs; i++)
        if (r->subs[i].id == id)
            return &r->subs[i];
    return NULL;
}

/* Ends a live subscription, keeping its counters as they were just before. */
static wbemev_status run_unsubscribe(struct run *r, struct run_sub *s)
{
    wbemev_dispatcher_subscription_stats(r->d, s->id, &s->last);
    in_plugin(r, r->provider != NULL && r->provider->vtbl->cancel_query != NULL ? "CancelQuery" : NULL);
    wbemev_status st = wbemev_dispatcher_unsubscribe(r->d, s->id);
    in_plugin(r, NULL);
    s->live = false;
    r->live--;
    if (r->tracer != NULL)
        tool_tracer_set_subscriptions(r->tracer, r->live);
    return st;
}

/* A subscription's counters: now while it lives, its final ones once ended (the ones read before
 * its cancel until the dispatcher has them). */
static void sub_stats(struct run *r, const struct run_sub *s, wbemev_subscription_stats *out)
{
    if (WBEMEV_FAILED(wbemev_dispatcher_subscription_stats(r->d, s->id, out)))
        *out = s->last;
}

static void write_sub_line(FILE *f, const struct run_sub *s, const wbemev_subscription_stats *st, bool full)
{
    fprintf(f, "  subscription  %lu%s: delivered %llu, filtered %llu", (unsigned long)s->id,
            s->cancelled ? " (cancelled)" : "", (unsigned long long)st->delivered, (unsigned long long)st->filtered);
    if (full)
        fprintf(f, ", dropped %llu, discarded %llu, refused %llu, queued %llu", (unsigned long long)st->dropped,
                (unsigned long long)st->discarded, (unsigned long long)st->refused, (unsigned long long)st->queued);
    fprintf(f, ": %s\n", s->query);
}

/* The contract line, and the report when there are violations. Returns the errors. */
static uint64_t write_contract(wbemev_dispatcher_t *d, FILE *f)
{
    wbemev_contract_policy policy = wbemev_dispatcher_contract_policy(d);
    size_t kinds = wbemev_dispatcher_violation_count(d);
    uint64_t errors = 0, warnings = 0;
    for (size_t i = 0; i < kinds; i++) {
        wbemev_violation v;
        if (WBEMEV_SUCCEEDED(wbemev_dispatcher_violation_at(d, i, &v)))
            *(v.warning ? &warnings : &errors) += v.count;
    }
    if (policy == WBEMEV_CONTRACT_OFF) {
        fprintf(f, "  contract      off: not checked\n");
    } else if (kinds == 0) {
        fprintf(f, "  contract      %s: no violations\n", policy_name(policy));
    } else {
        fprintf(f, "  contract      %s: %llu violation%s, %llu warning%s:\n", policy_name(policy),
                (unsigned long long)errors, errors == 1 ? "" : "s", (unsigned long long)warnings,
                warnings == 1 ? "" : "s");
        wbemev_dispatcher_report(d, f);
    }
    return errors;
}

/* ---- interactive commands ---- */

static const char commands_help[] =
    "commands (one a line; the answers go to standard error):\n"
    "  subscribe WQL   subscribe with the query; prints the new subscription's id\n"
    "  cancel ID       end subscription ID (the provider gets CancelQuery)\n"
    "  list            the subscriptions: id, live or cancelled, query\n"
    "  stats           counters of each subscription, of the provider and of its Indicate calls\n"
    "  report          the contract checker's report so far\n"
    "  quit            stop, as Ctrl-C does, with the summary (end of input too)\n"
    "  help            this list\n";

/* An answer of several lines, written to standard error in one piece. */
struct answer {
    char *text;
    size_t len;
    FILE *f;
};

static FILE *answer_begin(struct answer *a)
{
    a->text = NULL;
    a->len = 0;
    a->f = open_memstream(&a->text, &a->len);
    return a->f != NULL ? a->f : stderr;
}

/* Writes the answer, the control bytes of what it quotes (queries, names) escaped. */
static void answer_end(struct answer *a)
{
    if (a->f != NULL) {
        fclose(a->f);
        tool_write_escaped(stderr, a->text, a->len, true);
        free(a->text);
    }
    fflush(stderr);
}

static void cmd_list(struct run *r)
{
    struct answer a;
    FILE *f = answer_begin(&a);
    fprintf(f, "wbemev run: %zu subscription%s, %zu live%s\n", r->nsubs, r->nsubs == 1 ? "" : "s", r->live,
            r->nsubs > 0 ? ":" : "");
    for (size_t i = 0; i < r->nsubs; i++)
        fprintf(f, "  %-5lu %-9s %s\n", (unsigned long)r->subs[i].id, r->subs[i].cancelled ? "cancelled" : "live",
                r->subs[i].query);
    answer_end(&a);
}

static void cmd_stats(struct run *r)
{
    struct answer a;
    FILE *f = answer_begin(&a);
    pthread_mutex_lock(&r->lock);
    uint64_t received = r->received, printed = r->printed, dropped = r->dropped;
    pthread_mutex_unlock(&r->lock);
    fprintf(f, "wbemev run: stats at %.3f s:\n", (double)(now_ns() - r->start) / 1e9);
    fprintf(f, "  events        %llu %s, %llu received, %llu dropped (output queue full)\n",
            (unsigned long long)printed, r->silent ? "counted" : "printed", (unsigned long long)received,
            (unsigned long long)dropped);
    for (size_t i = 0; i < r->nsubs; i++) {
        wbemev_subscription_stats st;
        sub_stats(r, &r->subs[i], &st);
        write_sub_line(f, &r->subs[i], &st, true);
    }
    wbemev_provider_stats ps;
    memset(&ps, 0, sizeof ps);
    wbemev_dispatcher_provider_stats(r->d, r->provider_name, &ps);
    fprintf(f, "  provider      %s: indicated %llu, accepted %llu, refused %llu%s\n", r->provider_name,
            (unsigned long long)ps.indicated, (unsigned long long)ps.accepted, (unsigned long long)ps.refused,
            ps.ready ? "" : " (not ready)");
    tool_trace_counts tc;
    tool_tracer_counts(r->tracer, &tc);
    fprintf(f, "  indicate      %llu call%s (%llu event%s), %llu with no subscription left (%llu event%s)\n",
            (unsigned long long)tc.indicate_calls, tc.indicate_calls == 1 ? "" : "s",
            (unsigned long long)tc.indicated, tc.indicated == 1 ? "" : "s", (unsigned long long)tc.idle_calls,
            (unsigned long long)tc.idle_indicated, tc.idle_indicated == 1 ? "" : "s");
    answer_end(&a);
}

static void cmd_report(struct run *r)
{
    struct answer a;
    FILE *f = answer_begin(&a);
    fprintf(f, "wbemev run: report:\n");
    write_contract(r->d, f);
    answer_end(&a);
}

static void cmd_cancel(struct run *r, const char *arg)
{
    uint64_t id;
    if (!tool_parse_u64(arg, &id) || id == 0 || id > UINT32_MAX) {
        tool_error("run", "cancel needs a subscription id (see 'list'), not '%s'", arg);
        return;
    }
    struct run_sub *s = find_sub(r, (uint32_t)id);
    if (s == NULL) {
        tool_error("run", "no subscription %llu (see 'list')", (unsigned long long)id);
        return;
    }
    if (!s->live) {
        tool_error("run", "subscription %llu is already cancelled", (unsigned long long)id);
        return;
    }
    char sbuf[160];
    wbemev_status st = run_unsubscribe(r, s);
    s->cancelled = true;
    if (WBEMEV_FAILED(st))
        tool_error("run", "cancelled subscription %lu: %s", (unsigned long)s->id, tool_status_text(st, sbuf, sizeof sbuf));
    else {
        char *esc;
        fprintf(stderr, "wbemev run: cancelled subscription %lu: %s%s\n", (unsigned long)s->id,
                tool_escape(s->query, &esc), r->live == 0 ? " (no subscription left)" : "");
        free(esc);
    }
    fflush(stderr);
}

/* Runs one command line; true when it asks to stop. */
static bool run_command(struct run *r, char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (len == 0 || line[0] == '#')
        return false; /* blank lines and comments (scripts) */
    char *arg = line;
    while (*arg != '\0' && *arg != ' ' && *arg != '\t')
        arg++;
    if (*arg != '\0')
        *arg++ = '\0';
    while (*arg == ' ' || *arg == '\t')
        arg++;
    const char *cmd = line;
    bool takes_arg = strcasecmp(cmd, "subscribe") == 0 || strcasecmp(cmd, "cancel") == 0;
    if (!takes_arg && *arg != '\0' && strcasecmp(cmd, "help") != 0) {
        tool_error("run", "%s takes no argument", cmd);
        return false;
    }
    if (strcasecmp(cmd, "subscribe") == 0) {
        if (*arg == '\0')
            tool_error("run", "subscribe needs a WQL query: subscribe SELECT * FROM ...");
        else
            run_subscribe(r, arg);
    } else if (strcasecmp(cmd, "cancel") == 0) {
        cmd_cancel(r, arg);
    } else if (strcasecmp(cmd, "list") == 0) {
        cmd_list(r);
    } else if (strcasecmp(cmd, "stats") == 0) {
        cmd_stats(r);
    } else if (strcasecmp(cmd, "report") == 0) {
        cmd_report(r);
    } else if (strcasecmp(cmd, "quit") == 0 || strcasecmp(cmd, "exit") == 0) {
        return true;
    } else if (strcasecmp(cmd, "help") == 0 || strcmp(cmd, "?") == 0) {
        fputs(commands_help, stderr);
        fflush(stderr);
    } else {
        tool_error("run", "unknown command '%s' (subscribe WQL, cancel ID, list, stats, report, quit, help)", cmd);
    }
    return false;
}

static void prompt(struct run *r)
{
    if (r->interactive && r->stdin_tty && r->stdin_open) {
        fputs("wbemev> ", stderr);
        fflush(stderr);
    }
}

/* Reads what standard input has and runs the complete lines. Sets *stop at quit or at the end of
 * input. */
static void read_commands(struct run *r, const char **reason)
{
    ssize_t n;
    do
        n = read(STDIN_FILENO, r->inbuf + r->inlen, sizeof r->inbuf - 1 - r->inlen);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        r->stdin_open = false;
        if (r->inlen > 0 && !r->discarding) { /* a last line without its newline */
            r->inbuf[r->inlen] = '\0';
            run_command(r, r->inbuf);
        }
        r->inlen = 0;
        if (r->stdin_tty)
            fputc('\n', stderr);
        *reason = "end of input";
        return;
    }
    r->inlen += (size_t)n;
    size_t start = 0;
    for (size_t i = 0; i < r->inlen; i++) {
        if (r->inbuf[i] != '\n')
            continue;
        r->inbuf[i] = '\0';
        bool skip = r->discarding;
        r->discarding = false;
        if (!skip && run_command(r, r->inbuf + start)) {
            *reason = "quit";
            r->inlen = 0;
            return;
        }
        start = i + 1;
        prompt(r);
    }
    memmove(r->inbuf, r->inbuf + start, r->inlen - start);
    r->inlen -= start;
    if (r->inlen == sizeof r->inbuf - 1) {
        tool_error("run", "command line longer than %zu bytes: ignored", sizeof r->inbuf - 2);
        r->inlen = 0;
        r->discarding = true; /* up to its end */
    }
}

static int host(struct run *r, const tool_plugin *plugin)
{
    const wbemev_module *m = plugin->module;
    const wbemev_registration *reg = m->registration;
    char sbuf[160];
    for (size_t i = 0; i < r->nparams; i++) {
        if (!plugin_knows_param(m, r->keys[i]))
            return tool_usage_error("run", "%s takes no parameter '%s' (see 'wbemev run %s --help')",
                                    reg->provider_name, r->keys[i], r->plugin_path);
    }
    if (r->nqueries == 0) {
        r->queries = malloc(reg->query_count * sizeof *r->queries);
        if (r->queries == NULL)
            return EXIT_FAIL;
        for (size_t i = 0; i < reg->query_count; i++)
            r->queries[i] = reg->event_queries[i];
        r->nqueries = reg->query_count;
    }
    r->provider_name = reg->provider_name;

    if (r->has_contract)
        unsetenv("WBEMEV_CONTRACT"); /* the command line wins */
    wbemev_dispatcher_options dopts;
    wbemev_dispatcher_options_init(&dopts);
    dopts.namespace_name = reg->namespace_name;
    if (r->has_contract)
        dopts.contract = r->contract;
    /* Ended subscriptions keep their counters: the summary reads their final ones, once every
     * delivery to them is over, so they agree with what the consumer received. */
    dopts.keep_final_stats = true;
    wbemev_status st = wbemev_dispatcher_new(&dopts, &r->d);
    if (WBEMEV_FAILED(st)) {
        tool_error("run", "cannot create the dispatcher: %s", tool_status_text(st, sbuf, sizeof sbuf));
        return EXIT_FAIL;
    }
    wbemev_dispatcher_t *d = r->d;

    int rc = EXIT_FAIL;
    pthread_t printer;
    bool printer_started = false, registered = false;
    const char *reason = NULL;
    wbemev_status shutdown_st = WBEMEV_S_NO_ERROR;
    char reason_buf[64];
    uint64_t elapsed = 0;

    if (r->trace || r->interactive) {
        FILE *out = NULL;
        if (r->trace) {
            out = stderr;
            if (r->trace_path != NULL && (out = fopen(r->trace_path, "w")) == NULL) {
                tool_error("run", "cannot open the trace file '%s': %s", r->trace_path, strerror(errno));
                goto out;
            }
        }
        r->tracer = tool_tracer_new(out, out != NULL && out != stderr, stderr, r->t0, reg->provider_name);
        if (r->tracer == NULL) {
            if (out != NULL && out != stderr)
                fclose(out);
            tool_error("run", "out of memory");
            goto out;
        }
    }

    wbemev_module_args args = {r->nparams, (const char *const *)r->keys, r->values};
    if (!tool_mof_define("run", &r->mofs, wbemev_dispatcher_namespace(d)))
        goto out; /* before the plugin's classes, which may derive from them */
    st = register_provider(r, d, m, &args);
    if (WBEMEV_FAILED(st)) {
        tool_error("run", "cannot start %s: %s", reg->provider_name, tool_status_text(st, sbuf, sizeof sbuf));
        if (st == WBEMEV_E_INVALID_PARAMETER && r->nparams > 0)
            tool_error("run", "check the --param values (see 'wbemev run %s --help')", r->plugin_path);
        goto out;
    }
    registered = true;

    /* Check the queries first, so an error shows where it is. */
    for (size_t i = 0; i < r->nqueries; i++) {
        wbemev_query_t *q;
        wbemev_query_error err;
        memset(&err, 0, sizeof err);
        st = wbemev_query_compile(r->queries[i], wbemev_dispatcher_namespace(d), &q, &err);
        if (WBEMEV_FAILED(st)) {
            if (err.status == 0)
                err.status = st;
            tool_print_query_error(stderr, "run", r->queries[i], &err);
            goto out;
        }
        wbemev_query_release(q);
    }

    if (!r->silent && pthread_create(&printer, NULL, printer_main, r) != 0) {
        tool_error("run", "cannot start the printer thread");
        goto out;
    }
    printer_started = !r->silent;
    st = wbemev_callback_sink_new(on_event, NULL, r, &r->consumer);
    if (WBEMEV_FAILED(st)) {
        tool_error("run", "cannot create the consumer: %s", tool_status_text(st, sbuf, sizeof sbuf));
        goto stop;
    }
    wbemev_subscribe_options_init(&r->sopts);
    r->sopts.delivery = r->queued ? WBEMEV_DELIVERY_QUEUED : WBEMEV_DELIVERY_SYNC;
    if (r->has_sid) {
        r->sopts.sid = r->sid;
        r->sopts.sid_length = r->sid_length;
    }
    r->start = now_ns();
    for (size_t i = 0; i < r->nqueries; i++) {
        if (!run_subscribe(r, r->queries[i]))
            goto stop;
    }
    if (r->tracer != NULL)
        tool_tracer_watch(r->tracer, true); /* from here, Indicate with no subscription is noticed */
    char *name_esc;
    const char *name = tool_escape(reg->provider_name, &name_esc);
    if (r->interactive)
        fprintf(stderr, "wbemev run: running %s (%zu subscription%s); commands on standard input ('help' lists "
                        "them), Ctrl-C or 'quit' to stop\n",
                name, r->nqueries, r->nqueries == 1 ? "" : "s");
    else
        fprintf(stderr, "wbemev run: running %s (%zu subscription%s); press Ctrl-C to stop\n", name, r->nqueries,
                r->nqueries == 1 ? "" : "s");
    free(name_esc);
    fflush(stderr);
    r->stdin_open = r->interactive;
    prompt(r);

    /* ---- wait for a reason to stop ---- */
    bool trace_on_stderr = r->trace && r->trace_path == NULL;
    bool show_progress = !trace_on_stderr && !r->interactive &&
                         (r->progress == 1 || (r->progress == -1 && isatty(STDERR_FILENO)));
    uint64_t deadline = r->has_seconds ? r->start + (uint64_t)(r->seconds * 1e9) : UINT64_MAX;
    struct rate_window window = {r->start, 0, 0.0};
    while (reason == NULL) {
        int timeout = show_progress ? 250 : -1;
        if (r->has_seconds) {
            uint64_t now = now_ns();
            if (now >= deadline) {
                snprintf(reason_buf, sizeof reason_buf, "--seconds %g elapsed", r->seconds);
                reason = reason_buf;
                break;
            }
            uint64_t ms = (deadline - now + 999999u) / 1000000u;
            if (timeout < 0 || ms < (uint64_t)timeout)
                timeout = ms > 1000000u ? 1000000 : (int)ms;
        }
        struct pollfd pfd[2] = {{notify_pipe[0], POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        int n = poll(pfd, r->stdin_open ? 2 : 1, timeout);
        if (n > 0 && pfd[0].revents != 0) {
            char buf[32];
            ssize_t got = read(notify_pipe[0], buf, sizeof buf);
            for (ssize_t i = 0; i < got; i++) {
                if (buf[i] == 'i')
                    reason = "interrupted";
                else if (buf[i] == 'c' && reason == NULL) {
                    snprintf(reason_buf, sizeof reason_buf, "--count %llu reached", (unsigned long long)r->count);
                    reason = reason_buf;
                } else if (buf[i] == 'o' && reason == NULL)
                    reason = "output closed";
            }
        }
        if (n > 0 && reason == NULL && r->stdin_open && pfd[1].revents != 0)
            read_commands(r, &reason);
        if (reason == NULL && show_progress)
            draw_progress(r, r->start, &window);
    }
    elapsed = now_ns() - r->start;

stop:
    /* ---- stop: no more queueing; read the counters, then take everything down ---- */
    if (r->tracer != NULL)
        tool_tracer_watch(r->tracer, false); /* the cancels that follow are the tool's own */
    pthread_mutex_lock(&r->lock);
    r->stopping = true;
    r->discard = atomic_load(&interrupts) > 0;
    pthread_cond_broadcast(&r->more);
    pthread_mutex_unlock(&r->lock);
    if (reason == NULL) {
        /* a setup step failed after the provider started */
        for (size_t i = 0; i < r->nsubs; i++) {
            if (r->subs[i].live)
                run_unsubscribe(r, &r->subs[i]);
        }
        goto out;
    }
    wbemev_provider_stats pstats;
    memset(&pstats, 0, sizeof pstats);
    wbemev_dispatcher_provider_stats(d, reg->provider_name, &pstats);
    for (size_t i = 0; i < r->nsubs; i++) {
        if (r->subs[i].live)
            run_unsubscribe(r, &r->subs[i]); /* its counters as they were just before */
    }
    in_plugin(r, "final Release");
    wbemev_dispatcher_unregister(d, reg->provider_name); /* the provider stops and joins its threads */
    in_plugin(r, NULL);
    registered = false;
    r->provider = NULL;
    if (printer_started) {
        pthread_join(printer, NULL);
        printer_started = false;
    }
    drain_ring(r); /* queued after the printer ended (its output closed): not printed either */
    /* Shut the host down before the summary: what it checks at shutdown (objects still alive, a
     * provider still holding its sink) is in the report. The printer has let go of its events. A
     * shutdown that times out names the call that overran (CALL_OVERRAN_SHUTDOWN). */
    shutdown_st = wbemev_dispatcher_shutdown(d);

    /* ---- summary ---- */
    pthread_mutex_lock(&r->term);
    clear_progress_locked(r);
    pthread_mutex_unlock(&r->term);
    double secs = (double)elapsed / 1e9;
    uint64_t refused = pstats.refused;
    struct answer a;
    FILE *f = answer_begin(&a);
    fprintf(f, "wbemev run: stopped: %s\n", reason);
    /* received = printed + dropped + failed + not printed, each event in exactly one */
    pthread_mutex_lock(&r->lock);
    uint64_t received = r->received, printed = r->printed, dropped = r->dropped, failed = r->failed,
             discarded = r->discarded, late = r->late;
    pthread_mutex_unlock(&r->lock);
    fprintf(f, "  events        %llu %s, %llu received, %llu dropped", (unsigned long long)printed,
            r->silent ? "counted" : "printed", (unsigned long long)received, (unsigned long long)dropped);
    if (dropped > 0)
        fprintf(f, " (output queue full)");
    fprintf(f, ", %llu failed", (unsigned long long)failed);
    if (failed > 0)
        fprintf(f, " (could not be formatted)");
    fprintf(f, ", %llu not printed", (unsigned long long)(discarded + late));
    if (discarded + late > 0) {
        fprintf(f, " (");
        if (discarded > 0)
            fprintf(f, "%llu %s%s", (unsigned long long)discarded,
                    r->output_failed ? (r->output_errno == EPIPE ? "output closed" : "output error") : "interrupted",
                    late > 0 ? ", " : "");
        if (late > 0)
            fprintf(f, "%llu after the stop", (unsigned long long)late);
        fprintf(f, ")");
    }
    fputc('\n', f);
    if (r->output_failed && r->output_errno != EPIPE)
        fprintf(f, "  output        cannot write the events: %s\n", strerror(r->output_errno));
    if (refused > 0)
        fprintf(f, "  refused       %llu event%s refused by the host (never received)\n",
                (unsigned long long)refused, refused == 1 ? "" : "s");
    char over[32];
    if (secs < 1.0)
        snprintf(over, sizeof over, "%.3g ms", secs * 1e3);
    else
        snprintf(over, sizeof over, "%.3f s", secs);
    fprintf(f, "  rate          %.0f events/s over %s\n", secs > 0 ? (double)received / secs : 0.0, over);
    fprintf(f, "  provider      %s: indicated %llu, accepted %llu, refused %llu\n", reg->provider_name,
            (unsigned long long)pstats.indicated, (unsigned long long)pstats.accepted, (unsigned long long)refused);
    if (r->tracer != NULL) {
        tool_trace_counts tc;
        tool_tracer_counts(r->tracer, &tc);
        if (tc.idle_calls > 0)
            fprintf(f, "  indicate      %llu call%s (%llu event%s) with no subscription left\n",
                    (unsigned long long)tc.idle_calls, tc.idle_calls == 1 ? "" : "s",
                    (unsigned long long)tc.idle_indicated, tc.idle_indicated == 1 ? "" : "s");
    }
    for (size_t i = 0; i < r->nsubs; i++) {
        wbemev_subscription_stats st_sub;
        sub_stats(r, &r->subs[i], &st_sub); /* its final counters */
        write_sub_line(f, &r->subs[i], &st_sub, false);
    }
    uint64_t errors = write_contract(d, f);
    if (shutdown_st == WBEMEV_E_TIMED_OUT)
        fprintf(f, "  shutdown      timed out: a call of the plugin did not return (see CALL_OVERRAN_SHUTDOWN); "
                   "exiting without waiting for it\n");
    answer_end(&a);

    if (shutdown_st == WBEMEV_E_TIMED_OUT)
        rc = EXIT_HUNG;
    else if (wbemev_dispatcher_contract_policy(d) >= WBEMEV_CONTRACT_STRICT && errors > 0)
        rc = EXIT_VIOLATIONS;
    else if ((r->output_failed && r->output_errno != EPIPE) || failed > 0)
        rc = EXIT_FAIL; /* a real write error (disk full...), or events that could not be formatted; a
                         * closed pipe (| head) is normal */
    else
        rc = EXIT_OK;

out:
    if (printer_started) {
        pthread_mutex_lock(&r->lock);
        r->stopping = true;
        r->discard = true;
        pthread_cond_broadcast(&r->more);
        pthread_mutex_unlock(&r->lock);
        pthread_join(printer, NULL);
    }
    if (r->ring != NULL)
        drain_ring(r);
    if (registered) {
        in_plugin(r, "final Release");
        wbemev_dispatcher_unregister(d, reg->provider_name);
        in_plugin(r, NULL);
    }
    r->provider = NULL;
    r->keep_plugin = wbemev_dispatcher_violations_of(d, WBEMEV_VIOLATION_SINK_HELD_AFTER_STOP) > 0;
    if (shutdown_st == WBEMEV_E_TIMED_OUT) {
        /* A call still runs in the plugin: destroy would wait for it. The process ends instead,
         * with the dispatcher and the plugin as they are. */
        r->keep_plugin = true;
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    wbemev_dispatcher_destroy(d); /* the consumer gets its final SetStatus and is released */
    r->d = NULL;
    if (r->consumer != NULL)
        wbemev_sink_release(r->consumer);
    r->consumer = NULL;
    tool_tracer_release(r->tracer); /* the file closes once the wrappers are gone too */
    r->tracer = NULL;
    for (size_t i = 0; i < r->nsubs; i++)
        free(r->subs[i].query);
    free(r->subs);
    r->subs = NULL;
    r->nsubs = 0;
    return rc;
}

int tool_cmd_run(int argc, char **argv)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.t0 = now_ns();
    r.progress = -1;
    r.contract = WBEMEV_CONTRACT_RECORD;
    r.queue_max = 10000;
    int rc = parse_options(&r, argc, argv);
    if (rc != EXIT_OK) {
        free_options(&r);
        return rc;
    }
    tool_plugin plugin = {NULL, NULL};
    if (r.help) {
        fputs(run_usage, stdout);
        fputs(run_usage_more, stdout);
        if (r.plugin_path != NULL && tool_plugin_open("run", r.plugin_path, &plugin)) {
            print_plugin_params(&plugin);
            tool_plugin_close(&plugin, false);
        }
        free_options(&r);
        return EXIT_OK;
    }
    if (r.plugin_path == NULL) {
        free_options(&r);
        return tool_usage_error("run", "missing the plugin (wbemev run PLUGIN.so)");
    }
    if (!setup_notify()) { /* before the plugin: its threads have the signals blocked too */
        tool_error("run", "cannot set up the signals: %s", strerror(errno));
        free_options(&r);
        return EXIT_FAIL;
    }
    if (!tool_plugin_open("run", r.plugin_path, &plugin)) {
        free_options(&r);
        tool_watchdog_done();
        return EXIT_FAIL;
    }
    r.out_is_tty = isatty(STDOUT_FILENO);
    r.stdin_tty = isatty(STDIN_FILENO);
    if (!r.silent && (r.ring = calloc(r.queue_max, sizeof *r.ring)) == NULL) {
        tool_error("run", "out of memory (--queue %zu)", r.queue_max);
        rc = EXIT_FAIL;
    } else {
        pthread_mutex_init(&r.lock, NULL);
        pthread_mutex_init(&r.term, NULL);
        pthread_cond_init(&r.more, NULL);
        rc = host(&r, &plugin);
        pthread_cond_destroy(&r.more);
        pthread_mutex_destroy(&r.term);
        pthread_mutex_destroy(&r.lock);
    }
    tool_watchdog_done();
    /* A provider that kept its sink after its final release may still run plugin code: keep it. */
    tool_plugin_close(&plugin, r.keep_plugin);
    free(r.ring);
    free_options(&r);
    return rc;
}
