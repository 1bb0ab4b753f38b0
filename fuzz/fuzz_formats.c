/*
 * fuzz/fuzz_formats.c: libFuzzer target for the text formats.
 *
 * The first byte chooses the mode:
 *  - datetime (even): the rest is DMTF text for wbemev_datetime_parse. A parsed value validates,
 *    formats, and the text parses back to the same value (format is a fixed point);
 *    timestamps convert to FILETIME ticks and back to the same instant.
 *  - values (odd): an instance of a class with every CIM type is filled with values built from
 *    the input (invalid UTF-8, NaN, huge numbers, arrays, nested objects), frozen, then written
 *    as MOF instance text and JSON. The buffer forms agree with the writer forms on the length,
 *    MOF text is printable ASCII, JSON is valid UTF-8 (ASCII with WBEMEV_FORMAT_ASCII), a buffer
 *    one byte short gives WBEMEV_E_BUFFER_TOO_SMALL with a NUL-terminated prefix. The instance is
 *    wrapped in up to 2 * WBEMEV_FORMAT_MAX_DEPTH more levels as the input says: every writer
 *    succeeds below the depth limit and answers WBEMEV_E_INVALID_OBJECT past it. Names of types,
 *    formats and policies read from the input are parsed too.
 */
#include "fuzz_common.h"

#include "wbemev/format.h"
#include "wbemev/mof.h"

static wbemev_namespace_t *g_ns;
static wbemev_class_t *g_all, *g_leaf;
static char g_buf[1 << 17], g_buf2[1 << 17];

static const wbemev_property_def leaf_props[] = {{"Text", WBEMEV_CIM_STRING, NULL},
                                                 {"Num", WBEMEV_CIM_REAL64, NULL}};
#define A(t) ((wbemev_cimtype)((t) | WBEMEV_CIM_FLAG_ARRAY))
static const wbemev_property_def all_props[] = {
    {"S8", WBEMEV_CIM_SINT8, NULL},         {"U8", WBEMEV_CIM_UINT8, NULL},
    {"S16", WBEMEV_CIM_SINT16, NULL},       {"U16", WBEMEV_CIM_UINT16, NULL},
    {"S32", WBEMEV_CIM_SINT32, NULL},       {"U32", WBEMEV_CIM_UINT32, NULL},
    {"S64", WBEMEV_CIM_SINT64, NULL},       {"U64", WBEMEV_CIM_UINT64, NULL},
    {"R32", WBEMEV_CIM_REAL32, NULL},       {"R64", WBEMEV_CIM_REAL64, NULL},
    {"B", WBEMEV_CIM_BOOLEAN, NULL},        {"Str", WBEMEV_CIM_STRING, NULL},
    {"Dt", WBEMEV_CIM_DATETIME, NULL},      {"Ref", WBEMEV_CIM_REFERENCE, NULL},
    {"C16", WBEMEV_CIM_CHAR16, NULL},       {"Obj", WBEMEV_CIM_OBJECT, NULL},
    {"AS8", A(WBEMEV_CIM_SINT8), NULL},     {"AU8", A(WBEMEV_CIM_UINT8), NULL},
    {"AS16", A(WBEMEV_CIM_SINT16), NULL},   {"AU16", A(WBEMEV_CIM_UINT16), NULL},
    {"AS32", A(WBEMEV_CIM_SINT32), NULL},   {"AU32", A(WBEMEV_CIM_UINT32), NULL},
    {"AS64", A(WBEMEV_CIM_SINT64), NULL},   {"AU64", A(WBEMEV_CIM_UINT64), NULL},
    {"AR32", A(WBEMEV_CIM_REAL32), NULL},   {"AR64", A(WBEMEV_CIM_REAL64), NULL},
    {"AB", A(WBEMEV_CIM_BOOLEAN), NULL},    {"AStr", A(WBEMEV_CIM_STRING), NULL},
    {"ADt", A(WBEMEV_CIM_DATETIME), NULL},  {"ARef", A(WBEMEV_CIM_REFERENCE), NULL},
    {"AC16", A(WBEMEV_CIM_CHAR16), NULL},   {"AObj", A(WBEMEV_CIM_OBJECT), NULL},
};
#define NALL (sizeof all_props / sizeof all_props[0])

static void init(void)
{
    CHECK(wbemev_namespace_new("root\\fuzz", &g_ns) == WBEMEV_S_NO_ERROR);
    CHECK(wbemev_namespace_define_class(g_ns, "Leaf", NULL, leaf_props, 2, &g_leaf) == WBEMEV_S_NO_ERROR);
    CHECK(wbemev_namespace_define_class(g_ns, "All", "__ExtrinsicEvent", all_props, NALL, &g_all) ==
          WBEMEV_S_NO_ERROR);
}

