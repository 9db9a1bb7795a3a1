#!/bin/sh
# Install, with apt-get, only the Debian packages that are missing; a no-op when all are there.
# Not Debian (no dpkg-query): say so and go on; CMake's pkg-config checks find the libraries.
set -eu
here=$(dirname "$0")
if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: no dpkg-query, so not a Debian system: installing nothing." >&2
	echo "deps: the build needs the equivalents of scripts/packages.txt; CMake checks the libraries." >&2
	if command -v pkg-config >/dev/null 2>&1; then
		for m in libgit2 libssh2 yaml-0.1 sqlite3 jansson libcrypto; do
			pkg-config --exists "$m" || echo "deps: pkg-config does not find $m" >&2
		done
	fi
	exit 0
fi
pkgs=$(grep -v '^#' "$here/packages.txt" | tr -s ' \n' ' ')
pkgs="$pkgs ${CMDB_EXTRA_PACKAGES:-}"
missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run 'sudo make deps' (or install them with apt-get) and try again" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
