#!/usr/bin/env bash
# Scaffold check: `wbemev new` writes a provider project that builds and passes its tests out of
# tree, against the installed package. Run by .ci/run, or alone: bash .ci/check-scaffold.sh
#
#  1. builds wbemev (Release, -Werror) with the tool and installs it to a temporary prefix;
#  2. runs the installed `wbemev new Acme_Disk` in a temporary directory (and checks that it refuses
#     to overwrite, and refuses a bad name);
#  3. cmake -S . -B b -DCMAKE_PREFIX_PATH=<prefix> && cmake --build b && ctest --test-dir b: the
#     project's CMocka test under the contract checker (strict), -Wall -Wextra -Werror;
#  4. hosts the built plugin with the installed tool: `wbemev run ./b/libacme_disk.so --contract
#     strict --count 3` (exit 0, no violations);
#  5. when mingw-w64 is installed: cross-builds wbemev for Windows, installs it to a second prefix
#     and cross-builds the same project's provider DLL against it, then checks the DLL's exports.
#     A mingw package without the COM shim (no wbemev::win target, no libwbemev_win.a) is reported
#     as such and fails the check.
# Exits non-zero on the first failure. WBEMEV_SCAFFOLD_MINGW=0 skips step 5.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-2}
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n---- scaffold: %s (%ss)\n' "$*" "$SECONDS"; }
fail() { printf 'check-scaffold: FAILED: %s\n' "$*" >&2; exit 1; }