static bool same_datetime(const wbemev_datetime *a, const wbemev_datetime *b)
{
    return a->is_interval == b->is_interval && a->year == b->year && a->month == b->month &&
           a->day == b->day && a->days == b->days && a->hour == b->hour && a->minute == b->minute &&
           a->second == b->second && a->microseconds == b->microseconds && a->utc_offset == b->utc_offset;
}

static void fuzz_datetime(const uint8_t *data, size_t size)
{
    char text[64];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    wbemev_datetime dt, again;
    if (wbemev_datetime_parse(text, &dt) != WBEMEV_S_NO_ERROR)
        return;
    CHECK(strlen(text) == WBEMEV_DATETIME_LEN);
    CHECK(wbemev_datetime_validate(&dt) == WBEMEV_S_NO_ERROR);
    char out[WBEMEV_DATETIME_LEN + 1];
    CHECK(wbemev_datetime_format(&dt, out, sizeof out) == WBEMEV_S_NO_ERROR);
    CHECK(strlen(out) == WBEMEV_DATETIME_LEN);
    CHECK(wbemev_datetime_format(&dt, out, WBEMEV_DATETIME_LEN) == WBEMEV_E_BUFFER_TOO_SMALL);
    CHECK(wbemev_datetime_parse(out, &again) == WBEMEV_S_NO_ERROR);
    CHECK(same_datetime(&dt, &again));
    uint64_t ticks;
    if (wbemev_datetime_to_filetime(&dt, &ticks) == WBEMEV_S_NO_ERROR && !dt.is_interval) {
        wbemev_datetime utc;
        if (wbemev_datetime_from_filetime(ticks, &utc) == WBEMEV_S_NO_ERROR) {
            uint64_t back;
            CHECK(utc.utc_offset == 0 && !utc.is_interval);
            CHECK(wbemev_datetime_to_filetime(&utc, &back) == WBEMEV_S_NO_ERROR);
            CHECK(back == ticks - ticks % 10); /* the sub-microsecond digit is truncated */
        }
    }
}

/* Counts what a writer receives and checks it against a predicate. */
struct sink_check {
    size_t len;
    bool ascii_printable; /* MOF: every byte printable ASCII, tab or newline */
};
static wbemev_status count_writer(void *ctx, const char *text, size_t len)
{
    struct sink_check *c = ctx;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (c->ascii_printable)
            CHECK((ch >= 0x20 && ch < 0x7f) || ch == '\n' || ch == '\t');
        CHECK(ch != 0);
    }
    c->len += len;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_object_t *fill(fz_in *in, int depth)
{
    wbemev_object_t *o = NULL;
    if (depth > 0 && (fz_u8(in) & 3) == 0) {
        CHECK(wbemev_class_spawn_instance(g_leaf, &o) == WBEMEV_S_NO_ERROR);
        char s[64];
        (void)wbemev_object_put_string(o, "Text", fz_str(in, s, 63));
        uint64_t bits = fz_u64(in, 8);
        double d;
        memcpy(&d, &bits, sizeof d);
        (void)wbemev_object_put_real64(o, "Num", d);
        return o;
    }
    CHECK(wbemev_class_spawn_instance(g_all, &o) == WBEMEV_S_NO_ERROR);
    fz_value_store store;
    for (int k = 0; k < 12 && in->n > 0; k++) {
        const char *name = all_props[fz_u8(in) % NALL].name;
        wbemev_object_t *kids[2] = {NULL, NULL};
        if (depth < 2) {
            kids[0] = fill(in, depth + 1);
            kids[1] = fz_u8(in) & 1 ? kids[0] : NULL;
        }
        wbemev_value v = fz_value(in, &store, kids, 2);
        wbemev_status vs = wbemev_value_validate(&v);
        wbemev_status ps = wbemev_object_put(o, name, &v);
        if (vs != WBEMEV_S_NO_ERROR && !v.is_null)
            CHECK(ps != WBEMEV_S_NO_ERROR); /* Put checks at least what validate checks */
        wbemev_object_release(kids[0]);
    }
    return o;
}

/* Wraps o (frozen first, so each level shares it) in `levels` more instances, through Obj or AObj
 * as the input says: the writers' depth limit is reached from the input. */
static wbemev_object_t *wrap(fz_in *in, wbemev_object_t *o, unsigned levels)
{
    for (unsigned i = 0; i < levels; i++) {
        wbemev_object_freeze(o);
        wbemev_object_t *w;
        CHECK(wbemev_class_spawn_instance(g_all, &w) == WBEMEV_S_NO_ERROR);
        wbemev_value v = WBEMEV_V_OBJECT(o);
        if (fz_u8(in) & 1) {
            v.type = A(WBEMEV_CIM_OBJECT);
            v.u.array.items = &o;
            v.u.array.count = 1;
            CHECK(wbemev_object_put(w, "AObj", &v) == WBEMEV_S_NO_ERROR);
        } else {
            CHECK(wbemev_object_put(w, "Obj", &v) == WBEMEV_S_NO_ERROR);
        }
        wbemev_object_release(o);
        o = w;
    }
    return o;
}

