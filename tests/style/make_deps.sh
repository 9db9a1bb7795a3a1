#!/usr/bin/env bash
# `make` alone never runs the package installer (only deps, check, demo, bench-deps do), and
# scripts/deps.sh goes on where there is no dpkg-query (not Debian), saying so.
set -u
src="${CMDB_SOURCE_DIR:?run through ctest (CMDB_SOURCE_DIR unset)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/make_deps-XXXXXX") || exit 1
[ -n "$T" ] && [ -d "$T" ] || { echo "make_deps: no sandbox" >&2; exit 1; }
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "make_deps: $*" >&2; fails=$((fails + 1)); }

# Dry runs (make -n) print the recipes without running them; BUILD points into the sandbox.
for target in all build test install; do
	out=$(make -n -C "$src" BUILD="$T/b" "$target" 2>&1) || fail "make -n $target failed: $out"
	case "$out" in *deps.sh*) fail "make $target runs the package installer" ;; esac
done
for target in check demo deps; do
	out=$(make -n -C "$src" BUILD="$T/b" "$target" 2>&1)
	case "$out" in *deps.sh*) ;; *) fail "make $target does not run scripts/deps.sh: $out" ;; esac
done

# No dpkg-query on PATH: deps.sh says so and succeeds; a library pkg-config lacks is named.
mkdir -p "$T/bin"
for tool in dirname grep tr id cat; do
	ln -s "$(command -v "$tool")" "$T/bin/$tool" || fail "no $tool"
done
printf '#!/bin/sh\n[ "$2" != jansson ]\n' >"$T/bin/pkg-config"
chmod +x "$T/bin/pkg-config"
rc=0
err=$(PATH="$T/bin" /bin/sh "$src/scripts/deps.sh" 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "deps.sh without dpkg-query exits $rc: $err"
case "$err" in *"no dpkg-query"*) ;; *) fail "deps.sh does not say there is no dpkg-query: $err" ;; esac
case "$err" in *"does not find jansson"*) ;; *) fail "deps.sh does not name the missing jansson: $err" ;; esac
case "$err" in *libgit2*) fail "deps.sh names a library pkg-config finds: $err" ;; esac

[ "$fails" = 0 ] || exit 1
echo "make_deps: make alone installs nothing; deps.sh goes on without dpkg-query"
