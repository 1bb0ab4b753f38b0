/*
 * tests/test_tool.c: the `wbemev` command-line tool, driven as a child process (POSIX).
 *
 * Each test runs the installed-to-be binary with arguments and checks its exit status, standard
 * output and standard error. Nothing waits on a timer for synchronization: a test that needs the
 * tool ready (Ctrl-C, the file-change provider) reads its standard error until the "running" line,
 * which the tool writes once every subscription exists. Timeouts are failure guards only.
 */
#define _POSIX_C_SOURCE 200809L

#include "test_support.h"

#include "burst_provider.h"
#include "wbemev/mof.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if !defined(WBEMEV_TOOL) || !defined(BURST_PLUGIN) || !defined(HEARTBEAT_PLUGIN) || !defined(BAD_PLUGIN) ||     \
    !defined(SCAFFOLD_PLUGIN)
#error "the build names the tool and the plugins"
#endif

#define GUARD_MS 60000 /* failure guard: no test waits this long when things work */

/* ---- a child process with its output captured ---- */

struct child {
    pid_t pid;
    int in_fd; /* standard input, when kept open (child_start_interactive); else -1 */
    int out_fd, err_fd;
    char *out, *err;
    size_t out_len, err_len;
    int status; /* exit status, or 128 + signal */
};

static void append(char **buf, size_t *len, const char *data, size_t n)
{
    char *p = realloc(*buf, *len + n + 1);
    assert_non_null(p);
    memcpy(p + *len, data, n);
    *len += n;
    p[*len] = '\0';
    *buf = p;
}

/* When set, the next child's standard output goes to this file instead of a pipe. */
static const char *spawn_stdout;

static void child_spawn(struct child *c, const char *const *args, const char *input, bool keep_input)
{
    int out[2], err[2], in[2];
    assert_int_equal(pipe(out), 0);
    assert_int_equal(pipe(err), 0);
    assert_int_equal(pipe(in), 0);
    memset(c, 0, sizeof *c);
    c->out = calloc(1, 1);
    c->err = calloc(1, 1);
    assert_non_null(c->out);
    assert_non_null(c->err);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        if (spawn_stdout != NULL) {
            int fd = open(spawn_stdout, O_WRONLY);
            if (fd < 0 || dup2(fd, 1) < 0)
                _exit(126);
            close(fd);
        }
        close(in[0]), close(in[1]), close(out[0]), close(out[1]), close(err[0]), close(err[1]);
        const char *argv[32];
        size_t n = 0;
        argv[n++] = WBEMEV_TOOL;
        for (; args[n - 1] != NULL && n < 31; n++)
            argv[n] = args[n - 1];
        argv[n] = NULL;
        unsetenv("WBEMEV_CONTRACT");
        execv(WBEMEV_TOOL, (char *const *)argv);
        _exit(127);
    }
    close(in[0]), close(out[1]), close(err[1]);
    if (input != NULL) {
        size_t len = strlen(input);
        assert_int_equal(write(in[1], input, len), (ssize_t)len);
    }
    c->in_fd = -1;
    if (keep_input)
        c->in_fd = in[1];
    else
        close(in[1]);
    c->out_fd = out[0];
    c->err_fd = err[0];
}

static void child_start(struct child *c, const char *const *args, const char *input)
{
    child_spawn(c, args, input, false);
}

/* Starts the tool with its standard input kept open: child_send writes commands to it. */
static void child_start_interactive(struct child *c, const char *const *args)
{
    child_spawn(c, args, NULL, true);
}

static void child_send(struct child *c, const char *text)
{
    size_t len = strlen(text);
    assert_true(c->in_fd >= 0);
    assert_int_equal(write(c->in_fd, text, len), (ssize_t)len);
}

static void child_close_input(struct child *c)
{
    if (c->in_fd >= 0)
        close(c->in_fd);
    c->in_fd = -1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the child's output until `until` appears in its standard error (NULL: until both pipes
 * end). Fails the test past the guard. */
