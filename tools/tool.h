/*
 * tools/tool.h: shared declarations of the `wbemev` command-line tool (POSIX).
 */
#ifndef WBEMEV_TOOL_H
#define WBEMEV_TOOL_H

#include <wbemev.h>
#include <wbemev/format.h>
#include <wbemev/module.h>

#include <stdio.h>

/* Exit statuses. */
#define EXIT_OK 0
#define EXIT_FAIL 1        /* the command failed (plugin, query, subscription, output) */
#define EXIT_USAGE 2       /* bad command line */
#define EXIT_VIOLATIONS 3  /* `run --contract strict` found contract violations */
#define EXIT_HUNG 4        /* `run` stopped on a signal (or a shutdown timed out) while the plugin hung */

/* ---- messages (wbemev.c) ---- */

/* "wbemev CMD: message" on stderr. */
void tool_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A status as "WBEM_E_NOT_FOUND (0x80041002): not found". */
const char *tool_status_text(wbemev_status st, char *buf, size_t size);
/* Prints a usage error and "Try 'wbemev CMD --help'."; returns EXIT_USAGE. */
int tool_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- command-line parsing (wbemev.c) ---- */

/* A small getopt: options may come before or after positional arguments; "--" ends options.
 * Long options take "--name value" or "--name=value"; short ones "-n value" or "-nvalue". */
typedef enum tool_value_kind {
    TOOL_NO_VALUE = 0,      /* a flag */
    TOOL_VALUE = 1,         /* takes a value: "--name value", "--name=value", "-n value", "-nvalue" */
    TOOL_OPTIONAL_VALUE = 2 /* a flag, or a value given inline only: "--name" or "--name=value" */
} tool_value_kind;

typedef struct tool_option {
    const char *long_name; /* without "--" */
    char short_name;       /* 0 for none */
    tool_value_kind has_value;
    int id;
} tool_option;

typedef struct tool_args {
    int argc;
    char **argv;
    int index;       /* next argv element to look at */
    const char *cmd; /* for messages */
    bool options_done;
} tool_args;

/* Returns the option id, 0 for a positional argument (in *value), -1 at the end, -2 after an
 * error (already printed). *value is NULL for a flag (and for an optional value not given). */
int tool_next(tool_args *a, const tool_option *opts, const char **value);

/* Parses a whole non-negative decimal. */
bool tool_parse_u64(const char *text, uint64_t *out);
/* Parses a non-negative number of seconds with decimals ("2", "0.5"). */
bool tool_parse_seconds(const char *text, double *out);
/* Accepts "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" with or without braces; writes the braced,
 * upper-case form. */
bool tool_normalize_clsid(const char *in, char out[39]);

/* ---- plugins (plugin.c) ---- */

typedef struct tool_plugin {
    void *handle;
    const wbemev_module *module;
} tool_plugin;

/* Loads PLUGIN (a path; a bare file name is looked up in the current directory first), finds
 * and checks its descriptor. Prints the reason and returns false on failure. */
bool tool_plugin_open(const char *cmd, const char *path, tool_plugin *out);
/* Unloads it (not when `keep` is true: a provider thread might still run its code). */
void tool_plugin_close(tool_plugin *p, bool keep);

/* ---- stopping on a signal (watchdog.c) ---- */

/* Blocks SIGINT and SIGTERM in this thread and in every thread started after it (call it before
 * any), and starts the thread that takes them: the first calls on_first(ctx, sig) (which wakes the
 * main thread); if the main thread is then still inside a plugin call (tool_watchdog_phase) two
 * seconds on, it reports it and exits with EXIT_HUNG; a second signal kills the process. */
bool tool_watchdog_start(const char *cmd, void (*on_first)(void *ctx, int sig), void *ctx);
/* What the main thread is about to wait for in the plugin ("BadProvider's ProvideEvents"), copied;
 * NULL when it is back in the tool's own code. */
void tool_watchdog_phase(const char *what);
/* The command is ending: signals from now on change nothing. */
void tool_watchdog_done(void);

/* ---- text output (text.c) ---- */

/* A growable output buffer, usable as a wbemev_text_writer. */
typedef struct tool_text {
    char *data;
    size_t length;
    size_t capacity;
} tool_text;

wbemev_status tool_text_write(void *ctx, const char *text, size_t len);
void tool_text_free(tool_text *t);

/* The one-line text form of an event used by `wbemev run --format text`:
 *   12:00:01.123456 Burst_Event Name="burst" Sequence=3 Burst=0 Severity=1
 * (local time of TIME_CREATED, class, non-NULL properties; strings, arrays and embedded objects in
 * their JSON form). Appends to t. */
wbemev_status tool_format_text(const wbemev_object_t *obj, tool_text *t);

/* Writes s[0..len) with control bytes (C0, DEL, C1) escaped as JSON escapes them (\u001b, \t...),
 * so that text a user or a plugin gave cannot drive the terminal; newlines kept when asked. */
