#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/) for FUZZ_SECONDS (default 60) each under ASan+UBSan, starting
# from its committed seed corpus, JOBS (default 2) at a time. Any crash, leak or sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
dpkg -s clang >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq clang >/dev/null; }
seconds=${FUZZ_SECONDS:-60}
build=build/fuzz
CC=clang cmake -S . -B "$build" -DWBEMEV_BUILD_FUZZERS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBUILD_TESTING=OFF -DWBEMEV_BUILD_EXAMPLES=OFF -DWBEMEV_BUILD_BENCH=OFF -DWBEMEV_BUILD_TOOLS=OFF \
  -DWBEMEV_BUILD_DOCS=OFF -DWBEMEV_WERROR=ON >/dev/null
targets=$(sed -n 's/^wbemev_add_fuzzer(\([a-z_0-9]*\) .*/\1/p' fuzz/CMakeLists.txt)
cmake --build "$build" -j "${JOBS:-2}" --target $targets
# One target per core at a time (each fuzzer runs on one thread): the step takes
# ceil(targets / jobs) x FUZZ_SECONDS. Each writes its own log, printed whole when all are done.
jobs=${JOBS:-2}
fuzz_one() {
  local t=$1 name=${1#fuzz_}
  local work="$build/corpus-$name" dict=()
  mkdir -p "$work"
  [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
  set +e
  "$build/fuzz/$t" "$work" "fuzz/corpus/$name" "${dict[@]}" -max_total_time="$seconds" \
    -print_final_stats=1 -error_exitcode=77 -artifact_prefix="$build/$name-" >"$build/$t.log" 2>&1
  echo $? >"$build/$t.status"
}
for t in $targets; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
  done
  echo "fuzzing $t for ${seconds}s (seed corpus fuzz/corpus/${t#fuzz_})"
  rm -f "$build/$t.status"
  fuzz_one "$t" &
done
wait
failed=0
for t in $targets; do
  echo "-- $t"
  grep -E "^(stat::number_of_executed_units|stat::new_units_added)|invariant|ERROR|SUMMARY|Done" "$build/$t.log" || true
  status=$(cat "$build/$t.status" 2>/dev/null || echo missing)
  if [ "$status" != 0 ]; then
    echo "$t failed with status $status (whole log: $build/$t.log)" >&2
    failed=1
  fi
done
exit $failed
