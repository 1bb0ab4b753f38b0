/*
 * tests/test_object.c: event objects: spawn, clone, Put/Get of every CIM type, NULLs, validation,
 * freezing, handles, embedded objects, defaults, live counts, allocation behaviour and the internals
 * the dispatcher uses.
 */
#include "test_support.h"

#include "model/model.h" /* white-box: the model's internal interface */

#include <float.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_OF(t) ((wbemev_cimtype)((t) | WBEMEV_CIM_FLAG_ARRAY))

/* ---- a counting allocator that can be told to fail ---- */

static struct {
    atomic_size_t mallocs; /* successful malloc calls (atomic: the threads test allocates too) */
    long fail_after;       /* malloc calls left before failures start; -1 = never fail */
    atomic_size_t frees;   /* free calls with a block */
} g_alloc = {0, -1, 0};

static void *counting_malloc(void *ctx, size_t size)
{
    (void)ctx;
    if (g_alloc.fail_after == 0)
        return NULL;
    if (g_alloc.fail_after > 0)
        g_alloc.fail_after--;
    atomic_fetch_add(&g_alloc.mallocs, 1);
    return malloc(size);
}

static void *counting_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (g_alloc.fail_after == 0)
        return NULL;
    return realloc(ptr, size);
}

static void counting_free(void *ctx, void *ptr)
{
    (void)ctx;
    if (ptr != NULL)
        atomic_fetch_add(&g_alloc.frees, 1);
    free(ptr);
}

static const wbemev_allocator counting_allocator = {counting_malloc, counting_realloc, counting_free,
                                                    NULL};

/* ---- fixture: a namespace with a few classes ---- */

typedef struct fixture {
    size_t allocations_before;
    wbemev_namespace_t *ns;
    wbemev_class_t *disk;  /* root: Name string, Size uint64 */
    wbemev_class_t *ssd;   /* Disk: Wear uint8 */
    wbemev_class_t *other; /* root: X sint32 */
    wbemev_class_t *all;   /* __ExtrinsicEvent with every type, scalar and array */
} fixture;

/* Property names of AllTypes: scalar "<T>" and array "A<T>" for each of these. */
static const struct {
    const char *name;
    wbemev_cimtype type;
} g_types[] = {
    {"S8", WBEMEV_CIM_SINT8},     {"U8", WBEMEV_CIM_UINT8},       {"S16", WBEMEV_CIM_SINT16},
    {"U16", WBEMEV_CIM_UINT16},   {"S32", WBEMEV_CIM_SINT32},     {"U32", WBEMEV_CIM_UINT32},
    {"S64", WBEMEV_CIM_SINT64},   {"U64", WBEMEV_CIM_UINT64},     {"R32", WBEMEV_CIM_REAL32},
    {"R64", WBEMEV_CIM_REAL64},   {"Bool", WBEMEV_CIM_BOOLEAN},   {"Str", WBEMEV_CIM_STRING},
    {"Dt", WBEMEV_CIM_DATETIME},  {"Ref", WBEMEV_CIM_REFERENCE},  {"C16", WBEMEV_CIM_CHAR16},
    {"Obj", WBEMEV_CIM_OBJECT},
};
#define NTYPES (sizeof g_types / sizeof g_types[0])

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    g_alloc.fail_after = -1;
    f->allocations_before = wbemev_live_allocations();
    if (WBEMEV_FAILED(wbemev_namespace_new("root\\test", &f->ns)))
        return -1;
    const wbemev_property_def disk[] = {{"Name", WBEMEV_CIM_STRING, NULL},
                                        {"Size", WBEMEV_CIM_UINT64, NULL}};
    const wbemev_property_def ssd[] = {{"Wear", WBEMEV_CIM_UINT8, NULL}};
    const wbemev_property_def other[] = {{"X", WBEMEV_CIM_SINT32, NULL}};
    wbemev_property_def all[2 * NTYPES + 3];
    char names[NTYPES][8];
    for (size_t i = 0; i < NTYPES; i++) {
        all[i] = (wbemev_property_def){g_types[i].name, g_types[i].type, NULL};
        names[i][0] = 'A';
        strcpy(names[i] + 1, g_types[i].name);
        all[NTYPES + i] = (wbemev_property_def){names[i], ARRAY_OF(g_types[i].type), NULL};
    }
    all[2 * NTYPES] = (wbemev_property_def){"Target", WBEMEV_CIM_OBJECT, "Disk"};
    all[2 * NTYPES + 1] = (wbemev_property_def){"Disks", ARRAY_OF(WBEMEV_CIM_OBJECT), "Disk"};
    all[2 * NTYPES + 2] = (wbemev_property_def){"Self", WBEMEV_CIM_OBJECT, "AllTypes"};
    if (WBEMEV_FAILED(wbemev_namespace_define_class(f->ns, "Disk", NULL, disk, 2, &f->disk)) ||
        WBEMEV_FAILED(wbemev_namespace_define_class(f->ns, "Ssd", "Disk", ssd, 1, &f->ssd)) ||
        WBEMEV_FAILED(wbemev_namespace_define_class(f->ns, "Other", NULL, other, 1, &f->other)) ||
        WBEMEV_FAILED(wbemev_namespace_define_class(f->ns, "AllTypes", "__ExtrinsicEvent", all,
                                                    2 * NTYPES + 3, &f->all)))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    g_alloc.fail_after = -1;
    wbemev_class_release(f->disk);
    wbemev_class_release(f->ssd);
    wbemev_class_release(f->other);
    wbemev_class_release(f->all);
    wbemev_namespace_release(f->ns);
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), f->allocations_before);
    free(f);
    return 0;
}

static wbemev_object_t *spawn(wbemev_class_t *cls)
{
    wbemev_object_t *obj = NULL;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &obj));
    assert_non_null(obj);
    return obj;
}

static wbemev_object_t *named_disk(fixture *f, const char *name)
{
    wbemev_object_t *d = spawn(f->disk);
    assert_wbemev_ok(wbemev_object_put_string(d, "Name", name));
    return d;
}

static wbemev_datetime sample_datetime(void)
{
    wbemev_datetime dt;
    memset(&dt, 0, sizeof dt);
    dt.year = 2024;
    dt.month = 2;
    dt.day = 29;
    dt.hour = 23;
    dt.minute = 59;
    dt.second = 58;
    dt.microseconds = 123456;
    dt.utc_offset = -300;
    return dt;
}

static void assert_datetime_equal(wbemev_datetime a, wbemev_datetime b)
{
    assert_int_equal(a.is_interval, b.is_interval);
    assert_int_equal(a.year, b.year);
    assert_int_equal(a.month, b.month);
    assert_int_equal(a.day, b.day);
    assert_int_equal(a.days, b.days);
    assert_int_equal(a.hour, b.hour);
    assert_int_equal(a.minute, b.minute);
    assert_int_equal(a.second, b.second);
    assert_int_equal(a.microseconds, b.microseconds);
    assert_int_equal(a.utc_offset, b.utc_offset);
}

/* ---- lifecycle ---- */

