#!/usr/bin/env bash
# Layer dependency check of the core (lib/). The core lives in layer folders, lowest first:
#
#   platform/ (0) < base/ (1) < model/ (2) < query/ (3) < contract/ (4) < dispatch/ (5)
#   < output/ (6) < mof/ (7) < testkit/ (8) < win/ (9)
#
# A file may use its own layer or lower ones, never a higher one. Two checks, each printing every
# offending file, the header or symbol, and the two layers:
#
#  a. includes: an `#include "..."` of a lib/**/*.c or *.h file must not name a header in a folder of
#     a higher layer. Includes resolve as the compiler resolves them: against the including file's
#     folder, then lib/, then include/; failing those, to the one header of lib/ with that path.
#     The public headers (wbemev.h, wbemev/*.h) are always allowed.
#  b. symbols: nm over the object files of the OBJECT library wbemev_objects (built in BUILD_DIR
#     with `cmake --build BUILD_DIR --target wbemev_objects`) and of wbemev_testkit (layer testkit)
#     and wbemev_win (layer win) when they are built: an object of layer L must not have an undefined
#     reference to a symbol defined by an object of a higher layer. Calls inside one layer are fine.
#
# Until the core is moved into layer folders (no lib/base, lib/model, lib/contract, lib/dispatch or
# lib/output folder yet), files directly under lib/ are reported as "not in a layer" and the symbol
# check is skipped when there is no wbemev_objects target. Once any of those folders exists the tree
# counts as layered and the check is strict: a file or object outside the layer folders fails, so
# do an include that resolves to no header (its layer is unknown) and a missing wbemev_objects target.
#
# Usage: check-layers.sh [-s SOURCE_DIR] [-b BUILD_DIR] [-n] [--self-test | --no-self-test]
#   -s  the tree to check (default: this repository)
#   -b  its build directory (default: SOURCE_DIR/build/layers, configured here if it has no
#       CMakeCache.txt, with only the libraries enabled)
#   -n  build nothing: read the object files already in BUILD_DIR
#   --self-test     only run the check on small synthetic trees (violations must fail, clean trees
#                   must pass); --no-self-test: skip that. By default both run, the self-test first.
# Exits 1 on a violation, 2 on a usage or setup error.
set -euo pipefail

LAYERS=(platform base model query contract dispatch output mof testkit win)
NEW_LAYER_DIRS=(base model contract dispatch output) # folders that exist only once the core is layered

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
src=""
build=""
nobuild=0
selftest=both
while [ $# -gt 0 ]; do
  case $1 in
    -s) src=$2; shift 2 ;;
    -b) build=$2; shift 2 ;;
    -n) nobuild=1; shift ;;
    --self-test) selftest=only; shift ;;
    --no-self-test) selftest=none; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-layers: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$src" ] || src=$(cd "$(dirname "$0")/.." && pwd)
src=$(cd "$src" && pwd)
[ -n "$build" ] || build=$src/build/layers
[ -d "$src/lib" ] || { echo "check-layers: no lib/ in $src" >&2; exit 2; }

layer_index() { # NAME -> its index, or -1
  local i
  for i in "${!LAYERS[@]}"; do
    [ "${LAYERS[$i]}" = "$1" ] && { echo "$i"; return; }
  done
  echo -1
}

