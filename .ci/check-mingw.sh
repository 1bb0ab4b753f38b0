#!/usr/bin/env bash
# Windows: cross-build with mingw-w64 (-Werror, against the real wbemcli.h/wbemprov.h), run every
# core and shim test under Wine, check the example provider DLL's exports, then install to a
# temporary prefix and build a provider DLL and a program against the installed package
# (find_package(wbemev), wbemev::win). Called by .ci/run.
#
#   cmake --preset mingw && cmake --build --preset mingw && ctest --preset mingw
#
# The first configure builds cmocka for mingw (cmake/WbemevCmockaMingw.cmake: from Debian's source
# package unless one is given or found; its "cmocka for mingw:" line says which); the first test
# creates the Wine prefix under build/mingw/wineprefix.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=(mingw-w64 wine wine64 cmake make binutils-mingw-w64-x86-64)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "check-mingw: configure, build"
if ! configure_log=$(cmake --preset mingw 2>&1); then
  printf '%s\n' "$configure_log" >&2
  exit 1
fi
grep -m1 -- '-- cmocka for mingw: ' <<<"$configure_log" \
  || { echo "check-mingw: the configure did not say where its cmocka comes from" >&2; exit 1; }
cmake --build --preset mingw

# One persistent wineserver for the whole run, with Wine's helper processes started away from ctest's
# pipes: otherwise ctest waits ~2 s after each test for the wineserver the test started to exit.
# Same prefix and settings as the mingw test preset.
export WINEPREFIX="$PWD/build/mingw/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX"
echo "check-mingw: starting wineserver and the Wine prefix $WINEPREFIX"
wineserver -p </dev/null >/dev/null 2>&1
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT
wine wineboot --init </dev/null >/dev/null 2>&1 || true
ctest --preset mingw

# The example provider DLL exports the four COM entry points and needs no mingw runtime DLL.
dll=build/mingw/examples/win/wbemev_burst_provider.dll
headers=$(x86_64-w64-mingw32-objdump -p "$dll")
for sym in DllGetClassObject DllCanUnloadNow DllRegisterServer DllUnregisterServer; do
  if ! grep -Eq "^[[:space:]]*\[[[:space:]]*[0-9]+\][[:space:]]+$sym\$" <<<"$headers"; then
    echo "check-mingw: $dll does not export $sym" >&2
    exit 1
  fi
done
if grep -Eiq 'DLL Name: (libgcc|libwinpthread|libstdc)' <<<"$headers"; then
  echo "check-mingw: $dll depends on a mingw runtime DLL:" >&2
  grep -i 'DLL Name' <<<"$headers" >&2
  exit 1
fi
echo "check-mingw: $dll exports DllGetClassObject, DllCanUnloadNow, DllRegisterServer, DllUnregisterServer"

# The installed package: the shim library and its header are there, and a provider DLL built out of
# tree with find_package(wbemev) and wbemev::win gets the four exports; a program linking the shim
# runs under Wine.
work=$(mktemp -d "${TMPDIR:-/tmp}/wbemev-mingw.XXXXXX")
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
prefix=$work/prefix
echo "check-mingw: cmake --install into a temporary prefix"
cmake --install build/mingw --prefix "$prefix" >/dev/null
for f in include/wbemev/win.h include/wbemev.h lib/libwbemev.a lib/libwbemev_win.a \
         lib/cmake/wbemev/wbemev-config.cmake lib/cmake/wbemev/wbemev-targets.cmake; do
  [ -e "$prefix/$f" ] || { echo "check-mingw: not installed: $f" >&2; exit 1; }
done
grep -q 'add_library(wbemev::win STATIC IMPORTED)' "$prefix/lib/cmake/wbemev/wbemev-targets.cmake" \
  || { echo "check-mingw: the installed CMake package has no wbemev::win" >&2; exit 1; }

mkdir -p "$work/consumer"
cat >"$work/consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(wbemev_win_consumer C)
find_package(wbemev REQUIRED)
add_library(consumer_provider MODULE provider.c)
set_target_properties(consumer_provider PROPERTIES PREFIX "")
target_link_libraries(consumer_provider PRIVATE wbemev::win)
add_executable(consumer_clsid clsid.c)
target_link_libraries(consumer_clsid PRIVATE wbemev::win)
# The same provider's plugin descriptor as a DLL, and a program that creates it with parameters.
add_library(consumer_plugin MODULE plugin.c)
set_target_properties(consumer_plugin PROPERTIES PREFIX "")
target_link_libraries(consumer_plugin PRIVATE wbemev::win)
add_executable(consumer_params params.c)
target_link_libraries(consumer_params PRIVATE wbemev::win)
CMAKE
cat >"$work/consumer/registration.h" <<'C'
#include <wbemev/win.h>
static const char *const queries[] = {"SELECT * FROM Consumer_Event"};
static const wbemev_class_def classes[] = {{"Consumer_Event", "__ExtrinsicEvent", NULL, 0}};
static const wbemev_registration registration = {
    "root\\cimv2", "ConsumerProvider", "{6E1C3B52-0F4D-4B7A-9B35-2C8D1E0A7F11}", NULL,
    classes, 1, queries, 1,
};
C
cat >"$work/consumer/provider.c" <<'C'
#include "registration.h"
static wbemev_status create(void *ctx, wbemev_provider_t **out)
{
    (void)ctx, (void)out;
    return WBEMEV_E_FAILED;
}
static const wbemev_win_module module = {&registration, create, NULL};
WBEMEV_WIN_DLL_EXPORTS(module)
C
cat >"$work/consumer/plugin.c" <<'C'
#include <string.h>
#include "registration.h"
static void tiny_ref(wbemev_provider_t *p)
{
    (void)p;
}
static wbemev_status tiny_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    (void)p, (void)sink, (void)flags;
    return WBEMEV_S_NO_ERROR;
}
static const wbemev_provider_vtbl tiny_vtbl = {WBEMEV_PROVIDER_VTBL_VERSION, tiny_ref, tiny_ref, NULL,
                                               tiny_provide_events, NULL, NULL, NULL};
