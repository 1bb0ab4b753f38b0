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
 *        \#pragma namespace("\\\\.\\root\\cimv2")
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
 * `\#pragma namespace`, one class declaration per class, the __Win32Provider instance (Name, CLSID,
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

/* ==== Reading MOF ====
 *
 * The reader parses MOF text as the DMTF MOF grammar (DSP0221 / DSP0004) and WMI's mofcomp accept it:
 * pragmas, qualifier declarations, classes with properties, references and methods, and instances
 * with aliases. Its result is an immutable document whose views below own no memory of their own:
 * everything belongs to the document and stays valid until wbemev_mof_document_free(). The
 * document can then define its classes in a namespace (wbemev_namespace_load_mof) and give the
 * provider registration it contains (wbemev_mof_document_registration). docs/mof.md describes
 * what is accepted, the limits and the diagnostics.
 *
 * Thread-safety: parsing is reentrant; a document is immutable once parsed, so it may be read from
 * any number of threads at once.
 */

/** The document: opaque, owns everything its views return. */
typedef struct wbemev_mof_document wbemev_mof_document_t;

/** Where and why: every error and every warning. Plain data, filled by the reader. */
typedef struct wbemev_mof_diagnostic {
    /** WBEMEV_E_INVALID_SYNTAX for malformed text, WBEMEV_E_TYPE_MISMATCH or
     * WBEMEV_E_VALUE_OUT_OF_RANGE for a value that does not fit its type, WBEMEV_E_NOT_FOUND for
     * a file that cannot be opened, WBEMEV_MOF_E_ERROR_INVALID_INCLUDE_FILE for an include cycle,
     * WBEMEV_MOF_E_INVALID_FILE for a file that is not UTF-8 or UTF-16 text,
     * WBEMEV_E_QUOTA_VIOLATION for a limit of wbemev_mof_options, WBEMEV_E_OUT_OF_MEMORY; a
     * loading status of wbemev_namespace_define_class; WBEMEV_S_NO_ERROR for a warning. */
    wbemev_status status;
    char file[512];          /**< the file as named (include paths resolved), or the parse_string name */
    unsigned line;           /**< 1-based; 0 when not about a position */
    unsigned column;         /**< 1-based, in characters; 0 when not about a position */
    char message[256];       /**< "expected ';' after property 'Name'" */
    char text[1280];         /**< "file:line:column: message\n<source line>\n<spaces>^\n" */
} wbemev_mof_diagnostic;

/** Limits and the warning callback. Zero fields take their defaults; opts may be NULL everywhere. */
typedef struct wbemev_mof_options {
    unsigned max_include_depth; /**< 0: default 32 files deep */
    unsigned max_nesting;       /**< 0: default 64 (instance values nested in instance values) */
    size_t max_file_bytes;      /**< 0: default 64 MiB per file */
    /** Called for each warning (unknown pragma, ...); NULL: warnings are dropped. */
    void (*warn)(void *ctx, const wbemev_mof_diagnostic *w);
    void *warn_ctx;             /**< passed to warn */
    /** 0: default 1 GiB: the bytes of every file read, an included file counted each time. */
    size_t max_total_bytes;
} wbemev_mof_options;

/** Qualifier flavors (wbemev_mof_qualifier.flavors). */
#define WBEMEV_MOF_FLAVOR_TOSUBCLASS 0x1u      /**< ToSubclass: subclasses inherit it */
#define WBEMEV_MOF_FLAVOR_RESTRICTED 0x2u      /**< also written NotToSubclass */
#define WBEMEV_MOF_FLAVOR_AMENDED 0x4u         /**< Amended: localized, kept apart from the class */
#define WBEMEV_MOF_FLAVOR_DISABLEOVERRIDE 0x8u /**< DisableOverride: subclasses may not change it */
#define WBEMEV_MOF_FLAVOR_ENABLEOVERRIDE 0x10u /**< EnableOverride: subclasses may change it */
#define WBEMEV_MOF_FLAVOR_TRANSLATABLE 0x20u   /**< Translatable: its value may be localized */
#define WBEMEV_MOF_FLAVOR_TOINSTANCE 0x40u     /**< ToInstance: instances inherit it */

/**
 * Parses the MOF file at path, and every file it includes, into *out (free it with
 * wbemev_mof_document_free). On failure *out is not written and err (optional) says where and
 * why. WBEMEV_E_INVALID_PARAMETER for a NULL path or out; the statuses of wbemev_mof_diagnostic.
 */
WBEMEV_API wbemev_status wbemev_mof_parse_file(const char *path, const wbemev_mof_options *opts,
                                               wbemev_mof_document_t **out, wbemev_mof_diagnostic *err);
/**
 * Parses `length` bytes of MOF text (not necessarily NUL-terminated). `name` names it in
 * diagnostics; includes resolve relative to its directory, or to the working directory when NULL.
 * Statuses as wbemev_mof_parse_file (WBEMEV_E_INVALID_PARAMETER for NULL text with length > 0).
 */
WBEMEV_API wbemev_status wbemev_mof_parse_string(const char *text, size_t length, const char *name,
                                                 const wbemev_mof_options *opts,
                                                 wbemev_mof_document_t **out, wbemev_mof_diagnostic *err);
/** Frees a document and everything its views gave. NULL is ignored. */
WBEMEV_API void wbemev_mof_document_free(wbemev_mof_document_t *doc);

/** A qualifier: `[Description("x") : Amended]`. */
typedef struct wbemev_mof_qualifier {
    const char *name;   /**< as written */
    wbemev_value value; /**< typed by its declaration when the document declares it; boolean TRUE
                             for a bare [Key]; for a qualifier declaration: its type and default */
    unsigned flavors;   /**< WBEMEV_MOF_FLAVOR_* written with it (for a declaration: Flavor(...)) */
} wbemev_mof_qualifier;

/** A property of a class. */
typedef struct wbemev_mof_property {
    const char *name; /**< the property name, as written */
    /** WBEMEV_CIM_FLAG_ARRAY for arrays; REFERENCE for `Class REF name`; OBJECT for `object`, for
     * a class name used as the type, and for string with EmbeddedObject/EmbeddedInstance. */
    wbemev_cimtype type;
    const char *ref_class;      /**< REF's class, or EmbeddedInstance("X")'s class, or NULL */
    size_t array_size;          /**< fixed array [N]; 0 for variable-size or not an array */
    bool is_key;                /**< [Key] */
    bool has_default;           /**< `= value` was written */
    wbemev_value default_value; /**< when has_default; a NULL literal: is_null, type WBEMEV_CIM_EMPTY */
    const wbemev_mof_qualifier *qualifiers; /**< its qualifiers, in the order written */
    size_t qualifier_count; /**< number of qualifiers */
    unsigned line; /**< where declared */
} wbemev_mof_property;

/** A parameter of a method. */
typedef struct wbemev_mof_parameter {
    const char *name; /**< the parameter name */
    wbemev_cimtype type; /**< its CIM type (as a property's) */
    const char *ref_class; /**< REF's or EmbeddedInstance's class, or NULL */
    size_t array_size; /**< fixed array [N]; 0 otherwise */
    const wbemev_mof_qualifier *qualifiers; /**< its qualifiers, in the order written */
    size_t qualifier_count; /**< number of qualifiers */
} wbemev_mof_parameter;

/** A method of a class (kept, not loaded: the model has no methods). */
typedef struct wbemev_mof_method {
    const char *name; /**< the method name */
    wbemev_cimtype return_type; /**< WBEMEV_CIM_EMPTY for void */
    const wbemev_mof_parameter *parameters; /**< its parameters, in order */
    size_t parameter_count; /**< number of parameters */
    const wbemev_mof_qualifier *qualifiers; /**< its qualifiers, in the order written */
    size_t qualifier_count; /**< number of qualifiers */
} wbemev_mof_method;

/** A class declaration. */
typedef struct wbemev_mof_class {
    const char *name; /**< the class name, as written */
    const char *superclass;     /**< NULL for a root class */
    const char *namespace_name; /**< from the last \#pragma namespace before it, or NULL */
    bool is_abstract;           /**< [Abstract] */
    const wbemev_mof_property *properties; /**< its own, in declaration order */
    size_t property_count; /**< number of properties */
    const wbemev_mof_method *methods; /**< its methods, in declaration order */
    size_t method_count; /**< number of methods */
    const wbemev_mof_qualifier *qualifiers; /**< its qualifiers, in the order written */
    size_t qualifier_count; /**< number of qualifiers */
    const char *file; /**< the file it was read from */
    unsigned line; /**< the line of its `class` keyword */
    bool is_association; /**< [Association] */
    bool is_indication;  /**< [Indication] */
} wbemev_mof_class;

/** An instance: `instance of Class [as $Alias] { Prop = value; ... };`. */
typedef struct wbemev_mof_instance {
    const char *class_name; /**< the class named after `instance of` */
    const char *alias;          /**< without '$', or NULL */
    const char *namespace_name; /**< from the last \#pragma namespace before it, or NULL */
    /** Values are typed by the class when the document declares it, else by their literal
     * (integers sint64, or uint64 past its range; reals real64). An alias reference ($P) is a
     * value of type REFERENCE whose string is the object path of the aliased instance,
     * `Class.Key="value"` from the keys of its class (Name for __Win32Provider), or "$P" when the
     * keys of its class are not known. An embedded `instance of` value is a NULL object. */
    const char *const *property_names;
    const wbemev_value *property_values; /**< the values, one per name */
    size_t property_count; /**< number of property names and values */
    const wbemev_mof_qualifier *qualifiers; /**< its qualifiers, in the order written */
    size_t qualifier_count; /**< number of qualifiers */
    const char *file; /**< the file it was read from */
    unsigned line; /**< the line of its `instance` keyword */
} wbemev_mof_instance;

/** A pragma, in document order: `\#pragma name(argument)`. */
typedef struct wbemev_mof_pragma {
    const char *name;     /**< "namespace", "include", "autorecover", "locale", ... as written */
    const char *argument; /**< its first string argument, or NULL */
    const char *file; /**< the file it was read from */
    unsigned line; /**< its line */
} wbemev_mof_pragma;

/* The views. NULL doc gives 0 or NULL; an index out of range gives NULL. */
/** Number of classes, in the order they were read (included files at their include). */
WBEMEV_API size_t wbemev_mof_document_class_count(const wbemev_mof_document_t *doc);
/** Class number `index`, or NULL. */
WBEMEV_API const wbemev_mof_class *wbemev_mof_document_class_at(const wbemev_mof_document_t *doc, size_t index);
/** The class named `name` (case-insensitive), or NULL. */
WBEMEV_API const wbemev_mof_class *wbemev_mof_document_find_class(const wbemev_mof_document_t *doc,
                                                                  const char *name);
/** Number of instances. */
WBEMEV_API size_t wbemev_mof_document_instance_count(const wbemev_mof_document_t *doc);
/** Instance number `index`, or NULL. */
WBEMEV_API const wbemev_mof_instance *wbemev_mof_document_instance_at(const wbemev_mof_document_t *doc,
                                                                      size_t index);
/** Number of `Qualifier X : type ...;` declarations. */
WBEMEV_API size_t wbemev_mof_document_qualifier_type_count(const wbemev_mof_document_t *doc);
/** Declaration number `index`: its name, its type and default (value), its Flavor(...); or NULL. */
WBEMEV_API const wbemev_mof_qualifier *wbemev_mof_document_qualifier_type_at(const wbemev_mof_document_t *doc,
                                                                            size_t index);
/** Number of pragmas. */
WBEMEV_API size_t wbemev_mof_document_pragma_count(const wbemev_mof_document_t *doc);
/** Pragma number `index`, or NULL. */
WBEMEV_API const wbemev_mof_pragma *wbemev_mof_document_pragma_at(const wbemev_mof_document_t *doc, size_t index);
/** The qualifier named `name` (case-insensitive) in list, or NULL (also for NULL arguments). */
WBEMEV_API const wbemev_mof_qualifier *wbemev_mof_find_qualifier(const wbemev_mof_qualifier *list, size_t count,
                                                                 const char *name);

/**
 * Defines every class of the document in ns, superclasses and REF/embedded classes first wherever
 * they appear. Classes already in ns serve as superclasses and referenced classes; a class that
 * exists is skipped when `skip_existing` is true, else WBEMEV_E_ALREADY_EXISTS. System classes
 * (names starting with "__") are never defined: the namespace's own are used. A property that
 * repeats an inherited one (a CIM override) keeps the inherited definition. A reference or
 * embedded-object class that would close a cycle of classes referring to each other (as CIM
 * associations do) is defined as "any class" (ref_class NULL) on the property that closes it.
 * On failure nothing stays defined and err (optional) says which class and property. Statuses:
 * WBEMEV_E_INVALID_PARAMETER for NULL ns or doc; WBEMEV_E_INVALID_SUPERCLASS for a superclass
 * neither in the document nor in ns (or a superclass cycle); WBEMEV_E_INVALID_CLASS for an
 * unknown referenced class; those of wbemev_namespace_define_class. Thread-safe as
 * wbemev_namespace_define_class.
 */
WBEMEV_API wbemev_status wbemev_namespace_load_mof(wbemev_namespace_t *ns, const wbemev_mof_document_t *doc,
                                                   bool skip_existing, wbemev_mof_diagnostic *err);

/**
 * The provider registration written in the document: its first __EventProviderRegistration
 * instance (its EventQueryList), the __Win32Provider instance its Provider names (by alias or
 * object path: Name, CLSID, HostingModel), the namespace of the \#pragma namespace before it ("\\.\" or
 * "\\server\" removed), and the classes of the document that are not system classes, superclasses
 * first. Owned by the document. WBEMEV_E_INVALID_PARAMETER for NULL arguments; WBEMEV_E_NOT_FOUND
 * when the document has no __EventProviderRegistration; WBEMEV_E_INVALID_PROVIDER_REGISTRATION
 * when it names no __Win32Provider of the document or has no EventQueryList strings.
 */
WBEMEV_API wbemev_status wbemev_mof_document_registration(const wbemev_mof_document_t *doc,
                                                          const wbemev_registration **out);

WBEMEV_END_DECLS

#endif /* WBEMEV_MOF_H */
