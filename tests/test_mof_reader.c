/*
 * tests/test_mof_reader.c: the MOF reader (wbemev/mof.h, reading section): provider MOFs as their
 * authors write them, a CIM-style tree of included files, every literal form, the round trip
 * through the writer, loading into a namespace, and malformed inputs with their exact positions.
 */
#include "test_support.h"

#include "wbemev/mof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WBEMEV_MOF_DIR
#error "WBEMEV_MOF_DIR must name tests/mof"
#endif

/* ---- parsing and lookups the tests share ---- */

static wbemev_mof_document_t *parse_ok(const char *text)
{
    wbemev_mof_document_t *doc = NULL;
    wbemev_mof_diagnostic d;
    wbemev_status s = wbemev_mof_parse_string(text, strlen(text), "test.mof", NULL, &doc, &d);
    if (WBEMEV_FAILED(s))
        print_error("%s", d.text);
    assert_wbemev_ok(s);
    return doc;
}

static wbemev_mof_document_t *parse_path_ok(const char *relative)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", WBEMEV_MOF_DIR, relative);
    wbemev_mof_document_t *doc = NULL;
    wbemev_mof_diagnostic d;
    wbemev_status s = wbemev_mof_parse_file(path, NULL, &doc, &d);
    if (WBEMEV_FAILED(s))
        print_error("%s", d.text);
    assert_wbemev_ok(s);
    return doc;
}

static const wbemev_mof_property *prop_of(const wbemev_mof_class *c, const char *name)
{
    for (size_t i = 0; i < c->property_count; i++) {
        if (strcmp(c->properties[i].name, name) == 0)
            return &c->properties[i];
    }
    fail_msg("no property %s in %s", name, c->name);
    return NULL;
}

static const wbemev_value *instance_value(const wbemev_mof_instance *inst, const char *name)
{
    for (size_t i = 0; i < inst->property_count; i++) {
        if (strcmp(inst->property_names[i], name) == 0)
            return &inst->property_values[i];
    }
    fail_msg("no property %s", name);
    return NULL;
}

/* ---- a provider's MOF ---- */

static void test_provider_mof(void **state)
{
    (void)state;
    wbemev_mof_document_t *doc = parse_path_ok("sample_provider.mof");
    assert_int_equal(wbemev_mof_document_class_count(doc), 3);
    const wbemev_mof_class *base = wbemev_mof_document_find_class(doc, "sample_baseevent");
    assert_non_null(base);
    assert_string_equal(base->name, "Sample_BaseEvent");
    assert_string_equal(base->superclass, "__ExtrinsicEvent");
    assert_string_equal(base->namespace_name, "root\\cimv2");
    assert_true(base->is_abstract);
    const wbemev_mof_qualifier *desc = wbemev_mof_find_qualifier(base->qualifiers, base->qualifier_count, "DESCRIPTION");
    assert_non_null(desc);
    assert_int_equal(desc->value.type, WBEMEV_CIM_STRING);
    assert_string_equal(desc->value.u.string, "Base of the sample's events");
    assert_int_equal(desc->flavors, WBEMEV_MOF_FLAVOR_AMENDED | WBEMEV_MOF_FLAVOR_TOSUBCLASS);
    assert_int_equal(base->line, 6); /* the line of the word class */

    const wbemev_mof_class *job = wbemev_mof_document_find_class(doc, "Sample_JobEvent");
    assert_non_null(job);
    assert_int_equal(job->property_count, 8);
    assert_int_equal(prop_of(job, "ExitCode")->type, WBEMEV_CIM_SINT32);
    assert_true(prop_of(job, "ExitCode")->has_default);
    assert_int_equal(prop_of(job, "ExitCode")->default_value.u.sint, -1);
    assert_true(prop_of(job, "Succeeded")->default_value.u.boolean);
    assert_int_equal(prop_of(job, "Finished")->type, WBEMEV_CIM_DATETIME);
    assert_int_equal(prop_of(job, "Tags")->type, WBEMEV_CIM_UINT8 | WBEMEV_CIM_FLAG_ARRAY);
    assert_int_equal(prop_of(job, "Detail")->type, WBEMEV_CIM_OBJECT);
    assert_string_equal(prop_of(job, "Detail")->ref_class, "Sample_Detail");
    assert_int_equal(prop_of(job, "Extra")->type, WBEMEV_CIM_OBJECT);
    assert_string_equal(prop_of(job, "Extra")->ref_class, "Sample_Detail");
    assert_int_equal(prop_of(job, "Grade")->default_value.u.char16, 'A');
    const wbemev_mof_class *detail = wbemev_mof_document_find_class(doc, "Sample_Detail");
    assert_true(prop_of(detail, "Id")->is_key);
    assert_int_equal(prop_of(detail, "Code")->default_value.u.uint, 16);

    assert_int_equal(wbemev_mof_document_instance_count(doc), 2);
    const wbemev_mof_instance *prov = wbemev_mof_document_instance_at(doc, 0);
    assert_string_equal(prov->class_name, "__Win32Provider");
    assert_string_equal(prov->alias, "P");
    const wbemev_mof_instance *epr = wbemev_mof_document_instance_at(doc, 1);
    const wbemev_value *ref = instance_value(epr, "Provider");
    assert_int_equal(ref->type, WBEMEV_CIM_REFERENCE);
    assert_string_equal(ref->u.string, "__Win32Provider.Name=\"SampleProvider\"");

    const wbemev_registration *reg = NULL;
    assert_wbemev_ok(wbemev_mof_document_registration(doc, &reg));
    assert_string_equal(reg->namespace_name, "root\\cimv2");
    assert_string_equal(reg->provider_name, "SampleProvider");
    assert_string_equal(reg->clsid, "{12345678-1234-1234-1234-123456789ABC}");
    assert_string_equal(reg->hosting_model, "NetworkServiceHost");
    assert_int_equal(reg->query_count, 2);
    assert_string_equal(reg->event_queries[0], "select * from Sample_JobEvent");
    assert_int_equal(reg->class_count, 3);
    assert_wbemev_ok(wbemev_registration_validate(reg));

    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\cimv2", &ns));
    assert_wbemev_ok(wbemev_namespace_load_mof(ns, doc, false, NULL));
    wbemev_class_t *cls = NULL;
    assert_wbemev_ok(wbemev_namespace_get_class(ns, "Sample_JobEvent", &cls));
    assert_true(wbemev_class_is_event_class(cls));
    wbemev_property_info info;
    assert_wbemev_ok(wbemev_class_find_property(cls, "Source", &info)); /* inherited */
    assert_wbemev_ok(wbemev_class_find_property(cls, "Detail", &info));
    assert_int_equal(info.type, WBEMEV_CIM_OBJECT);
    assert_string_equal(info.ref_class, "Sample_Detail");
    wbemev_class_release(cls);
    /* Loading again: the classes exist. skip_existing leaves them. */
    assert_wbemev_status(wbemev_namespace_load_mof(ns, doc, false, NULL), WBEMEV_E_ALREADY_EXISTS);
    assert_wbemev_ok(wbemev_namespace_load_mof(ns, doc, true, NULL));
    wbemev_namespace_release(ns);
    wbemev_mof_document_free(doc);
}

/* ---- the writer's output reads back ---- */

