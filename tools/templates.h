/*
 * tools/templates.h: the scaffold's templates (the .in files of tools/templates), embedded at build
 * time by tools/embed_templates.cmake into templates.c for `wbemev new`.
 */
#ifndef WBEMEV_TOOL_TEMPLATES_H
#define WBEMEV_TOOL_TEMPLATES_H

#include <stddef.h>

typedef struct tool_template {
    const char *name;           /* the template's file name, "provider.c.in" */
    const unsigned char *text;  /* its bytes (not NUL-terminated) */
    size_t length;
} tool_template;

extern const tool_template tool_templates[];
extern const size_t tool_template_count;

#endif /* WBEMEV_TOOL_TEMPLATES_H */
