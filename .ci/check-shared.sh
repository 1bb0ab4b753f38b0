#!/usr/bin/env bash
# The shared-library configuration: wbemev built with BUILD_SHARED_LIBS=ON (wbemev::wbemev is then
# libwbemev.so), -Werror, everything the default build has (tests, examples, tool, benchmark), and
# every test run. Called by .ci/run.
#
#   cmake -S . -B build/shared -DBUILD_SHARED_LIBS=ON -DWBEMEV_WERROR=ON && cmake --build build/shared
#   ctest --test-dir build/shared
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}
build=${SHARED_BUILD:-build/shared}

echo "check-shared: configure and build $build (BUILD_SHARED_LIBS=ON, -Werror)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DBUILD_SHARED_LIBS=ON -DWBEMEV_WERROR=ON >/dev/null
cmake --build "$build" -j "$JOBS"
# The configuration really is the shared one: the default library target is a shared object.
so=$(find "$build/lib" -maxdepth 1 -name 'libwbemev.so.*' -type f | head -n 1)
[ -n "$so" ] || { echo "check-shared: no libwbemev.so.* in $build/lib" >&2; exit 1; }
grep -q '^BUILD_SHARED_LIBS:BOOL=ON$' "$build/CMakeCache.txt" \
  || { echo "check-shared: BUILD_SHARED_LIBS is not ON in $build" >&2; exit 1; }
ctest --test-dir "$build" -j "$JOBS" --output-on-failure
echo "check-shared: ok"
