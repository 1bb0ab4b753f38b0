#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/) for FUZZ_SECONDS (default 60) each under ASan+UBSan, starting
# from its committed seed corpus. Any crash, leak or sanitizer report fails the run.
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
for t in $targets; do
  name=${t#fuzz_}
  work="$build/corpus-$name"
  mkdir -p "$work"
  dict=()
  [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
  echo "fuzzing $t for ${seconds}s (seed corpus fuzz/corpus/$name)"
  # The fuzzer's own status, not grep's: PIPESTATUS read right after the pipeline (an `|| true`
  # after it would replace it with true's), with errexit off around it.
  set +e
  "$build/fuzz/$t" "$work" "fuzz/corpus/$name" "${dict[@]}" -max_total_time="$seconds" \
    -print_final_stats=1 -error_exitcode=77 -artifact_prefix="$build/" 2>&1 |
    grep -E "^(stat::number_of_executed_units|stat::new_units_added)|invariant|ERROR|SUMMARY|Done"
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    echo "$t failed with status $status" >&2
    exit 1
  fi
done