static const wbemev_property_def rt_detail_props[] = {{"Id", WBEMEV_CIM_UINT32, NULL}, {"Label", WBEMEV_CIM_STRING, NULL}};
static const wbemev_property_def rt_event_props[] = {
    {"Name", WBEMEV_CIM_STRING, NULL},       {"Small", WBEMEV_CIM_SINT8, NULL},
    {"Octet", WBEMEV_CIM_UINT8, NULL},       {"Short", WBEMEV_CIM_SINT16, NULL},
    {"Port", WBEMEV_CIM_UINT16, NULL},       {"Count", WBEMEV_CIM_SINT32, NULL},
    {"Total", WBEMEV_CIM_UINT32, NULL},      {"Big", WBEMEV_CIM_SINT64, NULL},
    {"Huge", WBEMEV_CIM_UINT64, NULL},       {"Ratio", WBEMEV_CIM_REAL32, NULL},
    {"Precise", WBEMEV_CIM_REAL64, NULL},    {"Flag", WBEMEV_CIM_BOOLEAN, NULL},
    {"When", WBEMEV_CIM_DATETIME, NULL},     {"Initial", WBEMEV_CIM_CHAR16, NULL},
    {"Path", WBEMEV_CIM_REFERENCE, "Rt_Detail"}, {"AnyPath", WBEMEV_CIM_REFERENCE, NULL},
    {"Detail", WBEMEV_CIM_OBJECT, "Rt_Detail"},  {"Anything", WBEMEV_CIM_OBJECT, NULL},
    {"Tags", WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY, NULL},
    {"Details", WBEMEV_CIM_OBJECT | WBEMEV_CIM_FLAG_ARRAY, "Rt_Detail"},
};
static const wbemev_class_def rt_classes[] = {
    {"Rt_Detail", NULL, rt_detail_props, 2},
    {"Rt_Event", "__ExtrinsicEvent", rt_event_props, sizeof rt_event_props / sizeof rt_event_props[0]},
};
static const char *const rt_queries[] = {"SELECT * FROM Rt_Event", "SELECT * FROM Rt_Event WHERE Name = \"a\\\\b\""};
static const wbemev_registration rt_reg = {"root\\cimv2\\Sub", "Rt \\ Provider", "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}",
                                           "LocalSystemHost", rt_classes, 2, rt_queries, 2};

static void assert_same_registration(const wbemev_registration *a, const wbemev_registration *b)
{
    assert_string_equal(a->namespace_name, b->namespace_name);
    assert_string_equal(a->provider_name, b->provider_name);
    assert_string_equal(a->clsid, b->clsid);
    assert_string_equal(a->hosting_model != NULL ? a->hosting_model : WBEMEV_MOF_DEFAULT_HOSTING_MODEL,
                        b->hosting_model != NULL ? b->hosting_model : WBEMEV_MOF_DEFAULT_HOSTING_MODEL);
    assert_int_equal(a->query_count, b->query_count);
    for (size_t i = 0; i < a->query_count; i++)
        assert_string_equal(a->event_queries[i], b->event_queries[i]);
    assert_int_equal(a->class_count, b->class_count);
    for (size_t i = 0; i < a->class_count; i++) {
        const wbemev_class_def *x = &a->classes[i], *y = &b->classes[i];
        assert_string_equal(x->name, y->name);
        if (x->superclass == NULL)
            assert_null(y->superclass);
        else
            assert_string_equal(x->superclass, y->superclass);
        assert_int_equal(x->prop_count, y->prop_count);
        for (size_t k = 0; k < x->prop_count; k++) {
            assert_string_equal(x->props[k].name, y->props[k].name);
            assert_int_equal(x->props[k].type, y->props[k].type);
            if (x->props[k].ref_class == NULL)
                assert_null(y->props[k].ref_class);
            else
                assert_string_equal(x->props[k].ref_class, y->props[k].ref_class);
        }
    }
}

static char *format_registration(const wbemev_registration *reg)
{
    size_t len = 0;
    assert_wbemev_ok(wbemev_mof_format_registration(reg, NULL, 0, &len));
    char *text = malloc(len + 1);
    assert_non_null(text);
    assert_wbemev_ok(wbemev_mof_format_registration(reg, text, len + 1, NULL));
    return text;
}

static void test_round_trip(void **state)
{
    (void)state;
    char *text = format_registration(&rt_reg);
    wbemev_mof_document_t *doc = parse_ok(text);
    const wbemev_registration *back = NULL;
    assert_wbemev_ok(wbemev_mof_document_registration(doc, &back));
    assert_same_registration(&rt_reg, back);
    /* What was read writes the same text again. */
    char *again = format_registration(back);
    assert_string_equal(text, again);
    /* And loads. */
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\cimv2\\Sub", &ns));
    assert_wbemev_ok(wbemev_namespace_load_mof(ns, doc, false, NULL));
    assert_int_equal(wbemev_namespace_class_count(ns), 7 + 2);
    wbemev_namespace_release(ns);
    wbemev_mof_document_free(doc);
    free(again);
    free(text);
}

typedef struct text_buf {
    char data[8192];
    size_t len;
} text_buf;

static wbemev_status buf_writer(void *ctx, const char *text, size_t len)
{
    text_buf *b = ctx;
    if (len >= sizeof b->data - b->len)
        return WBEMEV_E_BUFFER_TOO_SMALL;
    memcpy(b->data + b->len, text, len);
    b->len += len;
    b->data[b->len] = 0;
    return WBEMEV_S_NO_ERROR;
}

static void test_round_trip_golden(void **state)
{
    (void)state;
    wbemev_mof_document_t *doc = parse_path_ok("../golden/sample_registration.mof");
    const wbemev_registration *back = NULL;
    assert_wbemev_ok(wbemev_mof_document_registration(doc, &back));
    assert_string_equal(back->provider_name, "SampleEventProvider");
    /* Each class read, written out again, parses again to the same class. */
    for (size_t i = 0; i < back->class_count; i++) {
        text_buf b = {.len = 0};
        assert_wbemev_ok(wbemev_mof_write_class(&back->classes[i], buf_writer, &b));
        wbemev_mof_document_t *one = parse_ok(b.data);
        const wbemev_mof_class *c = wbemev_mof_document_class_at(one, 0);
        assert_string_equal(c->name, back->classes[i].name);
        assert_int_equal(c->property_count, back->classes[i].prop_count);
        for (size_t k = 0; k < c->property_count; k++) {
            assert_string_equal(c->properties[k].name, back->classes[i].props[k].name);
            assert_int_equal(c->properties[k].type, back->classes[i].props[k].type);
        }
        wbemev_mof_document_free(one);
    }
    wbemev_mof_document_free(doc);
    /* The instance writer's output reads back too, embedded instances and all. */
    doc = parse_path_ok("../golden/sample_instance.mof");
    assert_int_equal(wbemev_mof_document_instance_count(doc), 1);
    const wbemev_mof_instance *inst = wbemev_mof_document_instance_at(doc, 0);
    assert_string_equal(instance_value(inst, "Name")->u.string, "say \"hi\"\\\ttab\nline");
    assert_true(instance_value(inst, "Huge")->u.uint == UINT64_MAX);
    assert_true(instance_value(inst, "Big")->u.sint == INT64_MIN);
    assert_int_equal(instance_value(inst, "Initial")->u.char16, 0xE9);
    assert_int_equal(instance_value(inst, "Targets")->u.array.count, 2);
    wbemev_mof_document_free(doc);
}

/* ---- a CIM-style tree of files ---- */

