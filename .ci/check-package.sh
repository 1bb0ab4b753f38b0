#!/usr/bin/env bash
# Packaging check. Run by .ci/run, or alone: bash .ci/check-package.sh
#
#  1. builds wbemev (Release, -Werror) with the tool, the example plugins and the docs target;
#  2. checks the shared library: SONAME, and only wbemev_* symbols exported (nm -D --defined-only);
#  3. installs to a temporary prefix and checks what is there;
#  4. runs the installed tool on the burst plugin (Quick start) and `wbemev query`;
#  5. builds and runs two out-of-tree consumers against the installed package: one with
#     find_package(wbemev) (static, shared and default targets), one with pkg-config (shared and
#     static), and one whose C is generated from its MOF (wbemev_generate with the installed tool);
#     then moves the prefix and builds the pkg-config one again (relocatable package);
#  6. builds the API reference with Doxygen (`docs` target: any warning fails).
# Exits non-zero on the first failure. Installs its packages with apt-get when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-2}
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n---- package: %s (%ss)\n' "$*" "$SECONDS"; }
fail() { printf 'check-package: FAILED: %s\n' "$*" >&2; exit 1; }

packages=(cmake make gcc binutils pkg-config doxygen)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

B=${WBEMEV_PACKAGE_BUILD:-$ROOT/build/package}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wbemev-package.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PREFIX=$WORK/prefix

# ---- 1. build
step "configure and build (Release, -Werror)"
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DWBEMEV_WERROR=ON -DBUILD_TESTING=OFF \
  -DWBEMEV_BUILD_BENCH=OFF -DWBEMEV_BUILD_EXAMPLES=ON -DWBEMEV_BUILD_TOOLS=ON -DWBEMEV_BUILD_DOCS=ON \
  -DCMAKE_INSTALL_PREFIX=/usr/local >/dev/null
cmake --build "$B" -j "$JOBS" >/dev/null

# ---- 2. the shared library's interface
step "exported symbols and SONAME of libwbemev.so"
SO=$(readlink -f "$B/lib/libwbemev.so")
[ -f "$SO" ] || fail "no shared library at $B/lib/libwbemev.so"
soname=$(objdump -p "$SO" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "libwbemev.so.0" ] || fail "SONAME is '$soname', expected libwbemev.so.0"
symbols=$(nm -D --defined-only "$SO" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u)
[ -n "$symbols" ] || fail "no exported symbols at all"
strays=$(printf '%s\n' "$symbols" | grep -v '^wbemev_[A-Za-z0-9]' || true)
internal=$(printf '%s\n' "$symbols" | grep '^wbemev__' || true)
if [ -n "$strays" ] || [ -n "$internal" ]; then
  printf 'exported symbols outside the public wbemev_* API:\n%s\n%s\n' "$strays" "$internal" >&2
  fail "libwbemev.so exports more than wbemev_*"
fi
echo "$(printf '%s\n' "$symbols" | wc -l) symbols, all wbemev_*; SONAME $soname"
[ -f "$B/lib/libwbemev.a" ] || fail "no static library"

