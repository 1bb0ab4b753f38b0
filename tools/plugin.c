/*
 * tools/plugin.c: loading a provider plugin (dlopen) and checking its module descriptor.
 */
#define _POSIX_C_SOURCE 200809L

#include "tool.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool tool_plugin_open(const char *cmd, const char *path, tool_plugin *out)
{
    /* dlopen searches the library path for a bare name; a plugin named on the command line is a
     * file: look in the current directory first, as a shell user expects. */
    char *local = NULL;
    struct stat sb;
    if (strchr(path, '/') == NULL && stat(path, &sb) == 0) {
        local = malloc(strlen(path) + 3);
        if (local == NULL) {
            tool_error(cmd, "out of memory");
            return false;
        }
        strcpy(local, "./");
        strcat(local, path);
    } else if (strchr(path, '/') != NULL && stat(path, &sb) != 0) {
        tool_error(cmd, "cannot load plugin '%s': no such file", path);
        return false;
    }
    dlerror();
    void *handle = dlopen(local != NULL ? local : path, RTLD_NOW | RTLD_LOCAL);
    free(local);
    if (handle == NULL) {
        const char *why = dlerror();
        tool_error(cmd, "cannot load plugin '%s': %s", path, why != NULL ? why : "unknown error");
        return false;
    }
    dlerror();
    const wbemev_module *module = (const wbemev_module *)dlsym(handle, WBEMEV_MODULE_SYMBOL);
    if (module == NULL) {
        tool_error(cmd,
                   "'%s' is not a wbemev provider plugin: it does not export %s (define it with "
                   "WBEMEV_MODULE, see wbemev/module.h)",
                   path, WBEMEV_MODULE_SYMBOL);
        dlclose(handle);
        return false;
    }
    wbemev_status st = wbemev_module_validate(module);
    if (WBEMEV_FAILED(st)) {
        char sbuf[160];
        if (module->abi_version != WBEMEV_MODULE_ABI_VERSION) {
            tool_error(cmd, "'%s' uses module ABI %u; this wbemev reads ABI %d", path,
                       (unsigned)module->abi_version, WBEMEV_MODULE_ABI_VERSION);
        } else if (st == WBEMEV_E_NOT_SUPPORTED) {
            tool_error(cmd, "'%s' was built for wbemev %u.%u; this is wbemev %s (same major version, "
                       "minor not newer, needed)",
                       path, (unsigned)(module->wbemev_version >> 16) & 0xFFu,
                       (unsigned)(module->wbemev_version >> 8) & 0xFFu, wbemev_version_string());
        } else {
            tool_error(cmd, "'%s' has an invalid module descriptor: %s", path,
                       tool_status_text(st, sbuf, sizeof sbuf));
        }
        dlclose(handle);
        return false;
    }
    out->handle = handle;
    out->module = module;
    return true;
}

void tool_plugin_close(tool_plugin *p, bool keep)
{
    if (p->handle != NULL && !keep)
        dlclose(p->handle);
    p->handle = NULL;
    p->module = NULL;
}
