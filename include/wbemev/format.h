/*
 * wbemev/format.h: event objects as text (MOF instance text, JSON lines), and formatting sinks that
 * write every event they receive to a FILE *.
 */
#ifndef WBEMEV_FORMAT_H
#define WBEMEV_FORMAT_H

#include <stdio.h>

#include "sink.h"

WBEMEV_BEGIN_DECLS

/**
 * @file wbemev/format.h
 * @brief Event objects as text: MOF instance text and JSON lines, and the formatting sinks.
 *
 * Two formats:
 *
 * - **MOF instance text** (WBEMEV_FORMAT_MOF), written by wbemev_mof_write_instance() (wbemev/mof.h)
 *   and followed by an empty line, so a stream of events reads as a MOF file:
 *
 *       instance of Sample_Event
 *       {
 *           Name = "x";
 *           Severity = 3;
 *       };
 *
 * - **JSON lines** (WBEMEV_FORMAT_JSON): one JSON object per event on one line, ending with a newline.
 *   The first member is "__CLASS"; the properties follow in class order (inherited ones first) under
 *   their defined names:
 *
 *       {"__CLASS":"Sample_Event","SECURITY_DESCRIPTOR":null,"TIME_CREATED":"133497840000000000","Name":"x","Severity":3}
 *
 *   Every value has a lossless form, so a reader gets back exactly what was Put:
 *
 *   | CIM type                         | JSON                                                        |
 *   |----------------------------------|-------------------------------------------------------------|
 *   | sint8, sint16, sint32, uint8, uint16, uint32 | number                                          |
 *   | sint64, uint64                   | string of decimal digits ("-9223372036854775808", "18446744073709551615"): exact past 2^53, as WMI's own VARIANT form (docs/contract.md, CIM types) |
 *   | real32, real64                   | number, the shortest decimal that reads back as the same float or double; "NaN", "Infinity", "-Infinity" as strings |
 *   | boolean                          | true, false                                                 |
 *   | char16                           | string of one character                                     |
 *   | string, reference                | string (UTF-8; with WBEMEV_FORMAT_ASCII, `\uXXXX` escapes)   |
 *   | datetime                         | string, the DMTF form: "20240131120000.000000+060" (timestamp with its UTC offset in minutes) or "00000001020304.000005:000" (interval); wbemev_datetime_parse() reads it back |
 *   | object                           | nested object with its own "__CLASS"                        |
 *   | arrays                           | array of the element forms                                  |
 *   | NULL                             | null (the member is left out with WBEMEV_FORMAT_SKIP_NULLS) |
 *
 * Strings escape `"`, `\`, the control characters and U+2028/U+2029 (for JavaScript readers); the
 * output of the instance functions is always valid UTF-8 (ASCII with WBEMEV_FORMAT_ASCII).
 *
 * Output goes to a writer callback, a caller buffer (snprintf-like) or a FILE *, as in wbemev/mof.h.
 * The functions that format one object only read it: they are thread-safe on a frozen object (one
 * that was indicated) and allocate nothing.
 *
 * The formatting sink (wbemev_format_sink_new()) is a consumer sink: subscribe it and every event it
 * receives is written to its FILE * in one of the formats. It follows the ownership rules of
 * wbemev/sink.h: it starts with one reference owned by the caller; the dispatcher add_refs it while
 * subscribed.
 */

/** An output format. */
typedef enum wbemev_format {
    WBEMEV_FORMAT_MOF = 1, /**< MOF instance text, an empty line after each instance */
    WBEMEV_FORMAT_JSON = 2 /**< JSON lines: one object per event, then a newline */
} wbemev_format;

/** Flag: JSON leaves out NULL properties (MOF always does). */
#define WBEMEV_FORMAT_SKIP_NULLS 0x1u
/** Flag: JSON escapes every character outside ASCII as `\uXXXX` (MOF text is always ASCII). */
#define WBEMEV_FORMAT_ASCII 0x2u
/** Flag (formatting sinks): fflush the file after each Indicate, for live output through a pipe. */
#define WBEMEV_FORMAT_FLUSH 0x100u

