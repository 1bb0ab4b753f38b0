/*
 * tests/win/test_com_params.c: the parser of a provider DLL's Parameters value (lib/win/params.c,
 * white box): the entries it gives create_provider, and the reason it gives for each value it
 * refuses. test_com_plugin_dll drives the same parser through the registry and a DLL.
 */
#include "test_support.h"

#include "win/win-int.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static HRESULT parse(const void *data, size_t bytes, const char *help, struct wbemev__win_params *out,
                     char *why, size_t why_size)
{
    why[0] = '\0';
    return wbemev__win_params_parse(REG_MULTI_SZ, data, bytes, help, out, why, why_size);
}

#define PARSE(literal, help, out, why) parse(literal, sizeof(literal), help, out, why, sizeof why)

static void assert_refused(HRESULT hr, const struct wbemev__win_params *p, const char *why,
                           const char *expected)
{
    assert_int_equal(hr, (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(p->args.count, 0);
    assert_null(p->args.keys);
    if (strstr(why, expected) == NULL)
        fail_msg("reason \"%s\" does not say \"%s\"", why, expected);
}

static void test_entries(void **state)
{
    (void)state;
    struct wbemev__win_params p;
    char why[256];
    assert_int_equal(PARSE(L"level=3\0name=caf\u00e9\0level=4\0empty=\0eq==a=\0", NULL, &p, why), S_OK);
    assert_int_equal(p.args.count, 5);
    static const char *const keys[] = {"level", "name", "level", "empty", "eq"};
    static const char *const values[] = {"3", "caf\xC3\xA9", "4", "", "=a="};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(p.args.keys[i], keys[i]);
        assert_string_equal(p.args.values[i], values[i]);
    }
    assert_string_equal(wbemev_module_arg(&p.args, "level", NULL), "4"); /* the last one wins */
    wbemev__win_params_free(&p);
    assert_int_equal(p.args.count, 0);
    wbemev__win_params_free(&p); /* twice: harmless */

    /* Empty lists, with and without terminators, and trailing terminators. */
    assert_int_equal(parse(NULL, 0, NULL, &p, why, sizeof why), S_OK);
    assert_int_equal(p.args.count, 0);
    assert_int_equal(PARSE(L"", NULL, &p, why), S_OK);
    assert_int_equal(p.args.count, 0);
    assert_int_equal(PARSE(L"a=1\0\0\0", NULL, &p, why), S_OK);
    assert_int_equal(p.args.count, 1);
    wbemev__win_params_free(&p);

    /* Documented keys, lines indented or not, as `wbemev run` reads params_help. */
    const char *help = "level=N    a level\n  name=TEXT  a name\nlast=X";
    assert_int_equal(PARSE(L"name=x\0level=1\0last=2\0", help, &p, why), S_OK);
    assert_int_equal(p.args.count, 3);
    wbemev__win_params_free(&p);
}

static void test_refusals(void **state)
{
    (void)state;
    struct wbemev__win_params p;
    char why[256];
    const char *help = "level=N    a level\nname=TEXT  a name";

    assert_refused(PARSE(L"level=1\0level\0", NULL, &p, why), &p, why, "entry 2, \"level\", is not KEY=VALUE");
    assert_refused(PARSE(L"=1\0", NULL, &p, why), &p, why, "entry 1, \"=1\", is not KEY=VALUE");
    assert_refused(PARSE(L"level=1\0\0name=x\0", NULL, &p, why), &p, why, "entry 2 is empty");
    assert_refused(PARSE(L"levels=1\0", help, &p, why), &p, why, "the provider takes no parameter \"levels\"");
    assert_refused(PARSE(L"a level=1\0", help, &p, why), &p, why, "no parameter \"a level\"");
    assert_refused(PARSE(L"lev=1\0", help, &p, why), &p, why, "no parameter \"lev\"");

    static const WCHAR surrogate[] = {'a', '=', 0xDC00, 0, 0};
    assert_refused(PARSE(surrogate, NULL, &p, why), &p, why, "entry 1 is not valid UTF-16");
    static const char odd[] = {'a', 0, '=', 0, 'b'};
    assert_refused(PARSE(odd, NULL, &p, why), &p, why, "5 bytes long, not whole UTF-16 characters");

    why[0] = '\0';
    assert_refused(wbemev__win_params_parse(REG_SZ, L"a=1", sizeof L"a=1", NULL, &p, why, sizeof why), &p,
                   why, "not REG_MULTI_SZ (registry type 1)");
    WCHAR *big = calloc(35000, sizeof *big);
    assert_non_null(big);
    wmemset(big, L'a', 34000);
    assert_refused(wbemev__win_params_parse(REG_MULTI_SZ, big, 70000, NULL, &p, why, sizeof why), &p, why,
                   "70000 bytes long, more than 65536");
    free(big);

    /* A long entry is shown cut, on a character boundary. */
    WCHAR long_entry[300];
    for (size_t i = 0; i < 298; i++)
        long_entry[i] = i % 2 ? 0x00E9 : L'x';
    long_entry[298] = long_entry[299] = 0;
    assert_refused(parse(long_entry, sizeof long_entry, NULL, &p, why, sizeof why), &p, why, "...\", is not");
    const char *quote = strchr(why, '"');
    assert_non_null(quote);
    assert_true(strlen(why) < 120);
    for (const char *c = quote + 1; *c != '.'; c += c[0] == 'x' ? 1 : 2)
        assert_true(c[0] == 'x' || ((unsigned char)c[0] == 0xC3 && (unsigned char)c[1] == 0xA9));

    /* A later refusal frees what the earlier entries made; NULL why is fine. */
    assert_int_equal(wbemev__win_params_parse(REG_MULTI_SZ, L"a=1\0b=2\0c\0", sizeof L"a=1\0b=2\0c\0", NULL, &p,
                                              NULL, 0),
                     (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(p.args.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("com_params", tests, NULL, NULL);
}
