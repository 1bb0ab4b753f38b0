/*
 * wbemev/status.h: status codes.
 *
 * Every fallible wbemev function returns a wbemev_status whose values are the WBEM HRESULTs of
 * wbemcli.h, so the Windows shim passes them through unchanged. Success codes are >= 0: test with
 * WBEMEV_SUCCEEDED(), never with == 0 (WBEMEV_S_FALSE and WBEMEV_S_SUBJECT_TO_SDS are successes).
 *
 * Conventions every function follows:
 *  - out-parameters are written only on success;
 *  - a call that takes a sink and fails keeps no reference to it and never calls it.
 */
#ifndef WBEMEV_STATUS_H
#define WBEMEV_STATUS_H

#include "common.h"

WBEMEV_BEGIN_DECLS

/** A status: a WBEM HRESULT value (see the top of this header). */
typedef int32_t wbemev_status;

/** True for a success status (>= 0). */
#define WBEMEV_SUCCEEDED(s) ((wbemev_status)(s) >= 0)
/** True for a failure status (< 0). */
#define WBEMEV_FAILED(s) ((wbemev_status)(s) < 0)

/**
 * The one table: X(NAME, value, message). NAME is the WBEM name without its WBEM_ prefix.
 * Values are those of tag_WBEMSTATUS in wbemcli.h (checked against mingw-w64), except
 * S_SUBJECT_TO_SDS, which is in tag_WBEM_EXTRA_RETURN_CODES of wbemprov.h.
 */
#define WBEMEV_STATUS_MAP(X)                                                                       \
    X(S_NO_ERROR, 0x0, "success")                                                                  \
    X(S_FALSE, 0x1, "success (false)")                                                             \
    X(S_ALREADY_EXISTS, 0x40001, "success: the object already exists")                             \
    X(S_RESET_TO_DEFAULT, 0x40002, "success: the value was reset to its default")                  \
    X(S_DIFFERENT, 0x40003, "success: the objects differ")                                         \
    X(S_TIMEDOUT, 0x40004, "success: the call timed out")                                          \
    X(S_NO_MORE_DATA, 0x40005, "success: no more data")                                            \
    X(S_OPERATION_CANCELLED, 0x40006, "success: the operation was cancelled")                      \
    X(S_PENDING, 0x40007, "success: the operation is pending")                                     \
    X(S_DUPLICATE_OBJECTS, 0x40008, "success: duplicate objects")                                  \
    X(S_ACCESS_DENIED, 0x40009, "success: partial access denied")                                  \
    X(S_PARTIAL_RESULTS, 0x40010, "success: partial results")                                      \
    X(S_SOURCE_NOT_AVAILABLE, 0x40017, "success: the source is not available")                     \
    X(S_SUBJECT_TO_SDS, 0x43003, "allowed, subject to each event's security descriptor")           \
    X(E_FAILED, 0x80041001, "the call failed")                                                     \
    X(E_NOT_FOUND, 0x80041002, "not found")                                                        \
    X(E_ACCESS_DENIED, 0x80041003, "access denied")                                                \
    X(E_PROVIDER_FAILURE, 0x80041004, "the provider failed")                                       \
    X(E_TYPE_MISMATCH, 0x80041005, "type mismatch")                                                \
    X(E_OUT_OF_MEMORY, 0x80041006, "out of memory")                                                \
    X(E_INVALID_CONTEXT, 0x80041007, "invalid context")                                            \
    X(E_INVALID_PARAMETER, 0x80041008, "invalid parameter")                                        \
    X(E_NOT_AVAILABLE, 0x80041009, "the resource is not available")                                \
    X(E_CRITICAL_ERROR, 0x8004100A, "critical error")                                              \
    X(E_NOT_SUPPORTED, 0x8004100C, "not supported")                                                \
    X(E_INVALID_SUPERCLASS, 0x8004100D, "invalid or unknown superclass")                           \
    X(E_INVALID_NAMESPACE, 0x8004100E, "invalid namespace")                                        \
    X(E_INVALID_OBJECT, 0x8004100F, "invalid object")                                              \
    X(E_INVALID_CLASS, 0x80041010, "invalid or unknown class")                                     \
    X(E_PROVIDER_NOT_FOUND, 0x80041011, "provider not found")                                      \
    X(E_INVALID_PROVIDER_REGISTRATION, 0x80041012, "invalid provider registration")                \
    X(E_PROVIDER_LOAD_FAILURE, 0x80041013, "the provider could not be loaded or initialized")      \
    X(E_INITIALIZATION_FAILURE, 0x80041014, "initialization failure")                              \
    X(E_INVALID_OPERATION, 0x80041016, "invalid operation")                                        \
    X(E_INVALID_QUERY, 0x80041017, "invalid query")                                                \
    X(E_INVALID_QUERY_TYPE, 0x80041018, "invalid query language")                                  \
    X(E_ALREADY_EXISTS, 0x80041019, "already exists")                                              \
    X(E_UNEXPECTED, 0x8004101D, "unexpected")                                                      \
    X(E_ILLEGAL_OPERATION, 0x8004101E, "illegal operation")                                        \
    X(E_INVALID_SYNTAX, 0x80041021, "invalid syntax")                                              \
    X(E_READ_ONLY, 0x80041023, "the property is read-only")                                        \
    X(E_CLASS_HAS_CHILDREN, 0x80041025, "the class has subclasses")                                \
    X(E_ILLEGAL_NULL, 0x80041028, "NULL is not allowed here")                                      \
    X(E_INVALID_PROPERTY_TYPE, 0x8004102A, "invalid property type")                                \
    X(E_VALUE_OUT_OF_RANGE, 0x8004102B, "value out of range")                                      \
    X(E_INVALID_CIM_TYPE, 0x8004102D, "invalid CIM type")                                          \
    X(E_SYSTEM_PROPERTY, 0x80041030, "system properties cannot be defined or changed")             \
    X(E_INVALID_PROPERTY, 0x80041031, "invalid or unknown property")                               \
    X(E_CALL_CANCELLED, 0x80041032, "the call was cancelled")                                      \
    X(E_SHUTTING_DOWN, 0x80041033, "shutting down")                                                \
    X(E_BUFFER_TOO_SMALL, 0x8004103C, "buffer too small")                                          \
    X(E_TOO_MUCH_DATA, 0x80041044, "too much data")                                                \
    X(E_SERVER_TOO_BUSY, 0x80041045, "the server is too busy; the event may be refired")           \
    X(E_TOO_MANY_PROPERTIES, 0x80041051, "too many properties")                                    \
    X(E_UNPARSABLE_QUERY, 0x80041058, "the query cannot be parsed")                                \
    X(E_NOT_EVENT_CLASS, 0x80041059, "the class is not an event class (not derived from __Event)") \
    X(E_MISSING_GROUP_WITHIN, 0x8004105A, "GROUP BY or HAVING needs GROUP WITHIN")                 \
    X(E_MISSING_AGGREGATION_LIST, 0x8004105B, "missing aggregation list")                          \
    X(E_PROPERTY_NOT_AN_OBJECT, 0x8004105C, "the property is not an embedded object")              \
    X(E_AGGREGATING_BY_OBJECT, 0x8004105D, "cannot aggregate by an embedded object")               \
    X(E_QUEUE_OVERFLOW, 0x80041061, "the event queue overflowed; events were dropped")             \
    X(E_INVALID_OPERATOR, 0x80041063, "invalid operator")                                          \
    X(E_TIMED_OUT, 0x80041069, "timed out")                                                        \
    X(E_PROVIDER_NOT_REGISTERED, 0x80041085, "the provider is not registered")