/**
 * How deep embedded objects may nest in text, JSON and MOF alike: the instance (or value) written
 * is level 0, an object embedded in it level 1, and so on. An object past this level is refused:
 * the function returns WBEMEV_E_INVALID_OBJECT, the text written before it already went to the
 * writer (the buffer forms then hold a prefix). The limit bounds the writers' recursion and MOF's
 * indentation.
 */
#define WBEMEV_FORMAT_MAX_DEPTH 64

/**
 * Receives text, for every function that writes text (JSON here, MOF in wbemev/mof.h): `len` bytes
 * (not NUL-terminated, len > 0), in order. A failure status stops the writing: the writer is not
 * called again, and the function that called it returns that status.
 */
typedef wbemev_status (*wbemev_text_writer)(void *ctx, const char *text, size_t len);

/**
 * The name of a format ("mof", "json"), or NULL for a value that is not a format. Thread-safe.
 * @param format a format
 * @return a static string, or NULL
 */
WBEMEV_API const char *wbemev_format_name(wbemev_format format);

/**
 * Parses a format name ("mof" or "json", case-insensitive) into *out. Thread-safe.
 * @param name the name
 * @param[out] out the format, written only on success
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for a NULL argument or an unknown name
 */
WBEMEV_API wbemev_status wbemev_format_from_name(const char *name, wbemev_format *out);

/**
 * Writes one value in its JSON form (see the table above), without a newline. Embedded objects are
 * written as nested objects. The value is checked first (wbemev_value_validate()).
 * @param value the value (borrowed)
 * @param flags WBEMEV_FORMAT_SKIP_NULLS (for nested objects) and WBEMEV_FORMAT_ASCII
 * @param writer receives the text
 * @param ctx passed to writer
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL arguments; the statuses of
 *         wbemev_value_validate(); WBEMEV_E_INVALID_OBJECT for embedded objects nested past
 *         WBEMEV_FORMAT_MAX_DEPTH; the writer's failure
 */
WBEMEV_API wbemev_status wbemev_json_write_value(const wbemev_value *value, uint32_t flags,
                                                 wbemev_text_writer writer, void *ctx);

/**
 * Writes an instance as one JSON line: the object, then a newline.
 * @param obj an instance (borrowed)
 * @param flags WBEMEV_FORMAT_SKIP_NULLS, WBEMEV_FORMAT_ASCII
 * @param writer receives the text
 * @param ctx passed to writer
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL arguments;
 *         WBEMEV_E_INVALID_OPERATION for a class object (genus 1); WBEMEV_E_INVALID_OBJECT for
 *         embedded objects nested past WBEMEV_FORMAT_MAX_DEPTH; the writer's failure
 */
WBEMEV_API wbemev_status wbemev_json_write_instance(const wbemev_object_t *obj, uint32_t flags,
                                                    wbemev_text_writer writer, void *ctx);

/**
 * The buffer form of wbemev_json_write_instance(), snprintf-like: on success the line (with its
 * newline) and a NUL are in buf and *length (optional) receives the text's length. With buf NULL and
 * size 0 nothing is written and *length receives the length needed (add 1 for the NUL).
 * @param obj an instance (borrowed)
 * @param flags WBEMEV_FORMAT_SKIP_NULLS, WBEMEV_FORMAT_ASCII
 * @param buf the buffer, or NULL with size 0
 * @param size its size in bytes
 * @param[out] length optional: the text's length, written only on success
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_BUFFER_TOO_SMALL when buf is too small (it then holds a
 *         truncated, NUL-terminated prefix); the statuses of wbemev_json_write_instance()
 */
WBEMEV_API wbemev_status wbemev_json_format_instance(const wbemev_object_t *obj, uint32_t flags,
                                                     char *buf, size_t size, size_t *length);

/**
 * The FILE * form of wbemev_json_write_instance().
 * @param obj an instance (borrowed)
 * @param flags WBEMEV_FORMAT_SKIP_NULLS, WBEMEV_FORMAT_ASCII
 * @param file an open stream
 * @return the statuses of wbemev_json_write_instance(); WBEMEV_E_FAILED when the stream reports a
 *         write error
 */
WBEMEV_API wbemev_status wbemev_json_fwrite_instance(const wbemev_object_t *obj, uint32_t flags,
                                                     FILE *file);

