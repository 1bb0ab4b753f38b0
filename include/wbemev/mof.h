/*
 * wbemev/mof.h: a provider's registration, and MOF text for it and for event objects.
 *
 * A wbemev_registration describes what WMI must know about an event provider: the namespace, the
 * provider's name and COM CLSID, the classes it defines (its event classes and any class their
 * embedded objects use) and its EventQueryList. It is plain data, usually `static const`, and is
 * shared by every platform:
 *  - on Linux, wbemev_registration_define_classes() defines the classes in a dispatcher's namespace
 *    and the queries go to wbemev_dispatcher_register();
 *  - on Windows, the COM shim (wbemev/win.h) defines the classes in the namespace it hands the
 *    provider, and wbemev_mof_write_registration() writes the MOF that mofcomp loads into WMI:
 *
 *        #pragma namespace("\\\\.\\root\\cimv2")
 *        class Sample_Event : __ExtrinsicEvent { string Name; sint32 Severity; };
 *        instance of __Win32Provider as $P { Name = "SampleProvider"; CLSID = "{...}"; ... };
 *        instance of __EventProviderRegistration { Provider = $P;
 *                                                  EventQueryList = {"SELECT * FROM Sample_Event"}; };
 *
 * MOF text is ASCII: characters outside printable ASCII in strings are written as \xHHHH UTF-16
 * escapes, so mofcomp reads the file in any code page.
 *
 * Output goes to a writer callback, a caller buffer (snprintf-like) or a FILE*. All functions are
 * thread-safe (they only read their arguments) and allocate nothing.
 */
#ifndef WBEMEV_MOF_H
#define WBEMEV_MOF_H

#include <stdio.h>

#include "format.h" /* wbemev_text_writer */

WBEMEV_BEGIN_DECLS

/** One class to define: `name : superclass { props }`. */
typedef struct wbemev_class_def {
    const char *name; /**< the class name */
    /** "__ExtrinsicEvent" for user events, another class of the registration (listed before this
     * one), or NULL for a root (non-event) class such as the class of an embedded object. */
    const char *superclass;
    const wbemev_property_def *props; /**< its own properties (inherited ones are not repeated) */
    size_t prop_count;                /**< number of props */
} wbemev_class_def;

/** Default __Win32Provider.HostingModel written when wbemev_registration.hosting_model is NULL. */
#define WBEMEV_MOF_DEFAULT_HOSTING_MODEL "NetworkServiceHost"

/** What WMI must know about an event provider. Every string is borrowed. */
typedef struct wbemev_registration {
    const char *namespace_name; /**< e.g. "root\\cimv2" (one backslash in the string) */
    const char *provider_name;  /**< __Win32Provider.Name, e.g. "SampleEventProvider" */
    /** The COM CLSID as registry text, braces included: "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}". */
    const char *clsid;
    /** __Win32Provider.HostingModel; NULL for WBEMEV_MOF_DEFAULT_HOSTING_MODEL. */
    const char *hosting_model;
    const wbemev_class_def *classes; /**< in definition order (superclasses first) */
    size_t class_count;              /**< number of classes */
    /** The EventQueryList: WQL queries naming the event classes the provider sends. */
    const char *const *event_queries;
    size_t query_count; /**< number of event_queries (at least 1) */
} wbemev_registration;

/**
 * Checks a registration: non-NULL namespace and provider names (provider name without '"' or
 * control characters), a CLSID in the braced 8-4-4-4-12 hex form, valid class and property names
 * and types, classes non-NULL when class_count > 0, at least one query, no NULL query.
 * WBEMEV_E_INVALID_PARAMETER or WBEMEV_E_INVALID_PROPERTY_TYPE. It does not parse the queries:
 * registering them with a dispatcher (or mofcomp) does.
 */
WBEMEV_API wbemev_status wbemev_registration_validate(const wbemev_registration *reg);