static void fuzz_values(const uint8_t *data, size_t size)
{
    fz_in in = {data, size};
    wbemev_object_t *o = fill(&in, 0);
    /* fill nests at most 2 levels; the wrapping adds up to 2 * WBEMEV_FORMAT_MAX_DEPTH more. */
    unsigned levels = (fz_u8(&in) & 3) == 0 ? fz_u8(&in) % (2 * WBEMEV_FORMAT_MAX_DEPTH + 8) : 0;
    o = wrap(&in, o, levels);
    if (fz_u8(&in) & 1)
        wbemev_object_freeze(o);

    /* Every writer gives the same answer: success up to the limit, WBEMEV_E_INVALID_OBJECT past it
     * (with 1 or 2 levels of fill's own, either near it). */
    struct sink_check mc = {0, true};
    wbemev_status want = wbemev_mof_write_instance(o, count_writer, &mc);
    if (levels + 2 <= WBEMEV_FORMAT_MAX_DEPTH)
        CHECK(want == WBEMEV_S_NO_ERROR);
    else if (levels > WBEMEV_FORMAT_MAX_DEPTH)
        CHECK(want == WBEMEV_E_INVALID_OBJECT);
    else
        CHECK(want == WBEMEV_S_NO_ERROR || want == WBEMEV_E_INVALID_OBJECT);

    /* MOF */
    size_t len = 0;
    CHECK(wbemev_mof_format_instance(o, NULL, 0, &len) == want);
    if (want == WBEMEV_S_NO_ERROR)
        CHECK(len == mc.len);
    if (want == WBEMEV_S_NO_ERROR && len + 1 <= sizeof g_buf) {
        CHECK(wbemev_mof_format_instance(o, g_buf, len + 1, NULL) == WBEMEV_S_NO_ERROR);
        CHECK(strlen(g_buf) == len);
        if (len > 0) {
            CHECK(wbemev_mof_format_instance(o, g_buf2, len, NULL) == WBEMEV_E_BUFFER_TOO_SMALL);
            CHECK(strlen(g_buf2) == len - 1 && memcmp(g_buf, g_buf2, len - 1) == 0);
        }
    }
    /* JSON, each flag combination */
    for (uint32_t flags = 0; flags < 4; flags++) {
        struct sink_check jc = {0, (flags & WBEMEV_FORMAT_ASCII) != 0};
        CHECK(wbemev_json_write_instance(o, flags, count_writer, &jc) == want);
        size_t jl = 0;
        CHECK(wbemev_json_format_instance(o, flags, NULL, 0, &jl) == want);
        if (want != WBEMEV_S_NO_ERROR)
            continue;
        CHECK(jl == jc.len);
        if (jl + 1 <= sizeof g_buf) {
            CHECK(wbemev_json_format_instance(o, flags, g_buf, jl + 1, NULL) == WBEMEV_S_NO_ERROR);
            CHECK(wbemev_utf8_is_valid(g_buf));
            CHECK(jl > 0 && g_buf[jl - 1] == '\n');
            CHECK(wbemev_json_format_instance(o, flags, g_buf2, jl, NULL) == WBEMEV_E_BUFFER_TOO_SMALL);
        }
    }
    CHECK(wbemev_format_write_instance(WBEMEV_FORMAT_JSON, o, 0, count_writer, &(struct sink_check){0, false}) ==
          want);
    CHECK(wbemev_format_write_instance(WBEMEV_FORMAT_MOF, o, 0, count_writer, &(struct sink_check){0, true}) == want);
    /* Names */
    char name[32];
    wbemev_cimtype t;
    wbemev_format f;
    wbemev_contract_policy pol;
    fz_str(&in, name, 31);
    if (wbemev_cimtype_from_name(name, &t) == WBEMEV_S_NO_ERROR)
        CHECK(wbemev_cimtype_is_valid(t) && wbemev_cimtype_name(t) != NULL);
    if (wbemev_format_from_name(name, &f) == WBEMEV_S_NO_ERROR)
        CHECK(wbemev_format_name(f) != NULL);
    (void)wbemev_contract_policy_from_name(name, &pol);
    wbemev_object_release(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (g_ns == NULL)
        init();
    if (size == 0)
        return 0;
    if (data[0] & 1)
        fuzz_values(data + 1, size - 1);
    else
        fuzz_datetime(data + 1, size - 1);
    return 0;
}
