#!/usr/bin/env bash
# wbemev inside a parent project (add_subdirectory): its instrumentation options stay its own.
# Configures a tiny parent project that adds this tree with add_subdirectory() and links its own
# program to wbemev::wbemev, once with WBEMEV_SANITIZER=address and once with WBEMEV_COVERAGE=ON,
# and reads compile_commands.json:
#   - the parent's own source is compiled without -fsanitize / --coverage;
#   - wbemev's sources are compiled with them (the option does reach the library);
# then, with the sanitizer, builds and runs the parent's program, which must link the sanitizer
# runtime the instrumented library needs (wbemev's link usage requirements give it).
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-2}

fail() { printf 'check-subproject: FAILED: %s\n' "$*" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wbemev-subproject.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/parent"
cat >"$WORK/parent/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(parent LANGUAGES C)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
add_subdirectory(${WBEMEV_SOURCE_DIR} wbemev)
add_executable(parent_app parent_app.c)
target_link_libraries(parent_app PRIVATE wbemev::wbemev)
CMAKE
cat >"$WORK/parent/parent_app.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <wbemev.h>

int main(void)
{
    const char *name = wbemev_status_name(WBEMEV_E_NOT_FOUND);
    printf("parent_app: %s\n", name);
    return strcmp(name, "WBEM_E_NOT_FOUND") == 0 ? 0 : 1;
}
C

# compile_flags BUILD TEXT: the compile command of the first entry whose "file" line contains TEXT.
compile_flags() {
  awk -v text="$2" '
    /"command":/ { cmd = $0 }
    /"file":/ && index($0, text) { print cmd; exit }
  ' "$1/compile_commands.json"
}

check_flags() { # BUILD FLAG
  local b=$1 flag=$2 parent lib
  [ -f "$b/compile_commands.json" ] || fail "no compile_commands.json in $b"
  parent=$(compile_flags "$b" "$WORK/parent/parent_app.c")
  lib=$(compile_flags "$b" "$ROOT/lib/")
  [ -n "$parent" ] || fail "no compile command for parent_app.c"
  [ -n "$lib" ] || fail "no compile command for a source of wbemev's lib/"
  if grep -qe "$flag" <<<"$parent"; then
    printf '%s\n' "$parent" >&2
    fail "the parent's own target is compiled with $flag"
  fi
  grep -qe "$flag" <<<"$lib" || { printf '%s\n' "$lib" >&2; fail "wbemev's sources are not compiled with $flag"; }
  echo "check-subproject: $flag on wbemev's sources, not on the parent's"
}

echo "check-subproject: WBEMEV_SANITIZER=address"
cmake -S "$WORK/parent" -B "$WORK/asan" -DWBEMEV_SOURCE_DIR="$ROOT" -DCMAKE_BUILD_TYPE=Debug \
  -DWBEMEV_SANITIZER=address -DWBEMEV_WERROR=ON >"$WORK/asan.log" 2>&1 || { cat "$WORK/asan.log" >&2; fail "configure"; }
check_flags "$WORK/asan" '-fsanitize'
cmake --build "$WORK/asan" -j "$JOBS" --target parent_app >"$WORK/asan-build.log" 2>&1 \
  || { tail -n 30 "$WORK/asan-build.log" >&2; fail "the parent's program does not build (sanitizer runtime missing?)"; }
ASAN_OPTIONS=detect_leaks=1 "$WORK/asan/parent_app" || fail "the parent's program failed"
nm "$WORK/asan/parent_app" | grep '__asan_init' >/dev/null || fail "the parent's program has no AddressSanitizer runtime"
echo "check-subproject: the parent's program links and runs with wbemev's sanitizer runtime"

echo "check-subproject: WBEMEV_COVERAGE=ON"
cmake -S "$WORK/parent" -B "$WORK/coverage" -DWBEMEV_SOURCE_DIR="$ROOT" -DCMAKE_BUILD_TYPE=Debug \
  -DWBEMEV_COVERAGE=ON >"$WORK/coverage.log" 2>&1 || { cat "$WORK/coverage.log" >&2; fail "configure"; }
check_flags "$WORK/coverage" '--coverage'
echo "check-subproject: ok"