static void test_cim_tree(void **state)
{
    (void)state;
    wbemev_mof_document_t *doc = parse_path_ok("cim/schema.mof");
    assert_int_equal(wbemev_mof_document_class_count(doc), 5);
    assert_int_equal(wbemev_mof_document_qualifier_type_count(doc), 11);
    const wbemev_mof_qualifier *maxlen = wbemev_mof_document_qualifier_type_at(doc, 4);
    assert_string_equal(maxlen->name, "MaxLen");
    assert_int_equal(maxlen->value.type, WBEMEV_CIM_UINT32);
    assert_true(maxlen->value.is_null);
    assert_int_equal(maxlen->flavors, WBEMEV_MOF_FLAVOR_ENABLEOVERRIDE | WBEMEV_MOF_FLAVOR_TOSUBCLASS);

    const wbemev_mof_class *me = wbemev_mof_document_find_class(doc, "CIM_ManagedElement");
    assert_true(strstr(me->file, "Core/CIM_ManagedElement.mof") != NULL);
    const wbemev_mof_qualifier *d = wbemev_mof_find_qualifier(me->qualifiers, me->qualifier_count, "Description");
    assert_string_equal(d->value.u.string, "The root of the sample tree: every other "
                                           "class of it derives from this one.");
    const wbemev_mof_qualifier *ml = wbemev_mof_find_qualifier(prop_of(me, "Caption")->qualifiers,
                                                               prop_of(me, "Caption")->qualifier_count, "MaxLen");
    assert_int_equal(ml->value.type, WBEMEV_CIM_UINT32); /* typed by its declaration */
    assert_int_equal(ml->value.u.uint, 64);

    const wbemev_mof_class *dep = wbemev_mof_document_find_class(doc, "CIM_Dependency");
    assert_true(dep->is_association);
    assert_int_equal(prop_of(dep, "Antecedent")->type, WBEMEV_CIM_REFERENCE);
    assert_string_equal(prop_of(dep, "Antecedent")->ref_class, "CIM_ManagedElement");
    assert_true(prop_of(dep, "Antecedent")->is_key);

    const wbemev_mof_class *svc = wbemev_mof_document_find_class(doc, "CIM_Service");
    assert_int_equal(svc->method_count, 2);
    const wbemev_mof_method *m = &svc->methods[1];
    assert_string_equal(m->name, "RequestStateChange");
    assert_int_equal(m->return_type, WBEMEV_CIM_UINT32);
    assert_int_equal(m->parameter_count, 4);
    assert_int_equal(m->parameters[1].type, WBEMEV_CIM_REFERENCE);
    assert_string_equal(m->parameters[1].ref_class, "CIM_ManagedElement");
    assert_int_equal(m->parameters[3].type, WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY);
    const wbemev_mof_qualifier *vm = wbemev_mof_find_qualifier(prop_of(svc, "EnabledState")->qualifiers,
                                                               prop_of(svc, "EnabledState")->qualifier_count, "Values");
    assert_int_equal(vm->value.type, WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY);
    assert_int_equal(vm->value.u.array.count, 4);
    assert_string_equal(((const char *const *)vm->value.u.array.items)[3], "DMTF Reserved");

    assert_int_equal(wbemev_mof_document_pragma_count(doc), 7);
    assert_string_equal(wbemev_mof_document_pragma_at(doc, 0)->name, "locale");
    assert_string_equal(wbemev_mof_document_pragma_at(doc, 0)->argument, "en_US");

    /* Loading: superclasses first, whatever the file order; the Service <-> System reference
     * cycle loads with one side referring to any class; overrides keep the inherited property. */
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\cimv2", &ns));
    assert_wbemev_ok(wbemev_namespace_load_mof(ns, doc, false, NULL));
    assert_int_equal(wbemev_namespace_class_count(ns), 7 + 5);
    wbemev_class_t *hosted = NULL, *system = NULL, *service = NULL;
    assert_wbemev_ok(wbemev_namespace_get_class(ns, "CIM_HostedService", &hosted));
    assert_int_equal(wbemev_class_property_count(hosted), 2);
    wbemev_property_info info;
    assert_wbemev_ok(wbemev_class_find_property(hosted, "Antecedent", &info));
    assert_string_equal(info.origin, "CIM_Dependency");
    assert_wbemev_ok(wbemev_namespace_get_class(ns, "CIM_System", &system));
    assert_wbemev_ok(wbemev_namespace_get_class(ns, "CIM_Service", &service));
    wbemev_property_info to_service, to_system;
    assert_wbemev_ok(wbemev_class_find_property(system, "PrimaryService", &to_service));
    assert_wbemev_ok(wbemev_class_find_property(service, "HostedOn", &to_system));
    assert_int_equal((to_service.ref_class == NULL) + (to_system.ref_class == NULL), 1);
    /* Each loaded class, written out from the namespace (its own properties), parses again. */
    static const char *const names[] = {"CIM_ManagedElement", "CIM_Dependency", "CIM_Service", "CIM_System",
                                        "CIM_HostedService"};
    for (size_t i = 0; i < 5; i++) {
        wbemev_class_t *cls = NULL;
        assert_wbemev_ok(wbemev_namespace_get_class(ns, names[i], &cls));
        wbemev_property_def props[16];
        size_t n = 0;
        for (size_t k = 0; k < wbemev_class_property_count(cls); k++) {
            assert_wbemev_ok(wbemev_class_property_at(cls, k, &info));
            if (strcmp(info.origin, names[i]) == 0)
                props[n++] = (wbemev_property_def){info.name, info.type, info.ref_class};
        }
        wbemev_class_t *super = wbemev_class_superclass(cls);
        wbemev_class_def def = {names[i], super != NULL ? wbemev_class_name(super) : NULL, props, n};
        text_buf b = {.len = 0};
        assert_wbemev_ok(wbemev_mof_write_class(&def, buf_writer, &b));
        wbemev_mof_document_t *one = parse_ok(b.data);
        const wbemev_mof_class *c = wbemev_mof_document_class_at(one, 0);
        assert_int_equal(c->property_count, n);
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(c->properties[k].type, props[k].type);
            if (props[k].ref_class != NULL)
                assert_string_equal(c->properties[k].ref_class, props[k].ref_class);
        }
        wbemev_mof_document_free(one);
        wbemev_class_release(cls);
    }
    wbemev_class_release(hosted);
    wbemev_class_release(system);
    wbemev_class_release(service);
    wbemev_namespace_release(ns);
    wbemev_mof_document_free(doc);
}

/* ---- every construct at once: broken at every place, and out of memory at every allocation ---- */

static const char rich_mof[] =
    "#pragma namespace(\"\\\\\\\\.\\\\root\\\\rich\")\n"
    "#pragma classflags(\"forceupdate\")\n"
    "#pragma odd\n"
    "Qualifier Description : string = null, Scope(any), Flavor(EnableOverride, ToSubclass);\n"
    "Qualifier Values : string[], Scope(property) : Translatable;\n"
    "Qualifier MaxLen : uint32 = 8, Scope(property);\n"
    "Qualifier Amend : ToSubclass Amended;\n"
    "[Abstract, Association, Description(\"a\" \"b\") : Amended ToSubclass]\n"
    "class R_Base as $Cls {\n"
    "  [Key, MaxLen(16)] string Id;\n"
    "  R_Other REF Other; object ref Any; R_Other Embedded; [EmbeddedObject] string Eo;\n"
    "  [EmbeddedInstance(\"R_Other\")] string Ei[]; [Values{\"x\"}, MaxLen] uint16 V = 0x10;\n"
    "  sint8 A = -1; uint8 B = 017; sint16 C = 101b; uint16 D[2] = {1, 2}; sint32 E = +3;\n"
    "  uint32 F[] = {}; sint64 G = -9; uint64 H = 9; real32 I = 1.5; real64 J[] = {1, 2.5};\n"
    "  boolean K[] = {TRUE, false}; char16 L[] = {'a', 66}; datetime M[] = {\"00000001000000.000000:000\"};\n"
    "  string N[] = {\"\\x41\\n\"}; string O = NULL; R_Other Ref2[];\n"
    "  [Static] void Go([In, Out] R_Other REF Target[], [In] uint32 Count = 3, string Text);\n"
    "  R_Other Make();\n"
    "};\n"
    "class R_Other : R_Base { [Override(\"Id\")] string Id; R_Base REF Back; };\n"
    "instance of R_Other as $O { Id = \"o\"; Back = $B; Embedded = instance of R_Other { Id = \"e\"; }; };\n"
    "[Description(\"inst\")] instance of R_Base as $B { Id = \"b\"; Other = $O; D = {3, 4}; J = {5}; };\n"
    "instance of Free { [Q] A = 1; B = {$O, $B}; C = 'c'; D = 1.25; E = NULL; F = {1, 18446744073709551615}; };\n"
    "instance of __Win32Provider as $P { Name = \"Rich\"; CLSID = \"{12345678-1234-1234-1234-123456789ABC}\"; };\n"
    "instance of __EventProviderRegistration { Provider = $P; EventQueryList = {\"select * from R_Other\"}; };\n";

static void test_rich_document(void **state)
{
    (void)state;
    wbemev_mof_document_t *doc = parse_ok(rich_mof);
    assert_int_equal(wbemev_mof_document_class_count(doc), 2);
    assert_int_equal(wbemev_mof_document_instance_count(doc), 5);
    assert_int_equal(wbemev_mof_document_qualifier_type_count(doc), 4);
    const wbemev_mof_class *base = wbemev_mof_document_class_at(doc, 0);
    assert_int_equal(base->method_count, 2);
    assert_int_equal(base->methods[0].return_type, WBEMEV_CIM_EMPTY);
    assert_int_equal(base->methods[0].parameters[0].type, WBEMEV_CIM_REFERENCE | WBEMEV_CIM_FLAG_ARRAY);
    assert_int_equal(base->methods[1].return_type, WBEMEV_CIM_OBJECT);
    assert_int_equal(prop_of(base, "Eo")->type, WBEMEV_CIM_OBJECT);
    assert_null(prop_of(base, "Eo")->ref_class);
    assert_int_equal(prop_of(base, "Ei")->type, WBEMEV_CIM_OBJECT | WBEMEV_CIM_FLAG_ARRAY);
    assert_null(prop_of(base, "Any")->ref_class);
    const wbemev_mof_qualifier *ml = wbemev_mof_find_qualifier(prop_of(base, "V")->qualifiers,
                                                               prop_of(base, "V")->qualifier_count, "MaxLen");
    assert_int_equal(ml->value.u.uint, 8); /* bare: the declaration's default */
    const wbemev_mof_instance *b = wbemev_mof_document_instance_at(doc, 1);
    assert_string_equal(instance_value(b, "Other")->u.string, "R_Other.Id=\"o\"");
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\rich", &ns));
    assert_wbemev_ok(wbemev_namespace_load_mof(ns, doc, false, NULL));
    wbemev_namespace_release(ns);
    const wbemev_registration *reg = NULL;
    assert_wbemev_ok(wbemev_mof_document_registration(doc, &reg));
    assert_string_equal(reg->namespace_name, "root\\rich");
    wbemev_mof_document_free(doc);
}

