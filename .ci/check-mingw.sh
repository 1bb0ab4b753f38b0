#!/usr/bin/env bash
# Windows: cross-build with mingw-w64 (-Werror, against the real wbemcli.h/wbemprov.h), run every
# core and shim test under Wine, and check the example provider DLL's exports. Called by .ci/run.
#
#   cmake --preset mingw && cmake --build --preset mingw && ctest --preset mingw
#
# The first configure builds cmocka for mingw from Debian's source package (cmake/WbemevCmockaMingw.cmake);
# the first test creates the Wine prefix under build/mingw/wineprefix.
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
cmake --preset mingw >/dev/null
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
