#!/bin/sh
# fetch-cmocka-source.sh DEST: puts cmocka's upstream source in DEST/cmocka-<version> and prints that
# path. Debian ships no mingw cmocka, so the mingw build compiles it from Debian's source package
# (the same version as the Linux libcmocka-dev), fetched with apt-get through a private state
# directory: the machine's apt configuration is left alone and nothing third-party is committed.
#
# Environment:
#   WBEMEV_CMOCKA_TARBALL  use this cmocka-*.tar.xz/.tar.gz instead of downloading
#   WBEMEV_DEBIAN_MIRROR   Debian mirror for the deb-src index (default http://deb.debian.org/debian)
#   WBEMEV_DEBIAN_SUITE    suite (default: VERSION_CODENAME of /etc/os-release, else bookworm)
set -eu

dest=${1:?usage: fetch-cmocka-source.sh DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

existing=$(find "$dest" -maxdepth 3 -path "$dest/cmocka-*/include/cmocka.h" 2>/dev/null | head -n 1)
if [ -n "$existing" ]; then
    dirname "$(dirname "$existing")"
    exit 0
fi

tarball=${WBEMEV_CMOCKA_TARBALL:-}
if [ -z "$tarball" ]; then
    apt="$dest/apt"
    mkdir -p "$apt/lists/partial" "$apt/parts" "$apt/cache/archives/partial" "$apt/download"
    : > "$apt/sources.list"
    suite=${WBEMEV_DEBIAN_SUITE:-}
    if [ -z "$suite" ] && [ -r /etc/os-release ]; then
        suite=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
    fi
    suite=${suite:-bookworm}
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    {
        echo "Types: deb-src"
        echo "URIs: ${WBEMEV_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
        echo "Suites: $suite"
        echo "Components: main"
        if [ -r "$keyring" ]; then echo "Signed-By: $keyring"; fi
    } > "$apt/parts/wbemev-src.sources"
    set -- -q -o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/parts" \
        -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Debug::NoLocking=1
    if [ "$(id -u)" = 0 ]; then
        set -- "$@" -o APT::Sandbox::User=root
    fi
    apt-get "$@" update >&2
    (cd "$apt/download" && apt-get "$@" source --download-only cmocka >&2)
    rm -rf "$apt/lists" "$apt/cache" # the ~20 MB index is no longer needed
    tarball=$(find "$apt/download" -maxdepth 1 -name 'cmocka_*.orig.tar.*' | head -n 1)
    if [ -z "$tarball" ]; then
        echo "fetch-cmocka-source.sh: apt-get source cmocka gave no orig tarball" >&2
        exit 1
    fi
fi

tar -xf "$tarball" -C "$dest"
existing=$(find "$dest" -maxdepth 3 -path "$dest/cmocka-*/include/cmocka.h" | head -n 1)
if [ -z "$existing" ]; then
    echo "fetch-cmocka-source.sh: $tarball holds no cmocka-*/include/cmocka.h" >&2
    exit 1
fi
dirname "$(dirname "$existing")"