/* An unexpected character anywhere between two tokens is reported exactly there; a prefix of the
 * text is parsed or refused, never more. */
static void test_rich_broken_everywhere(void **state)
{
    (void)state;
    size_t n = sizeof rich_mof - 1, checked = 0;
    char *text = malloc(n + 2);
    assert_non_null(text);
    unsigned line = 1, column = 1;
    bool in_string = false, in_comment = false;
    for (size_t i = 0; i <= n; i++) {
        char prev = i > 0 ? rich_mof[i - 1] : ' ';
        bool boundary = !in_string && !in_comment && (prev == ' ' || prev == '\n' || prev == ';' || prev == ',' ||
                                                      prev == '{' || prev == '(' || prev == '[' || prev == '=');
        if (boundary) {
            memcpy(text, rich_mof, i);
            text[i] = '@';
            memcpy(text + i + 1, rich_mof + i, n - i);
            wbemev_mof_document_t *doc = NULL;
            wbemev_mof_diagnostic d;
            wbemev_status s = wbemev_mof_parse_string(text, n + 1, "rich.mof", NULL, &doc, &d);
            if (s != WBEMEV_E_INVALID_SYNTAX || d.line != line || d.column != column)
                fail_msg("'@' at %u:%u: got %s at %u:%u: %s", line, column, wbemev_status_name(s), d.line, d.column,
                         d.message);
            checked++;
        }
        wbemev_mof_document_t *doc = NULL;
        if (WBEMEV_SUCCEEDED(wbemev_mof_parse_string(rich_mof, i, "prefix.mof", NULL, &doc, NULL)))
            wbemev_mof_document_free(doc);
        if (i == n)
            break;
        char c = rich_mof[i];
        if (c == '"' && prev != '\\')
            in_string = !in_string;
        if (c == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
    }
    free(text);
    assert_true(checked > 300);
}

/* The allocator fails the nth allocation: every parse either succeeds or says out of memory, and
 * leaves nothing allocated. */
static long oom_calls, oom_fail_at;
static void *oom_malloc(void *ctx, size_t size)
{
    (void)ctx;
    return ++oom_calls == oom_fail_at ? NULL : malloc(size);
}
static void *oom_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return ++oom_calls == oom_fail_at ? NULL : realloc(ptr, size);
}
static void oom_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static void test_rich_out_of_memory(void **state)
{
    (void)state;
    static const wbemev_allocator oom = {oom_malloc, oom_realloc, oom_free, NULL};
    long failures = 0;
    for (oom_fail_at = 1;; oom_fail_at++) {
        oom_calls = 0;
        size_t live = wbemev_live_allocations();
        assert_wbemev_ok(wbemev_set_allocator(&oom));
        wbemev_mof_document_t *doc = NULL;
        wbemev_mof_diagnostic d;
        wbemev_status s = wbemev_mof_parse_string(rich_mof, sizeof rich_mof - 1, "oom.mof", NULL, &doc, &d);
        wbemev_namespace_t *ns = NULL;
        wbemev_status l = WBEMEV_S_NO_ERROR;
        if (WBEMEV_SUCCEEDED(s) && WBEMEV_SUCCEEDED(wbemev_namespace_new("root\\rich", &ns))) {
            l = wbemev_namespace_load_mof(ns, doc, false, &d);
            wbemev_namespace_release(ns);
        }
        wbemev_mof_document_free(doc);
        assert_wbemev_ok(wbemev_set_allocator(NULL));
        if (oom_calls < oom_fail_at)
            break; /* the whole run allocated less: every allocation has failed once */
        assert_true(s == WBEMEV_S_NO_ERROR || s == WBEMEV_E_OUT_OF_MEMORY);
        assert_true(l == WBEMEV_S_NO_ERROR || l == WBEMEV_E_OUT_OF_MEMORY);
        if (WBEMEV_FAILED(s))
            assert_int_equal(d.status, WBEMEV_E_OUT_OF_MEMORY);
        failures += WBEMEV_FAILED(s) || WBEMEV_FAILED(l);
        assert_int_equal(wbemev_live_allocations(), live);
    }
    assert_true(failures > 20);
}

/* ---- literals ---- */

static void test_literals(void **state)
{
    (void)state;
    wbemev_mof_document_t *doc = parse_ok(
        "class L {\n"
        "  sint32 Dec = -42; uint32 Hex = 0x1F; uint32 Oct = 017; uint8 Bin = 101b; sint8 Min = -128;\n"
        "  uint64 Max = 18446744073709551615; sint64 SMin = -9223372036854775808;\n"
        "  real64 R1 = 1.5; real64 R2 = -.25; real32 R3 = 2e3; real64 R4 = 1.5E-3; real64 FromInt = 7;\n"
        "  string S = \"a\" \"b\"  /* joined */ \"c\";\n"
        "  string E = \"\\b\\t\\n\\f\\r\\\"\\'\\\\\\x41\\X00e9\\xD834\\xDD1E\";\n"
        "  char16 C1 = 'x'; char16 C2 = '\\n'; char16 C3 = '\\x263A'; char16 C4 = 65; char16 C5 = 0x1000;\n"
        "  string N = NULL; boolean T = true; boolean F = FALSE;\n"
        "  datetime D = \"20240229235958.123456+060\"; datetime I = \"00000001020304.000005:000\";\n"
        "  uint16 A[] = {1, 2, 3}; string SA[2] = {\"x\", \"y\"}; boolean BA[] = {};\n"
        "};");
    const wbemev_mof_class *c = wbemev_mof_document_class_at(doc, 0);
    assert_int_equal(prop_of(c, "Dec")->default_value.u.sint, -42);
    assert_int_equal(prop_of(c, "Hex")->default_value.u.uint, 31);
    assert_int_equal(prop_of(c, "Oct")->default_value.u.uint, 15);
    assert_int_equal(prop_of(c, "Bin")->default_value.u.uint, 5);
    assert_int_equal(prop_of(c, "Min")->default_value.u.sint, -128);
    assert_true(prop_of(c, "Max")->default_value.u.uint == UINT64_MAX);
    assert_true(prop_of(c, "SMin")->default_value.u.sint == INT64_MIN);
    assert_true(prop_of(c, "R1")->default_value.u.real == 1.5);
    assert_true(prop_of(c, "R2")->default_value.u.real == -0.25);
    assert_true(prop_of(c, "R3")->default_value.u.real == 2000.0);
    assert_true(prop_of(c, "R4")->default_value.u.real == 1.5e-3);
    assert_true(prop_of(c, "FromInt")->default_value.u.real == 7.0);
    assert_string_equal(prop_of(c, "S")->default_value.u.string, "abc");
    assert_string_equal(prop_of(c, "E")->default_value.u.string, "\b\t\n\f\r\"'\\A\xC3\xA9\xF0\x9D\x84\x9E");
    assert_int_equal(prop_of(c, "C1")->default_value.u.char16, 'x');
    assert_int_equal(prop_of(c, "C2")->default_value.u.char16, '\n');
    assert_int_equal(prop_of(c, "C3")->default_value.u.char16, 0x263A);
    assert_int_equal(prop_of(c, "C4")->default_value.u.char16, 'A'); /* a code, as mofcomp allows */
    assert_int_equal(prop_of(c, "C5")->default_value.u.char16, 0x1000);
    assert_true(prop_of(c, "N")->has_default);
    assert_true(prop_of(c, "N")->default_value.is_null);
    assert_int_equal(prop_of(c, "N")->default_value.type, WBEMEV_CIM_EMPTY);
    assert_true(prop_of(c, "T")->default_value.u.boolean);
    assert_false(prop_of(c, "F")->default_value.u.boolean);
    const wbemev_datetime *dt = &prop_of(c, "D")->default_value.u.datetime;
    assert_int_equal(dt->year, 2024);
    assert_int_equal(dt->utc_offset, 60);
    assert_true(prop_of(c, "I")->default_value.u.datetime.is_interval);
    const wbemev_value *a = &prop_of(c, "A")->default_value;
    assert_int_equal(a->type, WBEMEV_CIM_UINT16 | WBEMEV_CIM_FLAG_ARRAY);
    assert_int_equal(a->u.array.count, 3);
    assert_int_equal(((const uint16_t *)a->u.array.items)[2], 3);
    assert_int_equal(prop_of(c, "SA")->array_size, 2);
    assert_int_equal(prop_of(c, "BA")->default_value.u.array.count, 0);
    assert_wbemev_ok(wbemev_value_validate(a));
    wbemev_mof_document_free(doc);
}