static void test_spawn_clone_release(void **state)
{
    fixture *f = *state;
    size_t objects = wbemev_live_objects();
    wbemev_object_t *a = spawn(f->all);
    assert_int_equal(wbemev_live_objects(), objects + 1);
    assert_ptr_equal(wbemev_object_class(a), f->all);
    assert_string_equal(wbemev_object_class_name(a), "AllTypes");
    assert_int_equal(wbemev_object_genus(a), WBEMEV_GENUS_INSTANCE);
    assert_false(wbemev_object_is_frozen(a));
    for (size_t i = 0; i < wbemev_class_property_count(f->all); i++) {
        wbemev_property_info info;
        assert_wbemev_ok(wbemev_class_property_at(f->all, i, &info));
        assert_true(wbemev_object_is_null(a, info.name));
    }

    assert_ptr_equal(wbemev_object_add_ref(a), a);
    wbemev_object_release(a);
    assert_int_equal(wbemev_live_objects(), objects + 1);

    assert_wbemev_ok(wbemev_object_put_sint32(a, "S32", 5));
    wbemev_object_t *b = NULL;
    assert_wbemev_ok(wbemev_object_clone(a, &b));
    assert_ptr_not_equal(a, b);
    assert_int_equal(wbemev_live_objects(), objects + 2);
    int32_t v = 0;
    assert_wbemev_ok(wbemev_object_get_sint32(b, "S32", &v));
    assert_int_equal(v, 5);
    /* The copy is independent. */
    assert_wbemev_ok(wbemev_object_put_sint32(b, "S32", 6));
    assert_wbemev_ok(wbemev_object_get_sint32(a, "S32", &v));
    assert_int_equal(v, 5);
    wbemev_object_release(a);
    wbemev_object_release(b);
    assert_int_equal(wbemev_live_objects(), objects);

    wbemev_object_t *out = NULL;
    assert_wbemev_status(wbemev_class_spawn_instance(NULL, &out), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_class_spawn_instance(f->all, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_clone(NULL, &out), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_spawn_instance(NULL, &out), WBEMEV_E_INVALID_PARAMETER);
    assert_null(out);
    assert_null(wbemev_object_add_ref(NULL));
    wbemev_object_release(NULL);
    assert_null(wbemev_object_class(NULL));
    assert_null(wbemev_object_class_name(NULL));
    assert_false(wbemev_object_is_frozen(NULL));
    wbemev_object_freeze(NULL);
}

static void test_abstract_spawn(void **state)
{
    fixture *f = *state;
    static const char *const abstract[] = {"__Event", "__InstanceOperationEvent"};
    static const char *const concrete[] = {"__ExtrinsicEvent", "__InstanceCreationEvent",
                                           "__InstanceDeletionEvent",
                                           "__InstanceModificationEvent", "__AggregateEvent"};
    wbemev_object_t *obj = NULL;
    for (size_t i = 0; i < 2; i++) {
        wbemev_class_t *cls = NULL;
        assert_wbemev_ok(wbemev_namespace_get_class(f->ns, abstract[i], &cls));
        assert_wbemev_status(wbemev_class_spawn_instance(cls, &obj), WBEMEV_E_INVALID_OPERATION);
        assert_wbemev_status(wbemev_object_spawn_instance(wbemev_class_object(cls), &obj),
                             WBEMEV_E_INVALID_OPERATION);
        wbemev_class_release(cls);
    }
    assert_null(obj);
    for (size_t i = 0; i < sizeof concrete / sizeof concrete[0]; i++) {
        wbemev_class_t *cls = NULL;
        assert_wbemev_ok(wbemev_namespace_get_class(f->ns, concrete[i], &cls));
        assert_wbemev_ok(wbemev_class_spawn_instance(cls, &obj));
        assert_string_equal(wbemev_object_class_name(obj), concrete[i]);
        assert_true(wbemev_object_is_null(obj, "TIME_CREATED"));
        wbemev_object_release(obj);
        wbemev_class_release(cls);
    }
}

/* ---- Put / Get: scalars ---- */

static void test_scalar_round_trip_typed(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    wbemev_object_t *disk = named_disk(f, "C:");

    assert_wbemev_ok(wbemev_object_put_sint8(o, "S8", INT8_MIN));
    assert_wbemev_ok(wbemev_object_put_uint8(o, "U8", UINT8_MAX));
    assert_wbemev_ok(wbemev_object_put_sint16(o, "S16", INT16_MIN));
    assert_wbemev_ok(wbemev_object_put_uint16(o, "U16", UINT16_MAX));
    assert_wbemev_ok(wbemev_object_put_sint32(o, "S32", INT32_MIN));
    assert_wbemev_ok(wbemev_object_put_uint32(o, "U32", UINT32_MAX));
    assert_wbemev_ok(wbemev_object_put_sint64(o, "S64", INT64_MIN));
    assert_wbemev_ok(wbemev_object_put_uint64(o, "U64", UINT64_MAX));
    assert_wbemev_ok(wbemev_object_put_real32(o, "R32", 1.5f));
    assert_wbemev_ok(wbemev_object_put_real64(o, "R64", 1e300));
    assert_wbemev_ok(wbemev_object_put_boolean(o, "Bool", true));
    assert_wbemev_ok(wbemev_object_put_string(o, "Str", "h\xc3\xa9llo"));
    assert_wbemev_ok(wbemev_object_put_datetime(o, "Dt", sample_datetime()));
    assert_wbemev_ok(wbemev_object_put_reference(o, "Ref", "\\\\.\\root\\test:Disk.Name=\"C:\""));
    assert_wbemev_ok(wbemev_object_put_char16(o, "C16", 0x263A));
    assert_wbemev_ok(wbemev_object_put_object(o, "Obj", disk));

    /* (initialized: the typed Get writes only on success, which gcc -O2 cannot see) */
    int8_t s8 = 0;
    uint8_t u8 = 0;
    int16_t s16 = 0;
    uint16_t u16 = 0;
    int32_t s32 = 0;
    uint32_t u32 = 0;
    int64_t s64 = 0;
    uint64_t u64 = 0;
    float r32 = 0;
    double r64 = 0;
    bool b = false;
    const char *str = NULL;
    wbemev_datetime dt = {0};
    uint16_t c16 = 0;
    wbemev_object_t *obj = NULL;
    assert_wbemev_ok(wbemev_object_get_sint8(o, "s8", &s8));
    assert_int_equal(s8, INT8_MIN);
    assert_wbemev_ok(wbemev_object_get_uint8(o, "u8", &u8));
    assert_int_equal(u8, UINT8_MAX);
    assert_wbemev_ok(wbemev_object_get_sint16(o, "S16", &s16));
    assert_int_equal(s16, INT16_MIN);
    assert_wbemev_ok(wbemev_object_get_uint16(o, "U16", &u16));
    assert_int_equal(u16, UINT16_MAX);
    assert_wbemev_ok(wbemev_object_get_sint32(o, "S32", &s32));
    assert_int_equal(s32, INT32_MIN);
    assert_wbemev_ok(wbemev_object_get_uint32(o, "U32", &u32));
    assert_int_equal(u32, UINT32_MAX);
    assert_wbemev_ok(wbemev_object_get_sint64(o, "S64", &s64));
    assert_true(s64 == INT64_MIN);
    assert_wbemev_ok(wbemev_object_get_uint64(o, "U64", &u64));
    assert_true(u64 == UINT64_MAX);
    assert_wbemev_ok(wbemev_object_get_real32(o, "R32", &r32));
    assert_true(r32 == 1.5f);
    assert_wbemev_ok(wbemev_object_get_real64(o, "R64", &r64));
    assert_true(r64 == 1e300);
    assert_wbemev_ok(wbemev_object_get_boolean(o, "Bool", &b));
    assert_true(b);
    assert_wbemev_ok(wbemev_object_get_string(o, "Str", &str));
    assert_string_equal(str, "h\xc3\xa9llo");
    assert_wbemev_ok(wbemev_object_get_datetime(o, "Dt", &dt));
    assert_datetime_equal(dt, sample_datetime());
    assert_wbemev_ok(wbemev_object_get_reference(o, "Ref", &str));
    assert_string_equal(str, "\\\\.\\root\\test:Disk.Name=\"C:\"");
    assert_wbemev_ok(wbemev_object_get_char16(o, "C16", &c16));
    assert_int_equal(c16, 0x263A);
    assert_wbemev_ok(wbemev_object_get_object(o, "Obj", &obj));
    assert_wbemev_ok(wbemev_object_get_string(obj, "Name", &str));
    assert_string_equal(str, "C:");

    /* real32 keeps float precision. */
    assert_wbemev_ok(wbemev_object_put_real32(o, "R32", 0.1f));
    assert_wbemev_ok(wbemev_object_get_real32(o, "R32", &r32));
    assert_true(r32 == 0.1f);
    wbemev_value v;
    assert_wbemev_ok(wbemev_object_get(o, "R32", &v));
    assert_true(v.u.real == (double)0.1f);

    /* Typed Get of another type, and of NULL. */
    assert_wbemev_status(wbemev_object_get_sint32(o, "U32", &s32), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_status(wbemev_object_get_string(o, "Ref", &str), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_ok(wbemev_object_put(o, "S32", NULL));
    assert_wbemev_status(wbemev_object_get_sint32(o, "S32", &s32), WBEMEV_E_ILLEGAL_NULL);

    wbemev_object_release(disk);
    wbemev_object_release(o);
}

static void test_scalar_round_trip_generic(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    wbemev_object_t *disk = named_disk(f, "D:");
    wbemev_object_freeze(disk); /* shared, so Get gives back the same pointer */
    wbemev_value values[NTYPES] = {
        WBEMEV_V_SINT8(-5),           WBEMEV_V_UINT8(200),
        WBEMEV_V_SINT16(-30000),      WBEMEV_V_UINT16(60000),
        WBEMEV_V_SINT32(-2000000000), WBEMEV_V_UINT32(4000000000u),
        WBEMEV_V_SINT64(-(INT64_C(1) << 62)), WBEMEV_V_UINT64(UINT64_C(1) << 63),
        WBEMEV_V_REAL32(-2.25),       WBEMEV_V_REAL64(3.141592653589793),
        WBEMEV_V_BOOLEAN(false),      WBEMEV_V_STRING("text"),
        WBEMEV_V_DATETIME(sample_datetime()), WBEMEV_V_REFERENCE("Disk.Name=\"D:\""),
        WBEMEV_V_CHAR16('Z'),         WBEMEV_V_OBJECT(disk),
    };
    for (size_t i = 0; i < NTYPES; i++) {
        assert_int_equal(values[i].type, g_types[i].type);
        assert_wbemev_ok(wbemev_object_put(o, g_types[i].name, &values[i]));
    }
    for (size_t i = 0; i < NTYPES; i++) {
        wbemev_value v;
        assert_wbemev_ok(wbemev_object_get(o, g_types[i].name, &v));
        assert_int_equal(v.type, g_types[i].type);
        assert_false(v.is_null);
        assert_false(wbemev_object_is_null(o, g_types[i].name));
        switch (g_types[i].type) {
        case WBEMEV_CIM_SINT8:
        case WBEMEV_CIM_SINT16:
        case WBEMEV_CIM_SINT32:
        case WBEMEV_CIM_SINT64:
            assert_true(v.u.sint == values[i].u.sint);
            break;
        case WBEMEV_CIM_REAL32:
        case WBEMEV_CIM_REAL64:
            assert_true(v.u.real == values[i].u.real);
            break;
        case WBEMEV_CIM_BOOLEAN:
            assert_false(v.u.boolean);
            break;
        case WBEMEV_CIM_STRING:
        case WBEMEV_CIM_REFERENCE:
            assert_string_equal(v.u.string, values[i].u.string);
            assert_ptr_not_equal(v.u.string, values[i].u.string); /* copied */
            break;
        case WBEMEV_CIM_DATETIME:
            assert_datetime_equal(v.u.datetime, values[i].u.datetime);
            break;
        case WBEMEV_CIM_CHAR16:
            assert_int_equal(v.u.char16, 'Z');
            break;
        case WBEMEV_CIM_OBJECT:
            assert_ptr_equal(v.u.object, disk);
            break;
        default:
            assert_true(v.u.uint == values[i].u.uint);
            break;
        }
    }
    wbemev_object_release(o);
    wbemev_object_release(disk);
}

/* ---- Put / Get: arrays ---- */

static void test_array_round_trip(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    wbemev_object_t *d1 = named_disk(f, "C:");
    wbemev_object_t *d2 = named_disk(f, "D:");
    wbemev_object_freeze(d2);

    const int8_t s8[] = {INT8_MIN, 0, INT8_MAX};
    const uint8_t u8[] = {0, 1, UINT8_MAX};
    const int16_t s16[] = {INT16_MIN, -1, INT16_MAX};
    const uint16_t u16[] = {0, 2, UINT16_MAX};
    const int32_t s32[] = {INT32_MIN, 3, INT32_MAX};
    const uint32_t u32[] = {0, 4, UINT32_MAX};
    const int64_t s64[] = {INT64_MIN, 5, INT64_MAX};
    const uint64_t u64[] = {0, 6, UINT64_MAX};
    const float r32[] = {-1.5f, 0.0f, FLT_MAX};
    const double r64[] = {-1e300, 0.5, DBL_MAX};
    const bool bools[] = {true, false, true};
    const char *const strs[] = {"short", "", "a string that is long enough not to fit in a slot"};
    const wbemev_datetime dts[] = {sample_datetime(), sample_datetime(), sample_datetime()};
    const char *const refs[] = {"Disk.Name=\"C:\"", "Disk.Name=\"D:\"", "Disk.Name=\"E:\""};
    const uint16_t c16[] = {'a', 0x00E9, 0xFFFD};
    wbemev_object_t *const objs[] = {d1, d2, d1};
    const void *items[NTYPES] = {s8,  u8,    s16,  u16, s32, u32,  s64, u64,
                                 r32, r64,   bools, strs, dts, refs, c16, objs};

    for (size_t i = 0; i < NTYPES; i++) {
        char name[8] = "A";
        strcat(name, g_types[i].name);
        wbemev_value in = WBEMEV_V_ARRAY(g_types[i].type, items[i], 3);
        assert_wbemev_ok(wbemev_object_put(o, name, &in));
        wbemev_value out;
        assert_wbemev_ok(wbemev_object_get(o, name, &out));
        assert_int_equal(out.type, ARRAY_OF(g_types[i].type));
        assert_false(out.is_null);
        assert_int_equal(out.u.array.count, 3);
        assert_ptr_not_equal(out.u.array.items, items[i]); /* copied */
        wbemev_cimtype base = g_types[i].type;
        if (base == WBEMEV_CIM_STRING || base == WBEMEV_CIM_REFERENCE) {
            const char *const *got = out.u.array.items;
            const char *const *want = items[i];
            for (size_t k = 0; k < 3; k++) {
                assert_string_equal(got[k], want[k]);
                assert_ptr_not_equal(got[k], want[k]);
            }
        } else if (base == WBEMEV_CIM_OBJECT) {
            wbemev_object_t *const *got = out.u.array.items;
            assert_ptr_not_equal(got[0], d1); /* unfrozen: copied */
            assert_ptr_equal(got[1], d2);     /* frozen: shared */
            assert_ptr_not_equal(got[2], d1);
            assert_ptr_not_equal(got[0], got[2]);
            const char *name0 = NULL;
            assert_wbemev_ok(wbemev_object_get_string(got[2], "Name", &name0));
            assert_string_equal(name0, "C:");
        } else if (base == WBEMEV_CIM_DATETIME) {
            const wbemev_datetime *got = out.u.array.items;
            for (size_t k = 0; k < 3; k++)
                assert_datetime_equal(got[k], dts[k]);
        } else {
            assert_memory_equal(out.u.array.items, items[i],
                                3 * wbemev_cimtype_element_size(base));
        }
    }

    /* Empty arrays are not NULL. */
    wbemev_value empty = WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, NULL, 0);
    assert_wbemev_ok(wbemev_object_put(o, "AStr", &empty));
    wbemev_value out;
    assert_wbemev_ok(wbemev_object_get(o, "AStr", &out));
    assert_false(out.is_null);
    assert_int_equal(out.u.array.count, 0);
    assert_false(wbemev_object_is_null(o, "AStr"));

    /* A shorter then a longer array into the same property (storage reused, then grown). */
    const uint32_t one[] = {42};
    const uint32_t five[] = {1, 2, 3, 4, 5};
    wbemev_value v1 = WBEMEV_V_ARRAY(WBEMEV_CIM_UINT32, one, 1);
    wbemev_value v5 = WBEMEV_V_ARRAY(WBEMEV_CIM_UINT32, five, 5);
    assert_wbemev_ok(wbemev_object_put(o, "AU32", &v1));
    assert_wbemev_ok(wbemev_object_get(o, "AU32", &out));
    assert_int_equal(out.u.array.count, 1);
    assert_int_equal(((const uint32_t *)out.u.array.items)[0], 42);
    assert_wbemev_ok(wbemev_object_put(o, "AU32", &v5));
    assert_wbemev_ok(wbemev_object_get(o, "AU32", &out));
    assert_int_equal(out.u.array.count, 5);
    assert_memory_equal(out.u.array.items, five, sizeof five);
    /* Putting back what Get returned (aliasing the storage) works. */
    wbemev_value again = WBEMEV_V_ARRAY(WBEMEV_CIM_UINT32, out.u.array.items, 5);
    assert_wbemev_ok(wbemev_object_put(o, "AU32", &again));
    assert_wbemev_ok(wbemev_object_get(o, "AU32", &out));
    assert_memory_equal(out.u.array.items, five, sizeof five);
    assert_wbemev_ok(wbemev_object_get(o, "AStr", &out));
    assert_wbemev_ok(wbemev_object_get(o, "ARef", &out));
    wbemev_value refs_again = WBEMEV_V_ARRAY(WBEMEV_CIM_REFERENCE, out.u.array.items, 2);
    assert_wbemev_ok(wbemev_object_put(o, "ARef", &refs_again));
    assert_wbemev_ok(wbemev_object_get(o, "ARef", &out));
    assert_int_equal(out.u.array.count, 2);
    assert_string_equal(((const char *const *)out.u.array.items)[1], "Disk.Name=\"D:\"");

    /* Arrays survive a clone. */
    wbemev_object_t *c = NULL;
    assert_wbemev_ok(wbemev_object_clone(o, &c));
    wbemev_object_release(o);
    assert_wbemev_ok(wbemev_object_get(c, "AStr", &out));
    assert_int_equal(out.u.array.count, 0);
    assert_wbemev_ok(wbemev_object_get(c, "AR64", &out));
    assert_memory_equal(out.u.array.items, r64, sizeof r64);
    assert_wbemev_ok(wbemev_object_get(c, "ARef", &out));
    assert_string_equal(((const char *const *)out.u.array.items)[0], "Disk.Name=\"C:\"");
    assert_wbemev_ok(wbemev_object_get(c, "AObj", &out));
    assert_ptr_equal(((wbemev_object_t *const *)out.u.array.items)[1], d2);

    wbemev_object_release(c);
    wbemev_object_release(d1);
    wbemev_object_release(d2);
}

/* ---- NULLs ---- */

static void test_nulls(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    wbemev_value v;
    assert_wbemev_ok(wbemev_object_get(o, "Str", &v));
    assert_true(v.is_null);
    assert_int_equal(v.type, WBEMEV_CIM_STRING);
    assert_wbemev_ok(wbemev_object_get(o, "AS32", &v));
    assert_true(v.is_null);
    assert_int_equal(v.type, ARRAY_OF(WBEMEV_CIM_SINT32));

    for (int how = 0; how < 3; how++) {
        assert_wbemev_ok(wbemev_object_put_string(o, "Str", "a value long enough for the heap, really"));
        assert_wbemev_ok(wbemev_object_put_sint32(o, "S32", 1));
        assert_false(wbemev_object_is_null(o, "Str"));
        wbemev_value null_str = WBEMEV_V_NULL(WBEMEV_CIM_STRING);
        wbemev_value null_s32 = WBEMEV_V_NULL(WBEMEV_CIM_SINT32);
        wbemev_value null_empty = WBEMEV_V_NULL(WBEMEV_CIM_EMPTY);
        const wbemev_value *s = how == 0 ? NULL : how == 1 ? &null_str : &null_empty;
        const wbemev_value *i = how == 0 ? NULL : how == 1 ? &null_s32 : &null_empty;
        assert_wbemev_ok(wbemev_object_put(o, "Str", s));
        assert_wbemev_ok(wbemev_object_put(o, "s32", i));
        assert_true(wbemev_object_is_null(o, "Str"));
        assert_true(wbemev_object_is_null(o, "S32"));
        assert_wbemev_ok(wbemev_object_get(o, "S32", &v));
        assert_true(v.is_null);
        assert_int_equal(v.type, WBEMEV_CIM_SINT32);
    }
    /* A NULL of another type is a mismatch; an EMPTY that is not NULL is not a value. */
    wbemev_value null_u32 = WBEMEV_V_NULL(WBEMEV_CIM_UINT32);
    assert_wbemev_ok(wbemev_object_put_sint32(o, "S32", 9));
    assert_wbemev_status(wbemev_object_put(o, "S32", &null_u32), WBEMEV_E_TYPE_MISMATCH);
    wbemev_value empty = {.type = WBEMEV_CIM_EMPTY};
    assert_wbemev_status(wbemev_object_put(o, "S32", &empty), WBEMEV_E_TYPE_MISMATCH);
    int32_t s32 = 0;
    assert_wbemev_ok(wbemev_object_get_sint32(o, "S32", &s32));
    assert_int_equal(s32, 9);
    /* NULL arrays and objects. */
    assert_wbemev_ok(wbemev_object_put(o, "AStr", NULL));
    assert_wbemev_ok(wbemev_object_put(o, "Obj", NULL));
    assert_true(wbemev_object_is_null(o, "AStr"));
    assert_true(wbemev_object_is_null(o, "Obj"));
    /* is_null of a missing property is false. */
    assert_false(wbemev_object_is_null(o, "Missing"));
    assert_false(wbemev_object_is_null(o, NULL));
    assert_false(wbemev_object_is_null(NULL, "S32"));
    wbemev_object_release(o);
}

/* ---- errors ---- */

static void test_type_mismatch(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    assert_wbemev_status(wbemev_object_put_uint32(o, "S32", 1), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_status(wbemev_object_put_sint64(o, "S32", 1), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_status(wbemev_object_put_string(o, "S32", "1"), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_status(wbemev_object_put_string(o, "Ref", "x"), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_status(wbemev_object_put_reference(o, "Str", "x"), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_status(wbemev_object_put_real64(o, "R32", 1.0), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_status(wbemev_object_put_uint16(o, "C16", 65), WBEMEV_E_TYPE_MISMATCH);
    const int32_t arr[] = {1};
    wbemev_value av = WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, arr, 1);
    assert_wbemev_status(wbemev_object_put(o, "S32", &av), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_status(wbemev_object_put_sint32(o, "AS32", 1), WBEMEV_E_TYPE_MISMATCH);
    wbemev_value bad_type = {.type = (wbemev_cimtype)7};
    assert_wbemev_status(wbemev_object_put(o, "S32", &bad_type), WBEMEV_E_TYPE_MISMATCH);
    assert_true(wbemev_object_is_null(o, "S32"));
    wbemev_object_release(o);
}

static void test_out_of_range(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    wbemev_value v;
    v = WBEMEV_V_SINT8(128);
    assert_wbemev_status(wbemev_object_put(o, "S8", &v), WBEMEV_E_VALUE_OUT_OF_RANGE);
    v = WBEMEV_V_SINT8(-129);
    assert_wbemev_status(wbemev_object_put(o, "S8", &v), WBEMEV_E_VALUE_OUT_OF_RANGE);
    v = WBEMEV_V_UINT8(256);
    assert_wbemev_status(wbemev_object_put(o, "U8", &v), WBEMEV_E_VALUE_OUT_OF_RANGE);
    v = WBEMEV_V_SINT16(40000);
    assert_wbemev_status(wbemev_object_put(o, "S16", &v), WBEMEV_E_VALUE_OUT_OF_RANGE);
    v = WBEMEV_V_UINT16(70000);
    assert_wbemev_status(wbemev_object_put(o, "U16", &v), WBEMEV_E_VALUE_OUT_OF_RANGE);
    v = WBEMEV_V_SINT32(INT64_C(1) << 31);
    assert_wbemev_status(wbemev_object_put(o, "S32", &v), WBEMEV_E_VALUE_OUT_OF_RANGE);
    v = WBEMEV_V_UINT32(UINT64_C(1) << 32);
    assert_wbemev_status(wbemev_object_put(o, "U32", &v), WBEMEV_E_VALUE_OUT_OF_RANGE);
    v = WBEMEV_V_REAL32(1e300);
    assert_wbemev_status(wbemev_object_put(o, "R32", &v), WBEMEV_E_VALUE_OUT_OF_RANGE);
    v = WBEMEV_V_CHAR16(0xD800);
    assert_wbemev_status(wbemev_object_put(o, "C16", &v), WBEMEV_E_VALUE_OUT_OF_RANGE);
    const uint16_t c16[] = {'a', 0xDC00};
    v = WBEMEV_V_ARRAY(WBEMEV_CIM_CHAR16, c16, 2);
    assert_wbemev_status(wbemev_object_put(o, "AC16", &v), WBEMEV_E_VALUE_OUT_OF_RANGE);
    for (size_t i = 0; i < NTYPES; i++)
        assert_true(wbemev_object_is_null(o, g_types[i].name));
    assert_true(wbemev_object_is_null(o, "AC16"));
    wbemev_object_release(o);
}

static void test_unknown_and_bad_arguments(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    wbemev_value v = WBEMEV_V_SINT32(1);
    assert_wbemev_status(wbemev_object_put(o, "Missing", &v), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_object_put(o, "__Missing", &v), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_object_put(o, "", &v), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_object_get(o, "Missing", &v), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_object_get(o, "__Missing", &v), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_object_put(NULL, "S32", &v), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_put(o, NULL, &v), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_get(NULL, "S32", &v), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_get(o, NULL, &v), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_get(o, "S32", NULL), WBEMEV_E_INVALID_PARAMETER);
    int32_t x = 0;
    assert_wbemev_status(wbemev_object_get_sint32(o, "Missing", &x), WBEMEV_E_NOT_FOUND);
    wbemev_prop_handle h;
    assert_wbemev_status(wbemev_object_property_handle(o, "Missing", &h), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_object_property_handle(o, "__CLASS", &h), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_object_property_handle(NULL, "S32", &h), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_property_handle(o, NULL, &h), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_property_handle(o, "S32", NULL), WBEMEV_E_INVALID_PARAMETER);

    /* Bad strings and arrays. */
    assert_wbemev_status(wbemev_object_put_string(o, "Str", "bad \xc3\x28 utf-8"),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_put_string(o, "Str", "\xed\xa0\x80"), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_put_string(o, "Str", NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_put_reference(o, "Ref", "\xff"), WBEMEV_E_INVALID_PARAMETER);
    const char *const bad_strs[] = {"ok", "\xc0\x80"};
    const char *const null_strs[] = {"ok", NULL};
    v = WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, bad_strs, 2);
    assert_wbemev_status(wbemev_object_put(o, "AStr", &v), WBEMEV_E_INVALID_PARAMETER);
    v = WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, null_strs, 2);
    assert_wbemev_status(wbemev_object_put(o, "AStr", &v), WBEMEV_E_INVALID_PARAMETER);
    v = WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, NULL, 2);
    assert_wbemev_status(wbemev_object_put(o, "AS32", &v), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_put_object(o, "Obj", NULL), WBEMEV_E_INVALID_PARAMETER);
    wbemev_object_t *const null_objs[] = {NULL};
    v = WBEMEV_V_ARRAY(WBEMEV_CIM_OBJECT, null_objs, 1);
    assert_wbemev_status(wbemev_object_put(o, "AObj", &v), WBEMEV_E_INVALID_PARAMETER);
    wbemev_datetime bad_dt = sample_datetime();
    bad_dt.month = 13;
    assert_wbemev_status(wbemev_object_put_datetime(o, "Dt", bad_dt), WBEMEV_E_INVALID_PARAMETER);
    assert_true(wbemev_object_is_null(o, "Str"));
    assert_true(wbemev_object_is_null(o, "AStr"));
    assert_true(wbemev_object_is_null(o, "Dt"));
    wbemev_object_release(o);
}

/* ---- system properties ---- */

static void assert_sys_string(const wbemev_object_t *o, const char *name, const char *want)
{
    wbemev_value v;
    assert_wbemev_ok(wbemev_object_get(o, name, &v));
    assert_int_equal(v.type, WBEMEV_CIM_STRING);
    if (want == NULL) {
        assert_true(v.is_null);
        assert_true(wbemev_object_is_null(o, name));
    } else {
        assert_false(v.is_null);
        assert_string_equal(v.u.string, want);
    }
}

static void assert_sys_sint32(const wbemev_object_t *o, const char *name, int32_t want)
{
    int32_t got = -1;
    assert_wbemev_ok(wbemev_object_get_sint32(o, name, &got));
    assert_int_equal(got, want);
}

static void test_system_properties(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    assert_sys_string(o, "__CLASS", "AllTypes");
    assert_sys_string(o, "__class", "AllTypes");
    assert_sys_string(o, "__SUPERCLASS", "__ExtrinsicEvent");
    assert_sys_string(o, "__DYNASTY", "__Event");
    assert_sys_sint32(o, "__GENUS", WBEMEV_GENUS_INSTANCE);
    assert_sys_sint32(o, "__PROPERTY_COUNT", (int32_t)wbemev_class_property_count(f->all));
    assert_sys_sint32(o, "__PROPERTY_COUNT", 2 + 2 * NTYPES + 3);
    wbemev_value v;
    assert_wbemev_ok(wbemev_object_get(o, "__DERIVATION", &v));
    assert_int_equal(v.type, ARRAY_OF(WBEMEV_CIM_STRING));
    assert_false(v.is_null);
    assert_int_equal(v.u.array.count, 2);
    assert_string_equal(((const char *const *)v.u.array.items)[0], "__ExtrinsicEvent");
    assert_string_equal(((const char *const *)v.u.array.items)[1], "__Event");

    static const char *const sys[] = {"__CLASS",  "__SUPERCLASS", "__DYNASTY", "__DERIVATION",
                                      "__GENUS", "__Property_Count"};
    wbemev_value s = WBEMEV_V_STRING("x");
    for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++) {
        assert_wbemev_status(wbemev_object_put(o, sys[i], &s), WBEMEV_E_READ_ONLY);
        assert_wbemev_status(wbemev_object_put(o, sys[i], NULL), WBEMEV_E_READ_ONLY);
    }
    assert_sys_string(o, "__CLASS", "AllTypes");

    /* A root class: NULL superclass, itself as dynasty, empty derivation. */
    wbemev_object_t *d = spawn(f->ssd);
    assert_sys_string(d, "__CLASS", "Ssd");
    assert_sys_string(d, "__SUPERCLASS", "Disk");
    assert_sys_string(d, "__DYNASTY", "Disk");
    wbemev_object_t *root = spawn(f->disk);
    assert_sys_string(root, "__SUPERCLASS", NULL);
    assert_sys_string(root, "__DYNASTY", "Disk");
    assert_wbemev_ok(wbemev_object_get(root, "__DERIVATION", &v));
    assert_false(v.is_null);
    assert_int_equal(v.u.array.count, 0);
    assert_sys_sint32(root, "__PROPERTY_COUNT", 2);

    /* The class object is genus 1. */
    assert_sys_sint32(wbemev_class_object(f->disk), "__GENUS", WBEMEV_GENUS_CLASS);
    assert_sys_string(wbemev_class_object(f->disk), "__CLASS", "Disk");

    /* __Event's own properties are ordinary, writable properties. */
    assert_wbemev_ok(wbemev_object_put_uint64(o, "TIME_CREATED", 1));
    const uint8_t sd[] = {1, 2, 3};
    wbemev_value sdv = WBEMEV_V_ARRAY(WBEMEV_CIM_UINT8, sd, 3);
    assert_wbemev_ok(wbemev_object_put(o, "SECURITY_DESCRIPTOR", &sdv));

    wbemev_object_release(root);
    wbemev_object_release(d);
    wbemev_object_release(o);
}

/* ---- freezing ---- */

/* ---- typed Puts through a handle: the same statuses and values as wbemev_object_put_h ---- */

/* One typed Put: with a sample of its C type, and the value wbemev_object_put_h gets for it. */
typedef struct typed_put {
    const char *what;
    wbemev_status (*put)(wbemev_object_t *obj, wbemev_prop_handle h, int sample);
    wbemev_value (*value)(int sample);
} typed_put;

static const wbemev_datetime g_dt_samples[] = {
    {false, 2024, 5, 1, 0, 12, 30, 15, 123456, 60}, /* valid */
    {false, 2024, 2, 30, 0, 0, 0, 0, 0, 0},         /* February 30th: refused */
    {true, 0, 0, 0, 12, 1, 2, 3, 4, 0},             /* an interval */
};

/* 0, all bits set (or -1, or true), and two more */
#define TYPED_SAMPLE(ctype, sample) ((ctype)((sample) == 0 ? 0 : (sample) == 1 ? -1 : 37 * (sample)))
#define TYPED_PUT(suffix, ctype, cim, member)                                                       \
    static wbemev_status put_##suffix(wbemev_object_t *obj, wbemev_prop_handle h, int sample)      \
    {                                                                                              \
        return wbemev_object_put_##suffix##_h(obj, h, TYPED_SAMPLE(ctype, sample));                \
    }                                                                                              \
    static wbemev_value value_##suffix(int sample)                                                 \
    {                                                                                              \
        wbemev_value v;                                                                            \
        memset(&v, 0, sizeof v);                                                                   \
        v.type = cim;                                                                              \
        v.u.member = TYPED_SAMPLE(ctype, sample);                                                  \
        return v;                                                                                  \
    }
TYPED_PUT(sint8, int8_t, WBEMEV_CIM_SINT8, sint)
TYPED_PUT(uint8, uint8_t, WBEMEV_CIM_UINT8, uint)
TYPED_PUT(sint16, int16_t, WBEMEV_CIM_SINT16, sint)
TYPED_PUT(uint16, uint16_t, WBEMEV_CIM_UINT16, uint)
TYPED_PUT(sint32, int32_t, WBEMEV_CIM_SINT32, sint)
TYPED_PUT(uint32, uint32_t, WBEMEV_CIM_UINT32, uint)
TYPED_PUT(sint64, int64_t, WBEMEV_CIM_SINT64, sint)
TYPED_PUT(uint64, uint64_t, WBEMEV_CIM_UINT64, uint)
TYPED_PUT(real32, float, WBEMEV_CIM_REAL32, real)
TYPED_PUT(real64, double, WBEMEV_CIM_REAL64, real)
TYPED_PUT(boolean, bool, WBEMEV_CIM_BOOLEAN, boolean)
#undef TYPED_PUT

static uint16_t char16_sample(int sample)
{
    return sample == 0 ? 'x' : sample == 1 ? 0xD800 /* a surrogate: refused */ : 0x20AC;
}
static wbemev_status put_char16(wbemev_object_t *obj, wbemev_prop_handle h, int sample)
{
    return wbemev_object_put_char16_h(obj, h, char16_sample(sample));
}
static wbemev_value value_char16(int sample)
{
    wbemev_value v = {.type = WBEMEV_CIM_CHAR16};
    v.u.char16 = char16_sample(sample);
    return v;
}
static wbemev_status put_datetime(wbemev_object_t *obj, wbemev_prop_handle h, int sample)
{
    return wbemev_object_put_datetime_h(obj, h, sample == 3 ? NULL : &g_dt_samples[sample]);
}
static wbemev_value value_datetime(int sample)
{
    wbemev_value v = {.type = WBEMEV_CIM_DATETIME, .is_null = sample == 3};
    if (sample != 3)
        v.u.datetime = g_dt_samples[sample];
    return v;
}
static const char *string_sample(int sample)
{
    static const char *const s[] = {"short", "a string longer than the slot's own bytes", "", NULL};
    return s[sample];
}
static wbemev_status put_string(wbemev_object_t *obj, wbemev_prop_handle h, int sample)
{
    return wbemev_object_put_string_h(obj, h, string_sample(sample));
}
static wbemev_value value_string(int sample)
{
    wbemev_value v = {.type = WBEMEV_CIM_STRING, .is_null = string_sample(sample) == NULL};
    v.u.string = string_sample(sample);
    return v;
}

static const typed_put g_typed_puts[] = {
    {"sint8", put_sint8, value_sint8},       {"uint8", put_uint8, value_uint8},
    {"sint16", put_sint16, value_sint16},    {"uint16", put_uint16, value_uint16},
    {"sint32", put_sint32, value_sint32},    {"uint32", put_uint32, value_uint32},
    {"sint64", put_sint64, value_sint64},    {"uint64", put_uint64, value_uint64},
    {"real32", put_real32, value_real32},    {"real64", put_real64, value_real64},
    {"boolean", put_boolean, value_boolean}, {"char16", put_char16, value_char16},
    {"datetime", put_datetime, value_datetime}, {"string", put_string, value_string},
};

/* The two objects read the same through h (both NULL, or the same type and value). */
static bool same_property(const wbemev_object_t *a, const wbemev_object_t *b, wbemev_prop_handle h)
{
    wbemev_value x, y;
    if (wbemev_object_get_h(a, h, &x) != wbemev_object_get_h(b, h, &y))
        return false;
    if (x.type != y.type || x.is_null != y.is_null)
        return false;
    if (x.is_null)
        return true;
    switch (WBEMEV_CIM_BASE(x.type)) {
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE: return strcmp(x.u.string, y.u.string) == 0;
    case WBEMEV_CIM_DATETIME: {
        char tx[WBEMEV_DATETIME_LEN + 1], ty[WBEMEV_DATETIME_LEN + 1];
        return WBEMEV_SUCCEEDED(wbemev_datetime_format(&x.u.datetime, tx, sizeof tx)) &&
               WBEMEV_SUCCEEDED(wbemev_datetime_format(&y.u.datetime, ty, sizeof ty)) && strcmp(tx, ty) == 0;
    }
    case WBEMEV_CIM_REAL32:
    case WBEMEV_CIM_REAL64: return memcmp(&x.u.real, &y.u.real, sizeof x.u.real) == 0;
    case WBEMEV_CIM_BOOLEAN: return x.u.boolean == y.u.boolean;
    case WBEMEV_CIM_CHAR16: return x.u.char16 == y.u.char16;
    case WBEMEV_CIM_OBJECT: return x.u.object == y.u.object;
    default: return x.u.uint == y.u.uint;
    }
}

/* Every typed Put on every property of AllTypes (its own type and every other), on an object of
 * the handle's class, a frozen one and NULL; and through a superclass's handle and another class's:
 * the status and the property's value are those of wbemev_object_put_h with the same value. */
static void test_typed_puts_match_put_h(void **state)
{
    fixture *f = *state;
    int checked = 0, stored = 0;
    for (size_t p = 0; p < NTYPES; p++) {
        wbemev_object_t *probe = spawn(f->all);
        wbemev_prop_handle h;
        assert_wbemev_ok(wbemev_object_property_handle(probe, g_types[p].name, &h));
        wbemev_object_release(probe);
        for (size_t t = 0; t < sizeof g_typed_puts / sizeof g_typed_puts[0]; t++) {
            for (int sample = 0; sample < 4; sample++) {
                for (int frozen = 0; frozen < 2; frozen++) {
                    wbemev_object_t *a = spawn(f->all), *b = spawn(f->all);
                    if (frozen) {
                        wbemev_object_freeze(a);
                        wbemev_object_freeze(b);
                    }
                    wbemev_value v = g_typed_puts[t].value(sample);
                    wbemev_status want = wbemev_object_put_h(b, h, &v);
                    wbemev_status got = g_typed_puts[t].put(a, h, sample);
                    if (got != want || !same_property(a, b, h))
                        fail_msg("put_%s_h (sample %d%s) on %s: %s, put_h %s", g_typed_puts[t].what, sample,
                                 frozen ? ", frozen" : "", g_types[p].name, wbemev_status_name(got),
                                 wbemev_status_name(want));
                    stored += got == WBEMEV_S_NO_ERROR;
                    checked++;
                    wbemev_object_release(a);
                    wbemev_object_release(b);
                }
            }
            assert_wbemev_status(g_typed_puts[t].put(NULL, h, 0), WBEMEV_E_INVALID_PARAMETER);
        }
    }
    assert_true(stored > 20); /* each type's own property, most samples */
    /* A superclass's handle on a subclass object, and a handle of another class. */
    wbemev_object_t *disk = spawn(f->disk), *ssd = spawn(f->ssd), *other = spawn(f->other);
    wbemev_prop_handle size_h, x_h;
    assert_wbemev_ok(wbemev_object_property_handle(disk, "Size", &size_h));
    assert_wbemev_ok(wbemev_object_property_handle(other, "X", &x_h));
    assert_wbemev_ok(wbemev_object_put_uint64_h(ssd, size_h, 12345));
    uint64_t size = 0;
    assert_wbemev_ok(wbemev_object_get_uint64(ssd, "Size", &size));
    assert_int_equal(size, 12345);
    assert_wbemev_status(wbemev_object_put_sint32_h(disk, x_h, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_put_uint64_h(disk, x_h, 1), WBEMEV_E_INVALID_PARAMETER);
    wbemev_object_release(disk);
    wbemev_object_release(ssd);
    wbemev_object_release(other);
    print_message("%d typed Puts compared\n", checked);
}

/* ---- typed Gets through a handle: what wbemev_object_get_h reads, checked as the typed Gets by
 * name check it ---- */

static wbemev_status expect_typed_get(const wbemev_object_t *obj, wbemev_prop_handle h, wbemev_cimtype type,
                                      wbemev_value *v)
{
    wbemev_status st = wbemev_object_get_h(obj, h, v);
    if (WBEMEV_FAILED(st))
        return st;
    if (v->type != type)
        return WBEMEV_E_TYPE_MISMATCH;
    return v->is_null ? WBEMEV_E_ILLEGAL_NULL : WBEMEV_S_NO_ERROR;
}

#define CHECK_TYPED_GET(suffix, ctype, cim, member, conv)                                           \
    do {                                                                                           \
        typedef ctype value_type_;                                                                 \
        value_type_ out_, keep_;                                                                   \
        memset(&out_, 0x5a, sizeof out_);                                                          \
        memcpy(&keep_, &out_, sizeof out_); /* bytes: 0x5a is no bool */                      \
        wbemev_value v_;                                                                           \
        wbemev_status want_ = expect_typed_get(obj, h, cim, &v_);                                  \
        wbemev_status got_ = wbemev_object_get_##suffix##_h(obj, h, &out_);                        \
        if (got_ != want_)                                                                         \
            fail_msg("get_" #suffix "_h on %s: %s, expected %s", what, wbemev_status_name(got_),   \
                     wbemev_status_name(want_));                                                   \
        if (WBEMEV_SUCCEEDED(got_)) {                                                              \
            value_type_ expect_ = conv v_.u.member;                                                \
            assert_memory_equal(&out_, &expect_, sizeof out_);                                     \
            stored++;                                                                              \
        } else {                                                                                   \
            assert_memory_equal(&out_, &keep_, sizeof out_); /* untouched */                       \
        }                                                                                          \
        assert_wbemev_status(wbemev_object_get_##suffix##_h(obj, h, NULL), WBEMEV_E_INVALID_PARAMETER); \
        assert_wbemev_status(wbemev_object_get_##suffix##_h(NULL, h, &out_), WBEMEV_E_INVALID_PARAMETER); \
        checked++;                                                                                 \
    } while (0)

static void check_typed_gets(const wbemev_object_t *obj, wbemev_prop_handle h, const char *what, int *checked_out,
                             int *stored_out)
{
    int checked = 0, stored = 0;
    CHECK_TYPED_GET(sint8, int8_t, WBEMEV_CIM_SINT8, sint, (int8_t));
    CHECK_TYPED_GET(uint8, uint8_t, WBEMEV_CIM_UINT8, uint, (uint8_t));
    CHECK_TYPED_GET(sint16, int16_t, WBEMEV_CIM_SINT16, sint, (int16_t));
    CHECK_TYPED_GET(uint16, uint16_t, WBEMEV_CIM_UINT16, uint, (uint16_t));
    CHECK_TYPED_GET(sint32, int32_t, WBEMEV_CIM_SINT32, sint, (int32_t));
    CHECK_TYPED_GET(uint32, uint32_t, WBEMEV_CIM_UINT32, uint, (uint32_t));
    CHECK_TYPED_GET(sint64, int64_t, WBEMEV_CIM_SINT64, sint, (int64_t));
    CHECK_TYPED_GET(uint64, uint64_t, WBEMEV_CIM_UINT64, uint, (uint64_t));
    CHECK_TYPED_GET(real32, float, WBEMEV_CIM_REAL32, real, (float));
    CHECK_TYPED_GET(real64, double, WBEMEV_CIM_REAL64, real, (double));
    CHECK_TYPED_GET(boolean, bool, WBEMEV_CIM_BOOLEAN, boolean, (bool));
    CHECK_TYPED_GET(char16, uint16_t, WBEMEV_CIM_CHAR16, char16, (uint16_t));
    CHECK_TYPED_GET(datetime, wbemev_datetime, WBEMEV_CIM_DATETIME, datetime, );
    CHECK_TYPED_GET(string, const char *, WBEMEV_CIM_STRING, string, );
    *checked_out += checked;
    *stored_out += stored;
}

static bool selects_all_but_s8(void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "S8") != 0;
}

/* Every typed Get on every property of AllTypes, set and NULL, on an object and on a projection
 * view of it; through a superclass's handle on a subclass object, and another class's handle. */
static void test_typed_gets_match_get_h(void **state)
{
    fixture *f = *state;
    int checked = 0, stored = 0;
    wbemev_object_t *set = spawn(f->all), *nulls = spawn(f->all);
    for (size_t t = 0; t < sizeof g_typed_puts / sizeof g_typed_puts[0]; t++)
        for (size_t p = 0; p < NTYPES; p++) {
            wbemev_prop_handle h;
            assert_wbemev_ok(wbemev_object_property_handle(set, g_types[p].name, &h));
            (void)g_typed_puts[t].put(set, h, 2); /* the property of the put's own type is set */
        }
    wbemev_object_freeze(set);
    for (size_t p = 0; p < NTYPES; p++) {
        wbemev_prop_handle h;
        assert_wbemev_ok(wbemev_object_property_handle(set, g_types[p].name, &h));
        check_typed_gets(set, h, g_types[p].name, &checked, &stored);
        check_typed_gets(nulls, h, g_types[p].name, &checked, &stored);
    }
    assert_true(stored >= 14); /* each type read from its own property */
    wbemev_object_t *view = NULL; /* SELECT all but S8: the view reads its base, and S8 as NULL */
    assert_wbemev_ok(wbemev__object_new_view(set, selects_all_but_s8, NULL, &view));
    for (size_t p = 0; p < NTYPES; p++) {
        wbemev_prop_handle h;
        assert_wbemev_ok(wbemev_object_property_handle(set, g_types[p].name, &h));
        check_typed_gets(view, h, g_types[p].name, &checked, &stored);
    }
    int8_t s8 = 3;
    wbemev_prop_handle s8_h;
    assert_wbemev_ok(wbemev_object_property_handle(set, "S8", &s8_h));
    assert_wbemev_status(wbemev_object_get_sint8_h(view, s8_h, &s8), WBEMEV_E_ILLEGAL_NULL);
    assert_int_equal(s8, 3);
    wbemev_object_release(view);
    wbemev_object_t *disk = spawn(f->disk), *ssd = spawn(f->ssd), *other = spawn(f->other);
    wbemev_prop_handle size_h, x_h;
    assert_wbemev_ok(wbemev_object_property_handle(disk, "Size", &size_h));
    assert_wbemev_ok(wbemev_object_property_handle(other, "X", &x_h));
    assert_wbemev_ok(wbemev_object_put_uint64_h(ssd, size_h, 77));
    uint64_t size = 0;
    assert_wbemev_ok(wbemev_object_get_uint64_h(ssd, size_h, &size));
    assert_int_equal(size, 77);
    int32_t x = 5;
    assert_wbemev_status(wbemev_object_get_sint32_h(disk, x_h, &x), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(x, 5);
    wbemev_object_release(disk);
    wbemev_object_release(ssd);
    wbemev_object_release(other);
    wbemev_object_release(set);
    wbemev_object_release(nulls);
    print_message("%d typed Gets compared\n", checked);
}

static void test_frozen(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    assert_wbemev_ok(wbemev_object_put_string(o, "Str", "before"));
    wbemev_object_freeze(o);
    wbemev_object_freeze(o); /* idempotent */
    assert_true(wbemev_object_is_frozen(o));
    assert_wbemev_status(wbemev_object_put_string(o, "Str", "after"), WBEMEV_E_READ_ONLY);
    assert_wbemev_status(wbemev_object_put(o, "Str", NULL), WBEMEV_E_READ_ONLY);
    wbemev_prop_handle h;
    assert_wbemev_ok(wbemev_object_property_handle(o, "Str", &h));
    wbemev_value v = WBEMEV_V_STRING("after");
    assert_wbemev_status(wbemev_object_put_h(o, h, &v), WBEMEV_E_READ_ONLY);
    const char *s = NULL;
    assert_wbemev_ok(wbemev_object_get_string(o, "Str", &s));
    assert_string_equal(s, "before");

    /* Its clone is mutable, not indicated, and independent. */
    assert_int_equal(wbemev__object_mark_indicated(o, 1, 7), 0);
    wbemev_object_t *c = NULL;
    assert_wbemev_ok(wbemev_object_clone(o, &c));
    assert_false(wbemev_object_is_frozen(c));
    assert_int_equal(wbemev__object_mark_indicated(c, 2, 7), 0);
    assert_wbemev_ok(wbemev_object_put_string(c, "Str", "after"));
    assert_wbemev_ok(wbemev_object_get_string(c, "Str", &s));
    assert_string_equal(s, "after");
    assert_wbemev_ok(wbemev_object_get_string(o, "Str", &s));
    assert_string_equal(s, "before");

    /* Freezing is deep: an embedded copy is frozen with its container. */
    wbemev_object_t *d = named_disk(f, "E:");
    assert_wbemev_ok(wbemev_object_put_object(c, "Target", d));
    wbemev_object_t *inner = NULL;
    assert_wbemev_ok(wbemev_object_get_object(c, "Target", &inner));
    assert_false(wbemev_object_is_frozen(inner));
    wbemev_object_freeze(c);
    assert_true(wbemev_object_is_frozen(inner));
    assert_false(wbemev_object_is_frozen(d));
    assert_wbemev_status(wbemev_object_put_string(inner, "Name", "F:"), WBEMEV_E_READ_ONLY);

    wbemev_object_release(d);
    wbemev_object_release(c);
    wbemev_object_release(o);
}

/* ---- a failed Put changes nothing ---- */

static void test_failed_put_changes_nothing(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    const char *long_text = "this string is long enough to live outside its slot";
    assert_wbemev_ok(wbemev_object_put_string(o, "Str", long_text));
    assert_wbemev_ok(wbemev_object_put_sint8(o, "S8", 7));
    const int32_t arr[] = {1, 2, 3};
    wbemev_value av = WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, arr, 3);
    assert_wbemev_ok(wbemev_object_put(o, "AS32", &av));
    wbemev_object_t *d = named_disk(f, "C:");
    assert_wbemev_ok(wbemev_object_put_object(o, "Target", d));

    assert_wbemev_status(wbemev_object_put_string(o, "Str", "\xff"), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_put_sint32(o, "Str", 1), WBEMEV_E_TYPE_MISMATCH);
    wbemev_value big = WBEMEV_V_SINT8(1000);
    assert_wbemev_status(wbemev_object_put(o, "S8", &big), WBEMEV_E_VALUE_OUT_OF_RANGE);
    const int32_t *null_items = NULL;
    wbemev_value bad_arr = WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, null_items, 4);
    assert_wbemev_status(wbemev_object_put(o, "AS32", &bad_arr), WBEMEV_E_INVALID_PARAMETER);
    wbemev_object_t *x = spawn(f->other);
    assert_wbemev_status(wbemev_object_put_object(o, "Target", x), WBEMEV_E_TYPE_MISMATCH);

    /* Out of memory: the allocation comes first, the swap after. */
    g_alloc.fail_after = 0;
    /* (longer than the stored string: a shorter one would reuse its block) */
    assert_wbemev_status(wbemev_object_put_string(o, "Str", "another string, longer than the first one, so "
                                                            "it needs a new block"),
                         WBEMEV_E_OUT_OF_MEMORY);
    const int32_t more[] = {1, 2, 3, 4, 5, 6, 7, 8};
    wbemev_value av8 = WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, more, 8);
    assert_wbemev_status(wbemev_object_put(o, "AS32", &av8), WBEMEV_E_OUT_OF_MEMORY);
    const char *const strs[] = {"a", "b"};
    wbemev_value sv = WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, strs, 2);
    assert_wbemev_status(wbemev_object_put(o, "AStr", &sv), WBEMEV_E_OUT_OF_MEMORY);
    wbemev_object_t *d2 = NULL;
    assert_wbemev_status(wbemev_object_clone(d, &d2), WBEMEV_E_OUT_OF_MEMORY);
    assert_wbemev_status(wbemev_object_put_object(o, "Target", d), WBEMEV_E_OUT_OF_MEMORY);
    wbemev_object_t *const two[] = {d, d};
    wbemev_value ov = WBEMEV_V_ARRAY(WBEMEV_CIM_OBJECT, two, 2);
    assert_wbemev_status(wbemev_object_put(o, "Disks", &ov), WBEMEV_E_OUT_OF_MEMORY);
    g_alloc.fail_after = 2; /* the block and the first clone succeed, the second clone fails */
    assert_wbemev_status(wbemev_object_put(o, "Disks", &ov), WBEMEV_E_OUT_OF_MEMORY);
    g_alloc.fail_after = -1;
    assert_null(d2);

    const char *s = NULL;
    assert_wbemev_ok(wbemev_object_get_string(o, "Str", &s));
    assert_string_equal(s, long_text);
    int8_t s8 = 0;
    assert_wbemev_ok(wbemev_object_get_sint8(o, "S8", &s8));
    assert_int_equal(s8, 7);
    wbemev_value got;
    assert_wbemev_ok(wbemev_object_get(o, "AS32", &got));
    assert_int_equal(got.u.array.count, 3);
    assert_memory_equal(got.u.array.items, arr, sizeof arr);
    assert_true(wbemev_object_is_null(o, "AStr"));
    assert_true(wbemev_object_is_null(o, "Disks"));
    wbemev_object_t *t = NULL;
    assert_wbemev_ok(wbemev_object_get_object(o, "Target", &t));
    assert_wbemev_ok(wbemev_object_get_string(t, "Name", &s));
    assert_string_equal(s, "C:");

    wbemev_object_release(x);
    wbemev_object_release(d);
    wbemev_object_release(o);
}

/* Every allocation a clone or spawn makes may fail; each failure leaves nothing behind. */
static void test_copy_out_of_memory(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    wbemev_object_t *d = named_disk(f, "a disk name that is long enough for the heap");
    wbemev_object_t *frozen = named_disk(f, "frozen");
    wbemev_object_freeze(frozen);
    assert_wbemev_ok(wbemev_object_put_object(o, "Target", d));
    wbemev_object_t *const objs[] = {d, frozen, d};
    wbemev_value ov = WBEMEV_V_ARRAY(WBEMEV_CIM_OBJECT, objs, 3);
    assert_wbemev_ok(wbemev_object_put(o, "Disks", &ov));
    assert_wbemev_ok(wbemev_object_put_string(o, "Str", "a long string value that goes out of line"));
    size_t objects = wbemev_live_objects();
    size_t allocations = wbemev_live_allocations();

    int failures = 0;
    for (long n = 0;; n++) {
        wbemev_object_t *c = NULL;
        g_alloc.fail_after = n;
        wbemev_status st = wbemev_object_clone(o, &c);
        g_alloc.fail_after = -1;
        if (WBEMEV_SUCCEEDED(st)) {
            assert_non_null(c);
            wbemev_object_release(c);
            break;
        }
        assert_wbemev_status(st, WBEMEV_E_OUT_OF_MEMORY);
        assert_null(c);
        assert_int_equal(wbemev_live_objects(), objects);
        assert_int_equal(wbemev_live_allocations(), allocations);
        failures++;
    }
    assert_int_equal(failures, 4); /* the block, Target, and two of the Disks */
    wbemev_object_release(frozen);
    wbemev_object_release(d);
    wbemev_object_release(o);
}

/* ---- handles ---- */

static void test_handles(void **state)
{
    fixture *f = *state;
    wbemev_object_t *disk = spawn(f->disk);
    wbemev_object_t *ssd = spawn(f->ssd);
    wbemev_object_t *other = spawn(f->other);

    wbemev_prop_handle name_h, wear_h, x_h;
    assert_wbemev_ok(wbemev_object_property_handle(disk, "NAME", &name_h));
    assert_wbemev_ok(wbemev_object_property_handle(ssd, "Wear", &wear_h));
    assert_wbemev_ok(wbemev_object_property_handle(other, "X", &x_h));
    wbemev_property_info info;
    assert_wbemev_ok(wbemev_class_find_property(f->disk, "Name", &info));
    assert_memory_equal(&info.handle, &name_h, sizeof name_h);

    /* The base class's handle works on the subclass's instances. */
    wbemev_value v = WBEMEV_V_STRING("S:");
    assert_wbemev_ok(wbemev_object_put_h(ssd, name_h, &v));
    assert_wbemev_ok(wbemev_object_put_h(disk, name_h, &v));
    wbemev_value got;
    assert_wbemev_ok(wbemev_object_get_h(ssd, name_h, &got));
    assert_string_equal(got.u.string, "S:");
    const char *s = NULL;
    assert_wbemev_ok(wbemev_object_get_string(ssd, "Name", &s));
    assert_string_equal(s, "S:");
    v = WBEMEV_V_UINT8(9);
    assert_wbemev_ok(wbemev_object_put_h(ssd, wear_h, &v));
    assert_wbemev_ok(wbemev_object_get_h(ssd, wear_h, &got));
    assert_int_equal(got.type, WBEMEV_CIM_UINT8);
    assert_int_equal(got.u.uint, 9);

    /* Not the other way round, and not across unrelated classes. */
    assert_wbemev_status(wbemev_object_put_h(disk, wear_h, &v), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_get_h(disk, wear_h, &got), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_put_h(disk, x_h, &v), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_get_h(other, name_h, &got), WBEMEV_E_INVALID_PARAMETER);
    /* Forged handles. */
    wbemev_prop_handle bad = name_h;
    bad.index = 2;
    assert_wbemev_status(wbemev_object_get_h(ssd, bad, &got), WBEMEV_E_INVALID_PARAMETER);
    bad = name_h;
    bad.depth = 7;
    assert_wbemev_status(wbemev_object_get_h(ssd, bad, &got), WBEMEV_E_INVALID_PARAMETER);
    bad = name_h;
    bad.class_id = 0;
    assert_wbemev_status(wbemev_object_get_h(ssd, bad, &got), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_get_h(NULL, name_h, &got), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_get_h(ssd, name_h, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_put_h(NULL, name_h, &v), WBEMEV_E_INVALID_PARAMETER);

    /* Handle Put follows Put's rules. */
    assert_wbemev_status(wbemev_object_put_h(ssd, name_h, &v), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_ok(wbemev_object_put_h(ssd, name_h, NULL));
    assert_true(wbemev_object_is_null(ssd, "Name"));

    /* A handle from __Event works on every event instance. */
    wbemev_class_t *event = NULL;
    assert_wbemev_ok(wbemev_namespace_get_class(f->ns, "__Event", &event));
    wbemev_property_info tc;
    assert_wbemev_ok(wbemev_class_find_property(event, "TIME_CREATED", &tc));
    wbemev_object_t *ev = spawn(f->all);
    v = WBEMEV_V_UINT64(99);
    assert_wbemev_ok(wbemev_object_put_h(ev, tc.handle, &v));
    uint64_t u64 = 0;
    assert_wbemev_ok(wbemev_object_get_uint64(ev, "time_created", &u64));
    assert_int_equal(u64, 99);
    assert_wbemev_status(wbemev_object_put_h(disk, tc.handle, &v), WBEMEV_E_INVALID_PARAMETER);
    wbemev_class_release(event);

    wbemev_object_release(ev);
    wbemev_object_release(disk);
    wbemev_object_release(ssd);
    wbemev_object_release(other);
}

/* ---- embedded objects ---- */

static void test_embedded_objects(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    wbemev_object_t *d = named_disk(f, "C:");
    wbemev_object_t *ssd = spawn(f->ssd);
    wbemev_object_t *x = spawn(f->other);
    size_t disks = wbemev_class_live_instances(f->disk);

    /* Unfrozen: copied, so later changes to the original do not show. */
    assert_wbemev_ok(wbemev_object_put_object(o, "Target", d));
    assert_int_equal(wbemev_class_live_instances(f->disk), disks + 1);
    wbemev_object_t *got = NULL;
    assert_wbemev_ok(wbemev_object_get_object(o, "Target", &got));
    assert_ptr_not_equal(got, d);
    assert_wbemev_ok(wbemev_object_put_string(d, "Name", "changed"));
    const char *s = NULL;
    assert_wbemev_ok(wbemev_object_get_string(got, "Name", &s));
    assert_string_equal(s, "C:");

    /* Frozen: shared. */
    wbemev_object_freeze(d);
    assert_wbemev_ok(wbemev_object_put_object(o, "Target", d));
    assert_int_equal(wbemev_class_live_instances(f->disk), disks);
    assert_wbemev_ok(wbemev_object_get_object(o, "Target", &got));
    assert_ptr_equal(got, d);

    /* ref_class: a subclass is accepted, an unrelated class is not, NULL ref_class takes any. */
    assert_wbemev_ok(wbemev_object_put_object(o, "Target", ssd));
    assert_wbemev_status(wbemev_object_put_object(o, "Target", x), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_ok(wbemev_object_get_object(o, "Target", &got));
    assert_string_equal(wbemev_object_class_name(got), "Ssd");
    assert_wbemev_ok(wbemev_object_put_object(o, "Obj", x));
    wbemev_object_t *const mixed[] = {d, x};
    wbemev_value mv = WBEMEV_V_ARRAY(WBEMEV_CIM_OBJECT, mixed, 2);
    assert_wbemev_status(wbemev_object_put(o, "Disks", &mv), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_ok(wbemev_object_put(o, "AObj", &mv));
    /* A class may refer to itself; an object can be embedded in itself (as a copy). */
    assert_wbemev_ok(wbemev_object_put_object(o, "Self", o));
    assert_wbemev_ok(wbemev_object_get_object(o, "Self", &got));
    assert_ptr_not_equal(got, o);
    assert_wbemev_ok(wbemev_object_put_object(o, "Self", got)); /* Get's result Put back */
    assert_wbemev_status(wbemev_object_put_object(o, "Self", d), WBEMEV_E_TYPE_MISMATCH);
    /* A class object may be embedded too. */
    assert_wbemev_ok(wbemev_object_put_object(o, "Target", wbemev_class_object(f->disk)));

    /* Clone: unfrozen embedded objects are copied, frozen ones shared. */
    assert_wbemev_ok(wbemev_object_put_object(o, "Target", d));
    wbemev_object_t *c = NULL;
    assert_wbemev_ok(wbemev_object_clone(o, &c));
    wbemev_object_t *a = NULL, *b = NULL;
    assert_wbemev_ok(wbemev_object_get_object(c, "Target", &a));
    assert_ptr_equal(a, d);
    assert_wbemev_ok(wbemev_object_get_object(o, "Obj", &a));
    assert_wbemev_ok(wbemev_object_get_object(c, "Obj", &b));
    assert_ptr_not_equal(a, b);
    assert_string_equal(wbemev_object_class_name(b), "Other");

    /* The embedded object keeps its class alive after the class is deleted. */
    assert_wbemev_ok(wbemev_namespace_delete_class(f->ns, "Other"));
    wbemev_object_release(x);
    assert_string_equal(wbemev_object_class_name(b), "Other");

    wbemev_object_release(c);
    wbemev_object_release(o);
    wbemev_object_release(ssd);
    wbemev_object_release(d);
    assert_int_equal(wbemev_class_live_instances(f->disk), 0);
    assert_int_equal(wbemev_class_live_instances(f->other), 0);
}

/* ---- strings ---- */

static void test_strings(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    char buf[1100];
    /* Every length around the inline limit, and a long one. */
    static const size_t lengths[] = {0, 1, 21, 22, 23, 24, 25, 100, 1099, 30, 5, 1099};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        size_t n = lengths[i];
        for (size_t k = 0; k < n; k++)
            buf[k] = (char)('a' + (k + i) % 26);
        buf[n] = '\0';
        assert_wbemev_ok(wbemev_object_put_string(o, "Str", buf));
        const char *s = NULL;
        assert_wbemev_ok(wbemev_object_get_string(o, "Str", &s));
        assert_string_equal(s, buf);
        assert_ptr_not_equal(s, buf);
        /* Put what Get returned: the source aliases the storage. */
        assert_wbemev_ok(wbemev_object_put_string(o, "Str", s));
        assert_wbemev_ok(wbemev_object_get_string(o, "Str", &s));
        assert_string_equal(s, buf);
        /* Put a suffix of the stored string (overlapping move). */
        if (n > 2) {
            assert_wbemev_ok(wbemev_object_put_string(o, "Str", s + 2));
            assert_wbemev_ok(wbemev_object_get_string(o, "Str", &s));
            assert_string_equal(s, buf + 2);
        }
        /* A clone copies the string. */
        wbemev_object_t *c = NULL;
        assert_wbemev_ok(wbemev_object_clone(o, &c));
        const char *cs = NULL;
        assert_wbemev_ok(wbemev_object_get_string(c, "Str", &cs));
        assert_string_equal(cs, n > 2 ? buf + 2 : buf);
        assert_ptr_not_equal(cs, s);
        wbemev_object_release(c);
    }
    /* UTF-8 in all its lengths. */
    const char *utf8 = "\x7f \xc2\x80 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf";
    assert_wbemev_ok(wbemev_object_put_string(o, "Str", utf8));
    const char *s = NULL;
    assert_wbemev_ok(wbemev_object_get_string(o, "Str", &s));
    assert_string_equal(s, utf8);
    /* Invalid: truncated, overlong, surrogate, beyond U+10FFFF, stray continuation. */
    static const char *const bad[] = {"\xc3", "\xc0\xaf", "\xed\xb0\x80", "\xf4\x90\x80\x80",
                                      "\x80", "ok\xe2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_wbemev_status(wbemev_object_put_string(o, "Str", bad[i]), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_ok(wbemev_object_get_string(o, "Str", &s));
    assert_string_equal(s, utf8);
    wbemev_object_release(o);
}

/* ---- defaults from the class object ---- */

static void test_defaults(void **state)
{
    fixture *f = *state;
    wbemev_object_t *co = wbemev_class_object(f->all);
    assert_non_null(co);
    assert_int_equal(wbemev_object_genus(co), WBEMEV_GENUS_CLASS);
    assert_ptr_equal(wbemev_object_class(co), f->all);
    assert_false(wbemev_object_is_frozen(co));
    size_t live = wbemev_class_live_instances(f->all);
    assert_int_equal(live, 0);

    const char *long_default = "a default string that is long enough to leave the slot";
    assert_wbemev_ok(wbemev_object_put_uint32(co, "U32", 17));
    assert_wbemev_ok(wbemev_object_put_string(co, "Str", long_default));
    const char *const tags[] = {"x", "y"};
    wbemev_value tv = WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, tags, 2);
    assert_wbemev_ok(wbemev_object_put(co, "AStr", &tv));

    wbemev_object_t *a = spawn(f->all);
    wbemev_object_t *b = NULL;
    assert_wbemev_ok(wbemev_object_spawn_instance(co, &b));
    assert_int_equal(wbemev_class_live_instances(f->all), 2);
    for (int i = 0; i < 2; i++) {
        wbemev_object_t *o = i == 0 ? a : b;
        assert_int_equal(wbemev_object_genus(o), WBEMEV_GENUS_INSTANCE);
        uint32_t u = 0;
        assert_wbemev_ok(wbemev_object_get_uint32(o, "U32", &u));
        assert_int_equal(u, 17);
        const char *s = NULL;
        assert_wbemev_ok(wbemev_object_get_string(o, "Str", &s));
        assert_string_equal(s, long_default);
        wbemev_value v;
        assert_wbemev_ok(wbemev_object_get(o, "AStr", &v));
        assert_int_equal(v.u.array.count, 2);
        assert_string_equal(((const char *const *)v.u.array.items)[1], "y");
        assert_true(wbemev_object_is_null(o, "S32"));
    }
    /* Instances do not share storage with the class object. */
    assert_wbemev_ok(wbemev_object_put_uint32(a, "U32", 18));
    uint32_t u = 0;
    assert_wbemev_ok(wbemev_object_get_uint32(co, "U32", &u));
    assert_int_equal(u, 17);

    /* Spawn needs a class object; a clone of the class object is one. */
    wbemev_object_t *x = NULL;
    assert_wbemev_status(wbemev_object_spawn_instance(a, &x), WBEMEV_E_INVALID_OPERATION);
    assert_null(x);
    wbemev_object_t *co2 = NULL;
    assert_wbemev_ok(wbemev_object_clone(co, &co2));
    assert_int_equal(wbemev_object_genus(co2), WBEMEV_GENUS_CLASS);
    assert_int_equal(wbemev_class_live_instances(f->all), 2); /* class objects are not counted */
    assert_wbemev_ok(wbemev_object_spawn_instance(co2, &x));
    assert_wbemev_ok(wbemev_object_get_uint32(x, "U32", &u));
    assert_int_equal(u, 17);

    /* Frozen defaults are final; spawned instances stay mutable. */
    wbemev_object_freeze(co);
    assert_wbemev_status(wbemev_object_put_uint32(co, "U32", 1), WBEMEV_E_READ_ONLY);
    wbemev_object_t *y = spawn(f->all);
    assert_false(wbemev_object_is_frozen(y));
    assert_wbemev_ok(wbemev_object_put_uint32(y, "U32", 1));

    wbemev_object_release(y);
    wbemev_object_release(x);
    wbemev_object_release(co2);
    wbemev_object_release(a);
    wbemev_object_release(b);
    assert_int_equal(wbemev_class_live_instances(f->all), 0);
}

/* ---- counts ---- */

static void test_live_counts(void **state)
{
    fixture *f = *state;
    size_t objects = wbemev_live_objects();
    wbemev_object_t *d1 = spawn(f->disk);
    wbemev_object_t *d2 = NULL;
    assert_wbemev_ok(wbemev_object_clone(d1, &d2));
    wbemev_object_t *s1 = spawn(f->ssd);
    assert_int_equal(wbemev_class_live_instances(f->disk), 2); /* instances of the class itself */
    assert_int_equal(wbemev_class_live_instances(f->ssd), 1);
    assert_int_equal(wbemev_class_live_instances(f->other), 0);
    assert_int_equal(wbemev_live_objects(), objects + 3);
    wbemev_object_add_ref(d1);
    wbemev_object_release(d1);
    assert_int_equal(wbemev_class_live_instances(f->disk), 2);
    wbemev_object_release(d1);
    assert_int_equal(wbemev_class_live_instances(f->disk), 1);
    wbemev_object_release(d2);
    wbemev_object_release(s1);
    assert_int_equal(wbemev_class_live_instances(f->disk), 0);
    assert_int_equal(wbemev_class_live_instances(f->ssd), 0);
    assert_int_equal(wbemev_live_objects(), objects);

    /* Each class has a class object, counted as a live object while the class lives. */
    wbemev_class_t *tmp = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(f->ns, "Temp", NULL, NULL, 0, &tmp));
    assert_int_equal(wbemev_live_objects(), objects + 1);
    assert_wbemev_ok(wbemev_namespace_delete_class(f->ns, "Temp"));
    wbemev_class_release(tmp);
    assert_int_equal(wbemev_live_objects(), objects);
}

/* ---- allocation behaviour of the hot path ---- */

static void test_hot_path_allocations(void **state)
{
    fixture *f = *state;
    wbemev_object_t *tmpl = spawn(f->all);
    assert_wbemev_ok(wbemev_object_put_string(tmpl, "Str", "a template string long enough for the heap"));
    assert_wbemev_ok(wbemev_object_put_reference(tmpl, "Ref", "short"));
    const char *const tags[] = {"alpha", "beta", "gamma"};
    wbemev_value tv = WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, tags, 3);
    assert_wbemev_ok(wbemev_object_put(tmpl, "AStr", &tv));
    const uint8_t sd[] = {1, 0, 4, 0x80, 0, 0, 0, 0};
    wbemev_value sdv = WBEMEV_V_ARRAY(WBEMEV_CIM_UINT8, sd, sizeof sd);
    assert_wbemev_ok(wbemev_object_put(tmpl, "SECURITY_DESCRIPTOR", &sdv));
    wbemev_object_t *d = named_disk(f, "C:");
    wbemev_object_freeze(d);
    assert_wbemev_ok(wbemev_object_put_object(tmpl, "Target", d));
    wbemev_prop_handle h;
    assert_wbemev_ok(wbemev_object_property_handle(tmpl, "S64", &h));

    for (int i = 0; i < 3; i++) {
        size_t before = atomic_load(&g_alloc.mallocs);
        wbemev_object_t *ev = NULL;
        assert_wbemev_ok(wbemev_object_clone(tmpl, &ev)); /* one block, whatever the values */
        assert_int_equal(atomic_load(&g_alloc.mallocs) - before, 1);
        wbemev_value v = WBEMEV_V_SINT64(i);
        assert_wbemev_ok(wbemev_object_put_h(ev, h, &v));
        assert_wbemev_ok(wbemev_object_put_sint32(ev, "S32", i));
        assert_wbemev_ok(wbemev_object_put_reference(ev, "Ref", "a short string"));
        assert_wbemev_ok(wbemev_object_put_string(ev, "Str", "a shorter but still long string"));
        const uint8_t sd2[] = {1, 2, 3};
        wbemev_value sdv2 = WBEMEV_V_ARRAY(WBEMEV_CIM_UINT8, sd2, 3);
        assert_wbemev_ok(wbemev_object_put(ev, "SECURITY_DESCRIPTOR", &sdv2));
        assert_wbemev_ok(wbemev_object_put_object(ev, "Target", d));
        wbemev__object_stamp_time_created(ev, 1234);
        wbemev_object_freeze(ev);
        (void)wbemev__object_mark_indicated(ev, 100 + (uint64_t)i, 1);
        assert_int_equal(atomic_load(&g_alloc.mallocs) - before, 1); /* nothing more in steady state */
        const char *s = NULL;
        assert_wbemev_ok(wbemev_object_get_string(ev, "Str", &s));
        assert_string_equal(s, "a shorter but still long string");
        wbemev_object_release(ev);
    }
    wbemev_object_release(d);
    wbemev_object_release(tmpl);
}

/* A freed instance's block is kept by its class for the next clone or spawn: by the thread that
 * owns the class's cache (the first to make an instance), or given back to it by another thread.
 * It is not a live allocation, and goes back to the hook with the class. */
static void free_on_thread(void *arg)
{
    wbemev_object_release(arg);
}

static void test_block_cache(void **state)
{
    fixture *f = *state;
    wbemev_class_t *cls = NULL;
    const wbemev_property_def props[] = {{"N", WBEMEV_CIM_UINT32, NULL}, {"S", WBEMEV_CIM_STRING, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(f->ns, "Cached", NULL, props, 2, &cls));
    wbemev_object_t *tmpl = spawn(cls);
    assert_wbemev_ok(wbemev_object_put_string(tmpl, "S", "short")); /* in its slot: a plain block */
    size_t live = wbemev_live_allocations();

    wbemev_object_t *ev[4];
    size_t m0 = atomic_load(&g_alloc.mallocs);
    for (int i = 0; i < 4; i++)
        assert_wbemev_ok(wbemev_object_clone(tmpl, &ev[i]));
    assert_int_equal(atomic_load(&g_alloc.mallocs) - m0, 4); /* nothing cached yet */
    assert_int_equal(wbemev_live_allocations(), live + 4);
    size_t f0 = atomic_load(&g_alloc.frees);
    for (int i = 0; i < 4; i++) {
        wbemev_object_freeze(ev[i]); /* as after an Indicate: none of it may show in a reuse */
        assert_int_equal(wbemev__object_mark_indicated(ev[i], 9, 1), 0);
        wbemev_object_release(ev[i]);
    }
    assert_int_equal(atomic_load(&g_alloc.frees) - f0, 0); /* kept by the class */
    assert_int_equal(wbemev_live_allocations(), live);     /* and not counted as live */

    /* The next clones and spawns reuse them, values fresh. */
    m0 = atomic_load(&g_alloc.mallocs);
    for (int i = 0; i < 4; i++) {
        if (i < 2)
            assert_wbemev_ok(wbemev_object_clone(tmpl, &ev[i]));
        else
            assert_wbemev_ok(wbemev_class_spawn_instance(cls, &ev[i]));
        assert_false(wbemev_object_is_frozen(ev[i]));
        assert_int_equal(wbemev__object_mark_indicated(ev[i], 40 + (uint64_t)i, 1), 0); /* unmarked */
    }
    assert_int_equal(atomic_load(&g_alloc.mallocs) - m0, 0);
    assert_int_equal(wbemev_live_allocations(), live + 4);
    const char *str = NULL;
    assert_wbemev_ok(wbemev_object_get_string(ev[0], "S", &str));
    assert_string_equal(str, "short");
    assert_true(wbemev_object_is_null(ev[3], "S"));
    assert_wbemev_ok(wbemev_object_put_uint32(ev[3], "N", 7));

    /* A block that grew an out-of-line string is still reusable once the string is freed. */
    assert_wbemev_ok(wbemev_object_put_string(ev[1], "S", "a string far too long to be kept inside its slot"));

    /* Freed on another thread (a queued worker): given back to the owner, which takes it once
     * its own list is empty. */
    f0 = atomic_load(&g_alloc.frees);
    wbemev__thread t;
    assert_true(wbemev__thread_start(&t, free_on_thread, ev[2]));
    wbemev__thread_join(&t);
    assert_int_equal(atomic_load(&g_alloc.frees) - f0, 0);
    assert_int_equal(wbemev_live_allocations(), live + 3 + 1); /* ev[1]'s string */
    m0 = atomic_load(&g_alloc.mallocs);
    assert_wbemev_ok(wbemev_object_clone(tmpl, &ev[2]));
    assert_int_equal(atomic_load(&g_alloc.mallocs) - m0, 0);
    assert_true(wbemev_object_is_null(ev[2], "N"));
    wbemev_object_release(ev[2]);

    wbemev_object_release(ev[0]);
    wbemev_object_release(ev[1]);
    wbemev_object_release(ev[3]);
    assert_int_equal(wbemev_live_allocations(), live);
    wbemev_object_release(tmpl);

    /* The class gives its cache back when it goes. */
    f0 = atomic_load(&g_alloc.frees);
    assert_wbemev_ok(wbemev_namespace_delete_class(f->ns, "Cached"));
    wbemev_class_release(cls);
    assert_true(atomic_load(&g_alloc.frees) - f0 >= 4); /* the cached blocks and the class's own */
}

/* Frees a batch of instances as a queued worker does (one hand-back of their blocks). */
struct batch_free {
    wbemev_object_t **v;
    size_t n;
};

static void batch_free_on_thread(void *arg)
{
    struct batch_free *b = arg;
    wbemev__object_free_batch_begin();
    for (size_t i = 0; i < b->n; i++)
        wbemev_object_release(b->v[i]);
    wbemev__object_free_batch_end();
}

static size_t mallocs_now(void)
{
    return atomic_load(&g_alloc.mallocs);
}

static size_t frees_now(void)
{
    return atomic_load(&g_alloc.frees);
}

/* Blocks another thread frees in a batch come back to the owner as chunks (a freed block listing
 * others): all of them are reused, in several chunks, and a chunk half taken when the class goes is
 * freed whole. */
static void test_block_cache_chunks(void **state)
{
    fixture *f = *state;
    wbemev_class_t *cls = NULL;
    const wbemev_property_def props[] = {{"N", WBEMEV_CIM_UINT32, NULL}};
    size_t mallocs_before = mallocs_now(), frees_before = frees_now();
    assert_wbemev_ok(wbemev_namespace_define_class(f->ns, "Chunked", NULL, props, 1, &cls));
    wbemev_object_t *tmpl = spawn(cls); /* this thread owns the class's cache */
    assert_wbemev_ok(wbemev_object_put_uint32(tmpl, "N", 5));
    enum { N = 40 }; /* several chunks: a small block lists about ten others */
    wbemev_object_t *ev[N];
    size_t m0 = mallocs_now(), f0 = frees_now(), live = wbemev_live_allocations();
    for (int i = 0; i < N; i++)
        assert_wbemev_ok(wbemev_object_clone(tmpl, &ev[i]));
    assert_int_equal(mallocs_now() - m0, N);
    struct batch_free b = {ev, N};
    wbemev__thread t;
    assert_true(wbemev__thread_start(&t, batch_free_on_thread, &b));
    wbemev__thread_join(&t);
    assert_int_equal(frees_now() - f0, 0); /* all kept */
    assert_int_equal(wbemev_live_allocations(), live);
    assert_int_equal(wbemev_class_live_instances(cls), 1);

    /* All reused, each a distinct block with fresh values. */
    m0 = mallocs_now();
    for (int i = 0; i < N; i++) {
        assert_wbemev_ok(wbemev_class_spawn_instance(cls, &ev[i]));
        assert_true(wbemev_object_is_null(ev[i], "N"));
        assert_wbemev_ok(wbemev_object_put_uint32(ev[i], "N", (uint32_t)i));
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(ev[i], ev[j]);
    }
    assert_int_equal(mallocs_now() - m0, 0);
    for (int i = 0; i < N; i++) {
        uint32_t n = 0;
        assert_wbemev_ok(wbemev_object_get_uint32(ev[i], "N", &n));
        assert_int_equal(n, (uint32_t)i);
    }
    assert_int_equal(wbemev_live_allocations(), live + N);

    /* Back again, then a few taken: the class goes with a chunk half used. */
    assert_true(wbemev__thread_start(&t, batch_free_on_thread, &b));
    wbemev__thread_join(&t);
    for (int i = 0; i < 3; i++)
        assert_wbemev_ok(wbemev_object_clone(tmpl, &ev[i]));
    for (int i = 0; i < 3; i++)
        wbemev_object_release(ev[i]);
    wbemev_object_release(tmpl);
    assert_int_equal(wbemev_class_live_instances(cls), 0);
    assert_wbemev_ok(wbemev_namespace_delete_class(f->ns, "Chunked"));
    wbemev_class_release(cls);
    /* Everything made for the class and its instances is freed, the cached blocks included. */
    assert_int_equal(mallocs_now() - mallocs_before, frees_now() - frees_before);
}

/* ---- internals used by the dispatcher ---- */

static void test_internals(void **state)
{
    fixture *f = *state;
    wbemev_object_t *ev = spawn(f->all);
    assert_true(wbemev_object_is_null(ev, "TIME_CREATED"));
    wbemev__object_stamp_time_created(ev, UINT64_C(133500000000000000));
    uint64_t t = 0;
    assert_wbemev_ok(wbemev_object_get_uint64(ev, "TIME_CREATED", &t));
    assert_true(t == UINT64_C(133500000000000000));
    wbemev__object_stamp_time_created(ev, 5); /* only when NULL */
    assert_wbemev_ok(wbemev_object_get_uint64(ev, "TIME_CREATED", &t));
    assert_true(t == UINT64_C(133500000000000000));

    const uint8_t *bytes = (const uint8_t *)"x";
    size_t len = 99;
    wbemev__object_security_descriptor(ev, &bytes, &len);
    assert_null(bytes);
    assert_int_equal(len, 0);
    const uint8_t sd[] = {1, 0, 4, 0x80};
    wbemev_value sdv = WBEMEV_V_ARRAY(WBEMEV_CIM_UINT8, sd, 4);
    assert_wbemev_ok(wbemev_object_put(ev, "SECURITY_DESCRIPTOR", &sdv));
    wbemev__object_security_descriptor(ev, &bytes, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(bytes, sd, 4);

    /* Marks carry the Indicate call's token: 0 when new, the same token for a duplicate. */
    assert_int_equal(wbemev__object_mark_indicated(ev, 5, 1), 0);
    assert_int_equal(wbemev__object_mark_indicated(ev, 5, 1), 5);
    assert_int_equal(wbemev__object_mark_indicated(ev, 6, 1), 5); /* a later call: reused */
    wbemev__object_unmark_indicated(ev, 6); /* only the first Indicate's token marks it: no effect */
    assert_int_equal(wbemev__object_mark_indicated(ev, 7, 1), 5);
    wbemev__object_unmark_indicated(ev, 5); /* the marking call was rejected: undone */
    assert_int_equal(wbemev__object_mark_indicated(ev, 8, 1), 0);
    /* Put after indicate (unknown registration serial): refused, nothing reported. */
    wbemev_object_freeze(ev);
    assert_wbemev_status(wbemev_object_put_uint64(ev, "TIME_CREATED", 1), WBEMEV_E_READ_ONLY);
    /* A clone starts unmarked. */
    wbemev_object_t *c = NULL;
    assert_wbemev_ok(wbemev_object_clone(ev, &c));
    assert_int_equal(wbemev__object_mark_indicated(c, 9, 1), 0);
    wbemev_object_release(c);

    /* Not an event: no TIME_CREATED to stamp, no descriptor. */
    wbemev_object_t *d = spawn(f->disk);
    wbemev__object_stamp_time_created(d, 1);
    wbemev__object_security_descriptor(d, &bytes, &len);
    assert_null(bytes);
    assert_int_equal(len, 0);
    uint64_t size = 0;
    assert_wbemev_status(wbemev_object_get_uint64(d, "Size", &size), WBEMEV_E_ILLEGAL_NULL);

    wbemev_object_release(d);
    wbemev_object_release(ev);
}

/* ---- threads: a frozen object is read, cloned, add_ref'd and released from many threads ---- */

#define WORKERS 4
#define ROUNDS 2000

typedef struct worker {
    wbemev_object_t *shared;
    wbemev_prop_handle handle;
    int errors;
} worker;

static void worker_main(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < ROUNDS; i++) {
        wbemev_object_t *mine = wbemev_object_add_ref(w->shared);
        wbemev_object_t *ev = NULL;
        if (WBEMEV_FAILED(wbemev_object_clone(mine, &ev))) {
            w->errors++;
        } else {
            wbemev_value v = WBEMEV_V_SINT32(i);
            const char *s = NULL;
            if (WBEMEV_FAILED(wbemev_object_put_h(ev, w->handle, &v)) ||
                WBEMEV_FAILED(wbemev_object_get_string(mine, "Str", &s)) ||
                strcmp(s, "shared by every thread, and long enough for the heap") != 0)
                w->errors++;
            wbemev_object_freeze(ev);
            if (wbemev__object_mark_indicated(ev, (uint64_t)i + 1, 1) != 0)
                w->errors++;
            wbemev_object_release(ev);
        }
        wbemev_object_release(mine);
    }
}

static void test_threads(void **state)
{
    fixture *f = *state;
    wbemev_object_t *shared = spawn(f->all);
    assert_wbemev_ok(wbemev_object_put_string(shared, "Str",
                                              "shared by every thread, and long enough for the heap"));
    wbemev_object_t *d = named_disk(f, "C:");
    assert_wbemev_ok(wbemev_object_put_object(shared, "Target", d));
    wbemev_object_release(d);
    wbemev_object_freeze(shared);
    worker workers[WORKERS];
    wbemev__thread threads[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i].shared = shared;
        workers[i].errors = 0;
        assert_wbemev_ok(wbemev_object_property_handle(shared, "S32", &workers[i].handle));
        assert_true(wbemev__thread_start(&threads[i], worker_main, &workers[i]));
    }
    for (int i = 0; i < WORKERS; i++) {
        wbemev__thread_join(&threads[i]);
        assert_int_equal(workers[i].errors, 0);
    }
    assert_int_equal(wbemev_class_live_instances(f->all), 1);
    assert_int_equal(wbemev_class_live_instances(f->disk), 1);
    wbemev_object_release(shared);
    assert_int_equal(wbemev_class_live_instances(f->all), 0);
    assert_int_equal(wbemev_class_live_instances(f->disk), 0);
}

/* ---- live counts are kept per thread: objects made on threads that end, and more threads alive at
 * once than there are counter slots (lib/counters.c), still add up ---- */

#define MANY_THREADS 150

typedef struct counter_thread {
    wbemev_object_t *tmpl;
    wbemev_object_t *made; /* cloned by the thread, released by main: the thread's count stays +1 */
    wbemev__mutex *mu;
    wbemev__cond *cv;
    int *arrived;
} counter_thread;

static void counter_thread_main(void *arg)
{
    counter_thread *t = arg;
    if (WBEMEV_FAILED(wbemev_object_clone(t->tmpl, &t->made)))
        t->made = NULL;
    /* Stay alive until every thread has counted, so they all hold a slot (or none) at once. */
    wbemev__mutex_lock(t->mu);
    if (++*t->arrived == MANY_THREADS)
        wbemev__cond_broadcast(t->cv);
    while (*t->arrived < MANY_THREADS)
        wbemev__cond_wait(t->cv, t->mu);
    wbemev__mutex_unlock(t->mu);
}

static void test_live_counts_across_threads(void **state)
{
    fixture *f = *state;
    wbemev_object_t *tmpl = spawn(f->all);
    assert_wbemev_ok(wbemev_object_put_string(tmpl, "Str", "long enough to be its own heap block, surely"));
    size_t objects = wbemev_live_objects();
    size_t allocations = wbemev_live_allocations();
    static counter_thread ts[MANY_THREADS];
    static wbemev__thread threads[MANY_THREADS];
    wbemev__mutex mu;
    wbemev__cond cv;
    int arrived = 0;
    wbemev__mutex_init(&mu);
    wbemev__cond_init(&cv);
    for (int round = 0; round < 2; round++) { /* the second round reuses the slots the first gave back */
        arrived = 0;
        for (int i = 0; i < MANY_THREADS; i++) {
            ts[i] = (counter_thread){tmpl, NULL, &mu, &cv, &arrived};
        }
        for (int i = 0; i < MANY_THREADS; i++)
            assert_true(wbemev__thread_start(&threads[i], counter_thread_main, &ts[i]));
        for (int i = 0; i < MANY_THREADS; i++)
            wbemev__thread_join(&threads[i]);
        /* Each thread made one object and has ended; main frees them. */
        assert_int_equal(wbemev_live_objects(), objects + MANY_THREADS);
        assert_int_equal(wbemev_live_allocations(), allocations + MANY_THREADS);
        for (int i = 0; i < MANY_THREADS; i++) {
            assert_non_null(ts[i].made);
            wbemev_object_release(ts[i].made);
        }
        assert_int_equal(wbemev_live_objects(), objects);
        assert_int_equal(wbemev_live_allocations(), allocations);
    }
    wbemev__cond_destroy(&cv);
    wbemev__mutex_destroy(&mu);
    wbemev_object_release(tmpl);
}

/* ---- Put through a handle of the object's own class: the fast path keeps every check ---- */

static wbemev_prop_handle handle_of(wbemev_object_t *o, const char *name)
{
    wbemev_prop_handle h;
    assert_wbemev_ok(wbemev_object_property_handle(o, name, &h));
    return h;
}

static void test_put_h_checks(void **state)
{
    fixture *f = *state;
    wbemev_object_t *o = spawn(f->all);
    wbemev_value v;

    /* in range, out of range: refused, nothing changed */
    v = WBEMEV_V_SINT8(-128);
    assert_wbemev_ok(wbemev_object_put_h(o, handle_of(o, "S8"), &v));
    v.u.sint = 128;
    assert_wbemev_status(wbemev_object_put_h(o, handle_of(o, "S8"), &v), WBEMEV_E_VALUE_OUT_OF_RANGE);
    int8_t s8 = 0;
    assert_wbemev_ok(wbemev_object_get_sint8(o, "S8", &s8));
    assert_int_equal(s8, -128);
    v = WBEMEV_V_UINT32(UINT32_MAX);
    assert_wbemev_ok(wbemev_object_put_h(o, handle_of(o, "U32"), &v));
    v.u.uint = (uint64_t)UINT32_MAX + 1;
    assert_wbemev_status(wbemev_object_put_h(o, handle_of(o, "U32"), &v), WBEMEV_E_VALUE_OUT_OF_RANGE);

    /* another type: a mismatch, whatever the bits */
    v = WBEMEV_V_SINT32(1);
    assert_wbemev_status(wbemev_object_put_h(o, handle_of(o, "U32"), &v), WBEMEV_E_TYPE_MISMATCH);
    assert_wbemev_status(wbemev_object_put_h(o, handle_of(o, "Str"), &v), WBEMEV_E_TYPE_MISMATCH);

    /* datetimes: the days of every month without the calendar, the rest with it */
    wbemev_datetime dt = {.year = 2024, .month = 2, .day = 29, .hour = 23, .minute = 59, .second = 60};
    v.type = WBEMEV_CIM_DATETIME;
    v.is_null = false;
    v.u.datetime = dt;
    assert_wbemev_ok(wbemev_object_put_h(o, handle_of(o, "Dt"), &v)); /* leap day, leap second */
    v.u.datetime.day = 30;
    assert_wbemev_status(wbemev_object_put_h(o, handle_of(o, "Dt"), &v), WBEMEV_E_INVALID_PARAMETER);
    v.u.datetime = (wbemev_datetime){.year = 2023, .month = 2, .day = 29};
    assert_wbemev_status(wbemev_object_put_h(o, handle_of(o, "Dt"), &v), WBEMEV_E_INVALID_PARAMETER);
    v.u.datetime = (wbemev_datetime){.year = 2024, .month = 13, .day = 1};
    assert_wbemev_status(wbemev_object_put_h(o, handle_of(o, "Dt"), &v), WBEMEV_E_INVALID_PARAMETER);
    v.u.datetime = (wbemev_datetime){.year = 2024, .month = 1, .day = 1, .utc_offset = 1000};
    assert_wbemev_status(wbemev_object_put_h(o, handle_of(o, "Dt"), &v), WBEMEV_E_INVALID_PARAMETER);
    v.u.datetime = (wbemev_datetime){.is_interval = true, .days = 3, .hour = 1};
    assert_wbemev_ok(wbemev_object_put_h(o, handle_of(o, "Dt"), &v));
    v.u.datetime.year = 1; /* an interval's unused fields must be 0 */
    assert_wbemev_status(wbemev_object_put_h(o, handle_of(o, "Dt"), &v), WBEMEV_E_INVALID_PARAMETER);
    wbemev_datetime got = {0};
    assert_wbemev_ok(wbemev_object_get_datetime(o, "Dt", &got));
    assert_true(got.is_interval);
    assert_int_equal(got.days, 3);

    /* NULL through a handle clears; a NULL value pointer too */
    v = WBEMEV_V_NULL(WBEMEV_CIM_REAL64);
    assert_wbemev_ok(wbemev_object_put_h(o, handle_of(o, "R64"), &v));
    assert_true(wbemev_object_is_null(o, "R64"));
    v = WBEMEV_V_BOOLEAN(true);
    assert_wbemev_ok(wbemev_object_put_h(o, handle_of(o, "Bool"), &v));
    assert_wbemev_ok(wbemev_object_put_h(o, handle_of(o, "Bool"), NULL));
    assert_true(wbemev_object_is_null(o, "Bool"));

    /* frozen: refused before the value is looked at */
    wbemev_prop_handle h = handle_of(o, "R64");
    wbemev_object_freeze(o);
    v = WBEMEV_V_REAL64(1.5);
    assert_wbemev_status(wbemev_object_put_h(o, h, &v), WBEMEV_E_READ_ONLY);
    v = WBEMEV_V_SINT32(1);
    assert_wbemev_status(wbemev_object_put_h(o, h, &v), WBEMEV_E_READ_ONLY);
    assert_true(wbemev_object_is_null(o, "R64"));

    /* a handle of another class tree, or a forged one */
    wbemev_object_t *d = spawn(f->disk);
    v = WBEMEV_V_REAL64(1.5);
    assert_wbemev_status(wbemev_object_put_h(d, h, &v), WBEMEV_E_INVALID_PARAMETER);
    wbemev_value out;
    assert_wbemev_status(wbemev_object_get_h(d, h, &out), WBEMEV_E_INVALID_PARAMETER);
    wbemev_prop_handle forged = h;
    forged.index = 1000;
    assert_wbemev_status(wbemev_object_put_h(o, forged, &v), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_object_get_h(o, forged, &out), WBEMEV_E_INVALID_PARAMETER);
    wbemev_object_release(d);
    wbemev_object_release(o);
}

/* ---- the class's live-instance count: the owner thread counts on its own under a pin, others
 * count in the shared count; the sum stays exact and the class still goes when it is left ---- */

#define PIN_EVENTS 3000

typedef struct pin_thread {
    wbemev_object_t *tmpl;     /* cloned; NULL: spawned from co */
    wbemev_object_t *co;
    wbemev_object_t **release; /* released by the thread, made by another */
    wbemev_object_t **made;    /* cloned by the thread, released by another */
    int n;
    int errors;
} pin_thread;

static void pin_thread_main(void *arg)
{
    pin_thread *t = arg;
    for (int i = 0; i < t->n; i++) {
        if (t->made != NULL && WBEMEV_FAILED(t->tmpl != NULL ? wbemev_object_clone(t->tmpl, &t->made[i])
                                                             : wbemev_object_spawn_instance(t->co, &t->made[i])))
            t->errors++;
        if (t->release != NULL)
            wbemev_object_release(t->release[i]);
    }
}

static void run_pin_thread(pin_thread *t)
{
    wbemev__thread th;
    assert_true(wbemev__thread_start(&th, pin_thread_main, t));
    wbemev__thread_join(&th);
    assert_int_equal(t->errors, 0);
}

static void test_live_instances_owner_and_others(void **state)
{
    fixture *f = *state;
    static wbemev_object_t *a[PIN_EVENTS], *b[PIN_EVENTS];
    size_t allocations = wbemev_live_allocations();
    wbemev_class_t *cls = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(f->ns, "Pinned", "__ExtrinsicEvent", NULL, 0, &cls));

    /* main spawns first: it owns the class's cache and counts on its own */
    wbemev_object_t *tmpl = spawn(cls);
    for (int i = 0; i < PIN_EVENTS; i++)
        assert_wbemev_ok(wbemev_object_clone(tmpl, &a[i]));
    assert_int_equal(wbemev_class_live_instances(cls), PIN_EVENTS + 1);

    /* another thread frees main's instances and makes its own at the same time */
    pin_thread t = {tmpl, NULL, a, b, PIN_EVENTS, 0};
    run_pin_thread(&t);
    assert_int_equal(wbemev_class_live_instances(cls), PIN_EVENTS + 1);

    /* main frees the other thread's instances */
    for (int i = 0; i < PIN_EVENTS; i++)
        wbemev_object_release(b[i]);
    assert_int_equal(wbemev_class_live_instances(cls), 1);
    wbemev_object_release(tmpl);
    assert_int_equal(wbemev_class_live_instances(cls), 0);

    /* The class goes once nothing refers to it, though main counted on its own. */
    assert_wbemev_ok(wbemev_namespace_delete_class(f->ns, "Pinned"));
    wbemev_class_release(cls);
    assert_int_equal(wbemev_live_allocations(), allocations);
}

static void test_live_instances_owner_exits(void **state)
{
    fixture *f = *state;
    static wbemev_object_t *a[PIN_EVENTS];
    size_t allocations = wbemev_live_allocations();
    wbemev_class_t *cls = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(f->ns, "PinnedByThread", "__ExtrinsicEvent", NULL, 0, &cls));

    /* A thread that spawns first owns the class, counts on its own, and ends with its instances
     * alive: its share stays counted, and its exit gives its pin back. */
    pin_thread t = {NULL, wbemev_class_object(cls), NULL, a, PIN_EVENTS, 0};
    run_pin_thread(&t);
    assert_int_equal(wbemev_class_live_instances(cls), PIN_EVENTS);
    for (int i = 0; i < PIN_EVENTS; i++)
        wbemev_object_release(a[i]);
    assert_int_equal(wbemev_class_live_instances(cls), 0);
    assert_wbemev_ok(wbemev_namespace_delete_class(f->ns, "PinnedByThread"));
    wbemev_class_release(cls);
    assert_int_equal(wbemev_live_allocations(), allocations);
}

/* One thread with templates of more classes than it keeps pins for: the classes it pinned count in
 * its lanes, the others on their shared counts, and every count is exact either way. */
static void test_live_counts_many_classes(void **state)
{
    fixture *f = *state;
    enum { NCLASSES = 80, CLONES = 3 };
    size_t allocations = wbemev_live_allocations();
    wbemev_class_t *cls[NCLASSES];
    wbemev_object_t *tmpl[NCLASSES], *ev[NCLASSES][CLONES];
    for (int c = 0; c < NCLASSES; c++) {
        char name[32];
        snprintf(name, sizeof name, "Many%d", c);
        assert_wbemev_ok(wbemev_namespace_define_class(f->ns, name, "__ExtrinsicEvent", NULL, 0, &cls[c]));
        tmpl[c] = spawn(cls[c]);
    }
    for (int round = 0; round < 2; round++) {
        for (int c = 0; c < NCLASSES; c++)
            for (int i = 0; i < CLONES; i++)
                assert_wbemev_ok(wbemev_object_clone(tmpl[c], &ev[c][i]));
        for (int c = 0; c < NCLASSES; c++)
            assert_int_equal(wbemev_class_live_instances(cls[c]), CLONES + 1);
        for (int c = 0; c < NCLASSES; c++)
            for (int i = 0; i < CLONES; i++)
                wbemev_object_release(ev[c][i]);
        for (int c = 0; c < NCLASSES; c++)
            assert_int_equal(wbemev_class_live_instances(cls[c]), 1);
    }
    for (int c = 0; c < NCLASSES; c++) {
        char name[32];
        snprintf(name, sizeof name, "Many%d", c);
        wbemev_object_release(tmpl[c]);
        assert_int_equal(wbemev_class_live_instances(cls[c]), 0);
        assert_wbemev_ok(wbemev_namespace_delete_class(f->ns, name));
        wbemev_class_release(cls[c]);
    }
    assert_int_equal(wbemev_live_allocations(), allocations);
}

/* A second thread making and freeing instances has a cache lane of its own: no allocation once it
 * is warm; another thread after it (which may or may not find the lane free: a thread is told apart
 * by an address a later one can reuse) counts as exactly. */
typedef struct lane_thread {
    wbemev_object_t *tmpl;
    size_t mallocs; /* in the second round */
    size_t live;    /* the class's live instances while the thread held its round */
    int errors;
} lane_thread;

static void lane_thread_main(void *arg)
{
    lane_thread *t = arg;
    enum { N = 64 };
    wbemev_object_t *ev[N];
    for (int round = 0; round < 2; round++) {
        size_t m0 = atomic_load(&g_alloc.mallocs);
        for (int i = 0; i < N; i++)
            if (WBEMEV_FAILED(wbemev_object_clone(t->tmpl, &ev[i])))
                t->errors++;
        t->live = wbemev_class_live_instances(wbemev_object_class(t->tmpl));
        for (int i = 0; i < N; i++)
            wbemev_object_release(ev[i]);
        if (round == 1)
            t->mallocs = atomic_load(&g_alloc.mallocs) - m0;
    }
}

static void test_cache_lanes(void **state)
{
    fixture *f = *state;
    size_t allocations = wbemev_live_allocations();
    wbemev_class_t *cls = NULL;
    assert_wbemev_ok(wbemev_namespace_define_class(f->ns, "Laned", "__ExtrinsicEvent", NULL, 0, &cls));
    wbemev_object_t *tmpl = spawn(cls); /* lane 0: this thread */
    for (int k = 0; k < 2; k++) {
        lane_thread t = {tmpl, 0, 0, 0};
        wbemev__thread th;
        assert_true(wbemev__thread_start(&th, lane_thread_main, &t));
        wbemev__thread_join(&th);
        assert_int_equal(t.errors, 0);
        assert_int_equal(t.live, 64 + 1);
        if (k == 0)
            assert_int_equal(t.mallocs, 0); /* lane 1: its own blocks again */
        assert_int_equal(wbemev_class_live_instances(cls), 1);
    }
    wbemev_object_release(tmpl);
    assert_int_equal(wbemev_class_live_instances(cls), 0);
    assert_wbemev_ok(wbemev_namespace_delete_class(f->ns, "Laned"));
    wbemev_class_release(cls);
    assert_int_equal(wbemev_live_allocations(), allocations);
}

int main(void)
{
    /* Installed before anything is allocated (set_allocator refuses while blocks are alive). */
    if (WBEMEV_FAILED(wbemev_set_allocator(&counting_allocator)))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_spawn_clone_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abstract_spawn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scalar_round_trip_typed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scalar_round_trip_generic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_array_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frozen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_puts_match_put_h, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_gets_match_get_h, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_put_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_embedded_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hot_path_allocations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_cache_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_internals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_counts_across_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_h_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_instances_owner_and_others, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_instances_owner_exits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_counts_many_classes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_lanes, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("object", tests, NULL, NULL);
    (void)wbemev_set_allocator(NULL);
    return failed;
}
