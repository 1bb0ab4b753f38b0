/*
 * wbemev/common.h: export macro, version and the small helpers every header needs.
 *
 * Versions with the same major number are ABI compatible: functions and vtable slots are only ever
 * appended, never removed or reordered.
 *
 * Conventions of the whole API (with those of wbemev/status.h):
 *  - An accessor by index is `wbemev_<owner>_<item>_at(owner, index, &out)`: it returns a status,
 *    WBEMEV_E_INVALID_PARAMETER for a NULL argument or an index past the count (read with the
 *    matching `*_count` function), and writes *out only on success. What *out borrows, and for how
 *    long, is documented with each: wbemev_class_property_at(), wbemev_dispatcher_violation_at(),
 *    wbemev_recording_sink_event_at() and wbemev_recording_sink_status_at() (wbemev/testkit.h).
 *  - Every `*_from_name` parser has its `*_name` function, which gives the text it reads back:
 *    wbemev_cimtype_name(), wbemev_format_name(), wbemev_contract_policy_name().
 */
#ifndef WBEMEV_COMMON_H
#define WBEMEV_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Major version: versions with the same major number are ABI compatible. */
#define WBEMEV_VERSION_MAJOR 0
/** Minor version: grows when functions or vtable slots are appended. */
#define WBEMEV_VERSION_MINOR 1
/** Patch version: fixes only. */
#define WBEMEV_VERSION_PATCH 0
/** The version as one number, 0xMMmmpp: compare it with wbemev_version(). */
#define WBEMEV_VERSION_HEX                                                                         \
    ((WBEMEV_VERSION_MAJOR << 16) | (WBEMEV_VERSION_MINOR << 8) | WBEMEV_VERSION_PATCH)
/** The version as text. */
#define WBEMEV_VERSION_STRING "0.1.0"

/** WBEMEV_API marks exported functions. A static build defines WBEMEV_STATIC (CMake does it for the
 * consumers of the static target); the shared build defines WBEMEV_BUILDING while compiling itself. */
#ifndef WBEMEV_API
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(WBEMEV_STATIC)
#define WBEMEV_API
#elif defined(WBEMEV_BUILDING)
#define WBEMEV_API __declspec(dllexport)
#else
#define WBEMEV_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define WBEMEV_API __attribute__((visibility("default")))
#else
#define WBEMEV_API
#endif
#endif

#ifdef __cplusplus
#define WBEMEV_BEGIN_DECLS extern "C" {
#define WBEMEV_END_DECLS }
#else
#define WBEMEV_BEGIN_DECLS
#define WBEMEV_END_DECLS
#endif

/** Recovers the implementation struct T from a pointer P to its embedded member M (the base struct of
 * a sink or provider). */
#define WBEMEV_CONTAINER_OF(p, T, m) ((T *)(void *)((char *)(p) - offsetof(T, m)))

WBEMEV_BEGIN_DECLS

/* Opaque types shared by several headers. */
/** A namespace of class definitions (wbemev/class.h). Opaque, reference counted. */
typedef struct wbemev_namespace_s wbemev_namespace_t;
/** A class definition (wbemev/class.h). Opaque, reference counted. */
typedef struct wbemev_class_s wbemev_class_t;
/** An event object: an instance or a class object (wbemev/object.h). Opaque, reference counted. */
typedef struct wbemev_object_s wbemev_object_t;
/** A sink (wbemev/sink.h): a base struct embedded in each implementation. */
typedef struct wbemev_sink_s wbemev_sink_t;
/** A provider (wbemev/provider.h): a base struct embedded in each implementation. */
typedef struct wbemev_provider_s wbemev_provider_t;
/** The dispatcher, wbemev's model of WMI (wbemev/dispatcher.h). Opaque. */
typedef struct wbemev_dispatcher_s wbemev_dispatcher_t;

/** The library version as a string ("0.1.0"). Thread-safe. */
WBEMEV_API const char *wbemev_version_string(void);
/** The library version as WBEMEV_VERSION_HEX. Thread-safe. */
WBEMEV_API unsigned wbemev_version(void);

WBEMEV_END_DECLS

#endif /* WBEMEV_COMMON_H */
