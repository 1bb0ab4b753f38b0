/*
 * examples/filechange_plugin.c: the file-change provider as a plugin for `wbemev run`.
 *
 *   wbemev run filechange_plugin.so --param dir=/var/spool/incoming
 */
#include "filechange_provider.h"

#include <wbemev/module.h>

static wbemev_status filechange_create(void *ctx, const wbemev_module_args *args, wbemev_provider_t **out)
{
    (void)ctx;
    return filechange_provider_new(wbemev_module_arg(args, "dir", "."), out);
}

WBEMEV_MODULE(&filechange_registration, filechange_create, NULL,
              "Watches a directory (inotify): one event per file created, modified or deleted",
              "dir=PATH  the directory to watch (default: the current directory)");