/** Status constants: WBEMEV_S_NO_ERROR, WBEMEV_E_FAILED, ... (int32_t values of the HRESULTs). */
#define WBEMEV__STATUS_ENUM(name, value, msg) WBEMEV_##name = (int32_t)(value##u),
/** The status codes, from WBEMEV_STATUS_MAP. */
enum wbemev_status_code { WBEMEV_STATUS_MAP(WBEMEV__STATUS_ENUM) WBEMEV__STATUS_END_ = 0 };
#undef WBEMEV__STATUS_ENUM

/** WBEM_S_INITIALIZED: what a provider reports through its init sink when ready (equals S_NO_ERROR). */
#define WBEMEV_S_INITIALIZED WBEMEV_S_NO_ERROR

/** SetStatus flags (lFlags of IWbemObjectSink::SetStatus). */
#define WBEMEV_STATUS_COMPLETE 0
/** SetStatus flag: progress (not used by the event contract). */
#define WBEMEV_STATUS_PROGRESS 2

/**
 * The WBEM name of a status ("WBEM_E_NOT_FOUND"), or NULL for a value not in the table.
 * Thread-safe.
 */
WBEMEV_API const char *wbemev_status_name(wbemev_status status);

/**
 * A short English message for a status. Never NULL: unknown values give "unknown status".
 * Thread-safe.
 */
WBEMEV_API const char *wbemev_status_message(wbemev_status status);

WBEMEV_END_DECLS

#endif /* WBEMEV_STATUS_H */
