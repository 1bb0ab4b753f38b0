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
 * The one table: X(NAME, value, message), in the order of the values. It holds every code of
 * WBEMSTATUS in wbemcli.h and of WBEM_EXTRA_RETURN_CODES in wbemprov.h (the test suite checks it
 * against mingw-w64's headers), except the aliases of 0: WBEMEV_NO_ERROR, WBEMEV_S_SAME and
 * WBEMEV_S_INITIALIZED, defined below.
 *
 * NAME is the WBEM name without its leading "WBEM_": S_FALSE for WBEM_S_FALSE, E_FAILED for
 * WBEM_E_FAILED. The event subsystem's and the MOF compiler's codes keep their group in front:
 * ESS_E_... for WBEMESS_E_..., MOF_E_... for WBEMMOF_E_.... The constant is WBEMEV_ followed by
 * NAME (WBEMEV_E_FAILED, WBEMEV_MOF_E_EXPECTED_SEMI); WBEMEV_STATUS_WBEM_NAME(NAME) spells the
 * WBEM name. docs/status-codes.md lists them all.
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
    X(S_LIMITED_SERVICE, 0x43001, "success: the provider runs with limited service")               \
    X(S_INDIRECTLY_UPDATED, 0x43002, "success: updated indirectly")                                \
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
    X(E_INVALID_STREAM, 0x8004100B, "the serialized data is not valid")                            \
    X(E_NOT_SUPPORTED, 0x8004100C, "not supported")                                                \
    X(E_INVALID_SUPERCLASS, 0x8004100D, "invalid or unknown superclass")                           \
    X(E_INVALID_NAMESPACE, 0x8004100E, "invalid namespace")                                        \
    X(E_INVALID_OBJECT, 0x8004100F, "invalid object")                                              \
    X(E_INVALID_CLASS, 0x80041010, "invalid or unknown class")                                     \
    X(E_PROVIDER_NOT_FOUND, 0x80041011, "provider not found")                                      \
    X(E_INVALID_PROVIDER_REGISTRATION, 0x80041012, "invalid provider registration")                \
    X(E_PROVIDER_LOAD_FAILURE, 0x80041013, "the provider could not be loaded or initialized")      \
    X(E_INITIALIZATION_FAILURE, 0x80041014, "initialization failure")                              \
    X(E_TRANSPORT_FAILURE, 0x80041015, "the network transport failed")                             \
    X(E_INVALID_OPERATION, 0x80041016, "invalid operation")                                        \
    X(E_INVALID_QUERY, 0x80041017, "invalid query")                                                \
    X(E_INVALID_QUERY_TYPE, 0x80041018, "invalid query language")                                  \
    X(E_ALREADY_EXISTS, 0x80041019, "already exists")                                              \
    X(E_OVERRIDE_NOT_ALLOWED, 0x8004101A, "the qualifier cannot be overridden")                    \
    X(E_PROPAGATED_QUALIFIER, 0x8004101B, "an inherited qualifier cannot be changed here")         \
    X(E_PROPAGATED_PROPERTY, 0x8004101C, "an inherited property cannot be changed here")           \
    X(E_UNEXPECTED, 0x8004101D, "unexpected")                                                      \
    X(E_ILLEGAL_OPERATION, 0x8004101E, "illegal operation")                                        \
    X(E_CANNOT_BE_KEY, 0x8004101F, "the property cannot be a key")                                 \
    X(E_INCOMPLETE_CLASS, 0x80041020, "the class definition is incomplete or not registered")      \
    X(E_INVALID_SYNTAX, 0x80041021, "invalid syntax")                                              \
    X(E_NONDECORATED_OBJECT, 0x80041022, "the object has no server or namespace")                  \
    X(E_READ_ONLY, 0x80041023, "the property is read-only")                                        \
    X(E_PROVIDER_NOT_CAPABLE, 0x80041024, "the provider cannot perform the operation")             \
    X(E_CLASS_HAS_CHILDREN, 0x80041025, "the class has subclasses")                                \
    X(E_CLASS_HAS_INSTANCES, 0x80041026, "the class has instances")                                \
    X(E_QUERY_NOT_IMPLEMENTED, 0x80041027, "the query is not implemented")                         \
    X(E_ILLEGAL_NULL, 0x80041028, "NULL is not allowed here")                                      \
    X(E_INVALID_QUALIFIER_TYPE, 0x80041029, "invalid qualifier type")                              \
    X(E_INVALID_PROPERTY_TYPE, 0x8004102A, "invalid property type")                                \
    X(E_VALUE_OUT_OF_RANGE, 0x8004102B, "value out of range")                                      \
    X(E_CANNOT_BE_SINGLETON, 0x8004102C, "the class cannot be a singleton")                        \
    X(E_INVALID_CIM_TYPE, 0x8004102D, "invalid CIM type")                                          \
    X(E_INVALID_METHOD, 0x8004102E, "invalid or unknown method")                                   \
    X(E_INVALID_METHOD_PARAMETERS, 0x8004102F, "invalid method parameters")                        \
    X(E_SYSTEM_PROPERTY, 0x80041030, "system properties cannot be defined or changed")             \
    X(E_INVALID_PROPERTY, 0x80041031, "invalid or unknown property")                               \
    X(E_CALL_CANCELLED, 0x80041032, "the call was cancelled")                                      \
    X(E_SHUTTING_DOWN, 0x80041033, "shutting down")                                                \
    X(E_PROPAGATED_METHOD, 0x80041034, "an inherited method cannot be changed here")               \
    X(E_UNSUPPORTED_PARAMETER, 0x80041035, "the parameter is not supported")                       \
    X(E_MISSING_PARAMETER_ID, 0x80041036, "a method parameter has no ID qualifier")                \
    X(E_INVALID_PARAMETER_ID, 0x80041037, "a method parameter has an invalid ID qualifier")        \
    X(E_NONCONSECUTIVE_PARAMETER_IDS, 0x80041038, "method parameter IDs are not consecutive")      \
    X(E_PARAMETER_ID_ON_RETVAL, 0x80041039, "the return value has an ID qualifier")                \
    X(E_INVALID_OBJECT_PATH, 0x8004103A, "invalid object path")                                    \
    X(E_OUT_OF_DISK_SPACE, 0x8004103B, "out of disk space")                                        \
    X(E_BUFFER_TOO_SMALL, 0x8004103C, "buffer too small")                                          \
    X(E_UNSUPPORTED_PUT_EXTENSION, 0x8004103D, "put extensions are not supported")                 \
    X(E_UNKNOWN_OBJECT_TYPE, 0x8004103E, "unknown object type")                                    \
    X(E_UNKNOWN_PACKET_TYPE, 0x8004103F, "unknown packet type")                                    \
    X(E_MARSHAL_VERSION_MISMATCH, 0x80041040, "the marshaled data has another version")            \
    X(E_MARSHAL_INVALID_SIGNATURE, 0x80041041, "the marshaled data has an invalid signature")      \
    X(E_INVALID_QUALIFIER, 0x80041042, "invalid qualifier")                                        \
    X(E_INVALID_DUPLICATE_PARAMETER, 0x80041043, "a parameter is given twice")                     \
    X(E_TOO_MUCH_DATA, 0x80041044, "too much data")                                                \
    X(E_SERVER_TOO_BUSY, 0x80041045, "the server is too busy; the event may be refired")           \
    X(E_INVALID_FLAVOR, 0x80041046, "invalid qualifier flavor")                                    \
    X(E_CIRCULAR_REFERENCE, 0x80041047, "circular reference")                                      \
    X(E_UNSUPPORTED_CLASS_UPDATE, 0x80041048, "the class update is not supported")                 \
    X(E_CANNOT_CHANGE_KEY_INHERITANCE, 0x80041049, "cannot change a key already in use")           \
    X(E_CANNOT_CHANGE_INDEX_INHERITANCE, 0x80041050, "cannot change an index already in use")      \
    X(E_TOO_MANY_PROPERTIES, 0x80041051, "too many properties")                                    \
    X(E_UPDATE_TYPE_MISMATCH, 0x80041052, "the class update changes a property's type")            \
    X(E_UPDATE_OVERRIDE_NOT_ALLOWED, 0x80041053, "update: a qualifier may not be overridden")      \
    X(E_UPDATE_PROPAGATED_METHOD, 0x80041054, "update: a method clashes with an inherited one")    \
    X(E_METHOD_NOT_IMPLEMENTED, 0x80041055, "the method is not implemented")                       \
    X(E_METHOD_DISABLED, 0x80041056, "the method is disabled")                                     \
    X(E_REFRESHER_BUSY, 0x80041057, "the refresher is busy")                                       \
    X(E_UNPARSABLE_QUERY, 0x80041058, "the query cannot be parsed")                                \
    X(E_NOT_EVENT_CLASS, 0x80041059, "the class is not an event class (not derived from __Event)") \
    X(E_MISSING_GROUP_WITHIN, 0x8004105A, "GROUP BY or HAVING needs GROUP WITHIN")                 \
    X(E_MISSING_AGGREGATION_LIST, 0x8004105B, "missing aggregation list")                          \
    X(E_PROPERTY_NOT_AN_OBJECT, 0x8004105C, "the property is not an embedded object")              \
    X(E_AGGREGATING_BY_OBJECT, 0x8004105D, "cannot aggregate by an embedded object")               \
    X(E_UNINTERPRETABLE_PROVIDER_QUERY, 0x8004105F, "a registration query names no event class")   \
    X(E_BACKUP_RESTORE_WINMGMT_RUNNING, 0x80041060, "a restore needs the WMI service stopped")     \
    X(E_QUEUE_OVERFLOW, 0x80041061, "the event queue overflowed; events were dropped")             \
    X(E_PRIVILEGE_NOT_HELD, 0x80041062, "the caller does not hold a required privilege")           \
    X(E_INVALID_OPERATOR, 0x80041063, "invalid operator")                                          \
    X(E_LOCAL_CREDENTIALS, 0x80041064, "credentials cannot be given for a local connection")       \
    X(E_CANNOT_BE_ABSTRACT, 0x80041065, "the class cannot be abstract")                            \
    X(E_AMENDED_OBJECT, 0x80041066, "an amended object needs the amended-qualifiers flag")         \
    X(E_CLIENT_TOO_SLOW, 0x80041067, "the client did not take the results fast enough")            \
    X(E_NULL_SECURITY_DESCRIPTOR, 0x80041068, "NULL security descriptor")                          \
    X(E_TIMED_OUT, 0x80041069, "timed out")                                                        \
    X(E_INVALID_ASSOCIATION, 0x8004106A, "invalid association")                                    \
    X(E_AMBIGUOUS_OPERATION, 0x8004106B, "ambiguous operation")                                    \
    X(E_QUOTA_VIOLATION, 0x8004106C, "a WMI quota was exceeded")                                   \
    X(E_RESERVED_001, 0x8004106D, "reserved")                                                      \
    X(E_RESERVED_002, 0x8004106E, "reserved")                                                      \
    X(E_UNSUPPORTED_LOCALE, 0x8004106F, "the locale is not supported")                             \
    X(E_HANDLE_OUT_OF_DATE, 0x80041070, "the handle is out of date")                               \
    X(E_CONNECTION_FAILED, 0x80041071, "the connection failed")                                    \
    X(E_INVALID_HANDLE_REQUEST, 0x80041072, "invalid handle request")                              \
    X(E_PROPERTY_NAME_TOO_WIDE, 0x80041073, "the property name is too long")                       \
    X(E_CLASS_NAME_TOO_WIDE, 0x80041074, "the class name is too long")                             \
    X(E_METHOD_NAME_TOO_WIDE, 0x80041075, "the method name is too long")                           \
    X(E_QUALIFIER_NAME_TOO_WIDE, 0x80041076, "the qualifier name is too long")                     \
    X(E_RERUN_COMMAND, 0x80041077, "the command must be run again")                                \
    X(E_DATABASE_VER_MISMATCH, 0x80041078, "the repository has another version")                   \
    X(E_VETO_DELETE, 0x80041079, "the provider refused the delete")                                \
    X(E_VETO_PUT, 0x8004107A, "the provider refused the put")                                      \
    X(E_INVALID_LOCALE, 0x80041080, "invalid locale")                                              \
    X(E_PROVIDER_SUSPENDED, 0x80041081, "the provider is suspended")                               \
    X(E_SYNCHRONIZATION_REQUIRED, 0x80041082, "write the object and read it back first")           \
    X(E_NO_SCHEMA, 0x80041083, "no schema was given")                                              \
    X(E_PROVIDER_ALREADY_REGISTERED, 0x80041084, "the provider is already registered")             \
    X(E_PROVIDER_NOT_REGISTERED, 0x80041085, "the provider is not registered")                     \
    X(E_FATAL_TRANSPORT_ERROR, 0x80041086, "fatal transport error")                                \
    X(E_ENCRYPTED_CONNECTION_REQUIRED, 0x80041087, "an encrypted connection is required")          \
    X(E_PROVIDER_TIMED_OUT, 0x80041088, "the provider did not answer in time")                     \
    X(E_NO_KEY, 0x80041089, "the object has no key")                                               \
    X(E_PROVIDER_DISABLED, 0x8004108A, "the provider is disabled")                                 \
    X(ESS_E_REGISTRATION_TOO_BROAD, 0x80042001, "the registration overlaps system event classes")  \
    X(ESS_E_REGISTRATION_TOO_PRECISE, 0x80042002, "the query needs a WITHIN clause")               \
    X(ESS_E_AUTHZ_NOT_PRIVILEGED, 0x80042003, "missing domain rights for the subscription")        \
    X(E_RETRY_LATER, 0x80043001, "retry later")                                                    \
    X(E_RESOURCE_CONTENTION, 0x80043002, "resource contention; retry later")                       \
    X(MOF_E_EXPECTED_QUALIFIER_NAME, 0x80044001, "MOF: expected a qualifier name")                 \
    X(MOF_E_EXPECTED_SEMI, 0x80044002, "MOF: expected a semicolon")                                \
    X(MOF_E_EXPECTED_OPEN_BRACE, 0x80044003, "MOF: expected an opening brace")                     \
    X(MOF_E_EXPECTED_CLOSE_BRACE, 0x80044004, "MOF: expected a closing brace")                     \
    X(MOF_E_EXPECTED_CLOSE_BRACKET, 0x80044005, "MOF: expected a closing bracket")                 \
    X(MOF_E_EXPECTED_CLOSE_PAREN, 0x80044006, "MOF: expected a closing parenthesis")               \
    X(MOF_E_ILLEGAL_CONSTANT_VALUE, 0x80044007, "MOF: illegal constant value")                     \
    X(MOF_E_EXPECTED_TYPE_IDENTIFIER, 0x80044008, "MOF: expected a type identifier")               \
    X(MOF_E_EXPECTED_OPEN_PAREN, 0x80044009, "MOF: expected an opening parenthesis")               \
    X(MOF_E_UNRECOGNIZED_TOKEN, 0x8004400A, "MOF: unrecognized token")                             \
    X(MOF_E_UNRECOGNIZED_TYPE, 0x8004400B, "MOF: unrecognized type")                               \
    X(MOF_E_EXPECTED_PROPERTY_NAME, 0x8004400C, "MOF: expected a property name")                   \
    X(MOF_E_TYPEDEF_NOT_SUPPORTED, 0x8004400D, "MOF: typedef is not supported")                    \
    X(MOF_E_UNEXPECTED_ALIAS, 0x8004400E, "MOF: unexpected alias")                                 \
    X(MOF_E_UNEXPECTED_ARRAY_INIT, 0x8004400F, "MOF: unexpected array initializer")                \
    X(MOF_E_INVALID_AMENDMENT_SYNTAX, 0x80044010, "MOF: invalid amendment syntax")                 \
    X(MOF_E_INVALID_DUPLICATE_AMENDMENT, 0x80044011, "MOF: duplicate amendment")                   \
    X(MOF_E_INVALID_PRAGMA, 0x80044012, "MOF: invalid pragma")                                     \
    X(MOF_E_INVALID_NAMESPACE_SYNTAX, 0x80044013, "MOF: invalid namespace syntax")                 \
    X(MOF_E_EXPECTED_CLASS_NAME, 0x80044014, "MOF: expected a class name")                         \
    X(MOF_E_TYPE_MISMATCH, 0x80044015, "MOF: the value does not match the type")                   \
    X(MOF_E_EXPECTED_ALIAS_NAME, 0x80044016, "MOF: expected an alias name")                        \
    X(MOF_E_INVALID_CLASS_DECLARATION, 0x80044017, "MOF: invalid class declaration")               \
    X(MOF_E_INVALID_INSTANCE_DECLARATION, 0x80044018, "MOF: invalid instance declaration")         \
    X(MOF_E_EXPECTED_DOLLAR, 0x80044019, "MOF: expected a dollar sign")                            \
    X(MOF_E_CIMTYPE_QUALIFIER, 0x8004401A, "MOF: invalid CIMTYPE qualifier")                       \
    X(MOF_E_DUPLICATE_PROPERTY, 0x8004401B, "MOF: duplicate property")                             \
    X(MOF_E_INVALID_NAMESPACE_SPECIFICATION, 0x8004401C, "MOF: invalid namespace path")            \
    X(MOF_E_OUT_OF_RANGE, 0x8004401D, "MOF: value out of range")                                   \
    X(MOF_E_INVALID_FILE, 0x8004401E, "MOF: not a valid MOF file")                                 \
    X(MOF_E_ALIASES_IN_EMBEDDED, 0x8004401F, "MOF: no aliases in embedded objects")                \
    X(MOF_E_NULL_ARRAY_ELEM, 0x80044020, "MOF: NULL array element")                                \
    X(MOF_E_DUPLICATE_QUALIFIER, 0x80044021, "MOF: duplicate qualifier")                           \
    X(MOF_E_EXPECTED_FLAVOR_TYPE, 0x80044022, "MOF: expected a qualifier flavor")                  \
    X(MOF_E_INCOMPATIBLE_FLAVOR_TYPES, 0x80044023, "MOF: incompatible qualifier flavors")          \
    X(MOF_E_MULTIPLE_ALIASES, 0x80044024, "MOF: more than one alias")                              \
    X(MOF_E_INCOMPATIBLE_FLAVOR_TYPES2, 0x80044025, "MOF: incompatible qualifier flavors (2)")     \
    X(MOF_E_NO_ARRAYS_RETURNED, 0x80044026, "MOF: a method cannot return an array")                \
    X(MOF_E_MUST_BE_IN_OR_OUT, 0x80044027, "MOF: a parameter must be in or out")                   \
    X(MOF_E_INVALID_FLAGS_SYNTAX, 0x80044028, "MOF: invalid flags syntax")                         \
    X(MOF_E_EXPECTED_BRACE_OR_BAD_TYPE, 0x80044029, "MOF: expected a brace, or bad type")          \
    X(MOF_E_UNSUPPORTED_CIMV22_QUAL_VALUE, 0x8004402A, "MOF: unsupported CIM 2.2 qualifier value") \
    X(MOF_E_UNSUPPORTED_CIMV22_DATA_TYPE, 0x8004402B, "MOF: unsupported CIM 2.2 data type")        \
    X(MOF_E_INVALID_DELETEINSTANCE_SYNTAX, 0x8004402C, "MOF: invalid deleteinstance syntax")       \
    X(MOF_E_INVALID_QUALIFIER_SYNTAX, 0x8004402D, "MOF: invalid qualifier syntax")                 \
    X(MOF_E_QUALIFIER_USED_OUTSIDE_SCOPE, 0x8004402E, "MOF: qualifier used outside its scope")     \
    X(MOF_E_ERROR_CREATING_TEMP_FILE, 0x8004402F, "MOF: cannot create a temporary file")           \
    X(MOF_E_ERROR_INVALID_INCLUDE_FILE, 0x80044030, "MOF: invalid include file")                   \
    X(MOF_E_INVALID_DELETECLASS_SYNTAX, 0x80044031, "MOF: invalid deleteclass syntax")

/** Status constants: WBEMEV_S_NO_ERROR, WBEMEV_E_FAILED, ... (int32_t values of the HRESULTs). */
#define WBEMEV__STATUS_ENUM(name, value, msg) WBEMEV_##name = (int32_t)(value##u),
/** The status codes, from WBEMEV_STATUS_MAP. */
enum wbemev_status_code { WBEMEV_STATUS_MAP(WBEMEV__STATUS_ENUM) WBEMEV__STATUS_END_ = 0 };
#undef WBEMEV__STATUS_ENUM

/** WBEM_S_INITIALIZED: what a provider reports through its init sink when ready (equals S_NO_ERROR). */
#define WBEMEV_S_INITIALIZED WBEMEV_S_NO_ERROR
/** WBEM_NO_ERROR: another name of WBEMEV_S_NO_ERROR. */
#define WBEMEV_NO_ERROR WBEMEV_S_NO_ERROR
/** WBEM_S_SAME: another name of WBEMEV_S_NO_ERROR (the compared objects are the same). */
#define WBEMEV_S_SAME WBEMEV_S_NO_ERROR

/**
 * The WBEM name of a WBEMEV_STATUS_MAP entry, for an X macro: WBEMEV_STATUS_WBEM_NAME(E_FAILED) is
 * "WBEM_E_FAILED", WBEMEV_STATUS_WBEM_NAME(MOF_E_EXPECTED_SEMI) is "WBEMMOF_E_EXPECTED_SEMI". A
 * constant expression (one of two string literals), the same string wbemev_status_name() returns.
 */
#define WBEMEV_STATUS_WBEM_NAME(NAME)                                                              \
    ((#NAME)[1] == '_' ? "WBEM_" #NAME : "WBEM" #NAME)

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
