#!/bin/bash
# The scan/commit race of issue 7 item 2, for as long as the issue ran it (prints
# the counts; not a test: ctest runs the same script bounded by scan count).
#
#   bench/scan_race.sh BUILD_DIR [SECONDS]      (default 90 s; run as root: the lab runs sshd)
#
# A scan loop (web01, its persona flipped every scan so host/web01.yaml is
# rewritten each time) races a person's loop that adds an annotation to
# host/web01.yaml and runs `gitcmdb commit`. Prints scans, annotation commits and
# lost updates (annotations committed that main no longer has); lost must be 0.
set -euo pipefail
BUILD=${1:?usage: bench/scan_race.sh BUILD_DIR [SECONDS]}
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$BUILD/gitcmdb" ] || { echo "bench/scan_race: build $BUILD/gitcmdb first" >&2; exit 1; }
export GITCMDB="$BUILD/gitcmdb" CMDB_SOURCE_DIR="$HERE/.." CMDB_BUILD_DIR="$BUILD" \
	PYTHON=/usr/bin/python3 CMDB_RACE_SECONDS="${2:-90}"
exec bash "$HERE/../tests/integration/scan_race.sh"