static wbemev_provider_t tiny = {&tiny_vtbl};
/* Creates the provider only when given greeting=hello. */
static wbemev_status create(void *ctx, const wbemev_module_args *args, wbemev_provider_t **out)
{
    (void)ctx;
    if (strcmp(wbemev_module_arg(args, "greeting", ""), "hello") != 0)
        return WBEMEV_E_INVALID_PARAMETER;
    *out = &tiny;
    return WBEMEV_S_NO_ERROR;
}
WBEMEV_MODULE(&registration, create, NULL, "A consumer's plugin", "greeting=TEXT  say hello");
WBEMEV_WIN_PLUGIN_DLL_EXPORTS(wbemev_module_v1)
C
cat >"$work/consumer/params.c" <<'C'
#include <stdio.h>
#include "registration.h"
#define KEY L"CLSID\\{6E1C3B52-0F4D-4B7A-9B35-2C8D1E0A7F11}"
static HRESULT create(HRESULT(WINAPI *get)(REFCLSID, REFIID, void **))
{
    CLSID clsid;
    IClassFactory *cf = NULL;
    IUnknown *obj = NULL;
    if (wbemev_win_registration_clsid(&registration, &clsid) != S_OK ||
        get(&clsid, &IID_IClassFactory, (void **)&cf) != S_OK)
        return E_UNEXPECTED;
    HRESULT hr = cf->lpVtbl->CreateInstance(cf, NULL, &IID_IUnknown, (void **)&obj);
    if (SUCCEEDED(hr))
        obj->lpVtbl->Release(obj);
    cf->lpVtbl->Release(cf);
    return hr;
}
int main(void)
{
    HMODULE dll = LoadLibraryA("consumer_plugin.dll");
    union {
        FARPROC f;
        HRESULT(WINAPI *get)(REFCLSID, REFIID, void **);
    } u;
    u.f = dll != NULL ? GetProcAddress(dll, "DllGetClassObject") : NULL;
    if (u.f == NULL)
        return 1;
    RegDeleteTreeW(HKEY_CLASSES_ROOT, KEY);
    HRESULT without = create(u.get);
    static const WCHAR value[] = L"greeting=hello\0";
    HKEY key = NULL;
    if (RegCreateKeyExW(HKEY_CLASSES_ROOT, KEY L"\\" WBEMEV_WIN_PARAMETERS_KEY, 0, NULL, 0, KEY_WRITE, NULL,
                        &key, NULL) != ERROR_SUCCESS ||
        RegSetValueExW(key, WBEMEV_WIN_PARAMETERS_VALUE, 0, REG_MULTI_SZ, (const BYTE *)value,
                       sizeof value) != ERROR_SUCCESS)
        return 1;
    RegCloseKey(key);
    HRESULT with = create(u.get);
    RegDeleteTreeW(HKEY_CLASSES_ROOT, KEY);
    printf("CreateInstance: 0x%08lx without Parameters, 0x%08lx with greeting=hello\n", (unsigned long)without,
           (unsigned long)with);
    return without == (HRESULT)WBEM_E_INVALID_PARAMETER && with == S_OK ? 0 : 1;
}
C
cat >"$work/consumer/clsid.c" <<'C'
#include <stdio.h>
#include "registration.h"
int main(void)
{
    CLSID clsid;
    HRESULT hr = wbemev_win_registration_clsid(&registration, &clsid);
    printf("%s %s, CLSID Data1 %08lx\n", wbemev_status_name((wbemev_status)hr),
           wbemev_win_dll_can_unload_now() == S_OK ? "unloadable" : "busy", (unsigned long)clsid.Data1);
    return hr == S_OK && clsid.Data1 == 0x6E1C3B52ul && wbemev_win_dll_can_unload_now() == S_OK ? 0 : 1;
}
C
echo "check-mingw: a provider DLL and a program against the installed package"
# wbemev_DIR, since the toolchain file confines package searches to the mingw root.
cmake -S "$work/consumer" -B "$work/consumer/build" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64-x86_64.cmake" \
  -Dwbemev_DIR="$prefix/lib/cmake/wbemev" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >/dev/null
cmake --build "$work/consumer/build" -j "${JOBS:-2}" >/dev/null
for dll in consumer_provider consumer_plugin; do
  headers=$(x86_64-w64-mingw32-objdump -p "$work/consumer/build/$dll.dll")
  for sym in DllGetClassObject DllCanUnloadNow DllRegisterServer DllUnregisterServer; do
    if ! grep -Eq "^[[:space:]]*\[[[:space:]]*[0-9]+\][[:space:]]+$sym\$" <<<"$headers"; then
      echo "check-mingw: $dll.dll, built against the installed package, does not export $sym" >&2
      exit 1
    fi
  done
done
wine "$work/consumer/build/consumer_clsid.exe" </dev/null
(cd "$work/consumer/build" && wine ./consumer_params.exe </dev/null)
echo "check-mingw: the installed package builds provider DLLs (four exports; one from a plugin descriptor, which gets its registry parameters) and programs that run"
