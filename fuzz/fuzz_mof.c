/*
 * fuzz/fuzz_mof.c: libFuzzer entry point for the MOF reader.
 *
 * Each input is MOF text. It is parsed with small limits (includes resolve in a folder that does
 * not exist, so they fail cleanly), its views are walked, its classes loaded into a fresh
 * namespace. Beyond the sanitizers, it checks the reader's invariants and aborts when one breaks:
 *  - a failure fills the diagnostic with the same status, a NUL-terminated message and text that
 *    starts with the file name, and does not write the document;
 *  - every view's strings are NUL-terminated and its values validate (wbemev_value_validate),
 *    NULL values apart;
 *  - loading fails only with a documented status and then leaves the namespace as it was;
 *  - a registration that validates writes MOF that parses again to the same provider, classes and
 *    queries.
 */
#include "wbemev.h"
#include "wbemev/mof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_mof: invariant failed: %s (line %d)\n", #c, __LINE__);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const wbemev_mof_options opts = {
    .max_include_depth = 4, .max_nesting = 16, .max_file_bytes = 1 << 20, .max_total_bytes = 1 << 22};

static void check_value(const wbemev_value *v)
{
    if (v->is_null || v->type == WBEMEV_CIM_OBJECT)
        return;
    if (WBEMEV_CIM_IS_ARRAY(v->type) && WBEMEV_CIM_BASE(v->type) == WBEMEV_CIM_OBJECT)
        return; /* embedded instances are NULL objects */
    CHECK(wbemev_value_validate(v) == WBEMEV_S_NO_ERROR);
}

static void check_qualifiers(const wbemev_mof_qualifier *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        CHECK(q[i].name != NULL && strlen(q[i].name) > 0);
        check_value(&q[i].value);
        CHECK(wbemev_mof_find_qualifier(q, n, q[i].name) != NULL);
    }
}

static void walk(const wbemev_mof_document_t *doc)
{
    for (size_t i = 0; i < wbemev_mof_document_class_count(doc); i++) {
        const wbemev_mof_class *c = wbemev_mof_document_class_at(doc, i);
        CHECK(wbemev_mof_document_find_class(doc, c->name) == c);
        check_qualifiers(c->qualifiers, c->qualifier_count);
        for (size_t k = 0; k < c->property_count; k++) {
            CHECK(wbemev_cimtype_is_valid(c->properties[k].type));
            if (c->properties[k].has_default)
                check_value(&c->properties[k].default_value);
            check_qualifiers(c->properties[k].qualifiers, c->properties[k].qualifier_count);
        }
        for (size_t k = 0; k < c->method_count; k++) {
            for (size_t m = 0; m < c->methods[k].parameter_count; m++)
                CHECK(c->methods[k].parameters[m].name != NULL);
        }
    }
    for (size_t i = 0; i < wbemev_mof_document_instance_count(doc); i++) {
        const wbemev_mof_instance *inst = wbemev_mof_document_instance_at(doc, i);
        for (size_t k = 0; k < inst->property_count; k++)
            check_value(&inst->property_values[k]);
    }
    for (size_t i = 0; i < wbemev_mof_document_qualifier_type_count(doc); i++)
        CHECK(wbemev_mof_document_qualifier_type_at(doc, i)->name != NULL);
    for (size_t i = 0; i < wbemev_mof_document_pragma_count(doc); i++)
        CHECK(wbemev_mof_document_pragma_at(doc, i)->name != NULL);
}

static void load(const wbemev_mof_document_t *doc)
{
    wbemev_namespace_t *ns = NULL;
    CHECK(wbemev_namespace_new("root\\fuzz", &ns) == WBEMEV_S_NO_ERROR);
    size_t before = wbemev_namespace_class_count(ns);
    wbemev_mof_diagnostic d;
    wbemev_status s = wbemev_namespace_load_mof(ns, doc, false, &d);
    if (WBEMEV_FAILED(s)) {
        CHECK(d.status == s);
        CHECK(wbemev_namespace_class_count(ns) == before);
    }
    wbemev_namespace_release(ns);
}

/* A registration that validates writes text that reads back to the same registration. */
static void round_trip(const wbemev_mof_document_t *doc)
{
    const wbemev_registration *reg = NULL;
    if (WBEMEV_FAILED(wbemev_mof_document_registration(doc, &reg)) ||
        WBEMEV_FAILED(wbemev_registration_validate(reg)))
        return;
    size_t len = 0;
    CHECK(wbemev_mof_format_registration(reg, NULL, 0, &len) == WBEMEV_S_NO_ERROR);
    char *text = malloc(len + 1);
    CHECK(text != NULL);
    CHECK(wbemev_mof_format_registration(reg, text, len + 1, NULL) == WBEMEV_S_NO_ERROR);
    wbemev_mof_document_t *again = NULL;
    wbemev_mof_diagnostic d;
    wbemev_status s = wbemev_mof_parse_string(text, len, NULL, NULL, &again, &d);
    if (WBEMEV_FAILED(s))
        fprintf(stderr, "fuzz_mof: the written registration does not parse:\n%s\n%s", text, d.text);
    CHECK(WBEMEV_SUCCEEDED(s));
    const wbemev_registration *back = NULL;
    CHECK(wbemev_mof_document_registration(again, &back) == WBEMEV_S_NO_ERROR);
    CHECK(strcmp(back->provider_name, reg->provider_name) == 0);
    CHECK(strcmp(back->clsid, reg->clsid) == 0);
    CHECK(back->query_count == reg->query_count && back->class_count == reg->class_count);
    for (size_t i = 0; i < reg->query_count; i++)
        CHECK(strcmp(back->event_queries[i], reg->event_queries[i]) == 0);
    for (size_t i = 0; i < reg->class_count; i++)
        CHECK(back->classes[i].prop_count == reg->classes[i].prop_count);
    wbemev_mof_document_free(again);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wbemev_mof_document_t *doc = (wbemev_mof_document_t *)(uintptr_t)1;
    wbemev_mof_diagnostic d;
    wbemev_status s = wbemev_mof_parse_string((const char *)data, size, "/nonexistent-fuzz-dir/input.mof", &opts,
                                              &doc, &d);
    if (WBEMEV_FAILED(s)) {
        CHECK(d.status == s);
        CHECK(memchr(d.message, 0, sizeof d.message) != NULL && memchr(d.text, 0, sizeof d.text) != NULL);
        CHECK(strncmp(d.text, "/nonexistent-fuzz-dir/", 22) == 0 || d.file[0] == '/');
        CHECK(doc == (wbemev_mof_document_t *)(uintptr_t)1);
        return 0;
    }
    walk(doc);
    load(doc);
    round_trip(doc);
    wbemev_mof_document_free(doc);
    return 0;
}