void tool_write_escaped(FILE *f, const char *s, size_t len, bool keep_newlines);
/* s, or an escaped copy of it (in *owned, for the caller to free) when it has control bytes. */
const char *tool_escape(const char *s, char **owned);

/* Shows a query error: status, message and the query's line with a caret under the column. */
void tool_print_query_error(FILE *f, const char *cmd, const char *query, const wbemev_query_error *err);

/* ---- security identifiers (sid.c) ---- */

#define TOOL_SID_MAX 68       /* bytes of the longest SID: 8 + 15 sub-authorities of 4 */
#define TOOL_SID_TEXT_MAX 200 /* room for the text form of any SID (or its bytes in hex) */

/* Parses "S-1-5-21-..." into the binary layout Windows uses (revision 1, up to 15
 * sub-authorities; the authority in decimal, or in hex with 0x). False when it is not a SID. */
bool tool_sid_parse(const char *text, uint8_t out[TOOL_SID_MAX], size_t *length);
/* The text form of a binary SID ("S-1-5-18"); its bytes in hex ("0x0102...") when they are not a
 * well-formed SID; "none" for NULL. Returns buf. */
const char *tool_sid_format(const uint8_t *sid, size_t length, char *buf, size_t size);

/* ---- the tracing provider (trace.c) ---- */

/* Where trace lines go and what the tracing wrappers count; shared by the tool and every wrapper
 * (reference counted, thread-safe). */
typedef struct tool_tracer tool_tracer;

/* A tracer writing lines to `out` (NULL: no lines, only the counts and the warning), closed at the
 * end when owns_out. `warn` (NULL for none) receives a warning, once per time the subscriptions
 * fall to 0, when the provider keeps indicating. Times are seconds since start_ns (CLOCK_MONOTONIC). */
tool_tracer *tool_tracer_new(FILE *out, bool owns_out, FILE *warn, uint64_t start_ns, const char *provider_name);
void tool_tracer_release(tool_tracer *t);
/* True when it writes trace lines. */
bool tool_tracer_tracing(const tool_tracer *t);
/* A line "[  0.001234] text". */
void tool_trace_line(tool_tracer *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Wraps `real` (taking over the caller's reference) in a tracing provider, returned with one
 * reference: the host's calls are logged and forwarded; optional slots are set exactly when the
 * real provider's are. */
wbemev_status tool_trace_provider(tool_tracer *t, wbemev_provider_t *real, wbemev_provider_t **out);
/* The live subscriptions, as the tool sees them (after each subscribe and cancel). */
void tool_tracer_set_subscriptions(tool_tracer *t, size_t n);
/* While on, Indicate calls made with no subscription left are counted (and noticed once). */
void tool_tracer_watch(tool_tracer *t, bool on);

typedef struct tool_trace_counts {
    uint64_t indicate_calls, indicated; /* Indicate calls on the event sink, objects in them */
    uint64_t idle_calls, idle_indicated; /* of which with no subscription left (while watching) */
} tool_trace_counts;
void tool_tracer_counts(tool_tracer *t, tool_trace_counts *out);

/* ---- new (new.c) ---- */

/* True when `name` can name a new provider project (a C identifier, see `wbemev new --help`);
 * otherwise writes the reason to why. */
bool tool_check_project_name(const char *name, char *why, size_t size);

/* ---- gen (gen.c) ---- */

/* The C name `wbemev gen` gives a MOF name ("Acme_Disk_Event": "acme_disk_event",
 * "NumberOfEvents": "number_of_events"), into buf (truncated to size). */
void tool_c_name(const char *mof_name, char *buf, size_t size);

/* ---- MOF files (mof_check.c) ---- */

/* The --mof files of run and query, in command-line order (the paths are borrowed from argv). */
typedef struct tool_mof_list {
    const char **paths;
    size_t count;
} tool_mof_list;

/* Appends a path; false when out of memory. */
bool tool_mof_list_add(tool_mof_list *list, const char *path);
void tool_mof_list_free(tool_mof_list *list);
/* Reads each file and defines its classes in ns (a class already there is kept), before a plugin's
 * own classes are defined. Prints the first error (file:line:column) and returns false. */
bool tool_mof_define(const char *cmd, const tool_mof_list *list, wbemev_namespace_t *ns);

/* ---- commands ---- */

int tool_cmd_run(int argc, char **argv);   /* run.c */
int tool_cmd_query(int argc, char **argv); /* wbemev.c */
int tool_cmd_mof(int argc, char **argv);   /* wbemev.c */
int tool_cmd_new(int argc, char **argv);   /* new.c */
int tool_cmd_gen(int argc, char **argv);   /* gen.c */
int tool_cmd_mof_check(int argc, char **argv); /* mof_check.c: `wbemev mof check` */

#endif /* WBEMEV_TOOL_H */
