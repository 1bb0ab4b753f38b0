/*
 * tests/test_mof_cim_schema.c: the whole DMTF CIM schema parses and loads.
 *
 * The schema is not part of the tree: WBEMEV_CIM_SCHEMA names its top file (cim_schema_2.xx.mof,
 * which includes some 1,400 files). Without it the test is skipped (exit code 77, which ctest
 * reports as skipped). With it, the test parses and loads the schema into a fresh namespace and
 * checks that the number of classes loaded equals the number of class declarations counted by a
 * plain scan of the files the schema includes (lines that start with the word "class", outside
 * comments), so the reader's count is checked against something that is not the reader.
 */
#include "wbemev.h"
#include "wbemev/mof.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SKIP 77
#define MAX_DEPTH 32

static int failures;
#define CHECK(c, ...)                                                                              \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "test_mof_cim_schema: " __VA_ARGS__);                                  \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* The path of `target` next to `including`. */
static void sibling(const char *including, const char *target, char *out, size_t size)
{
    const char *slash = strrchr(including, '/');
    int dir = slash != NULL ? (int)(slash - including + 1) : 0;
    snprintf(out, size, "%.*s%s", dir, including, target);
    for (char *p = out + dir; *p != 0; p++)
        if (*p == '\\')
            *p = '/';
}

static bool starts_with_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != word[i])
            return false;
    return !isalnum((unsigned char)s[n]) && s[n] != '_';
}

/* Counts the class declarations of a file and of the files it includes. */
static long count_classes(const char *path, int depth)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (f == NULL || depth > MAX_DEPTH)
        return 0;
    char line[4096];
    long n = 0;
    bool in_comment = false;
    while (fgets(line, sizeof line, f) != NULL) {
        char *s = line;
        if (in_comment) {
            char *end = strstr(s, "*/");
            if (end == NULL)
                continue;
            in_comment = false;
            s = end + 2;
        }
        while (isspace((unsigned char)*s))
            s++;
        if (starts_with_word(s, "class"))
            n++;
        char *inc = strstr(s, "#pragma include");
        char *q1 = inc != NULL ? strchr(inc, '"') : NULL;
        char *q2 = q1 != NULL ? strchr(q1 + 1, '"') : NULL;
        if (q1 != NULL && q2 != NULL && s[0] == '#') {
            char target[1024], next[2048];
            snprintf(target, sizeof target, "%.*s", (int)(q2 - q1 - 1), q1 + 1);
            sibling(path, target, next, sizeof next);
            n += count_classes(next, depth + 1);
        }
        char *open = strstr(s, "/*");
        if (open != NULL && strstr(open + 2, "*/") == NULL && strstr(s, "//") != s)
            in_comment = true;
    }
    fclose(f);
    return n;
}

int main(void)
{
    const char *schema = getenv("WBEMEV_CIM_SCHEMA");
    if (schema == NULL || schema[0] == 0) {
        printf("test_mof_cim_schema: SKIPPED: set WBEMEV_CIM_SCHEMA to the top file of a DMTF CIM schema "
               "(cim_schema_2.xx.mof) to run it\n");
        return SKIP;
    }
    long expected = count_classes(schema, 0);
    wbemev_mof_document_t *doc = NULL;
    wbemev_mof_diagnostic d;
    wbemev_status s = wbemev_mof_parse_file(schema, NULL, &doc, &d);
    CHECK(WBEMEV_SUCCEEDED(s), "parse failed:\n%s", d.text);
    if (WBEMEV_FAILED(s))
        return 1;
    wbemev_namespace_t *ns = NULL;
    CHECK(wbemev_namespace_new("root\\cimv2", &ns) == WBEMEV_S_NO_ERROR, "namespace_new");
    size_t before = wbemev_namespace_class_count(ns);
    s = wbemev_namespace_load_mof(ns, doc, false, &d);
    CHECK(WBEMEV_SUCCEEDED(s), "load failed:\n%s", d.text);
    size_t loaded = wbemev_namespace_class_count(ns) - before;
    size_t parsed = wbemev_mof_document_class_count(doc);
    CHECK(parsed == (size_t)expected, "the document has %zu classes, the files declare %ld", parsed, expected);
    CHECK(loaded == (size_t)expected, "%zu classes loaded, the files declare %ld", loaded, expected);
    printf("test_mof_cim_schema: %s: %ld class declarations, %zu parsed, %zu loaded, %zu qualifier "
           "declarations\n", schema, expected, parsed, loaded, wbemev_mof_document_qualifier_type_count(doc));
    wbemev_namespace_release(ns);
    wbemev_mof_document_free(doc);
    printf("%d passed, %d failed\n", failures == 0, failures != 0);
    return failures == 0 ? 0 : 1;
}
