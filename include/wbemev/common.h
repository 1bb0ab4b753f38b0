/*
 * wbemev/common.h: export macro, version and the small helpers every header needs.
 *
 * Versions with the same major number are ABI compatible: functions and vtable slots are only ever
 * appended, never removed or reordered.
 */
#ifndef WBEMEV_COMMON_H
#define WBEMEV_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WBEMEV_VERSION_MAJOR 0
#define WBEMEV_VERSION_MINOR 1
#define WBEMEV_VERSION_PATCH 0
#define WBEMEV_VERSION_HEX                                                                         \
    ((WBEMEV_VERSION_MAJOR << 16) | (WBEMEV_VERSION_MINOR << 8) | WBEMEV_VERSION_PATCH)
#define WBEMEV_VERSION_STRING "0.1.0"

/* WBEMEV_API marks exported functions. A static build defines WBEMEV_STATIC (CMake does it for the
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

/* Recovers the implementation struct T from a pointer P to its embedded member M (the base struct of
 * a sink or provider). */
#define WBEMEV_CONTAINER_OF(p, T, m) ((T *)(void *)((char *)(p) - offsetof(T, m)))

WBEMEV_BEGIN_DECLS

/* Opaque types shared by several headers. */
typedef struct wbemev_namespace_s wbemev_namespace_t;
typedef struct wbemev_class_s wbemev_class_t;
typedef struct wbemev_object_s wbemev_object_t;
typedef struct wbemev_sink_s wbemev_sink_t;
typedef struct wbemev_provider_s wbemev_provider_t;
typedef struct wbemev_dispatcher_s wbemev_dispatcher_t;

/** The library version as a string ("0.1.0"). Thread-safe. */
WBEMEV_API const char *wbemev_version_string(void);
/** The library version as WBEMEV_VERSION_HEX. Thread-safe. */
WBEMEV_API unsigned wbemev_version(void);

WBEMEV_END_DECLS

#endif /* WBEMEV_COMMON_H */