static void test_flavor_only_declaration(void **state)
{
    (void)state;
    /* mofcomp's form: flavors for every later use of the qualifier, no type. */
    wbemev_mof_document_t *doc = parse_ok("Qualifier Description : ToSubclass Amended;\n"
                                          "[Description(\"x\")] class F { };");
    const wbemev_mof_qualifier *q = wbemev_mof_document_qualifier_type_at(doc, 0);
    assert_string_equal(q->name, "Description");
    assert_int_equal(q->value.type, WBEMEV_CIM_EMPTY);
    assert_int_equal(q->flavors, WBEMEV_MOF_FLAVOR_TOSUBCLASS | WBEMEV_MOF_FLAVOR_AMENDED);
    const wbemev_mof_class *c = wbemev_mof_document_class_at(doc, 0);
    assert_string_equal(c->qualifiers[0].value.u.string, "x");
    wbemev_mof_document_free(doc);
}

static void test_arrays_of_every_type(void **state)
{
    (void)state;
    wbemev_mof_document_t *doc = parse_ok(
        "class T { sint8 A[] = {-1}; uint8 B[] = {2}; sint16 C[] = {-3}; uint16 D[] = {4}; sint32 E[] = {-5};\n"
        "  uint32 F[] = {6}; sint64 G[] = {-7}; uint64 H[] = {8}; real32 I[] = {0.5}; real64 J[] = {-1.5};\n"
        "  boolean K[] = {TRUE}; char16 L[] = {'l'}; string M[] = {\"m\"}; T REF N = \"T.A=1\";\n"
        "  datetime O[] = {\"20240101000000.000000+000\"}; [Values(\"one\")] string P; real32 Q = 3; };");
    const wbemev_mof_class *c = wbemev_mof_document_class_at(doc, 0);
    static const char *const names[] = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "O"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const wbemev_value *v = &prop_of(c, names[i])->default_value;
        assert_true(WBEMEV_CIM_IS_ARRAY(v->type));
        assert_int_equal(v->u.array.count, 1);
        assert_wbemev_ok(wbemev_value_validate(v));
        wbemev_value e;
        assert_wbemev_ok(wbemev_value_array_element(v, 0, &e));
    }
    assert_int_equal(((const int8_t *)prop_of(c, "A")->default_value.u.array.items)[0], -1);
    assert_true(((const float *)prop_of(c, "I")->default_value.u.array.items)[0] == 0.5f);
    assert_string_equal(prop_of(c, "N")->default_value.u.string, "T.A=1");
    const wbemev_mof_qualifier *v = wbemev_mof_find_qualifier(prop_of(c, "P")->qualifiers, 1, "values");
    assert_int_equal(v->value.type, WBEMEV_CIM_STRING); /* undeclared: the literal's type */
    wbemev_mof_document_free(doc);
    static const char *const bad[] = {"class T { real32 R = 1e300; };", "class T { boolean B = 1; };",
                                      "class T { string S = 1; };", "class T { datetime D = 1; };",
                                      "class T { T REF R = 1; };", "class T { T O = 1; };",
                                      "class T { char16 C = \"c\"; };", "class T { uint8 U[] = {1, \"x\"}; };",
                                      "class T { uint8 U[] = 1; };", "class T { real64 R = TRUE; };"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wbemev_mof_diagnostic d;
        wbemev_status st = wbemev_mof_parse_string(bad[i], strlen(bad[i]), NULL, NULL, &doc, &d);
        if (st != WBEMEV_E_TYPE_MISMATCH && st != WBEMEV_E_VALUE_OUT_OF_RANGE)
            fail_msg("%s: %s", bad[i], wbemev_status_name(st));
        assert_int_equal(d.line, 1);
    }
}

static void test_utf16_variants(void **state)
{
    (void)state;
    /* Big endian, with a character outside the BMP as a surrogate pair. */
    static const unsigned char be[] = {0xFE, 0xFF, 0, 'c', 0, 'l', 0, 'a', 0, 's', 0, 's', 0, ' ', 0, 'B', 0, '{',
                                       0, 's', 0, 't', 0, 'r', 0, 'i', 0, 'n', 0, 'g', 0, ' ', 0, 'S', 0, '=',
                                       0, '"', 0xD8, 0x34, 0xDD, 0x1E, 0, '"', 0, ';', 0, '}', 0, ';'};
    wbemev_mof_document_t *doc = NULL;
    wbemev_mof_diagnostic d;
    assert_wbemev_ok(wbemev_mof_parse_string((const char *)be, sizeof be, NULL, NULL, &doc, &d));
    assert_string_equal(wbemev_mof_document_class_at(doc, 0)->properties[0].default_value.u.string,
                        "\xF0\x9D\x84\x9E");
    wbemev_mof_document_free(doc);
    static const unsigned char odd[] = {0xFF, 0xFE, 'c', 0, 'l'};
    assert_wbemev_status(wbemev_mof_parse_string((const char *)odd, sizeof odd, NULL, NULL, &doc, &d),
                         WBEMEV_MOF_E_INVALID_FILE);
    static const unsigned char lone[] = {0xFF, 0xFE, 0x00, 0xDC, 'c', 0};
    assert_wbemev_status(wbemev_mof_parse_string((const char *)lone, sizeof lone, NULL, NULL, &doc, &d),
                         WBEMEV_MOF_E_INVALID_FILE);
    static const unsigned char nul[] = {0xFF, 0xFE, 'c', 0, 0, 0};
    assert_wbemev_status(wbemev_mof_parse_string((const char *)nul, sizeof nul, NULL, NULL, &doc, &d),
                         WBEMEV_MOF_E_INVALID_FILE);
    assert_non_null(strstr(d.message, "NUL"));
}

static void test_keywords_case_insensitive(void **state)
{
    (void)state;
    wbemev_mof_document_t *doc = parse_ok("[ABSTRACT] CLASS K : __extrinsicevent { STRING s; SINT32 n = 1; };\n"
                                          "INSTANCE OF K AS $k { s = \"x\"; };\n"
                                          "Instance Of k { n = 2; };");
    const wbemev_mof_class *c = wbemev_mof_document_find_class(doc, "k");
    assert_non_null(c);
    assert_true(c->is_abstract);
    assert_int_equal(c->properties[0].type, WBEMEV_CIM_STRING);
    const wbemev_mof_instance *i = wbemev_mof_document_instance_at(doc, 1);
    assert_int_equal(instance_value(i, "n")->type, WBEMEV_CIM_SINT32); /* typed by the class */
    wbemev_mof_document_free(doc);
}

