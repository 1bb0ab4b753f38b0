#!/usr/bin/env bash
# Benchmark smoke run, called by .ci/run like every .ci/check-*.sh.
# Builds the Release configuration with the benchmarks and runs the quick benchmark so it cannot rot.
# It reports and never gates on the performance targets: it fails only when the build fails or the
# benchmark exits non-zero (a setup error, or events lost on the synchronous path).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
JOBS=${JOBS:-2}

# The GLib peer needs libglib2.0-dev (and pkg-config to find it).
if command -v dpkg >/dev/null 2>&1; then
  missing=()
  for p in libglib2.0-dev pkg-config; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "check-bench: installing ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

cmake --preset release -DWBEMEV_BUILD_BENCH=ON >/dev/null
cmake --build --preset release -j "$JOBS" --target wbemev_bench
./build/release/bench/wbemev_bench --quick
