/*
 * tests/test_text_writer.c: the text writer JSON and MOF share (lib/base/text_writer.h, white-box),
 * and what both formats get from it: a writer's failure stops the writing, reals are
 * locale-independent, the buffer forms measure and truncate alike, embedded objects nest at most
 * WBEMEV_FORMAT_MAX_DEPTH levels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/text_writer.h"
#include "wbemev/testkit.h" /* assert_wbemev_ok, assert_wbemev_status */

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A writer that keeps what it receives and fails call number `fail_at` (1-based; 0: never). */
struct sink {
    char text[4096];
    size_t length;
    int calls;
    int fail_at;
};

static wbemev_status sink_write(void *ctx, const char *text, size_t len)
{
    struct sink *s = ctx;
    s->calls++;
    assert_true(len > 0);
    if (s->calls == s->fail_at)
        return WBEMEV_E_FAILED;
    assert_true(s->length + len < sizeof s->text);
    memcpy(s->text + s->length, text, len);
    s->length += len;
    s->text[s->length] = 0;
    return WBEMEV_S_NO_ERROR;
}

static void test_the_first_failure_stops_the_writing(void **state)
{
    (void)state;
    struct sink s = {.fail_at = 3};
    wbemev__text_out o;
    wbemev__text_out_init(&o, sink_write, &s);
    wbemev__text_puts(&o, "a");
    wbemev__text_put(&o, "ignored", 0); /* nothing to write: the writer is not called */
    wbemev__text_put_u64(&o, 42);
    assert_int_equal(s.calls, 2);
    wbemev__text_puts(&o, "c"); /* fails */
    assert_false(wbemev__text_ok(&o));
    wbemev__text_puts(&o, "d");
    wbemev__text_put_i64(&o, -1);
    wbemev__text_put_utf8(&o, 0xE9);
    wbemev__text_fail(&o, WBEMEV_E_INVALID_OBJECT); /* the first failure is the one kept */
    assert_int_equal(s.calls, 3);
    assert_wbemev_status(o.status, WBEMEV_E_FAILED);
    assert_string_equal(s.text, "a42");

    /* A failure the format reports stops it the same way. */
    struct sink t = {0};
    wbemev__text_out_init(&o, sink_write, &t);
    wbemev__text_puts(&o, "x");
    wbemev__text_fail(&o, WBEMEV_E_INVALID_OBJECT);
    wbemev__text_puts(&o, "y");
    assert_wbemev_status(o.status, WBEMEV_E_INVALID_OBJECT);
    assert_string_equal(t.text, "x");
}

static void test_integers_and_code_points(void **state)
{
    (void)state;
    struct sink s = {0};
    wbemev__text_out o;
    wbemev__text_out_init(&o, sink_write, &s);
    wbemev__text_put_i64(&o, INT64_MIN);
    wbemev__text_puts(&o, " ");
    wbemev__text_put_u64(&o, UINT64_MAX);
    wbemev__text_puts(&o, " ");
    wbemev__text_put_utf8(&o, 'A');
    wbemev__text_put_utf8(&o, 0xE9);
    wbemev__text_put_utf8(&o, 0x20AC);
    wbemev__text_put_utf8(&o, 0x1F600);
    wbemev__text_puts(&o, " ");
    wbemev__text_put_utf16_escape(&o, "\\u", 0xE9, false);
    wbemev__text_put_utf16_escape(&o, "\\u", 0x1F600, false);
    wbemev__text_put_utf16_escape(&o, "\\x", 0x1F600, true);
    assert_wbemev_ok(o.status);
    assert_string_equal(s.text, "-9223372036854775808 18446744073709551615 "
                                "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 "
                                "\\u00e9\\ud83d\\ude00\\xD83D\\xDE00");
}

static const char *real_text(double v, bool single)
{
    static char buf[WBEMEV__REAL_TEXT_MAX];
    size_t n = wbemev__format_real(buf, v, single);
    assert_int_equal(n, strlen(buf));
    return buf;
}

static void check_reals(void)
{
    assert_string_equal(real_text(0.1, false), "0.1");
    assert_string_equal(real_text(2.5, false), "2.5");
    assert_string_equal(real_text(1.0, false), "1");
    assert_string_equal(real_text(-0.0, false), "-0");
    assert_string_equal(real_text(1.0 / 3.0, false), "0.3333333333333333");
    assert_string_equal(real_text(1e21, false), "1e+21");
    assert_string_equal(real_text(-1.5e-300, false), "-1.5e-300");
    assert_string_equal(real_text((double)0.1f, true), "0.1"); /* a float's shortest form */
    assert_string_equal(real_text((double)0.1f, false), "0.10000000149011612");
}