static void test_instances_untyped_and_aliases(void **state)
{
    (void)state;
    wbemev_mof_document_t *doc = parse_ok(
        "class Thing { [Key] string Id; [Key] uint32 N; Thing REF Other; };\n"
        "instance of Thing as $A { Id = \"a \\\"q\\\"\"; N = 3; };\n"
        "instance of Thing { Id = \"b\"; N = 4; Other = $a; };\n"
        "instance of Unknown as $U { X = 5; Y = {1, 2.5}; Z = {$A, $U}; W = 'c'; V = NULL; };\n"
        "instance of Unknown { Big = 18446744073709551615; Embedded = instance of Thing { Id = \"e\"; }; };");
    const wbemev_mof_instance *b = wbemev_mof_document_instance_at(doc, 1);
    assert_string_equal(instance_value(b, "Other")->u.string, "Thing.Id=\"a \\\"q\\\"\",N=3");
    const wbemev_mof_instance *u = wbemev_mof_document_instance_at(doc, 2);
    assert_int_equal(instance_value(u, "X")->type, WBEMEV_CIM_SINT64);
    assert_int_equal(instance_value(u, "Y")->type, WBEMEV_CIM_REAL64 | WBEMEV_CIM_FLAG_ARRAY);
    const wbemev_value *z = instance_value(u, "Z");
    assert_int_equal(z->type, WBEMEV_CIM_REFERENCE | WBEMEV_CIM_FLAG_ARRAY);
    assert_string_equal(((const char *const *)z->u.array.items)[0], "Thing.Id=\"a \\\"q\\\"\",N=3");
    assert_string_equal(((const char *const *)z->u.array.items)[1], "$U"); /* keys unknown */
    assert_int_equal(instance_value(u, "W")->type, WBEMEV_CIM_CHAR16);
    assert_true(instance_value(u, "V")->is_null);
    const wbemev_mof_instance *big = wbemev_mof_document_instance_at(doc, 3);
    assert_int_equal(instance_value(big, "Big")->type, WBEMEV_CIM_UINT64);
    assert_int_equal(instance_value(big, "Embedded")->type, WBEMEV_CIM_OBJECT);
    assert_true(instance_value(big, "Embedded")->is_null);
    wbemev_mof_document_free(doc);
}

/* ---- pragmas, warnings, encodings ---- */

static int warnings;
static char last_warning[1280];
static void count_warning(void *ctx, const wbemev_mof_diagnostic *w)
{
    (void)ctx;
    warnings++;
    assert_int_equal(w->status, WBEMEV_S_NO_ERROR);
    snprintf(last_warning, sizeof last_warning, "%s", w->text);
}

static void test_pragmas(void **state)
{
    (void)state;
    static const char text[] = "#pragma autorecover\n"
                               "#pragma classflags(\"forceupdate\", \"updateonly\")\n"
                               "#pragma namespace(\"\\\\\\\\.\\\\root\")\n"
                               "#pragma namespace(\"Sub\")\n"
                               "  #pragma frobnicate(\"x\")\n"
                               "#pragma deleteclass(\"Old\", NOFAIL)\n"
                               "class InSub { string S; };\n";
    wbemev_mof_options opts = {0};
    opts.warn = count_warning;
    warnings = 0;
    wbemev_mof_document_t *doc = NULL;
    assert_wbemev_ok(wbemev_mof_parse_string(text, strlen(text), "p.mof", &opts, &doc, NULL));
    assert_int_equal(warnings, 1);
    assert_string_equal(last_warning, "p.mof:5:11: unknown pragma 'frobnicate' (kept, not applied)\n"
                                      "  #pragma frobnicate(\"x\")\n"
                                      "          ^\n");
    assert_int_equal(wbemev_mof_document_pragma_count(doc), 6);
    assert_string_equal(wbemev_mof_document_pragma_at(doc, 4)->name, "frobnicate");
    assert_string_equal(wbemev_mof_document_class_at(doc, 0)->namespace_name, "root\\Sub");
    wbemev_mof_document_free(doc);
}

static void test_encodings(void **state)
{
    (void)state;
    static const char bom[] = "\xEF\xBB\xBF" "class B { string S = \"\xC3\xA9\"; };";
    wbemev_mof_document_t *doc = NULL;
    assert_wbemev_ok(wbemev_mof_parse_string(bom, sizeof bom - 1, NULL, NULL, &doc, NULL));
    assert_string_equal(wbemev_mof_document_class_at(doc, 0)->properties[0].default_value.u.string, "\xC3\xA9");
    wbemev_mof_document_free(doc);
    /* UTF-16 LE with its byte order mark is decoded. */
    const char *ascii = "class W { string S = \"\xC3\xA9\"; };";
    unsigned char u16[128];
    size_t n = 0;
    u16[n++] = 0xFF;
    u16[n++] = 0xFE;
    for (const char *p = ascii; *p != 0; p++) {
        if ((unsigned char)*p == 0xC3) {
            u16[n++] = 0xE9;
            u16[n++] = 0;
            p++;
            continue;
        }
        u16[n++] = (unsigned char)*p;
        u16[n++] = 0;
    }
    assert_wbemev_ok(wbemev_mof_parse_string((const char *)u16, n, NULL, NULL, &doc, NULL));
    assert_string_equal(wbemev_mof_document_class_at(doc, 0)->properties[0].default_value.u.string, "\xC3\xA9");
    wbemev_mof_document_free(doc);
    /* Without its byte order mark it is refused, with a message that says why. */
    wbemev_mof_diagnostic d;
    assert_wbemev_status(wbemev_mof_parse_string((const char *)u16 + 2, n - 2, "u16.mof", NULL, &doc, &d),
                         WBEMEV_MOF_E_INVALID_FILE);
    assert_non_null(strstr(d.message, "UTF-16"));
    static const char latin1[] = "class X { string S = \"\xE9\"; };";
    assert_wbemev_status(wbemev_mof_parse_string(latin1, sizeof latin1 - 1, NULL, NULL, &doc, &d),
                         WBEMEV_MOF_E_INVALID_FILE);
}

/* ---- malformed input: the exact position ---- */

typedef struct bad_case {
    const char *text;
    wbemev_status status;
    unsigned line, column;
    const char *message; /* a part of it */
} bad_case;

