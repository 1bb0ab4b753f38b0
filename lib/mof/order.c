/*
 * lib/mof/order.c: the order in which a document's classes can be defined. A class needs its
 * superclass first, always (a superclass cycle is an error). It would also like the classes its
 * REF and embedded-object properties name to come first; when that would close a cycle (CIM
 * associations refer to each other) the class comes first anyway, and the loader defines that
 * property as referring to any class. The depth-first walk below keeps the superclass rule: when
 * a class's superclass is still waiting on it through a chain of references, the walk backs out
 * to the last reference it followed and gives that one up; after a bounded number of steps it
 * falls back to the plain superclass order.
 */
#include "mof/mof_int.h"

bool wbemev__mof_is_system_name(const char *name)
{
    return name != NULL && name[0] == '_' && name[1] == '_';
}

static const wbemev_mof_class *cls_at(const wbemev_mof_document_t *doc, size_t i)
{
    return &((const wbemev_mof_class *)doc->classes.items)[i];
}

static size_t super_of(const wbemev_mof_document_t *doc, size_t i)
{
    return wbemev__mof_document_class_index(doc, cls_at(doc, i)->superclass);
}

size_t wbemev__mof_property_target(const wbemev_mof_document_t *doc, const wbemev_mof_property *prop)
{
    wbemev_cimtype base = WBEMEV_CIM_BASE(prop->type);
    if ((base != WBEMEV_CIM_REFERENCE && base != WBEMEV_CIM_OBJECT) || prop->ref_class == NULL)
        return SIZE_MAX;
    return wbemev__mof_document_class_index(doc, prop->ref_class);
}

bool wbemev__mof_property_is_override(const wbemev_mof_document_t *doc, const wbemev_mof_class *c,
                                      const char *name)
{
    size_t i = wbemev__mof_document_class_index(doc, c->superclass);
    for (size_t depth = 0; i != SIZE_MAX && depth < WBEMEV__MOF_MAX_ITEMS; depth++) { /* cycles, and cost, bounded */
        const wbemev_mof_class *a = cls_at(doc, i);
        for (size_t k = 0; k < a->property_count; k++) {
            if (wbemev__strcaseeq(a->properties[k].name, name))
                return true;
        }
        i = super_of(doc, i);
    }
    return false;
}

/* The superclass order into order[0..n); false on a cycle (*bad_class set). state: 0 new,
 * 1 on the walk, 2 placed; path: scratch of n entries. */
static bool superclass_order(const wbemev_mof_document_t *doc, unsigned char *state, size_t *path, size_t *order,
                             size_t *bad_class)
{
    size_t n = doc->classes.count, placed = 0;
    for (size_t r = 0; r < n; r++) {
        size_t len = 0;
        for (size_t i = r; i != SIZE_MAX && state[i] != 2; i = super_of(doc, i)) {
            if (state[i] == 1) {
                *bad_class = i;
                return false;
            }
            state[i] = 1;
            path[len++] = i;
        }
        while (len > 0) {
            size_t i = path[--len];
            state[i] = 2;
            order[placed++] = i;
        }
    }
    return true;
}

typedef struct frame {
    size_t cls, edge; /* edge 0: the superclass; k > 0: property k - 1 */
    bool by_reference;
} frame;

/* Backs out of frames entered through superclasses down to (and including) the last one entered
 * through a reference; their classes become new again. */
static size_t back_out(frame *stack, size_t top, unsigned char *state)
{
    while (top > 0) {
        frame f = stack[--top];
        state[f.cls] = 0;
        if (f.by_reference)
            break;
    }
    return top;
}

/* The next class to visit from the top frame, or SIZE_MAX when it has none left; *by_ref says how. */
static size_t next_edge(const wbemev_mof_document_t *doc, frame *f, bool *by_ref)
{
    const wbemev_mof_class *c = cls_at(doc, f->cls);
    if (f->edge == 0) {
        f->edge = 1;
        *by_ref = false;
        size_t s = super_of(doc, f->cls);
        return s != SIZE_MAX ? s : next_edge(doc, f, by_ref);
    }
    while (f->edge - 1 < c->property_count) {
        size_t t = wbemev__mof_property_target(doc, &c->properties[f->edge - 1]);
        f->edge++;
        if (t != SIZE_MAX && t != f->cls) {
            *by_ref = true;
            return t;
        }
    }
    return SIZE_MAX;
}

/* The reference-aware order; false when the step budget ran out. */
static bool reference_order(const wbemev_mof_document_t *doc, unsigned char *state, frame *stack, size_t *order)
{
    size_t n = doc->classes.count, placed = 0, top = 0;
    size_t budget = 16 * n + 1024;
    memset(state, 0, n);
    for (size_t r = 0; placed < n; r = (r + 1) % n) { /* a class backed out of is visited again */
        if (state[r] != 0)
            continue;
        stack[top++] = (frame){r, 0, false};
        state[r] = 1;
        while (top > 0) {
            if (budget == 0)
                return false;
            budget--;
            bool by_ref = false;
            size_t next = next_edge(doc, &stack[top - 1], &by_ref);
            if (next == SIZE_MAX) {
                state[stack[top - 1].cls] = 2;
                order[placed++] = stack[--top].cls;
            } else if (state[next] == 1 && !by_ref) {
                top = back_out(stack, top, state); /* the superclass waits on this class */
            } else if (state[next] == 0) {
                stack[top++] = (frame){next, 0, by_ref};
                state[next] = 1;
            }
        }
        if (budget == 0)
            return false;
        budget--;
    }
    return true;
}

wbemev_status wbemev__mof_order_classes(const wbemev_mof_document_t *doc, size_t **order, size_t *bad_class)
{
    size_t n = doc->classes.count;
    *order = NULL;
    if (n == 0)
        return WBEMEV_S_NO_ERROR;
    unsigned char *state = wbemev__calloc(n, 1);
    size_t *out = wbemev__calloc(n, sizeof *out);
    size_t *path = wbemev__calloc(n, sizeof *path);
    frame *stack = wbemev__calloc(n, sizeof *stack);
    wbemev_status s = WBEMEV_S_NO_ERROR;
    if (state == NULL || out == NULL || path == NULL || stack == NULL)
        s = WBEMEV_E_OUT_OF_MEMORY;
    else if (!superclass_order(doc, state, path, out, bad_class))
        s = WBEMEV_E_INVALID_SUPERCLASS;
    else if (!reference_order(doc, state, stack, path))
        ; /* keep the superclass order in out */
    else
        memcpy(out, path, n * sizeof *out);
    wbemev__free(state);
    wbemev__free(path);
    wbemev__free(stack);
    if (WBEMEV_FAILED(s)) {
        wbemev__free(out);
        return s;
    }
    *order = out;
    return s;
}
