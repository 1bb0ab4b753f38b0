/*
 * tools/wbemev.c: the `wbemev` command-line tool: run a provider plugin, check a WQL query, print a
 * plugin's registration MOF, start a new provider project.
 *
 *   wbemev run PLUGIN.so [--query WQL]... [--count N] [--seconds S] [--format text|mof|json]
 *                        [--contract off|record|strict] [--param KEY=VALUE]... [--trace[=FILE]]
 *                        [--interactive] [--sid SID]
 *   wbemev query WQL [--plugin PLUGIN.so] [--mof FILE.mof]...
 *   wbemev mof PLUGIN.so [--clsid GUID]
 *   wbemev mof check FILE.mof...
 *   wbemev gen FILE.mof [-o DIR] [--prefix NAME] [--header NAME.h] [--source NAME.c]
 *   wbemev new NAME [-C DIR] [--clsid GUID] [--quiet]
 */
#define _POSIX_C_SOURCE 200809L

#include "tool.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char main_usage[] =
    "usage: wbemev [--version] [--help] COMMAND [ARGS...]\n"
    "\n"
    "The WMI event-provider contract on Linux: host provider plugins, check WQL event queries,\n"
    "write the MOF that registers a provider with WMI, start a new provider project.\n"
    "\n"
    "Commands:\n"
    "  run PLUGIN     host a provider plugin in a dispatcher and print the events it sends\n"
    "  query WQL      check a WQL event query (syntax; classes too with --plugin)\n"
    "  mof PLUGIN     print the plugin's registration MOF (classes, __Win32Provider,\n"
    "                 __EventProviderRegistration)\n"
    "  mof check FILE read and load MOF files: classes, instances, the registration\n"
    "  gen FILE.mof   write typed C for a MOF's classes: tables, handles, setters and getters\n"
    "  new NAME       write a new provider project: provider, plugin, tests, Windows DLL,\n"
    "                 CMakeLists.txt (find_package(wbemev)) and README\n"
    "  help [COMMAND] show this help, or a command's\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help\n"
    "  -V, --version  show the tool's and the library's versions\n"
    "\n"
    "Run 'wbemev COMMAND --help' for a command's options.\n";

static const char query_usage[] =
    "usage: wbemev query [--plugin PLUGIN] [--mof FILE.mof]... WQL\n"
    "\n"
    "Checks a WQL event query. Without a plugin the check is syntax only; with one, the query is\n"
    "also checked against the plugin's classes: the FROM class exists and is an event class, every\n"
    "property exists and constants fit their types. WQL '-' reads the query from standard input.\n"
    "\n"
    "A valid query prints its normalized form and exits with 0. An invalid one prints the status\n"
    "name, the message and the query with a caret under the offending column to standard error, and\n"
    "exits with 1.\n"
    "\n"
    "Options:\n"
    "  -P, --plugin PLUGIN  check classes and properties against PLUGIN's class definitions\n"
    "  -M, --mof FILE       define the classes of a MOF file first (repeatable): for a plugin\n"
    "                       that does not carry its classes, or to check a query without one\n"
    "  -h, --help           show this help\n"
    "\n"
    "Example:\n"
    "  wbemev query \"select * from Burst_Event where Severity > 2\"\n"
    "  SELECT * FROM Burst_Event WHERE Severity > 2\n";

static const char mof_usage[] =
    "usage: wbemev mof PLUGIN [--clsid GUID]\n"
    "       wbemev mof check FILE.mof...   (see 'wbemev mof check --help')\n"
    "\n"
    "Prints the MOF that registers the plugin's provider with WMI: #pragma namespace, its classes,\n"
    "the __Win32Provider instance and the __EventProviderRegistration with its EventQueryList.\n"
    "Compile it on Windows with 'mofcomp FILE.mof' once the provider DLL is registered.\n"
    "\n"
    "Options:\n"
    "  -C, --clsid GUID  the provider's COM CLSID, with or without braces (default: the plugin's)\n"
    "  -h, --help        show this help\n";

/* ---- messages ---- */

/* Messages are written under the stream's lock: a line from another thread (the trace) never lands
 * inside one. */
/* The message, with the control bytes of what it quotes (queries, plugin names, parameters)
 * escaped: one line that cannot drive the terminal. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
static void write_message(const char *cmd, const char *fmt, va_list ap)
{
    char small[1024];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    char *text = small;
    if (n >= (int)sizeof small && (text = malloc((size_t)n + 1)) != NULL)
        vsnprintf(text, (size_t)n + 1, fmt, ap);
    if (text == NULL) {
        text = small; /* out of memory: the message cut */
        n = (int)strlen(small);
    }
    fprintf(stderr, "wbemev%s%s: ", cmd != NULL ? " " : "", cmd != NULL ? cmd : "");
    if (n > 0)
        tool_write_escaped(stderr, text, strlen(text), false);
    if (text != small)
        free(text);
}