static const bad_case bad_cases[] = {
    {"class A { string S }", WBEMEV_E_INVALID_SYNTAX, 1, 20, "expected ';' after the property"},
    {"class A { string S; }", WBEMEV_E_INVALID_SYNTAX, 1, 22, "expected ';' after the class declaration"},
    {"class A\n{\n  sint32 N = \"x\";\n};", WBEMEV_E_TYPE_MISMATCH, 3, 14, "a string is not a value of type sint32"},
    {"class A { uint8 N = 256; };", WBEMEV_E_VALUE_OUT_OF_RANGE, 1, 21, "out of range for uint8"},
    {"class A { sint8 N = -129; };", WBEMEV_E_VALUE_OUT_OF_RANGE, 1, 21, "out of range"},
    {"class A { uint32 N = -1; };", WBEMEV_E_VALUE_OUT_OF_RANGE, 1, 22, "out of range"},
    {"class A { uint64 N = 18446744073709551616; };", WBEMEV_E_VALUE_OUT_OF_RANGE, 1, 22, "integer out of range"},
    {"class A { uint32 N = 12ab; };", WBEMEV_E_INVALID_SYNTAX, 1, 22, "invalid number"},
    {"class A { uint32 N = 019; };", WBEMEV_E_INVALID_SYNTAX, 1, 22, "invalid number"},
    {"class A { real64 R = 1.2.3; };", WBEMEV_E_INVALID_SYNTAX, 1, 22, "invalid real"},
    {"class A { string S = \"abc; };", WBEMEV_E_INVALID_SYNTAX, 1, 22, "unterminated string"},
    {"class A { string S = \"a\\qb\"; };", WBEMEV_E_INVALID_SYNTAX, 1, 24, "unknown escape"},
    {"class A { string S = \"\\xD800\"; };", WBEMEV_E_INVALID_SYNTAX, 1, 23, "surrogate"},
    {"class A { string S = \"\\x0\"; };", WBEMEV_E_INVALID_SYNTAX, 1, 23, "NUL"},
    {"class A { char16 C = 'ab'; };", WBEMEV_E_INVALID_SYNTAX, 1, 22, "one character"},
    {"class A { datetime D = \"2024\"; };", WBEMEV_E_TYPE_MISMATCH, 1, 24, "not a DMTF datetime"},
    {"/* open\n\n comment", WBEMEV_E_INVALID_SYNTAX, 1, 1, "unterminated comment"},
    {"class A { string S; };\n  @", WBEMEV_E_INVALID_SYNTAX, 2, 3, "unexpected character"},
    {"clas A {};", WBEMEV_E_INVALID_SYNTAX, 1, 1, "expected 'class', 'instance of'"},
    {"class { };", WBEMEV_MOF_E_EXPECTED_CLASS_NAME, 1, 7, "expected a class name"},
    {"class A : { };", WBEMEV_MOF_E_EXPECTED_CLASS_NAME, 1, 11, "superclass"},
    {"class A  string S; };", WBEMEV_MOF_E_EXPECTED_OPEN_BRACE, 1, 10, "expected '{'"},
    {"class A {\n  string S;\n", WBEMEV_MOF_E_EXPECTED_CLOSE_BRACE, 3, 1, "expected '}'"},
    {"class A { string S; string s; };", WBEMEV_MOF_E_DUPLICATE_PROPERTY, 1, 28, "declared twice"},
    {"class A { };\nclass a { };", WBEMEV_E_ALREADY_EXISTS, 2, 7, "declared twice"},
    {"[Key, key] class A { };", WBEMEV_MOF_E_DUPLICATE_QUALIFIER, 1, 7, "given twice"},
    {"[Description(\"x\") : ] class A { };", WBEMEV_MOF_E_EXPECTED_FLAVOR_TYPE, 1, 21, "flavor"},
    {"[D : ToSubclass Restricted] class A { };", WBEMEV_MOF_E_INCOMPATIBLE_FLAVOR_TYPES, 1, 4, "ToSubclass and Restricted"},
    {"[Key class A { };", WBEMEV_MOF_E_EXPECTED_CLOSE_BRACKET, 1, 6, "expected ',' or ']'"},
    {"class A { Other REF R[]; };", WBEMEV_E_INVALID_PROPERTY_TYPE, 1, 22, "cannot be an array"},
    {"class A { string M()[]; };", WBEMEV_E_INVALID_SYNTAX, 1, 21, "expected ';' after the method"},
    {"class A { uint32 N[0]; };", WBEMEV_E_VALUE_OUT_OF_RANGE, 1, 20, "invalid array size"},
    {"class A { string S = {\"a\"}; };", WBEMEV_E_TYPE_MISMATCH, 1, 22, "an array is not a value of type string"},
    {"class A { string S[] = {\"a\", NULL}; };", WBEMEV_MOF_E_NULL_ARRAY_ELEM, 1, 30, "NULL is not allowed"},
    {"class A { string S[] = {\"a\" \"b\",}; };", WBEMEV_E_INVALID_SYNTAX, 1, 33, "expected a value"},
    {"class A { string S = ; };", WBEMEV_E_INVALID_SYNTAX, 1, 22, "expected a value"},
    {"class A { void V; };", WBEMEV_MOF_E_UNRECOGNIZED_TYPE, 1, 11, "cannot be void"},
    {"class A { [EmbeddedInstance(\"X\")] uint32 N; };", WBEMEV_E_TYPE_MISMATCH, 1, 35, "apply to string"},
    {"instance A { };", WBEMEV_MOF_E_INVALID_INSTANCE_DECLARATION, 1, 10, "expected 'of'"},
    {"instance of A as P { };", WBEMEV_MOF_E_EXPECTED_ALIAS_NAME, 1, 18, "expected $alias"},
    {"instance of A { X = 1 };", WBEMEV_E_INVALID_SYNTAX, 1, 23, "expected ';' after the property value"},
    {"instance of A { X = 1; x = 2; };", WBEMEV_MOF_E_DUPLICATE_PROPERTY, 1, 24, "given twice"},
    {"instance of A { X = $Nowhere; };", WBEMEV_MOF_E_UNEXPECTED_ALIAS, 1, 21, "undefined alias"},
    {"instance of A as $X { };\ninstance of A as $x { };", WBEMEV_MOF_E_MULTIPLE_ALIASES, 2, 18, "defined twice"},
    {"instance of A { X = instance of B as $E { }; };", WBEMEV_MOF_E_ALIASES_IN_EMBEDDED, 1, 35, "alias"},
    {"instance of A { X = $ ; };", WBEMEV_E_INVALID_SYNTAX, 1, 21, "alias name"},
    {"#pragma include\n", WBEMEV_MOF_E_INVALID_PRAGMA, 1, 9, "needs a string"},
    {"#pragma namespace(42)", WBEMEV_MOF_E_INVALID_PRAGMA, 1, 9, "needs a string"},
    {"#pragma (\"x\")", WBEMEV_E_INVALID_SYNTAX, 1, 9, "expected a pragma name"},
    {"#prgma x", WBEMEV_E_INVALID_SYNTAX, 1, 1, "expected #pragma"},
    {"#pragma include(\"does-not-exist.mof\")", WBEMEV_E_NOT_FOUND, 1, 9, "cannot include"},
    {"Qualifier Q : string = 5, Scope(any);", WBEMEV_E_TYPE_MISMATCH, 1, 24, "an integer is not a value of type string"},
    {"Qualifier Q : boolean, Scope(any), Flavor(Sometimes);", WBEMEV_MOF_E_EXPECTED_FLAVOR_TYPE, 1, 43, "unknown flavor"},
    {"Qualifier Q : boolean, Range(any);", WBEMEV_MOF_E_INVALID_QUALIFIER_SYNTAX, 1, 24, "Scope(...) or Flavor(...)"},
    {"Qualifier Q : Thing, Scope(any);", WBEMEV_E_INVALID_QUALIFIER_TYPE, 1, 15, "intrinsic type"},
    {"Qualifier Q : uint32 = 1, Scope(any);\n[Q(\"x\")] class A { };", WBEMEV_E_TYPE_MISMATCH, 2, 4, "not a value of type uint32"},
    {"class A { char16 C = 65536; };", WBEMEV_E_VALUE_OUT_OF_RANGE, 1, 22, "not a char16"},
    {"Qualifier Q : ToSubclass Restricted;", WBEMEV_MOF_E_INCOMPATIBLE_FLAVOR_TYPES, 1, 15, "together"},
    {"Qualifier Q : Amended", WBEMEV_E_INVALID_SYNTAX, 1, 22, "after the qualifier's flavors"},
    {"typedef x;", WBEMEV_MOF_E_TYPEDEF_NOT_SUPPORTED, 1, 1, "typedef"},
    {"class A { string S; };\n\t[Key] class B { uint32 M(uint32 a b); };", WBEMEV_E_INVALID_SYNTAX, 2, 36, "between parameters"},
};

static void test_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        wbemev_mof_document_t *doc = (wbemev_mof_document_t *)(uintptr_t)1;
        wbemev_mof_diagnostic d;
        wbemev_status s = wbemev_mof_parse_string(c->text, strlen(c->text), "bad.mof", NULL, &doc, &d);
        if (s != c->status || d.line != c->line || d.column != c->column || strstr(d.message, c->message) == NULL)
            fail_msg("case %zu: %s\n  got %s at %u:%u: %s\n  want %s at %u:%u: %s", i, c->text, wbemev_status_name(s),
                     d.line, d.column, d.message, wbemev_status_name(c->status), c->line, c->column, c->message);
        assert_true(doc == (wbemev_mof_document_t *)(uintptr_t)1); /* not written on failure */
        assert_string_equal(d.file, "bad.mof");
        char head[64];
        snprintf(head, sizeof head, "bad.mof:%u:%u: ", c->line, c->column);
        assert_memory_equal(d.text, head, strlen(head));
    }
}

static void test_diagnostic_text(void **state)
{
    (void)state;
    static const char text[] = "class A\n{\n\tuint8 N = 300;\n};\n";
    wbemev_mof_document_t *doc = NULL;
    wbemev_mof_diagnostic d;
    assert_wbemev_status(wbemev_mof_parse_string(text, strlen(text), "t.mof", NULL, &doc, &d),
                         WBEMEV_E_VALUE_OUT_OF_RANGE);
    assert_string_equal(d.text, "t.mof:3:12: the value is out of range for uint8\n"
                                "\tuint8 N = 300;\n"
                                "\t          ^\n");
}

/* ---- includes and limits ---- */

