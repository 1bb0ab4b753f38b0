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
typedef struct tool_option {
    const char *long_name; /* without "--" */
    char short_name;       /* 0 for none */
    bool has_value;
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
 * error (already printed). */
int tool_next(tool_args *a, const tool_option *opts, const char **value);

/* Parses a whole non-negative decimal. */
bool tool_parse_u64(const char *text, uint64_t *out);
/* Parses a non-negative number of seconds with decimals ("2", "0.5"). */
bool tool_parse_seconds(const char *text, double *out);

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

/* Shows a query error: status, message and the query's line with a caret under the column. */
void tool_print_query_error(FILE *f, const char *cmd, const char *query, const wbemev_query_error *err);

/* ---- commands ---- */

int tool_cmd_run(int argc, char **argv);   /* run.c */
int tool_cmd_query(int argc, char **argv); /* wbemev.c */
int tool_cmd_mof(int argc, char **argv);   /* wbemev.c */

#endif /* WBEMEV_TOOL_H */