void tool_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    flockfile(stderr);
    va_start(ap, fmt);
    write_message(cmd, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    funlockfile(stderr);
}

int tool_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    flockfile(stderr);
    va_start(ap, fmt);
    write_message(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'wbemev%s%s --help'.\n", cmd != NULL ? " " : "", cmd != NULL ? cmd : "");
    funlockfile(stderr);
    return EXIT_USAGE;
}

const char *tool_status_text(wbemev_status st, char *buf, size_t size)
{
    const char *name = wbemev_status_name(st);
    snprintf(buf, size, "%s (0x%08lX): %s", name != NULL ? name : "unknown status",
             (unsigned long)(uint32_t)st, wbemev_status_message(st));
    return buf;
}

/* ---- command-line parsing ---- */

int tool_next(tool_args *a, const tool_option *opts, const char **value)
{
    while (a->index < a->argc) {
        const char *arg = a->argv[a->index++];
        if (a->options_done || arg[0] != '-' || arg[1] == '\0') {
            *value = arg; /* positional ("-" alone too: standard input) */
            return 0;
        }
        if (strcmp(arg, "--") == 0) {
            a->options_done = true;
            continue;
        }
        const tool_option *o = NULL;
        const char *inline_value = NULL;
        if (arg[1] == '-') {
            const char *name = arg + 2, *eq = strchr(name, '=');
            size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
            for (const tool_option *p = opts; p->long_name != NULL; p++) {
                if (strlen(p->long_name) == len && strncmp(p->long_name, name, len) == 0)
                    o = p;
            }
            if (o == NULL) {
                tool_usage_error(a->cmd, "unknown option '--%.*s'", (int)len, name);
                return -2;
            }
            if (eq != NULL) {
                if (o->has_value == TOOL_NO_VALUE) {
                    tool_usage_error(a->cmd, "option '--%s' takes no value", o->long_name);
                    return -2;
                }
                inline_value = eq + 1;
            }
        } else {
            for (const tool_option *p = opts; p->long_name != NULL; p++) {
                if (p->short_name != 0 && p->short_name == arg[1])
                    o = p;
            }
            if (o == NULL) {
                tool_usage_error(a->cmd, "unknown option '-%c'", arg[1]);
                return -2;
            }
            if (arg[2] != '\0') {
                if (o->has_value != TOOL_VALUE) {
                    tool_usage_error(a->cmd, "option '-%c' takes no value", arg[1]);
                    return -2;
                }
                inline_value = arg + 2;
            }
        }
        if (o->has_value == TOOL_OPTIONAL_VALUE) {
            *value = inline_value; /* NULL when not given */
        } else if (o->has_value == TOOL_VALUE) {
            if (inline_value == NULL) {
                if (a->index >= a->argc) {
                    tool_usage_error(a->cmd, "option '--%s' needs a value", o->long_name);
                    return -2;
                }
                inline_value = a->argv[a->index++];
            }
            *value = inline_value;
        } else {
            *value = NULL;
        }
        return o->id;
    }
    return -1;
}

bool tool_parse_u64(const char *text, uint64_t *out)
{
    if (text == NULL || *text < '0' || *text > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno != 0)
        return false;
    *out = (uint64_t)v;
    return true;
}

bool tool_parse_seconds(const char *text, double *out)
{
    if (text == NULL || !((*text >= '0' && *text <= '9') || *text == '.'))
        return false;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (*end != '\0' || errno != 0 || !(v >= 0) || v > 1e9)
        return false;
    *out = v;
    return true;
}

/* ---- query ---- */

/* Reads all of standard input into a NUL-terminated string (trailing newlines removed): NULL with
 * the reason told when it cannot be a query (longer than a query may be, a NUL byte in it, a read
 * error). */