static void test_includes(void **state)
{
    (void)state;
    char path[1024];
    wbemev_mof_document_t *doc = NULL;
    wbemev_mof_diagnostic d;
    snprintf(path, sizeof path, "%s/include/cycle_a.mof", WBEMEV_MOF_DIR);
    assert_wbemev_status(wbemev_mof_parse_file(path, NULL, &doc, &d), WBEMEV_MOF_E_ERROR_INVALID_INCLUDE_FILE);
    assert_non_null(strstr(d.message, "include cycle"));
    assert_non_null(strstr(d.file, "cycle_b.mof"));
    assert_int_equal(d.line, 2);
    assert_int_equal(d.column, 9);

    /* The same file named another way ("../include/./self_dot.mof") is the same file. */
    snprintf(path, sizeof path, "%s/include/self_dot.mof", WBEMEV_MOF_DIR);
    assert_wbemev_status(wbemev_mof_parse_file(path, NULL, &doc, &d), WBEMEV_MOF_E_ERROR_INVALID_INCLUDE_FILE);
    assert_int_equal(d.line, 2);

    snprintf(path, sizeof path, "%s/include/missing.mof", WBEMEV_MOF_DIR);
    assert_wbemev_status(wbemev_mof_parse_file(path, NULL, &doc, &d), WBEMEV_E_NOT_FOUND);
    assert_non_null(strstr(d.message, "cannot include"));
    assert_int_equal(d.line, 3);

    snprintf(path, sizeof path, "%s/include/nowhere.mof", WBEMEV_MOF_DIR);
    assert_wbemev_status(wbemev_mof_parse_file(path, NULL, &doc, &d), WBEMEV_E_NOT_FOUND);
    assert_int_equal(d.line, 0);

    /* The depth limit: deep_1 includes deep_2, which includes deep_3. */
    snprintf(path, sizeof path, "%s/include/deep_1.mof", WBEMEV_MOF_DIR);
    wbemev_mof_options opts = {0};
    opts.max_include_depth = 1;
    assert_wbemev_status(wbemev_mof_parse_file(path, &opts, &doc, &d), WBEMEV_E_QUOTA_VIOLATION);
    assert_non_null(strstr(d.file, "deep_2.mof"));
    opts.max_include_depth = 2;
    assert_wbemev_ok(wbemev_mof_parse_file(path, &opts, &doc, &d));
    assert_int_equal(wbemev_mof_document_class_count(doc), 3);
    assert_string_equal(wbemev_mof_document_class_at(doc, 0)->name, "Deep3");
    wbemev_mof_document_free(doc);
    snprintf(path, sizeof path, "%s/cim/schema.mof", WBEMEV_MOF_DIR);
    /* The file size limit, and the total. */
    opts = (wbemev_mof_options){0};
    opts.max_file_bytes = 100;
    assert_wbemev_status(wbemev_mof_parse_file(path, &opts, &doc, &d), WBEMEV_E_QUOTA_VIOLATION);
    assert_non_null(strstr(d.message, "limit"));
    opts = (wbemev_mof_options){0};
    opts.max_total_bytes = 2000;
    assert_wbemev_status(wbemev_mof_parse_file(path, &opts, &doc, &d), WBEMEV_E_QUOTA_VIOLATION);
    assert_wbemev_status(wbemev_mof_parse_file(WBEMEV_MOF_DIR, NULL, &doc, &d), WBEMEV_E_NOT_FOUND);
}

static void test_nesting_limit(void **state)
{
    (void)state;
    char text[4096] = "instance of A { X = ";
    for (int i = 0; i < 10; i++)
        strcat(text, "instance of A { X = ");
    strcat(text, "1;");
    for (int i = 0; i < 10; i++)
        strcat(text, " }; ");
    strcat(text, "};");
    wbemev_mof_options opts = {0};
    opts.max_nesting = 10;
    wbemev_mof_document_t *doc = NULL;
    wbemev_mof_diagnostic d;
    assert_wbemev_ok(wbemev_mof_parse_string(text, strlen(text), NULL, &opts, &doc, &d));
    wbemev_mof_document_free(doc);
    opts.max_nesting = 9;
    assert_wbemev_status(wbemev_mof_parse_string(text, strlen(text), NULL, &opts, &doc, &d), WBEMEV_E_QUOTA_VIOLATION);
    assert_wbemev_status(wbemev_mof_parse_string(text, strlen(text), NULL, &(wbemev_mof_options){.max_file_bytes = 10},
                                                 &doc, &d),
                         WBEMEV_E_QUOTA_VIOLATION);
}

/* ---- loading ---- */

static void test_load_failures_unwind(void **state)
{
    (void)state;
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\x", &ns));
    size_t before = wbemev_namespace_class_count(ns);
    wbemev_mof_diagnostic d;
    /* The third class fails: the first two are deleted again. */
    wbemev_mof_document_t *doc = parse_ok("class A { string S; };\nclass B : A { string T; };\n"
                                          "class C : Missing { };\n");
    assert_wbemev_status(wbemev_namespace_load_mof(ns, doc, false, &d), WBEMEV_E_INVALID_SUPERCLASS);
    assert_int_equal(d.line, 3);
    assert_string_equal(d.file, "test.mof");
    assert_non_null(strstr(d.message, "Missing"));
    assert_int_equal(wbemev_namespace_class_count(ns), before);
    wbemev_mof_document_free(doc);

    doc = parse_ok("class A { string _S; };");
    assert_wbemev_status(wbemev_namespace_load_mof(ns, doc, false, &d), WBEMEV_E_SYSTEM_PROPERTY);
    wbemev_mof_document_free(doc);
    doc = parse_ok("class A { Nowhere REF R; };");
    assert_wbemev_status(wbemev_namespace_load_mof(ns, doc, false, &d), WBEMEV_E_INVALID_CLASS);
    wbemev_mof_document_free(doc);
    doc = parse_ok("class A : B { };\nclass B : A { };");
    assert_wbemev_status(wbemev_namespace_load_mof(ns, doc, false, &d), WBEMEV_E_INVALID_SUPERCLASS);
    assert_non_null(strstr(d.message, "cycle"));
    wbemev_mof_document_free(doc);
    assert_int_equal(wbemev_namespace_class_count(ns), before);

    /* System classes are never defined; the namespace's own serve. Self-references load. */
    doc = parse_ok("class __ExtrinsicEvent : __Event { };\nclass __Win32Provider { string Name; };\n"
                   "class E : __ExtrinsicEvent { E REF Self; E Copy; };");
    assert_wbemev_ok(wbemev_namespace_load_mof(ns, doc, false, &d));
    assert_int_equal(wbemev_namespace_class_count(ns), before + 1);
    wbemev_mof_document_free(doc);
    wbemev_namespace_release(ns);
}

static void test_registration_missing(void **state)
{
    (void)state;
    const wbemev_registration *reg = NULL;
    wbemev_mof_document_t *doc = parse_ok("class A { };");
    assert_wbemev_status(wbemev_mof_document_registration(doc, &reg), WBEMEV_E_NOT_FOUND);
    wbemev_mof_document_free(doc);
    doc = parse_ok("instance of __EventProviderRegistration { Provider = \"__Win32Provider.Name=\\\"X\\\"\";"
                   " EventQueryList = {\"select * from A\"}; };");
    assert_wbemev_status(wbemev_mof_document_registration(doc, &reg), WBEMEV_E_INVALID_PROVIDER_REGISTRATION);
    wbemev_mof_document_free(doc);
    /* By path instead of alias; no namespace pragma: mofcomp's default. */
    doc = parse_ok("instance of __Win32Provider { Name = \"X\"; CLSID = \"{12345678-1234-1234-1234-123456789ABC}\"; };\n"
                   "instance of __EventProviderRegistration { Provider = \"__Win32Provider.Name=\\\"X\\\"\";"
                   " EventQueryList = {\"select * from A\"}; };");
    assert_wbemev_ok(wbemev_mof_document_registration(doc, &reg));
    assert_string_equal(reg->provider_name, "X");
    assert_null(reg->hosting_model);
    assert_string_equal(reg->namespace_name, "root\\default");
    assert_int_equal(reg->class_count, 0);
    wbemev_mof_document_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provider_mof),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_golden),
        cmocka_unit_test(test_cim_tree),
        cmocka_unit_test(test_rich_document),
        cmocka_unit_test(test_rich_broken_everywhere),
        cmocka_unit_test(test_rich_out_of_memory),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_flavor_only_declaration),
        cmocka_unit_test(test_arrays_of_every_type),
        cmocka_unit_test(test_utf16_variants),
        cmocka_unit_test(test_keywords_case_insensitive),
        cmocka_unit_test(test_instances_untyped_and_aliases),
        cmocka_unit_test(test_pragmas),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_diagnostic_text),
        cmocka_unit_test(test_includes),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_load_failures_unwind),
        cmocka_unit_test(test_registration_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
