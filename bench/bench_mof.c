/*
 * bench/bench_mof.c: the MOF reader's row: parsing and loading a schema of many included files.
 *
 * The schema is the one WBEMEV_CIM_SCHEMA names (the DMTF CIM schema's cim_schema_2.xx.mof, about
 * 1,400 files), or, when it is unset, a generated tree of the same shape: 1,500 classes in 1,400
 * included files with qualifier declarations, descriptions, defaults, superclass chains and
 * references that form cycles, included in the reverse of their dependency order. The row says
 * which. The figure is the median of 5 runs of: parse every file, define every class in a fresh
 * namespace, free both.
 */
#include "bench.h"

#include "wbemev.h"
#include "wbemev/mof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNS 5
#define FILES 1400
#define CLASSES 1500

#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>

/* One generated class: Gen_<i> derives from an earlier class, refers to a later one (a cycle
 * through the chain) and embeds another. */
static void write_class(FILE *f, unsigned i)
{
    fprintf(f, "[Description(\"Generated class %u: a description long enough to look \"\n"
               "  \"like the schema's, written over two lines.\"), Version(\"2.%u.0\")]\n", i, i % 50);
    if (i == 0)
        fprintf(f, "class Gen_0\n{\n");
    else
        fprintf(f, "class Gen_%u : Gen_%u\n{\n", i, (i - 1) / 3);
    fprintf(f, "    [Key, MaxLen(256), Description(\"The key of %u.\")] string Id%u;\n", i, i);
    fprintf(f, "    [ValueMap{\"0\", \"1\", \"2\"}, Values{\"Unknown\", \"On\", \"Off\"}] uint16 State%u = 0;\n", i);
    fprintf(f, "    datetime When%u;\n    real64 Load%u = 1.5;\n    string Tags%u[];\n", i, i, i);
    fprintf(f, "    Gen_%u REF Next%u;\n", (i * 7 + 1) % CLASSES, i);
    fprintf(f, "    uint32 Run%u([In] string Arg, [Out] Gen_0 REF Result);\n};\n\n", i);
}

/* Writes the tree under dir; its top file's path into top. */
static bool generate(const char *dir, char *top, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/qualifiers.mof", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return false;
    fprintf(f, "Qualifier Description : string = null, Scope(any), Flavor(EnableOverride, ToSubclass, Translatable);\n"
               "Qualifier Version : string = null, Scope(class), Flavor(EnableOverride, Restricted);\n"
               "Qualifier Key : boolean = false, Scope(property, reference), Flavor(DisableOverride, ToSubclass);\n"
               "Qualifier MaxLen : uint32 = null, Scope(property, method, parameter);\n"
               "Qualifier ValueMap : string[], Scope(property, method, parameter);\n"
               "Qualifier Values : string[], Scope(property, method, parameter), Flavor(Translatable);\n"
               "Qualifier In : boolean = true, Scope(parameter);\nQualifier Out : boolean = false, Scope(parameter);\n");
    fclose(f);
    snprintf(top, size, "%s/schema.mof", dir);
    FILE *t = fopen(top, "w");
    if (t == NULL)
        return false;
    fprintf(t, "#pragma locale (\"en_US\")\n#pragma include (\"qualifiers.mof\")\n");
    for (unsigned k = FILES; k-- > 0;) { /* subclasses first: the loader orders them */
        fprintf(t, "#pragma include (\"Gen/Gen_%04u.mof\")\n", k);
        snprintf(path, sizeof path, "%s/Gen", dir);
        mkdir(path, 0700);
        snprintf(path, sizeof path, "%s/Gen/Gen_%04u.mof", dir, k);
        FILE *c = fopen(path, "w");
        if (c == NULL) {
            fclose(t);
            return false;
        }
        write_class(c, k);
        if (k < CLASSES - FILES)
            write_class(c, FILES + k); /* some files hold two classes */
        fclose(c);
    }
    fclose(t);
    return true;
}

static void remove_tree(const char *dir)
{
    char path[512];
    for (unsigned k = 0; k < FILES; k++) {
        snprintf(path, sizeof path, "%s/Gen/Gen_%04u.mof", dir, k);
        remove(path);
    }
    snprintf(path, sizeof path, "%s/Gen", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/qualifiers.mof", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/schema.mof", dir);
    remove(path);
    rmdir(dir);
}
#endif

/* One run: nanoseconds, and the classes loaded; 0 on failure (message printed). */
static uint64_t run_once(const char *top, size_t *classes, FILE *out)
{
    uint64_t t0 = bench_now_ns();
    wbemev_mof_document_t *doc = NULL;
    wbemev_mof_diagnostic d;
    wbemev_namespace_t *ns = NULL;
    if (WBEMEV_FAILED(wbemev_mof_parse_file(top, NULL, &doc, &d))) {
        fprintf(out, "MOF reader: %s", d.text);
        return 0;
    }
    if (WBEMEV_FAILED(wbemev_namespace_new("root\\bench", &ns))) {
        wbemev_mof_document_free(doc);
        return 0;
    }
    size_t before = wbemev_namespace_class_count(ns);
    wbemev_status s = wbemev_namespace_load_mof(ns, doc, false, &d);
    *classes = wbemev_namespace_class_count(ns) - before;
    wbemev_namespace_release(ns);
    wbemev_mof_document_free(doc);
    uint64_t t1 = bench_now_ns();
    if (WBEMEV_FAILED(s)) {
        fprintf(out, "MOF reader: %s", d.text);
        return 0;
    }
    return t1 - t0 > 0 ? t1 - t0 : 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void bench_mof_report(FILE *out)
{
    const char *schema = getenv("WBEMEV_CIM_SCHEMA");
    char top[512];
    const char *what = "WBEMEV_CIM_SCHEMA";
    bool generated = schema == NULL || schema[0] == 0;
#ifndef _WIN32
    char dir[256];
    if (generated) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/wbemev-bench-mof-%ld", tmp != NULL ? tmp : "/tmp", (long)getpid());
        if (mkdir(dir, 0700) != 0 || !generate(dir, top, sizeof top)) {
            fprintf(out, "\n%-34s skipped: cannot write the generated tree in %s\n", "MOF parse + load", dir);
            return;
        }
        schema = top;
        what = "generated, 1,400 files";
    }
#else
    if (generated) {
        fprintf(out, "\n%-34s skipped: set WBEMEV_CIM_SCHEMA\n", "MOF parse + load");
        return;
    }
#endif
    uint64_t ns[RUNS];
    size_t classes = 0;
    bool ok = true;
    for (int i = 0; i < RUNS && ok; i++)
        ok = (ns[i] = run_once(schema, &classes, out)) != 0;
#ifndef _WIN32
    if (generated)
        remove_tree(dir);
#endif
    if (!ok)
        return;
    qsort(ns, RUNS, sizeof ns[0], cmp_u64);
    fprintf(out, "\n%-34s %10s %10s   (%s)\n", "MOF parse + load (median of 5)", "classes", "ms", what);
    fprintf(out, "%-34s %10zu %10.1f\n", generated ? "generated tree" : "CIM schema", classes, ns[RUNS / 2] / 1e6);
}
