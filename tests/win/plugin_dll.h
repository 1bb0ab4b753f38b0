/*
 * tests/win/plugin_dll.h: the test provider DLL made from a plugin descriptor (plugin_dll.c) and
 * what test_com_plugin_dll asks it.
 */
#ifndef WBEMEV_TEST_PLUGIN_DLL_H
#define WBEMEV_TEST_PLUGIN_DLL_H

#include <stddef.h>

#define PLUGIN_DLL_CLSID "{43E38606-DF43-4ECD-9C90-6090F5ACB952}"
#define PLUGIN_DLL_CLSID_W L"{43E38606-DF43-4ECD-9C90-6090F5ACB952}"

/* Exported as "plugin_dll_seen": how many times create_provider ran, and what the last call got,
 * "KEY=VALUE\n" per parameter in order (UTF-8), or "(null)" for NULL args, in buf. */
typedef long (*plugin_dll_seen_fn)(char *buf, size_t size);

#endif /* WBEMEV_TEST_PLUGIN_DLL_H */