static void child_read(struct child *c, const char *until)
{
    long long deadline = now_ms() + GUARD_MS;
    while (c->out_fd >= 0 || c->err_fd >= 0) {
        if (until != NULL && strstr(c->err, until) != NULL)
            return;
        struct pollfd fds[2] = {{c->out_fd, POLLIN, 0}, {c->err_fd, POLLIN, 0}};
        long long left = deadline - now_ms();
        if (left <= 0) {
            print_error("the tool did not %s within %d ms\nstdout:\n%s\nstderr:\n%s\n",
                        until != NULL ? "get ready" : "finish", GUARD_MS, c->out, c->err);
            kill(c->pid, SIGKILL);
            fail();
        }
        int n = poll(fds, 2, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        assert_true(n >= 0);
        for (int i = 0; i < 2; i++) {
            int *fd = i == 0 ? &c->out_fd : &c->err_fd;
            if (*fd < 0 || fds[i].revents == 0)
                continue;
            char buf[65536];
            ssize_t got = read(*fd, buf, sizeof buf);
            if (got > 0) {
                append(i == 0 ? &c->out : &c->err, i == 0 ? &c->out_len : &c->err_len, buf, (size_t)got);
            } else if (got == 0 || errno != EINTR) {
                close(*fd);
                *fd = -1;
            }
        }
    }
    if (until != NULL && strstr(c->err, until) == NULL) {
        print_error("the tool ended without writing \"%s\"\nstdout:\n%s\nstderr:\n%s\n", until, c->out, c->err);
        fail();
    }
}

/* Reads the child's output until `until` appears in its standard error (err) or output at or after
 * *pos, and moves *pos past it: the next expectation looks further on. Fails the test past the
 * guard or when the tool ends first. */
static void child_expect(struct child *c, bool err, size_t *pos, const char *until)
{
    long long deadline = now_ms() + GUARD_MS;
    for (;;) {
        const char *text = err ? c->err : c->out;
        const char *at = strstr(text + *pos, until);
        if (at != NULL) {
            *pos = (size_t)(at - text) + strlen(until);
            return;
        }
        if (c->out_fd < 0 && c->err_fd < 0) {
            /* Whole, not through print_error (which cuts long messages). */
            fprintf(stderr, "the tool ended without writing \"%s\" to its %s after offset %zu\nstdout:\n%s\nstderr:\n%s\n",
                    until, err ? "standard error" : "standard output", *pos, c->out, c->err);
            fail();
        }
        struct pollfd fds[2] = {{c->out_fd, POLLIN, 0}, {c->err_fd, POLLIN, 0}};
        long long left = deadline - now_ms();
        if (left <= 0) {
            fprintf(stderr, "the tool did not write \"%s\" within %d ms\nstderr:\n%s\n", until, GUARD_MS, c->err);
            kill(c->pid, SIGKILL);
            fail();
        }
        int n = poll(fds, 2, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        assert_true(n >= 0);
        for (int i = 0; i < 2; i++) {
            int *fd = i == 0 ? &c->out_fd : &c->err_fd;
            if (*fd < 0 || fds[i].revents == 0)
                continue;
            char buf[65536];
            ssize_t got = read(*fd, buf, sizeof buf);
            if (got > 0) {
                append(i == 0 ? &c->out : &c->err, i == 0 ? &c->out_len : &c->err_len, buf, (size_t)got);
            } else if (got == 0 || errno != EINTR) {
                close(*fd);
                *fd = -1;
            }
        }
    }
}

static int child_finish(struct child *c)
{
    child_close_input(c);
    child_read(c, NULL);
    int status;
    while (waitpid(c->pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    c->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return c->status;
}

static void child_free(struct child *c)
{
    free(c->out);
    free(c->err);
}

/* Runs the tool to the end. */
static int run(struct child *c, const char *const *args, const char *input)
{
    child_start(c, args, input);
    return child_finish(c);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

#define assert_contains(haystack, needle)                                                          \
    do {                                                                                           \
        if (strstr((haystack), (needle)) == NULL) {                                                \
            print_error("expected to find \"%s\" in:\n%s\n", (needle), (haystack));               \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        append(&buf, &len, chunk, n);
    fclose(f);
    if (buf == NULL)
        buf = calloc(1, 1);
    return buf;
}

/* ---- help, version, usage errors ---- */

static void test_version_and_help(void **state)
{
    (void)state;
    struct child c;
    const char *version[] = {"--version", NULL};
    assert_int_equal(run(&c, version, NULL), 0);
    assert_contains(c.out, "wbemev " WBEMEV_VERSION_STRING);
    child_free(&c);

    const char *help[] = {"--help", NULL};
    assert_int_equal(run(&c, help, NULL), 0);
    assert_contains(c.out, "usage: wbemev");
    assert_contains(c.out, "run PLUGIN");
    assert_contains(c.out, "query WQL");
    assert_contains(c.out, "mof PLUGIN");
    assert_contains(c.out, "new NAME");
    assert_string_equal(c.err, "");
    child_free(&c);

    const char *cmds[] = {"run", "query", "mof", "new"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char usage[64];
        snprintf(usage, sizeof usage, "usage: wbemev %s", cmds[i]);
        const char *sub[] = {cmds[i], "--help", NULL};
        assert_int_equal(run(&c, sub, NULL), 0);
        assert_contains(c.out, usage);
        child_free(&c);
        const char *via_help[] = {"help", cmds[i], NULL};
        assert_int_equal(run(&c, via_help, NULL), 0);
        assert_contains(c.out, usage);
        child_free(&c);
    }

    const char *run_help[] = {"run", "--help", NULL};
    assert_int_equal(run(&c, run_help, NULL), 0);
    assert_contains(c.out, "--trace[=FILE]");
    assert_contains(c.out, "-i, --interactive");
    assert_contains(c.out, "--sid SID");
    assert_contains(c.out, "Interactive commands");
    child_free(&c);

    /* With a plugin, run --help lists the plugin's parameters. */
    const char *plugin_help[] = {"run", BURST_PLUGIN, "--help", NULL};
    assert_int_equal(run(&c, plugin_help, NULL), 0);
    assert_contains(c.out, "Plugin BurstProvider");
    assert_contains(c.out, "bursts=N");
    child_free(&c);
}

static void test_usage_errors(void **state)
{
    (void)state;
    struct child c;
    const char *none[] = {NULL};
    assert_int_equal(run(&c, none, NULL), 2);
    assert_contains(c.err, "usage: wbemev");
    child_free(&c);

    const struct {
        const char *args[6];
        const char *message;
    } cases[] = {
        {{"frobnicate", NULL}, "unknown command 'frobnicate'"},
        {{"--frob", NULL}, "unknown option '--frob'"},
        {{"run", NULL}, "missing the plugin"},
        {{"run", BURST_PLUGIN, "--count", "many", NULL}, "--count needs a number > 0"},
        {{"run", BURST_PLUGIN, "--count", NULL}, "option '--count' needs a value"},
        {{"run", BURST_PLUGIN, "--format", "xml", NULL}, "--format is text, mof or json"},
        {{"run", BURST_PLUGIN, "--contract", "lax", NULL}, "--contract is off, record, strict or abort"},
        {{"run", BURST_PLUGIN, "--param", "novalue", NULL}, "--param needs KEY=VALUE"},
        {{"run", BURST_PLUGIN, "--param", "colour=red", NULL}, "BurstProvider takes no parameter 'colour'"},
        {{"query", NULL}, "missing the query"},
        {{"query", "SELECT * FROM A", "SELECT * FROM B", NULL}, "one query only"},
        {{"mof", NULL}, "missing the plugin"},
        {{"mof", BURST_PLUGIN, "--clsid", "1234", NULL}, "'1234' is not a GUID"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(run(&c, cases[i].args, NULL), 2);
        assert_contains(c.err, cases[i].message);
        assert_contains(c.err, "--help'");
        assert_string_equal(c.out, "");
        child_free(&c);
    }
}

static void test_plugin_errors(void **state)
{
    (void)state;
    struct child c;
    const char *missing[] = {"run", "./no/such/plugin.so", NULL};
    assert_int_equal(run(&c, missing, NULL), 1);
    assert_contains(c.err, "cannot load plugin './no/such/plugin.so': no such file");
    child_free(&c);

    /* A shared object that is not a plugin: the library itself. */
    const char *not_plugin[] = {"mof", WBEMEV_SHARED_LIBRARY, NULL};
    assert_int_equal(run(&c, not_plugin, NULL), 1);
    assert_contains(c.err, "is not a wbemev provider plugin: it does not export wbemev_module_v1");
    child_free(&c);

    /* A bad parameter value: the plugin's create function refuses it. */
    const char *bad_value[] = {"run", BURST_PLUGIN, "--param", "size=0", "--count", "1", NULL};
    assert_int_equal(run(&c, bad_value, NULL), 1);
    assert_contains(c.err, "cannot start BurstProvider: WBEM_E_INVALID_PARAMETER");
    child_free(&c);
}

/* ---- query ---- */

/* What the tool must print for an invalid query: computed from the library, so the test follows the
 * parser's messages. */
static void expect_query_error(const struct child *c, const char *query, const wbemev_query_error *err)
{
    char line[512];
    snprintf(line, sizeof line, "wbemev query: %s: %s", wbemev_status_name(err->status), err->message);
    assert_contains(c->err, line);
    if (err->column > 0) {
        char caret[512];
        snprintf(caret, sizeof caret, "\n  %s\n  %*s^\n", query, (int)(err->column - 1), "");
        assert_contains(c->err, caret);
    }
    assert_string_equal(c->out, "");
}

static void test_query_valid(void **state)
{
    (void)state;
    const char *text = "select  *  from Burst_Event where Severity>2 and Name like 'x%'";
    wbemev_query_t *q;
    assert_wbemev_ok(wbemev_query_parse(text, &q, NULL));
    char normalized[512];
    wbemev_query_format(q, normalized, sizeof normalized);
    wbemev_query_release(q);
    strcat(normalized, "\n");

    struct child c;
    const char *args[] = {"query", text, NULL};
    assert_int_equal(run(&c, args, NULL), 0);
    assert_string_equal(c.out, normalized);
    assert_string_equal(c.err, "");
    child_free(&c);

    /* The same against the plugin's classes, and from standard input. */
    const char *with_plugin[] = {"query", "--plugin", BURST_PLUGIN, text, NULL};
    assert_int_equal(run(&c, with_plugin, NULL), 0);
    assert_string_equal(c.out, normalized);
    assert_string_equal(c.err, "");
    child_free(&c);
    const char *from_stdin[] = {"query", "-P", BURST_PLUGIN, "-", NULL};
    assert_int_equal(run(&c, from_stdin, "select * from Burst_Event where Severity > 2\n"), 0);
    assert_string_equal(c.out, "SELECT * FROM Burst_Event WHERE Severity > 2\n");
    child_free(&c);
}

static void test_query_invalid_syntax(void **state)
{
    (void)state;
    const char *queries[] = {"SELECT * FORM Burst_Event", "SELECT * FROM Burst_Event WHERE (Severity > 2",
                             "SELECT FROM X", ""};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        wbemev_query_t *q = NULL;
        wbemev_query_error err;
        memset(&err, 0, sizeof err);
        assert_true(WBEMEV_FAILED(wbemev_query_parse(queries[i], &q, &err)));
        struct child c;
        const char *args[] = {"query", queries[i], NULL};
        assert_int_equal(run(&c, args, NULL), 1);
        expect_query_error(&c, queries[i], &err);
        child_free(&c);
    }
}

static void test_query_invalid_against_plugin(void **state)
{
    (void)state;
    wbemev_namespace_t *ns;
    assert_wbemev_ok(wbemev_namespace_new("root\\cimv2", &ns));
    assert_wbemev_ok(wbemev_registration_define_classes(&burst_registration, ns, false));
    const struct {
        const char *text;
        wbemev_status status;
    } cases[] = {
        {"SELECT * FROM Nope_Event", WBEMEV_E_INVALID_CLASS},
        {"SELECT * FROM Burst_Event WHERE Sevrity > 2", WBEMEV_E_INVALID_PROPERTY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wbemev_query_t *q = NULL;
        wbemev_query_error err;
        memset(&err, 0, sizeof err);
        assert_wbemev_status(wbemev_query_compile(cases[i].text, ns, &q, &err), cases[i].status);
        struct child c;
        const char *args[] = {"query", "--plugin", BURST_PLUGIN, cases[i].text, NULL};
        assert_int_equal(run(&c, args, NULL), 1);
        expect_query_error(&c, cases[i].text, &err);
        child_free(&c);
        /* Syntax only, without the plugin: valid. */
        const char *syntax_only[] = {"query", cases[i].text, NULL};
        assert_int_equal(run(&c, syntax_only, NULL), 0);
        child_free(&c);
    }
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

/* ---- mof ---- */

static void test_mof(void **state)
{
    (void)state;
    size_t len;
    assert_wbemev_ok(wbemev_mof_format_registration(&burst_registration, NULL, 0, &len));
    char *expected = malloc(len + 1);
    assert_non_null(expected);
    assert_wbemev_ok(wbemev_mof_format_registration(&burst_registration, expected, len + 1, NULL));

    struct child c;
    const char *args[] = {"mof", BURST_PLUGIN, NULL};
    assert_int_equal(run(&c, args, NULL), 0);
    assert_string_equal(c.out, expected);
    assert_contains(c.out, "instance of __Win32Provider");
    assert_contains(c.out, "instance of __EventProviderRegistration");
    assert_contains(c.out, "class Burst_Event : __ExtrinsicEvent");
    assert_string_equal(c.err, "");
    child_free(&c);
    free(expected);

    const char *clsid[] = {"mof", BURST_PLUGIN, "--clsid", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", NULL};
    assert_int_equal(run(&c, clsid, NULL), 0);
    assert_contains(c.out, "CLSID = \"{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}\";");
    child_free(&c);

    /* A plugin without a CLSID needs --clsid. */
    const char *no_clsid[] = {"mof", BAD_PLUGIN, NULL};
    assert_int_equal(run(&c, no_clsid, NULL), 1);
    assert_contains(c.err, "BadProvider has no CLSID: give one with --clsid GUID");
    child_free(&c);
    const char *given[] = {"mof", BAD_PLUGIN, "-C", "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}", NULL};
    assert_int_equal(run(&c, given, NULL), 0);
    assert_contains(c.out, "Name = \"BadProvider\";");
    child_free(&c);
}

/* ---- run ---- */

static void test_run_burst_json(void **state)
{
    (void)state;
    struct child c;
    const char *args[] = {"run", BURST_PLUGIN, "--count", "800", "--format", "json", NULL};
    assert_int_equal(run(&c, args, NULL), 0);
    assert_int_equal(count_lines(c.out), 800);
    /* In order, one JSON object per line, 64-bit integers as strings. */
    const char *line = c.out;
    for (unsigned i = 0; i < 800; i++) {
        char expected[128];
        assert_true(strncmp(line, "{\"__CLASS\":\"Burst_Event\",", 25) == 0);
        snprintf(expected, sizeof expected, "\"Sequence\":\"%u\",", i);
        const char *eol = strchr(line, '\n');
        assert_non_null(eol);
        const char *seq = strstr(line, expected);
        assert_true(seq != NULL && seq < eol);
        line = eol + 1;
    }
    assert_contains(c.err, "subscription 1: SELECT * FROM Burst_Event");
    assert_contains(c.err, "running BurstProvider (1 subscription)");
    assert_contains(c.err, "stopped: --count 800 reached");
    assert_contains(c.err, "events        800 printed");
    assert_contains(c.err, "events/s");
    assert_contains(c.err, "provider      BurstProvider: indicated");
    assert_contains(c.err, "contract      record: no violations");
    child_free(&c);
}

static void test_run_formats_and_queries(void **state)
{
    (void)state;
    struct child c;
    const char *text[] = {"run", BURST_PLUGIN, "-n", "2", NULL};
    assert_int_equal(run(&c, text, NULL), 0);
    assert_int_equal(count_lines(c.out), 2);
    assert_contains(c.out, " Burst_Event Name=\"burst\" Sequence=0 Burst=0 Severity=1\n");
    assert_contains(c.out, " Burst_Event Name=\"burst\" Sequence=1 Burst=0 Severity=1\n");
    child_free(&c);

    const char *mof[] = {"run", BURST_PLUGIN, "--count=1", "--format=mof", NULL};
    assert_int_equal(run(&c, mof, NULL), 0);
    assert_contains(c.out, "instance of Burst_Event\n{\n");
    assert_contains(c.out, "    Sequence = 0;\n");
    assert_contains(c.out, "};\n\n");
    child_free(&c);

    /* A query of our own: the dispatcher filters. Parameters reach the provider. */
    const char *filtered[] = {"run", BURST_PLUGIN, "-p", "size=10", "--query",
                              "SELECT * FROM Burst_Event WHERE Sequence >= 15", "-n", "3", "-f", "json", NULL};
    assert_int_equal(run(&c, filtered, NULL), 0);
    assert_int_equal(count_lines(c.out), 3);
    assert_true(strncmp(strstr(c.out, "\"Sequence\":"), "\"Sequence\":\"15\"", 15) == 0);
    assert_contains(c.err, "subscription 1: SELECT * FROM Burst_Event WHERE Sequence >= 15");
    child_free(&c);

    /* An invalid query shows where it is wrong. */
    const char *bad_query[] = {"run", BURST_PLUGIN, "-q", "SELECT * FROM Burst_Event WHERE Nope = 1", NULL};
    assert_int_equal(run(&c, bad_query, NULL), 1);
    assert_contains(c.err, "wbemev run: WBEM_E_INVALID_PROPERTY");
    assert_contains(c.err, "^\n");
    child_free(&c);

    /* Silent: counted, not printed. */
    const char *silent[] = {"run", BURST_PLUGIN, "--silent", "--count", "1000", NULL};
    assert_int_equal(run(&c, silent, NULL), 0);
    assert_string_equal(c.out, "");
    assert_contains(c.err, "events        1000 counted");
    child_free(&c);
}

static void test_run_seconds(void **state)
{
    (void)state;
    struct child c;
    const char *args[] = {"run", HEARTBEAT_PLUGIN, "-p", "interval_ms=50", "--seconds", "0.3", NULL};
    assert_int_equal(run(&c, args, NULL), 0);
    assert_contains(c.err, "stopped: --seconds 0.3 elapsed");
    assert_contains(c.out, " Heartbeat_Event Source=\"heartbeat\" Sequence=0 IntervalMs=50 Uptime=");
    child_free(&c);
}

static void test_run_contract(void **state)
{
    (void)state;
    struct child c;
    const char *record[] = {"run", BAD_PLUGIN, "--count", "1", NULL};
    assert_int_equal(run(&c, record, NULL), 0);
    assert_contains(c.err, "contract      record: 1 violation");
    assert_contains(c.err, "SET_STATUS_FROM_PROVIDER");
    child_free(&c);

    const char *strict[] = {"run", BAD_PLUGIN, "--count", "1", "--contract", "strict", NULL};
    assert_int_equal(run(&c, strict, NULL), 3);
    assert_contains(c.err, "contract      strict: 1 violation");
    assert_contains(c.err, "SET_STATUS_FROM_PROVIDER");
    child_free(&c);

    const char *off[] = {"run", BAD_PLUGIN, "--count", "1", "--contract", "off", NULL};
    assert_int_equal(run(&c, off, NULL), 0);
    assert_contains(c.err, "contract      off: not checked");
    child_free(&c);

    /* A sink kept without AddRef and released at stop: reported, no crash; strict exits 3. */
    const char *over[] = {"run", BAD_PLUGIN, "-p", "mistake=no_addref", "--count", "1", NULL};
    assert_int_equal(run(&c, over, NULL), 0);
    assert_contains(c.err, "SINK_OVER_RELEASED");
    assert_contains(c.err, "SINK_NOT_KEPT");
    child_free(&c);
    const char *over_strict[] = {"run", BAD_PLUGIN, "-p", "mistake=no_addref", "--count", "1", "--contract", "strict",
                                 NULL};
    assert_int_equal(run(&c, over_strict, NULL), 3);
    assert_contains(c.err, "SINK_OVER_RELEASED");
    child_free(&c);

    /* A well-behaved provider passes strict. */
    const char *good[] = {"run", BURST_PLUGIN, "--count", "400", "--contract", "strict", "-s", NULL};
    assert_int_equal(run(&c, good, NULL), 0);
    assert_contains(c.err, "contract      strict: no violations");
    child_free(&c);
}

static void test_run_interrupt(void **state)
{
    (void)state;
    struct child c;
    const char *args[] = {"run", BURST_PLUGIN, "--silent", NULL};
    child_start(&c, args, NULL);
    child_read(&c, "press Ctrl-C to stop\n");
    assert_int_equal(kill(c.pid, SIGINT), 0);
    assert_int_equal(child_finish(&c), 0);
    assert_contains(c.err, "stopped: interrupted");
    assert_contains(c.err, "contract      record: no violations");
    child_free(&c);
}

/* The file-change provider: real events from real files. */
static void test_run_filechange(void **state)
{
    (void)state;
#ifndef FILECHANGE_PLUGIN
    skip();
#else
    char dir[] = "/tmp/wbemev_test_tool_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char param[sizeof dir + 8], path[sizeof dir + 16];
    snprintf(param, sizeof param, "dir=%s", dir);
    snprintf(path, sizeof path, "%s/data.txt", dir);

    struct child c;
    const char *args[] = {"run", FILECHANGE_PLUGIN, "--param", param, "--count", "3", "--format", "json", NULL};
    child_start(&c, args, NULL);
    child_read(&c, "press Ctrl-C to stop\n"); /* the watch exists: nothing is missed from here */

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644); /* created, closed unchanged */
    assert_true(fd >= 0);
    assert_int_equal(close(fd), 0);
    fd = open(path, O_WRONLY | O_APPEND); /* written and closed: one modification */
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hello\n", 6), 6);
    assert_int_equal(write(fd, "world\n", 6), 6);
    assert_int_equal(close(fd), 0);
    assert_int_equal(unlink(path), 0); /* deleted */

    assert_int_equal(child_finish(&c), 0);
    assert_int_equal(count_lines(c.out), 3);
    const char *created = strstr(c.out, "{\"__CLASS\":\"FileCreated_Event\"");
    const char *modified = strstr(c.out, "{\"__CLASS\":\"FileModified_Event\"");
    const char *deleted = strstr(c.out, "{\"__CLASS\":\"FileDeleted_Event\"");
    assert_true(created == c.out && modified > created && deleted > modified);
    assert_contains(c.out, "\"FileName\":\"data.txt\"");
    assert_contains(c.out, "\"Action\":\"created\"");
    assert_contains(c.out, "\"Action\":\"modified\",\"IsDirectory\":false,");
    assert_contains(c.out, "\"Action\":\"deleted\",\"IsDirectory\":false,\"Size\":null}");
    /* Size is what the provider saw when it read the change: not checked (the file may be gone). */
    char json_path[sizeof path + 16];
    snprintf(json_path, sizeof json_path, "\"Path\":\"%s\"", path);
    assert_contains(c.out, json_path);
    assert_contains(c.err, "stopped: --count 3 reached");
    assert_contains(c.err, "contract      record: no violations");
    child_free(&c);

    /* Only deletions, through WQL on the subclass. */
    const char *deletions[] = {"run", FILECHANGE_PLUGIN, "-p", param, "-n", "1", "-f", "json", "-q",
                               "SELECT * FROM FileDeleted_Event", NULL};
    child_start(&c, deletions, NULL);
    child_read(&c, "press Ctrl-C to stop\n");
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    assert_int_equal(close(fd), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(child_finish(&c), 0);
    assert_int_equal(count_lines(c.out), 1);
    assert_true(strncmp(c.out, "{\"__CLASS\":\"FileDeleted_Event\"", 30) == 0);
    child_free(&c);

    /* A directory that does not exist. */
    char missing[sizeof dir + 16];
    snprintf(missing, sizeof missing, "dir=%s/nope", dir);
    const char *bad[] = {"run", FILECHANGE_PLUGIN, "-p", missing, NULL};
    assert_int_equal(run(&c, bad, NULL), 1);
    assert_contains(c.err, "cannot start FileChangeProvider: WBEM_E_NOT_FOUND");
    child_free(&c);
    assert_int_equal(rmdir(dir), 0);
#endif
}

/* ---- run --trace ---- */

/* The trace line holding `what` ("[  0.001234] " then text starting with `what`): its start, or
 * NULL. */
static const char *trace_line(const char *text, const char *what)
{
    for (const char *line = text; *line != '\0';) {
        const char *eol = strchr(line, '\n');
        size_t len = eol != NULL ? (size_t)(eol - line) : strlen(line);
        if (len > 13 && line[0] == '[' && line[11] == ']' && line[12] == ' ' && line[4] == '.' &&
            strncmp(line + 13, what, strlen(what)) == 0 && strlen(what) <= len - 13)
            return line;
        if (eol == NULL)
            break;
        line = eol + 1;
    }
    return NULL;
}

#define assert_trace(text, what)                                                                   \
    do {                                                                                           \
        if (trace_line((text), (what)) == NULL) {                                                  \
            print_error("expected a trace line \"[   s.micros] %s\" in:\n%s\n", (what), (text));   \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* Every trace line of text in time order, and how many there are. */
static size_t check_trace_times(const char *text)
{
    double last = -1.0;
    size_t n = 0;
    for (const char *line = strchr(text, '['); line != NULL; line = strstr(line + 1, "\n[")) {
        if (*line == '\n')
            line++;
        double t;
        if (sscanf(line, "[%lf]", &t) != 1)
            continue;
        assert_true(t >= last);
        last = t;
        n++;
    }
    return n;
}

static void test_run_trace(void **state)
{
    (void)state;
    struct child c;
    const char *args[] = {"run", BURST_PLUGIN, "--trace", "-p", "bursts=1", "-p", "size=5", "-n", "5", "-f", "json", NULL};
    assert_int_equal(run(&c, args, NULL), 0);
    assert_int_equal(count_lines(c.out), 5); /* events on standard output, the trace not */
    assert_null(strchr(c.out, '['));
    const char *order[] = {
        "create_provider (the plugin's) bursts=1 size=5 -> WBEM_S_NO_ERROR",
        "tracing BurstProvider (provider vtable version 1; no access_check slot: the host makes no AccessCheck call)",
        "init sink SetStatus COMPLETE WBEM_S_NO_ERROR -> WBEM_S_NO_ERROR",
        "Initialize namespace=\"root\\\\cimv2\" -> WBEM_S_NO_ERROR",
        "NewQuery id=1 \"SELECT * FROM Burst_Event\" -> WBEM_S_NO_ERROR",
        "ProvideEvents flags=0 -> WBEM_S_NO_ERROR",
        "CancelQuery id=1 -> WBEM_S_NO_ERROR",
        "Release (final: the provider stops) -> returned",
    };
    const char *prev = c.err;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *at = trace_line(prev, order[i]);
        if (at == NULL) {
            print_error("expected \"%s\" after \"%s\" in the trace:\n%s\n", order[i], i > 0 ? order[i - 1] : "the start",
                        c.err);
            fail();
        }
        prev = at;
    }
    assert_null(trace_line(c.err, "AccessCheck")); /* the provider has no access_check slot */
    assert_true(check_trace_times(c.err) >= sizeof order / sizeof order[0]);
    assert_contains(c.err, "contract      record: no violations");
    child_free(&c);

    /* Every optional slot: AccessCheck too, with the consumer's SID (none: a temporary consumer). */
    const char *scaffold[] = {"run", SCAFFOLD_PLUGIN, "--trace", "-p", "interval_ms=1", "-n", "2", NULL};
    assert_int_equal(run(&c, scaffold, NULL), 0);
    assert_trace(c.err, "tracing Acme_DiskProvider (provider vtable version 1, every optional slot)");
    assert_trace(c.err, "AccessCheck sid=none (temporary consumer) \"SELECT * FROM Acme_Disk_Event\" -> WBEM_S_NO_ERROR");
    assert_true(trace_line(c.err, "AccessCheck") < trace_line(c.err, "NewQuery id=1"));
    child_free(&c);

    /* No optional query slots: the host makes none of those calls. */
    const char *heartbeat[] = {"run", HEARTBEAT_PLUGIN, "--trace", "-p", "interval_ms=1", "-n", "1", NULL};
    assert_int_equal(run(&c, heartbeat, NULL), 0);
    assert_trace(c.err, "tracing HeartbeatProvider (provider vtable version 1; no new_query, cancel_query, "
                        "access_check slots: the host makes no NewQuery, CancelQuery, AccessCheck calls)");
    assert_null(trace_line(c.err, "NewQuery"));
    child_free(&c);
}

/* The wrapper changes nothing the checker sees: the same violation, the same exit status. */
static void test_run_trace_contract(void **state)
{
    (void)state;
    struct child c;
    const char *strict[] = {"run", BAD_PLUGIN, "--count", "1", "--contract", "strict", "--trace", NULL};
    assert_int_equal(run(&c, strict, NULL), 3);
    assert_contains(c.err, "contract      strict: 1 violation");
    assert_contains(c.err, "SET_STATUS_FROM_PROVIDER");
    assert_trace(c.err, "event sink SetStatus COMPLETE WBEM_S_NO_ERROR -> WBEM_E_INVALID_OPERATION");
    child_free(&c);

    /* --trace=FILE: the trace in the file, none on standard error. */
    char path[] = "/tmp/wbemev_test_trace_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char opt[sizeof path + 16];
    snprintf(opt, sizeof opt, "--trace=%s", path);
    const char *to_file[] = {"run", BURST_PLUGIN, opt, "-p", "bursts=1", "-p", "size=3", "-n", "3", "-s", NULL};
    assert_int_equal(run(&c, to_file, NULL), 0);
    assert_null(trace_line(c.err, "NewQuery"));
    assert_contains(c.err, "events        3 counted");
    child_free(&c);
    char *trace = read_file(path);
    assert_non_null(trace);
    assert_trace(trace, "NewQuery id=1 \"SELECT * FROM Burst_Event\" -> WBEM_S_NO_ERROR");
    assert_trace(trace, "Release (final: the provider stops) -> returned");
    free(trace);
    assert_int_equal(unlink(path), 0);

    const char *unwritable[] = {"run", BURST_PLUGIN, "--trace=/nonexistent/trace.txt", NULL};
    assert_int_equal(run(&c, unwritable, NULL), 1);
    assert_contains(c.err, "cannot open the trace file '/nonexistent/trace.txt': No such file or directory");
    child_free(&c);
    const char *empty[] = {"run", BURST_PLUGIN, "--trace=", NULL};
    assert_int_equal(run(&c, empty, NULL), 2);
    assert_contains(c.err, "--trace=FILE needs a file name");
    child_free(&c);
}

/* ---- run --interactive ---- */

/* The number before `what` in the stats line "  indicate ...": e.g. "with no subscription left". */
static unsigned long long stats_number_before(const char *text, size_t from, const char *what)
{
    const char *line = strstr(text + from, "  indicate      ");
    assert_non_null(line);
    const char *at = strstr(line, what);
    assert_non_null(at);
    while (at > line && at[-1] == ' ')
        at--;
    while (at > line && at[-1] >= '0' && at[-1] <= '9')
        at--;
    return strtoull(at, NULL, 10);
}

/* Trace lines are matched without their end: a call of a millisecond or more adds ", took N ms". */
static void test_run_interactive(void **state)
{
    (void)state;
    struct child c;
    /* This provider polls until stopped: it takes CancelQuery and ignores it. */
    const char *args[] = {"run", BAD_PLUGIN, "--interactive", "--trace", "--silent", "-p", "mistake=polls", NULL};
    child_start_interactive(&c, args);
    size_t at = 0;
    child_expect(&c, true, &at, "] NewQuery id=1 \"SELECT * FROM Bad_Event\" -> WBEM_S_NO_ERROR");
    child_expect(&c, true, &at, "commands on standard input ('help' lists them)");

    child_send(&c, "subscribe SELECT * FROM Bad_Event WHERE Sequence > 2\n");
    child_expect(&c, true, &at, "] NewQuery id=2 \"SELECT * FROM Bad_Event WHERE Sequence > 2\" -> WBEM_S_NO_ERROR");
    child_expect(&c, true, &at, "wbemev run: subscription 2: SELECT * FROM Bad_Event WHERE Sequence > 2\n");

    child_send(&c, "list\n");
    child_expect(&c, true, &at,
                 "wbemev run: 2 subscriptions, 2 live:\n"
                 "  1     live      SELECT * FROM Bad_Event\n"
                 "  2     live      SELECT * FROM Bad_Event WHERE Sequence > 2\n");

    child_send(&c, "cancel 1\n");
    child_expect(&c, true, &at, "] CancelQuery id=1 -> WBEM_S_NO_ERROR");
    child_expect(&c, true, &at, "wbemev run: cancelled subscription 1: SELECT * FROM Bad_Event\n");

    child_send(&c, "stats\n");
    child_expect(&c, true, &at, "wbemev run: stats at ");
    size_t stats = at;
    child_expect(&c, true, &at, "  subscription  1 (cancelled): delivered ");
    child_expect(&c, true, &at, "  subscription  2: delivered ");
    child_expect(&c, true, &at, "  provider      BadProvider: indicated ");
    child_expect(&c, true, &at, "  indicate      ");
    child_expect(&c, true, &at, "with no subscription left");
    assert_int_equal(stats_number_before(c.err, stats, "with no subscription left"), 0);

    /* The last one goes: the provider keeps indicating, and that shows. */
    child_send(&c, "cancel 2\n");
    child_expect(&c, true, &at, "] CancelQuery id=2 -> WBEM_S_NO_ERROR");
    child_expect(&c, true, &at,
                 "wbemev run: cancelled subscription 2: SELECT * FROM Bad_Event WHERE Sequence > 2 (no subscription "
                 "left)\n");
    child_expect(&c, true, &at, "] Indicate 1 object with no subscription left -> WBEM_S_NO_ERROR");
    child_send(&c, "stats\n");
    child_expect(&c, true, &at, "wbemev run: stats at ");
    stats = at;
    child_expect(&c, true, &at, "  subscription  2 (cancelled): delivered ");
    child_expect(&c, true, &at, "with no subscription left");
    assert_true(stats_number_before(c.err, stats, "with no subscription left") >= 1);

    child_send(&c, "report\n");
    child_expect(&c, true, &at, "wbemev run: report:\n  contract      record: no violations\n");
    child_send(&c, "cancel 9\ncancel two\nbogus\nlist everything\n");
    child_expect(&c, true, &at, "wbemev run: no subscription 9 (see 'list')\n");
    child_expect(&c, true, &at, "wbemev run: cancel needs a subscription id (see 'list'), not 'two'\n");
    child_expect(&c, true, &at, "wbemev run: unknown command 'bogus'");
    child_expect(&c, true, &at, "wbemev run: list takes no argument\n");

    child_send(&c, "quit\n");
    assert_int_equal(child_finish(&c), 0);
    child_expect(&c, true, &at, "] Release (final: the provider stops) -> returned"); /* ", took N ms" may follow */
    child_expect(&c, true, &at, "wbemev run: stopped: quit\n");
    child_expect(&c, true, &at, " with no subscription left\n");
    child_expect(&c, true, &at, "  subscription  1 (cancelled): delivered ");
    child_expect(&c, true, &at, "  subscription  2 (cancelled): delivered ");
    child_expect(&c, true, &at, "  contract      record: no violations\n");
    assert_string_equal(c.out, "");
    child_free(&c);
}

/* Events keep flowing while commands are read; a bad query is shown and the run goes on; the end
 * of input stops it. */
static void test_run_interactive_events(void **state)
{
    (void)state;
    struct child c;
    const char *args[] = {"run", HEARTBEAT_PLUGIN, "-i", "-p", "interval_ms=2", "-f", "json", NULL};
    child_start_interactive(&c, args);
    size_t at = 0, out = 0;
    child_expect(&c, true, &at, "commands on standard input");
    child_expect(&c, false, &out, "\"Sequence\":\"1\"");
    child_send(&c, "help\n");
    child_expect(&c, true, &at, "  subscribe WQL   subscribe with the query");
    child_send(&c, "subscribe SELECT * FROM Heartbeat_Event WHERE Sequnce > 3\n");
    child_expect(&c, true, &at, "wbemev run: WBEM_E_INVALID_PROPERTY: ");
    child_expect(&c, true, &at, "\n  SELECT * FROM Heartbeat_Event WHERE Sequnce > 3\n");
    child_expect(&c, true, &at, "^\n");
    child_send(&c, "subscribe\n");
    child_expect(&c, true, &at, "wbemev run: subscribe needs a WQL query");
    child_send(&c, "  # a comment, then a blank line\n\n");
    child_send(&c, "SUBSCRIBE SELECT * FROM Heartbeat_Event WHERE Sequence >= 5\n");
    child_expect(&c, true, &at, "wbemev run: subscription 2: SELECT * FROM Heartbeat_Event WHERE Sequence >= 5\n");
    child_send(&c, "list"); /* its newline never comes: the end of input runs it */
    child_close_input(&c);
    assert_int_equal(child_finish(&c), 0);
    child_expect(&c, true, &at, "wbemev run: 2 subscriptions, 2 live:\n");
    child_expect(&c, true, &at, "wbemev run: stopped: end of input\n");
    child_expect(&c, true, &at, "  subscription  2: delivered ");
    assert_null(strstr(c.err, "(cancelled)"));
    assert_null(strstr(c.err, "with no subscription left"));
    assert_true(count_lines(c.out) >= 2);
    child_free(&c);
}

/* --sid: AccessCheck sees the SID, parsed into Windows' layout and shown back in text form. */
static void test_run_sid(void **state)
{
    (void)state;
    const struct {
        const char *sid, *shown;
    } sids[] = {
        {"S-1-5-21-1004336348-1177238915-682003330-1001", "S-1-5-21-1004336348-1177238915-682003330-1001"},
        {"s-1-5-18", "S-1-5-18"},
        {"S-1-0x123456789ABC-7", "S-1-0x123456789ABC-7"},
        {"S-1-16", "S-1-16"},
        {"S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15", "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15"},
    };
    struct child c;
    for (size_t i = 0; i < sizeof sids / sizeof sids[0]; i++) {
        const char *args[] = {"run", SCAFFOLD_PLUGIN, "--trace", "--sid", sids[i].sid, "-p", "interval_ms=1", "-n", "1", NULL};
        assert_int_equal(run(&c, args, NULL), 0);
        char line[256];
        snprintf(line, sizeof line, "AccessCheck sid=%s \"SELECT * FROM Acme_Disk_Event\" -> WBEM_S_NO_ERROR",
                 sids[i].shown);
        assert_trace(c.err, line);
        child_free(&c);
    }
    const char *bad[] = {"S-1", "S-2-5-18", "S-1-5-", "S-1-5-x", "X-1-5-18", "S-1-5-4294967296",
                         "S-1-0x1000000000000-1", "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *args[] = {"run", SCAFFOLD_PLUGIN, "--sid", bad[i], NULL};
        assert_int_equal(run(&c, args, NULL), 2);
        assert_contains(c.err, "--sid needs a SID such as S-1-5-21-");
        child_free(&c);
    }
}

/* ---- new ---- */

static const char *const project_files[] = {
    "CMakeLists.txt", "README.md", ".gitignore", "acme_disk_provider.h", "acme_disk_provider.c",
    "acme_disk_thread.h", "acme_disk_plugin.c", "test_acme_disk.c", "acme_disk_dll.c", "acme_disk_mof.c",
    "acme_disk.mof",
};
#define PROJECT_FILES (sizeof project_files / sizeof project_files[0])

static char *project_path(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 16;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/acme_disk/%s", dir, file);
    return p;
}

/* True when text holds "@KEY@" (an upper-case placeholder the scaffold left). */
static bool has_placeholder(const char *text)
{
    for (const char *at = strchr(text, '@'); at != NULL; at = strchr(at + 1, '@')) {
        const char *p = at + 1;
        while ((*p >= 'A' && *p <= 'Z') || *p == '_')
            p++;
        if (p > at + 1 && *p == '@')
            return true;
    }
    return false;
}

static void remove_project(const char *dir)
{
    for (size_t i = 0; i < PROJECT_FILES; i++) {
        char *p = project_path(dir, project_files[i]);
        unlink(p);
        free(p);
    }
    char *d = project_path(dir, "");
    rmdir(d);
    free(d);
}

static void test_new_project(void **state)
{
    (void)state;
    char dir[] = "/tmp/wbemev_test_new_XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct child c;
    const char *args[] = {"new", "Acme_Disk", "-C", dir, NULL};
    assert_int_equal(run(&c, args, NULL), 0);
    char created[256];
    snprintf(created, sizeof created, "Created %s/acme_disk: provider Acme_DiskProvider, class Acme_Disk_Event, CLSID {",
             dir);
    assert_contains(c.out, created);
    assert_contains(c.out, "cmake -S . -B build -DCMAKE_PREFIX_PATH=");
    assert_contains(c.out, "wbemev run ./build/libacme_disk.so");
    assert_string_equal(c.err, "");
    char clsid[40] = "";
    const char *brace = strstr(c.out, "CLSID {");
    assert_non_null(brace);
    memcpy(clsid, brace + 6, 38);
    child_free(&c);

    /* Every file, no placeholder left; the provider carries the names and the CLSID. */
    char *texts[PROJECT_FILES];
    for (size_t i = 0; i < PROJECT_FILES; i++) {
        char *p = project_path(dir, project_files[i]);
        texts[i] = read_file(p);
        if (texts[i] == NULL)
            fail_msg("wbemev new wrote no %s", p);
        free(p);
        if (has_placeholder(texts[i]))
            fail_msg("a placeholder is left in %s:\n%s", project_files[i], texts[i]);
    }
    const char *provider_c = texts[4], *mof = texts[10]; /* the MOF carries the names and the CLSID */
    assert_contains(mof, "Name = \"Acme_DiskProvider\";");
    assert_contains(mof, "class Acme_Disk_Event : __ExtrinsicEvent");
    char clsid_line[64];
    snprintf(clsid_line, sizeof clsid_line, "CLSID = \"%s\";", clsid);
    assert_contains(mof, clsid_line);
    assert_true(clsid[0] == '{' && clsid[37] == '}' && clsid[15] == '4'); /* a version-4 GUID */
    assert_contains(texts[3], "#define ACME_DISK_EVENT_CLASS ACME_DISK_EVENT_CLASS_NAME");
    assert_contains(provider_c, "acme_disk_event_put_sequence(&me->mof, ev, sequence)");
    assert_contains(texts[0], "wbemev_generate(acme_disk_provider MOF acme_disk.mof PREFIX acme_disk)");
    assert_contains(texts[0], "find_package(wbemev " );
    assert_contains(texts[0], "add_library(acme_disk MODULE acme_disk_plugin.c acme_disk_provider.c)");
    assert_contains(texts[0], "wbemev::testkit");
    assert_contains(texts[0], "wbemev::win");
    assert_contains(texts[6], "WBEMEV_MODULE(&acme_disk_registration");
    assert_contains(texts[8], "WBEMEV_WIN_PLUGIN_DLL_EXPORTS(wbemev_module_v1)"); /* the plugin, with its parameters */

    /* It never overwrites: the project is left as it was. */
    assert_int_equal(run(&c, args, NULL), 1);
    assert_contains(c.err, "already exists: not overwriting it");
    assert_string_equal(c.out, "");
    child_free(&c);
    char *p = project_path(dir, "acme_disk_provider.c");
    char *again = read_file(p);
    free(p);
    assert_non_null(again);
    assert_string_equal(again, provider_c);
    free(again);
    for (size_t i = 0; i < PROJECT_FILES; i++)
        free(texts[i]);
    remove_project(dir);

    /* A CLSID of our own, quietly; a new random one differs from the first. */
    const char *given[] = {"new", "--quiet", "Acme_Disk", "--clsid", "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0", "-C",
                           dir, NULL};
    assert_int_equal(run(&c, given, NULL), 0);
    assert_string_equal(c.out, "");
    child_free(&c);
    p = project_path(dir, "acme_disk.mof");
    char *text = read_file(p);
    free(p);
    assert_non_null(text);
    assert_contains(text, "CLSID = \"{0F1E2D3C-4B5A-4978-8796-A5B4C3D2E1F0}\";");
    free(text);
    remove_project(dir);
    const char *fresh[] = {"new", "-q", "Acme_Disk", "-C", dir, NULL};
    assert_int_equal(run(&c, fresh, NULL), 0);
    child_free(&c);
    p = project_path(dir, "acme_disk.mof");
    text = read_file(p);
    free(p);
    assert_non_null(text);
    assert_null(strstr(text, clsid));
    free(text);
    remove_project(dir);
    assert_int_equal(rmdir(dir), 0);
}

static void test_new_refuses(void **state)
{
    (void)state;
    const struct {
        const char *name;
        const char *message;
    } bad[] = {
        {"9lives", "'9lives' must start with a letter"},
        {"_Acme", "'_Acme' must start with a letter"},
        {"Acme-Disk", "'Acme-Disk' is not a C identifier: '-' at position 5"},
        {"Acme Disk", "'Acme Disk' is not a C identifier: ' ' at position 5"},
        {"Acme\xc3\xa9", "byte 0xC3 at position 5 (ASCII only)"},
        {"Acme__Disk", "has two underscores in a row"},
        {"Acme_", "'Acme_' ends with an underscore"},
        {"WbemEv_Disk", "starts with 'wbemev'"},
        {"Test", "'Test' is a name CMake or Windows reserves ('test')"},
        {"con", "reserves"},
        {"LPT1", "'LPT1' is a file name Windows reserves"},
        {"", "the name is empty"},
        {"A123456789012345678901234567890123456789012345678901234567890123456789", "longer than 64 characters"},
    };
    struct child c;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *args[] = {"new", bad[i].name, "-C", "/nonexistent", NULL};
        assert_int_equal(run(&c, args, NULL), 2);
        assert_contains(c.err, bad[i].message);
        assert_contains(c.err, "Try 'wbemev new --help'.");
        assert_string_equal(c.out, "");
        child_free(&c);
    }
    const struct {
        const char *args[6];
        const char *message;
    } usage[] = {
        {{"new", NULL}, "missing the provider's name"},
        {{"new", "A", "B", NULL}, "one name only ('A' and 'B')"},
        {{"new", "Acme", "--clsid", "1234", NULL}, "'1234' is not a GUID"},
        {{"new", "Acme", "-C", NULL}, "option '--directory' needs a value"},
    };
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        assert_int_equal(run(&c, usage[i].args, NULL), 2);
        assert_contains(c.err, usage[i].message);
        child_free(&c);
    }
    /* A directory that cannot be made. */
    const char *nowhere[] = {"new", "Acme_Disk", "-C", "/nonexistent/dir", NULL};
    assert_int_equal(run(&c, nowhere, NULL), 1);
    assert_contains(c.err, "cannot create '/nonexistent/dir/acme_disk': No such file or directory");
    child_free(&c);
}

/* ---- stopping on the first signal, whatever the plugin does ---- */

static void test_run_hang_stops_on_first_signal(void **state)
{
    (void)state;
    static const struct {
        const char *mistake, *ready, *hung;
    } hangs[] = {
        {"mistake=hang_create", "bad_plugin: hanging in create_provider\n", "BadProvider's create_provider"},
        {"mistake=hang_initialize", "bad_plugin: hanging in Initialize\n", "BadProvider's Initialize"},
        {"mistake=hang_provide", "bad_plugin: hanging in ProvideEvents\n", "BadProvider's ProvideEvents"},
        {"mistake=hang_release", "press Ctrl-C to stop\n", "BadProvider's final Release"},
    };
    for (size_t i = 0; i < sizeof hangs / sizeof hangs[0]; i++) {
        struct child c;
        const char *args[] = {"run", BAD_PLUGIN, "-p", hangs[i].mistake, "--silent", NULL};
        child_start(&c, args, NULL);
        child_read(&c, hangs[i].ready); /* inside the call that will not return (or about to stop) */
        assert_int_equal(kill(c.pid, SIGTERM), 0); /* one signal only */
        assert_int_equal(child_finish(&c), 4);
        assert_contains(c.err, "stopped: terminated (SIGTERM), but the plugin did not return from ");
        assert_contains(c.err, hangs[i].hung);
        assert_contains(c.err, "(exit status 4)\n");
        child_free(&c);
    }
}

/* ---- exact output: whole events, counts that add up ---- */

/* The summary's event counts, which must add up: printed + dropped + failed + not printed =
 * received. Returns the printed (or counted) ones. */
static unsigned long long assert_counts_add_up(const char *err)
{
    const char *line = strstr(err, "  events        ");
    assert_non_null(line);
    unsigned long long printed, received, dropped, failed, not_printed;
    assert_int_equal(sscanf(line, "  events        %llu %*s %llu received, %llu dropped", &printed, &received, &dropped),
                     3);
    char *end;
    const char *at = strstr(strstr(line, " dropped"), ", ");
    assert_non_null(at);
    failed = strtoull(at + 2, &end, 10);
    assert_int_equal(strncmp(end, " failed", 7), 0);
    assert_non_null(at = strstr(end, ", "));
    not_printed = strtoull(at + 2, &end, 10);
    assert_int_equal(strncmp(end, " not printed", 12), 0);
    if (printed + dropped + failed + not_printed != received) {
        print_error("the counts do not add up: %.200s\n", line);
        fail();
    }
    return printed;
}

/* Each line of out is one whole JSON object. */
static size_t assert_whole_json_lines(const char *out)
{
    size_t lines = 0;
    for (const char *p = out; *p != '\0'; lines++) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl); /* no partial last line */
        assert_true(p[0] == '{' && nl[-1] == '}');
        p = nl + 1;
    }
    return lines;
}

static void test_run_output_closed_early(void **state)
{
    (void)state;
    struct child c;
    const char *args[] = {"run", BURST_PLUGIN, "--count", "5000", "--format", "json", NULL};
    child_start(&c, args, NULL);
    /* `| head -1`: read one line, then close the pipe. */
    while (strchr(c.out, '\n') == NULL) {
        char buf[4096];
        ssize_t got = read(c.out_fd, buf, sizeof buf);
        assert_true(got > 0);
        append(&c.out, &c.out_len, buf, (size_t)got);
    }
    close(c.out_fd);
    c.out_fd = -1;
    assert_int_equal(child_finish(&c), 0); /* a closed pipe is how `head` ends a run */
    assert_counts_add_up(c.err); /* a chunk written in part counts as not printed */
    child_free(&c);
}

static void test_run_output_error(void **state)
{
    (void)state;
    struct child c;
    const char *args[] = {"run", BURST_PLUGIN, "--count", "64", "--format", "json", NULL};
    spawn_stdout = "/dev/full";
    child_start(&c, args, NULL);
    spawn_stdout = NULL;
    assert_int_equal(child_finish(&c), 1);
    assert_contains(c.err, "cannot write the events: No space left on device");
    assert_int_equal(assert_counts_add_up(c.err), 0);
    child_free(&c);
}

static void test_run_format_failure(void **state)
{
    (void)state;
    struct child c;
    const char *args[] = {"run", BAD_PLUGIN, "-p", "mistake=deep", "--count", "6", "--format", "json", NULL};
    assert_int_equal(run(&c, args, NULL), 1);
    assert_int_equal(assert_whole_json_lines(c.out), 6); /* the deep ones left nothing behind */
    assert_contains(c.err, "cannot format a Bad_Deep_Event event (not printed)");
    assert_contains(c.err, "failed (could not be formatted)");
    assert_int_equal(assert_counts_add_up(c.err), 6);
    child_free(&c);
    const char *text[] = {"run", BAD_PLUGIN, "-p", "mistake=deep", "--count", "3", NULL};
    assert_int_equal(run(&c, text, NULL), 1);
    for (const char *p = c.out; *p != '\0'; p = strchr(p, '\n') + 1) {
        assert_non_null(strchr(p, '\n'));
        assert_null(strstr(p, "Bad_Deep_Event")); /* whole events or nothing */
    }
    assert_int_equal(assert_counts_add_up(c.err), 3);
    child_free(&c);
}

static void test_query_stdin_limits(void **state)
{
    (void)state;
    struct child c;
    const char *args[] = {"query", "-", NULL};
    size_t len = 17000;
    char *query = malloc(len + 2);
    assert_non_null(query);
    memset(query, 'x', len);
    memcpy(query, "SELECT * FROM __InstanceCreationEvent WHERE Name = '", 52);
    query[len - 1] = '\'';
    query[len] = '\n';
    query[len + 1] = '\0';
    assert_int_equal(run(&c, args, query), 1);
    assert_contains(c.err, "the query on standard input is longer than 16384 characters");
    child_free(&c);
    free(query);

    /* A NUL byte: an error, not a query cut short. */
    static const char nul[] = "SELECT * FROM __InstanceCreationEvent\0 WHERE nothing";
    child_start_interactive(&c, args);
    assert_int_equal(write(c.in_fd, nul, sizeof nul - 1), (ssize_t)(sizeof nul - 1));
    assert_int_equal(child_finish(&c), 1);
    assert_contains(c.err, "holds a NUL byte (at offset 37)");
    child_free(&c);
}

/* No raw ESC or BEL from what the user or the plugin gave reaches the terminal. */
static void assert_no_control_bytes(const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\033' || *p == '\007') {
            print_error("a raw control byte in:\n%s\n", text);
            fail();
        }
    }
}

static void test_tool_escapes_user_text(void **state)
{
    (void)state;
    struct child c;
    const char *bad_query[] = {"query", "SELECT \033[31m * FROM X", NULL};
    assert_int_equal(run(&c, bad_query, NULL), 1);
    assert_no_control_bytes(c.err);
    assert_contains(c.err, "SELECT \\u001b[31m * FROM X");
    child_free(&c);

    const char *bad_plugin[] = {"run", "./no\033]0;owned\007.so", NULL};
    assert_int_equal(run(&c, bad_plugin, NULL), 1);
    assert_no_control_bytes(c.err);
    assert_contains(c.err, "\\u001b]0;owned\\u0007");
    child_free(&c);

    const char *bad_param[] = {"run", BURST_PLUGIN, "-p", "\033[2J=1", NULL};
    assert_int_equal(run(&c, bad_param, NULL), 2);
    assert_no_control_bytes(c.err);
    child_free(&c);

    const char *echoed[] = {"run", BURST_PLUGIN, "-q", "SELECT * FROM Burst_Event WHERE Name <> '\007\033[1m'",
                            "--count", "1", "-s", NULL};
    assert_int_equal(run(&c, echoed, NULL), 0);
    assert_no_control_bytes(c.err);
    assert_contains(c.err, "subscription 1: SELECT * FROM Burst_Event WHERE Name <> '\\u0007\\u001b[1m'\n");
    child_free(&c);
    /* And in the trace of the calls (the query NewQuery gets). */
    const char *traced[] = {"run", BURST_PLUGIN, "--trace", "-q", "SELECT * FROM Burst_Event WHERE Name <> '\033'",
                            "--count", "1", "-s", NULL};
    assert_int_equal(run(&c, traced, NULL), 0);
    assert_no_control_bytes(c.err);
    child_free(&c);
}

/* ---- gen, mof check, --mof ---- */

#ifndef GEN_MOF_DIR
#error "the build names tests/gen"
#endif
#define BURST_MOF GEN_MOF_DIR "/../../examples/burst.mof"

/* True when `text` holds "NAME:LINE:COLUMN: " with both numbers > 0. */
static bool has_position(const char *text, const char *name)
{
    for (const char *at = strstr(text, name); at != NULL; at = strstr(at + 1, name)) {
        unsigned line = 0, column = 0;
        char colon = 0;
        if (sscanf(at + strlen(name), ":%u:%u%c", &line, &column, &colon) == 3 && line > 0 && column > 0 &&
            colon == ':')
            return true;
    }
    return false;
}

static bool file_exists(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    return stat(path, &st) == 0;
}

static void remove_in(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static void test_gen(void **state)
{
    (void)state;
    char dir[] = "/tmp/wbemev_test_gen_XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct child c;

    /* Defaults: PREFIX from the file name, PREFIX_mof.h and PREFIX_mof.c. */
    const char *args[] = {"gen", GEN_MOF_DIR "/all_types.mof", "-o", dir, NULL};
    assert_int_equal(run(&c, args, NULL), 0);
    assert_string_equal(c.err, "");
    child_free(&c);
    assert_true(file_exists(dir, "all_types_mof.h"));
    assert_true(file_exists(dir, "all_types_mof.c"));
    char path[512];
    snprintf(path, sizeof path, "%s/all_types_mof.h", dir);
    char *header = read_file(path);
    assert_contains(header, "all_types_mof.h: generated by `wbemev gen` from all_types.mof.");
    assert_contains(header, "static inline wbemev_status gen_event_put_s32(const all_types_handles *h, "
                            "wbemev_object_t *obj, int32_t x)");
    assert_contains(header, "wbemev_prop_handle default_;"); /* a C keyword as a member */
    free(header);
    remove_in(dir, "all_types_mof.h");
    remove_in(dir, "all_types_mof.c");

    /* Named files and prefix. */
    const char *named[] = {"gen", BURST_MOF, "-o", dir, "--prefix", "bx", "--header", "b.h", "--source", "b.c", NULL};
    assert_int_equal(run(&c, named, NULL), 0);
    child_free(&c);
    snprintf(path, sizeof path, "%s/b.c", dir);
    char *source = read_file(path);
    assert_contains(source, "#include \"b.h\"");
    assert_contains(source, "const wbemev_registration bx_registration = {");
    assert_contains(source, "\"{3ACC121C-25FA-4926-A131-D77F9BF4DC25}\"");
    free(source);
    remove_in(dir, "b.h");
    remove_in(dir, "b.c");

    /* A MOF error: FILE:LINE:COLUMN, the line and a caret; exit 1; nothing written. */
    const char *bad[] = {"gen", GEN_MOF_DIR "/bad_syntax.mof", "-o", dir, NULL};
    assert_int_equal(run(&c, bad, NULL), 1);
    if (!has_position(c.err, "bad_syntax.mof")) {
        print_error("no bad_syntax.mof:LINE:COLUMN in:\n%s\n", c.err);
        fail();
    }
    assert_contains(c.err, "^");
    assert_string_equal(c.out, "");
    child_free(&c);
    assert_false(file_exists(dir, "bad_syntax_mof.h"));

    /* Two MOF names, one C name: both named, exit 1, nothing written. */
    const char *clash[] = {"gen", GEN_MOF_DIR "/collision.mof", "-o", dir, NULL};
    assert_int_equal(run(&c, clash, NULL), 1);
    assert_contains(c.err, "collision.mof:5: property 'Clash_Event.Item_Count' gives the C name "
                           "'clash_event_put_item_count', which property 'Clash_Event.ItemCount' already has");
    child_free(&c);
    assert_false(file_exists(dir, "collision_mof.h"));

    /* A missing file, a directory that is not there. */
    const char *missing[] = {"gen", GEN_MOF_DIR "/no_such.mof", "-o", dir, NULL};
    assert_int_equal(run(&c, missing, NULL), 1);
    assert_contains(c.err, "no_such.mof");
    child_free(&c);
    const char *nowhere[] = {"gen", BURST_MOF, "-o", "/nonexistent/dir", NULL};
    assert_int_equal(run(&c, nowhere, NULL), 1);
    assert_contains(c.err, "wbemev gen: cannot write /nonexistent/dir/burst_mof.h: No such file or directory");
    child_free(&c);

    /* Usage errors: exit 2. */
    const struct {
        const char *args[8];
        const char *message;
    } usage[] = {
        {{"gen", NULL}, "missing the MOF file"},
        {{"gen", BURST_MOF, BURST_MOF, NULL}, "one MOF file only"},
        {{"gen", BURST_MOF, "--prefix", "Bad-Name", NULL}, "--prefix needs a lower-case C identifier"},
        {{"gen", BURST_MOF, "--prefix", "int", NULL}, "--prefix needs a lower-case C identifier"},
        {{"gen", BURST_MOF, "--header", "a/b.h", NULL}, "--header needs a file name without a directory"},
        {{"gen", BURST_MOF, "--bogus", NULL}, "unknown option '--bogus'"},
    };
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        assert_int_equal(run(&c, usage[i].args, NULL), 2);
        assert_contains(c.err, usage[i].message);
        child_free(&c);
    }
    const char *help[] = {"help", "gen", NULL};
    assert_int_equal(run(&c, help, NULL), 0);
    assert_contains(c.out, "usage: wbemev gen FILE.mof");
    child_free(&c);
    assert_int_equal(rmdir(dir), 0);
}

static void test_mof_check(void **state)
{
    (void)state;
    struct child c;
    const char *args[] = {"mof", "check", BURST_MOF, GEN_MOF_DIR "/all_types.mof", NULL};
    assert_int_equal(run(&c, args, NULL), 0);
    assert_contains(c.out, "burst.mof: 1 class, 2 instances, 0 qualifier declarations\n");
    assert_contains(c.out, "  provider BurstProvider {3ACC121C-25FA-4926-A131-D77F9BF4DC25}");
    assert_contains(c.out, "    SELECT * FROM Burst_Event\n");
    assert_contains(c.out, "all_types.mof: 4 classes, 2 instances, 0 qualifier declarations\n");
    assert_string_equal(c.err, "");
    child_free(&c);

    /* A bad file among good ones: its diagnostic, the others still checked, exit 1. */
    const char *mixed[] = {"mof", "check", GEN_MOF_DIR "/bad_syntax.mof", GEN_MOF_DIR "/classes_only.mof", NULL};
    assert_int_equal(run(&c, mixed, NULL), 1);
    assert_true(has_position(c.err, "bad_syntax.mof"));
    assert_contains(c.out, "classes_only.mof: 1 class, 0 instances, 0 qualifier declarations\n");
    assert_true(strstr(c.out, "provider") == NULL); /* no registration there */
    child_free(&c);

    const char *none[] = {"mof", "check", NULL};
    assert_int_equal(run(&c, none, NULL), 2);
    assert_contains(c.err, "missing the MOF file");
    child_free(&c);
}

/* --mof defines classes before the plugin's own: classes_only.mof's Burst_Event has Extra. */
static void test_query_and_run_with_mof(void **state)
{
    (void)state;
    struct child c;
    const char *query = "SELECT * FROM Burst_Event WHERE Extra = 'x'";
    const char *plugin_only[] = {"query", "--plugin", BURST_PLUGIN, query, NULL};
    assert_int_equal(run(&c, plugin_only, NULL), 1);
    assert_contains(c.err, "Extra");
    child_free(&c);
    const char *with_mof[] = {"query", "--plugin", BURST_PLUGIN, "--mof", GEN_MOF_DIR "/classes_only.mof", query, NULL};
    assert_int_equal(run(&c, with_mof, NULL), 0);
    assert_string_equal(c.out, "SELECT * FROM Burst_Event WHERE Extra = \"x\"\n"); /* normalized */
    child_free(&c);
    const char *mof_only[] = {"query", "-M", GEN_MOF_DIR "/classes_only.mof", "SELECT * FROM Burst_Event WHERE Nope = 1",
                              NULL};
    assert_int_equal(run(&c, mof_only, NULL), 1); /* classes checked without a plugin */
    assert_contains(c.err, "Nope");
    child_free(&c);
    const char *bad_mof[] = {"query", "--mof", GEN_MOF_DIR "/bad_syntax.mof", query, NULL};
    assert_int_equal(run(&c, bad_mof, NULL), 1);
    assert_true(has_position(c.err, "bad_syntax.mof"));
    child_free(&c);

    const char *run_args[] = {"run", BURST_PLUGIN, "--mof", GEN_MOF_DIR "/classes_only.mof", "--query",
                              "SELECT * FROM Burst_Event WHERE Extra IS NULL", "--count", "5", "--format", "json",
                              "--no-progress", NULL};
    assert_int_equal(run(&c, run_args, NULL), 0);
    assert_int_equal(count_lines(c.out), 5);
    child_free(&c);
    const char *run_bad[] = {"run", BURST_PLUGIN, "--mof", GEN_MOF_DIR "/bad_syntax.mof", "--count", "5", NULL};
    assert_int_equal(run(&c, run_bad, NULL), 1);
    assert_true(has_position(c.err, "bad_syntax.mof"));
    child_free(&c);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_help),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_plugin_errors),
        cmocka_unit_test(test_query_valid),
        cmocka_unit_test(test_query_invalid_syntax),
        cmocka_unit_test(test_query_invalid_against_plugin),
        cmocka_unit_test(test_mof),
        cmocka_unit_test(test_run_burst_json),
        cmocka_unit_test(test_run_formats_and_queries),
        cmocka_unit_test(test_run_seconds),
        cmocka_unit_test(test_run_contract),
        cmocka_unit_test(test_run_interrupt),
        cmocka_unit_test(test_run_filechange),
        cmocka_unit_test(test_run_trace),
        cmocka_unit_test(test_run_trace_contract),
        cmocka_unit_test(test_run_interactive),
        cmocka_unit_test(test_run_interactive_events),
        cmocka_unit_test(test_run_sid),
        cmocka_unit_test(test_new_project),
        cmocka_unit_test(test_new_refuses),
        cmocka_unit_test(test_run_hang_stops_on_first_signal),
        cmocka_unit_test(test_run_output_closed_early),
        cmocka_unit_test(test_run_output_error),
        cmocka_unit_test(test_run_format_failure),
        cmocka_unit_test(test_query_stdin_limits),
        cmocka_unit_test(test_tool_escapes_user_text),
        cmocka_unit_test(test_gen),
        cmocka_unit_test(test_mof_check),
        cmocka_unit_test(test_query_and_run_with_mof),
    };
    return cmocka_run_group_tests_name("tool", tests, NULL, NULL);
}