static char *read_stdin(void)
{
    /* Room for the longest query and some trailing newlines; more than that is too long anyway. */
    size_t cap = (size_t)WBEMEV_MAX_QUERY * 2 + 1, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        tool_error("query", "out of memory");
        return NULL;
    }
    for (size_t n; len < cap - 1 && (n = fread(buf + len, 1, cap - 1 - len, stdin)) > 0;)
        len += n;
    if (ferror(stdin)) {
        tool_error("query", "cannot read the query from standard input: %s", strerror(errno));
        free(buf);
        return NULL;
    }
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    if (len > (size_t)WBEMEV_MAX_QUERY) {
        tool_error("query", "the query on standard input is longer than %d characters", WBEMEV_MAX_QUERY);
        free(buf);
        return NULL;
    }
    const char *nul = memchr(buf, '\0', len);
    if (nul != NULL) {
        tool_error("query", "the query on standard input holds a NUL byte (at offset %zu): a query is text",
                   (size_t)(nul - buf));
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* True when one query of the registration's EventQueryList names a class related to `cls`. */
static bool registration_covers(const wbemev_registration *reg, wbemev_namespace_t *ns, const wbemev_class_t *cls)
{
    for (size_t i = 0; i < reg->query_count; i++) {
        wbemev_query_t *q;
        if (WBEMEV_FAILED(wbemev_query_compile(reg->event_queries[i], ns, &q, NULL)))
            continue;
        const wbemev_class_t *rc = wbemev_query_class(q);
        bool covers = wbemev_class_inherits_from(rc, cls) || wbemev_class_inherits_from(cls, rc);
        wbemev_query_release(q);
        if (covers)
            return true;
    }
    return false;
}

int tool_cmd_query(int argc, char **argv)
{
    enum { OPT_HELP = 1, OPT_PLUGIN, OPT_MOF };
    static const tool_option opts[] = {
        {"help", 'h', TOOL_NO_VALUE, OPT_HELP},
        {"plugin", 'P', TOOL_VALUE, OPT_PLUGIN},
        {"mof", 'M', TOOL_VALUE, OPT_MOF},
        {NULL, 0, TOOL_NO_VALUE, 0},
    };
    tool_mof_list mofs = {NULL, 0};
    tool_args a = {argc, argv, 1, "query", false};
    const char *plugin_path = NULL, *text = NULL, *v;
    int id;
    while ((id = tool_next(&a, opts, &v)) != -1) {
        switch (id) {
        case -2: tool_mof_list_free(&mofs); return EXIT_USAGE;
        case OPT_HELP: tool_mof_list_free(&mofs); fputs(query_usage, stdout); return EXIT_OK;
        case OPT_PLUGIN: plugin_path = v; break;
        case OPT_MOF:
            if (!tool_mof_list_add(&mofs, v)) {
                tool_mof_list_free(&mofs);
                tool_error("query", "out of memory");
                return EXIT_FAIL;
            }
            break;
        default:
            if (text != NULL) {
                tool_mof_list_free(&mofs);
                return tool_usage_error("query", "one query only (quote it: wbemev query \"SELECT ...\")");
            }
            text = v;
            break;
        }
    }
    if (text == NULL) {
        tool_mof_list_free(&mofs);
        return tool_usage_error("query", "missing the query");
    }

    char *owned = NULL;
    if (strcmp(text, "-") == 0) {
        owned = read_stdin();
        if (owned == NULL) {
            tool_mof_list_free(&mofs);
            return EXIT_FAIL; /* the reason is told */
        }
        text = owned;
    }

    int rc = EXIT_FAIL;
    char sbuf[160];
    tool_plugin plugin = {NULL, NULL};
    wbemev_namespace_t *ns = NULL;
    wbemev_query_t *q = NULL;
    wbemev_query_error err;
    memset(&err, 0, sizeof err);
    wbemev_status st;
    if (plugin_path != NULL || mofs.count > 0) {
        if (plugin_path != NULL && !tool_plugin_open("query", plugin_path, &plugin))
            goto done;
        const wbemev_registration *reg = plugin_path != NULL ? plugin.module->registration : NULL;
        st = wbemev_namespace_new(reg != NULL ? reg->namespace_name : "root\\cimv2", &ns);
        if (WBEMEV_SUCCEEDED(st) && !tool_mof_define("query", &mofs, ns))
            goto done;
        if (WBEMEV_SUCCEEDED(st) && reg != NULL)
            st = wbemev_registration_define_classes(reg, ns, true);
        if (WBEMEV_FAILED(st)) {
            tool_error("query", "cannot define the plugin's classes: %s", tool_status_text(st, sbuf, sizeof sbuf));
            goto done;
        }
        st = wbemev_query_compile(text, ns, &q, &err);
    } else {
        st = wbemev_query_parse(text, &q, &err);
    }
    if (WBEMEV_FAILED(st)) {
        if (err.status == 0)
            err.status = st;
        tool_print_query_error(stderr, "query", text, &err);
        goto done;
    }

    size_t need = wbemev_query_format(q, NULL, 0);
    char *normalized = malloc(need + 1);
    if (normalized == NULL) {
        tool_error("query", "out of memory");
        goto done;
    }
    wbemev_query_format(q, normalized, need + 1);
    printf("%s\n", normalized);
    free(normalized);
    if (plugin_path != NULL && !registration_covers(plugin.module->registration, ns, wbemev_query_class(q))) {
        fprintf(stderr,
                "wbemev query: note: no query of %s's EventQueryList covers %s: the provider will not send "
                "these events\n",
                plugin.module->registration->provider_name, wbemev_query_class_name(q));
    }
    rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
done:
    if (q != NULL)
        wbemev_query_release(q);
    if (ns != NULL)
        wbemev_namespace_release(ns);
    if (plugin.handle != NULL)
        tool_plugin_close(&plugin, false);
    tool_mof_list_free(&mofs);
    free(owned);
    return rc;
}

/* ---- mof ---- */

bool tool_normalize_clsid(const char *in, char out[39])
{
    size_t len = strlen(in);
    if (len == 38 && in[0] == '{' && in[37] == '}') {
        in++;
        len = 36;
    }
    if (len != 36)
        return false;
    out[0] = '{';
    for (size_t i = 0; i < 36; i++) {
        char c = in[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
        out[1 + i] = (c >= 'a' && c <= 'f') ? (char)(c - 'a' + 'A') : c;
    }
    out[37] = '}';
    out[38] = '\0';
    return true;
}

int tool_cmd_mof(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return tool_cmd_mof_check(argc - 1, argv + 1); /* a plugin named "check": ./check */
    enum { OPT_HELP = 1, OPT_CLSID };
    static const tool_option opts[] = {
        {"help", 'h', TOOL_NO_VALUE, OPT_HELP},
        {"clsid", 'C', TOOL_VALUE, OPT_CLSID},
        {NULL, 0, TOOL_NO_VALUE, 0},
    };
    tool_args a = {argc, argv, 1, "mof", false};
    const char *path = NULL, *clsid_arg = NULL, *v;
    int id;
    while ((id = tool_next(&a, opts, &v)) != -1) {
        switch (id) {
        case -2: return EXIT_USAGE;
        case OPT_HELP: fputs(mof_usage, stdout); return EXIT_OK;
        case OPT_CLSID: clsid_arg = v; break;
        default:
            if (path != NULL)
                return tool_usage_error("mof", "one plugin only");
            path = v;
            break;
        }
    }
    if (path == NULL)
        return tool_usage_error("mof", "missing the plugin");
    char clsid[39];
    if (clsid_arg != NULL && !tool_normalize_clsid(clsid_arg, clsid))
        return tool_usage_error("mof", "'%s' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", clsid_arg);

    tool_plugin plugin;
    if (!tool_plugin_open("mof", path, &plugin))
        return EXIT_FAIL;
    wbemev_registration reg = *plugin.module->registration;
    if (clsid_arg != NULL)
        reg.clsid = clsid;
    int rc = EXIT_FAIL;
    if (reg.clsid == NULL) {
        tool_error("mof", "%s has no CLSID: give one with --clsid GUID", reg.provider_name);
    } else {
        char sbuf[160];
        wbemev_status st = wbemev_mof_fwrite_registration(&reg, stdout);
        if (WBEMEV_SUCCEEDED(st) && fflush(stdout) != 0)
            st = WBEMEV_E_FAILED;
        if (WBEMEV_FAILED(st))
            tool_error("mof", "cannot write the MOF: %s", tool_status_text(st, sbuf, sizeof sbuf));
        else
            rc = EXIT_OK;
    }
    tool_plugin_close(&plugin, false);
    return rc;
}

/* ---- main ---- */

static void print_version(void)
{
    printf("wbemev %s (library %s, module ABI %d)\n", WBEMEV_VERSION_STRING, wbemev_version_string(),
           WBEMEV_MODULE_ABI_VERSION);
}

static int help(const char *cmd)
{
    if (cmd == NULL) {
        fputs(main_usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "run") == 0) {
        char *args[] = {"run", "--help", NULL};
        return tool_cmd_run(2, args);
    }
    if (strcmp(cmd, "query") == 0) {
        fputs(query_usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "mof") == 0) {
        fputs(mof_usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "new") == 0) {
        char *args[] = {"new", "--help", NULL};
        return tool_cmd_new(2, args);
    }
    if (strcmp(cmd, "gen") == 0) {
        char *args[] = {"gen", "--help", NULL};
        return tool_cmd_gen(2, args);
    }
    return tool_usage_error(NULL, "no command '%s'", cmd);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(main_usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return help(NULL);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        print_version();
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc > 3)
            return tool_usage_error(NULL, "help takes one command");
        return help(argc == 3 ? argv[2] : NULL);
    }
    if (strcmp(cmd, "run") == 0)
        return tool_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "query") == 0)
        return tool_cmd_query(argc - 1, argv + 1);
    if (strcmp(cmd, "mof") == 0)
        return tool_cmd_mof(argc - 1, argv + 1);
    if (strcmp(cmd, "new") == 0)
        return tool_cmd_new(argc - 1, argv + 1);
    if (strcmp(cmd, "gen") == 0)
        return tool_cmd_gen(argc - 1, argv + 1);
    if (cmd[0] == '-')
        return tool_usage_error(NULL, "unknown option '%s'", cmd);
    return tool_usage_error(NULL, "unknown command '%s'", cmd);
}