# ---- 3. install
step "install to a temporary prefix"
cmake --install "$B" --prefix "$PREFIX" >/dev/null
LIBDIR=
for d in lib lib64 "$PREFIX"/lib/*-linux-*; do
  d=${d#"$PREFIX"/}
  if [ -f "$PREFIX/$d/libwbemev.a" ]; then LIBDIR=$d; break; fi
done
[ -n "$LIBDIR" ] || fail "libwbemev.a not installed"
for f in include/wbemev.h include/wbemev/format.h include/wbemev/module.h include/wbemev/mof.h \
         include/wbemev/testkit.h "$LIBDIR/libwbemev_testkit.a" \
         "$LIBDIR/libwbemev.a" "$LIBDIR/libwbemev.so" "$LIBDIR/libwbemev.so.0" \
         "$LIBDIR/cmake/wbemev/wbemev-config.cmake" "$LIBDIR/cmake/wbemev/wbemev-config-version.cmake" \
         "$LIBDIR/cmake/wbemev/wbemev-targets.cmake" "$LIBDIR/cmake/wbemev/WbemevGenerate.cmake" \
         "$LIBDIR/pkgconfig/wbemev.pc" bin/wbemev; do
  [ -e "$PREFIX/$f" ] || fail "not installed: $f"
done
[ ! -e "$PREFIX/include/wbemev/win.h" ] || fail "wbemev/win.h installed without the COM shim"
if find "$PREFIX/include" -name '*-int.h' | grep . >/dev/null; then fail "private headers installed"; fi

# ---- 4. the installed tool
step "the installed tool"
"$PREFIX/bin/wbemev" --version
"$PREFIX/bin/wbemev" run "$B/examples/burst_plugin.so" --count 800 --format json >"$WORK/events.json" \
  2>"$WORK/run.err" || { cat "$WORK/run.err" >&2; fail "wbemev run on the burst plugin"; }
[ "$(wc -l <"$WORK/events.json")" -eq 800 ] || fail "wbemev run printed $(wc -l <"$WORK/events.json") events, not 800"
grep -q 'stopped: --count 800 reached' "$WORK/run.err" || fail "no summary from wbemev run"
sed -n '/stopped:/,$p' "$WORK/run.err"
[ "$("$PREFIX/bin/wbemev" query 'select * from Burst_Event where Severity>2')" = \
  "SELECT * FROM Burst_Event WHERE Severity > 2" ] || fail "wbemev query (valid)"
if "$PREFIX/bin/wbemev" query 'select * form Burst_Event' 2>"$WORK/query.err"; then
  fail "wbemev query accepted an invalid query"
fi
grep -q '\^' "$WORK/query.err" || fail "wbemev query shows no caret"

# ---- 5. out-of-tree consumers
step "consumer with find_package(wbemev)"
cmake -S tests/package/cmake -B "$WORK/cmake" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release \
  >"$WORK/cmake.log" || { cat "$WORK/cmake.log" >&2; fail "find_package(wbemev)"; }
grep 'wbemev 0' "$WORK/cmake.log" || true
cmake --build "$WORK/cmake" -j "$JOBS" >/dev/null
for exe in consumer consumer_shared consumer_static generate_consumer; do
  "$WORK/cmake/$exe" >"$WORK/$exe.out" || { cat "$WORK/$exe.out" >&2; fail "$exe (find_package)"; }
done
cat "$WORK/consumer.out"
if ldd "$WORK/cmake/consumer_shared" | grep "$PREFIX" >/dev/null; then :; else fail "consumer_shared does not use the installed libwbemev.so"; fi
if ldd "$WORK/cmake/consumer_static" | grep libwbemev >/dev/null; then fail "consumer_static links libwbemev.so"; fi

step "consumer with pkg-config"
export PKG_CONFIG_PATH=$PREFIX/$LIBDIR/pkgconfig
[ "$(pkg-config --modversion wbemev)" = "$(sed -n 's/^project(wbemev VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)" ] \
  || fail "pkg-config --modversion wbemev"
mkdir -p "$WORK/pc"
make -s -C tests/package/pkgconfig O="$WORK/pc" >/dev/null
LD_LIBRARY_PATH=$PREFIX/$LIBDIR "$WORK/pc/consumer" >/dev/null || fail "consumer (pkg-config, shared)"
"$WORK/pc/consumer_static" >/dev/null || fail "consumer (pkg-config, static)"

step "relocated prefix"
mv "$PREFIX" "$WORK/moved"
PREFIX=$WORK/moved
export PKG_CONFIG_PATH=$PREFIX/$LIBDIR/pkgconfig
mkdir -p "$WORK/pc2"
make -s -C tests/package/pkgconfig O="$WORK/pc2" >/dev/null
LD_LIBRARY_PATH=$PREFIX/$LIBDIR "$WORK/pc2/consumer" >/dev/null || fail "consumer (relocated prefix)"
"$PREFIX/bin/wbemev" --version >/dev/null || fail "the relocated tool does not find its library"

# ---- 6. the API reference
step "docs: Doxygen, warnings fail"
cmake --build "$B" --target docs
[ -f "$B/docs/html/index.html" ] || fail "no HTML from Doxygen"

step "package checks passed"
