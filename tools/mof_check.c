/*
 * tools/mof_check.c: MOF files into a namespace: `wbemev mof check FILE...`, and the --mof option
 * of `wbemev run` and `wbemev query`, which define a plugin's classes from its MOF.
 *
 * Both go through load_file: parse, then wbemev_namespace_load_mof, with the reader's diagnostic
 * ("file:line:column: message", the line, a caret) printed as it is on failure.
 */
#define _POSIX_C_SOURCE 200809L

#include "tool.h"

#include <wbemev/mof.h>

#include <stdlib.h>
#include <string.h>

static const char mof_check_usage[] =
    "usage: wbemev mof check FILE.mof...\n"
    "\n"
    "Reads each MOF file and loads it into a namespace of its own, as a provider's classes would\n"
    "be defined: superclasses, embedded objects and references must resolve. For each file prints\n"
    "the number of classes, instances and qualifier declarations, and the provider registration\n"
    "(__Win32Provider, __EventProviderRegistration) when there is one.\n"
    "\n"
    "A file that does not read or load prints FILE:LINE:COLUMN, the message and the line to\n"
    "standard error; the other files are still checked, and the exit status is 1.\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help\n";

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* Prints the reader's diagnostic, or the status when it wrote none. */
static void print_diagnostic(const char *cmd, const char *path, wbemev_status st, const wbemev_mof_diagnostic *err)
{
    char sbuf[160];
    fflush(stdout);
    if (err->text[0] != '\0') {
        fputs(err->text, stderr);
        size_t len = strlen(err->text);
        if (len > 0 && err->text[len - 1] != '\n')
            fputc('\n', stderr);
    } else {
        tool_error(cmd, "%s: %s", path, tool_status_text(st, sbuf, sizeof sbuf));
    }
}

/* Parses `path` and defines its classes in ns (classes already there are kept when skip_existing).
 * *out (optional) receives the document; else it is freed. False after printing why. */
static bool load_file(const char *cmd, const char *path, wbemev_namespace_t *ns, bool skip_existing,
                      wbemev_mof_document_t **out)
{
    wbemev_mof_diagnostic err;
    memset(&err, 0, sizeof err);
    wbemev_mof_document_t *doc = NULL;
    wbemev_status st = wbemev_mof_parse_file(path, NULL, &doc, &err);
    if (WBEMEV_SUCCEEDED(st)) {
        memset(&err, 0, sizeof err);
        st = wbemev_namespace_load_mof(ns, doc, skip_existing, &err);
    }
    if (WBEMEV_FAILED(st)) {
        print_diagnostic(cmd, path, st, &err);
        wbemev_mof_document_free(doc);
        return false;
    }
    if (out != NULL)
        *out = doc;
    else
        wbemev_mof_document_free(doc);
    return true;
}

/* ---- --mof for run and query ---- */

bool tool_mof_list_add(tool_mof_list *list, const char *path)
{
    const char **p = realloc(list->paths, (list->count + 1) * sizeof *p);
    if (p == NULL)
        return false;
    list->paths = p;
    list->paths[list->count++] = path;
    return true;
}

void tool_mof_list_free(tool_mof_list *list)
{
    free(list->paths);
    list->paths = NULL;
    list->count = 0;
}

bool tool_mof_define(const char *cmd, const tool_mof_list *list, wbemev_namespace_t *ns)
{
    for (size_t i = 0; i < list->count; i++)
        if (!load_file(cmd, list->paths[i], ns, true, NULL))
            return false;
    return true;
}

/* ---- mof check ---- */

static void print_registration(const wbemev_registration *reg)
{
    printf("  provider %s", reg->provider_name != NULL ? reg->provider_name : "(no name)");
    if (reg->clsid != NULL)
        printf(" %s", reg->clsid);
    printf(", namespace %s, hosting model %s\n", reg->namespace_name != NULL ? reg->namespace_name : "(none)",
           reg->hosting_model != NULL ? reg->hosting_model : WBEMEV_MOF_DEFAULT_HOSTING_MODEL " (default)");
    printf("  event queries:\n");
    for (size_t i = 0; i < reg->query_count; i++)
        printf("    %s\n", reg->event_queries[i]);
}

static bool check_file(const char *path)
{
    wbemev_namespace_t *ns;
    char sbuf[160];
    wbemev_status st = wbemev_namespace_new("root\\cimv2", &ns);
    if (WBEMEV_FAILED(st)) {
        tool_error("mof check", "cannot create a namespace: %s", tool_status_text(st, sbuf, sizeof sbuf));
        return false;
    }
    wbemev_mof_document_t *doc = NULL;
    bool ok = load_file("mof check", path, ns, false, &doc);
    if (ok) {
        size_t classes = wbemev_mof_document_class_count(doc);
        size_t instances = wbemev_mof_document_instance_count(doc);
        size_t qualifiers = wbemev_mof_document_qualifier_type_count(doc);
        printf("%s: %zu class%s, %zu instance%s, %zu qualifier declaration%s\n", path, classes,
               classes == 1 ? "" : "es", instances, plural(instances), qualifiers, plural(qualifiers));
        const wbemev_registration *reg;
        st = wbemev_mof_document_registration(doc, &reg);
        if (WBEMEV_SUCCEEDED(st)) {
            print_registration(reg);
        } else if (st != WBEMEV_E_NOT_FOUND) {
            tool_error("mof check", "%s: the provider registration (__Win32Provider, __EventProviderRegistration): %s",
                       path, tool_status_text(st, sbuf, sizeof sbuf));
            ok = false;
        }
    }
    wbemev_mof_document_free(doc);
    wbemev_namespace_release(ns);
    return ok;
}

int tool_cmd_mof_check(int argc, char **argv)
{
    enum { OPT_HELP = 1 };
    static const tool_option opts[] = {
        {"help", 'h', TOOL_NO_VALUE, OPT_HELP},
        {NULL, 0, TOOL_NO_VALUE, 0},
    };
    tool_args a = {argc, argv, 1, "mof check", false};
    const char *v;
    int id;
    size_t files = 0;
    while ((id = tool_next(&a, opts, &v)) != -1) {
        if (id == -2)
            return EXIT_USAGE;
        if (id == OPT_HELP) {
            fputs(mof_check_usage, stdout);
            return EXIT_OK;
        }
        files++;
    }
    if (files == 0)
        return tool_usage_error("mof check", "missing the MOF file");

    /* Second pass over the positional arguments: the files, in order. */
    int rc = EXIT_OK;
    tool_args b = {argc, argv, 1, "mof check", false};
    while ((id = tool_next(&b, opts, &v)) != -1) {
        if (id == 0 && !check_file(v))
            rc = EXIT_FAIL;
    }
    if (fflush(stdout) != 0)
        rc = EXIT_FAIL;
    return rc;
}
