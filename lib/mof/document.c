/*
 * lib/mof/document.c: the document: parsing entry points, the class index and the read-only views.
 * A document is immutable once wbemev_mof_parse_* returns it, so every view may be read from any
 * number of threads.
 */
#include "mof/mof_int.h"

wbemev_mof_document_t *wbemev__mof_document_new(void)
{
    wbemev_mof_document_t *doc = wbemev__calloc(1, sizeof *doc);
    if (doc != NULL)
        doc->reg_status = WBEMEV_E_NOT_FOUND;
    return doc;
}

void wbemev_mof_document_free(wbemev_mof_document_t *doc)
{
    if (doc == NULL)
        return;
    wbemev__free(doc->class_index.slots);
    wbemev__mof_arena_free(&doc->arena);
    wbemev__free(doc);
}

static const wbemev_mof_class *class_items(const wbemev_mof_document_t *doc)
{
    return doc->classes.items;
}

/* ---- the case-insensitive name indexes (classes by name, instances by alias) ---- */

static void index_put(uint32_t *slots, size_t cap, const char *name, size_t index)
{
    size_t mask = cap - 1;
    size_t h = wbemev__name_hash(name) & mask;
    while (slots[h] != 0)
        h = (h + 1) & mask;
    slots[h] = (uint32_t)(index + 1);
}

bool wbemev__mof_index_add(wbemev__mof_index *ix, wbemev__mof_name_at name_at, const void *ctx, size_t index)
{
    if (index >= UINT32_MAX - 1 || ix->count > SIZE_MAX / 4)
        return false;
    if ((ix->count + 1) * 2 > ix->cap) { /* grow at half full */
        size_t cap = ix->cap == 0 ? 64 : ix->cap * 2;
        uint32_t *slots = wbemev__calloc(cap, sizeof *slots);
        if (slots == NULL)
            return false;
        for (size_t h = 0; h < ix->cap; h++) {
            if (ix->slots[h] != 0)
                index_put(slots, cap, name_at(ctx, ix->slots[h] - 1), ix->slots[h] - 1);
        }
        wbemev__free(ix->slots);
        ix->slots = slots;
        ix->cap = cap;
    }
    index_put(ix->slots, ix->cap, name_at(ctx, index), index);
    ix->count++;
    return true;
}

size_t wbemev__mof_index_find(const wbemev__mof_index *ix, wbemev__mof_name_at name_at, const void *ctx,
                              const char *name)
{
    if (ix->cap == 0 || name == NULL)
        return SIZE_MAX;
    size_t mask = ix->cap - 1;
    for (size_t h = wbemev__name_hash(name) & mask; ix->slots[h] != 0; h = (h + 1) & mask) {
        size_t i = ix->slots[h] - 1;
        if (wbemev__strcaseeq(name_at(ctx, i), name))
            return i;
    }
    return SIZE_MAX;
}

static const char *class_name_at(const void *ctx, size_t i)
{
    return class_items(ctx)[i].name;
}

bool wbemev__mof_document_index_class(wbemev_mof_document_t *doc, size_t index)
{
    return wbemev__mof_index_add(&doc->class_index, class_name_at, doc, index);
}

size_t wbemev__mof_document_class_index(const wbemev_mof_document_t *doc, const char *name)
{
    return wbemev__mof_index_find(&doc->class_index, class_name_at, doc, name);
}

const wbemev_mof_qualifier *wbemev__mof_document_find_qualifier_type(const wbemev_mof_document_t *doc,
                                                                    const char *name)
{
    return wbemev_mof_find_qualifier(doc->qualifier_types.items, doc->qualifier_types.count, name);
}

/* ---- parsing ---- */

static void set_limits(wbemev__mof_parser *p, const wbemev_mof_options *opts)
{
    p->opts = opts;
    p->max_include_depth = opts != NULL && opts->max_include_depth != 0 ? opts->max_include_depth
                                                                         : WBEMEV__MOF_DEFAULT_INCLUDE_DEPTH;
    if (p->max_include_depth > WBEMEV__MOF_MAX_INCLUDE_DEPTH)
        p->max_include_depth = WBEMEV__MOF_MAX_INCLUDE_DEPTH;
    p->max_nesting = opts != NULL && opts->max_nesting != 0 ? opts->max_nesting : WBEMEV__MOF_DEFAULT_NESTING;
    p->max_file_bytes = opts != NULL && opts->max_file_bytes != 0 ? opts->max_file_bytes
                                                                   : WBEMEV__MOF_DEFAULT_FILE_BYTES;
    p->max_total_bytes = opts != NULL && opts->max_total_bytes != 0 ? opts->max_total_bytes
                                                                     : WBEMEV__MOF_DEFAULT_TOTAL_BYTES;
}

