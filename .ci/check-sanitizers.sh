#!/usr/bin/env bash
# ThreadSanitizer: configure, build and run every test with the `tsan` preset (clang when present:
# its TSan is the reference), the concurrency stress test at a bounded size (WBEMEV_STRESS_SCALE),
# looped a few times since races show up by chance. Called by .ci/run (which runs the asan preset).
#
#   CC=clang cmake --preset tsan && cmake --build --preset tsan && ctest --preset tsan
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
JOBS=${JOBS:-2}
SCALE=${WBEMEV_STRESS_SCALE:-2}
LOOPS=${WBEMEV_STRESS_LOOPS:-5}

if ! dpkg -s clang >/dev/null 2>&1; then
  echo "check-sanitizers: installing clang"
  apt-get update -qq
  apt-get install -y -qq clang >/dev/null
fi

echo "check-sanitizers: tsan preset (clang), stress scale $SCALE"
CC=clang cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$JOBS"
WBEMEV_STRESS_SCALE=$SCALE ctest --preset tsan -j "$JOBS"

echo "check-sanitizers: stress test x$LOOPS under tsan"
for i in $(seq 1 "$LOOPS"); do
  WBEMEV_STRESS_SCALE=$SCALE TSAN_OPTIONS=halt_on_error=1 ./build/tsan/tests/test_stress >/dev/null
done
echo "check-sanitizers: ok"
