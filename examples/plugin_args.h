/*
 * examples/plugin_args.h: reading numeric plugin parameters (wbemev_module_args) strictly.
 */
#ifndef PLUGIN_ARGS_H
#define PLUGIN_ARGS_H

#include <wbemev/module.h>

#include <errno.h>
#include <stdlib.h>

/* Reads parameter `key` as an unsigned decimal in [min, max] into *out; `fallback` when absent.
 * A value that is not a plain number in range gives WBEMEV_E_INVALID_PARAMETER. */
static inline wbemev_status plugin_arg_unsigned(const wbemev_module_args *args, const char *key,
                                                unsigned long fallback, unsigned long min,
                                                unsigned long max, unsigned long *out)
{
    const char *text = wbemev_module_arg(args, key, NULL);
    if (text == NULL) {
        *out = fallback;
        return WBEMEV_S_NO_ERROR;
    }
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (*text < '0' || *text > '9' || *end != '\0' || errno != 0 || v < min || v > max)
        return WBEMEV_E_INVALID_PARAMETER;
    *out = v;
    return WBEMEV_S_NO_ERROR;
}

#endif /* PLUGIN_ARGS_H */