/* Parses src (owned from here) and finishes the document: aliases, registration. */
static wbemev_status parse_top(wbemev__mof_source *src, const wbemev_mof_options *opts,
                               wbemev_mof_document_t **out, wbemev_mof_diagnostic *err)
{
    wbemev__mof_parser p;
    memset(&p, 0, sizeof p);
    set_limits(&p, opts);
    p.err = err;
    p.sources = src;
    p.doc = wbemev__mof_document_new();
    wbemev_status s;
    if (p.doc == NULL) {
        wbemev__mof_diag_set(err, WBEMEV_E_OUT_OF_MEMORY, NULL, "out of memory");
        s = WBEMEV_E_OUT_OF_MEMORY;
    } else {
        s = wbemev__mof_parse_source(&p, src);
        if (WBEMEV_SUCCEEDED(s) && !wbemev__mof_resolve_aliases(&p))
            s = err->status;
        if (WBEMEV_SUCCEEDED(s)) {
            s = wbemev__mof_build_registration(p.doc);
            if (s == WBEMEV_E_OUT_OF_MEMORY)
                wbemev__mof_diag_set(err, s, NULL, "out of memory");
        }
    }
    wbemev__free(p.alias_index.slots);
    while (p.sources != NULL) {
        wbemev__mof_source *next = p.sources->next;
        wbemev__mof_source_free(p.sources);
        p.sources = next;
    }
    if (WBEMEV_FAILED(s)) {
        wbemev_mof_document_free(p.doc);
        return s;
    }
    *out = p.doc;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status source_failed(wbemev_mof_diagnostic *err, const char *name, wbemev_status s, const char *why)
{
    wbemev__mof_pos at = {name, NULL, NULL, 0, 0};
    wbemev__mof_diag_set(err, s, &at, "%s", why);
    return s;
}

wbemev_status wbemev_mof_parse_file(const char *path, const wbemev_mof_options *opts, wbemev_mof_document_t **out,
                                    wbemev_mof_diagnostic *err)
{
    wbemev_mof_diagnostic local;
    err = err != NULL ? err : &local;
    if (path == NULL || out == NULL)
        return source_failed(err, NULL, WBEMEV_E_INVALID_PARAMETER, "invalid parameter");
    wbemev__mof_parser limits;
    memset(&limits, 0, sizeof limits);
    set_limits(&limits, opts);
    size_t max = limits.max_file_bytes < limits.max_total_bytes ? limits.max_file_bytes : limits.max_total_bytes;
    wbemev__mof_source *src = NULL;
    const char *why = "";
    wbemev_status s = wbemev__mof_source_read(path, max, &src, &why);
    if (WBEMEV_FAILED(s))
        return source_failed(err, path, s, why);
    return parse_top(src, opts, out, err);
}

wbemev_status wbemev_mof_parse_string(const char *text, size_t length, const char *name,
                                      const wbemev_mof_options *opts, wbemev_mof_document_t **out,
                                      wbemev_mof_diagnostic *err)
{
    wbemev_mof_diagnostic local;
    err = err != NULL ? err : &local;
    if ((text == NULL && length > 0) || out == NULL)
        return source_failed(err, name, WBEMEV_E_INVALID_PARAMETER, "invalid parameter");
    wbemev__mof_parser limits;
    memset(&limits, 0, sizeof limits);
    set_limits(&limits, opts);
    if (length > limits.max_file_bytes || length > limits.max_total_bytes)
        return source_failed(err, name, WBEMEV_E_QUOTA_VIOLATION, "the text is larger than the size limit");
    wbemev__mof_source *src = NULL;
    const char *why = "";
    wbemev_status s = wbemev__mof_source_from_text(name, text != NULL ? text : "", length, &src, &why);
    if (WBEMEV_FAILED(s))
        return source_failed(err, name, s, why);
    return parse_top(src, opts, out, err);
}

/* ---- views ---- */

size_t wbemev_mof_document_class_count(const wbemev_mof_document_t *doc)
{
    return doc != NULL ? doc->classes.count : 0;
}

const wbemev_mof_class *wbemev_mof_document_class_at(const wbemev_mof_document_t *doc, size_t index)
{
    return doc != NULL && index < doc->classes.count ? &class_items(doc)[index] : NULL;
}

const wbemev_mof_class *wbemev_mof_document_find_class(const wbemev_mof_document_t *doc, const char *name)
{
    if (doc == NULL || name == NULL)
        return NULL;
    size_t i = wbemev__mof_document_class_index(doc, name);
    return i != SIZE_MAX ? &class_items(doc)[i] : NULL;
}

size_t wbemev_mof_document_instance_count(const wbemev_mof_document_t *doc)
{
    return doc != NULL ? doc->instances.count : 0;
}

const wbemev_mof_instance *wbemev_mof_document_instance_at(const wbemev_mof_document_t *doc, size_t index)
{
    return doc != NULL && index < doc->instances.count ? &((const wbemev_mof_instance *)doc->instances.items)[index]
                                                       : NULL;
}

size_t wbemev_mof_document_qualifier_type_count(const wbemev_mof_document_t *doc)
{
    return doc != NULL ? doc->qualifier_types.count : 0;
}

const wbemev_mof_qualifier *wbemev_mof_document_qualifier_type_at(const wbemev_mof_document_t *doc, size_t index)
{
    return doc != NULL && index < doc->qualifier_types.count
               ? &((const wbemev_mof_qualifier *)doc->qualifier_types.items)[index]
               : NULL;
}

size_t wbemev_mof_document_pragma_count(const wbemev_mof_document_t *doc)
{
    return doc != NULL ? doc->pragmas.count : 0;
}

const wbemev_mof_pragma *wbemev_mof_document_pragma_at(const wbemev_mof_document_t *doc, size_t index)
{
    return doc != NULL && index < doc->pragmas.count ? &((const wbemev_mof_pragma *)doc->pragmas.items)[index] : NULL;
}

const wbemev_mof_qualifier *wbemev_mof_find_qualifier(const wbemev_mof_qualifier *list, size_t count,
                                                      const char *name)
{
    if (list == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        if (wbemev__strcaseeq(list[i].name, name))
            return &list[i];
    }
    return NULL;
}