/**
 * Defines the registration's classes in ns, in order (wbemev_namespace_define_class). Classes that
 * already exist are left alone when `skip_existing` is true, else fail with WBEMEV_E_ALREADY_EXISTS.
 * On failure the classes defined by this call are deleted again. Statuses of
 * wbemev_namespace_define_class; WBEMEV_E_INVALID_PARAMETER for NULL arguments.
 */
WBEMEV_API wbemev_status wbemev_registration_define_classes(const wbemev_registration *reg,
                                                            wbemev_namespace_t *ns,
                                                            bool skip_existing);

/**
 * Writes the registration as a MOF file ready for mofcomp: a header comment, `#pragma autorecover`,
 * `#pragma namespace`, one class declaration per class, the __Win32Provider instance (Name, CLSID,
 * HostingModel) and the __EventProviderRegistration instance with its EventQueryList.
 * Validates first (wbemev_registration_validate).
 */
WBEMEV_API wbemev_status wbemev_mof_write_registration(const wbemev_registration *reg,
                                                       wbemev_text_writer writer, void *ctx);

/** Writes one class declaration: `class Name : Super\n{\n    type Prop;\n};\n`. */
WBEMEV_API wbemev_status wbemev_mof_write_class(const wbemev_class_def *cls,
                                                wbemev_text_writer writer, void *ctx);

/**
 * Writes an instance's non-NULL properties (inherited ones included, in class order) as MOF
 * instance text, embedded objects nested:
 *
 *     instance of Sample_Event
 *     {
 *         Name = "x";
 *         Severity = 3;
 *     };
 *
 * 64-bit integers are decimal, reals use the shortest round-trip form ('.' as the decimal point
 * whatever the C locale), booleans TRUE/FALSE, datetimes and references quoted strings, char16 a
 * quoted character, arrays {a, b}. A real that is NaN or infinite has no MOF form: its property is
 * written as a comment. Embedded objects nest at most WBEMEV_FORMAT_MAX_DEPTH levels deep
 * (wbemev/format.h), as in JSON.
 *
 * Statuses: WBEMEV_E_INVALID_PARAMETER for a NULL argument; WBEMEV_E_INVALID_OPERATION for a class
 * object (genus 1); WBEMEV_E_INVALID_OBJECT for an embedded object nested past
 * WBEMEV_FORMAT_MAX_DEPTH; the writer's failure.
 */
WBEMEV_API wbemev_status wbemev_mof_write_instance(const wbemev_object_t *obj,
                                                   wbemev_text_writer writer, void *ctx);

/**
 * Buffer forms, snprintf-like: on success the text and a NUL are in buf and *length (optional)
 * receives the text's length. With buf NULL and size 0 nothing is written and *length receives the
 * length needed (add 1 for the NUL). WBEMEV_E_BUFFER_TOO_SMALL when buf is too small (buf then
 * holds a truncated, NUL-terminated prefix when size > 0; *length is not written).
 */
WBEMEV_API wbemev_status wbemev_mof_format_registration(const wbemev_registration *reg, char *buf,
                                                        size_t size, size_t *length);
/** The buffer form of wbemev_mof_write_instance(), as wbemev_mof_format_registration(). */
WBEMEV_API wbemev_status wbemev_mof_format_instance(const wbemev_object_t *obj, char *buf,
                                                    size_t size, size_t *length);

/** FILE* form of wbemev_mof_write_registration(). WBEMEV_E_FAILED when the stream reports a write
 * error. */
WBEMEV_API wbemev_status wbemev_mof_fwrite_registration(const wbemev_registration *reg, FILE *file);
/** FILE* form of wbemev_mof_write_instance(). WBEMEV_E_FAILED when the stream reports a write error. */
WBEMEV_API wbemev_status wbemev_mof_fwrite_instance(const wbemev_object_t *obj, FILE *file);

WBEMEV_END_DECLS

#endif /* WBEMEV_MOF_H */