packages=(cmake make gcc libcmocka-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

B=${WBEMEV_SCAFFOLD_BUILD:-$ROOT/build/scaffold}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wbemev-scaffold.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PREFIX=$WORK/prefix

# ---- 1. build and install wbemev
step "build wbemev (Release, -Werror) and install it to a temporary prefix"
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DWBEMEV_WERROR=ON -DBUILD_TESTING=OFF \
  -DWBEMEV_BUILD_BENCH=OFF -DWBEMEV_BUILD_EXAMPLES=OFF -DWBEMEV_BUILD_TOOLS=ON -DWBEMEV_BUILD_DOCS=OFF \
  >"$WORK/configure.log" || { cat "$WORK/configure.log" >&2; fail "configure wbemev"; }
cmake --build "$B" -j "$JOBS" >"$WORK/build.log" || { tail -50 "$WORK/build.log" >&2; fail "build wbemev"; }
cmake --install "$B" --prefix "$PREFIX" >/dev/null
TOOL=$PREFIX/bin/wbemev
[ -x "$TOOL" ] || fail "the tool is not installed ($TOOL)"

# ---- 2. wbemev new
step "wbemev new Acme_Disk"
mkdir -p "$WORK/projects"
cd "$WORK/projects"
"$TOOL" new Acme_Disk >"$WORK/new.out" || { cat "$WORK/new.out" >&2; fail "wbemev new Acme_Disk"; }
cat "$WORK/new.out"
P=$WORK/projects/acme_disk
for f in CMakeLists.txt README.md acme_disk_provider.c acme_disk_provider.h acme_disk_thread.h \
         acme_disk_plugin.c test_acme_disk.c acme_disk_dll.c acme_disk_mof.c; do
  [ -f "$P/$f" ] || fail "wbemev new wrote no $f"
done
if grep -rnE '@[A-Z_]+@' "$P"; then fail "placeholders left in the project"; fi
grep -q "find_package(wbemev" "$P/CMakeLists.txt" || fail "the project's CMakeLists.txt does not use find_package(wbemev)"
grep -q -- "-DCMAKE_PREFIX_PATH=$PREFIX" "$WORK/new.out" || fail "wbemev new does not show the install prefix"
before=$(cd "$P" && md5sum ./* | md5sum)
if "$TOOL" new Acme_Disk >/dev/null 2>"$WORK/again.err"; then fail "wbemev new overwrote an existing project"; fi
grep -q "already exists" "$WORK/again.err" || { cat "$WORK/again.err" >&2; fail "no 'already exists' message"; }
[ "$(cd "$P" && md5sum ./* | md5sum)" = "$before" ] || fail "the second wbemev new changed the project"
if "$TOOL" new 9lives >/dev/null 2>&1; then fail "wbemev new accepted a name that is not a C identifier"; fi
[ ! -e "$WORK/projects/9lives" ] || fail "wbemev new left a directory behind for a bad name"

# ---- 3. build and test the project out of tree
step "the project: cmake -S . -B b -DCMAKE_PREFIX_PATH=<prefix>, build, ctest"
cd "$P"
cmake -S . -B b -DCMAKE_PREFIX_PATH="$PREFIX" >"$WORK/p-configure.log" \
  || { cat "$WORK/p-configure.log" >&2; fail "configure the project"; }
cmake --build b -j "$JOBS" >"$WORK/p-build.log" 2>&1 || { cat "$WORK/p-build.log" >&2; fail "build the project"; }
grep -q -- "-Werror" b/CMakeFiles/acme_disk_provider.dir/flags.make || fail "the project is not built with -Werror"
ctest --test-dir b --output-on-failure --no-tests=error || fail "the project's tests"
WBEMEV_CONTRACT=abort ctest --test-dir b --output-on-failure --no-tests=error >/dev/null \
  || fail "the project's tests under WBEMEV_CONTRACT=abort"
[ -f b/libacme_disk.so ] || fail "no plugin b/libacme_disk.so"
./b/acme_disk_mof >"$WORK/acme_disk.mof" || fail "acme_disk_mof"
grep -q 'class Acme_Disk_Event : __ExtrinsicEvent' "$WORK/acme_disk.mof" || fail "the MOF lacks the class"

# ---- 4. the plugin under the installed tool
step "wbemev run ./b/libacme_disk.so --contract strict"
"$TOOL" run ./b/libacme_disk.so --param interval_ms=5 --contract strict --count 3 --format json \
  >"$WORK/run.out" 2>"$WORK/run.err" || { cat "$WORK/run.err" >&2; fail "wbemev run on the new plugin"; }
[ "$(wc -l <"$WORK/run.out")" -eq 3 ] || fail "wbemev run printed $(wc -l <"$WORK/run.out") events, not 3"
grep -q '"__CLASS":"Acme_Disk_Event"' "$WORK/run.out" || fail "no Acme_Disk_Event printed"
grep -q 'contract      strict: no violations' "$WORK/run.err" || { cat "$WORK/run.err" >&2; fail "contract violations"; }
sed -n '/stopped:/,$p' "$WORK/run.err"
"$TOOL" mof ./b/libacme_disk.so | cmp -s - "$WORK/acme_disk.mof" || fail "wbemev mof and acme_disk_mof differ"

# ---- 5. the Windows DLL, cross-built with mingw-w64
if [ "${WBEMEV_SCAFFOLD_MINGW:-1}" = 0 ]; then
  step "mingw: skipped (WBEMEV_SCAFFOLD_MINGW=0)"
elif ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
  step "mingw: skipped (mingw-w64 is not installed)"
else
  step "mingw: cross-build wbemev (Release) and install it to a second prefix"
  cd "$ROOT"
  BW=${WBEMEV_SCAFFOLD_MINGW_BUILD:-$ROOT/build/scaffold-mingw}
  WPREFIX=$WORK/prefix-mingw
  cmake -S . -B "$BW" --toolchain "$ROOT/cmake/mingw-w64-x86_64.cmake" -DCMAKE_BUILD_TYPE=Release \
    -DWBEMEV_WERROR=ON -DBUILD_TESTING=OFF -DWBEMEV_BUILD_BENCH=OFF -DWBEMEV_BUILD_EXAMPLES=OFF \
    -DWBEMEV_BUILD_TOOLS=OFF -DWBEMEV_BUILD_DOCS=OFF -DWBEMEV_BUILD_COM_SHIM=ON \
    >"$WORK/w-configure.log" || { cat "$WORK/w-configure.log" >&2; fail "configure wbemev for mingw"; }
  cmake --build "$BW" -j "$JOBS" >"$WORK/w-build.log" || { tail -50 "$WORK/w-build.log" >&2; fail "build wbemev for mingw"; }
  cmake --install "$BW" --prefix "$WPREFIX" >/dev/null

  # What the project's DLL needs from the package: the shim's header, library and target.
  shim_missing=()
  [ -f "$WPREFIX/include/wbemev/win.h" ] || shim_missing+=("include/wbemev/win.h")
  find "$WPREFIX" -name 'libwbemev_win*.a' | grep . >/dev/null || shim_missing+=("the library libwbemev_win.a")
  grep -rqs 'wbemev::win\b' "$WPREFIX"/lib*/cmake/wbemev/ || shim_missing+=("the CMake target wbemev::win")
  if [ ${#shim_missing[@]} -gt 0 ]; then
    printf 'check-scaffold: the mingw install of wbemev lacks the COM shim the provider DLL links:\n' >&2
    printf '  missing: %s\n' "${shim_missing[@]}" >&2
    printf '  (lib/win builds wbemev_win, but the install rules must install it and export it as\n' >&2
    printf '   wbemev::win in the CMake package for out-of-tree provider DLLs)\n' >&2
    fail "mingw package without the COM shim: the new project's DLL cannot be built"
  fi

  step "mingw: the project's DLL against the mingw prefix"
  # The toolchain file searches packages only under its root: add the mingw prefix as a root.
  cat >"$WORK/mingw-prefix.cmake" <<EOF
include("$ROOT/cmake/mingw-w64-x86_64.cmake")
list(APPEND CMAKE_FIND_ROOT_PATH "$WPREFIX")
EOF
  cd "$P"
  # The C generated from acme_disk.mof comes from the native prefix's tool (it runs here).
  cmake -S . -B bw --toolchain "$WORK/mingw-prefix.cmake" -DCMAKE_BUILD_TYPE=Release \
    -DWBEMEV_GENERATOR="$PREFIX/bin/wbemev" >"$WORK/pw-configure.log" 2>&1 || { cat "$WORK/pw-configure.log" >&2; fail "configure the project for mingw"; }
  cmake --build bw -j "$JOBS" >"$WORK/pw-build.log" 2>&1 || { cat "$WORK/pw-build.log" >&2; fail "cross-build the project"; }
  dll=bw/acme_disk.dll
  [ -f "$dll" ] || fail "no $dll"
  headers=$(x86_64-w64-mingw32-objdump -p "$dll")
  for sym in DllGetClassObject DllCanUnloadNow DllRegisterServer DllUnregisterServer; do
    grep -Eq "^[[:space:]]*\[[[:space:]]*[0-9]+\][[:space:]]+$sym\$" <<<"$headers" || fail "$dll does not export $sym"
  done
  if grep -Eiq 'DLL Name: (libgcc|libwinpthread|libstdc)' <<<"$headers"; then
    grep -i 'DLL Name' <<<"$headers" >&2
    fail "$dll depends on a mingw runtime DLL"
  fi
  echo "$dll exports DllGetClassObject, DllCanUnloadNow, DllRegisterServer, DllUnregisterServer"
fi

step "scaffold checks passed"
