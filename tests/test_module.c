/*
 * tests/test_module.c: provider modules (wbemev/module.h): descriptor checks and hosting.
 *
 * The burst provider and its plugin wrapper (examples/burst_plugin.c, which defines the exported
 * wbemev_module_v1) link statically into this test: the descriptor a `wbemev run` would dlopen is
 * the one registered here.
 */
#include "test_support.h"

#include "burst_provider.h"
#include "wbemev/module.h"
#include "wbemev/testkit.h" /* the recording sink */

#include <stdlib.h>
#include <string.h>

/* The plugin's own descriptor, from examples/burst_plugin.c. */
extern const wbemev_module wbemev_module_v1;

/* A create function that also hands the provider to the test, so it can wait for the bursts. */
struct stash {
    wbemev_provider_t *provider;
    int calls;
    wbemev_status fail_with; /* when a failure: returned without creating */
};

static wbemev_status stash_create(void *ctx, const wbemev_module_args *args, wbemev_provider_t **out)
{
    struct stash *s = ctx;
    s->calls++;
    if (WBEMEV_FAILED(s->fail_with))
        return s->fail_with;
    /* The same parameters as the plugin, through its create function. */
    wbemev_status st = wbemev_module_v1.create_provider(wbemev_module_v1.ctx, args, out);
    if (WBEMEV_SUCCEEDED(st))
        s->provider = wbemev_provider_add_ref(*out);
    return st;
}

static wbemev_module stash_module(struct stash *s)
{
    wbemev_module m = {WBEMEV_MODULE_ABI_VERSION,
                       (uint32_t)sizeof(wbemev_module),
                       WBEMEV_VERSION_HEX,
                       &burst_registration,
                       stash_create,
                       s,
                       "test",
                       NULL};
    return m;
}

static void test_plugin_descriptor(void **state)
{
    (void)state;
    const wbemev_module *m = &wbemev_module_v1;
    assert_int_equal(m->abi_version, WBEMEV_MODULE_ABI_VERSION);
    assert_int_equal(m->size, sizeof(wbemev_module));
    assert_int_equal(m->wbemev_version, WBEMEV_VERSION_HEX);
    assert_ptr_equal(m->registration, &burst_registration);
    assert_non_null(m->description);
    assert_non_null(strstr(m->params_help, "bursts="));
    assert_wbemev_ok(wbemev_module_validate(m));
}

static void test_validate(void **state)
{
    (void)state;
    struct stash s = {NULL, 0, WBEMEV_S_NO_ERROR};
    wbemev_module m = stash_module(&s);
    assert_wbemev_ok(wbemev_module_validate(&m));
    assert_wbemev_status(wbemev_module_validate(NULL), WBEMEV_E_INVALID_PARAMETER);

    wbemev_module bad = m;
    bad.abi_version = 2;
    assert_wbemev_status(wbemev_module_validate(&bad), WBEMEV_E_NOT_SUPPORTED);
    bad = m;
    bad.size = 8;
    assert_wbemev_status(wbemev_module_validate(&bad), WBEMEV_E_INVALID_PARAMETER);
    bad = m;
    bad.wbemev_version = ((WBEMEV_VERSION_MAJOR + 1u) << 16);
    assert_wbemev_status(wbemev_module_validate(&bad), WBEMEV_E_NOT_SUPPORTED);
    bad = m;
    bad.wbemev_version = (WBEMEV_VERSION_MAJOR << 16) | ((WBEMEV_VERSION_MINOR + 1u) << 8);
    assert_wbemev_status(wbemev_module_validate(&bad), WBEMEV_E_NOT_SUPPORTED); /* built for a newer minor */
    bad = m;
    bad.create_provider = NULL;
    assert_wbemev_status(wbemev_module_validate(&bad), WBEMEV_E_INVALID_PARAMETER);
    bad = m;
    bad.registration = NULL;
    assert_wbemev_status(wbemev_module_validate(&bad), WBEMEV_E_INVALID_PARAMETER);

    /* A module may leave the CLSID out (wbemev mof --clsid gives one), not get it wrong. */
    wbemev_registration reg = burst_registration;
    bad = m;
    bad.registration = &reg;
    reg.clsid = NULL;
    assert_wbemev_ok(wbemev_module_validate(&bad));
    reg.clsid = "{not-a-guid}";
    assert_wbemev_status(wbemev_module_validate(&bad), WBEMEV_E_INVALID_PARAMETER);
    reg = burst_registration;
    reg.query_count = 0;
    assert_wbemev_status(wbemev_module_validate(&bad), WBEMEV_E_INVALID_PARAMETER);
}