/**
 * Writes an instance in `format`: MOF instance text followed by an empty line
 * (wbemev_mof_write_instance()), or one JSON line (wbemev_json_write_instance()).
 * @param format WBEMEV_FORMAT_MOF or WBEMEV_FORMAT_JSON
 * @param obj an instance (borrowed)
 * @param flags the JSON flags (ignored for MOF)
 * @param writer receives the text
 * @param ctx passed to writer
 * @return WBEMEV_E_INVALID_PARAMETER for an unknown format; otherwise the status of the function
 *         named above
 */
WBEMEV_API wbemev_status wbemev_format_write_instance(wbemev_format format, const wbemev_object_t *obj,
                                                      uint32_t flags, wbemev_text_writer writer,
                                                      void *ctx);

/**
 * Creates a formatting sink: a consumer sink whose Indicate writes every event to `file` in `format`.
 *
 * Each Indicate formats its events into memory and writes them with one fwrite under the sink's
 * lock, so events from concurrent Indicate calls never interleave. SetStatus flushes the file and
 * writes nothing.
 *
 * An event that cannot be written in the format (embedded objects nested past
 * WBEMEV_FORMAT_MAX_DEPTH: WBEMEV_E_INVALID_OBJECT; a class object; any other formatting failure
 * but running out of memory) is left out whole, none of its text written; the call's other events
 * are written and Indicate succeeds, so the subscription goes on. Each such event is counted in
 * wbemev_format_sink_stats() (skipped, and the status of the last one in last_skip): it is never
 * lost silently. A write error or running out of memory makes Indicate answer WBEMEV_E_FAILED or
 * WBEMEV_E_OUT_OF_MEMORY with nothing of the call written, which cancels the subscription
 * (wbemev/sink.h, rule 5); it is counted too (failed). A NULL entry in the array is the caller's
 * mistake: WBEMEV_E_INVALID_PARAMETER, nothing written.
 *
 * The file is borrowed: keep it open until the sink's last reference is released (after the
 * dispatcher sent its terminal SetStatus); the sink never closes it.
 *
 * @param file an open stream (borrowed)
 * @param format WBEMEV_FORMAT_MOF or WBEMEV_FORMAT_JSON
 * @param flags WBEMEV_FORMAT_SKIP_NULLS, WBEMEV_FORMAT_ASCII, WBEMEV_FORMAT_FLUSH
 * @param[out] out the sink, one reference owned by the caller; written only on success
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL arguments or an unknown format;
 *         WBEMEV_E_OUT_OF_MEMORY
 */
WBEMEV_API wbemev_status wbemev_format_sink_new(FILE *file, wbemev_format format, uint32_t flags,
                                                wbemev_sink_t **out);

/**
 * The number of events a formatting sink wrote so far. Thread-safe.
 * @param sink a formatting sink
 * @return the count; 0 for NULL or a sink that is not a formatting sink
 */
WBEMEV_API uint64_t wbemev_format_sink_count(wbemev_sink_t *sink);

/** What a formatting sink did (wbemev_format_sink_stats()). */
typedef struct wbemev_format_sink_counters {
    uint64_t written;  /**< events written (wbemev_format_sink_count()) */
    uint64_t skipped;  /**< events left out because they cannot be written in the format */
    uint64_t failed;   /**< Indicate calls that failed: a write error or out of memory */
    /** why the last skipped event was left out (WBEMEV_E_INVALID_OBJECT: nested past
     * WBEMEV_FORMAT_MAX_DEPTH); WBEMEV_S_NO_ERROR when none was */
    wbemev_status last_skip;
} wbemev_format_sink_counters;

/**
 * Reads a formatting sink's counters. Thread-safe; the counters are read one by one, so while
 * Indicate calls are in progress they may be one call apart.
 * @param sink a formatting sink
 * @param[out] out the counters, written only on success
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL arguments or a sink that is not a
 *         formatting sink
 */
WBEMEV_API wbemev_status wbemev_format_sink_stats(wbemev_sink_t *sink, wbemev_format_sink_counters *out);

WBEMEV_END_DECLS

#endif /* WBEMEV_FORMAT_H */