static void test_shortest_reals(void **state)
{
    (void)state;
    check_reals();
}

static void check_format_reals(void);

/* A locale whose decimal point is ',' must not leak into the text. Skipped when none is installed. */
static void test_reals_ignore_the_locale(void **state)
{
    (void)state;
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "de_DE", NULL};
    char saved[256] = "C";
    const char *old = setlocale(LC_NUMERIC, NULL);
    if (old != NULL && strlen(old) < sizeof saved)
        strcpy(saved, old);
    bool found = false;
    for (size_t i = 0; names[i] != NULL && !found; i++)
        found = setlocale(LC_NUMERIC, names[i]) != NULL;
    if (found) {
        check_reals();
        check_format_reals();
    }
    setlocale(LC_NUMERIC, saved);
    if (!found)
        skip();
}

static void test_buffer_measures_and_truncates(void **state)
{
    (void)state;
    wbemev__text_buffer b;
    char buf[8];
    assert_wbemev_status(wbemev__text_buffer_start(&b, NULL, 5), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev__text_buffer_start(&b, buf, 0), WBEMEV_E_INVALID_PARAMETER);

    /* Measure only. */
    size_t length = 99;
    assert_wbemev_ok(wbemev__text_buffer_start(&b, NULL, 0));
    assert_wbemev_ok(wbemev__text_buffer_write(&b, "hello", 5));
    assert_wbemev_ok(wbemev__text_buffer_write(&b, " world", 6));
    assert_wbemev_ok(wbemev__text_buffer_finish(&b, WBEMEV_S_NO_ERROR, &length));
    assert_int_equal(length, 11);

    /* Too small: a NUL-terminated prefix, and *length left alone. */
    length = 99;
    memset(buf, 'x', sizeof buf);
    assert_wbemev_ok(wbemev__text_buffer_start(&b, buf, 6));
    assert_wbemev_ok(wbemev__text_buffer_write(&b, "hello", 5));
    assert_wbemev_ok(wbemev__text_buffer_write(&b, " world", 6));
    assert_wbemev_status(wbemev__text_buffer_finish(&b, WBEMEV_S_NO_ERROR, &length), WBEMEV_E_BUFFER_TOO_SMALL);
    assert_string_equal(buf, "hello");
    assert_int_equal(length, 99);
    assert_int_equal(buf[6], 'x'); /* nothing past size */

    /* The text and its NUL exactly fill it. */
    assert_wbemev_ok(wbemev__text_buffer_start(&b, buf, 6));
    assert_wbemev_ok(wbemev__text_buffer_write(&b, "hello", 5));
    assert_wbemev_ok(wbemev__text_buffer_finish(&b, WBEMEV_S_NO_ERROR, NULL));
    assert_string_equal(buf, "hello");
    assert_wbemev_ok(wbemev__text_buffer_start(&b, buf, 5)); /* one short: no room for the NUL */
    assert_wbemev_ok(wbemev__text_buffer_write(&b, "hello", 5));
    assert_wbemev_status(wbemev__text_buffer_finish(&b, WBEMEV_S_NO_ERROR, NULL), WBEMEV_E_BUFFER_TOO_SMALL);
    assert_string_equal(buf, "hell");

    /* The writing's own failure comes first. */
    assert_wbemev_status(wbemev__text_buffer_finish(&b, WBEMEV_E_INVALID_OBJECT, NULL), WBEMEV_E_INVALID_OBJECT);
}

static void test_memory_grows(void **state)
{
    (void)state;
    wbemev__text_memory m;
    wbemev__text_memory_init(&m);
    char chunk[100];
    for (int i = 0; i < 100; i++) {
        memset(chunk, 'a' + i % 26, sizeof chunk);
        assert_wbemev_ok(wbemev__text_memory_write(&m, chunk, sizeof chunk));
    }
    assert_int_equal(m.length, 10000);
    assert_true(m.heap);
    for (size_t i = 0; i < m.length; i++)
        assert_int_equal(m.data[i], 'a' + (int)(i / 100) % 26);
    wbemev__text_memory_free(&m);
    assert_int_equal(m.length, 0);
    assert_false(m.heap);
}

static void test_file_destination(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_wbemev_ok(wbemev__text_file_write(f, "line\n", 5));
    rewind(f);
    char back[16] = {0};
    assert_int_equal(fread(back, 1, sizeof back - 1, f), 5);
    assert_string_equal(back, "line\n");
    fclose(f);
}

