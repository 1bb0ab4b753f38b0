/*
 * tests/win/fake_wbem.h: COM test doubles in C for the shim tests (Wine's dlls/wbemprox/tests
 * style: static vtables, counters the tests assert on).
 *
 *  - fake class objects: a class knows its property names; SpawnInstance makes instances that
 *    record every Put (name, VARIANT copy). Put of an unknown property gives WBEM_E_NOT_FOUND;
 *    fake_class_fail_puts() makes Put fail with a given status.
 *  - fake IWbemServices: GetObject hands out the classes added to it and counts calls per class.
 *  - fake IWbemObjectSink: counts references, Indicate calls and objects; keeps (AddRefs) every
 *    object it is given so the test can read the Puts; answers a configurable status.
 *  - fake IWbemProviderInitSink: counts references and records each SetStatus.
 *
 * fake_live_instances() counts instances alive (spawned, not yet freed): the shim must leave
 * none behind once the sink's log is cleared.
 */
#ifndef WBEMEV_FAKE_WBEM_H
#define WBEMEV_FAKE_WBEM_H

#ifndef CONST_VTABLE
#define CONST_VTABLE /* static const vtables, as Wine */
#endif
#ifndef COBJMACROS
#define COBJMACROS
#endif
#ifndef CINTERFACE
#define CINTERFACE
#endif

#include <windows.h>
#include <ole2.h>
#include <wbemcli.h>
#include <wbemprov.h>

#include <stdbool.h>
#include <stddef.h>

#define FAKE_MAX_PROPS 64
#define FAKE_MAX_NAME 64

struct fake_put {
    WCHAR name[FAKE_MAX_NAME];
    VARIANT value; /* VariantCopy of what was Put */
};

struct fake_object {
    IWbemClassObject IWbemClassObject_iface;
    LONG refs;
    bool is_class;
    WCHAR class_name[FAKE_MAX_NAME];
    struct fake_object *cls; /* an instance's class (one reference) */
    /* class: its properties */
    WCHAR props[FAKE_MAX_PROPS][FAKE_MAX_NAME];
    size_t prop_count;
    HRESULT put_result; /* class: what Put on its instances answers when failing (S_OK: record) */
    /* instance: what was Put, in order */
    struct fake_put puts[FAKE_MAX_PROPS];
    size_t put_count;
    LONG spawn_calls; /* class */
};

/* A class object named `name` with `count` property names (UTF-8 ASCII). One reference. */
struct fake_object *fake_class_new(const char *name, const char *const *props, size_t count);
void fake_class_fail_puts(struct fake_object *cls, HRESULT hr);
struct fake_object *fake_object_from(IUnknown *unk); /* NULL when unk is not a fake object */
/* The recorded Put of `name` on an instance, or NULL. */
const struct fake_put *fake_find_put(const struct fake_object *inst, const WCHAR *name);
LONG fake_object_refs(const struct fake_object *obj);
LONG fake_live_instances(void);

struct fake_services {
    IWbemServices IWbemServices_iface;
    LONG refs;
    struct fake_object *classes[16]; /* one reference each */
    size_t class_count;
    LONG get_object_calls;
    LONG get_object_calls_by_class[16];
};

struct fake_services *fake_services_new(void);
/* Serves `cls` (AddRefs it). */
void fake_services_add(struct fake_services *s, struct fake_object *cls);
/* Releases the services' own reference (the test's) and its classes when the count hits zero. */
ULONG fake_services_release(struct fake_services *s);

#define FAKE_SINK_LOG 256

struct fake_sink {
    IWbemObjectSink IWbemObjectSink_iface;
    LONG refs;
    LONG indicate_calls;
    LONG objects;
    LONG set_status_calls;
    HRESULT indicate_result;
    CRITICAL_SECTION cs;
    IWbemClassObject *log[FAKE_SINK_LOG]; /* one reference each */
    size_t log_count;
    void (*on_indicate)(void *ctx); /* called at the end of Indicate (WMI doing things meanwhile) */
    void *on_indicate_ctx;
};

struct fake_sink *fake_sink_new(void);
/* Releases the logged objects. */
void fake_sink_clear(struct fake_sink *s);
ULONG fake_sink_release(struct fake_sink *s);

struct fake_init_sink {
    IWbemProviderInitSink IWbemProviderInitSink_iface;
    LONG refs;
    LONG calls;
    LONG last_status;
    LONG last_flags;
    void (*on_set_status)(void *ctx); /* called at the end of SetStatus */
    void *on_set_status_ctx;
};

struct fake_init_sink *fake_init_sink_new(void);
ULONG fake_init_sink_release(struct fake_init_sink *s);

#endif /* WBEMEV_FAKE_WBEM_H */