static void test_module_arg(void **state)
{
    (void)state;
    const char *const keys[] = {"size", "bursts", "size"};
    const char *const values[] = {"1", "2", "3"};
    wbemev_module_args args = {3, keys, values};
    assert_string_equal(wbemev_module_arg(&args, "bursts", "x"), "2");
    assert_string_equal(wbemev_module_arg(&args, "size", "x"), "3"); /* the last one wins */
    assert_string_equal(wbemev_module_arg(&args, "siz", "x"), "x");
    assert_string_equal(wbemev_module_arg(&args, "sizes", "x"), "x");
    assert_null(wbemev_module_arg(&args, "dir", NULL));
    assert_string_equal(wbemev_module_arg(NULL, "size", "d"), "d");
}

static void test_register_and_run(void **state)
{
    (void)state;
    wbemev_dispatcher_t *d;
    assert_wbemev_ok(wbemev_dispatcher_new(NULL, &d));
    struct stash s = {NULL, 0, WBEMEV_S_NO_ERROR};
    wbemev_module m = stash_module(&s);
    const char *const keys[] = {"bursts", "size"};
    const char *const values[] = {"2", "5"};
    wbemev_module_args args = {2, keys, values};
    assert_wbemev_status(wbemev_module_register(d, &m, &args), WBEMEV_S_NO_ERROR);
    assert_int_equal(s.calls, 1);
    assert_non_null(s.provider);

    wbemev_sink_t *rec;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_status(wbemev_dispatcher_subscribe(d, burst_registration.event_queries[0], rec, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(burst_provider_wait(s.provider), 10); /* 2 bursts of 5 */
    assert_int_equal(wbemev_recording_sink_count(rec), 10);

    /* The dispatcher owns the provider: unregistering stops it. */
    wbemev_provider_release(s.provider);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(d, id), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_unregister(d, burst_registration.provider_name), WBEMEV_S_NO_ERROR);
    wbemev_dispatcher_destroy(d);
    wbemev_sink_release(rec);
    wbemev_test_assert_no_leaks();
}

static void test_register_failures(void **state)
{
    (void)state;
    wbemev_dispatcher_t *d;
    assert_wbemev_ok(wbemev_dispatcher_new(NULL, &d));
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(d);
    size_t classes = wbemev_namespace_class_count(ns);
    struct stash s = {NULL, 0, WBEMEV_S_NO_ERROR};
    wbemev_module m = stash_module(&s);

    assert_wbemev_status(wbemev_module_register(NULL, &m, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_module_register(d, NULL, NULL), WBEMEV_E_INVALID_PARAMETER);

    /* A bad parameter: the create function refuses, the classes this call defined go away. */
    const char *const keys[] = {"size"};
    const char *const values[] = {"lots"};
    wbemev_module_args bad_args = {1, keys, values};
    assert_wbemev_status(wbemev_module_register(d, &m, &bad_args), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(wbemev_namespace_class_count(ns), classes);
    assert_null(s.provider);

    s.fail_with = WBEMEV_E_ACCESS_DENIED;
    assert_wbemev_status(wbemev_module_register(d, &m, NULL), WBEMEV_E_ACCESS_DENIED);
    assert_int_equal(wbemev_namespace_class_count(ns), classes);

    /* Registered once; a second registration under the same name fails and keeps the classes the
     * first one needs. */
    s.fail_with = WBEMEV_S_NO_ERROR;
    const char *const one_keys[] = {"bursts"};
    const char *const one_values[] = {"1"};
    wbemev_module_args one = {1, one_keys, one_values};
    assert_wbemev_status(wbemev_module_register(d, &m, &one), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_namespace_class_count(ns), classes + 1);
    wbemev_provider_t *first = s.provider;
    s.provider = NULL;
    assert_wbemev_status(wbemev_module_register(d, &m, &one), WBEMEV_E_ALREADY_EXISTS);
    assert_int_equal(wbemev_namespace_class_count(ns), classes + 1);
    wbemev_provider_release(s.provider); /* the refused one: this releases it for good */
    wbemev_provider_release(first);
    wbemev_dispatcher_destroy(d);
    wbemev_test_assert_no_leaks();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plugin_descriptor),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_module_arg),
        cmocka_unit_test(test_register_and_run),
        cmocka_unit_test(test_register_failures),
    };
    return cmocka_run_group_tests_name("module", tests, NULL, NULL);
}