/* ---- through the formats ---- */

static const wbemev_property_def props[] = {
    {"Name", WBEMEV_CIM_STRING, NULL},
    {"Ratio", WBEMEV_CIM_REAL64, NULL},
};

struct world {
    wbemev_namespace_t *ns;
    wbemev_class_t *cls;
    wbemev_object_t *obj;
};

static void world_up(struct world *w)
{
    assert_wbemev_ok(wbemev_namespace_new("root\\text", &w->ns));
    assert_wbemev_ok(wbemev_namespace_define_class(w->ns, "Text_Event", "__ExtrinsicEvent", props, 2, &w->cls));
    assert_wbemev_ok(wbemev_class_spawn_instance(w->cls, &w->obj));
    assert_wbemev_ok(wbemev_object_put_string(w->obj, "Name", "caf\xC3\xA9 \xF0\x9F\x98\x80"));
    assert_wbemev_ok(wbemev_object_put_real64(w->obj, "Ratio", 2.0));
}

static void world_down(struct world *w)
{
    wbemev_object_release(w->obj);
    wbemev_class_release(w->cls);
    wbemev_namespace_release(w->ns);
}

static wbemev_status write_json(const wbemev_object_t *o, wbemev_text_writer fn, void *ctx)
{
    return wbemev_json_write_instance(o, WBEMEV_FORMAT_ASCII, fn, ctx);
}

/* Each format stops at its writer's first failure, wherever it comes, and returns it. */
static void test_formats_stop_at_the_writers_failure(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    wbemev_status (*const formats[])(const wbemev_object_t *, wbemev_text_writer, void *) = {
        write_json, wbemev_mof_write_instance};
    for (size_t f = 0; f < 2; f++) {
        struct sink whole = {0};
        assert_wbemev_ok(formats[f](w.obj, sink_write, &whole));
        for (int at = 1; at <= whole.calls; at++) {
            struct sink s = {.fail_at = at};
            assert_wbemev_status(formats[f](w.obj, sink_write, &s), WBEMEV_E_FAILED);
            assert_int_equal(s.calls, at);
            assert_memory_equal(s.text, whole.text, s.length); /* a prefix of the whole text */
        }
    }
    world_down(&w);
}

static void test_formats_share_escapes_and_reals(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    struct sink json = {0}, mof = {0};
    assert_wbemev_ok(write_json(w.obj, sink_write, &json));
    assert_wbemev_ok(wbemev_mof_write_instance(w.obj, sink_write, &mof));
    assert_non_null(strstr(json.text, "\"Name\":\"caf\\u00e9 \\ud83d\\ude00\""));
    assert_non_null(strstr(json.text, "\"Ratio\":2}"));
    assert_non_null(strstr(mof.text, "Name = \"caf\\x00E9 \\xD83D\\xDE00\";"));
    assert_non_null(strstr(mof.text, "Ratio = 2.0;")); /* MOF keeps a real a real literal */
    world_down(&w);
}

/* Reals in both formats: '.' whatever the locale. */
static void check_format_reals(void)
{
    struct world w;
    world_up(&w);
    assert_wbemev_ok(wbemev_object_put_real64(w.obj, "Ratio", 2.5));
    struct sink json = {0}, mof = {0};
    assert_wbemev_ok(write_json(w.obj, sink_write, &json));
    assert_wbemev_ok(wbemev_mof_write_instance(w.obj, sink_write, &mof));
    assert_non_null(strstr(json.text, "\"Ratio\":2.5}"));
    assert_non_null(strstr(mof.text, "Ratio = 2.5;"));
    world_down(&w);
}

/* ---- the nesting limit ---- */

static const wbemev_property_def node_props[] = {{"Child", WBEMEV_CIM_OBJECT, NULL},
                                                 {"Children", WBEMEV_CIM_OBJECT | WBEMEV_CIM_FLAG_ARRAY, NULL}};

struct chain {
    wbemev_namespace_t *ns;
    wbemev_class_t *node, *event;
    wbemev_object_t *top;    /* a Deep_Event, level 0 */
    wbemev_object_t **nodes; /* every node, kept so they can be released top down, without recursion */
    size_t count;
};

/* An event whose Child chain puts the deepest object at level `levels` (or, with `in_arrays`, a
 * chain through one-element Children arrays). */