layer_of() { # PATH-RELATIVE-TO-lib -> the layer's name, or nothing when it is in no layer folder
  local first=${1%%/*}
  [ "$first" != "$1" ] || return 0
  [ "$(layer_index "$first")" -ge 0 ] && echo "$first"
  return 0
}

# ---------------------------------------------------------------- self-test
run_self_test() {
  local t cc=${CC:-cc} out rc failures=0
  t=$(mktemp -d "${TMPDIR:-/tmp}/wbemev-layers.XXXXXX")

  mk() { mkdir -p "$(dirname "$1")" && cat >"$1"; } # FILE <<text
  obj() { # TREE SOURCE-RELATIVE-TO-lib: compile it where CMake would put wbemev_objects' object
    local o=$1/build/lib/CMakeFiles/wbemev_objects.dir/$2.o
    mkdir -p "$(dirname "$o")"
    "$cc" -c -o "$o" -I "$1/lib" -I "$1/include" "$1/lib/$2"
  }
  expect() { # pass|fail TREE DESCRIPTION [TEXT THE OUTPUT MUST HAVE...]
    local want=$1 tree=$2 what=$3
    shift 3
    set +e
    out=$(bash "$self" -s "$tree" -b "$tree/build" -n --no-self-test 2>&1)
    rc=$?
    set -e
    local ok=1 s
    if [ "$want" = pass ] && [ $rc -ne 0 ]; then ok=0; fi
    if [ "$want" = fail ] && [ $rc -ne 1 ]; then ok=0; fi
    for s in "$@"; do
      grep -qF -- "$s" <<<"$out" || ok=0
    done
    if [ $ok = 1 ]; then
      if [ "$want" = pass ]; then s=passes; else s=fails; fi
      echo "check-layers: self-test: $what: $s as it should"
    else
      echo "check-layers: self-test: $what: expected to $want (with: $*), got exit $rc:" >&2
      sed 's/^/    /' <<<"$out" >&2
      failures=$((failures + 1))
    fi
  }

  # 1. base calls up into dispatch: the symbol check fails.
  mk "$t/up/lib/base/a.c" <<'C'
void dispatch_run(void);
void base_work(void);
void base_work(void) { dispatch_run(); }
C
  mk "$t/up/lib/dispatch/b.c" <<'C'
void dispatch_run(void);
void dispatch_run(void) {}
C
  obj "$t/up" base/a.c && obj "$t/up" dispatch/b.c
  expect fail "$t/up" "base/a.c calling dispatch/b.c" "lib/base/a.c" "dispatch_run" "lib/dispatch/b.c" \
    "(base, 1)" "(dispatch, 5)"

  # 2. the reverse, and two files of one layer calling each other: passes.
  mk "$t/down/lib/base/a.c" <<'C'
int base_value(void);
int base_value(void) { return 1; }
C
  mk "$t/down/lib/dispatch/b.c" <<'C'
int base_value(void);
int dispatch_run(void);
int dispatch_run(void) { return base_value(); }
C
  mk "$t/down/lib/model/class.c" <<'C'
int object_count(void);
int class_count(void);
int class_count(void) { return object_count() + 1; }
C
  mk "$t/down/lib/model/object.c" <<'C'
int class_count(void);
int object_count(void);
int object_count(void) { return 0 * class_count(); }
C
  for f in base/a.c dispatch/b.c model/class.c model/object.c; do obj "$t/down" "$f"; done
  expect pass "$t/down" "dispatch/b.c calling base/a.c, model/ calling itself"

  # 3. includes: a base header including a dispatch one (relative to its folder), a model source
  #    including one relative to lib/: both fail.
  mk "$t/inc-up/lib/base/a.h" <<'C'
#include "../dispatch/b.h"
C
  mk "$t/inc-up/lib/model/m.c" <<'C'
#  include "dispatch/b.h"
C
  mk "$t/inc-up/lib/dispatch/b.h" </dev/null
  obj "$t/inc-up" model/m.c
  expect fail "$t/inc-up" "base/a.h and model/m.c including dispatch/b.h" \
    'lib/base/a.h (base, 1) includes "../dispatch/b.h" = lib/dispatch/b.h (dispatch, 5)' \
    'lib/model/m.c (model, 2) includes "dispatch/b.h" = lib/dispatch/b.h (dispatch, 5)'

  # 4. includes downwards, within a layer and of the public headers: pass.
  mk "$t/inc-down/lib/dispatch/b.c" <<'C'
#include "../base/a.h"
#include "base/a.h"
#include "b.h"
#include "wbemev.h"
#include "wbemev/status.h"
C
  mk "$t/inc-down/lib/dispatch/b.h" </dev/null
  mk "$t/inc-down/lib/base/a.h" </dev/null
  mk "$t/inc-down/include/wbemev.h" </dev/null
  mk "$t/inc-down/include/wbemev/status.h" </dev/null
  obj "$t/inc-down" dispatch/b.c
  expect pass "$t/inc-down" "dispatch/b.c including base/, its own layer and the public headers"

  # 5. today's flat tree: files directly under lib/, no wbemev_objects objects: reported, passes.
  mk "$t/flat/lib/a.c" <<'C'
#include "b.h"
C
  mk "$t/flat/lib/b.h" </dev/null
  mk "$t/flat/lib/query/q.c" <<'C'
#include "../b.h"
C
  expect pass "$t/flat" "the flat tree" "not in a layer" "skipped"

  # 6. a layered tree with a file left outside the layer folders, and no objects: fails.
  mk "$t/stray/lib/base/a.c" </dev/null
  mk "$t/stray/lib/stray.c" </dev/null
  expect fail "$t/stray" "a layered tree with lib/stray.c and no wbemev_objects objects" \
    "lib/stray.c" "not in a layer" "wbemev_objects"

  rm -rf "$t"
  if [ $failures -ne 0 ]; then
    echo "check-layers: self-test: $failures case(s) went wrong" >&2
    return 1
  fi
  echo "check-layers: self-test: ok"
}

if [ "$selftest" != none ]; then
  run_self_test || exit 1
  [ "$selftest" = only ] && exit 0
fi

# ---------------------------------------------------------------- the tree
layered=0
for d in "${NEW_LAYER_DIRS[@]}"; do
  [ -d "$src/lib/$d" ] && layered=1
done
if [ $layered = 1 ]; then
  echo "check-layers: $src/lib is layered: strict"
else
  echo "check-layers: $src/lib is not layered yet (none of lib/{$(IFS=,; echo "${NEW_LAYER_DIRS[*]}")}):" \
       "files outside the layer folders are reported, not failed"
fi

violations=0
outside=()

# ---- a. includes
nfiles=0
nincludes=0
unresolved=0
searched=0
to_outside=0
while IFS= read -r -d '' f; do
  rel=${f#"$src/lib/"}
  nfiles=$((nfiles + 1))
  L=$(layer_of "$rel")
  if [ -z "$L" ]; then
    outside+=("lib/$rel")
    continue
  fi
  Li=$(layer_index "$L")
  dir=$(dirname "$f")
  while IFS= read -r inc; do
    [ -n "$inc" ] || continue
    nincludes=$((nincludes + 1))
    case $inc in
      wbemev.h|wbemev/*.h) continue ;; # the public API
    esac
    target=""
    for base in "$dir" "$src/lib" "$src/include"; do
      if [ -f "$base/$inc" ]; then
        target=$(realpath -m --relative-to="$src" "$base/$inc")
        break
      fi
    done
    if [ -z "$target" ]; then
      # Not where the compiler looks first: the one header of lib/ with that path, if there is
      # exactly one (a target may add layer folders to its include path).
      cands=$(cd "$src" && find lib -type f -path "*/$inc" 2>/dev/null)
      if [ -n "$cands" ] && [ "$(wc -l <<<"$cands")" -eq 1 ]; then
        target=$cands
        searched=$((searched + 1))
      else
        unresolved=$((unresolved + 1))
        if [ $layered = 1 ]; then
          echo "layer violation: lib/$rel ($L, $Li) includes \"$inc\", which is neither relative to its" \
               "folder, lib/ or include/ nor one header of lib/: its layer is unknown"
          violations=$((violations + 1))
        fi
        continue
      fi
    fi
    case $target in
      include/*) continue ;; # a public header by another path
      lib/*) ;;
      *) continue ;;
    esac
    M=$(layer_of "${target#lib/}")
    if [ -z "$M" ]; then
      to_outside=$((to_outside + 1))
      continue
    fi
    Mi=$(layer_index "$M")
    if [ "$Mi" -gt "$Li" ]; then
      echo "layer violation: lib/$rel ($L, $Li) includes \"$inc\" = $target ($M, $Mi)"
      violations=$((violations + 1))
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done < <(find "$src/lib" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
echo "check-layers: includes: $nfiles files, $nincludes quoted includes in the layer folders" \
     "($to_outside of headers outside the layer folders, $searched found by name, $unresolved not found)"

if [ ${#outside[@]} -gt 0 ]; then
  if [ $layered = 1 ]; then
    for f in "${outside[@]}"; do
      echo "layer violation: $f is not in a layer folder (lib/{$(IFS=,; echo "${LAYERS[*]}")}/)"
      violations=$((violations + 1))
    done
  else
    echo "check-layers: not in a layer (${#outside[@]} files, not checked): ${outside[*]}"
  fi
fi

# ---- b. symbols
symbols_checked=0
if [ $nobuild = 0 ]; then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    echo "check-layers: configuring $build (the libraries only)"
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=OFF -DWBEMEV_BUILD_EXAMPLES=OFF \
      -DWBEMEV_BUILD_BENCH=OFF -DWBEMEV_BUILD_TOOLS=OFF -DWBEMEV_BUILD_DOCS=OFF >/dev/null
  else
    cmake "$build" >/dev/null
  fi
  targets=$(cmake --build "$build" --target help 2>/dev/null | sed -n 's/^\.\.\. \([A-Za-z0-9_]*\).*/\1/p; s/^\([A-Za-z0-9_]*\): phony$/\1/p')
  if grep -qx wbemev_objects <<<"$targets"; then
    want=(wbemev_objects)
    for extra in wbemev_testkit wbemev_win; do
      grep -qx "$extra" <<<"$targets" && want+=("$extra")
    done
    echo "check-layers: building ${want[*]} in $build"
    cmake --build "$build" -j "${JOBS:-2}" --target "${want[@]}" >/dev/null
  fi
fi

listing=$(mktemp "${TMPDIR:-/tmp}/wbemev-layers-nm.XXXXXX")
trap 'rm -f "$listing"' EXIT
nobjects=0
objects_outside=()
if [ -d "$build" ]; then
  # target-dir layer: objects of wbemev_objects take the layer of their path; the others, their target's.
  for spec in wbemev_objects: wbemev_testkit:testkit wbemev_win:win; do
    tname=${spec%%:*}
    tlayer=${spec#*:}
    while IFS= read -r -d '' tdir; do
      # BUILD/<dir>/CMakeFiles/<target>.dir: the objects' paths are relative to <dir> of the source tree.
      cdir=${tdir%/CMakeFiles/*}
      cdir=${cdir#"$build"}
      cdir=${cdir#/}
      while IFS= read -r -d '' o; do
        rel=${o#"$tdir/"}
        rel=${rel%.o}
        rel=${rel%.obj}
        [ -n "$cdir" ] && rel=$cdir/$rel
        rel=${rel#lib/}
        if [ -n "$tlayer" ]; then L=$tlayer; else L=$(layer_of "$rel"); fi
        nobjects=$((nobjects + 1))
        if [ -z "$L" ]; then
          objects_outside+=("lib/$rel")
          continue
        fi
        nm -P "$o" | awk -v file="lib/$rel" -v layer="$L" -v idx="$(layer_index "$L")" \
          'NF >= 2 { print idx, layer, file, $2, $1 }' >>"$listing"
      done < <(find "$tdir" -type f \( -name '*.o' -o -name '*.obj' \) -print0 | sort -z)
    done < <(find "$build" -type d -name "$tname.dir" -path '*/CMakeFiles/*' -print0 2>/dev/null)
  done
fi

if [ $nobjects -eq 0 ]; then
  if [ $layered = 1 ]; then
    echo "layer violation: no object files of wbemev_objects under $build: the symbol check cannot run" \
         "(lib/CMakeLists.txt must build the core as the OBJECT library wbemev_objects)"
    violations=$((violations + 1))
  else
    echo "check-layers: symbols: skipped: no wbemev_objects target or objects in $build" \
         "(the core is not built as one OBJECT library yet)"
  fi
else
  symbols_checked=1
  if [ ${#objects_outside[@]} -gt 0 ]; then
    if [ $layered = 1 ]; then
      for f in "${objects_outside[@]}"; do
        echo "layer violation: the object of $f is not in a layer folder"
        violations=$((violations + 1))
      done
    else
      echo "check-layers: objects not in a layer (${#objects_outside[@]}, not checked): ${objects_outside[*]}"
    fi
  fi
  # Defined: any upper-case nm type but U (T, D, B, R, C, W, V, ...). Undefined: U, and w/v (weak
  # undefined). Lower-case defined types are local symbols: nothing outside the object can use them.
  sym_violations=$(awk '
    { idx[NR] = $1; layer[NR] = $2; file[NR] = $3; type[NR] = $4; name[NR] = $5
      if ($4 ~ /^[A-Z]$/ && $4 != "U") { defs[$5] = defs[$5] SUBSEP NR } }
    END {
      for (i = 1; i <= NR; i++) {
        if (type[i] != "U" && type[i] != "w" && type[i] != "v") continue
        if (!(name[i] in defs)) continue
        k = split(substr(defs[name[i]], 2), d, SUBSEP)
        for (j = 1; j <= k; j++) {
          if (idx[d[j]] + 0 > idx[i] + 0) {
            key = file[i] SUBSEP name[i] SUBSEP file[d[j]]
            if (key in seen) continue
            seen[key] = 1
            printf "layer violation: %s (%s, %d) uses %s, defined in %s (%s, %d)\n",
                   file[i], layer[i], idx[i], name[i], file[d[j]], layer[d[j]], idx[d[j]]
          }
        }
      }
    }' "$listing")
  if [ -n "$sym_violations" ]; then
    printf '%s\n' "$sym_violations"
    violations=$((violations + $(wc -l <<<"$sym_violations")))
  fi
  echo "check-layers: symbols: $nobjects objects, $(awk '$4 ~ /^[A-Z]$/ && $4 != "U"' "$listing" | wc -l)" \
       "global definitions, $(awk '$4 == "U"' "$listing" | wc -l) undefined references"
fi

if [ $violations -ne 0 ]; then
  echo "check-layers: FAILED: $violations layer violation(s)" >&2
  exit 1
fi
if [ $symbols_checked = 1 ]; then
  echo "check-layers: ok (includes and symbols)"
else
  echo "check-layers: ok (includes; symbols skipped)"
fi