static void chain_up(struct chain *c, size_t levels, bool in_arrays)
{
    memset(c, 0, sizeof *c);
    assert_wbemev_ok(wbemev_namespace_new("root\\deep", &c->ns));
    assert_wbemev_ok(wbemev_namespace_define_class(c->ns, "Node", NULL, node_props, 2, &c->node));
    assert_wbemev_ok(wbemev_namespace_define_class(c->ns, "Deep_Event", "__ExtrinsicEvent", node_props, 2, &c->event));
    c->nodes = calloc(levels + 1, sizeof *c->nodes);
    assert_non_null(c->nodes);
    wbemev_object_t *below = NULL;
    for (size_t i = 0; i <= levels; i++) {
        wbemev_object_t *o;
        assert_wbemev_ok(wbemev_class_spawn_instance(i == levels ? c->event : c->node, &o));
        if (below != NULL && in_arrays)
            assert_wbemev_ok(wbemev_object_put(o, "Children", &WBEMEV_V_ARRAY(WBEMEV_CIM_OBJECT, &below, 1)));
        else if (below != NULL)
            assert_wbemev_ok(wbemev_object_put_object(o, "Child", below)); /* frozen: shared, not copied */
        wbemev_object_freeze(o);
        c->nodes[c->count++] = o;
        below = o;
    }
    c->top = below;
}

static void chain_down(struct chain *c)
{
    for (size_t i = c->count; i-- > 0;)
        wbemev_object_release(c->nodes[i]);
    free(c->nodes);
    wbemev_class_release(c->node);
    wbemev_class_release(c->event);
    wbemev_namespace_release(c->ns);
}

static wbemev_status mof_length(const wbemev_object_t *o, size_t *length)
{
    return wbemev_mof_format_instance(o, NULL, 0, length);
}

static wbemev_status json_length(const wbemev_object_t *o, size_t *length)
{
    return wbemev_json_format_instance(o, 0, NULL, 0, length);
}

/* Up to the limit both formats write the chain; one level past it, or far past it, both refuse it
 * with WBEMEV_E_INVALID_OBJECT (and return at once: no recursion to the bottom). */
static void test_nesting_limit(void **state)
{
    (void)state;
    wbemev_status (*const formats[])(const wbemev_object_t *, size_t *) = {mof_length, json_length};
    static const size_t deep = 40000;
    for (int in_arrays = 0; in_arrays < 2; in_arrays++) {
        struct chain c;
        size_t length = 0;
        chain_up(&c, WBEMEV_FORMAT_MAX_DEPTH, in_arrays);
        for (size_t f = 0; f < 2; f++) {
            assert_wbemev_ok(formats[f](c.top, &length));
            assert_true(length > 0);
        }
        chain_down(&c);
        chain_up(&c, WBEMEV_FORMAT_MAX_DEPTH + 1, in_arrays);
        for (size_t f = 0; f < 2; f++)
            assert_wbemev_status(formats[f](c.top, &length), WBEMEV_E_INVALID_OBJECT);
        chain_down(&c);
        chain_up(&c, deep, in_arrays);
        for (size_t f = 0; f < 2; f++)
            assert_wbemev_status(formats[f](c.top, &length), WBEMEV_E_INVALID_OBJECT);
        chain_down(&c);
    }
}

/* MOF's indentation grows with the nesting: at the limit, the text stays about linear in the number
 * of objects (the deepest line is indented at most twice the limit). */
static void test_mof_indentation_is_bounded(void **state)
{
    (void)state;
    struct chain c;
    chain_up(&c, WBEMEV_FORMAT_MAX_DEPTH, true);
    size_t length = 0;
    assert_wbemev_ok(mof_length(c.top, &length));
    char *text = malloc(length + 1);
    assert_non_null(text);
    assert_wbemev_ok(wbemev_mof_format_instance(c.top, text, length + 1, NULL));
    size_t longest = 0;
    for (char *line = text; *line != 0;) {
        char *end = strchr(line, '\n');
        size_t n = end != NULL ? (size_t)(end - line) : strlen(line);
        if (n > longest)
            longest = n;
        line += n + (end != NULL);
    }
    assert_true(longest <= 4 * (2 * WBEMEV_FORMAT_MAX_DEPTH + 1) + 32);
    free(text);
    chain_down(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_first_failure_stops_the_writing),
        cmocka_unit_test(test_integers_and_code_points),
        cmocka_unit_test(test_shortest_reals),
        cmocka_unit_test(test_reals_ignore_the_locale),
        cmocka_unit_test(test_buffer_measures_and_truncates),
        cmocka_unit_test(test_memory_grows),
        cmocka_unit_test(test_file_destination),
        cmocka_unit_test(test_formats_stop_at_the_writers_failure),
        cmocka_unit_test(test_formats_share_escapes_and_reals),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_mof_indentation_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
